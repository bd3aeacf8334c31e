"""Speakers: who speaks in each paragraph, in dialogue ("Shultz: ...") or reported ("he said")."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.model import Page
from pipeline.structure.body import first_text_line
from pipeline.structure.text import MentionIndex
from pipeline.structure.tree import (
    BodyItem,
    Furniture,
    Header,
    LineRef,
    PageStart,
    Paragraph,
    Participant,
    Speech,
)
from pipeline.structure.vocabulary import ROLE_WORDS

SPEECH_VERBS = frozenset(
    """said says indicated continued noted stated replied asked added thanked concluded
    emphasized emphasised stressed recalled responded observed agreed explained suggested
    proposed welcomed remarked commented declared insisted argued urged asserted pointed began
    opened expressed reiterated underlined underscored mentioned repeated answered interjected
    acknowledged wondered handed touched raised then also again went wanted hoped believed felt
    thought promised told assured affirmed described reported confirmed cited conveyed informed
    countered objected summarized closed turned""".split()
)


def attribute(
    items: list[BodyItem], header: Header | None, pages: Sequence[Page], index: MentionIndex
) -> list[BodyItem]:
    """Each paragraph's speaker; a label alone on its line takes the paragraphs below it."""
    for item in items:
        if isinstance(item, Paragraph):
            _attribute(item, header, pages, index)
    return _speeches(items, pages)


def _label_only(paragraph: Paragraph, pages: Sequence[Page]) -> bool:
    """A dialogue label standing alone: "Shultz:", one line, no speech in the same paragraph."""
    label = paragraph.speaker_label
    if paragraph.mode != "sp" or label is None or not paragraph.who:
        return False
    words = pages[label.page].lines[label.line].words
    return len(paragraph.content) == 1 and (label.end or 0) >= len(words)


def _speeches(items: list[BodyItem], pages: Sequence[Page]) -> list[BodyItem]:
    """Fold each label alone on its line and the unattributed paragraphs after it into a Speech.

    Page breaks and furniture between the paragraphs of one speech go into the paragraph
    that follows them; the speech ends at the next speaker, a rule or the closing lines. A
    label with no speech after it stays the paragraph it was, unattributed.
    """
    out: list[BodyItem] = []
    between: list[PageStart | Furniture] = []
    current: tuple[Paragraph, Speech] | None = None  # the label's paragraph, and its speech

    def close() -> None:
        nonlocal current
        if current is not None:
            label, speech = current
            if not speech.paragraphs:
                label.who = label.mode = label.speaker_label = None
                out[next(n for n, i in enumerate(out) if i is speech)] = label
            current = None
        out.extend(between)
        between.clear()

    for item in items:
        if isinstance(item, Paragraph) and _label_only(item, pages):
            close()
            speech = Speech(item.who or "", item.speaker_label or LineRef(0, 0), [])
            out.append(speech)
            current = (item, speech)
        elif current is not None and isinstance(item, (PageStart, Furniture)):
            between.append(item)
        elif current is not None and isinstance(item, Paragraph) and item.who is None:
            item.content[:0] = between
            between.clear()
            current[1].paragraphs.append(item)
        else:
            close()
            out.append(item)
    close()
    return out


INTRO = re.compile(
    r"^(?:(?:\d{1,3}|[A-Za-z])[.)]\s+)?"  # paragraph number: "2." "b)"
    r"(?:\((?:TS|S|C|U|S/S|S/NF|C/NF|LOU|SBU)\)\s+)?"  # portion marking
    r"(?:(?:After [^,]{1,40},|At this point,?|Then,?|In (?:reply|response),?|Finally,?)\s*)?"
)


def _attribute(
    paragraph: Paragraph, header: Header | None, pages: Sequence[Page], index: MentionIndex
) -> None:
    """Attribute a paragraph to its speaker when the opening words name one unambiguously."""
    first = first_text_line(paragraph, pages)
    if first is None:
        return
    line = pages[first.page].lines[first.line]
    words = [w.text for w in line.words]
    participants = header.participants if header else []
    # Skip a short introductory phrase ("At this point", "After initial greetings,").
    skip = 0
    joined = " ".join(words)
    intro = INTRO.match(joined)
    if intro and intro.group(0).strip():
        skip = len(intro.group(0).split())
    # Titles before the name ("Ambassador Dubinin", "President Reagan", "General Secretary").
    pos = skip
    title_words: list[str] = []
    while pos < len(words) and pos - skip < 4:
        candidate = " ".join(title_words + [words[pos]])
        if (
            any(t.lower() == candidate.lower().removeprefix("the ") for t in ROLE_WORDS)
            or words[pos].lower() == "the"
        ):
            title_words.append(words[pos])
            pos += 1
            continue
        if any(  # the start of a title of several words: "Foreign" (Minister)
            t.lower().startswith((candidate + " ").lower().removeprefix("the ")) for t in ROLE_WORDS
        ):
            title_words.append(words[pos])
            pos += 1
            continue
        break
    mention = index.at(first.page, first.line, pos) if pos < len(words) else None
    who: str | None = None
    label_end: int | None = None
    if mention is not None and mention.entity_type == "person" and mention.entity_id:
        end = mention.last.word + 1 if mention.last.line == first.line else len(words)
        who = _resolve_entity(mention.entity_id, participants)
        label_end = end
    elif pos < len(words) and (named := _participant_named(words[pos], participants)):
        # A participant the gazetteer does not know, or cannot tell from a namesake.
        who, label_end = named.id, pos + 1
    elif title_words:
        title = " ".join(w for w in title_words if w.lower() != "the")
        who = _resolve_title(title, participants)
        label_end = pos
    if who is None or label_end is None or label_end > len(words):
        return
    label_word = words[label_end - 1]
    next_word = words[label_end].lower().strip(",") if label_end < len(words) else ""
    if next_word in (":", ";") and label_end + 1 == len(words):
        label_end, label_word, next_word = label_end + 1, ":", ""  # "SHULTZ :" alone
    if label_word.rstrip("?!.") .endswith(":") or (
        label_end == len(words) and label_word.endswith(";")
    ):
        paragraph.who, paragraph.mode = who, "sp"
        paragraph.speaker_label = LineRef(first.page, first.line, 0, label_end)
    elif next_word in SPEECH_VERBS:
        paragraph.who, paragraph.mode = who, "said"
    elif label_end == len(words) and len(paragraph.content) > 1 and skip == 0 and len(words) <= 4:
        # "Shultz" alone on a line, the speech below it.
        paragraph.who, paragraph.mode = who, "sp"
        paragraph.speaker_label = LineRef(first.page, first.line, 0, label_end)


def _participant_named(word: str, participants: list[Participant]) -> Participant | None:
    """The one participant whose surname this word is ("Baker:", "Zarechnak")."""
    surname = word.rstrip(":,.;?!").removesuffix("'s").lower()
    if not word[:1].isupper():
        return None
    holders = [
        p for p in participants if p.name.split() and p.name.split()[-1].lower() == surname
    ]
    return holders[0] if len(holders) == 1 else None


def _resolve_entity(entity_id: str, participants: list[Participant]) -> str | None:
    for p in participants:
        if p.entity_id == entity_id:
            return p.id
    # Not a participant: still a known person, speaking or reported.
    return entity_id


def _resolve_title(title: str, participants: list[Participant]) -> str | None:
    """The one participant holding this title ("the Ambassador" with one ambassador present)."""
    wanted = title.lower()
    holders = [p for p in participants if p.roles and p.roles[0].lower() == wanted]
    if len(holders) == 1:
        return holders[0].id
    return None
