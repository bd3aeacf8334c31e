"""What runs in a worker: per-process set-up once, then page and document tasks."""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pipeline import ocr, tesseract
from pipeline.exceptions import InputError
from pipeline.gazetteer import Gazetteer
from pipeline.model import DocumentMeta, InputKind, Mention, Page, PageSource
from pipeline.publication import Publication

if TYPE_CHECKING:  # the stages after OCR are imported while Tesseract reads (warm_up)
    from pipeline import structure
    from pipeline.correction import NameCorrector
    from pipeline.validate import Validator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """The part of the options a worker needs; small and picklable (sent to Dask workers too)."""

    lang: str
    page_timeout: float | None
    gazetteers: tuple[str, ...]
    correct: bool
    tesseract_version: str | None
    processed: str  # ISO date stamped into revisionDesc
    publication: Publication = field(default_factory=Publication)
    sidecars: bool = True  # ALTO, hOCR and IIIF manifests beside the TEI
    pdf: bool = False  # a searchable PDF of each scanned document
    hocr: bool = False  # each page's hOCR beside its ALTO

    @property
    def renderers(self) -> frozenset[str]:
        """What Tesseract writes besides the words."""
        return frozenset(
            name for name, wanted in
            (("alto", self.sidecars), ("hocr", self.sidecars and self.hocr), ("pdf", self.pdf))
            if wanted
        )
    verbose: bool = False  # workers log details (-v); otherwise only errors, the parent reports
    scratch: str | None = None  # the run's folder for temporary files, removed when it ends
    # TESSERACT_CMD when the run started: a worker from a fork server started earlier has the
    # environment of that time, not the run's.
    tesseract_cmd: str | None = None


@dataclass
class WorkerContext:
    """Heavy things built once per worker process: gazetteer index, word list, compiled schema."""

    gazetteer: Gazetteer
    corrector: NameCorrector
    validator: Validator
    pid: int  # the process that built it (a forked worker inherits its parent's)
    seconds: float  # how long building it took


_contexts: dict[Settings, WorkerContext] = {}
_lock = threading.Lock()  # a Dask worker may run tasks in several threads
_built_in: list[int] = []  # the process of each context built (a fork inherits the list)
_loaded: dict[tuple[str, ...], Gazetteer] = {}  # gazetteers this process loaded, by their paths


def offer_gazetteer(settings: Settings, gazetteer: Gazetteer) -> None:
    """The gazetteer loaded from ``settings.gazetteers`` already: the context takes it."""
    _loaded.clear()
    _loaded[settings.gazetteers] = gazetteer


def use_settings(settings: Settings) -> None:
    """Point this process's Tesseract runs where the settings say: the program, the folder."""
    if settings.tesseract_cmd:
        os.environ["TESSERACT_CMD"] = settings.tesseract_cmd
    # Tesseract's files go in the run's folder, removed with the run even when a worker is
    # stopped in the middle of a page (Dask workers elsewhere keep their own).
    tesseract.use_scratch(settings.scratch if settings.scratch and Path(settings.scratch).is_dir()
                          else None)
    tesseract.configure()


def context(settings: Settings) -> WorkerContext:
    """This process's context for these settings, built on first use.

    With the gazetteer loaded already from ``settings.gazetteers``, if one was offered.
    """
    use_settings(settings)
    with _lock:
        found = _contexts.get(settings)
        if found is None:
            from pipeline.correction import NameCorrector
            from pipeline.validate import Validator

            started = time.perf_counter()
            gazetteer = _loaded.get(settings.gazetteers)
            if gazetteer is None:
                gazetteer = Gazetteer.load([Path(p) for p in settings.gazetteers])
            corrector = NameCorrector(gazetteer, correct=settings.correct)
            found = WorkerContext(gazetteer, corrector, Validator(), os.getpid(),
                                  time.perf_counter() - started)
            _contexts.clear()
            _contexts[settings] = found
            _built_in.append(found.pid)
            log.debug("worker context built in %.2f s (process %d)", found.seconds, found.pid)
    return found


def init_worker(settings: Settings) -> None:
    """Worker initializer: logging, Tesseract's settings, and the context before the first task."""
    # Page failures come back as values and the parent reports them; -v shows the details,
    # the pipeline's own (not Pillow's chunk-by-chunk debugging).
    logging.getLogger("pipeline").setLevel(logging.DEBUG if settings.verbose else logging.ERROR)
    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))
    if settings.verbose and not root.handlers:
        logging.basicConfig(format="tei-pipeline: %(levelname)s: %(message)s")
    context(settings)


@dataclass(frozen=True)
class WorkerState:
    """What a worker holds; for tests and benchmarks (``executor.submit(worker_state)``)."""

    pid: int
    builds: int  # contexts built in this process: 0 when inherited from the parent
    context_pid: int | None  # the process that built the context in use
    context_seconds: float | None
    omp_thread_limit: str | None
    tesseract_cmd: str


def worker_state() -> WorkerState:
    """This process's worker state."""
    ctx = next(iter(_contexts.values()), None)
    return WorkerState(
        pid=os.getpid(),
        builds=_built_in.count(os.getpid()),
        context_pid=ctx.pid if ctx else None,
        context_seconds=ctx.seconds if ctx else None,
        omp_thread_limit=os.environ.get("OMP_THREAD_LIMIT"),
        tesseract_cmd=tesseract.program(),
    )


@dataclass
class OcrResult:
    """Pages of one task, or why the whole document cannot be read."""

    pages: list[Page] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0  # the whole task, in the worker


@dataclass(frozen=True)
class ReadTask:
    """A source to read; with `meta`, the source is a whole document, assembled in the worker.

    A one-source document (a text file, a one-page scan) is read and assembled in one go, so
    its words never travel back to the parent.
    """

    source: PageSource
    meta: DocumentMeta | None = None


def read_task(
    settings: Settings, tasks: list[ReadTask], begun: ocr.ImageReading | None = None,
) -> list[OcrResult | DocumentResult]:
    """Read the tasks' sources and assemble the one-source documents; never raises.

    The page images go to Tesseract together (ocr.read_images), or were started by
    begin_reading (`begun`). One result per task, in order.
    """
    results: list[OcrResult | DocumentResult] = []
    read_all = _read_all(settings, [t.source for t in tasks], begun)
    for task, read in zip(tasks, read_all, strict=True):
        if task.meta is None:
            results.append(read)
            continue
        pages, error = collect([read], [task.source])
        assembled = assemble_task(settings, task.meta, pages) if error is None else None
        read.pages = [replace(p, lines=[]) for p in read.pages]
        results.append(DocumentResult(read, assembled))
    return results


def warm_up(settings: Settings) -> None:
    """Build what the stages after OCR need, if not yet built: while Tesseract reads a page.

    The context, the modules of the stages after OCR and the profiles of the kinds of record,
    and the IIIF library (its models take 0.3 s to import) when manifests are made.
    """
    from pipeline import sidecars, slips, structure, tei  # noqa: F401 (the assembly's)
    from pipeline.structure import profiles

    context(settings)
    slips.load()
    profiles.detect([])  # the kinds of record, the generic one too: modules, patterns, some 7 ms
    if settings.sidecars:
        import iiif_prezi3  # noqa: F401 (imported now, used by the assembly's iiif.manifest)

        from pipeline import iiif  # noqa: F401


def begin_reading(settings: Settings, tasks: list[ReadTask]) -> ocr.ImageReading | None:
    """The tasks' page images made ready and their Tesseract started; read_task finishes them.

    None when there is no image to read, or a bug stopped it (read_task then reads them).
    """
    images = [t.source for t in tasks if t.source.kind is not InputKind.text]
    if not images:
        return None
    use_settings(settings)
    try:
        return ocr.ImageReading(images, lang=settings.lang, timeout=settings.page_timeout,
                                renderers=settings.renderers)
    except Exception:
        log.debug("internal error starting to read pages: %s", traceback.format_exc())
        return None


def _read_all(
    settings: Settings, page_sources: list[PageSource], begun: ocr.ImageReading | None = None,
) -> list[OcrResult]:
    tesseract.configure()
    images = [n for n, s in enumerate(page_sources) if s.kind is not InputKind.text]
    together: dict[int, Page] = {}  # the image pages read together, by their place
    if len(images) > 1 or begun is not None:
        try:
            reading = begun or ocr.ImageReading(
                [page_sources[n] for n in images], lang=settings.lang,
                timeout=settings.page_timeout, renderers=settings.renderers)
            read = reading.finish(while_reading=lambda: warm_up(settings))
            together = dict(zip(images, read, strict=True))
        except Exception:  # a bug on one page must not fail the others: read them one by one
            log.debug("internal error on a group of pages: %s", traceback.format_exc())
    return [
        OcrResult([together[n]], seconds=together[n].seconds) if n in together
        else _read(settings, source)
        for n, source in enumerate(page_sources)
    ]


def _read(settings: Settings, source: PageSource) -> OcrResult:
    """One source on its own, its failure a value."""
    started = time.perf_counter()
    try:
        result = OcrResult(ocr.read_pages(source, lang=settings.lang,
                                          timeout=settings.page_timeout,
                                          renderers=settings.renderers,
                                          while_reading=lambda: warm_up(settings)))
    except InputError as e:
        result = OcrResult(error=e.message)
    except OSError as e:
        result = OcrResult(error=f"cannot read file: {e.strerror or e}")
    except Exception as e:  # a bug must not take the batch down
        log.debug("internal error on %s: %s", source.path, traceback.format_exc())
        result = OcrResult(error=f"internal error: {type(e).__name__}: {e}")
    result.seconds = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class StageTimes:
    """Seconds each stage after OCR took on one document."""

    correction: float = 0.0
    structure: float = 0.0
    tei: float = 0.0
    validation: float = 0.0

    @property
    def total(self) -> float:
        return self.correction + self.structure + self.tei + self.validation


@dataclass
class Assembled:
    """A finished document: TEI bytes and what the report needs."""

    xml: bytes | None
    mentions: list[Mention]
    problems: list[str]
    seconds: float
    error: str | None = None
    stages: StageTimes = field(default_factory=StageTimes)
    #: files that go beside the TEI ("x.manifest.json"), by name suffix
    sidecars: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    reduced: list[str] = field(default_factory=list)  # markup made text to pass the schema


def _excision_notes(tree: structure.DocumentStructure) -> list[str]:
    """A line in the report for each excision found in white space: a guess, for review."""
    return [f"page {item.page + 1}: white space of about {item.lines} line(s) where the text "
            "breaks off: marked as withheld text (gap reason=redacted cert=medium), to review"
            for item in tree.excisions()]


def _later_document_notes(tree: structure.DocumentStructure) -> list[str]:
    """A line in the report for each document filed with the first: where it begins.

    The page counted as the TEI counts its page breaks (one inferred in a text file too).
    """
    from pipeline.structure import Header, PageStart

    notes, page = [], 0
    for item in tree.items:
        if isinstance(item, PageStart):
            page += 1
        elif isinstance(item, Header) and item is not tree.header:
            kind = (item.kind or tree.kind).label.lower()
            notes.append(f"page {page}: another document begins here (a {kind} with its own "
                         "header): written as a div of its own, to review")
    return notes


def assemble_task(settings: Settings, meta: DocumentMeta, pages: list[Page]) -> Assembled:
    """Correction, structure, TEI and validation of one document. Never raises."""
    from pipeline import structure, tei
    from pipeline.validate import parse_own, reduce_to_valid

    started = time.perf_counter()
    try:
        ctx = context(settings)
        t0 = time.perf_counter()
        mentions = ctx.corrector.find_mentions(pages)
        t1 = time.perf_counter()
        today = date.fromisoformat(meta.processed)
        tree = structure.analyse(pages, mentions, today=today)
        # The document's date is structure's; a surname whose person was not active then is
        # for review (and the structure redone without the link, when one was dropped).
        checked = ctx.corrector.check_dates(mentions, _document_years(tree))
        if checked != mentions:
            mentions = checked
            tree = structure.analyse(pages, mentions, today=today)
        t2 = time.perf_counter()
        root = tei.build(meta, pages, mentions, tree, ctx.gazetteer.entities)
        xml = tei.serialize(root, meta.schema_href)
        t3 = time.perf_counter()
        # Validate what was written, parsed back in: line numbers in messages, and no surprises.
        parsed = parse_own(xml)
        problems = [str(p) for p in ctx.validator.problems(parsed, meta.id)]
        reduced: list[str] = []
        if problems:  # a bug of ours: the failing markup becomes text, the document is kept
            reductions, left = reduce_to_valid(parsed, ctx.validator, meta.id)
            if not left:
                reduced = [str(r) for r in reductions]
                xml = tei.serialize(parsed.getroot(), meta.schema_href)
                problems = []
        t4 = time.perf_counter()
        sidecars, notes = _sidecars(meta, pages, tree, settings.sidecars)
        notes[:0] = _later_document_notes(tree) + _excision_notes(tree)
        return Assembled(xml, mentions, problems, t4 - started,
                         stages=StageTimes(t1 - t0, t2 - t1, t3 - t2, t4 - t3), reduced=reduced,
                         sidecars=sidecars, notes=notes)
    except Exception as e:
        log.debug("internal error assembling %s: %s", meta.id, traceback.format_exc())
        return Assembled(None, [], [], time.perf_counter() - started,
                         error=f"internal error: {type(e).__name__}: {e}")


def _sidecars(
    meta: DocumentMeta, pages: list[Page], tree: structure.DocumentStructure,
    manifest: bool = True,
) -> tuple[dict[str, bytes], list[str]]:
    """What goes beside the TEI of a scanned document.

    Its IIIF manifest, and each page's ALTO and hOCR from the Tesseract run that read it.

    A sidecar that cannot be made is a note in the report, never the document's loss.
    """
    if not any(page.has_image for page in pages):
        return {}, []
    from pipeline import iiif, sidecars, tei

    made: dict[str, bytes] = {}
    notes: list[str] = []
    for p, page in enumerate(pages, start=1):
        if page.alto is not None:
            image = meta.image_urls.get(page.source.path, page.source.path)
            if ":" not in image.split("/", 1)[0]:
                image = f"../{image}"  # from the OCR folder, one down from the TEI's
            try:
                made[sidecars.alto_suffix(p)] = sidecars.link_alto(page.alto, image)
            except Exception as e:  # Tesseract wrote something that is no XML
                notes.append(f"page {p}: no ALTO: {type(e).__name__}: {e}")
        if page.hocr is not None:
            made[sidecars.hocr_suffix(p)] = page.hocr
    pdfs = [page.pdf for page in pages if page.pdf is not None]
    if pdfs:
        try:
            made[".pdf"] = sidecars.join_pdf(pdfs)
            if len(pdfs) < sum(1 for page in pages if page.has_image):
                notes.append("the PDF lacks the pages that could not be read")
        except Exception as e:  # pikepdf refused what Tesseract wrote
            notes.append(f"no PDF: {type(e).__name__}: {e}")
    if not manifest:
        return made, notes
    try:
        title = tei.document_title(meta, tree)
        name = PurePosixPath(meta.id).name
        see_also = [(f"{name}{suffix}", fmt, label) for suffix, fmt, label in _listed(made)]
        rendering = f"{name}.pdf" if ".pdf" in made else None
        made[".manifest.json"] = iiif.manifest(
            meta, pages, title, tree.date_iso, tree.kind.label, see_also, rendering
        ).encode("utf-8")
    except Exception as e:  # a bug in making it: the TEI is right all the same
        log.debug("IIIF manifest of %s: %s", meta.id, traceback.format_exc())
        notes.append(f"no IIIF manifest (a bug; please report it): {type(e).__name__}: {e}")
    return made, notes


def _listed(made: dict[str, bytes]) -> list[tuple[str, str, str]]:
    """The sidecars a manifest lists in seeAlso: (suffix, format, label)."""
    return [
        (suffix, "application/xml" if suffix.endswith(".xml") else "text/html",
         "ALTO" if suffix.endswith(".alto.xml") else "hOCR")
        for suffix in sorted(made)
        if suffix.endswith((".alto.xml", ".hocr.html"))
    ]


def _document_years(tree: structure.DocumentStructure) -> tuple[int, int] | None:
    """The year of the document's date, as structure found it; None when it has none."""
    if not tree.date_iso:
        return None
    year = int(tree.date_iso[:4])
    return year, year


def collect(results: list[OcrResult], sources: list[PageSource]) -> tuple[list[Page], str | None]:
    """A document's pages in order from its tasks' results, or why the document fails.

    A failed image task becomes a gap; a text file that cannot be read fails the document, and
    so does a document none of whose pages could be read.
    """
    pages: list[Page] = []
    for result, source in zip(results, sources):
        if result.error is not None:
            if source.kind is InputKind.text:
                return [], result.error
            pages.append(Page(number=0, source=source, error=result.error))
        else:
            pages.extend(result.pages)
    for n, page in enumerate(pages, start=1):
        page.number = n
    if pages and all(p.error is not None for p in pages):
        first = pages[0].error
        return pages, first if len(pages) == 1 else f"no page could be read (page 1: {first})"
    return pages, None


@dataclass
class DocumentResult:
    """A document read and assembled in one task, and its pages without their words.

    The TEI has the words: they need not travel back. `assembled` is None when no page could
    be read.
    """

    read: OcrResult
    assembled: Assembled | None
