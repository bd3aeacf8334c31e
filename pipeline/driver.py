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
    )
    out = OutputFolder(options.output)
    entries, todo = _plan(documents, out, settings, gazetteer.fingerprint(), options.force)
    progress = Progress(sum(len(d.pages) for d in todo), enabled=options.verbosity >= 0,
                        bar=options.progress)
    if todo:
        with make_executor(options.executor, settings, options.jobs, options.scheduler) as executor:
            for doc, pages, assembled in _schedule(executor, todo, settings, progress):
                entry = _finish(doc, pages, assembled, out, entries[doc.id].fingerprint)
                out.record(entry)
                entries[doc.id] = entry
    progress.close()
    ordered = [entries[d.id] for d in documents]
    out.finish(_report(ordered, skipped, settings, time.monotonic() - started), ordered)
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
    """What decides a document's output: pipeline version, settings, gazetteers, input bytes."""
    digest = hashlib.sha256()
    for part in (__version__, settings.lang, str(settings.correct), gazetteer, doc.id):
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


def _schedule(
    executor: Executor,
    documents: list[sources.DocumentSource],
    settings: Settings,
    progress: Progress,
) -> Iterator[tuple[sources.DocumentSource, list[Page], Assembled]]:
    """Run page tasks across documents on every slot; assemble each document once it is read.

    At most a few tasks per slot are in flight, so memory does not grow with the batch.
    """
    tasks = ((d, t) for d, doc in enumerate(documents) for t in range(len(doc.pages)))
    limit = executor.slots * 2
    in_flight: dict[object, _Job] = {}
    results: dict[int, list[OcrResult | None]] = {}
    reading = 0
    exhausted = False
    while not exhausted or in_flight:
        while not exhausted and reading < limit:
            nxt = next(tasks, None)
            if nxt is None:
                exhausted = True
                break
            d, t = nxt
            results.setdefault(d, [None] * len(documents[d].pages))
            in_flight[executor.submit(ocr_task, settings, documents[d].pages[t])] = _Job(d, t)
            reading += 1
        if not in_flight:
            break
        for future in executor.wait_any(list(in_flight)):
            job = in_flight.pop(future)
            doc = documents[job.doc]
            if job.pages is not None:  # an assembled document
                yield doc, job.pages, _assembled(future)
                continue
            reading -= 1
            results[job.doc][job.task] = _ocr_result(future, doc, job.task)
            progress.advance()
            if any(r is None for r in results[job.doc]):
                continue
            pages, error = _collect(doc, results.pop(job.doc))  # type: ignore[arg-type]
            if error is not None:
                yield doc, pages, Assembled(None, [], [], 0.0, error=error)
                continue
            meta = DocumentMeta(doc.id, doc.files, doc.kind.value, settings.processed,
                                settings.tesseract_version)
            in_flight[executor.submit(assemble_task, settings, meta, pages)] = _Job(job.doc, -1, pages)


@dataclass
class _Job:
    """What a future in flight is for: a page task, or a document's assembly (with its pages)."""

    doc: int
    task: int
    pages: list[Page] | None = None


def _ocr_result(future: object, doc: sources.DocumentSource, task: int) -> OcrResult:
    try:
        return future.result()  # type: ignore[attr-defined]
    except Exception as e:  # the worker process itself died
        log.debug("worker failed on %s", doc.pages[task].path, exc_info=True)
        return OcrResult(error=f"worker process failed: {type(e).__name__}: {e}")


def _assembled(future: object) -> Assembled:
    try:
        return future.result()  # type: ignore[attr-defined]
    except Exception as e:
        return Assembled(None, [], [], 0.0, error=f"worker process failed: {type(e).__name__}: {e}")


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


def _finish(
    doc: sources.DocumentSource,
    pages: list[Page],
    assembled: Assembled,
    out: OutputFolder,
    fingerprint: str | None,
) -> DocumentEntry:
    """Write the document (when valid) and make its report entry."""
    entry = DocumentEntry(doc.id, doc.files, None, len(pages) or len(doc.pages), "failed",
                          seconds=round(sum(p.seconds for p in pages) + assembled.seconds, 3),
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
