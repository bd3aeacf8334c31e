"""State Department telegrams: a written one, and two real printouts as Tesseract reads them."""

from __future__ import annotations

from pipeline.structure import FurnitureKind
from tests.conftest import REPO
from tests.structure.conftest import furniture, page_of, text

MEMOS = REPO / "tests" / "resources" / "memos"


def test_telegram_written(read_text) -> None:
    _, tree = read_text(MEMOS / "telegram-1986-moscow.txt")
    assert (tree.kind.name, tree.number, tree.date_iso) == (
        "telegram",
        "MOSCOW 11873",
        "1986-06-23",
    )
    assert tree.subject == "SHEVARDNADZE ON THE SUMMIT AND ARMS CONTROL"
    labels = [f.label for f in tree.header.fields]
    assert labels == ["date", "from", "to", "info", "tags", "subject", "ref"]
    # the E.O. line is the telegram's declassification instruction, no release stamp
    assert not furniture(tree, FurnitureKind.declassification)
    assert len(furniture(tree, FurnitureKind.instruction)) == 1


def test_moscow_telegram_real(read_ocr) -> None:
    pages, tree = read_ocr("state-C09000019-tel-moscow")
    assert (tree.kind.name, tree.number) == ("telegram", "MOSCOW 17709")
    # "0 1415402 OCT 36": the date-time group as the OCR read it; the year from 86MOSCOW…
    assert tree.date_iso == "1986-10-14"
    # "SOYEET MEOIA ON REYKJAVIK": SOYEET read with confidence 0, no confusion makes it
    # SOVIET: left out of the title; MEOIA mended
    assert tree.subject == "[…] MEDIA ON REYKJAVIK"
    labels = {f.label for f in tree.header.fields}
    assert {"from", "to", "tags", "subject"} <= labels
    stamps = furniture(tree, FurnitureKind.declassification)
    assert any("A/CDC/MR" in text(pages, s.lines[0]) for s in stamps)  # the review box
    (head,) = furniture(tree, FurnitureKind.running_head)  # "TEXT OF TELEGRAM" on page 2
    assert page_of(head) == 1
    marks = furniture(tree, FurnitureKind.classification)
    assert {m.marking for m in marks} == {"LIMITED OFFICIAL USE"}


def test_addis_telegram_real(read_ocr) -> None:
    pages, tree = read_ocr("state-C09000069-tel-addis")
    assert (tree.kind.name, tree.date_iso) == ("telegram", "1986-10-15")
    # read "CDNFLICTS": the teleprinter's D and O confused, mended (pipeline.slips); "REF:
    # USINFD" into a telegram's own word; "REGIUNAL" into REGIONAL, which the telegram types
    assert tree.subject == "ICELANDIC SUMMIT - REGIONAL CONFLICTS"
    assert {(m.read, m.word) for m in tree.mended.values()} == {
        ("CDNFLICTS", "CONFLICTS"), ("DISCUSSIDNS", "DISCUSSIONS"), ("OURING", "DURING"),
        ("USINFD", "USINFO"), ("LOG-0O", "LOG-00"), ("ADS-0O", "ADS-00"),
        ("REGIUNAL", "REGIONAL")}
    marks = furniture(tree, FurnitureKind.classification)
    assert any(text(pages, m.lines[0]) == "CONFIDENTIAL ADDIS ABABA 05204" for m in marks)
    assert all(m.marking == "CONFIDENTIAL" for m in marks)
    instructions = [text(pages, i.lines[0]) for i in furniture(tree, FurnitureKind.instruction)]
    assert "E.0, 12356: DECL: DADR" in instructions
    stamps = [" ".join(text(pages, r) for r in s.lines)
              for s in furniture(tree, FurnitureKind.declassification)]
    assert any("APPEALS REVIEW PANEL" in s for s in stamps)
