"""Executive orders: a written one, and EO 9981 as Tesseract reads the real scan."""

from __future__ import annotations

from pipeline.structure import Paragraph
from tests.conftest import REPO

MEMOS = REPO / "tests" / "resources" / "memos"


def test_executive_order_written(read_text) -> None:
    _, tree = read_text(MEMOS / "order-1962-no-header-fields.txt")
    assert tree.kind.name == "executive-order"
    assert tree.title == (
        "Executive Order: PROVIDING FOR THE COORDINATION OF FOREIGN ASSISTANCE PROGRAMS"
    )
    assert any(isinstance(i, Paragraph) for i in tree.items)  # the WHEREAS text is body


def test_eo_9981_real(read_ocr) -> None:
    _, tree = read_ocr("executive-orders")
    assert (tree.kind.name, tree.kind.div_type) == ("executive-order", "executiveOrder")
    assert tree.subject == (
        "ESTABLISHING THE PRESIDENT'S COMMITTEE ON EQUALITY OF TREATMENT AND OPPORTUNITY IN "
        "THE ARMED SERVICES"
    )
