"""The one module that runs Tesseract: version check, word-level OCR, errors turned into ours."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from pytesseract import TesseractError, TesseractNotFoundError

from pipeline.exceptions import MissingDependency, OcrFailed, TesseractNotFound, UsageError
from pipeline.model import Box, Line, Word
from pipeline.sidecars import split_alto, split_hocr, split_pdf

log = logging.getLogger(__name__)

MIN_VERSION = (4, 1)
_scratch: str | None = None  # where Tesseract's temporary files go (the run's folder)


def use_scratch(folder: str | None) -> None:
    """Put Tesseract's temporary files in `folder` (None: the system's temporary folder).

    The run removes the folder when it ends, however it ends: a Tesseract stopped by a signal
    leaves nothing behind. Only the calls that run Tesseract use it, not the whole process
    (multiprocessing keeps its fork server's socket in the temporary folder of its start).
    """
    global _scratch
    _scratch = folder


def scratch() -> str | None:
    """The folder given to use_scratch, for other temporary files of a page (None: the system's)."""
    return _scratch


@contextlib.contextmanager
def _in_scratch() -> Iterator[None]:
    """tempfile's folder is the scratch folder while pytesseract makes its files."""
    if _scratch is None:
        yield
        return
    before = tempfile.tempdir
    tempfile.tempdir = _scratch
    try:
        yield
    finally:
        tempfile.tempdir = before


def configure() -> None:
    """Point pytesseract at TESSERACT_CMD if set, and keep Tesseract to one thread.

    Every core already runs a Tesseract of its own; OpenMP threads inside each one only compete
    with the other workers for the same cores (about three times slower a page on 2 cores).
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    cmd = os.environ.get("TESSERACT_CMD")
    if cmd:
        pytesseract.pytesseract.tesseract_cmd = cmd


def check(lang: str) -> str:
    """Fail early, with install advice, if Tesseract or a language is missing; return version."""
    configure()
    cmd = pytesseract.pytesseract.tesseract_cmd
    if shutil.which(cmd) is None and not Path(cmd).is_file():
        raise TesseractNotFound(f"no '{cmd}' on PATH")
    try:
        version = pytesseract.get_tesseract_version()
        installed = set(pytesseract.get_languages(config=""))
    except (TesseractNotFoundError, OSError) as e:
        raise TesseractNotFound(str(e).strip() or type(e).__name__) from e
    except (TesseractError, Exception) as e:  # a broken install prints garbage or crashes
        raise MissingDependency(f"tesseract does not run properly: {_one_line(e)}") from e
    if (version.major, version.minor) < MIN_VERSION:
        raise MissingDependency(
            f"tesseract {version} is too old; install 4.1 or newer (apt-get install tesseract-ocr)"
        )
    missing = [code for code in lang.split("+") if code not in installed]
    if missing:
        pkgs = " ".join(f"tesseract-ocr-{m.replace('_', '-').lower()}" for m in missing)
        raise UsageError(
            f"Tesseract language data not installed: {', '.join(missing)}; "
            f"install it with 'apt-get install -y {pkgs}'"
        )
    return str(version)


MIN_DPI, MAX_DPI = 70, 2400  # what Tesseract accepts; outside it, it estimates the resolution


@dataclass
class Reading:
    """What one Tesseract run says of a page: its lines, and the same as ALTO and hOCR."""

    lines: list[Line]
    alto: bytes | None = None
    hocr: bytes | None = None
    pdf: bytes | None = None  # the page as a searchable PDF (its image, the text invisible)


def read(
    image: str, *, lang: str, timeout: float | None, psm: int | None = None,
    dpi: float | None = None, renderers: frozenset[str] = frozenset(),
) -> Reading:
    """OCR one page image file: its lines, and what `renderers` ask for (alto, hocr, pdf).

    `dpi` is the scan's resolution. A PNM carries none, and Tesseract then guesses one from the
    text size ("Estimating resolution as 409" on a 300 dpi page) and reads the page worse.
    """
    data, alto, hocr, pdf_bytes = _outputs(image, lang=lang, timeout=timeout,
                                           config=_config(psm, dpi), renderers=renderers)
    return Reading(_parsed(data, 1)[0], alto, hocr, split_pdf(pdf_bytes, 1)[0])


def read_pages(
    images: Sequence[str], *, lang: str, timeout: float | None, dpi: float | None = None,
    renderers: frozenset[str] = frozenset(),
) -> list[Reading]:
    """OCR several page image files in one Tesseract run; the reading of each, in order.

    Tesseract takes about 0.1 s to load its models, some 4% of a typed page: one run over a
    list of files pays it once (each page reads word for word as it does alone). The run is
    given `timeout` seconds per page. Raises OcrFailed for the run as a whole: the caller
    reads the pages one by one to learn which one fails.
    """
    if len(images) == 1 or any("\n" in i or "\r" in i for i in images):
        return [read(i, lang=lang, timeout=timeout, dpi=dpi, renderers=renderers)
                for i in images]
    with tempfile.TemporaryDirectory(prefix="tei-pipeline-", dir=_scratch) as tmp:
        # Tesseract reads a file that is no image as a list of image files
        listing = Path(tmp) / "pages.txt"
        listing.write_text("".join(f"{Path(i).resolve()}\n" for i in images), encoding="utf-8")
        data, alto, hocr, pdf_bytes = _outputs(
            str(listing), lang=lang, timeout=timeout and timeout * len(images),
            config=_config(None, dpi), renderers=renderers)
    parts = zip(_parsed(data, len(images)), split_alto(alto, len(images)),
                split_hocr(hocr, len(images)), split_pdf(pdf_bytes, len(images)), strict=True)
    return [Reading(lines, a, h, p) for lines, a, h, p in parts]


OSD_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.MULTILINE)
OSD_CONFIDENCE = re.compile(r"^Orientation confidence:\s*([\d.]+)", re.MULTILINE)


def orientation(
    image: str, *, timeout: float | None, dpi: float | None = None
) -> tuple[int, float] | None:
    """Tesseract's orientation detection (``--psm 0``) of one page image file.

    Returns the clockwise turn (0, 90, 180, 270) that makes the page upright, and Tesseract's
    confidence in it (under 2 is a guess); None when it cannot tell (too few letters, no
    ``osd`` language data). It costs about 0.6 s a page, a third of reading a typed page: the
    caller asks only about pages that a first look finds not upright.
    """
    try:
        with _in_scratch():  # its temporary files in the run's folder, as the readings' are
            text = pytesseract.image_to_osd(
                image, config=_config(0, dpi), timeout=timeout or 0
            )
    except TesseractNotFoundError as e:
        raise TesseractNotFound() from e
    except (TesseractError, RuntimeError, OSError, ValueError) as e:
        log.debug("[tesseract] no orientation for %s: %s", image, _one_line(e))
        return None
    turn, confidence = OSD_ROTATE.search(text), OSD_CONFIDENCE.search(text)
    if turn is None or int(turn.group(1)) % 90:
        return None
    return int(turn.group(1)) % 360, float(confidence.group(1)) if confidence else 0.0


def _parsed(data: dict[str, list], count: int) -> list[list[Line]]:
    """The lines of each of the `count` pages of Tesseract's word table (column page_num)."""
    try:
        if count == 1:  # a table of one page may hold no row at all
            return [lines_from_data(data)]
        rows = [int(n) for n in data.get("page_num", [])] if data else []
        starts = [n for n in range(len(rows)) if n == 0 or rows[n] != rows[n - 1]]
        if [rows[n] for n in starts] != list(range(1, count + 1)):
            raise OcrFailed(f"tesseract read {len(set(rows))} of {count} pages")
        return [
            lines_from_data({key: column[first:last] for key, column in data.items()})
            for first, last in zip(starts, [*starts[1:], len(rows)])
        ]
    except (ValueError, KeyError, IndexError) as e:
        raise OcrFailed(f"tesseract printed output that cannot be read: {_one_line(e)}") from e


def _config(psm: int | None, dpi: float | None) -> str:
    options = []
    if psm is not None:
        options.append(f"--psm {psm}")
    if dpi is not None and MIN_DPI <= dpi <= MAX_DPI:
        options.append(f"--dpi {round(dpi)}")
    return " ".join(options)


# What the run that reads the words may also write: each costs about 2.4% more Tesseract
# (instructions counted with callgrind on a typed page).
RENDERERS = frozenset({"alto", "hocr", "pdf"})


def _outputs(
    image: str, *, lang: str, timeout: float | None, config: str,
    renderers: frozenset[str] = frozenset(),
) -> tuple[dict[str, list], bytes | None, bytes | None, bytes | None]:
    """Tesseract's word table (TSV) of `image`, and its ALTO and hOCR from the same run.

    Failures are OcrFailed; an ALTO or hOCR that did not come is None (the words are what
    counts).
    """
    with tempfile.TemporaryDirectory(prefix="tei-pipeline-", dir=_scratch) as tmp:
        base = str(Path(tmp) / "out")
        with _tesseract_errors(timeout):
            pytesseract.pytesseract.run_tesseract(
                image, base, extension="tsv", lang=lang,
                config=" ".join([
                    "-c tessedit_create_tsv=1",
                    *(f"-c tessedit_create_{name}=1" for name in sorted(renderers & RENDERERS)),
                    config,
                ]).strip(),
                timeout=timeout or 0,
            )
            data = pytesseract.pytesseract.file_to_dict(
                Path(f"{base}.tsv").read_text(encoding="utf-8", errors="replace"), "\t", -1
            )
        return (data, _read_bytes(f"{base}.xml"), _read_bytes(f"{base}.hocr"),
                _read_bytes(f"{base}.pdf"))


def _read_bytes(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


@contextlib.contextmanager
def _tesseract_errors(timeout: float | None) -> Iterator[None]:
    """Tesseract's failures as OcrFailed (or TesseractNotFound), its stderr logged."""
    try:
        with _in_scratch():
            yield
    except TesseractNotFoundError as e:
        raise TesseractNotFound() from e
    except TesseractError as e:
        for line in str(e.message).splitlines():
            log.debug("[tesseract] %s", line)
        raise OcrFailed(f"tesseract failed (exit {e.status}): {_one_line(e.message)}") from e
    except RuntimeError as e:  # pytesseract's way of saying the timeout expired
        if "timeout" in str(e).lower():
            raise OcrFailed(f"tesseract timed out after {timeout:g} s") from e
        raise OcrFailed(f"tesseract failed: {_one_line(e)}") from e
    except (ValueError, KeyError, IndexError) as e:  # unparsable output
        raise OcrFailed(f"tesseract printed output that cannot be read: {_one_line(e)}") from e
    except OSError as e:  # it exited 0 but wrote no result file
        raise OcrFailed(f"tesseract produced no output: {_one_line(e)}") from e


def lines_from_data(data: Mapping[str, Sequence]) -> list[Line]:
    """Group Tesseract's word rows (level 5) into lines, keeping block/paragraph as a hint."""
    lines: list[Line] = []
    paragraphs: dict[tuple[int, int], int] = {}
    current_key: tuple[int, int, int] | None = None
    words: list[Word] = []
    block_of_line = 0
    if not data:  # only a header: pytesseract's dict of a page without a single row
        return lines

    def flush() -> None:
        if words:
            box = words[0].box
            for w in words[1:]:
                box = box.union(w.box) if box and w.box else box
            lines.append(Line(tuple(words), box, block_of_line))

    for i, level in enumerate(data["level"]):
        if int(level) != 5:
            continue
        text = str(data["text"][i]).strip()
        if not text:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        if key != current_key:
            flush()
            words = []
            current_key = key
            block_of_line = paragraphs.setdefault(key[:2], len(paragraphs))
        left, top = int(data["left"][i]), int(data["top"][i])
        box = Box(left, top, left + int(data["width"][i]), top + int(data["height"][i]))
        conf = float(data["conf"][i])
        words.append(Word(text=text, box=box, conf=conf if conf >= 0 else None))
    flush()
    return lines


def _one_line(message: object) -> str:
    text = " ".join(str(message).split())
    return text[:300] or "no message"
