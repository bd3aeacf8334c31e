"""One date parser, one rule for two-digit years, never a date after the day of processing."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline import publication
from pipeline.structure import vocabulary

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("June 23, 1986", "1986-06-23"),
        ("23 June 1986", "1986-06-23"),
        ("OCT 14 1986", "1986-10-14"),
        ("Sept. 3, 1962", "1962-09-03"),
        ("2/FEB/1965", "1965-02-02"),
        ("6/23/86", "1986-06-23"),
        ("3/5/47", "1947-03-05"),  # not 2047: no document is dated after the day it is read
        ("11/29/07", "2007-11-29"),
        ("12/2/26", "2026-12-02"),
        ("12/4/26", "1926-12-04"),  # tomorrow in 2026 cannot be: 1926
        ("Date: 11/27/1992 by S. Tilley", "1992-11-27"),
        ("February 30, 1986", None),
        ("on 13/45/89", None),
        ("January 1, 2030", None),  # after the day of processing
        ("no date here", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    found = vocabulary.parse_date(text, TODAY)
    assert (found[1] if found else None) == iso


def test_the_first_date_in_the_text_is_the_one() -> None:
    assert vocabulary.parse_date("sent 6/23/86, received June 25, 1986", TODAY) == (
        "6/23/86",
        "1986-06-23",
    )


def test_date_lines() -> None:
    assert vocabulary.date_alone("May 23, 1986", TODAY) == ("May 23, 1986", "1986-05-23")
    assert vocabulary.date_alone("October 14, 1986.", TODAY) == ("October 14, 1986", "1986-10-14")
    assert vocabulary.date_alone("Meeting of May 23, 1986", TODAY) is None


def test_times() -> None:
    assert vocabulary.parse_time_range("4:55 - 5:35pm") == ("16:55:00", "17:35:00")
    assert vocabulary.parse_time_range("11:30 - 1:15pm") == ("11:30:00", "13:15:00")
    assert vocabulary.parse_time_range("10:00 a.m.") == ("10:00:00", None)


def test_processing_day_follows_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert publication.processing_day() == date(2023, 11, 14)
