"""Plain dataclasses that flow between the stages: page words, name mentions, structure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pipeline.publication import Publication


@dataclass(frozen=True)
class Box:
    """A rectangle in page-image pixels: left, top, right, bottom (right/bottom exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def union(self, other: Box) -> Box:
        return Box(
            min(self.x0, other.x0),
            min(self.y0, other.y0),
            max(self.x1, other.x1),
            max(self.y1, other.y1),
        )


def words_box(words: Iterable[Word]) -> Box | None:
    """The box around the words that have one (None when none has)."""
    out: Box | None = None
    for word in words:
        if word.box is not None:
            out = word.box if out is None else out.union(word.box)
    return out


@dataclass(frozen=True)
class Word:
    """One OCR'd (or given) word: text, image box, confidence 0-100, struck-through flag."""

    text: str
    box: Box | None = None
    conf: float | None = None
    struck: bool = False


@dataclass(frozen=True)
class Line:
    """A line of words in reading order.

    ``block`` numbers the source's own paragraphs on the page (Tesseract's block/paragraph,
    or blank-line-separated runs in text input); the structure stage uses it as a hint.
    """

    words: tuple[Word, ...]
    box: Box | None = None
    block: int = 0
    # A redaction: ``box`` is a black box on the page, ``words`` the exemption code written
    # beside it ("(b)(1)"), if any.
    redacted: bool = False

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


class InputKind(str, Enum):
    """What kind of source a document came from."""

    images = "images"  # a folder of page images or one image file
    tiff = "tiff"  # one multi-page TIFF
    pdf = "pdf"  # one scanned PDF
    text = "text"  # existing OCR text, pages split by form feeds


@dataclass(frozen=True)
class PageSource:
    """Where one page comes from: a file, and a frame (TIFF) or page (PDF) index in it."""

    path: str
    index: int = 0  # frame of a multi-page TIFF, page of a PDF, 0 otherwise
    kind: InputKind = InputKind.images


@dataclass
class Page:
    """One page after OCR: its lines, its image size, or the reason it has no text."""

    number: int  # 1-based position in the document
    source: PageSource
    lines: list[Line] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    error: str | None = None  # set when the page could not be read or OCR'd (a gap)
    notes: list[str] = field(default_factory=list)  # warnings worth a line in the report
    seconds: float = 0.0
    alto: bytes | None = None  # Tesseract's ALTO of this page, from the run that read it
    hocr: bytes | None = None  # and its hOCR
    pdf: bytes | None = None  # and the page as a searchable PDF, when asked for
    # Degrees the page's content is turned clockwise in its image (90, 180, 270): the page was
    # read turned upright, and `width`, `height` and every box are those of the upright page.
    rotation: int = 0

    @property
    def has_image(self) -> bool:
        return self.width is not None and self.height is not None


@dataclass(frozen=True)
class WordRef:
    """A word's address in a document: page index (0-based), line index, word index."""

    page: int
    line: int
    word: int


class Cert(str, Enum):
    """TEI @cert values for a correction."""

    high = "high"
    medium = "medium"
    low = "low"


@dataclass(frozen=True)
class Mention:
    """A gazetteer name found in the text, corrected or not.

    ``first`` and ``last`` are inclusive and may lie on different lines (a name hyphenated
    at a line end). ``corrected`` is None when the text already had the right form.
    ``review`` is set when the match was ambiguous: the text is kept and a person should look;
    ``entity_id`` is then None when no single entity could be chosen.
    """

    first: WordRef
    last: WordRef
    entity_id: str | None
    entity_type: str  # person, place, org
    original: str
    corrected: str | None = None
    score: float = 100.0
    cert: Cert = Cert.high
    review: bool = False
    candidates: tuple[str, ...] = ()  # entity ids, for review notes
    #: Where ``original`` starts in the first word when a word holds several names
    #: ("Shultz-Gromyko"); None: the first place it occurs.
    offset: int | None = None
    #: Why the mention is for review, when a reason is known ("not active in 1963").
    reason: str | None = None
    #: Whose error a correction mends: "ocr" (the OCR misread the typescript) or "typist"
    #: (the typescript itself has the error).
    slip: str = "ocr"
    #: A name that is not in the gazetteer (no entity): a name to add to it.
    unknown: bool = False


@dataclass(frozen=True)
class DocumentMeta:
    """What the header says about where the document came from and how it is published."""

    id: str
    files: Sequence[str]
    kind: str
    processed: str  # ISO date of this run
    tesseract_version: str | None
    xml_id: str | None = None  # TEI/@xml:id, unique within the batch
    publication: Publication = field(default_factory=Publication)
    lang: str = "eng"  # Tesseract's languages: the document's
    image_urls: Mapping[str, str] = field(default_factory=dict)  # source file -> graphic/@url
    schema_href: str | None = None  # the project schema, from the document's folder
    document_uri: str = ""  # where the TEI file will be found (file: URI, or under --base-uri)
