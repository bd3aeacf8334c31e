"""The structure tree: plain dataclasses in reading order that the TEI stage renders one to one.

Lines are referred to, never copied, so the TEI stage renders every word exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pipeline.model import Box, WordRef
from pipeline.slips import Mend


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
    running_head = "header"


@dataclass
class Furniture:
    """A marking, stamp, page number or instruction at the edge of a page."""

    kind: FurnitureKind
    place: str  # top, bottom, margin
    lines: list[LineRef]
    struck: bool = False
    marking: str | None = None  # the vocabulary form of a classification marking
    idno: str | None = None  # a stamp's case or document number, normalised ("NLRR FOI 714/5")
    idno_text: str | None = None  # the same as the OCR read it ("NLRR FOL 714/5")
    date_text: str | None = None  # a stamp's date as read ("11/27/92")
    date_iso: str | None = None
    authority: str | None = None  # the order a release was made under ("E.O. 12356")
    reviewer: str | None = None  # who reviewed or released it ("S. Tilley")


@dataclass(frozen=True)
class PageStart:
    """A page break: printed number (or position) and the source page it shows, if any."""

    n: str
    page: int | None  # index into the document's pages, None when inferred inside text


@dataclass
class Excision:
    """White space where text was withheld: the blank on its page, lines of text it held."""

    page: int
    box: Box
    lines: int


Content = LineRef | PageStart | Furniture | Excision  # an Excision: text withheld mid-paragraph


@dataclass
class Paragraph:
    """A paragraph rebuilt across line and page breaks; maybe attributed to a speaker."""

    content: list[Content]
    who: str | None = None  # participant/entity id
    mode: str | None = None  # "sp" (dialogue: label then speech) or "said" (reported)
    speaker_label: LineRef | None = None  # the words "Gorbachev:" for dialogue

    @property
    def lines(self) -> list[LineRef]:
        """Its lines of text in order; not the page breaks, furniture or excisions among them."""
        return [c for c in self.content if isinstance(c, LineRef)]


@dataclass
class Speech:
    """A speaker's label standing alone on its line, and the paragraphs of speech below it."""

    who: str
    label: LineRef
    paragraphs: list[Paragraph | Excision]  # an excision between two of them (excisions)


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
class Header:
    """The document's opening block, as its kind lays it out."""

    letterhead: list[LineRef] = field(default_factory=list)
    doc_type: list[LineRef] = field(default_factory=list)  # the heading that names the kind
    subject: list[LineRef] = field(default_factory=list)  # unlabelled subject or title lines
    fields: list[HeaderField] = field(default_factory=list)
    side_labels: list[LineRef] = field(default_factory=list)
    participants: list[Participant] = field(default_factory=list)
    other: list[LineRef] = field(default_factory=list)  # header lines of no known kind
    noise: list[LineRef] = field(default_factory=list)  # specks and scrawl among them
    # words the header's own rules mended: a damaged label ("SUBJFCT:", "TOs"), a TAGS code
    mended: dict[WordRef, Mend] = field(default_factory=dict)
    # the kind of a document filed with the first one, which begins here (None: the first's)
    kind: Kind | None = None

    def field(self, label: str) -> HeaderField | None:
        return next((f for f in self.fields if f.label == label), None)

    def lines(self) -> list[LineRef]:
        refs = list(self.letterhead) + self.subject + self.side_labels + self.other + self.noise
        refs += [f.line for f in self.fields] + [p.line for p in self.participants]
        return refs + self.doc_type


@dataclass
class Separator:
    """A rule typed across the page ("-----"), or a speck line outside any paragraph."""

    line: LineRef


@dataclass
class Closer:
    """Drafting and clearance lines at the end."""

    lines: list[LineRef]


BodyItem = PageStart | Furniture | Header | Paragraph | Speech | Separator | Closer | Excision


def item_parts(item: BodyItem) -> Sequence[BodyItem]:
    """A speech's paragraphs and the excisions between them; any other item, itself."""
    return item.paragraphs if isinstance(item, Speech) else [item]


def body_paragraphs(items: Iterable[BodyItem]) -> list[Paragraph]:
    """The paragraphs among `items`, those of each speech in their place."""
    return [part for item in items for part in item_parts(item) if isinstance(part, Paragraph)]


@dataclass(frozen=True)
class Kind:
    """What kind of record a document is, as its profile names it."""

    name: str  # "telegram", "directive", ...: the profile's name
    label: str  # for the title: "Telegram", "National Security Decision Directive"
    div_type: str  # TEI div/@type


@dataclass
class DocumentStructure:
    """The whole document in reading order, its kind, and the parts of its title."""

    items: list[BodyItem]
    header: Header | None
    kind: Kind
    number: str | None = None  # the document's own number ("227", "86MOSCOW017709")
    subject: str | None = None
    date_iso: str | None = None
    # OCR slips in ordinary words of the header and the paragraphs, mended (pipeline.slips)
    mended: dict[WordRef, Mend] = field(default_factory=dict)

    def excisions(self) -> list[Excision]:
        """Every excision, between paragraphs or inside one, in reading order."""
        found: list[Excision] = []
        for item in self.items:
            for part in item_parts(item):
                if isinstance(part, Excision):
                    found.append(part)
                elif isinstance(part, Paragraph):
                    found += [c for c in part.content if isinstance(c, Excision)]
        return found

    @property
    def title(self) -> str:
        """Kind, number, subject and date: "Telegram 86MOSCOW017709: Soviet Media, 1986-10-14"."""
        rest = ", ".join(p for p in (self.subject, self.date_iso) if p)
        if self.kind.name == "document" and not self.number:
            return rest  # no kind to name: the subject and date alone
        head = self.kind.label + (f" {self.number}" if self.number else "")
        return f"{head}: {rest}" if rest else head
