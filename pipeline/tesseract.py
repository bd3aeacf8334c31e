"""The one module that runs Tesseract: version check, word-level OCR, errors turned into ours."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING

from pipeline.exceptions import (
    Interrupted,
    MissingDependency,
    OcrFailed,
    TesseractNotFound,
    UsageError,
)
from pipeline.model import Box, Line, Word, words_box

if TYPE_CHECKING:
    from lxml import etree

log = logging.getLogger(__name__)

MIN_VERSION = (4, 1)
_scratch: str | None = None  # where Tesseract's temporary files go (the run's folder)
_ended_by: str | None = None  # the signal that ends the batch: no Tesseract run starts after it


def end_runs(signal_name: str | None) -> None:
    """From now on no Tesseract run starts in this process: the batch ends on `signal_name`.

    A thread that was about to start one (the driver's, reading the first pages) would
    otherwise start it after the runs were stopped, and the batch would wait for it. Runs
    stopped from now on end in Interrupted, not in a page's failure (read again alone).
    None lets runs start again (the next batch of a library user).
    """
    global _ended_by
    _ended_by = signal_name


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
    """Keep Tesseract to one thread.

    Every core already runs a Tesseract of its own; OpenMP threads inside each one only compete
    with the other workers for the same cores (about three times slower a page on 2 cores).
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"


def program() -> str:
    """The Tesseract to run: TESSERACT_CMD if set, else ``tesseract`` on PATH."""
    return os.environ.get("TESSERACT_CMD") or "tesseract"


def _pytesseract() -> ModuleType:
    """pytesseract, pointed at program().

    Imported when first asked (orientation detection), not with this module: it imports
    numpy, some 0.05 s that would otherwise come before the first page's Tesseract could
    start.
    """
    import pytesseract

    pytesseract.pytesseract.tesseract_cmd = program()
    return pytesseract


def check(lang: str) -> str:
    """Fail early, with install advice, if Tesseract or a language is missing; return version."""
    configure()
    cmd = program()
    if shutil.which(cmd) is None and not Path(cmd).is_file():
        raise TesseractNotFound(f"no '{cmd}' on PATH")
    try:
        # The two questions at once: each starts Tesseract, some 15 ms before the first page.
        # Asked here, not through pytesseract: it would import numpy in this thread while the
        # caller makes the first page ready.
        with ThreadPoolExecutor(1) as other:
            listed = other.submit(_ask, cmd, "--list-langs", (0, 1))  # 1: Tesseract 3
            said = _ask(cmd, "--version")
            # one a line, under "List of available languages in ..."
            installed = {line.strip() for line in listed.result().splitlines()[1:]}
    except OSError as e:
        raise TesseractNotFound(_one_line(e)) from e
    except subprocess.CalledProcessError as e:  # a broken install crashes
        raise MissingDependency(f"tesseract does not run properly: {e.cmd[1]} ended with exit "
                                f"{e.returncode}: {_one_line(e.output)}") from e
    except subprocess.TimeoutExpired as e:  # or hangs
        raise MissingDependency(f"tesseract does not run properly: no answer to {e.cmd[1]} in "
                                f"{QUESTION_SECONDS} s") from e
    found = TESSERACT_VERSION.search(said)
    if found is None:  # or prints garbage
        raise MissingDependency(f"tesseract does not run properly: it says its version is "
                                f"{_one_line(said)!r}")
    version = found.group(1)
    major, minor = (int(part) for part in version.split(".")[:2])
    if (major, minor) < MIN_VERSION:
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
    return version


# "tesseract 5.3.0", "tesseract v4.1.1-rc2-22-g3cc0" (then its libraries' versions)
TESSERACT_VERSION = re.compile(r"^tesseract\s+v?(\d+\.\d+(?:\.\d+)?)", re.MULTILINE | re.IGNORECASE)
QUESTION_SECONDS = 60  # a Tesseract that takes longer to say its version is broken


def _ask(cmd: str, question: str, success: tuple[int, ...] = (0,)) -> str:
    """Tesseract's answer (standard output and error) to a question like ``--version``."""
    answer = subprocess.run([cmd, question], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=QUESTION_SECONDS)
    text = answer.stdout.decode(errors="replace")
    if answer.returncode not in success:
        raise subprocess.CalledProcessError(answer.returncode, [cmd, question], text)
    return text


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
    dpi: float | None = None, renderers: frozenset[str] = frozenset(), negative: bool = False,
) -> Reading:
    """OCR one page image file: its lines, and what `renderers` ask for (alto, hocr, pdf).

    `dpi` is the scan's resolution, told to Tesseract: a file without one makes it guess from
    the text size ("Estimating resolution as 409" on a 300 dpi page) and read the page worse.
    `negative`: the page is mostly dark, its text may be white on black (see _config).
    """
    running = Running(lang=lang, timeout=timeout, config=_config(psm, dpi, negative),
                      renderers=renderers)
    running.give([image])
    return running.readings()[0]


def start_pages(
    images: Sequence[str], *, lang: str, timeout: float | None, dpi: float | None = None,
    renderers: frozenset[str] = frozenset(), negative: bool = False,
) -> Running:
    """Start reading page image files in one Tesseract run; `readings()` waits for it.

    Tesseract takes about 0.1 s to load its models, some 4% of a typed page: one run over a
    list of files pays it once (each page reads word for word as it does alone). The run is
    given `timeout` seconds per page. Meanwhile this process is free: a worker builds what
    it needs after the OCR while Tesseract reads. `readings()` raises OcrFailed for the run as
    a whole: the caller reads the pages one by one to learn which one fails.
    """
    running = start(lang=lang, timeout=timeout, dpi=dpi, renderers=renderers,
                    negative=negative)
    running.give(images)
    return running


def start(
    *, lang: str, timeout: float | None, dpi: float | None = None,
    renderers: frozenset[str] = frozenset(), negative: bool = False,
) -> Running:
    """A Tesseract run started before its pages are ready: `give()` hands it their files.

    Tesseract loads its models first (some 0.08 s), then waits for the list of files: the
    caller makes the pages ready meanwhile, on another core, and the run reads them as soon
    as they are given.
    """
    return Running(lang=lang, timeout=timeout, config=_config(None, dpi, negative),
                   renderers=renderers)


class Running:
    """A Tesseract process reading a list of image files into a folder of its own.

    Started at once, with no page: Tesseract reads the list of files from its standard input
    (`give`), where "stdin" stands for the image (a list of files, not an image, is read file
    by file, as a list in a file is). `readings()` waits for it and parses what it wrote: the
    ALTO always (the words are read from it), and from the same run what else `renderers`
    ask for (the ALTO is kept as a sidecar only if they ask for it). Failures are OcrFailed
    (TesseractNotFound when the program is missing), raised by `readings()`, never by the
    start; the folder is removed either way.
    """

    def __init__(
        self, *, lang: str, timeout: float | None, config: str,
        renderers: frozenset[str] = frozenset(),
    ) -> None:
        self.count = 0
        self.renderers = renderers
        self._timeout = timeout  # per page
        self._folder = tempfile.mkdtemp(prefix="tei-pipeline-", dir=_scratch)
        self._base = str(Path(self._folder) / "out")
        self._process: subprocess.Popen | None = None
        self._error: OcrFailed | TesseractNotFound | Interrupted | None = None
        if _ended_by is not None:
            self._give_up(Interrupted(_ended_by))
            return
        command = [program(), "stdin", self._base, "-l", lang]
        # The words are read from the ALTO, wanted or not: a second table of them (TSV) cost
        # Tesseract 1.4% more (instructions counted with callgrind on a typed page).
        for name in ("alto", *sorted(renderers & RENDERERS - {"alto"})):
            command += ["-c", f"tessedit_create_{name}=1"]
        command += config.split()
        log.debug("%s", command)
        try:
            with Path(f"{self._base}.err").open("wb") as errors:
                self._process = subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                    stderr=errors)
        except FileNotFoundError:
            self._give_up(TesseractNotFound())
        except OSError as e:
            self._give_up(OcrFailed(f"tesseract could not be started: {_one_line(e)}"))
            return
        if _ended_by is not None:  # the batch ended while it started: the stop may have missed it
            self.stop()
            self._error = Interrupted(_ended_by)

    @property
    def timeout(self) -> float | None:
        """The run's time limit: the page's timeout for each page given."""
        return self._timeout and self._timeout * self.count

    def give(self, images: Sequence[str]) -> None:
        """The page image files to read, in order: the run reads them once its models are in."""
        self.count = len(images)
        if self._error is not None or self._process is None:
            return
        if _ended_by is not None:
            self.stop()
            self._error = Interrupted(_ended_by)
            return
        try:
            listed = "".join(f"{self._listable(n, i)}\n" for n, i in enumerate(images)).encode()
        except OSError as e:
            self.stop()
            self._error = OcrFailed(f"cannot list the page file for Tesseract: {_one_line(e)}")
            return
        stdin = self._process.stdin
        assert stdin is not None
        if len(listed) <= PIPE_ROOM:
            _feed(stdin, listed)
        else:  # a list the pipe cannot hold waits for Tesseract to read it: not this thread,
            # which goes on to wait for the run with its time limit
            threading.Thread(target=_feed, args=(stdin, listed), daemon=True).start()

    def _listable(self, n: int, image: str) -> str:
        """The file's absolute path for the list: a line of its own, so without line breaks.

        A name that holds one is given by a link in the run's folder.
        """
        path = str(Path(image).resolve())
        if "\n" not in path and "\r" not in path:
            return path
        link = Path(self._folder).absolute() / f"page-{n}"
        link.symlink_to(path)
        return str(link)

    def _give_up(self, error: OcrFailed | TesseractNotFound | Interrupted) -> None:
        """Not started: `readings()` raises `error`."""
        self._error = error
        shutil.rmtree(self._folder, ignore_errors=True)

    def stop(self) -> None:
        """End the run unread (its reader gave up): the process stopped, its folder removed."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            with contextlib.suppress(OSError):
                if self._process.stdin is not None:
                    self._process.stdin.close()
        shutil.rmtree(self._folder, ignore_errors=True)

    def readings(self) -> list[Reading]:
        """Wait for the run; the reading of each page, in order."""
        # lxml, for the ALTO: imported while Tesseract reads (worker.warm_up), not before
        from lxml import etree

        from pipeline.sidecars import alto_pages, page_alto, parse_alto, split_hocr, split_pdf

        if self._error is not None:
            raise self._error
        assert self._process is not None and self.count, "give() the run its pages first"
        try:
            alto, hocr, pdf_bytes = self._collect(self._process)
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)
        try:
            root = parse_alto(alto)
        except etree.XMLSyntaxError:
            root = None
        if root is None or etree.QName(root).localname != "alto":
            raise OcrFailed("tesseract wrote output that cannot be read (no ALTO)")
        pages = alto_pages(root)
        if len(pages) != self.count:
            raise OcrFailed(f"tesseract read {len(pages)} of {self.count} pages")
        keep = "alto" in self.renderers
        parts = zip(pages, split_hocr(hocr, self.count), split_pdf(pdf_bytes, self.count),
                    strict=True)
        return [Reading(lines_from_alto(page), page_alto(root, page) if keep else None, h, p)
                for page, h, p in parts]

    def _collect(
        self, process: subprocess.Popen
    ) -> tuple[bytes, bytes | None, bytes | None]:
        """What the run wrote, once it ended; its failure, timeout or interruption raised."""
        try:
            code = _wait(process, self.timeout or None)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise OcrFailed(f"tesseract timed out after {self.timeout:g} s") from None
        except BaseException:  # interrupted: the run ends with this process's wait
            process.kill()
            process.wait()
            raise
        base = self._base
        if _ended_by is not None:  # stopped with the batch: no page's fault
            raise Interrupted(_ended_by)
        if code == -signal.SIGINT:  # Ctrl-C reached Tesseract with the whole batch: no page fault
            raise Interrupted("SIGINT")
        if code != 0:
            errors = (_read_bytes(f"{base}.err") or b"").decode("utf-8", "replace")
            for line in errors.splitlines():
                log.debug("[tesseract] %s", line)
            raise OcrFailed(f"tesseract failed (exit {code}): {_one_line(errors)}"
                            + _unlisted_hint(errors))
        try:
            alto = Path(f"{base}.xml").read_bytes()
        except OSError as e:  # it exited 0 but wrote no result file
            raise OcrFailed(f"tesseract produced no output: {_one_line(e)}") from e
        return alto, _read_bytes(f"{base}.hocr"), _read_bytes(f"{base}.pdf")


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
    if _ended_by is not None:
        raise Interrupted(_ended_by)
    pytesseract = _pytesseract()
    try:
        with _in_scratch():  # its temporary files in the run's folder, as the readings' are
            text = pytesseract.image_to_osd(
                image, config=_config(0, dpi), timeout=timeout or 0
            )
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractNotFound() from e
    except (pytesseract.TesseractError, RuntimeError, OSError, ValueError) as e:
        log.debug("[tesseract] no orientation for %s: %s", image, _one_line(e))
        return None
    turn, confidence = OSD_ROTATE.search(text), OSD_CONFIDENCE.search(text)
    if turn is None or int(turn.group(1)) % 90:
        return None
    return int(turn.group(1)) % 360, float(confidence.group(1)) if confidence else 0.0


def _config(psm: int | None, dpi: float | None, negative: bool = False) -> str:
    """Tesseract's options: page segmentation, resolution, and whether to read negatives.

    Tesseract reads every line it doubts a second time inverted, in case it is white on
    black: 6% of its time on 1-bit typed pages, and on the real and rendered pages measured
    (bench/bench_tesseract_settings.py) not one word of their transcriptions or one name
    more; what it read there was specks in dark patches. Only a page that is mostly dark, a
    photographic negative, is read both ways.
    """
    options = []
    if psm is not None:
        options.append(f"--psm {psm}")
    if dpi is not None and MIN_DPI <= dpi <= MAX_DPI:
        options.append(f"--dpi {round(dpi)}")
    if not negative:
        options.append("-c tessedit_do_invert=0")
    return " ".join(options)


# What the run that reads the words may also write: each costs about 2.4% more Tesseract
# (instructions counted with callgrind on a typed page).
RENDERERS = frozenset({"alto", "hocr", "pdf"})


PIPE_ROOM = 4096  # what a pipe holds on every system Python runs on, written without waiting


def _feed(stdin: IO[bytes], listed: bytes) -> None:
    """Write the list of files to Tesseract's standard input, and close it."""
    try:
        stdin.write(listed)
        stdin.close()
    except (OSError, ValueError):  # it ended before reading them (or was stopped): its exit
        # code and errors say why
        with contextlib.suppress(OSError, ValueError):
            stdin.close()


def _wait(process: subprocess.Popen, timeout: float | None) -> int:
    """The process's exit code once it ends, or TimeoutExpired after `timeout` seconds.

    Popen.wait with a timeout polls, sleeping up to 50 ms between looks: that much of every
    run lost after Tesseract ends. Linux tells the moment a process ends through a pidfd.
    """
    if timeout is None or not hasattr(os, "pidfd_open"):
        return process.wait(timeout)
    try:
        pidfd = os.pidfd_open(process.pid)
    except OSError:  # an older kernel, or the process already reaped
        return process.wait(timeout)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if not poller.poll(timeout * 1000):
            raise subprocess.TimeoutExpired(process.args, timeout)
    finally:
        os.close(pidfd)
    return process.wait()


def _unlisted_hint(errors: str) -> str:
    """What to check when a wrapper (TESSERACT_CMD) gave Tesseract no list of pages.

    Tesseract reads the list from its standard input; given none, it says only "Error
    during processing.".
    """
    cmd = os.environ.get("TESSERACT_CMD")
    if not cmd or errors.strip() != "Error during processing.":
        return ""
    return (f"; TESSERACT_CMD is {cmd}: it must pass its standard input on to Tesseract, "
            "which reads the list of pages there (exec tesseract \"$@\")")


def _read_bytes(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def lines_from_alto(page: etree._Element) -> list[Line]:
    """The lines of one page of Tesseract's ALTO, each with the paragraph it stands in.

    Tesseract writes a ComposedBlock per block of the page, a TextBlock per paragraph, a
    TextLine per line and a String per word; ``Line.block`` numbers the page's paragraphs.
    """
    ns = page.nsmap.get(None) or ""
    text_block, text_line, string = (f"{{{ns}}}{n}" for n in ("TextBlock", "TextLine", "String"))
    lines: list[Line] = []
    for paragraph, block in enumerate(page.iter(text_block)):
        for row in block.iter(text_line):
            words = []
            for s in row.iter(string):
                text = (s.get("CONTENT") or "").strip()
                if not text:
                    continue
                try:
                    x, y = int(s.get("HPOS", "")), int(s.get("VPOS", ""))
                    box = Box(x, y, x + int(s.get("WIDTH", "")), y + int(s.get("HEIGHT", "")))
                except ValueError:
                    box = None
                words.append(Word(text=text, box=box, conf=_confidence(s.get("WC"))))
            if words:
                lines.append(Line(tuple(words), words_box(words), paragraph))
    return lines


def _confidence(wc: str | None) -> float | None:
    """A word's confidence, 0-100, from its ALTO WC.

    Tesseract writes "0." and the confidence as a whole number: 96 is "0.96", but 9 is "0.9"
    and 100 "0.100"; a proper fraction ("0.09", "1.0") reads the same way.
    """
    if not wc:
        return None
    whole, _, digits = wc.partition(".")
    if whole == "0" and digits.isdigit() and len(digits) <= 3:
        return float(min(int(digits), 100))
    try:
        return max(0.0, min(100.0, float(wc) * 100))
    except ValueError:
        return None


def _one_line(message: object) -> str:
    text = " ".join(str(message).split())
    return text[:300] or "no message"
