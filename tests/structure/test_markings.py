"""Tolerant recognition of markings, stamps and page numbers as OCR leaves them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from pipeline import tei
from pipeline.model import InputKind, Line, Page, PageSource
from pipeline.structure import Furniture, FurnitureKind, Paragraph, analyse, markings
from pipeline.structure.vocabulary import numeric_date
from pipeline.validate import Validator
from tests.conftest import DATA, NS
from tests.ocr_pages import load_pages
from tests.render import typed_line

OCR = DATA / "ocr"


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
    # a stamp's phrase ("DECLASSIFIED IN PART"), not a word that starts so: a paragraph's line
    # below a stamp is no line of the stamp
    assert markings.declassification_phrase("DECLASSIFIED IN PART")
    assert not markings.declassification_phrase("3. IN PARTICULAR WE WOULD LIKE TO KNOW WHAT")


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
        ("PAGE 02 OF 04 MOSCOW 17709 141540Z", ("2", True)),  # a Situation Room copy
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


# --- markings struck out past reading ---------------------------------------------------------

BODY = ["MEMORANDUM FOR THE RECORD", "SUBJECT: The Minister's visit to Washington",
        "1. The Ambassador said that the Government had decided to send",
        "a delegation in the spring, and that it would be led by the Minister."]


def _scan(bottom: list[Line]) -> list[Page]:
    """A scanned page: its typed text at the top, `bottom` at its foot (y 3000 and on)."""
    lines = [typed_line(text, 300 + 60 * n) for n, text in enumerate(BODY)]
    return [Page(1, PageSource("p.png", 0, InputKind.images), [*lines, *bottom], 2550, 3300)]


def _struck(line: Line, *texts: str) -> Line:
    return Line(tuple(replace(w, struck=w.text in texts) for w in line.words), line.box)


def _unread(pages: list[Page]) -> list[Furniture]:
    items = [i for i in analyse(pages, [], today=TODAY).items if isinstance(i, Furniture)]
    return [i for i in items if i.kind is FurnitureKind.classification and i.marking is None]


def test_a_struck_line_that_reads_as_no_word_beside_a_marking_is_a_marking_struck_out() -> None:
    """"SECRET/NOFORN" under a heavy stroke, read "SIRERE ANDERE p"; UNCLASSIFIED set below."""
    pages = _scan([_struck(typed_line("SIRERE ANDERE p", 3000), "SIRERE", "ANDERE"),
                   typed_line("UNCLASSIFIED", 3060)])
    [found] = _unread(pages)
    assert found.struck and found.place == "bottom"
    meta = tei.DocumentMeta("struck", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, pages, [], analyse(pages, [], today=TODAY), {})
    assert not Validator().problems(tei.parse(tei.serialize(root)), "struck")
    fw = root.find(".//t:fw[@type='classification']", NS)
    assert fw.find("t:del/t:stamp", NS).text == "SIRERE ANDERE"
    assert fw.find("t:del/t:stamp", NS).get("n") is None and fw.find("t:stamp", NS) is None
    notes = [n.text for n in root.iterfind(".//t:sourceDesc//t:note[@type='classification']", NS)]
    assert "a marking the OCR could not read (struck through on declassification)" in notes


@pytest.mark.parametrize(("case", "bottom"), [
    ("no marking beside it", [_struck(typed_line("SIRERE ANDERE p", 3000), "SIRERE", "ANDERE")]),
    ("words struck", [_struck(typed_line("the Minister said", 3000), "Minister", "said"),
                      typed_line("UNCLASSIFIED", 3060)]),
    ("not struck", [typed_line("SIRERE ANDERE p", 3000), typed_line("UNCLASSIFIED", 3060)]),
    ("in the text", [_struck(typed_line("SIRERE ANDERE p", 1500), "SIRERE", "ANDERE"),
                     typed_line("UNCLASSIFIED", 1560)]),
])
def test_no_unread_marking_where_it_is_not_one(case: str, bottom: list[Line]) -> None:
    assert _unread(_scan(bottom)) == [], case


@pytest.mark.parametrize("name", sorted(p.stem for p in OCR.glob("*.json")))
def test_the_real_pages_unread_markings_are_the_directives_struck_ones(name: str) -> None:
    """NSDD 227's typed SECRET/NOFORN, struck at the foot of pages 1 to 4, read as junk.

    Each stands beside its UNCLASSIFIED or release stamp; nowhere else is one found.
    """
    pages = load_pages(OCR / f"{name}.json")
    found = [(i.lines[0].page + 1, i.place, i.struck) for i in _all_unread(pages)]
    assert found == ([(p, "bottom", True) for p in (1, 2, 3, 4)] if name == "nsdd227" else [])


def _all_unread(pages: list[Page]) -> list[Furniture]:
    items = analyse(pages, [], today=TODAY).items
    within = [c for i in items if isinstance(i, Paragraph) for c in i.content]
    return [i for i in [*items, *within] if isinstance(i, Furniture)
            and i.kind is FurnitureKind.classification and i.marking is None]
