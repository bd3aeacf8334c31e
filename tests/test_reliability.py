"""Whatever arrives in a batch: nothing lost, nothing crashes, output valid (docs/RELIABILITY.md).

Every input is made here, in tmp_path: broken and odd images and PDFs, hostile text, bad
gazetteers, awkward paths, a Tesseract that is missing, fails or hangs, a batch killed with
SIGKILL. Each case checks the documented outcome: the document's status and one-line reason in
report.json, the exit code, the other documents untouched, no traceback on the terminal.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from pipeline.cli import main
from pipeline.exceptions import ExitCode
from pipeline.report import STATE_DIR, OutputFolder
from pipeline.validate import Validator, check_file
from tests.conftest import NS, REPO, SEED, assert_words_kept, run_batch, source_text

TESSERACT = shutil.which("tesseract") or "/usr/bin/tesseract"  # the real one, for the fakes
LINE_1 = "Shultz met Dobrynin"
LINE_3 = "Gromyko met Kampelman"


# --- making inputs ---------------------------------------------------------------------------


def page_image(text: str = LINE_1, size: tuple[int, int] = (900, 160)) -> Image.Image:
    """A short line of text, large enough for Tesseract to read in a fraction of a second."""
    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).text((30, 40), text, fill=0, font=ImageFont.load_default(size=56))
    return image


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def truncated(image: Image.Image, fmt: str) -> bytes:
    data = encoded(image, fmt)
    return data[: len(data) // 2]


def sixteen_bit(image: Image.Image) -> Image.Image:
    deep = image.convert("I").point(lambda v: v * 257).convert("I;16")
    assert deep.mode == "I;16"
    return deep


def exif_rotated_jpeg(image: Image.Image) -> bytes:
    """The page stored lying on its side, with EXIF orientation 6 ("turn 90° clockwise")."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(image.rotate(90, expand=True), "JPEG", exif=exif)


def bomb_png(side: int = 20_000) -> bytes:
    """A 1-bit white PNG of side×side pixels: 50 kB on disk, 400 MB once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def pdf_file(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF from numbered object bodies (object 1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer, xref,
    )
    return bytes(out)


def pdf_without_pages() -> bytes:
    return pdf_file([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def pdf_with_huge_page() -> bytes:
    """One page of 200 × 200 inches (PDF's largest): 3.6 gigapixels at 300 dpi."""
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 14400 14400] >>",
    ])


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


PDF_PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def encrypted_pdf(user: bytes = b"secret", owner: bytes = b"owner") -> bytes:
    """A one-page PDF encrypted with the standard security handler (RC4, 40 bits, revision 2).

    Written by hand (PDF 1.7 §7.6.3, algorithms 2-4) so the tests need no PDF library that
    writes encryption; PDFium opens it with the user password and refuses it without.
    """
    doc_id = b"0123456789abcdef"
    permissions = -44
    owner_key = hashlib.md5((owner + PDF_PASSWORD_PAD)[:32]).digest()[:5]
    o_entry = _rc4(owner_key, (user + PDF_PASSWORD_PAD)[:32])
    key = hashlib.md5(
        (user + PDF_PASSWORD_PAD)[:32] + o_entry + struct.pack("<i", permissions) + doc_id
    ).digest()[:5]
    u_entry = _rc4(key, PDF_PASSWORD_PAD)
    content = _rc4(
        hashlib.md5(key + struct.pack("<i", 4)[:3] + b"\0\0").digest()[:10],
        b"BT /F1 24 Tf 72 700 Td (Secret) Tj ET",
    )
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /Length 40 /O <%s> /U <%s> /P %d >>" % (
        o_entry.hex().encode(), u_entry.hex().encode(), permissions,
    )
    return pdf_file(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            encrypt,
        ],
        b"/Encrypt 5 0 R /ID [<%s> <%s>] " % (doc_id.hex().encode(), doc_id.hex().encode()),
    )


def cli(*args: object, env: dict[str, str] | None = None, timeout: float = 300,
        ) -> subprocess.CompletedProcess[str]:
    """`python -m pipeline ARGS` in a subprocess, as a user runs it from a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *map(str, args)],
        capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )


def read_report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def entries(report: dict) -> dict[str, dict]:
    return {d["id"]: d for d in report["documents"]}


def entry_for(report: dict, path: Path) -> dict:
    """The report entry of the document made from one file."""
    (entry,) = [d for d in report["documents"] if d["sources"] == [str(path)]]
    return entry


def assert_one_line_reason(entry: dict, fragment: str) -> None:
    assert entry["error"], entry
    assert fragment in entry["error"], entry["error"]
    assert "\n" not in entry["error"] and "Traceback" not in entry["error"]


def assert_valid(validator: Validator, path: Path) -> etree._ElementTree:
    assert path.is_file(), f"{path} is missing"
    problems = check_file(path, [validator])
    assert not problems, "\n".join(map(str, problems))
    return etree.parse(str(path))


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


# --- images and PDFs: one batch of broken and odd files, run from the command line ----------

# file name -> (bytes to write, status, words in the text or a fragment of the reason)
BAD_FILES: dict[str, tuple[str, str]] = {
    "zero-bytes.png": ("failed", "empty file (0 bytes)"),
    "zero-bytes.pdf": ("failed", "empty file (0 bytes)"),
    "truncated.png": ("failed", "cannot read image: image file is truncated"),
    "truncated.jpg": ("failed", "cannot read image: image file is truncated"),
    "truncated.tif": ("failed", "cannot read image: image file is truncated"),
    "text-with-image-extension.jpg": ("failed", "cannot read image: cannot identify image file"),
    "html-page-saved-as.pdf": ("failed", "cannot read PDF: not a PDF, or damaged"),
    "encrypted.pdf": ("failed", "PDF is encrypted; decrypt it first"),
    "no-pages.pdf": ("failed", "PDF has no pages"),
    "decompression-bomb.png": ("failed", "refused, it could be a decompression bomb"),
    "huge-page.pdf": ("failed", "PDF page too large to be a page scan, refused"),
    "sixteen-bit.png": ("ok", LINE_1),
    "cmyk.jpg": ("ok", LINE_1),
    "exif-rotated.jpg": ("ok", LINE_1),
}
# Pages with nothing to read: kept as a page with <gap reason="no-text"/> once the structure
# stage copes with a page image without lines (see test_blank_pages_are_kept_as_empty_pages).
BLANK_FILES = {
    "one-pixel.png": Image.new("L", (1, 1), 255),
    "blank-white.png": Image.new("L", (1000, 1300), 255),
    "all-black.png": Image.new("L", (1000, 1300), 0),
}


def _write_bad_files(folder: Path) -> None:
    good = page_image()
    data = {
        "zero-bytes.png": b"",
        "zero-bytes.pdf": b"",
        "truncated.png": truncated(good, "PNG"),
        "truncated.jpg": truncated(good, "JPEG"),
        "truncated.tif": truncated(good, "TIFF"),
        "text-with-image-extension.jpg": b"MEMORANDUM\nThis is text, not a JPEG.\n",
        "html-page-saved-as.pdf": b"<!DOCTYPE html>\n<html><body><p>Not found</p></body></html>\n",
        "encrypted.pdf": encrypted_pdf(),
        "no-pages.pdf": pdf_without_pages(),
        "decompression-bomb.png": bomb_png(),
        "huge-page.pdf": pdf_with_huge_page(),
        "sixteen-bit.png": encoded(sixteen_bit(good), "PNG"),
        "cmyk.jpg": encoded(good.convert("CMYK"), "JPEG"),
        "exif-rotated.jpg": exif_rotated_jpeg(good),
    }
    folder.mkdir()
    for name, content in data.items():
        (folder / name).write_bytes(content)
    for name, image in BLANK_FILES.items():
        image.save(folder / name)
    mixed = folder / "mixed"
    mixed.mkdir()
    good.save(mixed / "page-1.png")
    (mixed / "page-2.png").write_bytes(truncated(page_image("lost"), "PNG"))
    page_image(LINE_3).save(mixed / "page-3.png")
    (folder / "good.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def bad_batch(tmp_path_factory: pytest.TempPathFactory):
    """Every file named on the command line (each is its own document), and a page folder."""
    root = tmp_path_factory.mktemp("bad-batch")
    folder = root / "in"
    _write_bad_files(folder)
    names = [*BAD_FILES, *BLANK_FILES, "good.txt"]
    out = root / "out"
    result = cli("run", *(folder / n for n in names), folder / "mixed", "-o", out, "-j", "2",
                 "--no-progress")
    return result, read_report(out), out, folder


def test_bad_batch_exit_code_and_no_traceback(bad_batch) -> None:
    result, report, _, _ = bad_batch
    assert result.returncode == ExitCode.documents_failed, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert report["summary"]["documents"] == len(BAD_FILES) + len(BLANK_FILES) + 2


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_or_odd_file(bad_batch, validator: Validator, name: str) -> None:
    result, report, out, folder = bad_batch
    status, expected = BAD_FILES[name]
    entry = entry_for(report, folder / name)
    assert entry["status"] == status, entry
    if status == "failed":
        assert entry["output"] is None
        assert_one_line_reason(entry, expected)
        # Said on the terminal too, on one line that names the file.
        lines = [line for line in result.stderr.splitlines() if str(folder / name) in line]
        assert any(expected in line for line in lines), result.stderr
    else:
        assert entry["error"] is None
        tree = assert_valid(validator, out / entry["output"])
        assert expected in source_text(tree)


def test_encrypted_pdf_is_really_encrypted(tmp_path: Path) -> None:
    """The test file is a real encrypted PDF: it opens with its password, not without."""
    import pypdfium2 as pdfium

    data = encrypted_pdf(user=b"secret")
    pdf = pdfium.PdfDocument(data, password="secret")
    assert len(pdf) == 1
    pdf.close()
    with pytest.raises(pdfium.PdfiumError, match="password"):
        pdfium.PdfDocument(data)


def test_mixed_folder_keeps_good_pages_and_gaps_the_bad_one(bad_batch, validator) -> None:
    result, report, out, folder = bad_batch
    entry = entries(report)["mixed"]
    assert entry["status"] == "degraded" and entry["pages"] == 3
    (gap,) = entry["gaps"]
    assert gap["page"] == 2 and gap["source"] == str(folder / "mixed" / "page-2.png")
    assert "cannot read image" in gap["error"]
    assert_one_line_reason(entry, "1 page(s) could not be read")
    assert any("mixed page 2" in line and "page-2.png" in line
               for line in result.stderr.splitlines()), result.stderr
    tree = assert_valid(validator, out / "mixed.xml")
    assert [pb.get("n") for pb in tree.iterfind(".//t:pb", NS)] == ["1", "2", "3"]
    after = tree.find(".//t:pb[@n='2']", NS).getnext()
    assert after.tag == f"{{{NS['t']}}}gap" and after.get("reason") == "ocr-failed"
    text = source_text(tree)
    assert LINE_1 in text and LINE_3 in text and "lost" not in text


def test_good_document_in_a_bad_batch_is_unaffected(bad_batch, validator) -> None:
    _, report, out, folder = bad_batch
    entry = entry_for(report, folder / "good.txt")
    assert entry["status"] == "ok" and entry["error"] is None
    assert_words_kept(f"{LINE_1}.", source_text(assert_valid(validator, out / "good.xml")))


@pytest.mark.parametrize("name", sorted(BLANK_FILES))
def test_blank_pages_are_kept_as_empty_pages(bad_batch, validator, name: str) -> None:
    _, report, out, folder = bad_batch
    entry = entry_for(report, folder / name)
    assert entry["status"] == "ok", entry
    tree = assert_valid(validator, out / entry["output"])
    assert tree.find(".//t:pb[@n='1']", NS) is not None
    assert tree.find(".//t:gap[@reason='no-text']", NS) is not None


def test_decompression_bomb_is_refused_without_decoding_it(tmp_path: Path) -> None:
    """A 50 kB PNG of 20000×20000 pixels: refused before decoding, memory stays low."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png())
    assert bomb.stat().st_size < 200_000
    warm = tmp_path / "warm-up.txt"
    warm.write_text(f"{LINE_1}.\n", encoding="utf-8")
    # One process (-j 1 runs every stage in it): peak memory after a normal document, then
    # after the bomb. Decoding it would take 400 MB.
    script = (
        "import resource, sys\n"
        "from pipeline.cli import main\n"
        "def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"main(['run', {str(warm)!r}, '-o', {str(tmp_path / 'o1')!r}, '-j', '1'])\n"
        "before = peak()\n"
        f"code = main(['run', {str(bomb)!r}, '-o', {str(tmp_path / 'o2')!r}, '-j', '1'])\n"
        "print(code, before, peak())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    code, before, after = map(int, result.stdout.split())
    assert code == ExitCode.documents_failed, result.stderr
    assert (after - before) * 1024 < 50_000_000, f"peak memory grew by {after - before} kB"
    assert "400,000,000 pixels" in result.stderr and "decompression bomb" in result.stderr
    assert "Traceback" not in result.stderr
    (entry,) = read_report(tmp_path / "o2")["documents"]
    assert_one_line_reason(entry, "refused, it could be a decompression bomb")


def bomb_tiff(side: int = 20_000) -> bytes:
    """A 110-byte TIFF header that claims side×side pixels (its data is never read)."""
    tags = [(256, 4, side), (257, 4, side), (258, 3, 1), (259, 3, 1), (262, 3, 0),
            (273, 4, 8), (278, 4, side), (279, 4, (side + 7) // 8 * side)]
    ifd = struct.pack("<H", len(tags))
    ifd += b"".join(struct.pack("<HHII", tag, kind, 1, value) for tag, kind, value in tags)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def test_tiff_bomb_is_refused_at_discovery(tmp_path: Path) -> None:
    """A TIFF that claims 20000×20000 pixels is refused when its pages are counted."""
    (tmp_path / "scan.tif").write_bytes(bomb_tiff())
    code, report = run_batch([tmp_path / "scan.tif"], tmp_path / "out")
    assert code == ExitCode.documents_failed
    (entry,) = report["documents"]
    assert_one_line_reason(entry, "could be a decompression bomb")


# --- text ------------------------------------------------------------------------------------

# Characters XML 1.0 allows (the Char production); the rest become spaces in text input.
XML_CHAR = {0x9, 0xA, 0xD, *range(0x20, 0xD800), *range(0xE000, 0xFFFE)}


def xml_safe(text: str) -> str:
    return "".join(c if ord(c) in XML_CHAR or ord(c) > 0xFFFF else " " for c in text)


LONG_LINE = " ".join(f"w{i}" for i in range(10_000))  # 70 kB on one line
TEXT_CASES: dict[str, tuple[bytes, str | None, str | None]] = {
    # name -> (file bytes, the text as it must come out (None: failed), note or reason)
    "windows-1252": (
        "Memorandum for Gromyko: café naïve “quoted” résumé\n".encode("cp1252") + b"end \x81\n",
        "Memorandum for Gromyko: café naïve “quoted” résumé end \ufffd",
        "; read as Windows-1252",
    ),
    "utf-16": ("Shultz met Dobrynin in Genève.\n".encode("utf-16"),
               "Shultz met Dobrynin in Genève.", None),
    "xml-forbidden": (
        b"Shultz\x00met\x01Dobrynin\x0b\x1ftoday,\x7fnoon \xef\xbf\xbe end\n",
        xml_safe("Shultz\x00met\x01Dobrynin\x0b\x1ftoday,\x7fnoon \ufffe end"),
        "characters that XML forbids were replaced by spaces",
    ),
    "markup": (
        b"if a < b && c > d then ]]> and <!-- no --> <![CDATA[x]]> &amp; &#0; <p>y</p> <?pi?>\n",
        "if a < b && c > d then ]]> and <!-- no --> <![CDATA[x]]> &amp; &#0; <p>y</p> <?pi?>",
        None,
    ),
    "bidi-combining": (
        "שלום Shultz مرحبا Dobrynin e\u0301te\u0301 \u202eevil\u202c \u200f \u0301alone\n".encode(),
        "שלום Shultz مرحبا Dobrynin e\u0301te\u0301 \u202eevil\u202c \u200f \u0301alone",
        None,
    ),
    "long-line": (LONG_LINE.encode() + b"\n", LONG_LINE, None),
    "empty": (b"", None, "empty file (0 bytes)"),
    "blank": (b" \n\t\n\f \r\n", None, "empty text file: no words in it"),
    "only-control-characters": (b"\x00\x01\x02\n\x1f", None, "empty text file: no words in it"),
}


@pytest.fixture(scope="module")
def text_batch(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("text-batch")
    (root / "in").mkdir()
    for name, (data, _, _) in TEXT_CASES.items():
        (root / "in" / f"{name}.txt").write_bytes(data)
    code, report = run_batch([root / "in"], root / "out")
    return code, report, root / "out"


def test_text_batch_exit_code(text_batch) -> None:
    code, report, _ = text_batch
    assert code == ExitCode.documents_failed
    assert report["summary"]["failed"] == sum(1 for _, t, _ in TEXT_CASES.values() if t is None)


@pytest.mark.parametrize("name", list(TEXT_CASES))
def test_text_input(text_batch, validator, name: str) -> None:
    _, report, out = text_batch
    _, expected, message = TEXT_CASES[name]
    entry = entries(report)[name]
    if expected is None:
        assert entry["status"] == "failed" and entry["output"] is None
        assert_one_line_reason(entry, message)
        return
    assert entry["status"] == "ok", entry
    tree = assert_valid(validator, out / entry["output"])
    text = source_text(tree)
    assert_words_kept(expected, text)
    if name != "long-line":
        assert text == " ".join(expected.split())
    if message is not None:
        assert any(message in note for note in entry["notes"]), entry["notes"]


def test_markup_characters_are_escaped_not_interpreted(text_batch) -> None:
    _, _, out = text_batch
    raw = (out / "markup.xml").read_bytes()
    assert b"a &lt; b &amp;&amp; c &gt; d" in raw and b"]]&gt;" in raw
    assert b"<p>y</p>" not in raw and b"<![CDATA[" not in raw and b"<?pi?>" not in raw


def test_a_very_long_word_is_processed_in_reasonable_time(tmp_path: Path) -> None:
    path = tmp_path / "word.txt"
    path.write_text("A" * 1_000_000 + " Shultz\n", encoding="utf-8")
    result = cli("run", path, "-o", tmp_path / "out", "-j", "1", "-q", timeout=60)
    assert result.returncode == ExitCode.ok


def test_a_paragraph_of_thousands_of_names_is_processed_in_reasonable_time(tmp_path: Path) -> None:
    path = tmp_path / "names.txt"
    path.write_text(("Shultz, " * 200 + "\n") * 100, encoding="utf-8")
    result = cli("run", path, "-o", tmp_path / "out", "-j", "1", "-q", timeout=60)
    assert result.returncode == ExitCode.ok


# --- gazetteers: end to end (the loader's own tests are in test_gazetteer.py) ---------------


def _big_gazetteer(path: Path) -> None:
    from pipeline.gazetteer import MAX_BYTES

    with path.open("wb") as handle:  # sparse: no disk used, no time spent
        handle.write(b"id,name,type,variants\n")
        handle.truncate(MAX_BYTES + 1)


GAZETTEER_CASES = {  # file -> (content, line of the problem, what the message says)
    "duplicate-id.csv": ("id,name,type,variants\nshultz,George Shultz,person,Shultz\n"
                         "shultz,George P. Shultz,person,\n", 3, "duplicate id 'shultz'"),
    "missing-column.csv": ("id,name,type\nshultz,George Shultz,person\n", 1, "variants"),
    "empty-name.csv": ("id,name,type,variants\nshultz,,person,\n", 2, "empty name"),
    "oversized.csv": (None, 1, "larger than"),
}


@pytest.mark.parametrize("name", list(GAZETTEER_CASES))
def test_bad_gazetteer_is_a_usage_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    content, line, expected = GAZETTEER_CASES[name]
    gazetteer = tmp_path / name
    if content is None:
        _big_gazetteer(gazetteer)
    else:
        gazetteer.write_text(content, encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(SEED), "-o", str(out), "--gazetteer", str(gazetteer), "-q"])
    assert code == ExitCode.usage_error
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{gazetteer}:{line}: " in err and expected in err, err
    assert not out.exists() or not list(out.glob("*.xml"))


def test_gazetteer_with_byte_order_mark_is_used(tmp_path: Path, validator) -> None:
    gazetteer = tmp_path / "bom.csv"
    rows = "id,name,type,variants\nzorin-valerian,Valerian Zorin,person,Zorin\n"
    gazetteer.write_bytes(b"\xef\xbb\xbf" + rows.encode("utf-8"))
    memo = tmp_path / "memo.txt"
    memo.write_text("Ambassador Zorin met the Secretary.\n", encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out", gazetteers=(gazetteer,))
    assert code == ExitCode.ok
    tree = assert_valid(validator, tmp_path / "out" / "memo.xml")
    (name,) = tree.iterfind(".//t:body//t:persName", NS)
    assert name.get("ref") == "#zorin-valerian" and name.text == "Zorin"


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A local TCP server that records every connection: an entity fetched over HTTP shows."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    seen: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    seen.append(b"(connected)")
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[tuple[Path, list[bool]]]:
    """A named pipe and a watcher that notices if anything opens it for reading."""
    path = tmp_path / "secret"
    os.mkfifo(path)
    opened: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:  # succeeds only while a reader has the pipe open
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.005)
                continue
            opened.append(True)
            os.write(fd, b"SECRET\n")
            os.close(fd)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    yield path, opened
    stop.set()
    thread.join()


def _tei_gazetteer(doctype: str) -> str:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0"><text><body><listPerson>'
        '<person xml:id="x"><persName>&xxe;</persName></person>'
        "</listPerson></body></text></TEI>\n"
    )


@pytest.mark.parametrize("kind", ["file entity", "http entity", "parameter entity", "external DTD"])
def test_tei_gazetteer_with_external_entity_is_refused_never_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], listener, fifo, kind: str
) -> None:
    port, connections = listener
    pipe, opened = fifo
    url = f"http://127.0.0.1:{port}/entity"
    doctype = {
        "file entity": f'<!DOCTYPE TEI [<!ENTITY xxe SYSTEM "file://{pipe}">]>',
        "http entity": f'<!DOCTYPE TEI [<!ENTITY xxe SYSTEM "{url}">]>',
        "parameter entity": f'<!DOCTYPE TEI [<!ENTITY % p SYSTEM "{url}"> %p;]>',
        "external DTD": f'<!DOCTYPE TEI SYSTEM "{url}">',
    }[kind]
    gazetteer = tmp_path / "names.xml"
    gazetteer.write_text(_tei_gazetteer(doctype), encoding="utf-8")
    code = main(["run", str(SEED), "-o", str(tmp_path / "out"), "--gazetteer", str(gazetteer),
                 "-q"])
    err = capsys.readouterr().err
    assert code == ExitCode.usage_error, err
    assert err.count("\n") == 1 and str(gazetteer) in err and "Traceback" not in err, err
    time.sleep(0.05)  # let the watchers see a late access
    assert not connections and not opened


# --- paths -----------------------------------------------------------------------------------


def test_spaces_and_non_ascii_names(tmp_path: Path, validator) -> None:
    root = tmp_path / "in"
    folder = root / "box 3" / "Меморандум é"
    folder.mkdir(parents=True)
    page_image().save(folder / "стр 1.png")
    page_image(LINE_3).save(root / "Доклад 1987 ü.pdf", resolution=300)
    (root / "notes é 2.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    code, report = run_batch([root], tmp_path / "out")
    assert code == ExitCode.ok, report
    outputs = {d["id"]: d["output"] for d in report["documents"]}
    assert outputs == {"box 3/Меморандум é": "box 3/Меморандум é.xml",
                       "Доклад 1987 ü": "Доклад 1987 ü.xml", "notes é 2": "notes é 2.xml"}
    texts = {i: source_text(assert_valid(validator, tmp_path / "out" / o))
             for i, o in outputs.items()}
    assert LINE_1 in texts["box 3/Меморандум é"] and LINE_3 in texts["Доклад 1987 ü"]


@pytest.fixture
def linked_tree(tmp_path: Path) -> Path:
    """in/ with a memo, a link to a file outside, a link to a folder outside, a link loop."""
    (tmp_path / "outside" / "box").mkdir(parents=True)
    (tmp_path / "outside" / "secret.txt").write_text("Outside file.\n", encoding="utf-8")
    (tmp_path / "outside" / "box" / "other.txt").write_text("Outside folder.\n", encoding="utf-8")
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "memo.txt").write_text("Inside.\n", encoding="utf-8")
    (root / "sub" / "note.txt").write_text("Inside too.\n", encoding="utf-8")
    (root / "link.txt").symlink_to(tmp_path / "outside" / "secret.txt")
    (root / "linkdir").symlink_to(tmp_path / "outside" / "box")
    (root / "sub" / "loop").symlink_to(root)  # inside the tree, back to its top
    return root


def test_symlinks_out_of_the_tree_are_not_followed(linked_tree: Path) -> None:
    out = linked_tree.parent / "out"
    code, report = run_batch([linked_tree], out)
    assert code == ExitCode.ok
    assert sorted(entries(report)) == ["memo", "sub/note"]
    skipped = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert "use --follow-symlinks" in skipped["link.txt"]
    assert "use --follow-symlinks" in skipped["linkdir"]
    assert "folder already read" in skipped["loop"]
    assert not (out / "link.xml").exists() and not (out / "linkdir").exists()


def test_symlinks_are_followed_when_asked(linked_tree: Path) -> None:
    code, report = run_batch([linked_tree], linked_tree.parent / "out", follow_symlinks=True)
    assert code == ExitCode.ok
    assert sorted(entries(report)) == ["link", "linkdir/other", "memo", "sub/note"]
    assert [Path(s["path"]).name for s in report["skipped"]] == ["loop"]


def test_same_output_name_never_overwrites(tmp_path: Path, validator) -> None:
    root = tmp_path / "in"
    (root / "memo").mkdir(parents=True)
    page_image().save(root / "memo" / "page-1.png")  # page folder: memo.xml
    (root / "memo.txt").write_text("From memo.txt.\n", encoding="utf-8")
    (root / "memo.pdf").write_bytes(b"not a PDF")
    (root / "a.txt").write_text("From a.txt.\n", encoding="utf-8")  # a.xml ...
    (root / "a.xml").mkdir()  # ... is a folder that a.xml/b.xml needs
    (root / "a.xml" / "b.txt").write_text("From a.xml/b.txt.\n", encoding="utf-8")
    (root / "report.json").mkdir()  # the report's own name
    (root / "report.json" / "c.txt").write_text("From report.json/c.txt.\n", encoding="utf-8")
    for side in ("x", "y"):  # two files named directly: both would be memo.xml
        (tmp_path / side).mkdir()
        (tmp_path / side / "memo.txt").write_text(f"From {side}/memo.txt.\n", encoding="utf-8")
    out = tmp_path / "out"
    code, report = run_batch([root, tmp_path / "x" / "memo.txt", tmp_path / "y" / "memo.txt"], out)
    assert code == ExitCode.documents_failed  # memo.pdf is not a PDF
    outputs = [d["output"] for d in report["documents"] if d["output"]]
    assert len(outputs) == len(set(outputs)) == 7
    for d in report["documents"]:
        if d["output"] is None:
            assert d["sources"] == [str(root / "memo.pdf")]
            continue
        text = source_text(assert_valid(validator, out / d["output"]))
        (source,) = d["sources"]
        if source.endswith(".txt"):  # every file's text is in its own output
            relative = Path(source).relative_to(tmp_path)
            shown = "/".join(relative.parts[1:]) if relative.parts[0] == "in" else str(relative)
            assert text == f"From {shown}.", (d, text)
        else:
            assert LINE_1 in text
    assert read_report(out)["documents"]  # report.json is still the report


def test_unwritable_output_folder_is_exit_4(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("run", SEED, "-o", blocker / "out", "-j", "1")
    assert result.returncode == ExitCode.output_not_writable
    (line,) = result.stderr.splitlines()
    assert "cannot write to output folder" in line and "Traceback" not in line


def test_document_path_blocked_in_output_folder_fails_that_document_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], validator
) -> None:
    """A file in the output folder where a document's folder must go: that document fails.

    The message names the file; the others are written. A rerun once it is moved finishes.
    """
    root = tmp_path / "in"
    (root / "box").mkdir(parents=True)
    (root / "a.txt").write_text("A.\n", encoding="utf-8")
    (root / "box" / "b.txt").write_text("B.\n", encoding="utf-8")
    (root / "c.txt").write_text("C.\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "box").write_text("in the way")
    args = ["run", str(root), "-o", str(out), "-q", "--executor", "serial"]
    assert main(args) == ExitCode.documents_failed
    assert "Traceback" not in capsys.readouterr().err
    report = read_report(out)
    status = {d["id"]: (d["status"], d["error"]) for d in report["documents"]}
    assert status["a"] == ("ok", None) and status["c"] == ("ok", None)
    assert status["box/b"][0] == "failed"
    assert status["box/b"][1] == (f"cannot write {out / 'box' / 'b.xml'}: {out / 'box'} is a "
                                  "file, not a folder; move it away and rerun")
    assert_valid(validator, out / "a.xml")
    assert_valid(validator, out / "c.xml")
    assert not list((out / STATE_DIR / "tmp").glob("*"))
    (out / "box").unlink()
    assert main(args) == ExitCode.ok
    report = read_report(out)
    assert [d["status"] for d in report["documents"]] == ["ok", "ok", "ok"]
    assert_valid(validator, out / "box" / "b.xml")


def test_a_full_disk_stops_the_batch_with_exit_4(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No document can be written: the batch stops at once (exit 4) instead of failing each."""
    root = tmp_path / "in"
    root.mkdir()
    for name in "abc":
        (root / f"{name}.txt").write_text(f"{name}.\n", encoding="utf-8")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    args = ["run", str(root), "-o", str(tmp_path / "out"), "-q", "--executor", "serial"]
    assert main(args) == ExitCode.output_not_writable
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not list((tmp_path / "out").glob("*.xml"))


def test_a_second_run_into_the_same_output_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two runs writing into one folder would delete each other's temporary files."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("A.\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["run", str(root), "-o", str(out), "-q", "--executor", "serial"]
    with OutputFolder(out):  # another run, busy
        busy = out / STATE_DIR / "tmp" / "part-busy"
        busy.write_bytes(b"half a document")
        assert main(args) == ExitCode.output_not_writable
        err = capsys.readouterr().err
        assert f"another tei-pipeline run is writing to {out}; wait for it to finish" in err
        assert busy.exists() and not (out / "a.xml").exists()
    assert main(args) == ExitCode.ok
    assert (out / "a.xml").is_file()


def test_outputs_are_readable_by_others(tmp_path: Path) -> None:
    """Written through a private temporary file, but with the permissions the umask gives."""
    code, report = run_batch([SEED], tmp_path / "out")
    assert code == ExitCode.ok
    umask = os.umask(0o022)
    os.umask(umask)
    for name in (report["documents"][0]["output"], "report.json", "corrections.csv"):
        mode = stat.S_IMODE((tmp_path / "out" / name).stat().st_mode)
        assert mode == 0o666 & ~umask, (name, oct(mode))


# --- Tesseract missing, failing, hanging -----------------------------------------------------


@pytest.fixture(scope="module")
def four_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scan") / "memo"
    folder.mkdir()
    for n, text in enumerate((LINE_1, "page two", "page three", LINE_3), start=1):
        page_image(text).save(folder / f"page-{n}.png")
    return folder


def fake_tesseract(tmp_path: Path) -> Path:
    """A wrapper that runs the real Tesseract, but fails on page 2 and hangs on page 3."""
    script = tmp_path / "tesseract"
    # The pipeline lists the files to read on Tesseract's standard input ("stdin" for $1).
    script.write_text(
        "#!/bin/sh\n"
        'case "$1" in -*) exec ' f"{TESSERACT}" ' "$@";; esac\n'
        "listed=$(cat)\n"
        'case "$listed" in\n'
        '  *page-2.png*) echo "simulated crash" >&2; exit 1;;\n'
        "  *page-3.png*) exec sleep 60;;\n"
        "esac\n"
        f'echo "$listed" | exec {TESSERACT} "$@"\n'
    )
    script.chmod(0o755)
    return script


def test_missing_tesseract_is_exit_3_with_install_advice(tmp_path: Path, four_pages) -> None:
    result = cli("run", four_pages, "-o", tmp_path / "out",
                 env={"TESSERACT_CMD": str(tmp_path / "no-tesseract")})
    assert result.returncode == ExitCode.missing_dependency
    (line,) = result.stderr.splitlines()
    assert "tesseract was not found" in line and "apt-get install" in line


def test_text_needs_no_tesseract(tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(f"{LINE_1}.\n", encoding="utf-8")
    result = cli("run", memo, "-o", tmp_path / "out", "-q",
                 env={"TESSERACT_CMD": str(tmp_path / "no-tesseract")})
    assert result.returncode == ExitCode.ok, result.stderr


def test_tesseract_failing_or_hanging_on_one_page(tmp_path: Path, four_pages, validator) -> None:
    out = tmp_path / "out"
    result = cli("run", four_pages, "-o", out, "-j", "2", "--page-timeout", "1.5",
                 "--no-progress", env={"TESSERACT_CMD": str(fake_tesseract(tmp_path))})
    assert result.returncode == ExitCode.documents_failed, result.stderr
    assert "Traceback" not in result.stderr
    reasons = {2: "tesseract failed (exit 1): simulated crash",
               3: "tesseract timed out after 1.5 s"}
    for n, reason in reasons.items():  # one line each on the terminal, naming the page
        page = f"memo page {n} ({four_pages / f'page-{n}.png'}): {reason}"
        assert any(page in line for line in result.stderr.splitlines()), result.stderr
    (entry,) = read_report(out)["documents"]
    assert entry["status"] == "degraded" and entry["pages"] == 4
    assert {g["page"]: g["error"] for g in entry["gaps"]} == reasons
    tree = assert_valid(validator, out / "memo.xml")
    assert len(tree.findall(".//t:gap[@reason='ocr-failed']", NS)) == 2
    text = source_text(tree)
    assert LINE_1 in text and LINE_3 in text


# --- a bug inside a stage: one document fails, one line; the traceback only with -v ----------

FAULTS = {
    # where -> (patch applied in the subprocess, expected exit code)
    "structure": (
        "import pipeline.structure as m\n"
        "real = m.analyse\n"
        "def analyse(pages, mentions, **options):\n"
        "    if any('BOOM' in w.text for p in pages for l in p.lines for w in l.words):\n"
        "        raise RuntimeError('injected fault')\n"
        "    return real(pages, mentions, **options)\n"
        "m.analyse = analyse\n",
        ExitCode.documents_failed,
    ),
    "discovery": (
        "import pipeline.sources as m\n"
        "def discover(*a, **k): raise RuntimeError('injected fault')\n"
        "m.discover = discover\n",
        ExitCode.internal_error,
    ),
}


@pytest.mark.parametrize("where", list(FAULTS))
@pytest.mark.parametrize("verbose", [False, True])
def test_internal_error_is_one_line_traceback_with_v(tmp_path: Path, where: str,
                                                     verbose: bool) -> None:
    patch, expected = FAULTS[where]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "bad.txt").write_text("BOOM goes the structure.\n", encoding="utf-8")
    (tmp_path / "in" / "good.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    argv = ["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "1",
            "--no-progress", *(["-v"] if verbose else [])]
    script = f"{patch}from pipeline.cli import main\nraise SystemExit(main({argv!r}))\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == expected, result.stderr
    assert ("Traceback" in result.stderr) == verbose, result.stderr
    assert "RuntimeError: injected fault" in result.stderr
    if where == "structure":
        by_id = entries(read_report(tmp_path / "out"))
        assert by_id["good"]["status"] == "ok"
        assert_one_line_reason(by_id["bad"], "internal error: RuntimeError: injected fault")


# --- crash safety ----------------------------------------------------------------------------


def _partial_files(out: Path) -> list[Path]:
    """Temporary files, and anything in the output folder that is not a finished output."""
    tmp = out / STATE_DIR / "tmp"
    leftovers = list(tmp.rglob("*")) if tmp.exists() else []
    for path in out.rglob("*"):
        if path.is_file() and STATE_DIR not in path.relative_to(out).parts:
            if path.suffix not in (".xml", ".json", ".csv", ".rng", ".sch", ".html"):
                leftovers.append(path)
    return leftovers


def test_kill_9_mid_batch_then_rerun_finishes_every_document(tmp_path: Path, validator) -> None:
    root = tmp_path / "in"
    root.mkdir()
    seed = SEED.read_text(encoding="utf-8")
    for n in range(1, 31):
        memo = seed.replace("1986", str(1950 + n))
        (root / f"memo-{n:02d}.txt").write_text(memo, encoding="utf-8")
    scans = root / "scans"
    for n in range(1, 4):
        (scans / f"s{n}").mkdir(parents=True)
        page_image(LINE_1 if n % 2 else LINE_3).save(scans / f"s{n}" / "page-1.png")
    out = tmp_path / "out"
    args = [sys.executable, "-m", "pipeline", "run", str(root), "-o", str(out), "-j", "2", "-q"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(args, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        journal = out / STATE_DIR / "journal.jsonl"
        while (not journal.exists() or not journal.stat().st_size) and process.poll() is None:
            assert time.monotonic() < deadline, "no output appeared"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "the batch finished before it was killed"
    assert not (out / "report.json").exists()
    for path in out.rglob("*.xml"):  # whatever was written is whole
        if STATE_DIR not in path.relative_to(out).parts:
            assert_valid(validator, path)

    rerun = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == ExitCode.ok, rerun.stderr
    report = read_report(out)
    assert report["summary"]["documents"] == 33 and report["summary"]["ok"] == 33
    assert report["summary"]["reused"] >= 1
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.xml")
                     if STATE_DIR not in p.relative_to(out).parts
                     and not p.parent.name.endswith(".ocr"))  # the TEI, not the ALTO
    assert written == sorted(d["output"] for d in report["documents"])
    for name in written:
        assert_valid(validator, out / name)
    assert not _partial_files(out)
