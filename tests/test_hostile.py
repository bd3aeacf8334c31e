"""Reliability II: hostile and careless input, held to account (docs/RELIABILITY.md, H).

Each class of issue 14, with its example and the bound or rule that closes it at its root:
validation that refuses DTDs and entities; bounds on every number a user gives and every
dimension of an input; damage that stays local; per-document failures as values; our own
markup that our own schema refuses (written degraded, never lost); signals; reruns that check
what they reuse; pipes, devices and control characters in names. Every input is made here.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

from pipeline import driver, sources, tei, worker
from pipeline.cli import main
from pipeline.exceptions import ExitCode, UsageError
from pipeline.options import MAX_JOBS, Options
from pipeline.report import STATE_DIR
from pipeline.tei import DocumentMeta
from pipeline.validate import Validator, check_file
from tests.conftest import NS, REPO, run_batch, source_text
from tests.test_batch import FAKE_TESSERACT, _alive, _blank_pages, _descendants, _reading
from tests.test_reliability import LINE_1, LINE_3, cli, page_image, pdf_file

TEI = "{http://www.tei-c.org/ns/1.0}"


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator()


def report_of(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def only_entry(out: Path) -> dict:
    (entry,) = report_of(out)["documents"]
    return entry


def assert_valid(validator: Validator, path: Path) -> etree._ElementTree:
    problems = check_file(path, [validator])
    assert not problems, "\n".join(map(str, problems))
    return etree.parse(str(path))


# --- our own markup refused by our own schema ------------------------------------------------

GROMYKO_MEMO = """MEMORANDUM OF CONVERSATION

Date: June 23, 1986

Soviet Participants:

Minister of Foreign Affairs A.A. Gromyko
Mr. Andrey M. Aleksandrov-Agentov, Assistant to the General Secretary of the CPSU

Gromyko met Shultz.
"""


def test_participant_with_a_title_and_a_role_validates(tmp_path: Path, validator) -> None:
    """The held-out memo: two roleName in one persName (the schema allowed one)."""
    memo = tmp_path / "memo.txt"
    memo.write_text(GROMYKO_MEMO, encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out")
    (entry,) = report["documents"]
    assert code == ExitCode.ok and entry["status"] == "ok", entry
    tree = assert_valid(validator, tmp_path / "out" / "memo.xml")
    written = [" ".join("".join(p.itertext()).split())
               for p in tree.iterfind(".//t:persName[@type='asWritten']", NS)]
    assert "Mr. Andrey M. Aleksandrov-Agentov, Assistant to the General Secretary of the CPSU" \
        in written
    roles = tree.xpath("//t:persName[@type='asWritten'][contains(., 'Agentov')]/t:roleName/text()",
                       namespaces=NS)
    assert roles == ["Mr.", "Assistant to the General Secretary of the CPSU"]


def test_markup_our_schema_refuses_is_reduced_to_text_never_lost(
    tmp_path: Path, validator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A writer bug (an element the schema does not know, inside a paragraph).

    The document is written, degraded, the element's words kept as text, the bug logged
    naming the element.
    """
    build = tei.build

    def buggy_build(*args: object) -> etree._Element:
        root = build(*args)
        p = root.find(f".//{TEI}body//{TEI}p")
        etree.SubElement(p, f"{TEI}bogus", rend="x").text = "words of the bogus element"
        return root

    monkeypatch.setattr(tei, "build", buggy_build)
    memo = tmp_path / "memo.txt"
    memo.write_text(f"{LINE_1}.\n", encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out")
    (entry,) = report["documents"]
    assert code == ExitCode.documents_failed
    assert entry["status"] == "degraded" and entry["output"] == "memo.xml", entry
    assert "markup reduced to plain text (a bug; please report it)" in entry["error"]
    assert "bogus" in entry["error"] and "\n" not in entry["error"]
    tree = assert_valid(validator, tmp_path / "out" / "memo.xml")
    assert "words of the bogus element" in source_text(tree)
    assert tree.find(f".//{TEI}bogus") is None
    assert any("bug" in r.message and "bogus" in r.message for r in caplog.records)


# --- validation that can be fooled ------------------------------------------------------------

def _with_doctype(xml: str, doctype: str, entity_in_text: bool) -> str:
    head, rest = xml.split("\n", 1)
    if entity_in_text:
        rest = rest.replace(f"{LINE_1.split()[0]}", "&x;", 1)
    return f"{head}\n{doctype}\n{rest}"


@pytest.mark.parametrize("doctype, entity", [
    ('<!DOCTYPE TEI [<!ENTITY x "<bogus>not in the schema</bogus>">]>', True),
    ('<!DOCTYPE TEI [<!ENTITY x SYSTEM "file:///etc/hostname">]>', True),
    ('<!DOCTYPE TEI SYSTEM "http://127.0.0.1:9/tei.dtd">', False),
], ids=["internal-entity-with-markup", "external-entity", "external-dtd"])
def test_validate_refuses_doctypes_and_entities(
    tmp_path: Path, doctype: str, entity: bool, capsys: pytest.CaptureFixture
) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(f"{LINE_1}.\n", encoding="utf-8")
    run_batch([memo], tmp_path / "out")
    good = tmp_path / "out" / "memo.xml"
    assert main(["validate", str(good)]) == ExitCode.ok
    bad = tmp_path / "bad.xml"
    bad.write_text(_with_doctype(good.read_text(encoding="utf-8"), doctype, entity),
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(bad)]) == ExitCode.documents_failed
    out = capsys.readouterr().out
    assert f"{bad}:1: a DOCTYPE is not allowed" in out


def test_schematron_rules_still_catch_dangling_pointers_and_duplicate_ids(
    tmp_path: Path, validator
) -> None:
    """The rules were rewritten without predicates (linear time): they must still bite."""
    memo = tmp_path / "memo.txt"
    memo.write_text(GROMYKO_MEMO, encoding="utf-8")
    run_batch([memo], tmp_path / "out")
    tree = etree.parse(str(tmp_path / "out" / "memo.xml"))
    assert not validator.problems(tree)
    next(tree.getroot().iter(f"{TEI}persName")).set("ref", "#nobody")
    person = next(tree.getroot().iter(f"{TEI}person"))
    xml_id = "{http://www.w3.org/XML/1998/namespace}id"
    next(tree.getroot().iter(f"{TEI}person")).addnext(
        etree.Element(f"{TEI}person", {xml_id: person.get(xml_id)}))
    messages = " | ".join(p.message for p in validator.problems(tree))
    assert 'points to no declared entity' in messages
    assert "is used more than once" in messages


# --- no bound on what the user asks for --------------------------------------------------------

@pytest.mark.parametrize("args, fragment", [
    (["-j", "10000"], f"--jobs takes a number of worker processes from 1 to {MAX_JOBS}"),
    (["-j", "0"], "--jobs takes a number"),
    (["--page-timeout", "nan"], "--page-timeout takes seconds"),
    (["--page-timeout", "inf"], "--page-timeout takes seconds"),
    (["--page-timeout", "1e308"], "at most 86,400"),
    (["--page-timeout", "0"], "more than 0"),
])
def test_numbers_out_of_bounds_are_usage_errors(
    tmp_path: Path, args: list[str], fragment: str, capsys: pytest.CaptureFixture
) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(f"{LINE_1}.\n", encoding="utf-8")
    code = main(["run", str(memo), "-o", str(tmp_path / "out"), *args])
    assert code == ExitCode.usage_error
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", [{"jobs": 10_000}, {"page_timeout": float("nan")},
                                 {"page_timeout": float("inf")}])
def test_library_options_have_the_same_bounds(bad: dict) -> None:
    with pytest.raises(UsageError):
        Options(inputs=(Path("x"),), **bad)


def test_never_more_workers_than_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    make = driver.make_executor

    def recording(kind, settings, jobs, *rest):  # noqa: ANN001
        asked.append(jobs)
        return make("serial", settings, jobs, *rest)

    monkeypatch.setattr(driver, "make_executor", recording)
    for n in range(3):
        (tmp_path / f"memo-{n}.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    code, _ = run_batch([tmp_path / f"memo-{n}.txt" for n in range(3)], tmp_path / "out",
                        executor="process", jobs=200)
    assert code == ExitCode.ok and asked == [3]


def million_page_pdf() -> bytes:
    """335 bytes whose page tree claims a million pages."""
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ])


def pdf_drawing_image(side: int) -> bytes:
    """A letter page that draws one 1-bit image of side×side pixels (zeros, deflated)."""
    packer = zlib.compressobj(9)
    row = bytes((side + 7) // 8)
    chunks = [packer.compress(row * min(1000, side - n)) for n in range(0, side, 1000)]
    data = b"".join([*chunks, packer.flush()])
    content = b"q 612 0 0 792 0 0 cm /Im0 Do Q"
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (side, side, len(data), data),
    ])


def test_pdf_claiming_a_million_pages_is_refused(tmp_path: Path) -> None:
    pdf = tmp_path / "million.pdf"
    pdf.write_bytes(million_page_pdf())
    started = time.monotonic()
    code, report = run_batch([pdf], tmp_path / "out")
    assert time.monotonic() - started < 30
    (entry,) = report["documents"]
    assert code == ExitCode.documents_failed and entry["status"] == "failed"
    assert "1,000,000 pages, more than the 100,000 a document may have" in entry["error"]


def test_pdf_page_drawing_a_huge_image_is_refused_before_decoding(tmp_path: Path) -> None:
    """20,000² pixels drawn on a letter page (400 MB decoded): refused, memory stays low."""
    pdf = tmp_path / "huge-image.pdf"
    pdf.write_bytes(pdf_drawing_image(20_000))
    assert pdf.stat().st_size < 200_000
    script = (
        "import resource\n"
        "from pipeline.cli import main\n"
        "from pipeline import sources\n"
        "import pypdfium2\n"
        "def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "before = peak()\n"
        f"code = main(['run', {str(pdf)!r}, '-o', {str(tmp_path / 'out')!r}, '-j', '1'])\n"
        "print(code, before, peak())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    code, before, after = map(int, result.stdout.split())
    assert code == ExitCode.documents_failed, result.stderr
    assert (after - before) * 1024 < 100_000_000, f"peak memory grew by {after - before} kB"
    assert "Traceback" not in result.stderr
    error = only_entry(tmp_path / "out")["error"]
    assert "PDF page draws an image of 20,000 × 20,000 = 400,000,000 pixels" in error


def test_a_line_longer_than_the_bound_is_cut_every_character_kept(tmp_path: Path,
                                                                  validator) -> None:
    words = " ".join(f"w{n}" for n in range(60_000))  # 400 kB on one line
    memo = tmp_path / "line.txt"
    memo.write_text(words + "\n", encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out")
    (entry,) = report["documents"]
    assert code == ExitCode.ok, entry
    assert any("longer than 100,000 characters" in note for note in entry["notes"])
    tree = assert_valid(validator, tmp_path / "out" / "line.xml")
    assert source_text(tree) == words


def test_text_of_more_pages_than_a_document_may_have_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_PAGES", 10)
    memo = tmp_path / "pages.txt"
    memo.write_text("\f".join(f"page {n}" for n in range(11)), encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out")
    (entry,) = report["documents"]
    assert entry["status"] == "failed" and "11 pages (form feeds), more than the 10" \
        in entry["error"]


def test_a_text_file_larger_than_the_bound_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_TEXT_BYTES", 1000)
    memo = tmp_path / "big.txt"
    memo.write_text("Shultz met Dobrynin.\n" * 100, encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out")
    (entry,) = report["documents"]
    assert entry["status"] == "failed"
    assert "text file of 2,100 bytes, larger than the 1,000 a text input may have" \
        in entry["error"]


# --- damage that spreads ------------------------------------------------------------------------

def test_one_bad_byte_in_utf8_is_replaced_alone(tmp_path: Path, validator) -> None:
    memo = tmp_path / "ru.txt"
    memo.write_bytes("Встреча Шульца и Громыко ".encode() + b"\xff" + " в Москве.\n".encode())
    code, report = run_batch([memo], tmp_path / "out")
    (entry,) = report["documents"]
    assert code == ExitCode.ok
    assert any("1 byte sequence(s) not UTF-8 (the first at byte 46) replaced by U+FFFD" in n
               for n in entry["notes"]), entry["notes"]
    tree = assert_valid(validator, tmp_path / "out" / "ru.xml")
    assert source_text(tree) == "Встреча Шульца и Громыко \ufffd в Москве."


def three_page_tiff() -> bytes:
    buffer = io.BytesIO()
    first, *rest = [page_image(LINE_1), page_image(LINE_3), page_image("Third page")]
    first.save(buffer, "TIFF", save_all=True, append_images=rest)
    return buffer.getvalue()


@pytest.mark.parametrize("named", ["the file", "its folder"])
def test_multipage_tiff_cut_in_half_keeps_its_readable_pages(
    tmp_path: Path, validator, named: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    data = three_page_tiff()
    (folder / "cut.tif").write_bytes(data[: len(data) // 2])
    given = folder / "cut.tif" if named == "the file" else folder
    result = cli("run", given, "-o", tmp_path / "out", "-j", "1", "--no-progress")
    assert result.returncode == ExitCode.documents_failed, result.stderr
    assert "Traceback" not in result.stderr and "Warning" not in result.stderr
    entry = only_entry(tmp_path / "out")
    assert entry["status"] == "degraded", entry
    assert entry["pages"] == 3 and [g["page"] for g in entry["gaps"]] == [2, 3]
    assert "frame 2" in entry["gaps"][0]["error"]
    tree = assert_valid(validator, tmp_path / "out" / entry["output"])
    assert "Shultz" in source_text(tree)
    assert len(tree.findall(".//t:gap[@reason='ocr-failed']", NS)) == 2


def test_animated_png_every_frame_is_a_page(tmp_path: Path, validator) -> None:
    frames = [page_image(LINE_1), page_image(LINE_3), page_image("Kampelman met Karpov")]
    png = tmp_path / "animated.png"
    frames[0].save(png, save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(png).n_frames == 3
    code, report = run_batch([png], tmp_path / "out")
    (entry,) = report["documents"]
    assert code == ExitCode.ok and entry["pages"] == 3, entry
    text = source_text(assert_valid(validator, tmp_path / "out" / "animated.xml"))
    for word in ("Dobrynin", "Gromyko", "Karpov"):
        assert word in text


# --- internal errors that stop a batch ----------------------------------------------------------

def test_a_long_folder_name_is_written_under_a_shorter_name(tmp_path: Path, validator) -> None:
    folder = tmp_path / "in" / ("文" * 84)
    folder.mkdir(parents=True)
    (folder / "memo.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    (tmp_path / "in" / ("文" * 80 + ".txt")).write_text(f"{LINE_3}.\n", encoding="utf-8")
    result = cli("run", tmp_path / "in", "-o", tmp_path / "out", "-j", "1", "--no-progress")
    assert result.returncode == ExitCode.ok, result.stderr
    for entry in report_of(tmp_path / "out")["documents"]:
        assert entry["status"] == "ok"
        assert all(len(part.encode()) <= 204 for part in entry["output"].split("/"))
        assert_valid(validator, tmp_path / "out" / entry["output"])


def test_a_thousand_folders_deep_is_read_to_the_bound(tmp_path: Path) -> None:
    top = tmp_path / "in"
    top.mkdir()
    (top / "memo.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    fd = os.open(top, os.O_RDONLY)
    for _ in range(1000):  # deeper than a path the system can name, made a step at a time
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    note = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(note, b"Deep.\n")
    os.close(note)
    os.close(fd)
    try:
        code, report = run_batch([top], tmp_path / "out")
    finally:
        _remove_deep(top)  # pytest's own clean-up recurses, and a thousand is too deep for it
    assert code == ExitCode.ok
    assert [d["id"] for d in report["documents"]] == ["memo"]
    (skipped,) = report["skipped"]
    assert "folder more than 32 levels deep" in skipped["reason"]


def _remove_deep(top: Path) -> None:
    """Remove a chain of folders top/d/d/…/d one level at a time."""
    while (top / "d").exists():
        if (top / "d" / "d").exists():
            (top / "d" / "d").rename(top / "next")
            shutil.rmtree(top / "d")
            (top / "next").rename(top / "d")
        else:
            shutil.rmtree(top / "d")


@pytest.mark.parametrize("damage", [
    '{"id": "memo-1", "pages": "many"}',
    '{"id": "memo-1", "sources": [1], "output": "memo-1.xml", "pages": 1, "status": "ok"}',
    '{"id": ["memo-1"], "status": "ok"}',
    "[" * 100_000 + "]" * 100_000,
    "not json at all",
    '{"id": "memo-1", "sources": [], "output": null, "pages": 1, "status": "ok", '
    '"gaps": [{"page": "one"}]}',
], ids=["wrong-type", "list-of-wrong-type", "id-a-list", "deeply-nested", "garbage", "bad-gap"])
def test_a_damaged_journal_line_is_ignored_on_every_rerun(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in (1, 2):
        (folder / f"memo-{n}.txt").write_text(f"{LINE_1} {n}.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_batch([folder], out)[0] == ExitCode.ok
    journal = out / STATE_DIR / "journal.jsonl"
    with journal.open("a", encoding="utf-8") as handle:
        handle.write(damage + "\n")
    for _ in range(2):
        code, report = run_batch([folder], out)
        assert code == ExitCode.ok
        assert [d["status"] for d in report["documents"]] == ["ok", "ok"]


@pytest.mark.parametrize("gazetteer_id", ["x²", "aⅰ", "½x", "1abc"])
def test_a_gazetteer_id_that_is_no_xml_name_is_refused_at_load(
    tmp_path: Path, gazetteer_id: str, capsys: pytest.CaptureFixture
) -> None:
    gazetteer = tmp_path / "names.csv"
    gazetteer.write_text(f"id,name,type,variants\n{gazetteer_id},Foo Bar,person,\n",
                         encoding="utf-8")
    memo = tmp_path / "memo.txt"
    memo.write_text("Foo Bar met Shultz.\n", encoding="utf-8")
    code = main(["run", str(memo), "-o", str(tmp_path / "out"), "--gazetteer", str(gazetteer)])
    assert code == ExitCode.usage_error
    err = capsys.readouterr().err
    assert f"{gazetteer}:2: id '{gazetteer_id}' is not an XML name" in err


def test_a_bug_while_writing_one_document_fails_it_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finish = driver._finish

    def failing(done, out, fingerprint):  # noqa: ANN001
        if done.doc.id == "memo-2":
            raise RuntimeError("simulated bug")
        return finish(done, out, fingerprint)

    monkeypatch.setattr(driver, "_finish", failing)
    for n in (1, 2, 3):
        (tmp_path / f"memo-{n}.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    code, report = run_batch([tmp_path / f"memo-{n}.txt" for n in (1, 2, 3)], tmp_path / "out")
    assert code == ExitCode.documents_failed
    assert [d["status"] for d in report["documents"]] == ["ok", "failed", "ok"]
    assert report["documents"][1]["error"] == "internal error: RuntimeError: simulated bug"


# --- reruns that trust what is there ------------------------------------------------------------

def test_a_damaged_output_is_made_again(tmp_path: Path, validator) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(f"{LINE_1}.\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch([memo], out)
    output = out / "memo.xml"
    good = output.read_bytes()
    output.write_bytes(good[: len(good) // 2])
    code, report = run_batch([memo], out)
    (entry,) = report["documents"]
    assert code == ExitCode.ok and not entry["reused"]
    assert output.read_bytes() == good
    code, report = run_batch([memo], out)  # and now, whole, it is reused
    assert report["documents"][0]["reused"]


def test_an_output_whose_input_is_gone_bad_is_moved_aside(tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(f"{LINE_1}.\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch([memo], out)
    memo.write_bytes(b"")  # the input is now empty: its document fails
    code, report = run_batch([memo], out)
    (entry,) = report["documents"]
    assert code == ExitCode.documents_failed and entry["output"] is None
    assert "out of date, was moved to" in entry["error"]
    assert not (out / "memo.xml").exists()
    assert (out / STATE_DIR / "stale" / "memo.xml").is_file()


def test_the_files_beside_an_output_whose_input_went_bad_are_moved_aside_with_it(
    tmp_path: Path,
) -> None:
    """Its IIIF manifest and ALTO name pages no longer there: not left beside the report."""
    scan = tmp_path / "memo"
    scan.mkdir()
    page_image().save(scan / "page-1.png", dpi=(300, 300))
    out = tmp_path / "out"
    code, report = run_batch([scan], out)
    (entry,) = report["documents"]
    assert code == ExitCode.ok and set(entry["sidecars"]) == {
        "memo.manifest.json", "memo.ocr/page-1.alto.xml"}
    (scan / "page-1.png").write_bytes(b"\x89PNG\r\n\x1a\n damaged")  # its only page unreadable
    code, report = run_batch([scan], out)
    assert code == ExitCode.documents_failed and report["documents"][0]["output"] is None
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and STATE_DIR not in p.parts) == [
        "corrections.csv", "report.json", "schema/tei-pipeline.rng", "schema/tei-pipeline.sch"]
    stale = out / STATE_DIR / "stale"
    for name in ("memo.xml", "memo.manifest.json", "memo.ocr/page-1.alto.xml"):
        assert (stale / name).is_file(), name


# --- silent acceptance: pipes, devices, names -----------------------------------------------------

def test_a_fifo_is_refused_as_input_and_as_gazetteer(tmp_path: Path) -> None:
    fifo = tmp_path / "in" / "pipe.txt"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    (tmp_path / "in" / "memo.txt").write_text(f"{LINE_1}.\n", encoding="utf-8")
    result = cli("run", fifo, tmp_path / "in" / "memo.txt", "-o", tmp_path / "out", "-j", "1",
                 timeout=60)
    assert result.returncode == ExitCode.documents_failed, result.stderr
    statuses = {d["id"]: (d["status"], d["error"])
                for d in report_of(tmp_path / "out")["documents"]}
    assert statuses["memo"] == ("ok", None)
    assert "not a regular file (a named pipe, device or socket)" in statuses["pipe"][1]
    result = cli("run", tmp_path / "in", "-o", tmp_path / "out2", "-j", "1", timeout=60)
    assert result.returncode == ExitCode.ok
    assert report_of(tmp_path / "out2")["skipped"] == [
        {"path": str(fifo), "reason": "not a regular file"}]
    for gazetteer in (fifo, Path("/dev/zero")):
        result = cli("run", tmp_path / "in" / "memo.txt", "-o", tmp_path / "out3",
                     "--gazetteer", gazetteer, timeout=60)
        assert result.returncode == ExitCode.usage_error
        assert f"{gazetteer}:1: not a regular file" in result.stderr


def test_control_characters_in_file_names_are_escaped_on_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = "evil\n\x1b[31mtei-pipeline: ERROR: forged\x1b[0m\u202e.txt"
    (folder / name).write_bytes(b"")  # empty: its failure is logged, naming it
    result = cli("run", folder, "-o", tmp_path / "out", "-j", "1", "--no-progress")
    assert result.returncode == ExitCode.documents_failed
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert not any(line.startswith("tei-pipeline: ERROR: forged")
                   for line in result.stderr.splitlines())
    assert "evil\\n\\x1b[31mtei-pipeline: ERROR: forged\\x1b[0m\\u202e.txt" in result.stderr
    # report.json keeps the name exactly (JSON escapes it)
    (entry,) = report_of(tmp_path / "out")["documents"]
    assert entry["sources"] == [str(folder / name)]


# --- signals --------------------------------------------------------------------------------------

@pytest.fixture
def slow_tesseract(tmp_path: Path) -> Path:
    path = tmp_path / "fake-tesseract"
    path.write_text(FAKE_TESSERACT.format(python=sys.executable, repo=str(REPO)), encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_parent_alone_ends_the_batch_children_included(
    tmp_path: Path, slow_tesseract: Path, signum: signal.Signals, jobs: str
) -> None:
    memo = _blank_pages(tmp_path / "in" / "memo", ["page-1-slow.png", "page-2-slow.png"])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "TESSERACT_CMD": str(slow_tesseract),
           "TMPDIR": str(scratch)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(memo), "-o", str(tmp_path / "out"),
         "-j", jobs, "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    tesseracts = 2 if jobs == "2" else 1
    try:
        deadline = time.monotonic() + 30
        while len(_reading(proc.pid)) < tesseracts and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = _descendants(proc.pid)
        assert len(_reading(proc.pid)) == tesseracts, proc.stderr.read() if proc.poll() else ""
        # The parent alone, as `kill`, a service manager or a closed ssh session does
        os.kill(proc.pid, signum)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # a failed test leaves no batch behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == ExitCode.interrupted, err
    name = signal.Signals(signum).name
    how = "interrupted" if signum == signal.SIGINT else f"terminated ({name})"
    assert f"{how}; rerun the same command" in err and "Traceback" not in err
    time.sleep(0.2)
    assert not [pid for pid in tree if _alive(pid)], "children still running"
    assert list(scratch.iterdir()) == [], "temporary files left"
    assert not (tmp_path / "out" / STATE_DIR / "tmp").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pages_begun_before_the_pool_are_not_read_again_when_the_batch_is_stopped(
    tmp_path: Path, slow_tesseract: Path
) -> None:
    # Eight pages on two slots: the first two are read together in the parent, before the
    # pool. Stopped, that run is the batch's end, not a failure to read each page again alone.
    memo = _blank_pages(tmp_path / "in" / "memo", [f"page-{n}-slow.png" for n in range(1, 9)])
    env = {**os.environ, "PYTHONPATH": str(REPO), "TESSERACT_CMD": str(slow_tesseract)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(memo), "-o", str(tmp_path / "out"),
         "-j", "2", "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    log = slow_tesseract.parent / "runs.log"
    first = ["page-1-slow.png page-2-slow.png", "page-3-slow.png page-4-slow.png"]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
                not log.exists() or len(log.read_text().splitlines()) < 2):
            time.sleep(0.05)  # both runs begun (each writes its line once it has started)
        assert sorted(log.read_text().splitlines()) == first, proc.poll()
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == ExitCode.interrupted, err
    time.sleep(0.5)  # a run started late would have written its line by now
    assert sorted(log.read_text().splitlines()) == first  # no page read again


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_batch_run_under_nohup_survives_the_hangup(tmp_path: Path, slow_tesseract: Path) -> None:
    memo = _blank_pages(tmp_path / "in" / "memo", ["page-1-slow.png", "page-2-slow.png"])
    env = {**os.environ, "PYTHONPATH": str(REPO), "TESSERACT_CMD": str(slow_tesseract)}
    proc = subprocess.Popen(
        ["nohup", sys.executable, "-m", "pipeline", "run", str(memo), "-o", str(tmp_path / "out"),
         "-j", "2", "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(_reading(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        reading = _reading(proc.pid)
        assert len(reading) == 2, proc.stderr.read() if proc.poll() else ""
        os.killpg(proc.pid, signal.SIGHUP)  # the terminal closes: the whole group hears it
        time.sleep(1)
        assert proc.poll() is None and all(_alive(pid) for pid in reading)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- a property: participants, headers and stamps of every shape validate without the fallback ----

TITLES = ["", "Mr.", "Ambassador", "Minister of Foreign Affairs", "Secretary", "General Secretary",
          "Deputy Assistant Secretary", "The President", "VADM", "Chief of Staff", "Dr."]
NAMES = ["A.A. Gromyko", "Andrey M. Aleksandrov-Agentov", "Shultz", "Dobrynin", "Reagan",
         "D. Zarechnak", "Gorbachev", "Matlock", "Kampelman", "Ivan Ivanovich", "O'Brien",
         "Shevardnadze", "X"]
ROLES = ["", "Interpreter", "Assistant to the General Secretary of the CPSU", "Notetaker",
         "Minister", "of the CPSU", "Chief of Staff", "Ambassador"]
LABELS = ["PARTICIPANTS:", "Participants:", "US Participants:", "Soviet Participants:",
          "U.S. Side:", "Soviet Side:", "USSR", "U.S."]
HEADERS = ["MEMORANDUM OF CONVERSATION", "MEMORANDUM", "Date: June 23, 1986",
           "DATE: 3/5/47", "Time: 4:55 - 5:35pm", "Place: White House Oval Office",
           "SUBJECT: Arms control", "DATE, TIME AND PLACE: May 1, 1987, 10:00 a.m., Moscow",
           "United States Department of State", "Washington, D.C. 20520", "THE WHITE HOUSE"]
STAMPS = ["DECLASSIFIED", "NLRR FOI 714/5 #8479", "BY AI NARA DATE 11/29/07", "SECRET",
          "~~SECRET/SENSITIVE~~", "CONFIDENTIAL", "E.O. 12958", "DECL: OADR", "~~SECRET~~",
          "- 2 -", "Page 2 of 3", "(S)"]

participant = st.tuples(st.sampled_from(TITLES), st.sampled_from(NAMES), st.sampled_from(ROLES),
                        st.sampled_from([", ", " ", " - "])).map(
    lambda t: " ".join(filter(None, [t[0], t[1]])) + (t[3] + t[2] if t[2] else ""))
side = st.tuples(st.sampled_from(LABELS), st.lists(participant, min_size=0, max_size=5))
memo = st.tuples(
    st.lists(st.sampled_from(STAMPS), max_size=4),
    st.lists(st.sampled_from(HEADERS), max_size=5),
    st.lists(side, min_size=1, max_size=3),
    st.lists(st.sampled_from(STAMPS), max_size=3),
    st.booleans(),
)


def memo_text(parts: tuple) -> str:
    top, headers, sides, bottom, blank_lines = parts
    gap = "\n\n" if blank_lines else "\n"
    lines = [*top, *headers]
    for label, people in sides:
        lines.append(label)
        lines.extend(people)
    lines.append("Shultz said that Gromyko met Dobrynin.")
    lines.extend(bottom)
    return gap.join(lines) + "\n"


SETTINGS = worker.Settings(lang="eng", page_timeout=None, gazetteers=(), correct=True,
                           tesseract_version=None, processed="2023-11-14")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(memo)
def test_memos_of_every_shape_validate_without_the_fallback(parts: tuple) -> None:
    text = memo_text(parts)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"tei-pipeline-property-{os.getpid()}.txt"
    try:
        path.write_text(text, encoding="utf-8")
        source = sources.PageSource(str(path), 0, sources.InputKind.text)
        pages, _ = sources.pages_from_text(path, source)
    finally:
        path.unlink(missing_ok=True)
    meta = DocumentMeta("memo", [str(path)], "text", SETTINGS.processed, None)
    assembled = worker.assemble_task(SETTINGS, meta, pages)
    assert assembled.error is None, (text, assembled.error)
    assert assembled.problems == [], (text, assembled.problems)
    assert assembled.reduced == [], (text, assembled.reduced)
