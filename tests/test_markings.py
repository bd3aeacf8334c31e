"""Tolerant recognition of markings, stamps and page numbers as OCR leaves them."""

from __future__ import annotations

import pytest

from pipeline import markings


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SECRET/SENSITIVE", "SECRET/SENSITIVE"),
        ("SECRET/&ENCITIVE", "SECRET/SENSITIVE"),
        ("UNCLASSIFJ[ER", "UNCLASSIFIED"),
        ("UNCLASSiFigp", "UNCLASSIFIED"),
        ("TOP SECRET - EYES ONLY", "TOP SECRET EYES ONLY"),
        ("CONFIDENTIAL", "CONFIDENTIAL"),
        ("NODIS", "NODIS"),
        ("S E C R E T MOSCOW 11873", "SECRET"),
        ("| _ SECRET Document Number", "SECRET"),
    ],
)
def test_markings_matched_tolerantly(text: str, form: str) -> None:
    assert markings.marking_form(text) == form


@pytest.mark.parametrize(
    "text", ["SECRETARY", "Secret talks began", "THE END", "DECLASSIFIED", "The Secretary said"]
)
def test_ordinary_text_is_no_marking(text: str) -> None:
    assert markings.classification(text) is None


def test_declassification_stamp_lines() -> None:
    for line in (
        "DECLASSIFIED",
        "NLRR FOI 714/5 #8479",
        "BY AI NARA DATE 11/29/07",
        "Authority NLR-748-25-12-3-1",
        "E.O. 12356: DECL: OADR",
        "Declassified/Released on 11/27/92 under provisions of E.O. 12356 by S. Tilley",
    ):
        assert markings.is_declassification(line), line
    assert not markings.is_declassification("Authority to negotiate was given in May.")
    assert markings.declassification_idno("NLRR FOI 714/5 #8479") == "NLRR FOI 714/5 #8479"
    assert markings.numeric_date("BY AI NARA DATE 11/29/07") == ("11/29/07", "2007-11-29")
    assert markings.numeric_date("on 11/27/92 under") == ("11/27/92", "1992-11-27")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- 5 -", ("5", True)),
        ("- 2 _", ("2", True)),
        ("Page 2 of 3", ("2", True)),
        ("2.", ("2", True)),
        ("30", ("30", False)),
        ("; 31", ("31", False)),
        ("PAGE 01        MOSCOW 11873  231458Z", ("1", True)),
        ("1986", ("1986", False)),
        ("The end.", None),
    ],
)
def test_page_numbers(text: str, expected: tuple[str, bool] | None) -> None:
    assert markings.page_number(text) == expected


def test_portion_markings() -> None:
    assert all(
        markings.is_portion_marking(t) for t in ("(S)", "(C)", "(U)", "(TS)", "(S/S)", "(C).")
    )
    assert not any(markings.is_portion_marking(t) for t in ("(a)", "(see)", "S"))
