"""Write a document's structure as TEI P5: header, stand-off entities, facsimile, text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from lxml import etree

from pipeline import __version__, orientation, sidecars
from pipeline.correction import affixes, english_words
from pipeline.gazetteer import Entity
from pipeline.model import DocumentMeta, Mention, Page, Word, WordRef
from pipeline.slips import Mend
from pipeline.structure import (
    Closer,
    DocumentStructure,
    Excision,
    Furniture,
    FurnitureKind,
    Header,
    HeaderField,
    LineRef,
    PageStart,
    Paragraph,
    Participant,
    Separator,
    Speech,
    markings,
)
from pipeline.structure.text import (
    DOUBTFUL_CONFIDENCE,
    HEADER_DOUBTFUL_CONFIDENCE,
    NOISE_CONFIDENCE,
    doubtful,
    noise,
)

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = f"{{{XML_NS}}}id"
APP_ID = "tei-pipeline"
# A line Tesseract read with a mean word confidence under this is marked <unclear>: on real
# pages, lines under 40 are mostly specks and garbled words, lines of typed text 50 and more.
UNCLEAR_CONFIDENCE = 40.0
UNCLEAR_REASON = "low-ocr-confidence"
UNREAD_MARKING = "a marking the OCR could not read"
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


TEI_ALL_URL = "https://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng"
RELAXNG_NS = "http://relaxng.org/ns/structure/1.0"
ISO_SCHEMATRON_NS = "http://purl.oclc.org/dsdl/schematron"
# Tesseract's language codes and the languages' names for langUsage (ISO 639-1 where it has one)
LANGUAGES = {
    "eng": ("en", "English"), "rus": ("ru", "Russian"), "deu": ("de", "German"),
    "fra": ("fr", "French"), "spa": ("es", "Spanish"), "ita": ("it", "Italian"),
    "por": ("pt", "Portuguese"), "pol": ("pl", "Polish"), "ukr": ("uk", "Ukrainian"),
    "chi_sim": ("zh-Hans", "Chinese (simplified)"), "jpn": ("ja", "Japanese"),
    "vie": ("vi", "Vietnamese"), "kor": ("ko", "Korean"), "ara": ("ar", "Arabic"),
}
MIME_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".tif": "image/tiff",
    ".tiff": "image/tiff", ".pdf": "application/pdf", ".gif": "image/gif",
    ".bmp": "image/bmp", ".webp": "image/webp", ".jp2": "image/jp2",
}


def E(tag: str, *children: object, **attrs: str | None) -> etree._Element:
    """A TEI element; keyword ``xml_id`` becomes xml:id, None values are dropped."""
    el = etree.Element(f"{{{TEI_NS}}}{tag}", nsmap={None: TEI_NS})
    for key, value in attrs.items():
        if value is None:
            continue
        name = XML_ID if key == "xml_id" else key.rstrip("_")
        el.set(name, clean(str(value)))
    for child in children:
        append(el, child)
    return el


def append(parent: etree._Element, child: object) -> None:
    """Append an element or text (as text or tail) to parent."""
    if child is None:
        return
    if isinstance(child, list):
        for item in child:
            append(parent, item)
        return
    if isinstance(child, etree._Element):
        parent.append(child)
        return
    text = clean(str(child))
    # The last child without counting them all (len() walks the children: quadratic).
    last = next(parent.iterchildren(reversed=True), None)
    if last is not None:
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def clean(text: str) -> str:
    """Remove characters XML cannot carry."""
    return XML_FORBIDDEN.sub(" ", text)


def build(
    meta: DocumentMeta,
    pages: Sequence[Page],
    mentions: Sequence[Mention],
    structure: DocumentStructure,
    entities: dict[str, Entity],
) -> etree._Element:
    """The TEI tree of one document."""
    zones = excision_zones(structure.excisions())  # the facsimile's and the text's ids alike
    writer = _TextWriter(pages, mentions, structure, {id(e): zone for e, zone in zones})
    body = writer.body()
    referenced = writer.referenced
    participants = structure.header.participants if structure.header else []
    root = E(
        "TEI",
        tei_header(meta, structure, participants, entities, pages),
        stand_off(referenced, entities, {p.id for p in participants}),
        facsimile(pages, meta.image_urls, meta.id, zones),
        E("text", body),
    )
    root.set(f"{{{XML_NS}}}lang", "en")
    if meta.xml_id:
        root.set(XML_ID, meta.xml_id)
    for empty in [c for c in root if c.tag.endswith("standOff") or c.tag.endswith("facsimile")]:
        if len(empty) == 0:
            root.remove(empty)
    return root


# --- header ---------------------------------------------------------------------------


def tei_header(
    meta: DocumentMeta,
    structure: DocumentStructure,
    participants: Sequence[Participant],
    entities: dict[str, Entity],
    pages: Sequence[Page],
) -> etree._Element:
    title = document_title(meta, structure)
    return E(
        "teiHeader",
        E(
            "fileDesc",
            E(
                "titleStmt",
                E("title", title),
                E(
                    "respStmt",
                    E("resp", "OCR, name correction and encoding"),
                    E("name", "tei-pipeline"),
                ),
            ),
            publication_stmt(meta),
            source_desc(meta, structure, title, pages),
        ),
        E(
            "encodingDesc",
            E(
                "appInfo",
                E(
                    "application",
                    E("label", "tei-pipeline"),
                    E(
                        "desc",
                        "OCR with Tesseract, gazetteer name correction, structure recognition.",
                    ),
                    xml_id=APP_ID,
                    ident="tei-pipeline",
                    version=__version__,
                ),
                *(
                    [
                        E(
                            "application",
                            E("label", "Tesseract OCR"),
                            ident="tesseract",
                            version=_version_token(meta.tesseract_version),
                        )
                    ]
                    if meta.tesseract_version
                    else []
                ),
            ),
            E(
                "classDecl",
                E(
                    "taxonomy",
                    E("category", E("catDesc", structure.kind.label),
                      xml_id=f"kind-{structure.kind.div_type}"),
                    xml_id="kinds",
                ),
            ),
        ),
        profile_desc(structure, participants, entities, meta.lang),
        E(
            "revisionDesc",
            E(
                "change",
                f"Machine transcription made with tei-pipeline {__version__} from "
                f"{len(meta.files)} source file(s) ({meta.kind}); not reviewed by a person.",
                when=meta.processed,
                who=f"#{APP_ID}",
            ),
            status="draft",
        ),
    )


def publication_stmt(meta: DocumentMeta) -> etree._Element:
    """Who makes the transcription available, its local identifier, date and licence."""
    publication = meta.publication
    agency = (
        E("publisher", publication.publisher)
        if publication.publisher
        else E("authority", "tei-pipeline (unreviewed machine transcription)")
    )
    return E(
        "publicationStmt",
        agency,
        E("idno", meta.id, type="local"),
        E("date", meta.processed, when=meta.processed),
        E(
            "availability",
            E("licence", publication.licence_label, target=publication.licence),
            status="free",
        ),
    )


def ms_desc(meta: DocumentMeta, structure: DocumentStructure, pages: Sequence[Page]
            ) -> etree._Element | None:
    """The archive's identification of the record; None when nothing is known.

    Institution, repository and collection as given; the record and case numbers as read
    on its pages.
    """
    publication = meta.publication
    numbers: list[tuple[str, str]] = []
    for item in _all_furniture(structure):
        if item.kind is FurnitureKind.archive_id:
            number = "".join(_line_text(pages, r) for r in item.lines).replace(" ", "")
            if RECORD_NUMBER.match(number):
                numbers.append((number, "record"))
        elif item.kind is FurnitureKind.declassification and item.idno:
            numbers.append((item.idno, "declassification"))
    unique = list(dict.fromkeys(numbers))
    parts = [
        E("institution", publication.institution) if publication.institution else None,
        E("repository", publication.repository) if publication.repository else None,
        E("collection", publication.collection) if publication.collection else None,
        *[E("idno", number, type=kind) for number, kind in unique],
    ]
    present = [p for p in parts if p is not None]
    if not present:
        return None
    return E("msDesc", E("msIdentifier", *present))


RECORD_NUMBER = re.compile(r"^\d{3}-\d{5}-\d{5}$")  # a JFK Records Act record number


def _version_token(version: str | None) -> str | None:
    if not version:
        return None
    m = re.match(r"\d+(\.\d+)*", version)
    return m.group(0) if m else None


def document_title(meta: DocumentMeta, structure: DocumentStructure) -> str:
    """The title the structure stage made (kind, number, subject, date), else the file's name."""
    return structure.title or PurePosixPath(meta.id).name


def _line_text(pages: Sequence[Page], ref: LineRef) -> str:
    words = pages[ref.page].lines[ref.line].words[ref.start : ref.end]
    return " ".join(w.text for w in words)


def source_desc(
    meta: DocumentMeta, structure: DocumentStructure, title: str, pages: Sequence[Page]
) -> etree._Element:
    bibl = E("bibl", E("title", title))
    if structure.date_iso:
        append(bibl, E("date", structure.date_iso, when=structure.date_iso))
    for item in _all_furniture(structure):
        if item.kind is FurnitureKind.declassification:
            if item.idno:
                append(bibl, E("idno", item.idno, type="declassification"))
            if item.authority:
                append(bibl, E("idno", item.authority, type="authority"))
            if item.date_iso:
                append(bibl, E("date", item.date_text, type="declassification", when=item.date_iso))
            if item.reviewer:
                append(bibl, E("respStmt", E("resp", "declassification review"),
                               E("name", item.reviewer)))
            append(
                bibl,
                E(
                    "note",
                    " ".join(_line_text(pages, r) for r in item.lines),
                    type="declassification",
                ),
            )
    markings = sorted(
        {
            (i.marking or "", i.struck)
            for i in _all_furniture(structure)
            if i.kind is FurnitureKind.classification
        }
    )
    for marking, struck in markings:
        marking = marking or UNREAD_MARKING  # a line struck out past reading (furniture)
        note = f"{marking} (struck through on declassification)" if struck else marking
        append(bibl, E("note", note, type="classification"))
    files = E("list", type="sourceFiles")
    for path in meta.files:
        append(files, E("item", E("ref", path, target=meta.image_urls.get(path, _uri(path)))))
    return E("sourceDesc", bibl, ms_desc(meta, structure, pages), files)


def _uri(path: str) -> str:
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/:._-~")


def _next_div(div: etree._Element, div_type: str) -> etree._Element:
    """A div for the document that begins here, with its page's break and head furniture.

    Read before the new document's header, they end `div`: the last page break and what
    follows it (a marking at the top, "TEXT OF TELEGRAM") move into the new div; the
    furniture at the foot of the page before stays.
    """
    following = E("div", type=div_type)
    trailing: list[etree._Element] = []
    for child in reversed(div):
        if child.tag not in _MILESTONE_TAGS or (child.tag == _GAP_TAG
                                                 and child.get("reason") != "ocr-failed"):
            break
        trailing.insert(0, child)
    breaks = [n for n, child in enumerate(trailing) if child.tag == _PB_TAG]
    for child in trailing[breaks[-1]:] if breaks else []:
        following.append(child)  # moved, tail and all
    return following


_MILESTONE_TAGS = {f"{{{TEI_NS}}}{t}" for t in ("pb", "fw", "gap")}
_GAP_TAG = f"{{{TEI_NS}}}gap"
_PB_TAG = f"{{{TEI_NS}}}pb"


def _all_furniture(structure: DocumentStructure) -> list[Furniture]:
    found: list[Furniture] = []
    for item in structure.items:
        if isinstance(item, Furniture):
            found.append(item)
        elif isinstance(item, Paragraph):
            found.extend(c for c in item.content if isinstance(c, Furniture))
    return found


def profile_desc(
    structure: DocumentStructure,
    participants: Sequence[Participant],
    entities: dict[str, Entity],
    lang: str,
) -> etree._Element | None:
    children: list[etree._Element] = []
    if structure.date_iso:
        children.append(E("creation", E("date", structure.date_iso, when=structure.date_iso)))
    languages = [LANGUAGES.get(code, (code, code)) for code in dict.fromkeys(lang.split("+"))]
    children.append(
        E("langUsage", *[E("language", name, ident=ident) for ident, name in languages])
    )
    children.append(E("textClass", E("catRef", target=f"#kind-{structure.kind.div_type}")))
    if participants:
        people = E("listPerson", type="participants")
        for p in participants:
            append(people, participant_person(p, entities))
        children.append(E("particDesc", people))
    return E("profileDesc", *children) if children else None


def participant_person(p: Participant, entities: dict[str, Entity]) -> etree._Element:
    entity = entities.get(p.entity_id) if p.entity_id else None
    person = E("person", xml_id=p.id, role="participant")
    if entity is not None:
        append(person, E("persName", entity.name, type="canonical"))
    append(person, E("persName", *_with_roles(p.written, p.roles), type="asWritten"))
    if p.side:
        append(person, E("affiliation", p.side, type="side"))
    return person


def _with_roles(written: str, roles: Sequence[str]) -> list[str | etree._Element]:
    """The entry as written, each role in it a roleName: "D. Zarechnak, <roleName>…"."""
    parts: list[str | etree._Element] = []
    at = 0
    for role in roles:
        found = written.find(role, at)
        if found < 0:
            continue
        parts += [written[at:found], E("roleName", role)]
        at = found + len(role)
    parts.append(written[at:])
    return [p for p in parts if not isinstance(p, str) or p]


def stand_off(
    referenced: dict[str, str], entities: dict[str, Entity], participant_ids: set[str]
) -> etree._Element:
    """Every gazetteer entity the text points to and that is not a participant, declared once."""
    lists = {
        "person": E("listPerson"),
        "place": E("listPlace"),
        "org": E("listOrg"),
    }
    for entity_id in sorted(referenced):
        if entity_id in participant_ids or entity_id not in entities:
            continue
        entity = entities[entity_id]
        if entity.type == "person":
            append(lists["person"], E("person", E("persName", entity.name), xml_id=entity.id))
        elif entity.type == "place":
            append(lists["place"], E("place", E("placeName", entity.name), xml_id=entity.id))
        else:
            append(lists["org"], E("org", E("orgName", entity.name), xml_id=entity.id))
    return E("standOff", *[lst for lst in lists.values() if len(lst)])


def facsimile(
    pages: Sequence[Page], urls: Mapping[str, str], meta_id: str,
    excisions: Sequence[tuple[Excision, str]] = (),
) -> etree._Element:
    """One surface per page image, one zone per line, redaction and excision, in image pixels.

    The image's URL is relative to the TEI file's own folder, or under the image base URI;
    the document's searchable PDF, if any, is in the facsimile's @corresp. A page read turned
    upright keeps the image's own coordinates: its zones stand where the lines are in the
    image, each with `@rotate`, and a note on the surface says how it lies.
    """
    pdf = any(page.pdf is not None for page in pages)
    facs = E("facsimile", corresp=_uri(f"{PurePosixPath(meta_id).name}.pdf") if pdf else None)
    for p, page in enumerate(pages):
        if not page.has_image or page.width is None or page.height is None:
            continue
        own = PurePosixPath(meta_id).name
        linked = [
            f"{own}{suffix}" for suffix, present in (
                (sidecars.alto_suffix(p + 1), page.alto is not None),
                (sidecars.hocr_suffix(p + 1), page.hocr is not None),
            ) if present
        ]
        sideways = page.rotation in (90, 270)
        width, height = (page.height, page.width) if sideways else (page.width, page.height)
        surface = E(
            "surface",
            E(
                "graphic",
                url=_page_url(page, urls),
                mimeType=MIME_TYPES.get(PurePosixPath(page.source.path).suffix.lower()),
                width=f"{width}px",
                height=f"{height}px",
            ),
            xml_id=surface_id(p),
            corresp=" ".join(_uri(name) for name in linked) or None,  # its ALTO and hOCR
            ulx="0",
            uly="0",
            lrx=str(width),
            lry=str(height),
        )
        rotate = str(page.rotation) if page.rotation else None
        if rotate:
            append(surface, E(
                "note",
                f"The page lies turned {page.rotation} degrees clockwise in the image; "
                "it was read turned upright.",
                type="rotation", n=rotate,
            ))
        for i, line in enumerate(page.lines):
            if line.box is None:
                continue
            b = orientation.image_box(line.box, page.rotation, page.width, page.height)
            append(
                surface,
                E(
                    "zone",
                    xml_id=zone_id(p, i),
                    type="redaction" if line.redacted else "line",
                    rotate=rotate,
                    ulx=str(b.x0),
                    uly=str(b.y0),
                    lrx=str(b.x1),
                    lry=str(b.y1),
                ),
            )
        for excision, zone in (pair for pair in excisions if pair[0].page == p):
            b = orientation.image_box(excision.box, page.rotation, page.width, page.height)
            append(surface, E(
                "zone", xml_id=zone, type="redaction", rotate=rotate,
                ulx=str(b.x0), uly=str(b.y0), lrx=str(b.x1), lry=str(b.y1),
            ))
        append(facs, surface)
    return facs


def _page_url(page: Page, urls: Mapping[str, str]) -> str:
    url = urls.get(page.source.path, _uri(page.source.path))
    if page.source.path.lower().endswith(".pdf"):
        return f"{url}#page={page.source.index + 1}"  # a page of a PDF (RFC 8118)
    return url


def surface_id(page: int) -> str:
    return f"page-{page + 1}"


def zone_id(page: int, line: int) -> str:
    return f"page-{page + 1}-line-{line + 1}"


def excision_zones(excisions: Sequence[Excision]) -> list[tuple[Excision, str]]:
    """Each excision with its zone id: "page-1-excision-2", the page's second one."""
    counts: dict[int, int] = {}
    zones: list[tuple[Excision, str]] = []
    for excision in excisions:
        counts[excision.page] = counts.get(excision.page, 0) + 1
        zones.append((excision, f"page-{excision.page + 1}-excision-{counts[excision.page]}"))
    return zones


# --- text -------------------------------------------------------------------------------

ENTITY_TAG = {"person": "persName", "place": "placeName", "org": "orgName"}


PARAGRAPH_NUMBER = re.compile(r"^\d{1,2}[.,]$")  # "1." and the OCR's "1," before a paragraph


class _TextWriter:
    """Renders the structure's items; every source word is written exactly once."""

    def __init__(
        self, pages: Sequence[Page], mentions: Sequence[Mention], structure: DocumentStructure,
        excision_zones: Mapping[int, str],
    ) -> None:
        self.pages = pages
        self.structure = structure
        self.mentions = {m.first: m for m in mentions}
        # Several names in one word ("Shultz-Gromyko"): written part by part.
        self.in_word: dict[WordRef, list[Mention]] = {}
        for m in mentions:
            if m.offset is not None and m.first == m.last:
                self.in_word.setdefault(m.first, []).append(m)
        self.referenced: dict[str, str] = {}
        self.skip_until: WordRef | None = None  # words already written by a cross-line name
        self.lines_started: set[tuple[int, int]] = set()  # lines whose lb a name already wrote
        self.excision_zones = excision_zones  # zone ids by the excision's id()
        self.enumerates = markings.enumerates_with_capitals(
            w.text for page in pages for line in page.lines for w in line.words)
        # Furniture lines ("- 2 -") never hyphenate into the text below them.
        self.furniture_lines = {
            (r.page, r.line) for item in _all_furniture(structure) for r in item.lines
        }

    def body(self) -> etree._Element:
        div = E("div", type=self.structure.kind.div_type)
        divs = [div]
        for item in self.structure.items:
            if isinstance(item, PageStart):
                append(div, self.page_start(item))
            elif isinstance(item, Furniture):
                append(div, self.furniture(item))
            elif isinstance(item, Header):
                if item is not self.structure.header:  # a document that begins on a later page
                    kind = item.kind or self.structure.kind
                    div = _next_div(div, kind.div_type)
                    divs.append(div)
                for el in self.header(item):
                    append(div, el)
            elif isinstance(item, Paragraph):
                append(div, self.paragraph(item))
            elif isinstance(item, Speech):
                append(div, self.speech(item))
            elif isinstance(item, Separator):
                append(div, E("ab", *self.line(item.line, first=True), type="separator"))
            elif isinstance(item, Closer):
                append(div, E("closer", E("note", *self.lines(item.lines), type="drafting")))
            elif isinstance(item, Excision):
                append(div, self.excision(item))
        for each in divs:
            if not any(child.tag in _BLOCK_TAGS for child in each):
                append(each, E("gap", reason="no-text"))
        return E("body", *divs)

    # page furniture
    def page_start(self, item: PageStart) -> list[etree._Element]:
        pb = E(
            "pb",
            n=item.n,
            facs=f"#{surface_id(item.page)}"
            if item.page is not None and self.pages[item.page].has_image
            else None,
        )
        if item.page is not None and self.pages[item.page].error is not None:
            return [pb, E("gap", reason="ocr-failed")]
        return [pb]

    def furniture(self, item: Furniture) -> etree._Element:
        first = item.lines[0]
        page = self.pages[first.page]
        facs = (
            f"#{zone_id(first.page, first.line)}"
            if page.has_image and page.lines[first.line].box is not None
            else None
        )
        fw = E("fw", type=item.kind.value, place=item.place, facs=facs)
        if item.kind is FurnitureKind.declassification:
            stamp = E("stamp", type="declassification")
            for n, ref in enumerate(item.lines):
                if n:
                    append(stamp, ["\n", self.lb(ref)])
                append(stamp, self.stamp_line(item, self.plain(ref)))
            append(fw, stamp)
            return fw
        for n, ref in enumerate(item.lines):
            if n:
                append(fw, ["\n", self.lb(ref)])
            if item.kind is not FurnitureKind.classification:
                append(fw, self.plain(ref))
                continue
            words = self.pages[ref.page].lines[ref.line].words[ref.start : ref.end]
            runs: list[tuple[bool, list[str]]] = []
            for w in words:
                if runs and runs[-1][0] == w.struck:
                    runs[-1][1].append(w.text)
                else:
                    runs.append((w.struck, [w.text]))
            for r, (struck, texts) in enumerate(runs):
                if r:
                    append(fw, " ")
                text = " ".join(texts)
                if not any(c.isalnum() for c in text) or (item.marking is None and not struck):
                    # OCR specks beside the marking; beside one struck out past reading, what
                    # the OCR read unstruck is no more a marking than the specks are
                    append(fw, text)
                    continue
                stamp = E("stamp", text, type="classification", n=markings.marking_form(text))
                append(fw, E("del", stamp, rend="strikethrough") if struck else stamp)
        return fw

    def plain(self, ref: LineRef) -> str:
        """A line's words as text, no markup (furniture carries no names)."""
        words = self.pages[ref.page].lines[ref.line].words[ref.start : ref.end]
        return " ".join(w.text for w in words)

    def stamp_line(self, item: Furniture, text: str) -> list[object]:
        """One line of a declassification stamp, its case number and date marked up."""
        out: list[object] = []
        rest = text
        for value, tag, attrs in (
            (item.idno_text, "idno", {"type": "declassification"}),
            (item.date_text, "date", {"when": item.date_iso}),
        ):
            if value and value in rest:
                before, _, after = rest.partition(value)
                out += [before, E(tag, value, **attrs)]
                rest = after
        out.append(rest)
        return [o for o in out if o != ""]

    # header
    def header(self, header: Header) -> list[etree._Element]:
        opener = E("opener")
        refs: list[tuple[LineRef, str, HeaderField | None]] = []
        refs += [(r, "letterhead", None) for r in header.letterhead]
        refs += [(r, "docType", None) for r in header.doc_type]
        refs += [(r, "subject", None) for r in header.subject]
        refs += [(f.line, "field", f) for f in header.fields]
        refs += [(r, "other", None) for r in header.other]
        refs += [(r, "noise", None) for r in header.noise]
        for ref, role, labelled in sorted(refs, key=lambda t: (t[0].page, t[0].line)):
            if role == "field" and labelled is not None:
                append(opener, self.header_field(labelled))
            elif role == "docType":
                append(opener, E("seg", *self.line(ref, first=True), type="docType"))
            else:
                # scrawl read among typed header lines is unclear, as in running text
                append(opener, E("seg", *self.line(ref, first=True, unclear=role != "noise",
                                                   below=HEADER_DOUBTFUL_CONFIDENCE), type=role))
        result = [opener] if len(opener) else []
        if header.participants or header.side_labels:
            people = E("list", type="participants")
            for ref in header.side_labels:
                append(people, E("head", *self.line(ref, first=True)))
            for p in header.participants:
                item = E("item", n=p.side)
                content = self.line(p.line, first=True)
                if any(
                    isinstance(c, etree._Element) and c.tag == f"{{{TEI_NS}}}persName"
                    for c in content
                ):
                    for c in content:
                        append(item, c)
                else:
                    append(item, self.participant_line(p))
                append(people, item)
            result.append(people)
        return result

    def participant_line(self, p: Participant) -> list[object]:
        """A participant's line with the name (not the role) pointing to the person."""
        ref = p.line
        words = [w.text for w in self.pages[ref.page].lines[ref.line].words[ref.start : ref.end]]
        name = p.name.split()
        start = next(
            (
                i
                for i in range(len(words) - len(name) + 1)
                if [w.rstrip(",;") for w in words[i : i + len(name)]] == name
            ),
            None,
        )
        out: list[object] = [] if ref.start else [self.lb(ref)]  # else the label's line has it
        if start is None:
            return out + [E("persName", " ".join(words), ref=f"#{p.id}")]
        end = start + len(name)
        name_text = " ".join(words[start:end])
        trail = name_text[len(name_text.rstrip(",;")) :]
        before = " ".join(words[:start])
        after = " ".join(words[end:])
        out += [
            before + " " if before else "",
            E("persName", name_text.rstrip(",;"), ref=f"#{p.id}"),
        ]
        out.append(trail + (" " + after if after else ""))
        return [o for o in out if o != ""]

    def header_field(self, field: HeaderField) -> etree._Element:
        ref = field.line
        # The label as read, a word of it the OCR could hardly read unclear ("susyect:").
        label = self.words(LineRef(ref.page, ref.line, 0, field.value_start), unclear=True,
                           below=HEADER_DOUBTFUL_CONFIDENCE)
        lb = self.lb(ref)
        if field.label == "date" and field.time_start is not None:
            date_part = self.words(LineRef(ref.page, ref.line, field.value_start, field.time_start))
            time_part = self.words(LineRef(ref.page, ref.line, field.time_start, ref.end))
            when = E("time", *time_part, from_=field.time_from, to=field.time_to)
            return E(
                "dateline", lb, *label, " ", E("date", *date_part, " ", when, when=field.date_iso)
            )
        value_ref = LineRef(ref.page, ref.line, field.value_start, ref.end)
        if field.label in ("date", "time", "place"):
            value = self.words(value_ref)
        else:  # doubtful words of a value unclear, as in any line of the opener
            value = self.words(value_ref, unclear=True, below=HEADER_DOUBTFUL_CONFIDENCE)
        if field.label == "date":
            return E(
                "dateline", lb, *label, " " if label else "", E("date", *value, when=field.date_iso)
            )
        if field.label == "time":
            return E(
                "dateline",
                lb,
                *label, " ",
                E("time", *value, from_=field.time_from, to=field.time_to),
            )
        if field.label == "place":
            if any(isinstance(v, etree._Element) for v in value):
                return E("dateline", lb, *label, " ", *value)
            return E("dateline", lb, *label, " ", E("placeName", *value))
        if field.label == "field":
            return E("seg", lb, *label, " " if value else "", *value, type="field",
                     n=field.form_label)
        return E("seg", lb, *label, " ", *value, type=field.label)

    # body
    def speech(self, item: Speech) -> etree._Element:
        """A label alone on its line and the paragraphs of speech below it: one sp."""
        label = self.line(item.label, first=True)
        parts = [self.excision(p) if isinstance(p, Excision) else E("p", *self.paragraph_content(p))
                 for p in item.paragraphs]
        return E("sp", E("speaker", *label), *parts, who=f"#{item.who}")

    def paragraph(self, item: Paragraph) -> etree._Element:
        content = self.paragraph_content(item)
        if item.mode == "sp" and item.who and item.speaker_label:
            label = self.line(item.speaker_label, first=True)
            return E("sp", E("speaker", *label), E("p", *content), who=f"#{item.who}")
        if item.mode == "said" and item.who:
            return E("p", E("said", *content, who=f"#{item.who}", direct="false"))
        return E("p", *content)

    def paragraph_content(self, item: Paragraph) -> list[object]:
        """A paragraph's lines (less a dialogue label), page breaks and furniture within it."""
        content: list[object] = []
        first_line = True
        for c in item.content:
            if isinstance(c, LineRef):
                ref = c
                if (
                    item.mode == "sp"
                    and item.speaker_label
                    and c.page == item.speaker_label.page
                    and c.line == item.speaker_label.line
                ):
                    ref = LineRef(c.page, c.line, item.speaker_label.end or 0, c.end)
                content.extend(self.line(ref, first=first_line, unclear=True))
                first_line = False
            elif isinstance(c, PageStart):
                content.append("\n")
                content.extend(self.page_start(c))
                first_line = False  # the next line starts after it, with its own lb
            elif isinstance(c, Furniture):
                content += ["\n", self.furniture(c)]
                first_line = False
            elif isinstance(c, Excision):
                content += ["\n", self.excision(c)]
                first_line = False
        return content

    def lines(self, refs: Sequence[LineRef]) -> list[object]:
        out: list[object] = []
        for n, ref in enumerate(refs):
            out.extend(self.line(ref, first=n == 0))
        return out

    def lb(self, ref: LineRef, *, joined: bool = False) -> etree._Element:
        page = self.pages[ref.page]
        line = page.lines[ref.line]
        facs = (
            f"#{zone_id(ref.page, ref.line)}" if line.box is not None and page.has_image else None
        )
        if joined:
            return E("lb", facs=facs, break_="no", rend="hyphen")
        return E("lb", facs=facs)

    def line(
        self, ref: LineRef, *, first: bool = False, unclear: bool = False,
        below: float = DOUBTFUL_CONFIDENCE,
    ) -> list[object]:
        """An lb, then the line's words (names tagged, hyphenation joined).

        With `unclear`, a line of plain words that Tesseract read with little confidence is
        wrapped in <unclear>, for search and readers to weigh; so is a word that is no word
        read with a confidence under `below` (``text.doubtful``).
        """
        if self.pages[ref.page].lines[ref.line].redacted:
            return ([] if first else ["\n"]) + [self.redaction(ref)]
        if (ref.page, ref.line) in self.lines_started or ref.start:
            # A name running over the break wrote the lb, or this is the rest of a line whose
            # start (a label) stands in another element.
            return self.words(ref)
        joined = self._hyphen_joined(ref)
        out: list[object] = [] if first else ["\n"]
        out.append(self.lb(ref, joined=joined))
        words = self.words(ref, unclear=unclear, below=below)
        if unclear and not joined and self._unsure(ref, words):
            # plain strings and unclear words only: _unsure says so
            text = "".join(
                w if isinstance(w, str) else (w.text or "") if isinstance(w, etree._Element)
                else "" for w in words
            )
            words = [E("unclear", text, reason=UNCLEAR_REASON, resp=f"#{APP_ID}")]
        out.extend(words)
        return out

    def redaction(self, ref: LineRef) -> etree._Element:
        """A redaction box: a gap pointing to its zone, with the exemption code beside it."""
        page = self.pages[ref.page]
        line = page.lines[ref.line]
        facs = f"#{zone_id(ref.page, ref.line)}" if line.box is not None and page.has_image \
            else None
        gap = E("gap", reason="redacted", facs=facs)
        if line.words:
            append(gap, E("desc", " ".join(w.text for w in line.words), type="exemption"))
        return gap

    def excision(self, item: Excision) -> etree._Element:
        """White space where text was withheld: a gap of about so many lines, a guess."""
        zone = self.excision_zones[id(item)]
        return E(
            "gap", reason="redacted", unit="line", quantity=str(item.lines), cert="medium",
            resp=f"#{APP_ID}", facs=f"#{zone}" if self.pages[item.page].has_image else None,
        )

    def _unsure(self, ref: LineRef, rendered: list[object]) -> bool:
        """Whether a rendered line is one to mark unclear.

        Plain words only (no name, deletion or marking), not hyphenated into the next line;
        then either what the structure stage calls scrawl in a header (`text.noise`: specks,
        handwriting, no word to read, read with little confidence), or a mean OCR confidence
        under UNCLEAR_CONFIDENCE and no more than half of its words English words.
        """
        if not rendered or not all(
            isinstance(r, str)
            or (isinstance(r, etree._Element) and r.tag == f"{{{TEI_NS}}}unclear")
            for r in rendered
        ):
            return False
        line = self.pages[ref.page].lines[ref.line]
        words = line.words
        confidences = [w.conf for w in words if w.conf is not None]
        if not confidences or words[-1].text.endswith("-"):
            return False
        mean = sum(confidences) / len(confidences)
        if mean < NOISE_CONFIDENCE and noise(line):
            return True
        if mean >= UNCLEAR_CONFIDENCE:
            return False
        # Tesseract is unsure of short lines that it read right ("countries."): a line whose
        # words are mostly English words is kept as plain text.
        tokens = [t.lower() for t in re.findall(r"[A-Za-z]{2,}", " ".join(w.text for w in words))]
        english = english_words()
        known = sum(1 for t in tokens if t in english)
        return not tokens or known * 2 <= len(tokens)

    def _hyphen_joined(self, ref: LineRef) -> bool:
        if ref.line == 0 or ref.start:
            return False
        if {(ref.page, ref.line - 1), (ref.page, ref.line)} & self.furniture_lines:
            return False
        before = self.pages[ref.page].lines[ref.line - 1].words
        here = self.pages[ref.page].lines[ref.line].words
        return bool(
            before
            and here
            and before[-1].text.endswith("-")
            and len(before[-1].text) > 1
            and here[0].text[:1].islower()
        )

    def _entire_text(self, ref: LineRef, page_words: Sequence[Word], i: int, end: int) -> int:
        """How many words from the i-th mark a telegram's whole text ("(C - ENTIRE TEXT)").

        Only where a line's text begins, after a paragraph's number if any, and only plain
        words (no name, mending or stroke among them): 0 elsewhere.
        """
        if not (i == ref.start or (i == ref.start + 1 and PARAGRAPH_NUMBER.match(
                page_words[ref.start].text))):
            return 0
        count = markings.entire_text_marking(
            [w.text for w in page_words[i:min(end, i + markings.ENTIRE_TEXT_WORDS)]])
        for n in range(i, i + count):
            here = WordRef(ref.page, ref.line, n)
            if (page_words[n].struck or here in self.mentions or here in self.in_word
                    or here in self.structure.mended):
                return 0
        return count

    def words(
        self, ref: LineRef, *, unclear: bool = False, below: float = DOUBTFUL_CONFIDENCE
    ) -> list[object]:
        """The words of a line, names tagged; with `unclear`, doubtful words in <unclear>.

        Doubtful: no word, read with a confidence under `below` (``text.doubtful``).
        """
        page_words = self.pages[ref.page].lines[ref.line].words
        end = len(page_words) if ref.end is None else ref.end
        out: list[object] = []
        i = ref.start
        while i < end:
            here = WordRef(ref.page, ref.line, i)
            if self.skip_until is not None and _le(here, self.skip_until):
                i += 1
                if not _le(WordRef(ref.page, ref.line, i), self.skip_until):
                    out.append("")  # the name's last words: the next word needs a space
                continue
            parts = self.in_word.get(here)
            if parts is not None:
                if out:
                    out.append(" ")
                out.extend(self.names_in_word(page_words[i].text, parts))
                i += 1
                continue
            mention = self.mentions.get(here)
            if mention is not None:
                if out:
                    out.append(" ")
                out.extend(self.name(mention))
                if (mention.last.page, mention.last.line) != (ref.page, ref.line):
                    self.skip_until = mention.last
                    break
                i = mention.last.word + 1
                continue
            marked = self._entire_text(ref, page_words, i, end)
            if marked:
                if out:
                    out.append(" ")
                out.append(E("seg", " ".join(w.text for w in page_words[i:i + marked]),
                             type="portionMarking"))
                i += marked
                continue
            word = page_words[i]
            text = word.text
            if i == end - 1 and self._next_line_joins(ref) and text.endswith("-"):
                text = text[:-1]
            if out:
                out.append(" ")
            if word.struck:
                out.append(E("del", text, rend="strikethrough"))
            elif markings.is_portion_marking(
                    text, enumerates=self.enumerates,
                    before=page_words[i - 1].text if i > ref.start else "",
                    after=page_words[i + 1].text if i + 1 < end else ""):
                out.append(E("seg", text, type="portionMarking"))
            elif here in self.structure.mended and not text.endswith("-"):
                mend = self.structure.mended[here]
                out.extend(self.mended(mend))
                i += mend.words - 1  # a word the OCR split: both pieces in its rdg
            elif unclear and doubtful(word, below):
                out.append(E("unclear", text, reason=UNCLEAR_REASON, resp=f"#{APP_ID}"))
            else:
                out.append(text)
            i += 1
        return _merge_text(out)

    def mended(self, mend: Mend) -> list[object]:
        """An ordinary word's OCR slip mended: our reading in lem, the OCR's in rdg."""
        app = E("app", E("lem", mend.word, cert=mend.cert.value, resp=f"#{APP_ID}"),
                E("rdg", mend.read, cause="ocr"), type="ocr")
        return [o for o in (mend.lead, app, mend.trail) if o != ""]

    def _next_line_joins(self, ref: LineRef) -> bool:
        page = self.pages[ref.page]
        if ref.line + 1 >= len(page.lines):
            return False
        return self._hyphen_joined(LineRef(ref.page, ref.line + 1))

    def name(self, mention: Mention) -> list[object]:
        """The name element, with punctuation around the name ("Dubinina." "(Reagan)") outside."""
        tag = ENTITY_TAG.get(mention.entity_type, "name")
        ref = f"#{mention.entity_id}" if mention.entity_id else None
        if mention.entity_id:
            self.referenced[mention.entity_id] = mention.entity_type
        written = self._mention_text(mention)
        before, after = "", ""
        if isinstance(written[0], str) and len(written) == 1:
            before, after = affixes(mention, self.pages)
            if before + mention.original + after == written[0]:
                written = [mention.original]
            else:
                before, after = "", ""
        if mention.corrected is not None and not mention.review:
            element = E(tag, self.correction(mention, written), ref=ref)
        elif mention.review:
            element = E(tag, *written, ref=ref, cert="low")
        else:
            element = E(tag, *written, ref=ref)
        return [x for x in (before, element, after) if not isinstance(x, str) or x]

    def correction(self, mention: Mention, written: list[object]) -> etree._Element:
        """A typist's error: ``choice`` of ``sic`` and ``corr`` (the typescript has the error).

        An OCR slip: ``app`` with our reading as ``lem`` and the OCR's as ``rdg
        cause="ocr"`` (the typescript is right; only its reading was wrong).
        """
        corrected = mention.corrected or ""
        if mention.slip == "typist":
            return E(
                "choice",
                E("sic", *written),
                E("corr", corrected, cert=mention.cert.value, resp=f"#{APP_ID}"),
            )
        return E(
            "app",
            E("lem", corrected, cert=mention.cert.value, resp=f"#{APP_ID}"),
            E("rdg", *written, cause="ocr"),
            type="ocr",
        )

    def names_in_word(self, text: str, mentions: list[Mention]) -> list[object]:
        """A word holding several names, each its own element, the punctuation between kept."""
        out: list[object] = []
        at = 0
        for m in sorted(mentions, key=lambda m: m.offset or 0):
            start = m.offset or 0
            if start < at or text[start : start + len(m.original)] != m.original:
                continue  # never write a letter twice
            out.append(text[at:start])
            tag = ENTITY_TAG.get(m.entity_type, "name")
            ref = f"#{m.entity_id}" if m.entity_id else None
            if m.entity_id:
                self.referenced[m.entity_id] = m.entity_type
            if m.corrected is not None and not m.review:
                out.append(E(tag, self.correction(m, [m.original]), ref=ref))
            elif m.review:
                out.append(E(tag, m.original, ref=ref, cert="low"))
            else:
                out.append(E(tag, m.original, ref=ref))
            at = start + len(m.original)
        out.append(text[at:])
        return [x for x in out if not isinstance(x, str) or x]

    def _mention_text(self, mention: Mention) -> list[object]:
        """The mention's words as written, with a line break inside when it spans two lines."""
        out: list[object] = []
        page, line = mention.first.page, mention.first.line
        words = self.pages[page].lines[line].words
        if (mention.last.page, mention.last.line) == (page, line):
            return [" ".join(w.text for w in words[mention.first.word : mention.last.word + 1])]
        first_part = " ".join(w.text for w in words[mention.first.word :])
        joins = first_part.endswith("-")
        out.append(first_part[:-1] if joins else first_part + "\n")
        next_ref = LineRef(mention.last.page, mention.last.line)
        out.append(self.lb(next_ref, joined=joins))
        self.lines_started.add((next_ref.page, next_ref.line))
        next_words = self.pages[next_ref.page].lines[next_ref.line].words
        out.append(" ".join(w.text for w in next_words[: mention.last.word + 1]))
        return out


_BLOCK_TAGS = {f"{{{TEI_NS}}}{t}" for t in ("p", "sp", "ab", "list", "opener", "closer", "gap")}


def _le(a: WordRef, b: WordRef) -> bool:
    return (a.page, a.line, a.word) <= (b.page, b.line, b.word)


def _merge_text(items: list[object]) -> list[object]:
    """Adjacent strings joined once (pairwise joining is quadratic on a very long line)."""
    merged: list[object] = []
    run: list[str] = []
    for item in items:
        if isinstance(item, str):
            run.append(item)
            continue
        if run:
            merged.append("".join(run))
            run = []
        merged.append(item)
    if run:
        merged.append("".join(run))
    while merged and merged[0] == "":
        merged.pop(0)
    return merged


# Elements whose content is text: pretty-printing must not add white space inside them.
MIXED = {
    f"{{{TEI_NS}}}{tag}"
    for tag in (
        "p",
        "seg",
        "item",
        "head",
        "fw",
        "stamp",
        "del",
        "persName",
        "placeName",
        "orgName",
        "name",
        "note",
        "said",
        "speaker",
        "dateline",
        "date",
        "time",
        "sic",
        "corr",
        "choice",
        "app",
        "lem",
        "rdg",
        "ab",
        "idno",
        "title",
        "roleName",
    )
}


def serialize(root: etree._Element, schema_href: str | None = None) -> bytes:
    """Pretty-printed UTF-8 bytes: the XML declaration, the schemas' xml-model instructions.

    Full TEI, and the project schema at `schema_href` when given; text content as it is.
    """
    for el in root.iter(MIXED):
        if el.text is None and len(el):
            el.text = ""  # lxml then treats the element as mixed content and adds no indent
    models = [(TEI_ALL_URL, RELAXNG_NS)]
    if schema_href:
        models += [(f"{schema_href}.rng", RELAXNG_NS), (f"{schema_href}.sch", ISO_SCHEMATRON_NS)]
    head = "".join(
        f'<?xml-model href="{href}" type="application/xml" schematypens="{ns}"?>\n'
        for href, ns in models
    )
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return b'<?xml version=\'1.0\' encoding=\'UTF-8\'?>\n' + head.encode("utf-8") + body


def parse(data: bytes) -> etree._ElementTree:
    """Parse TEI bytes safely: no entities, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.ElementTree(etree.fromstring(data, parser))
