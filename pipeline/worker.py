"""What runs in a worker: per-process set-up once, then page and document tasks."""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import ocr, structure, tei, tesseract
from pipeline.correction import NameCorrector
from pipeline.exceptions import InputError
from pipeline.gazetteer import Gazetteer
from pipeline.model import Mention, Page, PageSource
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


@dataclass
class WorkerContext:
    """Heavy things built once per worker process: gazetteer index, word list, compiled schema."""

    gazetteer: Gazetteer
    corrector: NameCorrector
    validator: Validator


_contexts: dict[Settings, WorkerContext] = {}


def context(settings: Settings) -> WorkerContext:
    """This process's context for these settings, built on first use."""
    found = _contexts.get(settings)
    if found is None:
        tesseract.configure()
        gazetteer = Gazetteer.load([Path(p) for p in settings.gazetteers])
        found = WorkerContext(gazetteer, NameCorrector(gazetteer, correct=settings.correct), Validator())
        _contexts.clear()
        _contexts[settings] = found
    return found


def init_worker(settings: Settings) -> None:
    """Process-pool initializer: build the context before the first task arrives."""
    context(settings)


@dataclass
class OcrResult:
    """Pages of one task, or why the whole document cannot be read."""

    pages: list[Page] = field(default_factory=list)
    error: str | None = None


def ocr_task(settings: Settings, source: PageSource) -> OcrResult:
    """Read and OCR one task's pages. Never raises: failures are values."""
    tesseract.configure()
    try:
        return OcrResult(ocr.read_pages(source, lang=settings.lang, timeout=settings.page_timeout))
    except InputError as e:
        return OcrResult(error=e.message)
    except OSError as e:
        return OcrResult(error=f"cannot read file: {e.strerror or e}")
    except Exception as e:  # a bug must not take the batch down
        log.debug("internal error on %s: %s", source.path, traceback.format_exc())
        return OcrResult(error=f"internal error: {type(e).__name__}: {e}")


@dataclass
class Assembled:
    """A finished document: TEI bytes and what the report needs."""

    xml: bytes | None
    mentions: list[Mention]
    problems: list[str]
    seconds: float
    error: str | None = None


def assemble_task(settings: Settings, meta: tei.DocumentMeta, pages: list[Page]) -> Assembled:
    """Correction, structure, TEI and validation of one document. Never raises."""
    started = time.perf_counter()
    try:
        ctx = context(settings)
        mentions = ctx.corrector.find_mentions(pages)
        tree = structure.analyse(pages, mentions)
        root = tei.build(meta, pages, mentions, tree, ctx.gazetteer.entities)
        xml = tei.serialize(root)
        # Validate what was written, parsed back in: line numbers in messages, and no surprises.
        problems = [str(p) for p in ctx.validator.problems(tei.parse(xml), meta.id)]
        return Assembled(xml, mentions, problems, time.perf_counter() - started)
    except Exception as e:
        log.debug("internal error assembling %s: %s", meta.id, traceback.format_exc())
        return Assembled(None, [], [], time.perf_counter() - started,
                         error=f"internal error: {type(e).__name__}: {e}")
