"""Recognise document structure: page furniture, memo header, participants, paragraphs, speakers.

Input: the pages' lines and the name mentions found by the correction stage. Output: a tree of
plain dataclasses in reading order that the TEI stage writes out one to one. Lines are referred
to, never copied, so the TEI stage renders every word exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from rapidfuzz.distance import Levenshtein

from pipeline import markings
from pipeline.model import Line, Mention, Page, WordRef

# --- the structure tree -------------------------------------------------------------------


@dataclass(frozen=True)
class LineRef:
    """Words [start, end) of one line of one page (page and line indexes are 0-based)."""

    page: int
    line: int
    start: int = 0
    end: int | None = None


class FurnitureKind(str, Enum):
    """Page furniture types; the values are the TEI ``fw/@type``."""

    classification = "classification"
    declassification = "declassification"
    page_number = "pageNum"
    folio = "folio"
    instruction = "declassInstruction"
    archive_id = "archiveId"


@dataclass
class Furniture:
    """A marking, stamp, page number or instruction at the edge of a page."""

    kind: FurnitureKind
    place: str  # top, bottom, margin
    lines: list[LineRef]
    struck: bool = False
    marking: str | None = None  # the vocabulary form of a classification marking
    idno: str | None = None  # declassification authority / case number
    date_text: str | None = None
    date_iso: str | None = None


@dataclass(frozen=True)
class PageStart:
    """A page break: printed number (or position) and the source page it shows, if any."""

    n: str
    page: int | None  # index into the document's pages, None when inferred inside text


Content = LineRef | PageStart | Furniture


@dataclass
class Paragraph:
    """A paragraph rebuilt across line and page breaks; maybe attributed to a speaker."""

    content: list[Content]
    who: str | None = None  # participant/entity id
    mode: str | None = None  # "sp" (dialogue: label then speech) or "said" (reported)
    speaker_label: LineRef | None = None  # the words "Gorbachev:" for dialogue


@dataclass
class Participant:
    """A person on the participants list."""

    id: str
    name: str  # as written, without the roles
    side: str | None
    entity_id: str | None
    line: LineRef
    written: str  # the whole entry as written: "D. Zarechnak, Interpreter"
    roles: tuple[str, ...] = ()  # titles and roles as they stand in `written`, in its order


@dataclass
class HeaderField:
    """One labelled header line: Date, Time, Place, Subject, From, To..."""

    label: str  # lower-case: date, time, place, subject, ...
    line: LineRef
    value_start: int  # index of the first word after the label
    date_iso: str | None = None
    time_from: str | None = None
    time_to: str | None = None
    time_start: int | None = None  # a time after the date on a "DATE, TIME" line
    form_label: str | None = None  # label "field": the label as written ("RECORD NUMBER")


@dataclass
class MemoHeader:
    """The memo's opening block."""

    letterhead: list[LineRef] = field(default_factory=list)
    doc_type: LineRef | None = None
    subject: list[LineRef] = field(default_factory=list)
    fields: list[HeaderField] = field(default_factory=list)
    side_labels: list[LineRef] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    other: list[LineRef] = field(default_factory=list)  # header lines of no known kind
    telegram: bool = False  # routed "FM ... TO ..." with a date-time group

    def field(self, label: str) -> HeaderField | None:
        return next((f for f in self.fields if f.label == label), None)


@dataclass
class Separator:
    """A rule typed across the page ("-----")."""

    line: LineRef


@dataclass
class Closer:
    """Drafting and clearance lines at the end."""

    lines: list[LineRef]


BodyItem = PageStart | Furniture | MemoHeader | Paragraph | Separator | Closer


@dataclass
class DocumentStructure:
    """The whole document in reading order, plus what the header needs."""

    items: list[BodyItem]
    header: MemoHeader | None
    page_numbers: list[str]  # pb/@n of each PageStart, in order


# --- analysis -----------------------------------------------------------------------------

EDGE_FRACTION = 0.14  # furniture lives in the top and bottom 14% of a scanned page
EDGE_LINES = 3  # or in the first/last three lines of a text page
DOC_TYPE = re.compile(
    r"^(MEMORANDUM( OF CONVERSATION| FOR\b.*)?|(INFORMATION|ACTION|BRIEFING) MEMORANDUM|"
    r"TELEGRAM|DEPARTMENT OF STATE TELEGRAM|CABLE|MEMCON|"
    r"(UNITED STATES GOVERNMENT |OFFICE )?MEMORANDUM|AIRGRAM|NOTE FOR THE RECORD|"
    r"EXECUTIVE ORDER( NO\.? ?\d+)?|PROCLAMATION|"
    r"NATIONAL SECURITY (DECISION |ACTION |STUDY )?(DIRECTIVE|MEMORANDUM)( NO\.? ?\d+)?)$",
    re.IGNORECASE,
)
FIELD = re.compile(
    r"^(?:(DATE,\s*TIME(?:,?\s+AND\s+PLACE)?|AND\s+PLACE)\s*:?"
    r"|(?-i:(FM|TO|INFO)(?=\s+[A-Z]{3,}))"  # telegram routing, capitals: "FM AMEMBASSY MOSCOW"
    r"|(SUBJECT|SUBJ|DATE|TIME|PLACE|FROM|TO|THRU|THROUGH|CC|COPIES TO|REF|TAGS|"
    r"PARTICIPANTS|((US|U\.S\.|SOVIET|USSR|AMERICAN|[A-Z][a-z]+) )?PARTICIPANTS)\s*['‘’`]?\s*:)",
    re.IGNORECASE,
)
# A labelled line of a form ("RECORD NUMBER : 176-10036-10116"): words in capitals, a colon.
FORM_LABEL = re.compile(r"^([A-Z][A-Z/&.-]*(?: (?:OF|[A-Z][A-Z/&.-]*)){0,4})\s*['‘’`]?\s*:(?!\S)")
FORM_LINES = 4  # labelled lines at the head of a document that make it a form
SIDE_LABEL = re.compile(r"^(.*?)\s*PARTICIPANTS\s*:?\s*$", re.IGNORECASE)
# Inside a participants list: "U.S. Side", "Soviet Side:", "American Delegation"
SIDE_NAME = re.compile(
    r"^([A-Z][\w.]*(?:\s[A-Z][\w.]*)?)\s+(?:SIDE|DELEGATION)\s*:?$", re.IGNORECASE
)
SEPARATOR = re.compile(r"^[-_=*.\s]{3,}$")
CLOSER_START = re.compile(
    r"^(Drafted|Drafted by|Cleared|Clearances?|Approved|Prepared by|Distribution|Concurrences?)\b",
    re.IGNORECASE,
)
TERMINAL = re.compile(r"[.!?:;\"'”’)]$")
ROLE_WORDS = (
    "President",
    "Vice President",
    "General Secretary",
    "Secretary",
    "Ambassador",
    "Minister",
    "Foreign Minister",
    "Deputy Foreign Minister",
    "Chief of Staff",
    "Deputy Assistant Secretary",
    "Assistant Secretary",
    "Under Secretary",
    "Deputy Secretary",
    "Interpreter",
    "Notetaker",
    "VADM",
    "ADM",
    "General",
    "Marshal",
    "Admiral",
    "Senator",
    "Counselor",
    "Director",
    "National Security Advisor",
    "Assistant to the President",
    "Special Assistant",
    "Deputy Director",
    "Chairman",
    "Premier",
    "Prime Minister",
    "Adviser",
    "Advisor",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "Deputy Chief of Mission",
    "Charge",
    "Minister-Counselor",
    "Secretary of State",
    "Secretary of Defense",
    "Secretary of the Treasury",
    "Deputy Secretary of State",
    "Assistant Secretary of State",
    "National Security Adviser",
    "Minister of Foreign Affairs",
    "Chief of the General Staff",
    "Defense Minister",
    "Senator",
)
SPEECH_VERBS = {
    "said",
    "says",
    "indicated",
    "continued",
    "noted",
    "stated",
    "replied",
    "asked",
    "added",
    "thanked",
    "concluded",
    "emphasized",
    "emphasised",
    "stressed",
    "recalled",
    "responded",
    "observed",
    "agreed",
    "explained",
    "suggested",
    "proposed",
    "welcomed",
    "remarked",
    "commented",
    "declared",
    "insisted",
    "argued",
    "urged",
    "asserted",
    "pointed",
    "began",
    "opened",
    "expressed",
    "reiterated",
    "underlined",
    "underscored",
    "mentioned",
    "repeated",
    "answered",
    "interjected",
    "acknowledged",
    "wondered",
    "handed",
    "touched",
    "raised",
    "then",
    "also",
    "again",
    "went",
    "wanted",
    "hoped",
    "believed",
    "felt",
    "thought",
    "promised",
    "told",
    "assured",
    "affirmed",
    "described",
    "reported",
    "confirmed",
    "cited",
    "conveyed",
    "informed",
    "countered",
    "objected",
    "summarized",
    "closed",
    "turned",
}


def analyse(pages: Sequence[Page], mentions: Sequence[Mention]) -> DocumentStructure:
    """Build the structure tree of one document."""
    index = _MentionIndex(mentions)
    flow = _page_flow(pages)
    header, body_start = _memo_header(flow, pages, index)
    items = _body(flow, body_start, header, pages, index)
    page_numbers = [item.n for item in _walk_page_starts(items)]
    return DocumentStructure(items, header, page_numbers)


class _MentionIndex:
    """Mentions by the word they start at."""

    def __init__(self, mentions: Sequence[Mention]) -> None:
        self.by_start: dict[WordRef, Mention] = {m.first: m for m in mentions}

    def at(self, page: int, line: int, word: int) -> Mention | None:
        return self.by_start.get(WordRef(page, line, word))

    def in_line(self, page: int, line: int, start: int = 0, stop: int = 10_000) -> list[Mention]:
        return [
            m
            for ref, m in self.by_start.items()
            if ref.page == page and ref.line == line and start <= ref.word < stop
        ]


# A page's lines split into furniture and content, in reading order.
@dataclass
class _Slot:
    page: int
    line: int
    furniture: Furniture | None  # set on the first line of a furniture item
    is_furniture: bool
    page_start: PageStart | None = None  # set on the first slot of a (possibly inferred) page
    para_break: bool = False  # the source starts a new paragraph here


def _page_flow(pages: Sequence[Page]) -> list[_Slot]:
    """Classify every line as furniture or content; infer page breaks in text without form feeds."""
    flow: list[_Slot] = []
    page_count = 0
    numbers = _page_numbers(pages)
    decorated_used = any(numbers.values())
    for p, page in enumerate(pages):
        page_count += 1
        kinds = [_furniture_kind(page, i, decorated_used) for i in range(len(page.lines))]
        stamp_tail = _stamp_tail(page, kinds)
        last_item: Furniture | None = None
        number = _number_for_page(page, p, kinds, decorated_used) or str(page_count)
        first = _Slot(p, -1, None, True, PageStart(number, p))
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
                flow.append(_Slot(p, i, None, False, para_break=para_break))
                content_seen = True
                continue
            ref = LineRef(p, i)
            place = _place(page, i, content_seen)
            if i in stamp_tail and last_item is not None:
                last_item.lines.append(ref)
                flow.append(_Slot(p, i, None, True))
                continue
            if (
                kind is FurnitureKind.declassification
                and stamp is not None
                and _same_stamp(page, stamp, i)
            ):
                # One stamp a page: its lines may be read between the letterhead's.
                group.add(kind)
                stamp.lines.append(ref)
                _fill_declassification(stamp, line.text)
                flow.append(_Slot(p, i, None, True))
                last_item = stamp
                continue
            item = Furniture(kind, place, [ref])
            if kind is FurnitureKind.classification:
                marking = markings.classification(_unstruck_text(line))
                item.marking = marking.form if marking else line.text
                item.struck = any(w.struck for w in line.words)
            elif kind is FurnitureKind.declassification:
                _fill_declassification(item, line.text)
                stamp = item
            flow.append(_Slot(p, i, item, True))
            group.add(kind)
            last_item = item
    _place_text_furniture(flow, pages)
    _renumber_inferred(flow, pages, numbers, decorated_used)
    return flow


def _place_text_furniture(flow: list[_Slot], pages: Sequence[Page]) -> None:
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


def _split_inferred_page(flow: list[_Slot], page: int, number: str) -> None:
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
    flow.insert(last_bottom, _Slot(page, -1, None, True, PageStart(number, None)))


def _renumber_inferred(
    flow: list[_Slot], pages: Sequence[Page], numbers: dict, decorated_used: bool
) -> None:
    """Give each page start its printed number when the furniture after it carries one."""
    sequence = 0
    for k, slot in enumerate(flow):
        if slot.page_start is None:
            continue
        sequence += 1
        printed = None
        for later in flow[k + 1 :]:
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


def _page_numbers(pages: Sequence[Page]) -> dict[tuple[int, int], bool]:
    """Every edge line that holds a page number, and whether it is decorated ("- 5 -")."""
    found: dict[tuple[int, int], bool] = {}
    for p, page in enumerate(pages):
        for i, line in enumerate(page.lines):
            if not _at_edge(page, i):
                continue
            number = markings.page_number(line.text)
            if number is not None:
                found[(p, i)] = number[1]
    return found


def _number_for_page(
    page: Page, p: int, kinds: list[FurnitureKind | None], decorated_used: bool
) -> str | None:
    for i, kind in enumerate(kinds):
        if kind is FurnitureKind.page_number:
            return _number_text([page], LineRef(0, i))
    if not decorated_used:
        for i, kind in enumerate(kinds):
            if kind is FurnitureKind.folio:
                return _number_text([page], LineRef(0, i))
    return None


def _furniture_kind(page: Page, i: int, decorated_used: bool) -> FurnitureKind | None:
    line = page.lines[i]
    text = _unstruck_text(line)
    if markings.is_declassification(text):
        return FurnitureKind.declassification
    if markings.classification(text) is not None or markings.spaced_marking(text):
        return FurnitureKind.classification
    if markings.is_declassification_instruction(text):
        return FurnitureKind.instruction
    if _at_edge(page, i):
        # At the edge, stamps share lines with each other and with specks.
        if markings.declassification_phrase(text):
            return FurnitureKind.declassification
        if markings.archive_identifier(text):
            return FurnitureKind.archive_id
        if len(line.words) <= 8 and markings.classification_token(text):
            return FurnitureKind.classification
        number = markings.page_number(text)
        if number is not None:
            if number[1]:
                return FurnitureKind.page_number
            return FurnitureKind.folio if decorated_used else FurnitureKind.page_number
    return None


def _unstruck_text(line: Line) -> str:
    return " ".join(w.text for w in line.words)


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


def _fill_declassification(item: Furniture, text: str) -> None:
    if item.idno is None:
        item.idno = markings.declassification_idno(text)
    if item.date_iso is None:
        found = markings.numeric_date(text)
        if found:
            item.date_text, item.date_iso = found


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
        if word.box is not None and _real_word(word.text):
            return (word.box.y0 + word.box.y1) / 2
    return (line.box.y0 + line.box.y1) / 2  # type: ignore[union-attr]


def _real_word(text: str) -> bool:
    """Two letters or digits at least: not a speck ("J", "|", "-")."""
    return sum(c.isalnum() for c in text) >= 2


# --- memo header ----------------------------------------------------------------------


def _memo_header(
    flow: list[_Slot], pages: Sequence[Page], index: _MentionIndex
) -> tuple[MemoHeader | None, int]:
    """Find the opening block: letterhead, document type, subject, fields, participants."""
    content = [k for k, s in enumerate(flow) if not s.is_furniture]
    if not content:
        return None, len(flow)
    header = MemoHeader()
    found_type = False
    found_field = False
    sides: list[str] = []
    in_participants = False
    last_header_slot = -1
    entries: list[tuple[int, LineRef]] = []  # (number of side labels seen before, line)
    # The header is on the first page: stop at the next page break, found or inferred.
    next_page = next(
        (k for k in range(content[0], len(flow)) if flow[k].page_start is not None), len(flow)
    )
    scanned = [k for k in content if k < next_page][:60]
    texts = [_header_text(pages, flow[k]) for k in scanned]
    # A form (a record's identification sheet) labels lines the memo header does not know.
    form = sum(1 for text in texts if _form_line(text)) >= FORM_LINES
    for position, k in enumerate(scanned):
        slot = flow[k]
        line = pages[slot.page].lines[slot.line]
        text = texts[position]
        ref = LineRef(slot.page, slot.line)
        following = texts[position + 1] if position + 1 < len(texts) else None
        if SEPARATOR.match(line.text.strip()):
            if found_type or found_field:
                last_header_slot = k
                break
            continue
        if (
            not (found_type or found_field)
            and _prose(text)
            and following is not None
            and _prose(following)
        ):
            break  # running text before any heading or field: the document has no header
        if not found_type and DOC_TYPE.match(text):
            used = {(r.page, r.line) for r in _header_lines(header)}
            header.letterhead = [
                LineRef(flow[j].page, flow[j].line)
                for j in content
                if j < k and (flow[j].page, flow[j].line) not in used
            ]
            header.doc_type = ref
            found_type = True
            last_header_slot = k
            continue
        side_match = SIDE_LABEL.match(text) or (SIDE_NAME.match(text) if in_participants else None)
        if side_match:
            header.side_labels.append(ref)
            label = side_match.group(1).strip() or None
            if label:
                sides.append(label)
            in_participants = found_field = True
            last_header_slot = k
            continue
        dtg = DATE_TIME_GROUP.match(text)
        if dtg:
            header.telegram = found_field = True
            header.fields.append(_date_time_group(dtg, ref))
            last_header_slot = k
            continue
        field_match = FIELD.match(text)
        if field_match:
            found_field = True
            last_header_slot = k
            label = next(g for g in field_match.groups() if g).lower()
            field = _header_field(label, ref, line)
            in_participants = field.label == "participants"
            header.telegram = header.telegram or label == "fm"
            if in_participants:
                # "PARTICIPANTS: The President" - the first name stands on the label's line.
                header.side_labels.append(LineRef(ref.page, ref.line, 0, field.value_start))
                if field.value_start < len(line.words):
                    entries.append((len(sides), LineRef(ref.page, ref.line, field.value_start)))
            else:
                header.fields.append(field)
            continue
        form_match = _form_line(text) if form and not in_participants else None
        if form_match:
            found_field = True
            last_header_slot = k
            colon = next((i for i, w in enumerate(line.words) if ":" in w.text), None)
            value_start = len(line.words) if colon is None else colon + 1
            header.fields.append(
                HeaderField("field", ref, value_start, form_label=" ".join(form_match[1].split()))
            )
            continue
        damaged = _damaged_label(text) if found_type or found_field else None
        if damaged is not None:
            found_field = True
            last_header_slot = k
            in_participants = False
            header.fields.append(_header_field(damaged, ref, line))
            continue
        if in_participants and _looks_like_participant(line):
            entries.append((len(sides), ref))
            last_header_slot = k
            continue
        if found_type and not found_field and len(text.split()) <= 14 and not _prose(text):
            header.subject.append(ref)
            last_header_slot = k
            continue
        if not any(_real_word(word) for word in text.split()):
            continue  # a speck ("J", "|"): neither header nor text, the header may go on
        if found_type or found_field:
            break
    if not (found_type or found_field):
        return None, 0
    side_label_lines = [r for r in header.side_labels if r.start == 0 and r.end is None]
    header.participants = _participants(entries, side_label_lines, sides, flow, pages, index)
    # Lines between the letterhead and the body that matched nothing stay in the header.
    used = {(r.page, r.line) for r in _header_lines(header)}
    for k in content:
        if k > last_header_slot:
            break
        slot = flow[k]
        if (slot.page, slot.line) not in used:
            header.other.append(LineRef(slot.page, slot.line))
    return header, last_header_slot + 1


# Labels recognised when the OCR damaged them ("SUBJFCT:", "susyect:", "DATF:"), once the
# header has begun: the label and the largest number of letters it may differ by.
DAMAGED_LABELS = {"subject": 2, "date": 1, "time": 1, "place": 1, "from": 1, "through": 2}
DAMAGED_LABEL = re.compile(r"^([A-Za-z0-9$]{4,8})\s*['‘’`.,]?\s*:")
_OCR_DIGITS = str.maketrans("0158$", "oisbs")


def _damaged_label(text: str) -> str | None:
    """The known label an OCR-damaged one stands for, when exactly one is near enough."""
    found = DAMAGED_LABEL.match(text)
    if found is None or _prose(text[found.end() :]):
        return None  # "Dane: I think that we should ..." is someone speaking
    word = found[1].lower().translate(_OCR_DIGITS)
    near = [
        label
        for label, edits in DAMAGED_LABELS.items()
        if len(word) >= len(label) - edits and Levenshtein.distance(word, label) <= edits
    ]
    return near[0] if len(near) == 1 else None


def _form_line(text: str) -> re.Match[str] | None:
    """A form's labelled line: a label in capitals that memos do not use, a short value.

    "ORIGINATOR : CIA" is one, and so is a label with no value; a speaker's turn
    ("GORBACHEV: We think that ...") is not.
    """
    found = FORM_LABEL.match(text)
    if found is None or FIELD.match(text) or _prose(text[found.end() :]):
        return None
    return found


def _header_text(pages: Sequence[Page], slot: _Slot) -> str:
    """A line's text without the OCR specks around its words."""
    return pages[slot.page].lines[slot.line].text.strip().strip("_-—–|'‘’\"“”.,;~ ")


def _prose(text: str) -> bool:
    """Running text, not a heading: six words or more, most of them in lower case.

    Letterheads, titles and subject lines are capitalised ("Meeting with Soviet Ambassador
    Dubinin"); a typed line of a paragraph is not ("WHEREAS it is essential that there be").
    """
    words = [w for w in text.split() if w[:1].isalpha()]
    if len(words) < 6:
        return False
    return sum(1 for w in words if w[:1].isupper()) < len(words) / 2


def _header_lines(header: MemoHeader) -> list[LineRef]:
    refs = list(header.letterhead) + header.subject + header.side_labels + header.other
    refs += [f.line for f in header.fields] + [p.line for p in header.participants]
    if header.doc_type:
        refs.append(header.doc_type)
    return refs


FIELD_NAMES = {
    "subj": "subject",
    "through": "thru",
    "copies to": "cc",
    "and place": "place",
    "fm": "from",
}
# A telegram's date-time group: "O 231458Z JUN 86" (precedence, day, time, month, year).
DATE_TIME_GROUP = re.compile(r"^[OPRZ]{1,2}\s+(\d{2})(\d{4})Z\s+([A-Z]{3})\s+(\d{2})$")


def _date_time_group(match: re.Match[str], ref: LineRef) -> HeaderField:
    """A telegram's "O 231458Z JUN 86" as a date field (the time is Zulu, kept as written)."""
    day, hhmm, month, year = match.groups()
    iso = None
    if month.lower() in MONTHS:
        iso = _iso(
            1900 + int(year) if int(year) > 40 else 2000 + int(year),
            MONTHS[month.lower()],
            int(day),
        )
    return HeaderField("date", ref, 0, date_iso=iso)


def _header_field(label: str, ref: LineRef, line: Line) -> HeaderField:
    label = " ".join(label.split())
    label_words = len(label.replace(",", " ").split())
    colon = next((i for i, w in enumerate(line.words) if w.text.endswith(":")), None)
    value_start = colon + 1 if colon is not None and colon < label_words + 1 else label_words
    if line.words and not line.words[0].text[:1].isalnum():
        value_start = max(value_start, 1)
    value = " ".join(w.text for w in line.words[value_start:])
    if "participants" in label:
        name = "participants"
    elif label.startswith("date,"):
        name = "date"  # "DATE, TIME AND PLACE": the date, then the time
    else:
        name = FIELD_NAMES.get(label, label)
    result = HeaderField(name, ref, value_start)
    if name == "date":
        result.date_iso = _parse_date(value)
        result.time_from, result.time_to = (
            _parse_time_range(value) if "time" in label else (None, None)
        )
        if result.time_from:
            result.time_start = next(
                (
                    value_start + i
                    for i, w in enumerate(line.words[value_start:])
                    if TIME.match(w.text)
                ),
                None,
            )
    elif name == "time":
        result.time_from, result.time_to = _parse_time_range(value)
    return result


MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
MONTHS.update({m[:3]: n for m, n in list(MONTHS.items())})
MONTHS["sept"] = 9


def _parse_date(text: str) -> str | None:
    """ISO date from "June 23, 1986", "23 June 1986", "6/23/86"."""
    t = text.replace(",", " ").replace(".", " ")
    m = re.search(r"([A-Za-z]+)\s+(\d{1,2})\s+(\d{4})", t)
    if m and m.group(1).lower() in MONTHS:
        return _iso(int(m.group(3)), MONTHS[m.group(1).lower()], int(m.group(2)))
    m = re.search(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})", t)
    if m and m.group(2).lower() in MONTHS:
        return _iso(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    found = markings.numeric_date(text)
    return found[1] if found else None


def _iso(year: int, month: int, day: int) -> str | None:
    from datetime import date

    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


TIME = re.compile(r"(\d{1,2})[:.](\d{2})\s*(a\.?m\.?|p\.?m\.?)?", re.IGNORECASE)


def _parse_time_range(text: str) -> tuple[str | None, str | None]:
    """("16:55:00", "17:35:00") from "4:55 - 5:35pm"; a shared am/pm applies to both ends."""
    found = TIME.findall(text)
    if not found:
        return None, None
    suffixes = [s.lower().replace(".", "") for _, _, s in found]
    shared = next((s for s in reversed(suffixes) if s), "")
    result: list[str | None] = []
    for (hour, minute, _), explicit in zip(found[:2], suffixes[:2]):
        h, m = int(hour), int(minute)
        meridian = explicit or shared
        if meridian == "pm" and h < 12:
            h += 12
        if meridian == "am" and h == 12:
            h = 0
        result.append(f"{h:02d}:{m:02d}:00" if h < 24 and m < 60 else None)
    if len(result) == 1:
        return result[0], None
    if result[0] and result[1] and result[0] > result[1] and not suffixes[0]:
        # "11:30 - 1:15pm": the start was in the morning after all
        h = int(result[0][:2]) - 12
        result[0] = f"{h:02d}{result[0][2:]}" if h >= 0 else result[0]
    return result[0], result[1]


NAME_PARTICLES = {"of", "the", "for", "and", "de", "von", "van", "der", "la", "le", "du"}


def _looks_like_participant(line: Line) -> bool:
    """A participants-list line: a title and a name in capitals, maybe a role after a comma."""
    text = line.text.strip().lstrip("‘'\"`.,- ")
    name, comma, _ = text.partition(",")
    words = name.split()
    if not 1 <= len(words) <= 7 or len(name) > 50 or len(text) > 100:
        return False
    if not all(w[:1].isupper() or w in NAME_PARTICLES for w in words):
        return False  # "After initial greetings, ..." is a paragraph
    return bool(comma) or not text.endswith((".", ":", ";")) or len(words[-1]) <= 3


def _side_columns(labels: list[LineRef], pages: Sequence[Page]) -> list[float] | None:
    """The left edges of the side labels, when they stand side by side on a scanned page."""
    boxes = [pages[r.page].lines[r.line].box for r in labels]
    if len(boxes) < 2 or any(b is None for b in boxes):
        return None
    lefts = [b.x0 for b in boxes]  # type: ignore[union-attr]
    page = pages[labels[0].page]
    if max(lefts) - min(lefts) < 0.2 * (page.width or 1):
        return None  # labels one above the other: not columns
    return [float(x) for x in lefts]


def _nearest_column(columns: list[float], pages: Sequence[Page], ref: LineRef) -> int:
    box = pages[ref.page].lines[ref.line].box
    if box is None:
        return 0
    return min(range(len(columns)), key=lambda c: abs(columns[c] - box.x0))


def _participants(
    entries: list[tuple[int, LineRef]],
    labels: list[LineRef],
    sides: list[str],
    flow: list[_Slot],
    pages: Sequence[Page],
    index: _MentionIndex,
) -> list[Participant]:
    """Participants with role and side; names linked to gazetteer entities where they match."""
    slot_of = {(s.page, s.line): s for s in flow if s.line >= 0}
    labelled = [(seen, ref) for seen, ref in entries]
    columns = _side_columns(labels, pages) if len(sides) > 1 else None
    if columns is not None:
        # Two columns on a scan: each name belongs to the label above it.
        labelled = [(_nearest_column(columns, pages, ref) + 1, ref) for _, ref in entries]
    elif sides and all(seen == len(sides) for seen, _ in entries) and len(sides) > 1:
        # Column labels first, then one run of names per label: two columns flattened by OCR.
        run, labelled = 0, []
        for n, (_, ref) in enumerate(entries):
            if n and slot_of[(ref.page, ref.line)].para_break:
                run += 1
            labelled.append((min(run, len(sides) - 1) + 1, ref))
    result: list[Participant] = []
    taken: set[str] = set()
    for seen, ref in labelled:
        side = sides[seen - 1] if sides and seen >= 1 else None
        person = _participant(pages[ref.page].lines[ref.line], ref, index, side)
        if person is None:
            continue
        base, n = person.id, 2
        while person.id in taken:
            person.id = f"{base}-{n}"
            n += 1
        taken.add(person.id)
        result.append(person)
    return result


def _participant(
    line: Line, ref: LineRef, index: _MentionIndex, side: str | None
) -> Participant | None:
    text = " ".join(w.text for w in line.words[ref.start : ref.end]).strip().rstrip(",;")
    text = text.lstrip("‘’'\"`.,-_ ")  # a speck before the entry is not part of it
    if not text:
        return None
    mention = next(
        (
            m
            for m in index.in_line(ref.page, ref.line, ref.start)
            if m.entity_type == "person" and m.entity_id
        ),
        None,
    )
    roles: list[str] = []
    name = text
    if "," in text:
        name, _, after = text.partition(",")
        if after.strip():
            roles.append(after.strip())
    for title in sorted(ROLE_WORDS, key=len, reverse=True):
        for prefix in (title + " ", "The " + title + " ", "the " + title + " "):
            if name.startswith(prefix) and len(name) > len(prefix):
                roles.insert(0, title)
                name = name[len(prefix) :]
                break
        else:
            continue
        break
    if name.lower() in ("the president", "the secretary", "the vice president"):
        roles = [name.split(" ", 1)[1]]  # named by title alone
    entity_id = mention.entity_id if mention else None
    pid = entity_id or "person-" + _slug(name)
    return Participant(pid, name.strip(), side, entity_id, ref, text, tuple(roles))


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unnamed"


# --- body -------------------------------------------------------------------------------


def _body(
    flow: list[_Slot],
    body_start: int,
    header: MemoHeader | None,
    pages: Sequence[Page],
    index: _MentionIndex,
) -> list[BodyItem]:
    items: list[BodyItem] = []
    header_placed = header is None
    header_lines = {(r.page, r.line) for r in _header_lines(header)} if header else set()
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
            elif header is not None and header_placed and k < body_start and isinstance(
                thing, Furniture
            ):
                # A stamp or marking read among the header's lines stands before the header.
                items.insert(items.index(header), thing)  # type: ignore[arg-type]
            else:
                items.append(thing)  # type: ignore[arg-type]
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
        if not _has_text(line):
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
    _closers(items, pages)
    for item in items:
        if isinstance(item, Paragraph):
            _attribute(item, header, pages, index)
    return items


def _continues(current: Paragraph, line: Line, pages: Sequence[Page]) -> bool:
    """A paragraph broken mid-sentence (by a page break or a stray blank line) goes on."""
    last = next(
        (
            c
            for c in reversed(current.content)
            if isinstance(c, LineRef) and _has_text(pages[c.page].lines[c.line])
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


def _has_text(line: Line) -> bool:
    return any(c.isalnum() for w in line.words for c in w.text)


def _first_text_line(paragraph: Paragraph, pages: Sequence[Page]) -> LineRef | None:
    return next(
        (
            c
            for c in paragraph.content
            if isinstance(c, LineRef) and _has_text(pages[c.page].lines[c.line])
        ),
        None,
    )


def _closers(items: list[BodyItem], pages: Sequence[Page]) -> None:
    """Turn trailing drafting/clearance paragraphs into one closer."""
    for n, item in enumerate(items):
        if not isinstance(item, Paragraph):
            continue
        first = _first_text_line(item, pages)
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
    first = _first_text_line(paragraph, pages)
    return first is not None and bool(CLOSER_START.match(pages[first.page].lines[first.line].text))


def _walk_page_starts(items: list[BodyItem]) -> list[PageStart]:
    found: list[PageStart] = []
    for item in items:
        if isinstance(item, PageStart):
            found.append(item)
        elif isinstance(item, Paragraph):
            found.extend(c for c in item.content if isinstance(c, PageStart))
    return found


# --- speakers ---------------------------------------------------------------------------

TITLE_REFERENCE = re.compile(
    r"^(?:the\s+)?(President|Secretary|Ambassador|General\s+Secretary|Foreign\s+Minister|"
    r"Minister|Chairman|Premier|Prime\s+Minister|Vice\s+President|Chancellor|Admiral|General)\b",
    re.IGNORECASE,
)
INTRO = re.compile(
    r"^(?:(?:\d{1,3}|[A-Za-z])[.)]\s+)?"  # paragraph number: "2." "b)"
    r"(?:\((?:TS|S|C|U|S/S|S/NF|C/NF|LOU|SBU)\)\s+)?"  # portion marking
    r"(?:(?:After [^,]{1,40},|At this point,?|Then,?|In (?:reply|response),?|Finally,?)\s*)?"
)


def _attribute(
    paragraph: Paragraph, header: MemoHeader | None, pages: Sequence[Page], index: _MentionIndex
) -> None:
    """Attribute a paragraph to its speaker when the opening words name one unambiguously."""
    first = _first_text_line(paragraph, pages)
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
        if title_words and any(
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
    if label_word.endswith(":"):
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
    surname = word.rstrip(":,.;").removesuffix("'s")
    if not surname[:1].isupper():
        return None
    holders = [p for p in participants if p.name.split() and p.name.split()[-1] == surname]
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
