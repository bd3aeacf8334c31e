"""The driver: sources → OCR → correction → structure → TEI → validation → write → report."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from pipeline import __version__, ocr, sources, tesseract
from pipeline.exceptions import ExitCode, OutputNotWritable, OutputPathBlocked
from pipeline.executors import Executor, ending_signals, make_executor
from pipeline.gazetteer import Gazetteer
from pipeline.model import DocumentMeta, InputKind, Page
from pipeline.ocr import ImageReading
from pipeline.options import Options
from pipeline.progress import Progress
from pipeline.publication import processing_day
from pipeline.report import DocumentEntry, OutputFolder, PageGap
from pipeline.terminal import printable
from pipeline.worker import (
    Assembled,
    DocumentResult,
    OcrResult,
    ReadTask,
    Settings,
    assemble_task,
    begin_reading,
    collect,
    read_task,
)

log = logging.getLogger("pipeline")
SCHEMA_DIR = "schema"  # the project schema, beside the documents that name it
INVALID_DIR = ".tei-pipeline/invalid"  # documents that failed validation, kept for a bug report


def run(options: Options) -> ExitCode:
    """Process a batch as the options say; return the exit code (see the README)."""
    started = time.monotonic()
    with ending_signals(), _scratch(options.executor != "dask") as scratch:
        settings = Settings(
            lang=options.lang,
            page_timeout=options.page_timeout,
            gazetteers=tuple(str(p) for p in options.gazetteers),
            correct=options.correct,
            tesseract_version=None,  # Tesseract's answer, below
            processed=_processing_date(),
            verbose=options.verbosity > 0,
            scratch=scratch,
            tesseract_cmd=os.environ.get("TESSERACT_CMD") if scratch else None,  # local only
            publication=options.publication,
            sidecars=options.sidecars,
            pdf=options.pdf,
            hocr=options.hocr,
        )
        early: _Head | None = None
        try:
            # Tesseract is asked its version and languages while the inputs are found (a
            # text-only batch ignores the answer, even a failure), and the first pages are
            # made ready and their Tesseract started meanwhile.
            with ThreadPoolExecutor(2) as aside:
                checked = aside.submit(tesseract.check, options.lang)
                documents, skipped = sources.discover(options.inputs,
                                                      follow_symlinks=options.follow_symlinks)
                needs_ocr = any(d.kind is not InputKind.text and not d.error for d in documents)
                if needs_ocr and options.executor != "dask":
                    aside.submit(ocr.load_page_tools)  # numpy: while the first page is decoded
                    slots = 1 if options.executor == "serial" else options.jobs  # the executor's
                    early = _head_start(_to_read(documents, options), settings, slots)
                gazetteer = Gazetteer.load(options.gazetteers)
                code_fingerprint()  # the plan's, some 8 ms: while Tesseract answers, not after
                version = checked.result() if needs_ocr else None
            settings = replace(settings, tesseract_version=version)
            return _run(options, documents, skipped, gazetteer, settings, started, early)
        finally:
            if early is not None:  # read by now, or left unread if the batch ended first
                early.begun.stop()


MEMORY_FOLDER = "/dev/shm"  # Linux's memory-backed folder: pages for Tesseract never touch a disk
MEMORY_FOLDER_FREE = 1 << 30  # used only with this much room: a page written there is 1-25 MB


def _memory_folder() -> str | None:
    """Where the run's temporary folder goes: TMPDIR if set, else memory if it has room."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        room = os.statvfs(MEMORY_FOLDER)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < MEMORY_FOLDER_FREE or not os.access(MEMORY_FOLDER, os.W_OK):
        return None
    return MEMORY_FOLDER


_RUN_FOLDER = re.compile(r"^tei-pipeline-(\d+)-")


def _remove_stale(memory: Path) -> None:
    """Remove the folders of runs killed outright (kill -9): in memory they hold memory."""
    try:
        entries = list(memory.iterdir())
    except OSError:
        return
    for entry in entries:
        found = _RUN_FOLDER.match(entry.name)
        if found is None or not entry.is_dir():
            continue
        try:
            os.kill(int(found.group(1)), 0)
        except ProcessLookupError:  # its run is gone (a live one, or a pid reused: left alone)
            shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            continue


@contextlib.contextmanager
def _scratch(local: bool) -> Iterator[str | None]:
    """A folder for the run's temporary files (Tesseract's), removed when the run ends.

    However it ends: interrupted, or its workers stopped in the middle of a page. Workers on a
    Dask cluster keep their own.
    """
    if not local:
        yield None
        return
    memory = _memory_folder()
    if memory is not None:
        _remove_stale(Path(memory))
    folder = tempfile.mkdtemp(prefix=f"tei-pipeline-{os.getpid()}-", dir=memory)
    try:
        yield folder
    finally:
        tesseract.use_scratch(None)  # the serial executor runs Tesseract in this process
        shutil.rmtree(folder, ignore_errors=True)


def _run(
    options: Options, documents: list[sources.DocumentSource], skipped: list,
    gazetteer: Gazetteer, settings: Settings, started: float, early: _Head | None = None,
) -> ExitCode:
    metas = _metas(documents, settings, options.output)
    with OutputFolder(options.output) as out:  # held by this run until it ends
        write_schema(out)
        entries, todo = _plan(documents, out, settings, gazetteer.fingerprint(), options.force)
        planned = [_planned_pages(d) for d in todo]
        progress = Progress(sum(sum(p) for p in planned), enabled=options.verbosity >= 0,
                            bar=options.progress)
        try:
            if todo:
                # Never more workers than there are sources to read: -j 64 for three memos
                # starts three.
                jobs = min(options.jobs, sum(len(d.pages) for d in todo))
                executor = make_executor(options.executor, settings, jobs, options.scheduler,
                                         gazetteer)
                # The first pages, begun while Tesseract answered, are read here: with a pool,
                # while the workers start (set-up and fork take a second, a core idle but
                # for them). Begun for other documents (those done already), they are stopped.
                head = _head_for(early, todo, executor.slots)
                if head is None and early is not None:  # its Tesseract would read on for nothing
                    early.begun.stop()
                with executor:
                    for done in _schedule(executor, todo, planned, settings, metas, progress,
                                          head):
                        entry = _finish_safely(done, out, entries[done.doc.id].fingerprint)
                        if entry.status == "failed":
                            _set_aside_stale(out, done.doc, entry)
                        out.record(entry)
                        entries[done.doc.id] = entry
        finally:
            progress.close()
        ordered = [entries[d.id] for d in documents]
        out.finish(_report(ordered, skipped, settings, time.monotonic() - started), ordered)
        if options.verbosity >= 0:
            _summary(ordered, skipped, options.output, time.monotonic() - started)
        if any(e.status != "ok" for e in ordered):
            return ExitCode.documents_failed
        return ExitCode.ok


def _processing_date() -> str:
    """Today, or SOURCE_DATE_EPOCH's day for reproducible output."""
    return processing_day().isoformat()


def _plan(
    documents: list[sources.DocumentSource],
    out: OutputFolder,
    settings: Settings,
    gazetteer_fingerprint: str,
    force: bool,
) -> tuple[dict[str, DocumentEntry], list[sources.DocumentSource]]:
    """Entries for documents that are done or broken already; the rest is to do."""
    previous = {} if force else out.journal_entries()
    entries: dict[str, DocumentEntry] = {}
    todo: list[sources.DocumentSource] = []
    for doc in documents:
        fingerprint = _fingerprint(doc, settings, gazetteer_fingerprint)
        before = previous.get(doc.id)
        if before is not None and before.reviews and (out.root / doc.output_name).is_file():
            # A person's decisions are in it (tei-pipeline apply): never made again unasked.
            if before.fingerprint != fingerprint:  # it would have been, the input or code new
                log.warning("%s: reviewed by %s; kept as it is (--force makes it again, "
                            "without the review)", doc.output_name, before.reviews[-1].reviewer)
            before.reused = True
            entries[doc.id] = before
            continue
        if (
            before is not None
            and before.fingerprint == fingerprint
            and before.status == "ok"
        ):
            if _digest(out.root / doc.output_name) == before.digest:
                before.reused = True
                entries[doc.id] = before
                continue
            log.warning("%s: the output of an earlier run is missing or was changed since; "
                        "making it again", doc.output_name)
        entry = DocumentEntry(doc.id, doc.shown_files, None, len(doc.pages), "failed",
                              fingerprint=fingerprint)
        entries[doc.id] = entry
        if doc.error:
            entry.error = doc.error
            log.warning("%s: %s", doc.path, doc.error)
            _set_aside_stale(out, doc, entry)
            out.record(entry)
        else:
            todo.append(doc)
    return entries, todo


def _digest(path: Path) -> str | None:
    """SHA-256 of a file, None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _set_aside_stale(out: OutputFolder, doc: sources.DocumentSource,
                     entry: DocumentEntry) -> None:
    """A failed document's earlier output is out of date: moved aside, and the report says so."""
    moved = out.set_aside(doc.output_name)
    if moved is not None:
        note = f"the output of an earlier run, now out of date, was moved to {moved}"
        entry.error = f"{entry.error}; {note}"
        log.warning("%s: %s", doc.id, note)
    # and what it wrote beside it: a manifest or ALTO of pages that are no longer there
    for path in _sidecar_files(out, doc.id):
        out.set_aside(path.relative_to(out.root).as_posix())
    with contextlib.suppress(OSError):
        (out.root / f"{doc.id}{_ocr_folder()}").rmdir()  # if it is empty now


PACKAGE = Path(__file__).resolve().parent


@cache
def code_fingerprint(root: Path = PACKAGE) -> str:
    """A hash of the pipeline's own files (code, schema, word list) under `root`.

    The version number alone does not change with every fix between releases (or in a
    checkout): an output made by other code is made again.
    """
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _fingerprint(doc: sources.DocumentSource, settings: Settings, gazetteer: str) -> str:
    """What decides a document's output: the pipeline, settings, gazetteers, input bytes.

    Tesseract's version counts for scans (an upgrade reads them differently), not for text.
    """
    digest = hashlib.sha256()
    engine = "" if doc.kind is InputKind.text else str(settings.tesseract_version)
    code = f"{__version__} {code_fingerprint()}"
    for part in (code, settings.lang, str(settings.correct), engine, gazetteer, doc.id,
                 str(settings.sidecars), str(settings.pdf), str(settings.hocr),
                 repr(settings.publication)):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for name in doc.files:
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        if not Path(name).is_file():  # a pipe would block here, a device never end
            digest.update(b"not a regular file")
            continue
        try:
            with Path(name).open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def _planned_pages(doc: sources.DocumentSource) -> list[int]:
    """Pages each of the document's tasks is expected to give, for the progress bar.

    One for a page image, TIFF frame or PDF page; a text file is one task, as many pages as it
    has form feeds between text (counted, not parsed: the bar corrects itself when it is read).
    """
    if doc.kind is not InputKind.text:
        return [1] * len(doc.pages)
    try:
        data = Path(doc.pages[0].path).read_bytes()
    except OSError:
        return [1]
    parts = data.split(b"\f")
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()
    return [len(parts)]


IN_FLIGHT_PER_SLOT = 2  # tasks handed out per slot: one running, one ready to start
GROUP_PAGES = 4  # page images read in one Tesseract run at most (see _group_size)


@dataclass
class _Job:
    """A task handed to the executor: sources to read, or a document's assembly."""

    call: tuple  # the function and its arguments
    items: list[tuple[int, int]] = field(default_factory=list)  # read: (document, source)
    tasks: list[ReadTask] = field(default_factory=list)  # read: what the worker is given
    doc: int = -1  # assembly: its document
    pages: list[Page] | None = None  # assembly: its pages
    alone: bool = False  # run again on its own, after a worker died while it ran


@dataclass
class _Done:
    """A document through every stage (or failed on the way)."""

    doc: sources.DocumentSource
    pages: list[Page]
    assembled: Assembled
    reading: float  # seconds the page tasks took in the workers


def _group_size(images_left: int, slots: int) -> int:
    """How many page images the next task reads, in one Tesseract run.

    Up to GROUP_PAGES (each run saves Tesseract's start, some 4% of a page), but shrinking
    as the batch ends, so that the last tasks are single pages and no slot waits long for
    another to finish (guided scheduling).
    """
    return max(1, min(GROUP_PAGES, -(-images_left // (2 * slots))))


@dataclass
class _Head:
    """The batch's first sources, their Tesseract started in this process before the pool."""

    items: list[tuple[int, int]]  # (document, source) of `documents`
    begun: ImageReading
    documents: list[sources.DocumentSource]


def _next_items(documents: list[sources.DocumentSource], sources_left: deque[tuple[int, int]],
                images_left: int, slots: int) -> list[tuple[int, int]]:
    """The sources of the next read task, taken from `sources_left` (a group of page images)."""
    items = [sources_left.popleft()]
    if documents[items[0][0]].kind is not InputKind.text:
        size = _group_size(images_left, slots)
        while (len(items) < size and sources_left
               and documents[sources_left[0][0]].kind is not InputKind.text):
            items.append(sources_left.popleft())
    return items


def _all_sources(documents: list[sources.DocumentSource]) -> deque[tuple[int, int]]:
    return deque((d, t) for d, doc in enumerate(documents) for t in range(len(doc.pages)))


def _images(documents: list[sources.DocumentSource]) -> int:
    return sum(len(doc.pages) for doc in documents if doc.kind is not InputKind.text)


def _read_tasks(documents: list[sources.DocumentSource], metas: dict[str, DocumentMeta],
                items: list[tuple[int, int]]) -> list[ReadTask]:
    """A read task's sources; a document of one source is read and assembled in one go."""
    return [ReadTask(documents[d].pages[t],
                     metas[documents[d].id] if len(documents[d].pages) == 1 else None)
            for d, t in items]


def _to_read(documents: list[sources.DocumentSource], options: Options
             ) -> list[sources.DocumentSource]:
    """The documents to read, as far as the inputs and the output folder tell, before the plan.

    A document whose output is there is taken as done (the plan, which checks, may yet make
    it again): a resumed batch begins the first document it has not done, not pages it would
    stop at once.
    """
    return [d for d in documents if not d.error
            and (options.force or not (options.output / d.output_name).is_file())]


def _head_start(documents: list[sources.DocumentSource], settings: Settings,
                jobs: int) -> _Head | None:
    """The first read task's page images made ready and handed to Tesseract, here and now.

    Taken as _schedule takes it (the same sources for the same slots: `jobs`, no more than
    there are sources). None when the batch begins with a text file (nothing to overlap) or
    nothing could start.
    """
    slots = min(jobs, sum(len(d.pages) for d in documents))
    if not slots:
        return None
    items = _next_items(documents, _all_sources(documents), _images(documents), slots)
    if documents[items[0][0]].kind is InputKind.text:
        return None
    tasks = [ReadTask(documents[d].pages[t]) for d, t in items]  # no header wanted to start
    begun = begin_reading(settings, tasks)
    return _Head(items, begun, documents) if begun is not None else None


def _head_for(early: _Head | None, todo: list[sources.DocumentSource], slots: int
              ) -> _Head | None:
    """The pages begun early, as the first task of `todo`; None if that is not what they are."""
    if early is None:
        return None
    places = [(_index(todo, early.documents[d]), t) for d, t in early.items]
    items = [(d, t) for d, t in places if d is not None]
    if len(items) < len(places) or items != _next_items(
            todo, _all_sources(todo), _images(todo), slots):
        return None  # its documents are done already, or other slots take other pages
    return _Head(items, early.begun, todo)


def _index(documents: list[sources.DocumentSource], doc: sources.DocumentSource) -> int | None:
    return next((n for n, d in enumerate(documents) if d is doc), None)


def _schedule(
    executor: Executor,
    documents: list[sources.DocumentSource],
    planned: list[list[int]],
    settings: Settings,
    metas: dict[str, DocumentMeta],
    progress: Progress,
    head: _Head | None = None,
) -> Iterator[_Done]:
    """Run read tasks across documents on every slot; assemble each document once it is read.

    Sources are handed out in document order, page images a few at a time (_group_size),
    and a document's assembly as soon as its last page is in, so every slot stays busy
    whether the batch is one long document or many short ones; a document of one source (a
    text file, a one-page scan) is read and assembled in one go, its words never sent here.
    At most IN_FLIGHT_PER_SLOT tasks per slot are out at once, assemblies included, and only
    the documents being read are held here: memory does not grow with the batch.

    Tasks never raise; a future that does lost its worker (killed, out of memory, crashed),
    and with it every task in flight on a process pool. Their sources are read again one at
    a time once the others are in: the one that fails on its own is the cause and fails its
    page. The `head` task, begun before the pool, is finished in this process (run_here).
    """
    sources_left = _all_sources(documents)
    images_left = _images(documents)
    limit = executor.slots * IN_FLIGHT_PER_SLOT
    in_flight: dict[object, _Job] = {}
    results: dict[int, list[OcrResult | None]] = {}
    again: deque[_Job] = deque()
    assemblies: deque[_Job] = deque()  # documents read, waiting for a slot (a task can finish
    # several documents at once)

    def read_job(items: list[tuple[int, int]]) -> _Job:
        for d, _ in items:
            if len(documents[d].pages) > 1:
                results.setdefault(d, [None] * len(documents[d].pages))
        tasks = _read_tasks(documents, metas, items)
        return _Job((read_task, settings, tasks), items, tasks)

    here: object = None  # the head task, read in this process
    if head is not None:
        for _ in head.items:  # the first sources, taken as _head_start took them
            sources_left.popleft()
        images_left -= len(head.items)
        job = read_job(head.items)
        job.call = (read_task, settings, job.tasks, head.begun)
        here = executor.run_here(*job.call)
        in_flight[here] = job

    def room() -> bool:
        """Whether another task may go out now.

        While the head's pages are read here, their Tesseract has a core of its own: the
        pool runs one task fewer, none waiting (three Tesseracts on two cores cost every page
        some 10% more CPU).
        """
        if here is not None and here in in_flight:
            return len(in_flight) < executor.slots
        return len(in_flight) < limit

    def read_in(d: int, t: int, value: OcrResult | DocumentResult) -> _Done | _Job | None:
        """A source's result: a document done, a document to assemble, or more to wait for."""
        doc = documents[d]
        read_result = value.read if isinstance(value, DocumentResult) else value
        progress.advance(len(read_result.pages) if read_result.error is None else 0,
                         planned=planned[d][t])
        if isinstance(value, DocumentResult):
            pages, error = collect([read_result], doc.pages)
            assembled = value.assembled or Assembled(None, [], [], 0.0, error=error)
            return _Done(doc, pages, assembled, read_result.seconds)
        document_results = results[d]
        document_results[t] = read_result
        if any(r is None for r in document_results):
            return None
        pages, error = collect(document_results, doc.pages)  # type: ignore[arg-type]
        if error is not None:
            read = sum(r.seconds for r in results.pop(d) if r is not None)
            return _Done(doc, pages, Assembled(None, [], [], 0.0, error=error), read)
        return _Job((assemble_task, settings, metas[doc.id], pages), doc=d, pages=pages)

    while sources_left or in_flight or again or assemblies:
        if again and not in_flight:
            job = again.popleft()
            job.alone = True
            in_flight[executor.submit(*job.call)] = job
        while assemblies and not again and room():
            job = assemblies.popleft()
            in_flight[executor.submit(*job.call)] = job
        while sources_left and not again and not assemblies and room():
            items = _next_items(documents, sources_left, images_left, executor.slots)
            if documents[items[0][0]].kind is not InputKind.text:
                images_left -= len(items)
            job = read_job(items)
            in_flight[executor.submit(*job.call)] = job
        if not in_flight:
            continue
        for future in executor.wait_any(list(in_flight)):
            job = in_flight.pop(future)
            try:
                values = future.result()  # type: ignore[attr-defined]
            except Exception as e:
                if not job.alone:
                    log.debug("worker lost (%s: %s); its task runs again", type(e).__name__, e)
                    again.extend([read_job([item]) for item in job.items] if job.items
                                 else [job])
                    continue
                log.debug("worker failed on %s", documents[job.items[0][0] if job.items
                                                           else job.doc].id, exc_info=True)
                values = _lost(job, e)
            if not job.items:  # an assembly
                doc = documents[job.doc]
                read = sum(r.seconds for r in results.pop(job.doc) if r is not None)
                yield _Done(doc, job.pages or [], values, read)
                continue
            for (d, t), value in zip(job.items, values, strict=True):
                step = read_in(d, t, value)
                if isinstance(step, _Done):
                    yield step
                elif step is not None:
                    assemblies.append(step)


def _remove_stale_sidecars(out: OutputFolder, doc_id: str, written: list[str]) -> None:
    """Remove what an earlier run wrote beside the document and this one did not.

    A run without --hocr or --pdf after one with them: the folder then holds what the report
    lists, and no out-of-date hOCR or PDF.
    """
    keep = {out.root / name for name in written}
    for path in _sidecar_files(out, doc_id):
        if path not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


def _ocr_folder() -> str:
    from pipeline.sidecars import OCR_FOLDER  # lxml: not needed before the first page is read

    return OCR_FOLDER


def _sidecar_files(out: OutputFolder, doc_id: str) -> list[Path]:
    """The files beside a document's TEI that a run may have written: manifest, PDF, ALTO, hOCR."""
    found = [out.root / f"{doc_id}{suffix}" for suffix in (".manifest.json", ".pdf")]
    folder = out.root / f"{doc_id}{_ocr_folder()}"
    if folder.is_dir():
        found += folder.iterdir()
    return [path for path in found if path.is_file()]


def write_schema(out: OutputFolder) -> None:
    """The project schema into the output folder, where each document's xml-model points."""
    from importlib import resources

    for name in ("tei-pipeline.rng", "tei-pipeline.sch"):
        data = (resources.files("pipeline") / "schema" / name).read_bytes()
        try:
            out.write(f"{SCHEMA_DIR}/{name}", data)
        except OutputPathBlocked as e:  # the documents are still right; only the link is dead
            log.warning("cannot write the project schema into the output folder: %s", e)


def _metas(
    documents: list[sources.DocumentSource], settings: Settings, output: Path
) -> dict[str, DocumentMeta]:
    """What each document's header says: its id (unique in the batch), links, publication."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for doc in sorted(documents, key=lambda d: d.id):  # the same ids for the same batch
        xml_id = "doc-" + (re.sub(r"[^A-Za-z0-9._-]+", "-", doc.id).strip("-.") or "document")
        if xml_id in taken:
            xml_id += "-" + hashlib.sha256(doc.id.encode()).hexdigest()[:8]
        taken.add(xml_id)
        ids[doc.id] = xml_id
    base = settings.publication.base_uri or output.resolve().as_uri()
    base = base.rstrip("/") + "/"
    metas = {}
    for doc in documents:
        folder = PurePosixPath(doc.output_name).parent
        depth = len(folder.parts)
        metas[doc.id] = DocumentMeta(
            doc.id, doc.shown_files, doc.kind.value, settings.processed,
            settings.tesseract_version,
            xml_id=ids[doc.id],
            publication=settings.publication,
            lang=settings.lang,
            image_urls=_image_urls(doc, output / folder, settings.publication.image_base_uri),
            schema_href="/".join([".."] * depth + [f"{SCHEMA_DIR}/tei-pipeline"]),
            document_uri=base + quote(doc.output_name, safe="/._-~"),
        )
    return metas


def _image_urls(
    doc: sources.DocumentSource, folder: Path, base: str | None
) -> dict[str, str]:
    """Each source file's link: relative to the TEI file's folder, or under the base URI."""
    urls = {}
    for name in doc.files:
        path = Path(name)
        if base:
            below = PurePosixPath(doc.id).parent / path.relative_to(doc.path.parent).as_posix()
            urls[name] = base.rstrip("/") + "/" + quote(str(below), safe="/._-~")
        else:
            relative = os.path.relpath(path.resolve(), folder.resolve())
            urls[name] = quote(Path(relative).as_posix(), safe="/._-~")
        urls[sources.shown(name)] = urls[name]  # the name as the header lists it
    return urls


def _lost(job: _Job, error: Exception) -> Assembled | list[OcrResult | DocumentResult]:
    """What a task that took its worker down every time gives: failures as values."""
    message = f"worker process failed: {type(error).__name__}: {error}".rstrip(": ")
    if not job.items:
        return Assembled(None, [], [], 0.0, error=message)
    return [
        OcrResult(error=message) if task.meta is None
        else DocumentResult(OcrResult(error=message), None)
        for task in job.tasks
    ]


def _finish_safely(done: _Done, out: OutputFolder, fingerprint: str | None) -> DocumentEntry:
    """_finish, a bug in it failing this document alone (a full disk still ends the batch)."""
    try:
        return _finish(done, out, fingerprint)
    except OutputNotWritable:
        raise
    except Exception as e:
        log.debug("internal error finishing %s", done.doc.id, exc_info=True)
        message = f"internal error: {type(e).__name__}: {_one_line(e)}"
        log.warning("%s: %s", done.doc.path, message)
        return DocumentEntry(done.doc.id, done.doc.shown_files, None, len(done.doc.pages), "failed",
                             error=message, fingerprint=fingerprint)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def _finish(done: _Done, out: OutputFolder, fingerprint: str | None) -> DocumentEntry:
    """Write the document (when valid) and make its report entry."""
    doc, pages, assembled = done.doc, done.pages, done.assembled
    stages = assembled.stages
    log.info("%s: %d pages, OCR %.2f s, assembly %.3f s (correction %.3f, structure %.3f, "
             "TEI %.3f, validation %.3f)", doc.id, len(pages), done.reading, assembled.seconds,
             stages.correction, stages.structure, stages.tei, stages.validation)
    entry = DocumentEntry(doc.id, doc.shown_files, None, len(pages) or len(doc.pages), "failed",
                          seconds=round(done.reading + assembled.seconds, 3),
                          fingerprint=fingerprint)
    entry.gaps = [PageGap(p.number, _page_label(p), p.error) for p in pages if p.error]
    entry.notes = [n for p in pages for n in p.notes]
    if assembled.error is not None:
        entry.error = assembled.error
        log.warning("%s: %s", doc.path, assembled.error)
        return entry
    if assembled.problems:
        entry.error = f"output does not validate (a bug; please report it): {assembled.problems[0]}"
        entry.notes.extend(assembled.problems)
        log.warning("%s: %s", doc.id, entry.error)
        with contextlib.suppress(OutputPathBlocked):  # kept for a bug report, if it can be
            out.write(f"{INVALID_DIR}/{doc.output_name}", assembled.xml or b"")
        return entry
    try:
        out.write(doc.output_name, assembled.xml or b"")
    except OutputPathBlocked as e:
        entry.error = e.message
        log.warning("%s: %s", doc.id, e.message)
        return entry
    entry.output = doc.output_name
    entry.digest = hashlib.sha256(assembled.xml or b"").hexdigest()
    entry.notes.extend(assembled.notes)
    for suffix, data in assembled.sidecars.items():
        try:
            out.write(f"{doc.id}{suffix}", data)
            entry.sidecars.append(f"{doc.id}{suffix}")
        except OutputPathBlocked as e:
            entry.notes.append(e.message)
    _remove_stale_sidecars(out, doc.id, entry.sidecars)
    entry.status = "degraded" if entry.gaps or assembled.reduced else "ok"
    if entry.gaps:
        entry.error = f"{len(entry.gaps)} page(s) could not be read: {entry.gaps[0].error}"
        for gap in entry.gaps:
            log.warning("%s page %d (%s): %s", doc.id, gap.page, gap.source, gap.error)
    if assembled.reduced:
        reason = (f"output did not validate, markup reduced to plain text (a bug; please report "
                  f"it): {assembled.reduced[0]}")
        entry.error = f"{entry.error}; {reason}" if entry.error else reason
        entry.notes.extend(assembled.reduced)
        for reduction in assembled.reduced:
            log.error("%s: bug: output did not validate: %s", doc.id, reduction)
    corrected = [m for m in assembled.mentions if m.corrected is not None and not m.review]
    entry.corrections = len(corrected)
    entry.review = sum(1 for m in assembled.mentions if m.review)
    entry.correction_rows = [
        [doc.id, str(m.first.page + 1), str(m.first.line + 1), m.original, m.corrected or "",
         m.entity_id or "", f"{m.score:.1f}", m.cert.value, m.slip]
        for m in corrected
    ]
    # the surname, once: "Samuel WISE", "Samuel G. WISE" and "WISE" are one name to add
    entry.names_to_add = sorted({m.original.split()[-1] for m in assembled.mentions if m.unknown})
    entry.review_notes = [
        f"page {m.first.page + 1} line {m.first.line + 1}: {m.original}: {m.reason}"
        for m in assembled.mentions
        if m.review and m.reason
    ]
    return entry


def _page_label(page: Page) -> str:
    path = sources.shown(page.source.path)
    if page.source.kind in (InputKind.pdf, InputKind.tiff):
        return f"{path}#{page.source.index + 1}"
    return path


def _report(
    entries: list[DocumentEntry], skipped: list, settings: Settings, seconds: float
) -> dict:
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("ok", "degraded", "failed")}
    return {
        "tool": {"name": "tei-pipeline", "version": __version__,
                 "tesseract": settings.tesseract_version},
        "processed": settings.processed,
        "settings": {"lang": settings.lang, "correct": settings.correct,
                     "gazetteers": list(settings.gazetteers) or ["(default)"]},
        "summary": {"documents": len(entries), **counts,
                    "pages": sum(e.pages for e in entries),
                    "corrections": sum(e.corrections for e in entries),
                    "reused": sum(1 for e in entries if e.reused),
                    "seconds": round(seconds, 2)},
        "documents": [e.public() for e in entries],
        "skipped": [{"path": sources.shown(s.path), "reason": sources.shown(s.reason)}
                    for s in skipped],
    }


def _summary(entries: list[DocumentEntry], skipped: list, output: Path, seconds: float) -> None:
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("ok", "degraded", "failed")}
    pages = sum(e.pages for e in entries)
    reused = sum(1 for e in entries if e.reused)
    line = (f"tei-pipeline: {len(entries)} documents ({counts['ok']} ok, "
            f"{counts['degraded']} degraded, {counts['failed']} failed"
            + (f", {reused} already done" if reused else "")
            + f"), {pages} pages, {sum(e.corrections for e in entries)} name corrections, "
            f"{seconds:.1f} s; report: {output / 'report.json'}")
    if skipped:
        line += f"; {len(skipped)} file(s) skipped"
    print(printable(line), file=sys.stderr)


def validate_files(files: list[Path], tei_all: Path | None) -> ExitCode:
    """Check TEI files; print every problem as file:line: message; 0 only when all are valid."""
    from pipeline.validate import Validator, check_file

    validators = [Validator()]
    if tei_all is not None:
        if not tei_all.is_file():
            from pipeline.exceptions import UsageError

            raise UsageError(f"{tei_all}: no such schema file")
        validators.append(Validator(tei_all))
    bad = 0
    for path in files:
        problems = check_file(path, validators)
        for problem in problems:
            print(printable(problem))
        bad += bool(problems)
    print(f"tei-pipeline: {len(files) - bad} of {len(files)} file(s) valid", file=sys.stderr)
    return ExitCode.documents_failed if bad else ExitCode.ok
