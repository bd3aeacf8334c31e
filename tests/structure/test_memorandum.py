"""Memoranda: written, and three real ones (State Department, CIA, the JFK release)."""

from __future__ import annotations

from pipeline.structure import FurnitureKind, Paragraph
from tests.conftest import REPO
from tests.structure.conftest import furniture, page_of, text

MEMOS = REPO / "tests" / "resources" / "memos"


def test_memorandum_for_the_record_and_a_two_digit_year(read_text) -> None:
    _, tree = read_text(MEMOS / "memo-1947-for-the-record.txt")
    assert tree.kind.name == "memorandum"
    assert tree.date_iso == "1947-03-05"  # "DATE: 3/5/47", never 2047
    assert tree.title == (
        "Memorandum for the Record: Meeting with the Soviet Consul on Repatriation, 1947-03-05"
    )


def test_jfk_oswald_memo_real(read_ocr) -> None:
    pages, tree = read_ocr("jfk-104-10132-10092")
    assert (tree.kind.name, tree.date_iso) == ("memorandum", "1964-01-29")
    # the subject, though the OCR read its label "susyect:" above the letterhead
    assert tree.subject is not None and "HARVEY OSWALD CASE" in tree.subject
    assert tree.title.startswith("Memorandum: THE LEE: HARVEY OSWALD CASE")
    # specks and scrawl are no letterhead, and no paragraph
    letterhead = [text(pages, r) for r in tree.header.letterhead]
    noise = [text(pages, r) for r in tree.header.noise]
    assert "hana" in noise and "hana" not in letterhead
    assert all("hana" != text(pages, c) for p in tree.items if isinstance(p, Paragraph)
               for c in p.content if hasattr(c, "line"))
    # the SECRET read on one line with the FOIA-review stamp is a marking of its own
    marks = furniture(tree, FurnitureKind.classification)
    assert any(m.marking == "SECRET" and page_of(m) == 0 and m.place == "bottom" for m in marks)
    # "ScunET" at the foot of page 2 is the SECRET stamp, badly read: a marking, not text
    assert any(m.marking == "SECRET" and page_of(m) == 1 for m in marks)
    assert any(text(pages, s.lines[0]).startswith("Document Number")
               for s in furniture(tree, FurnitureKind.declassification))
    # the archive's record number is furniture, not text
    assert furniture(tree, FurnitureKind.archive_id)


def test_cia_memo_real(read_ocr) -> None:
    pages, tree = read_ocr("jfk-104-10130-10215-memo")
    assert tree.kind.name == "memorandum" and tree.date_iso is None  # no typed date
    # "SUBJECT" and its value set apart by the OCR
    assert tree.subject == "TARASOFF, Anna #131751 B-SB/2"
    assert tree.title == "Memorandum: TARASOFF, Anna #131751 B-SB/2"
    assert not tree.header.letterhead  # the handwritten note above the heading is none
    scan_tags = [text(pages, a.lines[0]) for a in furniture(tree, FurnitureKind.archive_id)]
    assert scan_tags.count("14 00000") == 3  # the archive's tag on each page: furniture


def test_state_memo_real(read_ocr) -> None:
    pages, tree = read_ocr("state-C09000024-memo-platt")
    assert (tree.kind.name, tree.date_iso) == ("memorandum", "1986-10-15")
    assert tree.title == "Memorandum: Suggested Op-Ed Pieces on Reykjavik, 1986-10-15"
    stamps = [text(pages, s.lines[0]) for s in furniture(tree, FurnitureKind.declassification)]
    assert any("CDC/MR" in s for s in stamps)


def test_a_memorandum_whose_heading_the_ocr_garbled(read_ocr) -> None:
    # "INFORMA TIGN MEMORANDUM ." on a degraded copy
    _, tree = read_ocr("state-C09000021-infomemo")
    assert tree.kind.name == "memorandum"


def test_damaged_address_labels_make_a_memorandum() -> None:
    from pipeline.structure import profiles

    assert profiles.detect(["Some notes", "PROM: EUR - Rozanne L. Ridgway",
                            "SUBJNCTs Gorbachev Reports"]).kind.name == "memorandum"
    # one label alone, or labels in running text, are no sign
    assert profiles.detect(["PROM: EUR", "Some notes"]).kind.name == "document"
    assert profiles.detect(["From the subject of arms control", "Subject to review"]
                           ).kind.name == "document"
