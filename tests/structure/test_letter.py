"""Letters, and documents of no known kind."""

from __future__ import annotations

from pipeline.structure import profiles
from tests.conftest import REPO

MEMOS = REPO / "tests" / "resources" / "memos"


def test_letter(read_text) -> None:
    _, tree = read_text(MEMOS / "letter-1975-no-heading.txt")
    assert tree.kind.name == "letter" and tree.header is None
    assert tree.title == "Letter"


def test_a_document_of_no_known_kind_is_generic() -> None:
    assert profiles.detect(["Some notes on the talks", "in Geneva"]).kind.name == "document"
    assert profiles.detect([]).kind.name == "document"


def test_a_kind_named_in_running_text_is_no_sign() -> None:
    lines = [
        "Some notes on the talks",
        "NSDD 75 calls for pressure on the Soviet economy, and the",
        "directive was discussed at length.",
    ]
    assert profiles.detect(lines).kind.name == "document"
