"""State Department telegrams: a written one, and two real printouts as Tesseract reads them."""

from __future__ import annotations

from pipeline.structure import FurnitureKind, Header
from pipeline.structure.tree import body_paragraphs
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


def test_the_reply_filed_with_a_telegram_is_a_document_of_its_own(read_ocr) -> None:
    """Page 2 of the Addis Ababa file is the Department's reply: its header is a header."""
    pages, tree = read_ocr("state-C09000069-tel-addis")
    heads = [i for i in tree.items if isinstance(i, Header)]
    assert len(heads) == 2 and heads[0] is tree.header
    reply = heads[1]
    assert {ref.page for ref in reply.lines()} == {1}
    fields = {f.label: text(pages, f.line) for f in reply.fields}
    assert fields["from"] == "FM SECSTATE WASHDC"
    assert fields["to"] == "TO AMEMBASSY ADDIS ABABA"
    assert fields["subject"].startswith("SUBJECT: ICELANDIC SUMMIT")
    assert fields["ref"].startswith("REF: ADDIS ABABA 5204")
    assert reply.field("date").date_iso == "1986-10-28"  # "R 2800292 OCT 86"
    # the document is the first telegram: its title and date stand
    assert (tree.subject, tree.date_iso) == ("ICELANDIC SUMMIT - REGIONAL CONFLICTS",
                                             "1986-10-15")
    # the reply's header is no paragraph, its text is
    paragraphs = [" ".join(text(pages, r) for r in p.lines) for p in body_paragraphs(tree.items)]
    assert not any(p.startswith(("FM ", "TAGS:", "SUBJECT:", "DRAFTED BY")) for p in paragraphs)
    assert any(p.startswith("2. ETHIOPIA AND THE HORN") for p in paragraphs)


def test_a_later_page_with_one_label_opens_no_document(read_text, tmp_path) -> None:
    """A continuation page that repeats the subject is the same telegram."""
    path = tmp_path / "telegram.txt"
    path.write_text(
        "TEXT OF TELEGRAM 86STATE 112233\n\nO 231458Z JUN 86\nFM SECSTATE WASHDC\n"
        "TO AMEMBASSY MOSCOW\nTAGS: PREL, UR\nSUBJECT: SUMMIT PREPARATIONS\n\n"
        "1. THE DEPARTMENT WELCOMES THE EMBASSY'S REPORT.\n\f"
        "SUBJECT: SUMMIT PREPARATIONS (CONTINUED)\n\n"
        "2. THE DELEGATION WILL ARRIVE ON MONDAY.\n", encoding="utf-8")
    _, tree = read_text(path)
    assert [i for i in tree.items if isinstance(i, Header)] == [tree.header]
