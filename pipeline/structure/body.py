"""The body: paragraphs rebuilt across line and page breaks, rules, the closing drafting lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.model import Line, Page
from pipeline.structure.furniture import Slot
from pipeline.structure.header import SEPARATOR
from pipeline.structure.text import has_text
from pipeline.structure.tree import (
    BodyItem,
    Closer,
    Content,
    Furniture,
    Header,
    LineRef,
    PageStart,
    Paragraph,
    Separator,
)

CLOSER_START = re.compile(
    r"^(Drafted|Drafted by|Cleared|Clearances?|Approved|Prepared by|Distribution|Concurrences?)\b",
    re.IGNORECASE,
)
TERMINAL = re.compile(r"[.!?:;\"'”’)]$")


def body(
    flow: list[Slot], body_start: int, header: Header | None, pages: Sequence[Page],
    later: Sequence[Header] = (),
) -> list[BodyItem]:
    """Paragraphs rebuilt across line and page breaks, with the furniture and header in place.

    `later`: the headers of documents that begin on a later page, each placed at its first line.
    """
    items: list[BodyItem] = []
    header_placed = header is None
    header_lines = {(r.page, r.line) for r in header.lines()} if header else set()
    later_at = {(r.page, r.line): n for n, h in enumerate(later) for r in h.lines()}
    later_placed: list[int] = []
    later_end = [max(k for k, s in enumerate(flow) if later_at.get((s.page, s.line)) == n)
                 for n in range(len(later))]  # the last flow slot of each
    current: Paragraph | None = None
    # Furniture met inside a paragraph waits; if the paragraph goes on it stays inside it.
    waiting: list[Content] = []

    specks: list[LineRef] = []  # speck lines waiting for the next paragraph

    def close() -> None:
        nonlocal current
        if current is not None:
            items.append(current)
            current = None
        for thing in waiting:
            items.append(Separator(thing) if isinstance(thing, LineRef) else thing)  # type: ignore[arg-type]
        waiting.clear()

    for k, slot in enumerate(flow):
        if slot.page_start is not None or slot.is_furniture:
            thing: Content | None = slot.page_start or slot.furniture
            if thing is None:
                continue
            if current is None and specks and isinstance(thing, PageStart):
                items.extend(Separator(ref) for ref in specks)  # specks stay on their page
                specks.clear()
            if current is not None:
                waiting.append(thing)
            elif later_placed and k < later_end[later_placed[-1]] and isinstance(
                thing, Furniture
            ):  # the same for a later document's header
                part = later[later_placed[-1]]
                items.insert(next(i for i, x in enumerate(items) if x is part), thing)
            elif header is not None and header_placed and k < body_start and isinstance(
                thing, Furniture
            ):
                # A stamp or marking read among the header's lines stands before the header.
                items.insert(items.index(header), thing)  # type: ignore[arg-type]
            else:
                items.append(thing)  # type: ignore[arg-type]
            continue
        if (slot.page, slot.line) in later_at:
            n = later_at[slot.page, slot.line]
            if n not in later_placed:
                close()
                items.append(later[n])
                later_placed.append(n)
            continue
        if (slot.page, slot.line) in header_lines:
            if not header_placed:
                close()
                items.append(header)  # type: ignore[arg-type]
                header_placed = True
            continue
        if k < body_start and header is not None:
            continue
        line = pages[slot.page].lines[slot.line]
        ref = LineRef(slot.page, slot.line)
        if SEPARATOR.match(line.text.strip()) and len(line.text.strip()) >= 3:
            close()
            items.append(Separator(ref))
            continue
        if not has_text(line):
            # A speck read as ". ," must not start or end a paragraph: it rides along.
            (waiting if current is not None else specks).append(ref)
            continue
        starts_new = current is None or slot.para_break or bool(waiting)
        if current is not None and starts_new and not _continues(current, line, pages):
            close()
        if current is None:
            current = Paragraph(list(specks))
            specks.clear()
        elif waiting:
            current.content.extend(waiting)
            waiting.clear()
        current.content.append(ref)
    close()
    items.extend(Separator(ref) for ref in specks)
    # each document's drafting lines close it, those of one filed before another too
    documents: list[list[BodyItem]] = [[]]
    starts = {id(h) for h in later}
    for item in items:
        if id(item) in starts:
            documents.append([])
        documents[-1].append(item)
    for document in documents:
        _closers(document, pages)
    return [item for document in documents for item in document]


def _continues(current: Paragraph, line: Line, pages: Sequence[Page]) -> bool:
    """A paragraph broken mid-sentence (by a page break or a stray blank line) goes on."""
    last = next(
        (
            c
            for c in reversed(current.content)
            if isinstance(c, LineRef) and has_text(pages[c.page].lines[c.line])
        ),
        None,
    )
    if last is None:
        return True  # only specks so far
    before = pages[last.page].lines[last.line].text.rstrip()
    first_word = line.words[0].text if line.words else ""
    if TERMINAL.search(before) or not first_word:
        return False
    return first_word[0].islower() or before.endswith(("-", ","))


def first_text_line(paragraph: Paragraph, pages: Sequence[Page]) -> LineRef | None:
    return next(
        (
            c
            for c in paragraph.content
            if isinstance(c, LineRef) and has_text(pages[c.page].lines[c.line])
        ),
        None,
    )


def _closers(items: list[BodyItem], pages: Sequence[Page]) -> None:
    """Turn trailing drafting/clearance paragraphs into one closer."""
    for n, item in enumerate(items):
        if not isinstance(item, Paragraph):
            continue
        first = first_text_line(item, pages)
        if first is None:
            continue
        text = pages[first.page].lines[first.line].text
        if not CLOSER_START.match(text):
            continue
        tail = items[n:]
        if any(isinstance(t, Paragraph) and not _is_closer_para(t, pages) for t in tail):
            continue
        lines: list[LineRef] = []
        rest: list[BodyItem] = []
        for t in tail:
            if isinstance(t, Paragraph):
                lines.extend(c for c in t.content if isinstance(c, LineRef))
                rest.extend(c for c in t.content if not isinstance(c, LineRef))  # type: ignore[misc]
            elif isinstance(t, Separator):
                lines.append(t.line)
            else:
                rest.append(t)
        del items[n:]
        items.append(Closer(lines))
        items.extend(rest)
        return


def _is_closer_para(paragraph: Paragraph, pages: Sequence[Page]) -> bool:
    first = first_text_line(paragraph, pages)
    return first is not None and bool(CLOSER_START.match(pages[first.page].lines[first.line].text))


