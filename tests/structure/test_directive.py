"""Presidential directives: a written NSDD, and NSDD 227 as Tesseract reads the real scan."""

from __future__ import annotations

from pipeline.structure import FurnitureKind
from tests.conftest import REPO
from tests.structure.conftest import furniture, page_of, text

MEMOS = REPO / "tests" / "resources" / "memos"


def test_directive_written(read_text) -> None:
    pages, tree = read_text(MEMOS / "directive-1983-nsdd.txt")
    assert (tree.kind.name, tree.kind.div_type) == ("directive", "directive")
    assert tree.number == "75"
    assert tree.title == (
        "National Security Decision Directive 75: U.S. RELATIONS WITH THE USSR, 1983-01-17"
    )
    assert [text(pages, r) for r in tree.header.letterhead] == ["THE WHITE HOUSE", "WASHINGTON"]
    assert len(tree.header.doc_type) == 2  # the heading runs over two lines
    (stamp,) = furniture(tree, FurnitureKind.declassification)
    assert (stamp.date_iso, stamp.authority, stamp.reviewer) == (
        "1992-11-27",
        "E.O. 12356",
        "S. Tilley",
    )
    assert len(stamp.lines) == 3  # the NSC notice is one stamp
    marks = furniture(tree, FurnitureKind.classification)
    assert [m.marking for m in marks] == ["SECRET", "UNCLASSIFIED"] * 2
    assert [m.struck for m in marks] == [True, False] * 2


def test_nsdd_227_real(read_ocr) -> None:
    pages, tree = read_ocr("nsdd227")
    assert (tree.kind.name, tree.number, tree.date_iso) == ("directive", "227", "1986-05-23")
    assert tree.title == (
        "National Security Decision Directive 227: U.S. INTERIM RESTRAINT POLICY, 1986-05-23"
    )
    assert [text(pages, r) for r in tree.header.letterhead] == ["THE WHITE HOUSE", "WASHINGTON"]
    # the NSC release notice (its handwritten date the OCR cannot read), found on page 1
    (stamp,) = furniture(tree, FurnitureKind.declassification)
    assert page_of(stamp) == 0 and stamp.reviewer == "S. Tilley"
    assert stamp.date_iso is None  # "nar 92": no date rather than a wrong one
    # an UNCLASSIFIED overstamp at the top of every page
    tops = {page_of(m) for m in furniture(tree, FurnitureKind.classification) if m.place == "top"}
    assert tops == set(range(6))
