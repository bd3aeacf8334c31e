"""Page furniture: each line furniture or content, page breaks found or inferred, stamps read.

Furniture is what stands at a page's edge apart from the text: classification markings,
declassification stamps and notices, page numbers, declassification instructions, archive
record numbers. The page flow is every line in reading order with that decision made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pipeline.model import Line, Page
from pipeline.structure import markings
from pipeline.structure.text import real_word
from pipeline.structure.tree import Furniture, FurnitureKind, LineRef, PageStart
from pipeline.structure.vocabulary import numeric_date

EDGE_FRACTION = 0.14  # furniture lives in the top and bottom 14% of a scanned page
EDGE_LINES = 3  # or in the first/last three lines of a text page


@dataclass
class Slot:
    """One line of a page in reading order, furniture or content; or a page's start."""

    page: int
    line: int
    furniture: Furniture | None  # set on the first line of a furniture item
    is_furniture: bool
    page_start: PageStart | None = None  # set on the first slot of a (possibly inferred) page
    para_break: bool = False  # the source starts a new paragraph here


def page_flow(pages: Sequence[Page], today: date) -> list[Slot]:
    """Classify every line as furniture or content; infer page breaks in text without form feeds."""
    flow: list[Slot] = []
    page_count = 0
    decorated_used = _decorated_numbers(pages)
    for p, page in enumerate(pages):
        page_count += 1
        kinds = [_furniture_kind(page, i, decorated_used, p > 0) for i in range(len(page.lines))]
        unread = _obliterated_markings(page, kinds)
        stamp_tail = _stamp_tail(page, kinds)
        last_item: Furniture | None = None
        number = _number_for_page(page, kinds, decorated_used) or str(page_count)
        first = Slot(p, -1, None, True, PageStart(number, p))
        flow.append(first)
        if page.error is not None:
            continue
        content_seen = False
        starts = _paragraph_starts(page)
        stamp: Furniture | None = None
        group: set[FurnitureKind] = set()  # furniture kinds met since the last content line
        for i, line in enumerate(page.lines):
            kind = kinds[i]
            if kind is None:
                if content_seen and _page_boundary(group) and not page.has_image:
                    # Text without form feeds: bottom furniture followed by more text is a
                    # page boundary that the OCR flattened. Move the furniture since the
                    # last content onto the new page's top when it is top-like.
                    page_count += 1
                    _split_inferred_page(flow, p, str(page_count))
                    stamp = None
                group = set()
                para_break = starts[i]
                flow.append(Slot(p, i, None, False, para_break=para_break))
                content_seen = True
                continue
            ref = LineRef(p, i)
            place = _place(page, i, content_seen)
            split = _marking_beside_stamp(line) if kind is FurnitureKind.declassification else None
            if split is not None:
                # "| _ SECRET Document Number 1271-1029 for FOIA Review": the marking is a
                # marking, the rest of the line the stamp
                (start, end), rest, form = split
                words = line.words[start:end]
                flow.append(Slot(p, i, Furniture(
                    FurnitureKind.classification, place, [LineRef(p, i, start, end)],
                    struck=any(w.struck for w in words), marking=form,
                ), True))
                group.add(FurnitureKind.classification)
                ref = LineRef(p, i, *rest)
            if last_item is not None and (i in stamp_tail or _goes_on(last_item, flow, line, kind)):
                last_item.lines.append(ref)
                flow.append(Slot(p, i, None, True))
                continue
            if (
                kind is FurnitureKind.declassification
                and stamp is not None
                and _same_stamp(page, stamp, i)
            ):
                # One stamp a page: its lines may be read between the letterhead's.
                group.add(kind)
                stamp.lines.append(ref)
                _fill_declassification(stamp, line.text, today)
                flow.append(Slot(p, i, None, True))
                last_item = stamp
                continue
            item = Furniture(kind, place, [ref])
            if kind is FurnitureKind.classification:
                item.marking = None if i in unread else (
                    markings.marking_form(line.text) or line.text)
                item.struck = any(w.struck for w in line.words)
            elif kind is FurnitureKind.declassification:
                _fill_declassification(item, line.text, today)
                stamp = item
            flow.append(Slot(p, i, item, True))
            if not (kind is FurnitureKind.instruction and markings.AUTHORITY.match(line.text)):
                group.add(kind)  # a telegram's "E.O. 12356: DECL: OADR" stands in its header
            last_item = item
    _place_text_furniture(flow, pages)
    _renumber_inferred(flow, pages, decorated_used)
    return flow


def _goes_on(item: Furniture, flow: list[Slot], line: Line, kind: FurnitureKind) -> bool:
    """Whether a line goes on with the instruction typed or stamped right above it.

    "GROUP 1 / Excluded from automatic / downgrading and / declassification" is one notice,
    however its lines read alone.
    """
    if item.kind is not FurnitureKind.instruction or len(line.words) > 5:
        return False
    last = item.lines[-1]
    if not flow or (flow[-1].page, flow[-1].line) != (last.page, last.line):
        return False  # not right after it
    if kind is FurnitureKind.declassification:
        return not markings.is_declassification(line.text)  # a word of it, not a stamp
    return kind is FurnitureKind.instruction


def _marking_beside_stamp(
    line: Line,
) -> tuple[tuple[int, int | None], tuple[int, int | None], str] | None:
    """A classification level read on one line with a stamp, at the line's start or end.

    Returns the marking's word range, the stamp's, and the level; None when the level stands
    inside the stamp's words or the line has none.
    """
    words = line.words
    for j, word in enumerate(words):
        letters = "".join(c for c in word.text if c.isalpha())
        if len(letters) < 6 or not letters.isupper():
            continue
        found = markings.classification(letters)
        if found is None or found.form not in markings.LEVELS:
            continue
        before = any(real_word(w.text) for w in words[:j])
        after = any(real_word(w.text) for w in words[j + 1 :])
        if not before and after:
            return (0, j + 1), (j + 1, None), found.form
        if before and not after:
            return (j, None), (0, j), found.form
    return None


def _place_text_furniture(flow: list[Slot], pages: Sequence[Page]) -> None:
    """In text, furniture followed only by furniture until the page ends is at the bottom."""
    bottom = True
    for slot in reversed(flow):
        if slot.page_start is not None:
            bottom = True
        elif not slot.is_furniture:
            bottom = False
        elif slot.furniture is not None and not pages[slot.page].has_image:
            slot.furniture.place = "bottom" if bottom else "top"


def _same_stamp(page: Page, stamp: Furniture, i: int) -> bool:
    """Whether line i continues the stamp: same half of a scan, or within a few lines of text."""
    last = stamp.lines[-1].line
    line, before = page.lines[i], page.lines[last]
    if page.has_image and page.height and line.box is not None and before.box is not None:
        return (line.box.y0 < page.height / 2) == (before.box.y0 < page.height / 2)
    return i - last <= 3


def _stamp_tail(page: Page, kinds: list[FurnitureKind | None]) -> set[int]:
    """Short lines below a stamp at the foot of a scanned page: the rest of the stamp.

    Stamps are read as fragments ("a et FEB 7", "deciassification"); below a recognised stamp
    line, near the bottom edge, a short line belongs to it. Only downwards: a signature above
    a stamp stays text.
    """
    tail: set[int] = set()
    if not page.has_image or not page.height:
        return tail
    for i in range(1, len(page.lines)):
        line = page.lines[i]
        if kinds[i] is not None or line.box is None or len(line.words) > 5:
            continue
        low = (line.box.y0 + line.box.y1) / 2 > (1 - EDGE_FRACTION) * page.height
        if low and (kinds[i - 1] is not None or i - 1 in tail):
            tail.add(i)
            kinds[i] = kinds[i - 1] if kinds[i - 1] is not None else FurnitureKind.declassification
    return tail


def _page_boundary(group: set[FurnitureKind]) -> bool:
    """Furniture between two runs of text that can only be a page's bottom and the next's top.

    A marking alone may be a page's top marking under the letterhead; a marking with a
    declassification instruction or a page number is a page boundary.
    """
    return FurnitureKind.classification in group and bool(
        group & {FurnitureKind.instruction, FurnitureKind.page_number, FurnitureKind.folio}
    )


def _split_inferred_page(flow: list[Slot], page: int, number: str) -> None:
    """Insert an inferred page start before the trailing top-like furniture of the flow."""
    j = len(flow)
    # Walk back over the furniture since the last content line; keep bottom-like lines
    # (instructions, the marking that directly follows the text) on the old page.
    while j > 0 and flow[j - 1].is_furniture and flow[j - 1].page_start is None:
        j -= 1
    last_bottom = j
    for k in range(j, len(flow)):
        item = flow[k].furniture
        if item is not None and item.kind is FurnitureKind.instruction:
            last_bottom = k + 1
    lone = flow[j].furniture if last_bottom == j and len(flow) - j == 1 else None
    if lone is not None and lone.kind is FurnitureKind.classification:
        last_bottom = len(flow)  # a lone marking after the text closes the old page
    # (top and bottom are set afterwards, for all text furniture, by _place_text_furniture)
    flow.insert(last_bottom, Slot(page, -1, None, True, PageStart(number, None)))


def _renumber_inferred(flow: list[Slot], pages: Sequence[Page], decorated_used: bool) -> None:
    """Give each page start its printed number when the furniture after it carries one."""
    sequence = 0
    for k, slot in enumerate(flow):
        if slot.page_start is None:
            continue
        sequence += 1
        printed = None
        for j in range(k + 1, len(flow)):  # no slice: copying the rest each page is quadratic
            later = flow[j]
            if later.page_start is not None or not later.is_furniture:
                break
            item = later.furniture
            if item is None:
                continue
            if item.kind is FurnitureKind.page_number:
                printed = _number_text(pages, item.lines[0])
                break
            if item.kind is FurnitureKind.folio and not decorated_used and printed is None:
                printed = _number_text(pages, item.lines[0])
        slot.page_start = PageStart(printed or str(sequence), slot.page_start.page)


def _number_text(pages: Sequence[Page], ref: LineRef) -> str | None:
    found = markings.page_number(pages[ref.page].lines[ref.line].text)
    return found[0] if found else None


def _decorated_numbers(pages: Sequence[Page]) -> bool:
    """Whether the document types its page numbers decorated ("- 5 -", "Page 5") anywhere."""
    for page in pages:
        for i, line in enumerate(page.lines):
            if _at_edge(page, i):
                number = markings.page_number(line.text)
                if number is not None and number[1]:
                    return True
    return False


def _number_for_page(
    page: Page, kinds: list[FurnitureKind | None], decorated_used: bool
) -> str | None:
    for i, kind in enumerate(kinds):
        if kind is FurnitureKind.page_number:
            return _number_text([page], LineRef(0, i))
    if not decorated_used:
        for i, kind in enumerate(kinds):
            if kind is FurnitureKind.folio:
                return _number_text([page], LineRef(0, i))
    return None


def _furniture_kind(
    page: Page, i: int, decorated_used: bool, later_page: bool
) -> FurnitureKind | None:
    line = page.lines[i]
    if line.redacted:
        return None  # withheld text, wherever it stands
    text = line.text
    if markings.is_declassification_instruction(text) and markings.classification(text) is None:
        return FurnitureKind.instruction  # "E.O. 12356: DECL: OADR" is no release stamp
    if markings.is_declassification(text):
        return FurnitureKind.declassification
    if (
        markings.classification(text) is not None
        or markings.spaced_marking(text)
        or markings.leading_marking(text)
    ):
        return FurnitureKind.classification
    if markings.is_declassification_instruction(text):
        return FurnitureKind.instruction
    if _at_edge(page, i):
        # At the edge, stamps share lines with each other and with specks.
        if markings.EXCLUSION.search(text):
            return FurnitureKind.instruction  # "GROUP 1 Excluded from automatic downgrading"
        if markings.declassification_phrase(text):
            return FurnitureKind.declassification
        if markings.archive_identifier(text):
            return FurnitureKind.archive_id
        if later_page and markings.RUNNING_HEAD.match(text):
            return FurnitureKind.running_head
        if len(line.words) <= 8 and markings.classification_token(text):
            return FurnitureKind.classification
        if markings.lone_level(text):
            return FurnitureKind.classification
        number = markings.page_number(text)
        if number is not None:
            if number[1]:
                return FurnitureKind.page_number
            return FurnitureKind.folio if decorated_used else FurnitureKind.page_number
    return None


OBLITERATED_REACH = 2  # an unreadable struck line this many lines from a marking or stamp


def _obliterated_markings(page: Page, kinds: list[FurnitureKind | None]) -> set[int]:
    """Lines that are classification markings struck out past reading; `kinds` set so.

    On a scan, at the page's edge, a line whose words a stroke on the image ran through and
    that reads as no word (``obliterated``) is the marking it struck out ("SECRET/NOFORN"
    read "SIRERE ANDERE" under the stroke) when a marking, a release stamp or a
    declassification instruction stands within OBLITERATED_REACH lines of it: markings are
    struck where the stamp that replaces them is set. A rule of a form crossing specks
    has none beside it.
    """
    beside = {FurnitureKind.classification, FurnitureKind.declassification,
              FurnitureKind.instruction}
    found: set[int] = set()
    if not page.has_image:
        return found
    for i, line in enumerate(page.lines):
        if kinds[i] is not None or not _at_edge(page, i) or not markings.obliterated(line):
            continue
        near = range(max(0, i - OBLITERATED_REACH), min(len(kinds), i + OBLITERATED_REACH + 1))
        if any(kinds[j] in beside for j in near if j != i and j not in found):
            found.add(i)
    for i in found:
        kinds[i] = FurnitureKind.classification
    return found


def _at_edge(page: Page, i: int) -> bool:
    line = page.lines[i]
    if page.has_image and line.box is not None and page.height:
        middle = (line.box.y0 + line.box.y1) / 2
        return middle < EDGE_FRACTION * page.height or middle > (1 - EDGE_FRACTION) * page.height
    if i < EDGE_LINES or i >= len(page.lines) - EDGE_LINES:
        return True
    # Text without form feeds: next to a classification marking is an edge too.
    for j in (i - 1, i + 1, i - 2, i + 2):
        if 0 <= j < len(page.lines) and markings.classification(page.lines[j].text):
            return True
    return False


def _place(page: Page, i: int, content_seen: bool) -> str:
    line = page.lines[i]
    if page.has_image and line.box is not None and page.height:
        middle = (line.box.y0 + line.box.y1) / 2
        if middle < 0.5 * page.height:
            return "top"
        return "bottom"
    return "bottom" if content_seen else "top"


def _fill_declassification(item: Furniture, text: str, today: date) -> None:
    """What a stamp's line says: its case number, date, authority and reviewer, when it does."""
    if item.idno is None and (case := markings.case_number(text)) is not None:
        item.idno_text, item.idno = case
    if item.date_iso is None and (found := numeric_date(text, today)) is not None:
        item.date_text, item.date_iso = found
    item.authority = item.authority or markings.authority(text)
    item.reviewer = item.reviewer or markings.reviewer(text)


def _paragraph_starts(page: Page) -> list[bool]:
    """For each line, whether it starts a new source paragraph.

    Text: a blank line before it. Scans: a line pitch well above the page's usual one (a blank
    line typed between paragraphs); Tesseract's own paragraphs are too unreliable on typescript.
    """
    lines = page.lines
    starts = [True] * len(lines)
    if not lines:
        return starts
    boxed = page.has_image and all(line.box is not None for line in lines)
    if not boxed:
        for i in range(1, len(lines)):
            starts[i] = lines[i].block != lines[i - 1].block
        return starts
    centres = [_left_centre(line) for line in lines]
    lefts = [line.box.x0 for line in lines]  # type: ignore[union-attr]
    pitches = [b - a for a, b in zip(centres, centres[1:])]
    positive = sorted(p for p in pitches if p > 0)
    # The single-line pitch is the common small one: in a short memo half the steps may be
    # blank lines, so take the lower quartile, not the median.
    typical = positive[len(positive) // 4] if positive else 1.0
    # Typewritten paragraphs either leave a blank line or indent their first line.
    margin = sorted(lefts)[len(lefts) // 4]
    indent = (page.width or 2550) * 0.02
    indented = [x - margin > indent for x in lefts]
    for i in range(1, len(lines)):
        wide_gap = pitches[i - 1] > 1.6 * typical or pitches[i - 1] < -typical
        starts[i] = wide_gap or (indented[i] and not indented[i - 1])
    return starts


def _left_centre(line: Line) -> float:
    """The height of a line where it starts: the centre of its first real word.

    Centres, not tops: specks and descenders make box tops jump on real paper. And the
    line's start, not its whole box: on a skewed page a long line's box is taller than a
    short one's, which made a blank line between paragraphs look like none.
    """
    for word in line.words:
        if word.box is not None and real_word(word.text):
            return (word.box.y0 + word.box.y1) / 2
    return (line.box.y0 + line.box.y1) / 2  # type: ignore[union-attr]
