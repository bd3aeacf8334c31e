"""Find the documents in the inputs and read their pages: images, TIFF frames, PDF pages, text."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image, ImageOps

from pipeline.exceptions import InputError, UsageError
from pipeline.model import InputKind, Line, Page, PageSource, Word

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}
TIFF_SUFFIXES = {".tif", ".tiff"}
PDF_SUFFIXES = {".pdf"}
TEXT_SUFFIXES = {".txt"}
PDF_DPI = 300
# Letter at 600 dpi is 34 Mpx; anything past this is a decompression bomb, not a scan.
MAX_PIXELS = 150_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
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
        if self.kind is InputKind.images:
            return sorted({p.path for p in self.pages}, key=natural_key)
        return [str(self.path)]

    @property
    def output_name(self) -> str:
        return f"{self.id}.xml"


@dataclass(frozen=True)
class Skipped:
    """An input file that is not a document (unknown type, link out of the tree)."""

    path: str
    reason: str


def natural_key(text: str) -> list[object]:
    """Sort key putting page-2 before page-10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def discover(
    inputs: Sequence[Path], *, follow_symlinks: bool = False
) -> tuple[list[DocumentSource], list[Skipped]]:
    """Turn the command line's files and folders into documents, in a stable order."""
    documents: list[DocumentSource] = []
    skipped: list[Skipped] = []
    for given in inputs:
        if not given.exists():
            raise UsageError(f"{given}: no such file or folder")
        if given.is_dir():
            _walk(given, given, documents, skipped, follow_symlinks, named=True)
        else:
            documents.append(_file_document(given, PurePosixPath(given.name)))
    _make_ids_unique(documents)
    return documents, skipped


def _walk(
    folder: Path,
    root: Path,
    documents: list[DocumentSource],
    skipped: list[Skipped],
    follow_symlinks: bool,
    *,
    named: bool,
) -> None:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: natural_key(p.name))
    except OSError as e:
        skipped.append(Skipped(str(folder), f"cannot list folder: {e.strerror or e}"))
        return
    page_files: list[Path] = []
    subfolders: list[Path] = []
    others: list[Path] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() and not follow_symlinks and not _inside(entry, root):
            skipped.append(
                Skipped(str(entry), "symbolic link out of the input folder (use --follow-symlinks)")
            )
            continue
        if entry.is_dir():
            subfolders.append(entry)
        elif not entry.is_file():
            skipped.append(Skipped(str(entry), "not a regular file"))
        elif entry.suffix.lower() in IMAGE_SUFFIXES and not _is_multipage_tiff(entry):
            page_files.append(entry)
        else:
            others.append(entry)
    relative = PurePosixPath(folder.relative_to(root).as_posix())
    if page_files:
        # A page folder named on the command line keeps its own name.
        doc_id = PurePosixPath(folder.name) if named else relative
        pages = [PageSource(str(p), 0, InputKind.images) for p in page_files]
        documents.append(DocumentSource(str(doc_id), InputKind.images, folder, pages))
    for other in others:
        rel = PurePosixPath(other.relative_to(root).as_posix())
        kind = _kind_of(other)
        if kind is None:
            skipped.append(Skipped(str(other), f"not a page image, PDF or text file ({other.suffix or 'no extension'})"))
            continue
        documents.append(_file_document(other, rel))
    for sub in subfolders:
        _walk(sub, root, documents, skipped, follow_symlinks, named=False)


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
        count = _count_pages(path, kind)
    except InputError as e:
        doc.error = e.message
        return doc
    doc.pages = [PageSource(str(path), i, kind) for i in range(count)]
    return doc


def _count_pages(path: Path, kind: InputKind) -> int:
    if kind is InputKind.text:
        return 1  # one task reads the whole file; its form feeds make the pages
    if path.stat().st_size == 0:
        raise InputError("empty file (0 bytes)")
    if kind is InputKind.pdf:
        return _pdf_page_count(path)
    if kind is InputKind.tiff:
        return _open_image(path, check_only=True)
    return 1


def _is_multipage_tiff(path: Path) -> bool:
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return False
    try:
        with Image.open(path) as im:
            return getattr(im, "n_frames", 1) > 1
    except Exception:  # a bad TIFF is reported when its page is read
        return False


def _make_ids_unique(documents: list[DocumentSource]) -> None:
    """Two inputs that would write the same file keep their extension, then get a number."""
    seen: dict[str, int] = {}
    for doc in documents:
        seen[doc.id] = seen.get(doc.id, 0) + 1
    taken: set[str] = set()
    for doc in documents:
        candidate = doc.id
        if seen[doc.id] > 1 and doc.path.is_file():
            candidate = str(PurePosixPath(doc.id).with_name(doc.path.name))
        n = 2
        unique = candidate
        while unique in taken:
            unique = f"{candidate}-{n}"
            n += 1
        if unique != doc.id:
            log.warning("%s: output name %s.xml is taken; writing %s.xml", doc.path, doc.id, unique)
        doc.id = unique
        taken.add(unique)


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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            if source.index:
                image.seek(source.index)
            direct = (
                source.index == 0
                and getattr(image, "n_frames", 1) == 1
                and image.format in {"PNG", "JPEG", "TIFF"}
                and image.mode in TESSERACT_READY_MODES
                and image.getexif().get(0x0112, 1) == 1  # orientation: as stored
            )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(f"image too large to be a page scan, refused ({_short(e)})") from e
    except FileNotFoundError as e:
        raise InputError("file disappeared during the run") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise InputError(f"cannot read image: {_short(e)}") from e
    if direct:
        return image, str(path)
    return _normalise(image), None


def _normalise(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image) or image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")
    elif image.mode not in TESSERACT_READY_MODES:
        image = image.convert("RGB")
    return image


def _open_image(path: Path, *, check_only: bool) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return int(getattr(im, "n_frames", 1))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(f"image too large to be a page scan, refused ({_short(e)})") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise InputError(f"cannot read image: {_short(e)}") from e


def _pdf_page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise InputError(_pdf_message(e)) from e
    try:
        count = len(pdf)
    finally:
        pdf.close()
    if count == 0:
        raise InputError("PDF has no pages")
    return count


def _render_pdf_page(path: Path, index: int) -> Image.Image:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(path)
        try:
            page = pdf[index]
            width, height = page.get_size()
            if width * height * (PDF_DPI / 72) ** 2 > MAX_PIXELS:
                raise InputError("PDF page too large to be a page scan, refused")
            bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
            return bitmap.to_pil().convert("L")
        finally:
            pdf.close()
    except pdfium.PdfiumError as e:
        raise InputError(_pdf_message(e)) from e


def _pdf_message(error: Exception) -> str:
    text = str(error)
    if "password" in text.lower():
        return "PDF is encrypted; decrypt it first (for example 'qpdf --decrypt in.pdf out.pdf')"
    return f"cannot read PDF: {_short(error)}"


def _short(error: BaseException) -> str:
    return " ".join(str(error).split())[:200] or type(error).__name__


# --- text input --------------------------------------------------------------------------

STRUCK = re.compile(r"~~(.+?)~~")
# Characters XML 1.0 forbids; OCR text occasionally carries them.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def read_text(path: Path) -> tuple[list[list[Line]], list[str]]:
    """Read an OCR text file: pages split on form feeds, lines of words; return pages, warnings."""
    raw = path.read_bytes()
    notes: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        text = raw.decode("cp1252", errors="replace")
        notes.append(f"not UTF-8 (byte {e.start}); read as Windows-1252")
    if not text.strip():
        raise InputError("empty text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # Tesseract ends its output with a form feed
    cleaned = [XML_FORBIDDEN.sub(" ", page) for page in pages]
    if cleaned != pages:
        notes.append("characters that XML forbids were replaced by spaces")
    return [_text_lines(page) for page in cleaned], notes


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
