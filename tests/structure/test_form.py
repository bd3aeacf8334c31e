"""Records identification forms: a written one, and the JFK release's sheet as read."""

from __future__ import annotations

from tests.conftest import REPO

MEMOS = REPO / "tests" / "resources" / "memos"


def test_form_written(read_text) -> None:
    _, tree = read_text(MEMOS / "record-form-1999-identification.txt")
    assert tree.kind.name == "form"
    assert tree.date_iso == "1985-11-21"
    assert tree.subject == "Telegram on the Geneva talks"  # the form's TITLE
    assert len([f for f in tree.header.fields if f.label == "field"]) == 11


def test_jfk_form_real(read_ocr) -> None:
    _, tree = read_ocr("jfk-176-10036-10116")
    assert (tree.kind.name, tree.date_iso) == ("form", "1963-07-17")
    assert tree.title == "Record Identification Form: CIA Information Telegram, 1963-07-17"
