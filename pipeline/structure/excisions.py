"""Excisions left as white space: typed text that breaks off mid-sentence before a blank.

Withheld text is not always blacked out. A reviewer may mask it, and the copy released shows
white space where the lines were: the paragraph above stops in the middle of a sentence, two
lines or more are blank, and the text goes on below, or the letters at the mask's edge are
cut through. Black boxes are found on the image (``pipeline.redactions``); this finds the
white ones from the typed lines' geometry, on a page of typed text only:

- the paragraph above has two typed lines or more (words read with confidence, not scrawl),
  and its last typed line does not end a sentence;
- the blank below it is at least ``MIN_BLANK_PITCHES`` of the text's line pitch (the
  distance between typed lines of a paragraph, measured on the document): a paragraph break
  leaves one blank line (about 1.1 pitches between the lines' boxes), an excision two or more;
- below the blank, inside the text's column, the next paragraph begins at the left edge of the
  paragraph above (or indented as a first line is, up to ``INDENT_CHARACTERS``), or a line of
  cut-through letters stands (lower than ``CUT_HEIGHT`` of a typed line, and no word in it).

Anything else between them (a page break, a stamp, a marking, a rule) and it is no excision.
Inside a paragraph (the body joined the lines: the sentence goes on below the blank) the same
holds, but the text must go on at the paragraph's edge: no row of cut letters will do.
An excision is a guess from the layout, so its gap says ``cert="medium"``.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.model import Box, Line, Page, Word
from pipeline.structure.text import noise
from pipeline.structure.tree import (
    BodyItem,
    Excision,
    LineRef,
    Paragraph,
    Speech,
    body_paragraphs,
)

__all__ = ["excisions"]

MIN_BLANK_PITCHES = 1.8  # blank between the lines, in line pitches: two lines and more
CUT_HEIGHT = 0.75  # a line of cut-through letters is lower than this share of a typed line
CUT_WIDTH = 3  # and a row of letters: this many times a typed line's height long, no speck
TYPED_CONFIDENCE = 60  # a typed line is read with at least this mean confidence
TYPED_WORDS = 3  # and has this many words at least
MARGIN_PITCHES = 0.5  # "the same left edge": within this share of a pitch (a character or two)
INDENT_CHARACTERS = 10  # or indented as a paragraph's first line is: five or ten spaces
# The end of a sentence: a stop, question or exclamation mark, or a colon or semicolon, maybe
# inside a closing quotation mark or bracket.
SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")


def excisions(items: list[BodyItem], pages: Sequence[Page]) -> list[BodyItem]:
    """The items with an Excision where white space hides text.

    Between two paragraphs (of the body, or of one speaker's speech), and inside one whose
    text goes on below the blank (the sentence broken off above it, its rest below: the body
    joined them as one paragraph).
    """
    layout = _layout(items, pages)
    if layout is None:
        return items
    out: list[BodyItem] = []
    for n, item in enumerate(items):
        for paragraph in body_paragraphs([item]):
            _within(paragraph, layout)
        if isinstance(item, Speech):
            _between(item, layout)
        out.append(item)
        if n + 1 < len(items):
            upper, lower = _last_paragraph(item), _first_paragraph(items[n + 1])
            if upper is not None and lower is not None:
                below = next(iter(lower.lines), None)
                found = _blank(upper.lines, below, layout) if below is not None else None
                if found is not None:
                    out.append(found)
    return out


def _between(speech: Speech, layout: _Layout) -> None:
    """Excisions between two paragraphs of one speaker's speech, each put in its place."""
    parts: list[Paragraph | Excision] = []
    for part in speech.paragraphs:
        upper = parts[-1] if parts else None
        below = next(iter(part.lines), None) if isinstance(part, Paragraph) else None
        if isinstance(upper, Paragraph) and below is not None:
            found = _blank(upper.lines, below, layout)
            if found is not None:
                parts.append(found)
        parts.append(part)
    speech.paragraphs = parts


def _within(paragraph: Paragraph, layout: _Layout) -> None:
    """Excisions inside the paragraph, each put in its content before the text below it."""
    refs = paragraph.lines
    for k in range(len(refs) - 1, 1, -1):  # from the end: the content's places stay good
        above, below = refs[k - 1], refs[k]
        one, two = (layout.pages[r.page].lines[r.line].box for r in (above, below))
        if above.page != below.page or one is None or two is None \
                or two.y0 - one.y1 < MIN_BLANK_PITCHES * layout.pitch:
            continue  # the cheap test first: no blank this high between the two lines
        found = _blank(refs[:k], below, layout, cut=False)
        if found is not None:
            paragraph.content.insert(paragraph.content.index(below), found)


@dataclass(frozen=True)
class _Layout:
    """The document's typed lines (page, line) in paragraphs, their height and pitch (medians)."""

    pages: Sequence[Page]
    typed: frozenset[tuple[int, int]]
    height: float
    pitch: float


def _layout(items: Sequence[BodyItem], pages: Sequence[Page]) -> _Layout | None:
    paragraphs = [p.lines for p in body_paragraphs(items)]
    typed = frozenset(
        (r.page, r.line) for refs in paragraphs for r in refs
        if _typed(pages[r.page].lines[r.line])
    )
    heights = [(box.y1 - box.y0) for page, line in typed
               if (box := pages[page].lines[line].box) is not None]
    if not heights:
        return None
    height = statistics.median(heights)
    steps: list[int] = []  # from one typed line's top to the next one's in a paragraph
    for refs in paragraphs:
        kept = [r for r in refs if (r.page, r.line) in typed]
        for r, s in zip(kept, kept[1:], strict=False):
            one, two = pages[r.page].lines[r.line].box, pages[s.page].lines[s.line].box
            if r.page == s.page and one is not None and two is not None:
                step = two.y0 - one.y0
                if 0.6 * height <= step <= 2.5 * height:  # the next line, not one beside it
                    steps.append(step)
    if len(steps) < 2:
        return None
    return _Layout(pages, typed, float(height), float(statistics.median(steps)))


def _blank(
    refs: list[LineRef], first: LineRef, layout: _Layout, *, cut: bool = True
) -> Excision | None:
    """An excision between the lines `refs` (a paragraph's, or its first ones) and `first`.

    With `cut`, a row of cut-through letters below the blank will do; inside a paragraph the
    text must go on (a row of specks far below a telegram's last line is none).
    """
    if not refs or first.page != refs[-1].page:
        return None
    page = layout.pages[first.page]
    b = page.lines[first.line]
    pitch, height = layout.pitch, layout.height
    if b.box is None or sum((r.page, r.line) in layout.typed for r in refs) < 2:
        return None
    last = next((r for r in reversed(refs) if not noise(layout.pages[r.page].lines[r.line])),
                None)
    if last is None or last.page != first.page or page.lines[last.line].box is None:
        return None
    here = [r.line for r in refs if r.page == last.page]  # the paragraph's lines on this page
    row = _row(page, here, last.line)
    bottom = max(line.box.y1 for line in row if line.box is not None)
    if b.box.y0 - bottom < MIN_BLANK_PITCHES * pitch:
        return None
    if _sentence_ends([w for line in row for w in line.words]):
        return None
    top = min(line.box.y0 for line in row if line.box is not None)
    if any(line.box is None or line.box.y0 > top for r in refs[refs.index(last) + 1:]
           if r.page == last.page and (line := page.lines[r.line]) not in row):
        return None  # more of the paragraph below its last words
    boxes = [box for n in here if (box := page.lines[n].box) is not None]
    left = min(box.x0 for box in boxes)
    right = max(box.x1 for box in boxes)
    tolerance = pitch * MARGIN_PITCHES
    indent = INDENT_CHARACTERS * _character_width(page, [n for n in here
                                                         if (first.page, n) in layout.typed])
    at_margin = left - tolerance <= b.box.x0 <= left + indent and (
        (first.page, first.line) in layout.typed)
    cut = cut and (
        b.box.y1 - b.box.y0 < CUT_HEIGHT * height and b.box.x1 - b.box.x0 >= CUT_WIDTH * height
        and left - tolerance <= b.box.x0 and b.box.x1 <= right + tolerance and noise(b)
    )
    if not (at_margin or cut):
        return None  # a stamp, a note in the margin, a speck: no text goes on below
    blank = Box(left, bottom, right, b.box.y0)
    # lines of text it held: a line's pitch each, and the blank two lines always leave between
    lines = max(1, round((b.box.y0 - bottom - (pitch - height)) / pitch))
    return Excision(last.page, blank, lines)


def _row(page: Page, lines: list[int], last: int) -> list[Line]:
    """The paragraph's lines on the level of its line `last`, left to right."""
    box = page.lines[last].box
    assert box is not None
    row = []
    for n in lines:
        other = page.lines[n].box
        if other is None:
            continue
        overlap = min(box.y1, other.y1) - max(box.y0, other.y0)
        if overlap > min(box.y1 - box.y0, other.y1 - other.y0) / 2:
            row.append(page.lines[n])
    return sorted(row, key=lambda line: line.box.x0 if line.box else 0)


def _sentence_ends(row: Sequence[Word]) -> bool:
    """Whether the words end a sentence, marks and specks read after the last word aside."""
    words = [w.text for w in row]
    while words and sum(c.isalnum() for c in words[-1]) < 3 and not SENTENCE_END.search(
        words[-1].rstrip(_TRAILING_MARKS)
    ):
        words.pop()  # "agreements. Sy": a mark read after the full stop
    return bool(words) and SENTENCE_END.search(words[-1].rstrip(_TRAILING_MARKS)) is not None


# Read after a line's last word: a mark, a speck, a quote; not a sentence's end (. ! ? : ;)
_TRAILING_MARKS = " ~=-_'‘’\"“”|*°^`,"


def _character_width(page: Page, typed: Sequence[int]) -> float:
    """How wide a character of the `typed` lines is (median over the lines)."""
    widths = [
        (line.box.x1 - line.box.x0) / len(line.text)
        for n in typed if (line := page.lines[n]).box is not None and line.text
    ]
    return float(statistics.median(widths)) if widths else 0.0


def _typed(line: Line) -> bool:
    confidences = [w.conf for w in line.words if w.conf is not None]
    return (
        not line.redacted and line.box is not None and len(line.words) >= TYPED_WORDS
        and bool(confidences) and sum(confidences) / len(confidences) >= TYPED_CONFIDENCE
        and not noise(line)
    )


def _last_paragraph(item: BodyItem) -> Paragraph | None:
    said = body_paragraphs([item])
    return said[-1] if said else None


def _first_paragraph(item: BodyItem) -> Paragraph | None:
    if isinstance(item, Speech):
        return None  # a speaker's label begins it: the text goes on as said
    return item if isinstance(item, Paragraph) else None
