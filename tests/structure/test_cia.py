"""CIA dispatches and cables: written ones, and the real forms as Tesseract reads them."""

from __future__ import annotations

from tests.conftest import REPO

MEMOS = REPO / "tests" / "resources" / "memos"


def test_dispatch_written(read_text) -> None:
    _, tree = read_text(MEMOS / "dispatch-1962-cia.txt")
    assert (tree.kind.name, tree.kind.div_type) == ("cia-dispatch", "dispatch")
    assert tree.title == "Dispatch: Visit of Identities, 1962-07-23"
    action = next(f for f in tree.header.fields if f.label == "field")
    assert action.form_label == "ACTION REQUIRED"


def test_cable_written(read_text) -> None:
    _, tree = read_text(MEMOS / "cable-1965-message-form.txt")
    assert (tree.kind.name, tree.date_iso) == ("cia-cable", "1965-02-02")
    assert [f.label for f in tree.header.fields] == ["to", "info", "from", "date"]


def test_dispatch_real(read_ocr) -> None:
    # the form's captions ("DISPATCH SYMBOL AND NUMBER") stand where the OCR puts them
    _, tree = read_ocr("jfk-104-10216-10046-dispatch")
    assert tree.kind.name == "cia-dispatch"
    assert tree.title.startswith("Dispatch")


def test_cable_real(read_ocr) -> None:
    # "MESSAGE FORM" is garbled; "REPRODUCTION BY OTHER THAN THE ISSUING OFFICE" is not
    _, tree = read_ocr("jfk-104-10234-10069-cable")
    assert tree.kind.name == "cia-cable"
