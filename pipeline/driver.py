"""The driver: sources → OCR → correction → structure → TEI → validation → write → report."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from pipeline import __version__, sources, tesseract
from pipeline.exceptions import ExitCode
from pipeline.executors import Executor, make_executor
from pipeline.gazetteer import Gazetteer
from pipeline.model import InputKind, Page
from pipeline.options import Options
from pipeline.progress import Progress
from pipeline.report import DocumentEntry, OutputFolder, PageGap
from pipeline.tei import DocumentMeta
from pipeline.validate import Validator, check_file
from pipeline.worker import Assembled, OcrResult, Settings, assemble_task, ocr_task

log = logging.getLogger("pipeline")
INVALID_DIR = ".tei-pipeline/invalid"  # documents that failed validation, kept for a bug report


def run(options: Options) -> ExitCode:
    """Process a batch as the options say; return the exit code (see the README)."""
    started = time.monotonic()
    documents, skipped = sources.discover(options.inputs, follow_symlinks=options.follow_symlinks)
    gazetteer = Gazetteer.load(options.gazetteers)
    needs_ocr = any(d.kind is not InputKind.text and not d.error for d in documents)
    settings = Settings(
        lang=options.lang,
        page_timeout=options.page_timeout,
        gazetteers=tuple(str(p) for p in options.gazetteers),
        correct=options.correct,
        tesseract_version=tesseract.check(options.lang) if needs_ocr else None,
        processed=_processing_date(),
        verbose=options.verbosity > 0,
    )
    out = OutputFolder(options.output)
    entries, todo = _plan(documents, out, settings, gazetteer.fingerprint(), options.force)
    planned = [_planned_pages(d) for d in todo]
    progress = Progress(sum(sum(p) for p in planned), enabled=options.verbosity >= 0,
                        bar=options.progress)
    try:
        if todo:
            with make_executor(options.executor, settings, options.jobs, options.scheduler,
                               gazetteer) as executor:
                for done in _schedule(executor, todo, planned, settings, progress):
                    entry = _finish(done, out, entries[done.doc.id].fingerprint)
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
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat()
    return date.today().isoformat()


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
        if (
            before is not None
            and before.fingerprint == fingerprint
            and before.status == "ok"
            and (out.root / doc.output_name).is_file()
        ):
            before.reused = True
            entries[doc.id] = before
            continue
        entry = DocumentEntry(doc.id, doc.files, None, len(doc.pages), "failed", fingerprint=fingerprint)
        entries[doc.id] = entry
        if doc.error:
            entry.error = doc.error
            log.warning("%s: %s", doc.path, doc.error)
            out.record(entry)
        else:
            todo.append(doc)
    return entries, todo


def _fingerprint(doc: sources.DocumentSource, settings: Settings, gazetteer: str) -> str:
    """What decides a document's output: pipeline version, settings, gazetteers, input bytes.

    Tesseract's version counts for scans (an upgrade reads them differently), not for text.
    """
    digest = hashlib.sha256()
    engine = "" if doc.kind is InputKind.text else str(settings.tesseract_version)
    for part in (__version__, settings.lang, str(settings.correct), engine, gazetteer, doc.id):
        digest.update(part.encode() + b"\0")
    for name in doc.files:
        digest.update(name.encode() + b"\0")
        try:
            with open(name, "rb") as handle:
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
RETRIES = 1  # a task whose worker died is run again this many times before it counts as failed


@dataclass
class _Job:
    """A task handed to the executor: a page task, or a document's assembly."""

    doc: int
    task: int  # the page task's number in the document; -1 for the assembly
    call: tuple  # the function and its arguments
    attempts: int = 1
    pages: list[Page] | None = None  # an assembly's pages


@dataclass
class _Done:
    """A document through every stage (or failed on the way)."""

    doc: sources.DocumentSource
    pages: list[Page]
    assembled: Assembled
    reading: float  # seconds the page tasks took in the workers


def _schedule(
    executor: Executor,
    documents: list[sources.DocumentSource],
    planned: list[list[int]],
    settings: Settings,
    progress: Progress,
) -> Iterator[_Done]:
    """Run page tasks across documents on every slot; assemble each document once it is read.

    Page tasks are handed out in document order and a document's assembly as soon as its last
    page is in, so every slot stays busy whether the batch is one long document or many short
    ones. At most IN_FLIGHT_PER_SLOT tasks per slot are out at once, assemblies included, and
    only the documents being read are held here: memory does not grow with the batch.
    """
    tasks = ((d, t) for d, doc in enumerate(documents) for t in range(len(doc.pages)))
    limit = executor.slots * IN_FLIGHT_PER_SLOT
    in_flight: dict[object, _Job] = {}
    results: dict[int, list[OcrResult | None]] = {}
    more = True
    while more or in_flight:
        while more and len(in_flight) < limit:
            nxt = next(tasks, None)
            if nxt is None:
                more = False
                break
            d, t = nxt
            results.setdefault(d, [None] * len(documents[d].pages))
            job = _Job(d, t, (ocr_task, settings, documents[d].pages[t]))
            in_flight[executor.submit(*job.call)] = job
        if not in_flight:
            break
        for future in executor.wait_any(list(in_flight)):
            job = in_flight.pop(future)
            doc = documents[job.doc]
            try:
                value = future.result()  # type: ignore[attr-defined]
            except Exception as e:  # tasks never raise: the worker itself died or was lost
                if job.attempts <= RETRIES:
                    log.debug("%s: worker lost (%s); running the task again", doc.id, e)
                    job.attempts += 1
                    in_flight[executor.submit(*job.call)] = job
                    continue
                log.debug("worker failed on %s", doc.id, exc_info=True)
                value = _lost(job, e)
            if job.pages is not None:  # an assembled document
                read = sum(r.seconds for r in results.pop(job.doc) if r is not None)
                yield _Done(doc, job.pages, value, read)
                continue
            document_results = results[job.doc]
            document_results[job.task] = value
            progress.advance(len(value.pages) if value.error is None else 0,
                             planned=planned[job.doc][job.task])
            if any(r is None for r in document_results):
                continue
            pages, error = _collect(doc, document_results)  # type: ignore[arg-type]
            if error is not None:
                read = sum(r.seconds for r in results.pop(job.doc) if r is not None)
                yield _Done(doc, pages, Assembled(None, [], [], 0.0, error=error), read)
                continue
            meta = DocumentMeta(doc.id, doc.files, doc.kind.value, settings.processed,
                                settings.tesseract_version)
            assembly = _Job(job.doc, -1, (assemble_task, settings, meta, pages), pages=pages)
            in_flight[executor.submit(*assembly.call)] = assembly


def _lost(job: _Job, error: Exception) -> OcrResult | Assembled:
    message = f"worker process failed: {type(error).__name__}: {error}".rstrip(": ")
    if job.pages is not None:
        return Assembled(None, [], [], 0.0, error=message)
    return OcrResult(error=message)


def _collect(doc: sources.DocumentSource, results: list[OcrResult]) -> tuple[list[Page], str | None]:
    """The document's pages in order; a failed image task becomes a gap, a failed text file fails."""
    pages: list[Page] = []
    for t, result in enumerate(results):
        if result.error is not None:
            if doc.kind is InputKind.text:
                return [], result.error
            source = doc.pages[t]
            pages.append(Page(number=0, source=source, error=result.error))
        else:
            pages.extend(result.pages)
    for n, page in enumerate(pages, start=1):
        page.number = n
    if pages and all(p.error is not None for p in pages):
        first = pages[0].error
        return pages, first if len(pages) == 1 else f"no page could be read (page 1: {first})"
    return pages, None


def _finish(done: _Done, out: OutputFolder, fingerprint: str | None) -> DocumentEntry:
    """Write the document (when valid) and make its report entry."""
    doc, pages, assembled = done.doc, done.pages, done.assembled
    stages = assembled.stages
    log.info("%s: %d pages, OCR %.2f s, assembly %.3f s (correction %.3f, structure %.3f, "
             "TEI %.3f, validation %.3f)", doc.id, len(pages), done.reading, assembled.seconds,
             stages.correction, stages.structure, stages.tei, stages.validation)
    entry = DocumentEntry(doc.id, doc.files, None, len(pages) or len(doc.pages), "failed",
                          seconds=round(done.reading + assembled.seconds, 3),
                          fingerprint=fingerprint)
    entry.gaps = [PageGap(p.number, _page_label(p), p.error) for p in pages if p.error]
    entry.notes = [n for p in pages for n in p.notes]
    if assembled.error is not None:
        entry.error = assembled.error
        log.warning("%s: %s", doc.path, assembled.error)
        return entry
    if assembled.problems:
        out.write(f"{INVALID_DIR}/{doc.output_name}", assembled.xml or b"")
        entry.error = f"output does not validate (a bug; please report it): {assembled.problems[0]}"
        entry.notes.extend(assembled.problems)
        log.warning("%s: %s", doc.id, entry.error)
        return entry
    out.write(doc.output_name, assembled.xml or b"")
    entry.output = doc.output_name
    entry.status = "degraded" if entry.gaps else "ok"
    if entry.gaps:
        entry.error = f"{len(entry.gaps)} page(s) could not be read: {entry.gaps[0].error}"
        for gap in entry.gaps:
            log.warning("%s page %d (%s): %s", doc.id, gap.page, gap.source, gap.error)
    corrected = [m for m in assembled.mentions if m.corrected is not None and not m.review]
    entry.corrections = len(corrected)
    entry.review = sum(1 for m in assembled.mentions if m.review)
    entry.correction_rows = [
        [doc.id, str(m.first.page + 1), str(m.first.line + 1), m.original, m.corrected or "",
         m.entity_id or "", f"{m.score:.1f}", m.cert.value]
        for m in corrected
    ]
    return entry


def _page_label(page: Page) -> str:
    if page.source.kind in (InputKind.pdf, InputKind.tiff):
        return f"{page.source.path}#{page.source.index + 1}"
    return page.source.path


def _report(entries: list[DocumentEntry], skipped: list, settings: Settings, seconds: float) -> dict:
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("ok", "degraded", "failed")}
    return {
        "tool": {"name": "tei-pipeline", "version": __version__, "tesseract": settings.tesseract_version},
        "processed": settings.processed,
        "settings": {"lang": settings.lang, "correct": settings.correct,
                     "gazetteers": list(settings.gazetteers) or ["(default)"]},
        "summary": {"documents": len(entries), **counts,
                    "pages": sum(e.pages for e in entries),
                    "corrections": sum(e.corrections for e in entries),
                    "reused": sum(1 for e in entries if e.reused),
                    "seconds": round(seconds, 2)},
        "documents": [e.public() for e in entries],
        "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
    }


def _summary(entries: list[DocumentEntry], skipped: list, output: Path, seconds: float) -> None:
    counts = {s: sum(1 for e in entries if e.status == s) for s in ("ok", "degraded", "failed")}
    pages = sum(e.pages for e in entries)
    reused = sum(1 for e in entries if e.reused)
    line = (f"tei-pipeline: {len(entries)} documents ({counts['ok']} ok, {counts['degraded']} degraded, "
            f"{counts['failed']} failed"
            + (f", {reused} already done" if reused else "")
            + f"), {pages} pages, {sum(e.corrections for e in entries)} name corrections, "
            f"{seconds:.1f} s; report: {output / 'report.json'}")
    if skipped:
        line += f"; {len(skipped)} file(s) skipped"
    print(line, file=sys.stderr)


def validate_files(files: list[Path], tei_all: Path | None) -> ExitCode:
    """Check TEI files; print every problem as file:line: message; 0 only when all are valid."""
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
            print(problem)
        bad += bool(problems)
    print(f"tei-pipeline: {len(files) - bad} of {len(files)} file(s) valid", file=sys.stderr)
    return ExitCode.documents_failed if bad else ExitCode.ok
