"""OCR stage: read one page source into Pages (Tesseract for images, parsing for text)."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

# TiffImagePlugin: saving a TIFF without its plugin loaded first makes Pillow import all of
# its 40-odd plugins (some 45 ms, on the first page of every process); alone it takes 4 ms.
from PIL import Image, TiffImagePlugin  # noqa: F401

# strike and redactions, which import numpy (some 0.05 s), are imported where they are used:
# the first page's Tesseract is started before, and loads its models meanwhile.
from pipeline import orientation, sources, tesseract
from pipeline.exceptions import InputError, OcrFailed
from pipeline.model import Box, InputKind, Line, Page, PageSource, Word, words_box

log = logging.getLogger(__name__)


def load_page_tools() -> None:
    """Import what makes a page ready for Tesseract (numpy with it): a caller's head start."""
    from pipeline import redactions, strike  # noqa: F401


def read_pages(
    source: PageSource, *, lang: str, timeout: float | None,
    renderers: frozenset[str] = frozenset(), while_reading: Callable[[], None] | None = None,
) -> list[Page]:
    """The pages of one source: one page for an image, TIFF frame or PDF page; all of a text file.

    A page that cannot be read or OCR'd comes back with ``error`` set (it becomes a gap);
    a text file that cannot be read raises InputError (the document fails).
    """
    if source.kind is InputKind.text:
        pages, notes = sources.pages_from_text(Path(source.path), source)
        if pages:
            pages[0].notes.extend(notes)
        return pages
    return read_images([source], lang=lang, timeout=timeout, renderers=renderers,
                       while_reading=while_reading)


@dataclass
class _Prepared:
    """A page made ready for Tesseract: the file it reads, the strokes erased, the black boxes."""

    page: Page
    path: str
    strokes: list[Box]
    dpi: float | None
    redactions: list[Box] = field(default_factory=list)
    negative: bool = False  # mostly dark: its text may be white on black


_Key = tuple[float | None, bool]  # a page's resolution, and whether it is a negative


@dataclass
class _Decoded:
    """A page decoded, turned upright; the file Tesseract can read as it is, if there is one."""

    page: Page
    image: Image.Image
    direct_path: str | None
    dpi: float | None
    negative: bool

    @property
    def key(self) -> _Key:
        """How Tesseract is to read it: pages alike are read in one run."""
        return self.dpi, self.negative


def read_images(
    page_sources: Sequence[PageSource], *, lang: str, timeout: float | None,
    renderers: frozenset[str] = frozenset(), while_reading: Callable[[], None] | None = None,
) -> list[Page]:
    """One page per source (an image, a TIFF frame, a PDF page), in as few Tesseract runs as can be.

    Pages of one resolution go to Tesseract together. A page that reads as if it were on its
    side or upside down is turned upright and read again (`orientation`). Never raises for a
    page: its ``error`` is set (a gap). The same runs write what `renderers` ask for (ALTO,
    hOCR, PDF: tesseract.RENDERERS) into each page.

    `while_reading` is called once while the first Tesseract run reads, in this process: the
    caller's own set-up then costs no time, Tesseract working meanwhile on another core.
    """
    return ImageReading(page_sources, lang=lang, timeout=timeout,
                        renderers=renderers).finish(while_reading)


class ImageReading:
    """Page images being read (`read_images`): made ready, their first Tesseract run started.

    `finish()` waits for it, runs the others and gives the pages. Between the two this process
    is free: the driver starts its workers then, the first pages already being read.
    """

    def __init__(
        self, page_sources: Sequence[PageSource], *, lang: str, timeout: float | None,
        renderers: frozenset[str] = frozenset(),
    ) -> None:
        self.lang, self.timeout, self.renderers = lang, timeout, renderers
        self.pages = [Page(number=s.index + 1, source=s) for s in page_sources]
        self._folder = Path(tempfile.mkdtemp(prefix="tei-pipeline-", dir=tesseract.scratch()))
        ready: dict[_Key, list[_Prepared]] = {}
        # Tesseract is started as soon as the first page says how it is to be read (its
        # resolution, whether it is a negative): it loads its models, some 0.08 s, while the
        # pages are made ready, and reads them when given.
        waiting: tuple[_Key, tesseract.Running] | None = None
        try:
            for n, page in enumerate(self.pages):
                started = time.perf_counter()
                try:
                    decoded = _decode(page)
                    if waiting is None:
                        waiting = decoded.key, self._start(decoded.key)
                    prepared = _make_ready(decoded, self._folder / f"page-{n}.tif")
                    ready.setdefault(decoded.key, []).append(prepared)
                except (InputError, OcrFailed) as e:
                    _failed(page, e.message)
                except OSError as e:  # the file went away
                    _failed(page, f"cannot read file: {e.strerror or e}")
                page.seconds = time.perf_counter() - started
        except BaseException:
            if waiting is not None:
                waiting[1].stop()
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        self._groups = list(ready.items())
        self._first: tesseract.Running | None = None
        if waiting is not None:
            key, running = waiting
            if key in ready:  # its pages first
                self._groups.sort(key=lambda group: group[0] != key)
                running.give([p.path for p in ready[key]])
                self._first = running
            else:  # the page that started it could not be made ready after all
                running.stop()
        if self._first is None and self._groups:
            self._first = self._start_pages(*self._groups[0])
        self._started = time.perf_counter()

    def _start(self, key: _Key) -> tesseract.Running:
        """A Tesseract run for pages read as `key` says, waiting for them."""
        dpi, negative = key
        return tesseract.start(lang=self.lang, timeout=self.timeout, dpi=dpi,
                               renderers=self.renderers, negative=negative)

    def _start_pages(self, key: _Key, group: list[_Prepared]) -> tesseract.Running:
        dpi, negative = key
        return tesseract.start_pages([p.path for p in group], lang=self.lang,
                                     timeout=self.timeout, dpi=dpi, renderers=self.renderers,
                                     negative=negative)

    def stop(self) -> None:
        """Give up: the Tesseract run started is stopped, the folder removed."""
        if self._first is not None:
            self._first.stop()
        shutil.rmtree(self._folder, ignore_errors=True)

    def finish(self, while_reading: Callable[[], None] | None = None) -> list[Page]:
        """The pages read (module docstring of read_images); the folder removed."""
        try:
            for k, ((dpi, negative), group) in enumerate(self._groups):
                running = (self._first if k == 0 and self._first is not None
                           else self._start_pages((dpi, negative), group))
                started = self._started if k == 0 else time.perf_counter()
                if while_reading is not None:
                    aside = time.perf_counter()
                    _call_aside(while_reading)
                    while_reading = None
                    started += time.perf_counter() - aside  # not the pages' time
                self._read_group(dpi, group, running, started)
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)
        return self.pages

    def _read_group(
        self, dpi: float | None, group: list[_Prepared], running: tesseract.Running,
        started: float,
    ) -> None:
        lang, timeout, renderers = self.lang, self.timeout, self.renderers
        results: Sequence[tesseract.Reading | None]
        try:
            results = running.readings()
        except OcrFailed as e:
            if len(group) == 1:
                _failed(group[0].page, e.message)
                return
            log.debug("a Tesseract run over %d pages failed (%s); reading them one by one",
                      len(group), e.message)
            results = [_alone(p, lang=lang, timeout=timeout, renderers=renderers)
                       for p in group]
        share = (time.perf_counter() - started) / len(group)
        for n, (prepared, reading) in enumerate(zip(group, results, strict=True)):
            page = prepared.page
            page.seconds += share
            if reading is None:
                continue
            if not orientation.upright(reading.lines):
                again = time.perf_counter()
                prepared, reading = _turned(
                    prepared, reading, self._folder / f"turned-{dpi}-{n}.tif",
                    lang=lang, timeout=timeout, renderers=renderers)
                page.seconds += time.perf_counter() - again
            page.alto, page.hocr, page.pdf = reading.alto, reading.hocr, reading.pdf
            page.lines = _finish(prepared, reading.lines)


def _call_aside(task: Callable[[], None]) -> None:
    """Run the caller's task; its failure is the caller's to meet again later, not the pages'."""
    try:
        task()
    except Exception:
        log.debug("a task run while Tesseract read failed: %s", traceback.format_exc())


def _finish(prepared: _Prepared, lines: list[Line]) -> list[Line]:
    """The OCR's lines flagged where struck, split into columns, in reading order, redactions in."""
    from pipeline import redactions

    page = prepared.page
    if prepared.strokes:
        lines = flag_struck(lines, prepared.strokes)
    lines = reading_order(split_columns(lines, page.width or 0), page.height or 0)
    if prepared.redactions:
        page.notes.append(f"page {page.number}: {len(prepared.redactions)} redaction box(es)")
    return redactions.place_redactions(lines, prepared.redactions, prepared.dpi or 300.0)


def _turned(
    prepared: _Prepared, reading: tesseract.Reading, scratch: Path, *, lang: str,
    timeout: float | None, renderers: frozenset[str],
) -> tuple[_Prepared, tesseract.Reading]:
    """The page read again turned upright, if it can be, else as it was read.

    Turned as Tesseract's orientation detection says (`orientation.turns_to_try`), and kept
    only if the new reading is better (`orientation.better`). A page that Tesseract read on
    its side is read both ways round and the reading with more words of the word list kept:
    on a sparse page the wrong way round can look upright too.
    """
    page = prepared.page
    lines = reading.lines
    found = tesseract.orientation(prepared.path, timeout=timeout, dpi=prepared.dpi)
    both_ways = orientation.sideways(lines)
    best: tuple[int, int, _Prepared, tesseract.Reading] | None = None
    for clockwise in orientation.turns_to_try(found, lines):
        rotation = (360 - clockwise) % 360  # how the content is turned in the image
        try:
            candidate = _prepare(replace(page), scratch.with_suffix(f".{clockwise}.tif"),
                                 rotation=rotation)
            new = tesseract.read(candidate.path, lang=lang, timeout=timeout,
                                 dpi=candidate.dpi, renderers=renderers,
                                 negative=candidate.negative)
        except (InputError, OcrFailed, OSError) as e:
            log.debug("%s page %d: reading it turned %d degrees failed: %s",
                      page.source.path, page.source.index + 1, clockwise, e)
            continue
        if not orientation.better(new.lines, lines):
            continue
        known = orientation.legible(new.lines)[0]
        if best is None or known > best[1]:
            best = (clockwise, known, candidate, new)
        if not both_ways:
            break
    if best is None:
        return prepared, reading
    clockwise, _, candidate, new = best
    rotation = (360 - clockwise) % 360
    log.info("%s page %d: turned %d degrees clockwise to read it upright",
             page.source.path, page.source.index + 1, clockwise)
    page.width, page.height = candidate.page.width, candidate.page.height
    page.rotation = rotation
    page.notes.append(f"page {page.number}: lies turned {rotation} degrees clockwise "
                      "in its image; read turned upright")
    candidate.page = page
    return candidate, new


def _prepare(page: Page, scratch: Path, *, rotation: int = 0) -> _Prepared:
    """Decode the page, turned upright by `rotation`; make it ready for Tesseract (_make_ready)."""
    return _make_ready(_decode(page, rotation=rotation), scratch)


def _decode(page: Page, *, rotation: int = 0) -> _Decoded:
    """The page decoded, turned upright by `rotation`; its size noted in `page`."""
    image, direct_path = sources.load_image(page.source)
    dpi = sources.resolution(image)
    if rotation:
        image = orientation.turn(image, (360 - rotation) % 360)
        direct_path = None
    page.width, page.height = image.size
    return _Decoded(page, image, direct_path, dpi, mostly_dark(image))


def _make_ready(decoded: _Decoded, scratch: Path) -> _Prepared:
    """The page for Tesseract: the strokes at its edges erased, its redactions blanked.

    Written into `scratch` if either changed it or its file cannot be read as it is.
    """
    from pipeline import redactions, strike

    page, image, direct_path = decoded.page, decoded.image, decoded.direct_path
    dpi, negative = decoded.dpi, decoded.negative
    found = edge_strokes(image)
    strokes = [box for box, _ in found]
    # Tesseract often reads nothing under a pen stroke: erase it, OCR, then flag the words
    # the stroke ran through. A marker's heavy stroke is left: erasing it takes the letters
    # with it, and Tesseract reads large stamped letters through it.
    pen = [box for box, inches in found if inches <= strike.PEN_MAX_INCHES]
    boxes = redactions.find_redactions(image)
    if boxes:
        image = redactions.blank(image, boxes)
        direct_path = None
    if pen:
        image = erase_strokes(image, pen)
    elif direct_path is not None:
        return _Prepared(page, direct_path, strokes, dpi, negative=negative)
    # An uncompressed TIFF is written in milliseconds (a PNG takes ~0.2 s a page) and costs
    # Tesseract least to read: of a typed one-bit page, 0.15% fewer instructions than the
    # PNG and 0.8% fewer than a PNM (callgrind). Tesseract is told the resolution (--dpi).
    try:
        image.save(scratch, format="TIFF")
    except OSError as e:
        raise OcrFailed(f"cannot write the page for Tesseract in {scratch.parent}: "
                        f"{e.strerror or e}") from e
    return _Prepared(page, str(scratch), strokes, dpi, boxes, negative)


DARK_PAGE = 0.5  # a page with more of its pixels dark than this is a negative


def mostly_dark(image: Image.Image) -> bool:
    """More than half the page is dark: a photographic negative, its text white on black."""
    cut = 128  # a 1-bit page: 0 is ink, 255 paper
    if image.mode == "1" and min(image.size) >= 16:
        # every fourth pixel each way tells as well, six times sooner (4.7 ms a page, 0.7)
        image = image.resize((image.width // 4, image.height // 4), Image.Resampling.NEAREST)
    elif image.mode != "1":
        from pipeline import strike

        grey = image if image.mode == "L" else image.convert("L")
        # a quarter of the size tells as well, sixteen times sooner
        image = grey.reduce(4) if min(grey.size) >= 16 else grey
        cut = strike.ink_threshold(image)  # the ink and paper of this page, as elsewhere
    counts = image.histogram()[:256]
    total = sum(counts)
    return total > 0 and sum(counts[:cut]) > DARK_PAGE * total


def _alone(
    prepared: _Prepared, *, lang: str, timeout: float | None, renderers: frozenset[str]
) -> tesseract.Reading | None:
    """The page OCR'd in a run of its own; None (and the page failed) if that fails too."""
    try:
        return tesseract.read(prepared.path, lang=lang, timeout=timeout, dpi=prepared.dpi,
                              renderers=renderers, negative=prepared.negative)
    except OcrFailed as e:
        _failed(prepared.page, e.message)
        return None


def _failed(page: Page, message: str) -> None:
    page.error = message
    log.warning("%s page %d: %s", page.source.path, page.source.index + 1, message)


COLUMN_GAP = 0.04  # a gap between words wider than this share of the page splits a line


def split_columns(lines: list[Line], page_width: int) -> list[Line]:
    """Split lines that Tesseract ran across two columns or a text and a stamp beside it.

    "Washington, D.C. 20520 — DECLASSIFIED" is two things side by side; a gap of a third of an
    inch between words never occurs inside typed running text.
    """
    result: list[Line] = []
    for line in lines:
        parts: list[list[Word]] = [[]]
        for word in line.words:
            before = parts[-1][-1] if parts[-1] else None
            if (
                before is not None
                and before.box is not None
                and word.box is not None
                and word.box.x0 - before.box.x1 > COLUMN_GAP * page_width
            ):
                parts.append([])
            parts[-1].append(word)
        # A speck or dash alone in the gap is not a column of its own.
        merged: list[list[Word]] = []
        for part in parts:
            if merged and not any(c.isalnum() for w in part for c in w.text):
                merged[-1].extend(part)
            elif merged and not any(c.isalnum() for w in merged[-1] for c in w.text):
                merged[-1].extend(part)
            else:
                merged.append(part)
        parts = merged
        if len(parts) == 1:
            result.append(line)
            continue
        result.extend(Line(tuple(part), words_box(part), line.block) for part in parts)
    return result


FURNITURE_BAND = 0.14  # the top and bottom 14% of a page: where furniture stands


def reading_order(lines: list[Line], page_height: int) -> list[Line]:
    """Tesseract's order, except for small blocks at the top that it read after the text.

    Tesseract reads a small block on its own (a folio, a page number, a stamp) after the
    text, wherever it stands: "34" at the top right came after the bottom marking. A block of
    at most two lines wholly in the top band of the page, with only furniture-band blocks
    after it, goes back up before the first block that stands below it. Everything else keeps
    Tesseract's order, which knows columns and headers better than positions do.
    """
    if not page_height:
        return lines
    top, bottom = FURNITURE_BAND * page_height, (1 - FURNITURE_BAND) * page_height
    groups: list[list[Line]] = []
    for line in lines:
        if groups and groups[-1][0].block == line.block:
            groups[-1].append(line)
        else:
            groups.append([line])

    def middle(group: list[Line]) -> float | None:
        boxes = [line.box for line in group]
        if any(b is None for b in boxes):
            return None
        return sum((b.y0 + b.y1) / 2 for b in boxes if b is not None) / len(boxes)

    middles = [middle(g) for g in groups]
    in_band = [m is not None and (m < top or m > bottom) for m in middles]
    order = list(range(len(groups)))
    for k in range(len(groups) - 1, 0, -1):
        if not in_band[k]:
            break  # body text: blocks before it were read in place
        m = middles[k]
        if m is None or m >= top or len(groups[k]) > 2:
            continue
        position = order.index(k)
        target = next((i for i, g in enumerate(order[:position])
                       if (other := middles[g]) is None or other > m), position)
        order.insert(target, order.pop(position))
    return [line for g in order for line in groups[g]]


EDGE_BAND = 0.22  # classification markings sit in the top and bottom fifth of a page


def edge_strokes(image: Image.Image) -> list[tuple[Box, float]]:
    """Hand-drawn strokes through text near the top and bottom edges of the page.

    Each with its thickness in inches.
    """
    from pipeline import strike

    width, height = image.size
    band = int(height * EDGE_BAND)
    return strike.find_strokes(image, Box(0, 0, width, band)) + strike.find_strokes(
        image, Box(0, height - band, width, height)
    )


def erase_strokes(image: Image.Image, strokes: list[Box]) -> Image.Image:
    """A copy of the page with the strokes removed (letters under them kept).

    A one-bit page stays one bit (the same page as greyscale costs Tesseract 2.9% more
    instructions, its thresholding: callgrind, uncompressed TIFF), erased in place without a
    greyscale copy of the whole page; any other page comes back greyscale.
    """
    from pipeline import strike

    one_bit = image.mode == "1"
    cleaned = image.copy() if one_bit else image.convert("L")
    for stroke in strokes:
        pad_y = max(stroke.height * 4, image.height // 100)
        pad_x = image.width // 100
        region = Box(
            max(0, stroke.x0 - pad_x),
            max(0, stroke.y0 - pad_y),
            min(image.width, stroke.x1 + pad_x),
            min(image.height, stroke.y1 + pad_y),
        )
        erased = strike.remove_strokes(image, region)  # black on white: 0 and 255 only
        if one_bit:
            erased = erased.convert("1", dither=Image.Dither.NONE)
        cleaned.paste(erased, (region.x0, region.y0))
    return cleaned


def flag_struck(lines: list[Line], strokes: list[Box]) -> list[Line]:
    """Mark the words a stroke runs through (through the middle, over most of their width)."""
    result = []
    for line in lines:
        words = tuple(
            replace(word, struck=True) if _crossed(word.box, strokes) else word
            for word in line.words
        )
        result.append(replace(line, words=words))
    return result


CROSSED_BAND = 0.2  # a stroke through a word passes this far inside its box, top and bottom


def _crossed(box: Box | None, strokes: list[Box]) -> bool:
    """A stroke runs through the word's middle, over most of its width.

    A stamp set over a struck marking to replace it ("UNCLASSIFIED" across "SECRET") is
    touched by the stroke near its top or bottom edge, not through its middle: not struck.
    """
    if box is None:
        return False
    margin = CROSSED_BAND * box.height
    for stroke in strokes:
        middle = (stroke.y0 + stroke.y1) / 2
        overlap = min(box.x1, stroke.x1) - max(box.x0, stroke.x0)
        if box.y0 + margin <= middle <= box.y1 - margin and overlap >= 0.5 * box.width:
            return True
    return False
