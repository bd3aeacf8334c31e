"""Recognise document structure: furniture, kind of record, header, paragraphs, speakers.

Input: the pages' lines and the name mentions found by the correction stage. Output: a tree of
plain dataclasses in reading order (`tree`) that the TEI stage renders one to one. The kind of
record is decided here, once, by its profile (`profiles/`), and so are the parts of its title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from pipeline.model import Mention, Page
from pipeline.structure import body, furniture, header, participants, profiles, speakers
from pipeline.structure.furniture import Slot
from pipeline.structure.text import MentionIndex, clean, noise
from pipeline.structure.tree import (
    BodyItem,
    Closer,
    Content,
    DocumentStructure,
    Furniture,
    FurnitureKind,
    Header,
    HeaderField,
    Kind,
    LineRef,
    PageStart,
    Paragraph,
    Participant,
    Separator,
    Speech,
)
from pipeline.structure.vocabulary import PORTION_MARK, processing_day

__all__ = [
    "BodyItem",
    "Closer",
    "Content",
    "DocumentStructure",
    "Furniture",
    "FurnitureKind",
    "Header",
    "HeaderField",
    "Kind",
    "LineRef",
    "PageStart",
    "Paragraph",
    "Participant",
    "Separator",
    "Speech",
    "analyse",
]


def analyse(
    pages: Sequence[Page], mentions: Sequence[Mention], *, today: date | None = None
) -> DocumentStructure:
    """Build the structure tree of one document; `today` is the day it is processed."""
    today = today or processing_day()
    index = MentionIndex(mentions)
    flow = furniture.page_flow(pages, today)
    first = _first_page_texts(pages)
    profile = profiles.detect(first)
    scan, body_start = header.scan(profile, flow, pages, today)
    head = _header(scan, flow, pages, index) if scan is not None else None
    items = body.body(flow, body_start, head, pages)
    items = speakers.attribute(items, head, pages, index)
    heading = " ".join(_text(pages, r) for r in head.doc_type) if head else None
    kind = Kind(profile.kind.name, profile.label_for(heading), profile.kind.div_type)
    date_field = head.field("date") if head else None
    return DocumentStructure(
        items,
        head,
        kind,
        number=profile.number_in(first),
        subject=_subject(head, pages) if head else None,
        date_iso=date_field.date_iso if date_field else None,
    )


def _first_page_texts(pages: Sequence[Page]) -> list[str]:
    """The lines of the first page that has any, furniture included.

    A telegram's running head is furniture, and a sign of its kind.
    """
    page = next((p for p in pages if p.lines), None)
    if page is None:
        return []
    return [text for line in page.lines if (text := clean(line.text))]


def _header(
    scan: header.Scan, flow: list[Slot], pages: Sequence[Page], index: MentionIndex
) -> Header:
    """The scanned header completed: participants placed, the lines no rule took kept in it."""
    head = scan.header
    side_label_lines = [r for r in head.side_labels if r.start == 0 and r.end is None]
    head.participants = participants.participants(
        scan.entries, side_label_lines, scan.sides, flow, pages, index
    )
    # Lines between the letterhead and the body that matched nothing stay in the header.
    used = {(r.page, r.line) for r in head.lines()}
    for k, slot in enumerate(flow):
        if k > scan.last_slot:
            break
        if slot.is_furniture or (slot.page, slot.line) in used:
            continue
        ref = LineRef(slot.page, slot.line)
        (head.noise if noise(pages[slot.page].lines[slot.line]) else head.other).append(ref)
    return head


def _subject(head: Header, pages: Sequence[Page]) -> str | None:
    """The subject as typed, without the specks the OCR read among its words."""
    found = _typed_subject(head, pages)
    if found is None:
        return None
    words = [w for w in found.split() if w.strip(SPECK_CHARACTERS)]
    return " ".join(words) or None


SPECK_CHARACTERS = "°|*~_^'‘’\"•.,;:"


def _typed_subject(head: Header, pages: Sequence[Page]) -> str | None:
    """The subject as typed: the SUBJECT field, a form's TITLE, or the lines under the heading."""
    labelled = head.field("subject") or next(
        (f for f in head.fields if f.label == "field" and f.form_label == "TITLE"), None
    )
    if labelled is not None:
        words = pages[labelled.line.page].lines[labelled.line.line].words
        typed = [w.text for w in words[labelled.value_start :]]
        while typed and not any(c.isalnum() for c in typed[0]):  # ":®*" read after the label
            typed.pop(0)
        subject = clean(" ".join(typed))
        return subject or None  # not "SUBJECTS : |"
    split = _split_subject(head, pages)
    if split:
        return split
    if head.subject:
        typed = " ".join(_text(pages, r) for r in head.subject).split()
        # "U.S. RELATIONS WITH THE USSR (U)": the portion mark, or specks, are no subject
        while typed and (PORTION_MARK.match(typed[-1]) or not any(c.isalnum() for c in typed[-1])):
            typed.pop()
        return clean(" ".join(typed)) or None
    return None


SUBJECT_ALONE = re.compile(r"^(SUBJECT|SUBJ|Subject)\s*:?$")


def _split_subject(head: Header, pages: Sequence[Page]) -> str | None:
    """The subject where the OCR set the label apart from its value, on the lines below it."""
    others = sorted(head.other, key=lambda r: (r.page, r.line))
    texts = [clean(_text(pages, r)) for r in others]
    for n, text in enumerate(texts):
        if SUBJECT_ALONE.match(text):
            value: list[str] = []
            for following in texts[n + 1 : n + 3]:
                if following.endswith(":") or not following:  # the next label
                    break
                value.append(following.lstrip(":;> ").strip())
            return " ".join(value) or None
    return None


def _text(pages: Sequence[Page], ref: LineRef) -> str:
    words = pages[ref.page].lines[ref.line].words[ref.start : ref.end]
    return " ".join(w.text for w in words)
