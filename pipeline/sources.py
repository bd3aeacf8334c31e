"""Find the documents in the inputs and read their pages: images, TIFF frames, PDF pages, text."""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import os
import re
import stat
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageOps

from pipeline.exceptions import InputError, UsageError
from pipeline.model import InputKind, Line, Page, PageSource, Word

if TYPE_CHECKING:
    import pypdfium2

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
TIFF_SUFFIXES = {".tif", ".tiff"}
PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt"}
PDF_DPI = 300
# Letter at 600 dpi is 34 Mpx; anything past this is a decompression bomb, not a scan.
MAX_PIXELS = 150_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pages a document may have (a PDF of 723 bytes can claim a million).
MAX_PAGES = 100_000
# Image files that may hold several frames, each a page.
MULTIFRAME_SUFFIXES = {".tif", ".tiff", ".png"}
# Folders below an input folder that are read; deeper ones are skipped and reported.
MAX_DEPTH = 32
# Tesseract reads these straight from disk; anything else is normalised through Pillow first.
TESSERACT_READY_MODES = {"1", "L", "RGB"}


@dataclass
class DocumentSource:
    """One document to make: where it comes from, its pages, and where it goes."""

    id: str  # output path relative to OUTDIR, without ".xml", POSIX separators
    kind: InputKind
    path: Path  # the file, or the folder of page images
    pages: list[PageSource] = field(default_factory=list)
    error: str | None = None  # why it cannot be processed at all (found at discovery)

    @property
    def files(self) -> list[str]:
        """The input files; the file itself for an image that could not be opened."""
        if self.kind is InputKind.images and self.pages:
            return sorted({p.path for p in self.pages}, key=natural_key)
        return [str(self.path)]

    @property
    def shown_files(self) -> list[str]:
        """The input files as text that JSON and XML can hold (see `shown`)."""
        return [shown(f) for f in self.files]

    @property
    def output_name(self) -> str:
        return f"{self.id}.xml"


@dataclass(frozen=True)
class Skipped:
    """An input file that is not a document (unknown type, link out of the tree)."""

    path: str
    reason: str


def shown(path: str) -> str:
    r"""A path as text: bytes of a file name that are not UTF-8 as ``\xff`` escapes.

    Python keeps such bytes as lone surrogates, which no UTF-8 file (the report, the TEI)
    can hold; the file is still opened by its real name.
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def natural_key(text: str) -> list[object]:
    """Sort key putting page-2 before page-10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def discover(
    inputs: Sequence[Path], *, follow_symlinks: bool = False
) -> tuple[list[DocumentSource], list[Skipped]]:
    """Turn the command line's files and folders into documents, in a stable order."""
    documents: list[DocumentSource] = []
    skipped: list[Skipped] = []
    visited: dict[tuple[int, int], str] = {}  # folders read so far: a link loop is read once
    for given in inputs:
        if not given.exists():
            raise UsageError(f"{given}: no such file or folder")
        if given.is_dir():
            _walk(given, given, documents, skipped, follow_symlinks, visited, named=True)
        else:
            documents.append(_file_document(given, PurePosixPath(given.name)))
    _make_ids_unique(documents)
    return documents, skipped


def _walk(
    top: Path,
    root: Path,
    documents: list[DocumentSource],
    skipped: list[Skipped],
    follow_symlinks: bool,
    visited: dict[tuple[int, int], str],
    *,
    named: bool,
) -> None:
    """Read a folder tree depth first, in natural order, without recursion.

    Folders more than MAX_DEPTH levels below the input named are skipped (reported): a tree
    that deep is a mistake or a trap, and no path the output folder can hold.
    """
    stack: list[tuple[Path, int]] = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > MAX_DEPTH:
            skipped.append(Skipped(str(folder), f"folder more than {MAX_DEPTH} levels deep "
                                                f"below {root}; not read"))
            continue
        subfolders = _read_folder(folder, root, documents, skipped, follow_symlinks, visited,
                                  named=named and depth == 0)
        stack.extend((sub, depth + 1) for sub in reversed(subfolders))


def _read_folder(
    folder: Path,
    root: Path,
    documents: list[DocumentSource],
    skipped: list[Skipped],
    follow_symlinks: bool,
    visited: dict[tuple[int, int], str],
    *,
    named: bool,
) -> list[Path]:
    """Add the documents of one folder; return its subfolders, in order."""
    try:
        info = folder.stat()
        entries = sorted(folder.iterdir(), key=lambda p: natural_key(p.name))
    except OSError as e:
        skipped.append(Skipped(str(folder), f"cannot list folder: {e.strerror or e}"))
        return []
    key = (info.st_dev, info.st_ino)
    if key in visited:
        reason = f"folder already read as {visited[key]} (a symbolic link to it)"
        skipped.append(Skipped(str(folder), reason))
        return []
    visited[key] = str(folder)
    page_files: list[Path] = []
    subfolders: list[Path] = []
    others: list[Path] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink() and not follow_symlinks and not _inside(entry, root):
                skipped.append(Skipped(
                    str(entry), "symbolic link out of the input folder (use --follow-symlinks)"
                ))
                continue
            if entry.is_dir():
                subfolders.append(entry)
            elif not entry.is_file():
                skipped.append(Skipped(str(entry), "not a regular file"))
            elif entry.suffix.lower() in IMAGE_SUFFIXES and not _is_multiframe(entry):
                page_files.append(entry)
            else:
                others.append(entry)
        except OSError as e:  # a name too long for the system, a file gone meanwhile
            skipped.append(Skipped(str(entry), f"cannot read: {e.strerror or e}"))
    relative = PurePosixPath(folder.relative_to(root).as_posix())
    if page_files:
        # A page folder named on the command line keeps its own name.
        doc_id = PurePosixPath(folder.name) if named else relative
        pages = [PageSource(str(p), 0, InputKind.images) for p in page_files]
        doc = DocumentSource(str(doc_id), InputKind.images, folder, pages)
        if len(pages) > MAX_PAGES:
            doc.error = (f"{len(pages):,} pages, more than the {MAX_PAGES:,} a document may "
                         "have; split the folder")
            doc.pages = []
        documents.append(doc)
    for other in others:
        rel = PurePosixPath(other.relative_to(root).as_posix())
        kind = _kind_of(other)
        if kind is None:
            reason = f"not a page image, PDF or text file ({other.suffix or 'no extension'})"
            skipped.append(Skipped(str(other), reason))
            continue
        documents.append(_file_document(other, rel))
    return subfolders


def _inside(link: Path, root: Path) -> bool:
    try:
        link.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


def _kind_of(path: Path) -> InputKind | None:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return InputKind.text
    if suffix in PDF_SUFFIXES:
        return InputKind.pdf
    if suffix in TIFF_SUFFIXES:
        return InputKind.tiff
    if suffix in IMAGE_SUFFIXES:
        return InputKind.images
    return None


def _file_document(path: Path, relative: PurePosixPath) -> DocumentSource:
    doc_id = str(relative.with_suffix("")) if relative.suffix else str(relative)
    kind = _kind_of(path)
    if kind is None:
        return DocumentSource(
            doc_id, InputKind.text, path,
            error=f"not a page image, PDF or text file ({path.suffix or 'no extension'})",
        )
    doc = DocumentSource(doc_id, kind, path)
    try:
        if not path.is_file():  # a named pipe would hang the run, a device never end
            raise InputError("not a regular file (a named pipe, device or socket); refused")
        if kind is InputKind.images and _is_multiframe(path):
            doc.kind = kind = InputKind.tiff  # an animated PNG: every frame a page
        count = _count_pages(path, kind)
    except InputError as e:
        doc.error = e.message
        return doc
    except OSError as e:
        doc.error = f"cannot read file: {e.strerror or e}"
        return doc
    except Exception as e:  # a bug, or a library's surprise: this document fails, not the batch
        log.debug("internal error counting the pages of %s", path, exc_info=True)
        doc.error = f"internal error: {type(e).__name__}: {_short(e)}"
        return doc
    doc.pages = [PageSource(str(path), i, kind) for i in range(count)]
    return doc


def _count_pages(path: Path, kind: InputKind) -> int:
    if kind is InputKind.text:
        return 1  # one task reads the whole file; its form feeds make the pages
    if path.stat().st_size == 0:
        raise InputError("empty file (0 bytes)")
    if kind is InputKind.pdf:
        count = _pdf_page_count(path)
    elif kind is InputKind.tiff:
        count, damage = _frames(path)
        if damage is not None:
            # The frames after a damaged one cannot even be counted: one more page stands
            # for them, a gap saying why (never a page silently missing).
            log.warning("%s: frame %d cannot be read (%s); the frames before it are read",
                        path, count + 1, damage)
            count += 1
    else:
        return 1
    if count > MAX_PAGES:
        raise InputError(f"{count:,} pages, more than the {MAX_PAGES:,} a document may have; "
                         "split it")
    return count


def _is_multiframe(path: Path) -> bool:
    """Whether an image file holds more than one frame (a multi-page TIFF, an animated PNG)."""
    if path.suffix.lower() not in MULTIFRAME_SUFFIXES:
        return False
    try:
        count, damage = _frames(path)
    except InputError:  # a bad image is reported when its page is read
        return False
    return count > 1 or damage is not None


@contextlib.contextmanager
def _pillow_warnings() -> Iterator[None]:
    """Pillow's warnings about damaged files stay quiet (the error says it); a bomb raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _frames(path: Path) -> tuple[int, str | None]:
    """How many frames of an image file can be found, and why no more when it is damaged.

    A multi-page TIFF cut short still has its first pages; counting stops at the first frame
    whose header cannot be read (Pillow's n_frames would fail the whole file).
    """
    try:
        with _pillow_warnings(), Image.open(path) as im:
            try:
                return max(1, int(getattr(im, "n_frames", 1))), None
            except Exception:  # noqa: BLE001 (damaged: count the frames one by one)
                pass
            count = 1
            while count <= MAX_PAGES:
                try:
                    im.seek(count)
                except EOFError:
                    return count, None
                except Exception as e:  # noqa: BLE001 (Pillow raises anything on damage)
                    return count, _short(e)
                count += 1
            return count, None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(_bomb_message(e)) from e
    except Exception as e:  # noqa: BLE001
        raise InputError(f"cannot read image: {_short(e)}") from e


# Written by the driver at the top of OUTDIR; no document's output may need them as folders.
RESERVED_NAMES = {"report.json", "corrections.csv"}


def _make_ids_unique(documents: list[DocumentSource]) -> None:
    """Two inputs that would write the same file keep their extension, then get a number.

    The same goes for a document whose file would be a folder that another document's output
    needs (``a.txt`` writes ``a.xml``, a folder ``a.xml/`` of memos needs ``a.xml/``), and a
    folder named like the report files is renamed.
    """
    seen: dict[str, int] = {}
    folders: set[str] = set()
    for doc in documents:
        doc.id = shown(doc.id)  # bytes that are not UTF-8 as escapes: the report holds it
        short = "/".join(_short_name(part) for part in doc.id.split("/"))
        if short != doc.id:
            log.warning("%s: a name in the output path is longer than a file name can be; "
                        "writing %s.xml", doc.path, short)
            doc.id = short
        head, _, rest = doc.id.partition("/")
        if rest and head in RESERVED_NAMES:
            log.warning("%s: folder %s has the name of a report file; writing %s-files/",
                        doc.path, head, head)
            doc.id = f"{head}-files/{rest}"
        seen[doc.id] = seen.get(doc.id, 0) + 1
        folders.update(str(p) for p in PurePosixPath(doc.id).parents)
    taken: set[str] = set()
    for doc in documents:
        candidate = doc.id
        if (seen[doc.id] > 1 or f"{doc.id}.xml" in folders) and doc.path.is_file():
            candidate = str(PurePosixPath(doc.id).with_name(doc.path.name))
        n = 2
        unique = candidate
        while unique in taken or f"{unique}.xml" in folders:
            unique = f"{candidate}-{n}"
            n += 1
        if unique != doc.id:
            log.warning("%s: output name %s.xml is taken; writing %s.xml", doc.path, doc.id, unique)
        doc.id = unique
        taken.add(unique)


# A file name holds 255 bytes on most file systems; an output name is kept this short, leaving
# room for ".xml", a number that makes it unique, and the temporary file's name.
MAX_NAME_BYTES = 200


def _short_name(name: str) -> str:
    """`name`, or its first part and a hash of the whole when it is too long for a file name."""
    data = name.encode("utf-8", "surrogateescape")
    if len(data) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(data).hexdigest()[:10]
    head = data[: MAX_NAME_BYTES - 11].decode("utf-8", "ignore")  # whole characters only
    return f"{head}-{digest}"


# --- reading pages (runs in the workers) ------------------------------------------------


def load_image(source: PageSource) -> tuple[Image.Image, str | None]:
    """Open one page image; return it decoded, and the file path if Tesseract can read it as is.

    Passing the path saves re-encoding the page for Tesseract; EXIF rotation, 16-bit, CMYK,
    TIFF frames and PDF pages are normalised through Pillow instead.
    """
    path = Path(source.path)
    if source.kind is InputKind.pdf:
        return _render_pdf_page(path, source.index), None
    if path.stat().st_size == 0:
        raise InputError("empty file (0 bytes)")
    try:
        with _pillow_warnings():
            image = Image.open(path)
            if source.index:
                image.seek(source.index)
            width, height = image.size
            if width * height > MAX_PIXELS:  # Pillow checks the first frame only
                raise Image.DecompressionBombError(f"({width * height} pixels)")
            direct = (
                source.kind is InputKind.images
                and image.format in {"PNG", "JPEG", "TIFF"}
                and image.mode in TESSERACT_READY_MODES
                and image.getexif().get(0x0112, 1) == 1  # orientation: as stored
            )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(_bomb_message(e)) from e
    except FileNotFoundError as e:
        raise InputError("file disappeared during the run") from e
    except MemoryError as e:
        raise InputError("image too large to decode in the memory there is") from e
    except Exception as e:  # noqa: BLE001 (Pillow raises anything on a damaged file)
        where = f"frame {source.index + 1}: " if source.index else ""
        raise InputError(f"cannot read image: {where}{_short(e)}") from e
    if direct:
        return image, str(path)
    return _normalise(image), None


def resolution(image: Image.Image) -> float | None:
    """The image's vertical resolution in dots per inch, when it says so."""
    dpi: Any = image.info.get("dpi")
    try:
        value = float(dpi[1])
    except (TypeError, ValueError, IndexError):
        return None
    return value if value > 0 else None


def _bomb_message(error: Exception) -> str:
    """Pillow refused to decode an image past MAX_PIXELS: say so without its jargon."""
    found = re.search(r"\((\d+) pixels\)", str(error))
    size = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
    return (
        f"image of {size} is larger than a page scan can be ({MAX_PIXELS:,} at most); "
        "refused, it could be a decompression bomb"
    )


def _normalise(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")
    elif image.mode not in TESSERACT_READY_MODES:
        image = image.convert("RGB")
    return image


def _pdf_page_count(path: Path) -> int:
    pdf = _open_pdf(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _render_pdf_page(path: Path, index: int) -> Image.Image:
    import pypdfium2 as pdfium

    pdf = _open_pdf(path)
    try:
        page = pdf[index]
        width, height = page.get_size()
        if width * height * (PDF_DPI / 72) ** 2 > MAX_PIXELS:
            raise InputError("PDF page too large to be a page scan, refused")
        _check_pdf_images(page)
        bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
        image = bitmap.to_pil().convert("L")
        image.info["dpi"] = (PDF_DPI, PDF_DPI)
        return image
    except pdfium.PdfiumError as e:
        raise InputError(f"cannot render PDF page: {_short(e)}") from e
    finally:
        pdf.close()


MAX_PAGE_IMAGE_PIXELS = 4 * MAX_PIXELS  # all the images one PDF page draws, together


def _check_pdf_images(page: pypdfium2.PdfPage) -> None:
    """Refuse a page whose images are too large to be decoded, before PDFium decodes them.

    Rendering a page decodes every image it draws at its full size, whatever the size it is
    drawn at: a page of a few kilobytes can draw an image of 46,000 × 46,000 pixels (2 GB).
    The size is read from each image's dictionary (forms and inline images included).
    """
    import pypdfium2.raw as pdfium_c

    total = 0
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        width, height = image.get_px_size()
        pixels = width * height
        if pixels > MAX_PIXELS:
            raise InputError(
                f"PDF page draws an image of {width:,} × {height:,} = {pixels:,} pixels, larger "
                f"than a page scan can be ({MAX_PIXELS:,} at most); refused, it could be a "
                "decompression bomb"
            )
        total += pixels
        if total > MAX_PAGE_IMAGE_PIXELS:
            raise InputError(
                f"PDF page draws images of more than {MAX_PAGE_IMAGE_PIXELS:,} pixels in all; "
                "refused, it could be a decompression bomb"
            )


def _open_pdf(path: Path) -> pypdfium2.PdfDocument:
    import pypdfium2 as pdfium  # imported when needed: most workers never read a PDF

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise InputError(_pdf_problem(path)) from e


# PDFium's load errors (fpdfview.h FPDF_ERR_*): what they mean for the user.
_PDF_ERRORS = {
    1: "cannot read PDF: PDFium failed for an unknown reason",
    2: "cannot read PDF: the file cannot be opened",
    3: "cannot read PDF: not a PDF, or damaged",
    4: "PDF is encrypted; decrypt it first (for example 'qpdf --decrypt in.pdf out.pdf')",
    5: "PDF uses an unsupported security handler; decrypt it first (for example 'qpdf --decrypt')",
}


def _pdf_problem(path: Path) -> str:
    """Why PDFium will not open a PDF, asked afresh.

    pypdfium2 reports PDFium's last error code even when the load itself succeeded and the
    document merely has no pages: then the code is stale, and after an encrypted file an empty
    PDF would be reported as encrypted too.
    """
    import pypdfium2.raw as pdfium_c

    handle = pdfium_c.FPDF_LoadDocument(os.fsencode(path) + b"\0", None)
    if handle:
        try:
            count = pdfium_c.FPDF_GetPageCount(handle)
        finally:
            pdfium_c.FPDF_CloseDocument(handle)
        return "PDF has no pages" if count < 1 else "cannot read PDF"
    code = int(pdfium_c.FPDF_GetLastError())
    return _PDF_ERRORS.get(code, f"cannot read PDF (PDFium error {code})")


# What Pillow says of a file cut short, which differs from one version and format to the next.
TRUNCATED = ("image file is truncated", "buffer is not large enough", "truncated")


def _short(error: BaseException) -> str:
    said = " ".join(str(error).split())[:200] or type(error).__name__
    if any(words in said.lower() for words in TRUNCATED):
        return "image file is truncated"  # the same words for every image library version
    return said


# --- text input --------------------------------------------------------------------------

STRUCK = re.compile(r"~~(.+?)~~")
# Text saved as UTF-16 or UTF-32 starts with a byte-order mark (UTF-32's first: it begins
# with UTF-16's).
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# Characters XML 1.0 forbids; OCR text occasionally carries them.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# Bytes of a text file: some 700,000 typed pages, far past MAX_PAGES; a larger file is refused
# before it is read.
MAX_TEXT_BYTES = 200 * 1024 * 1024


def _read_bounded(path: Path, limit: int) -> bytes:
    """A regular file's bytes, refused if it is larger than `limit` (or not a regular file)."""
    # O_NONBLOCK: a named pipe put in the file's place since discovery does not hang the open.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file (a named pipe, device or socket); refused")
        if info.st_size > limit:
            raise InputError(f"text file of {info.st_size:,} bytes, larger than the "
                             f"{limit:,} a text input may have; split it")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"text file larger than the {limit:,} bytes a text input may have")
    return data


def read_text(path: Path) -> tuple[list[list[Line]], list[str]]:
    """Read an OCR text file: pages split on form feeds, lines of words; return pages, warnings."""
    raw = _read_bounded(path, MAX_TEXT_BYTES)
    notes: list[str] = []
    wide = next((codec for bom, codec in WIDE_BOMS if raw.startswith(bom)), None)
    if wide is not None:
        text = raw.decode(wide, errors="replace")
        if "\ufffd" in text:
            notes.append(f"{wide.upper()} with undecodable bytes, shown as U+FFFD")
    else:
        text, note = _decode_8bit(raw)
        if note:
            notes.append(note)
    if not raw:
        raise InputError("empty file (0 bytes)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, note = _split_long_lines(text)
    if note:
        notes.append(note)
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # Tesseract ends its output with a form feed
    if len(pages) > MAX_PAGES:
        raise InputError(f"{len(pages):,} pages (form feeds), more than the {MAX_PAGES:,} a "
                         "document may have; split it")
    cleaned = [XML_FORBIDDEN.sub(" ", page) for page in pages]
    if cleaned != pages:
        notes.append("characters that XML forbids were replaced by spaces")
    lines = [_text_lines(page) for page in cleaned]
    if not any(lines):  # blank, or nothing but control characters
        raise InputError("empty text file: no words in it")
    return lines, notes


# A valid UTF-8 sequence of two to four bytes: text that has one is UTF-8, whatever else it has.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _decode_8bit(raw: bytes) -> tuple[str, str | None]:
    """Text without a byte-order mark: UTF-8, its bad bytes replaced; or Windows-1252.

    A damaged byte is damage where it stands: a file with UTF-8 in it stays UTF-8 and only
    the bad bytes become U+FFFD (before, one bad byte made a whole Russian text
    Windows-1252 mojibake). Only a file without a single UTF-8 sequence is read as
    Windows-1252.
    """
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as e:
        first = e.start
    if _UTF8_MULTIBYTE.search(raw) is None:
        return raw.decode("cp1252", errors="replace"), (
            f"not UTF-8 (byte {first}); read as Windows-1252"
        )
    text = raw.decode("utf-8-sig", errors="replace")
    bad = text.count("\ufffd") - raw.decode("utf-8-sig", errors="ignore").count("\ufffd")
    return text, (
        f"{bad} byte sequence(s) not UTF-8 (the first at byte {first}) replaced by U+FFFD; "
        "the rest read as UTF-8"
    )


# Characters a text line may have; a longer one is cut into lines of this length (at a space
# when there is one), so no line, and no element of the TEI, grows without end.
MAX_LINE_CHARS = 100_000


def _split_long_lines(text: str) -> tuple[str, str | None]:
    """Text whose lines are at most MAX_LINE_CHARS long, and a note if some had to be cut."""
    if len(text) <= MAX_LINE_CHARS or all(
        len(line) <= MAX_LINE_CHARS for line in text.split("\n")
    ):
        return text, None
    lines = []
    cut = 0
    for line in text.split("\n"):
        while len(line) > MAX_LINE_CHARS:
            at = line.rfind(" ", MAX_LINE_CHARS // 2, MAX_LINE_CHARS + 1)
            at = at if at > 0 else MAX_LINE_CHARS
            lines.append(line[:at])
            line = line[at:].lstrip(" ")
            cut += 1
        lines.append(line)
    note = (f"{cut} cut(s) in lines longer than {MAX_LINE_CHARS:,} characters, at a space "
            "where there is one; every character is kept, in order, on the lines after")
    return "\n".join(lines), note


def _text_lines(page: str) -> list[Line]:
    lines: list[Line] = []
    block = 0
    blank_before = False
    for raw_line in page.split("\n"):
        words = list(_text_words(raw_line))
        if not words:
            blank_before = True
            continue
        if blank_before and lines:
            block += 1
        blank_before = False
        lines.append(Line(tuple(words), None, block))
    return lines


def _text_words(line: str) -> Iterator[Word]:
    position = 0
    for match in STRUCK.finditer(line):
        for token in line[position : match.start()].split():
            yield Word(token)
        for token in match.group(1).split():
            yield Word(token, struck=True)
        position = match.end()
    for token in line[position:].split():
        yield Word(token)


def pages_from_text(path: Path, source: PageSource) -> tuple[list[Page], list[str]]:
    """The Page objects of one text document."""
    page_lines, notes = read_text(path)
    pages = [
        Page(number=i + 1, source=PageSource(source.path, i, InputKind.text), lines=lines)
        for i, lines in enumerate(page_lines)
    ]
    return pages, notes
