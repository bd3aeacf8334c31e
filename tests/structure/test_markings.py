"""Tolerant recognition of markings, stamps and page numbers as OCR leaves them."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.structure import markings
from pipeline.structure.vocabulary import numeric_date


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


TODAY = date(2026, 12, 3)


def test_declassification_stamp_lines() -> None:
    for line in (
        "DECLASSIFIED",
        "NLRR FOI 714/5 #8479",
        "BY AI NARA DATE 11/29/07",
        "Authority NLR-748-25-12-3-1",
        "Declassified/Released on 11/27/92 under provisions of E.O. 12356 by S. Tilley",
        "Partially Declassified/Released on 2/3/97",
        "under provisions of E.O. 12958",
        "by S. Tilley, National Security Council",
        "DEPARTMENT OF STATE A/CDC/MR",
        "REVIEWED BY J. SMITH DATE 11/14/89",
        "( ) RELEASE (X) DECLASSIFY",
        "( ) EXCISE ( ) DECLASSIFY IN PART",
        "EO Citations",
        "DEPARTMENT OF STATE APPEALS REVIEW PANEL",
        "Sanitized Copy Approved for Release 2010/06/07",
        "2025 RELEASE UNDER THE PRESIDENT JOHN F. KENNEDY ASSASSINATION RECORDS ACT OF 1992",
        "Document Number 1051-1082 for FOIA Review on APR 1976",
    ):
        assert markings.is_declassification(line), line
    for line in (
        "Authority to negotiate was given in May.",
        "NATIONAL SECURITY COUNCIL",  # a letterhead, no release notice
        "The paper was reviewed by the committee.",
    ):
        assert not markings.is_declassification(line), line


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("NLRR FOI 714/5 #8479", "NLRR FOI 714/5 #8479"),
        ("NLRR FOL 714/5 #8479", "NLRR FOI 714/5 #8479"),  # FOL: the OCR's slip for FOI
        ("NLRR F0I 7l4/5 # 8479", "NLRR FOI 714/5 #8479"),
        ("Authority NLR-748-25-12-3-1", "NLR 748-25-12-3-1"),
        ("Authority NND 979520", "NND 979520"),
        ("Document Number 1051-1082 for FOIA Review", "Document Number 1051-1082"),
        ("MR Case No. 93-211", "MR Case No. 93-211"),
        ("DECLASSIFIED", None),
        ("NIL 12 men", None),
    ],
)
def test_case_numbers_read_through_ocr_slips(text: str, number: str | None) -> None:
    found = markings.case_number(text)
    assert (found[1] if found else None) == number


def test_stamp_date_authority_and_reviewer() -> None:
    nsc = (
        "Declassified/Released on 11/27/92 under provisions of E.O. 12356 by S. Tilley, "
        "National Security Council"
    )
    assert numeric_date(nsc, TODAY) == ("11/27/92", "1992-11-27")
    assert markings.authority(nsc) == "E.O. 12356"
    assert markings.reviewer(nsc) == "S. Tilley"
    assert numeric_date("BY AI NARA DATE 11/29/07", TODAY) == ("11/29/07", "2007-11-29")
    assert markings.reviewer("BY AI NARA DATE 11/29/07") == "AI"
    assert markings.reviewer("REVIEWED BY J. Smith DATE 11/14/89") == "J. Smith"
    assert numeric_date("DATE 13/45/89", TODAY) is None


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


@pytest.mark.parametrize(
    ("text", "level"),
    [("ScunET", "SECRET"), ("SECHET", "SECRET"), ("UNCLASSipice", "UNCLASSIFIED"),
     ("SECTION", None), ("STEVENS", None), ("Secret", None), ("SECRET talks", None)],
)
def test_a_lone_level_at_the_edge_read_badly(text: str, level: str | None) -> None:
    assert markings.lone_level(text) == level
