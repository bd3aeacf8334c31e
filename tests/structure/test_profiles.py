"""Each kind of record read by its profile, from texts written in that kind's layout.

The real pages of each kind are tested in tests/structure/test_real_pages.py.
"""

from __future__ import annotations

from pipeline.structure import Furniture, FurnitureKind, Paragraph, profiles
from tests.conftest import REPO
from tests.structure.conftest import text

MEMOS = REPO / "tests" / "resources" / "memos"


def furniture(tree, kind: FurnitureKind) -> list[Furniture]:  # type: ignore[no-untyped-def]
    found = [i for i in tree.items if isinstance(i, Furniture) and i.kind is kind]
    for item in tree.items:
        if isinstance(item, Paragraph):
            found += [c for c in item.content if isinstance(c, Furniture) and c.kind is kind]
    return found


def test_directive(read_text) -> None:
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


def test_memorandum_for_the_record_and_a_two_digit_year(read_text) -> None:
    _, tree = read_text(MEMOS / "memo-1947-for-the-record.txt")
    assert tree.kind.name == "memorandum"
    assert tree.date_iso == "1947-03-05"  # "DATE: 3/5/47", never 2047
    assert tree.title == (
        "Memorandum for the Record: Meeting with the Soviet Consul on Repatriation, 1947-03-05"
    )


def test_telegram(read_text) -> None:
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


def test_cia_dispatch(read_text) -> None:
    _, tree = read_text(MEMOS / "dispatch-1962-cia.txt")
    assert (tree.kind.name, tree.kind.div_type) == ("cia-dispatch", "dispatch")
    assert tree.title == "Dispatch: Visit of Identities, 1962-07-23"
    action = next(f for f in tree.header.fields if f.label == "field")
    assert action.form_label == "ACTION REQUIRED"


def test_cia_cable(read_text) -> None:
    _, tree = read_text(MEMOS / "cable-1965-message-form.txt")
    assert (tree.kind.name, tree.date_iso) == ("cia-cable", "1965-02-02")
    assert [f.label for f in tree.header.fields] == ["to", "info", "from", "date"]


def test_executive_order(read_text) -> None:
    _, tree = read_text(MEMOS / "order-1962-no-header-fields.txt")
    assert tree.kind.name == "executive-order"
    assert tree.title == (
        "Executive Order: PROVIDING FOR THE COORDINATION OF FOREIGN ASSISTANCE PROGRAMS"
    )
    first = next(i for i in tree.items if isinstance(i, Paragraph))
    assert first.content  # the WHEREAS text is body, not header


def test_form(read_text) -> None:
    _, tree = read_text(MEMOS / "record-form-1999-identification.txt")
    assert tree.kind.name == "form"
    assert tree.date_iso == "1985-11-21"
    assert tree.subject == "Telegram on the Geneva talks"  # the form's TITLE
    assert len([f for f in tree.header.fields if f.label == "field"]) == 11


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
