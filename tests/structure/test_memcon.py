"""Memorandum of conversation: participants, reported speech, dialogue labels alone on a line."""

from __future__ import annotations

from pipeline.structure import Paragraph, Speech
from tests.conftest import REPO, SEED
from tests.structure.conftest import text

MEMOS = REPO / "tests" / "resources" / "memos"


def test_seed_kind_title_and_every_paragraph_attributed(read_text) -> None:
    pages, tree = read_text(SEED)
    assert tree.kind.name == "memorandum-of-conversation"
    assert tree.kind.div_type == "memorandumOfConversation"
    assert tree.date_iso == "1986-06-23"
    assert tree.title == (
        "Memorandum of Conversation: President Reagan and Ambassador Dubinin, 1986-06-23"
    )
    said = [p for p in tree.items if isinstance(p, Paragraph) and p.who]
    assert {p.who for p in said} == {"reagan-ronald", "dubinin-yuri"}


def test_dialogue_labels_alone_on_their_lines(read_text) -> None:
    pages, tree = read_text(MEMOS / "meeting-1988-dialogue-labels.txt")
    speeches = [i for i in tree.items if isinstance(i, Speech)]
    assert [(s.who, text(pages, s.label)) for s in speeches] == [
        ("shultz-george", "Shultz:"),
        ("shevardnadze-eduard", "Shevardnadze?:"),  # labels as the OCR damaged them
        ("shultz-george", "SHULTZ :"),
        ("person-ridgway", "Ridgway:"),
        ("bessmertnykh-aleksandr", "Bessmertnykh;"),
    ]
    # the speech is the paragraphs below the label, two of them for the first
    assert [len(s.paragraphs) for s in speeches[:4]] == [2, 1, 1, 1]
    first = speeches[0].paragraphs[0].content[0]
    assert text(pages, first).startswith("Let me begin with Afghanistan.")
    # no label is left as a paragraph of its own, and no paragraph speaks for nobody
    assert not [i for i in tree.items if isinstance(i, Paragraph) and i.mode == "sp"]


def test_participants_with_long_titles(read_text, tmp_path) -> None:
    """"Assistant to the President ...": a title of small words and many; the list goes on."""
    path = tmp_path / "memcon.txt"
    path.write_text(
        "MEMORANDUM OF CONVERSATION\n\nSUBJECT: Meeting with the Foreign Minister\n\n"
        "PARTICIPANTS: The President\n"
        "Assistant to the President Donald T. Regan\n"
        "Assistant to the President for National Security Affairs John M. Poindexter\n"
        "Ambassador at Large Paul H. Nitze\n\n"
        "Foreign Minister E. A. Shevardnadze\n\n"
        "DATE: October 11, 1986\n\n"
        "The President welcomed the Foreign Minister to Washington.\n", encoding="utf-8")
    pages, tree = read_text(path)
    assert [text(pages, p.line) for p in tree.header.participants] == [
        "The President", "Assistant to the President Donald T. Regan",
        "Assistant to the President for National Security Affairs John M. Poindexter",
        "Ambassador at Large Paul H. Nitze", "Foreign Minister E. A. Shevardnadze"]
    assert tree.date_iso == "1986-10-11"  # the header goes on past them
    said = [p for p in tree.items if isinstance(p, Paragraph)]
    assert text(pages, said[0].lines[0]).startswith("The President welcomed")
