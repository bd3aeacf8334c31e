"""The Tesseract module: real OCR, and fakes that crash, hang or print garbage."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline import executors, tesseract
from pipeline.exceptions import (
    Interrupted,
    MissingDependency,
    OcrFailed,
    TesseractNotFound,
    UsageError,
)
from tests import alto
from tests.conftest import alto_tesseract, command_line, fake_tesseract
from tests.render import line_file, line_image


@pytest.mark.slow
def test_real_tesseract_gives_words_with_boxes_and_confidence(tmp_path: Path) -> None:
    tesseract.configure()
    lines = tesseract.read(line_file(tmp_path, "Ambassador Dubinin said"), lang="eng",
                           timeout=60).lines
    words = [w for line in lines for w in line.words]
    assert [w.text for w in words] == ["Ambassador", "Dubinin", "said"]
    assert all(w.box is not None and w.box.width > 0 for w in words)
    assert all(w.conf is not None and 0 <= w.conf <= 100 for w in words)
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


@pytest.mark.slow
def test_pages_read_in_one_run_read_as_each_alone(tmp_path: Path) -> None:
    tesseract.configure()
    paths = []
    for n, text in enumerate(["Ambassador Dubinin said", "", "Secretary Shultz replied"]):
        paths.append(str(tmp_path / f"page {n}.png"))  # a space in a path is fine
        line_image(text).save(paths[-1], dpi=(300, 300))
    together = [r.lines for r in tesseract.start_pages(paths, lang="eng", timeout=60).readings()]
    alone = [tesseract.read(p, lang="eng", timeout=60).lines for p in paths]
    assert together == alone
    assert [" ".join(w.text for line in page for w in line.words) for page in together] == [
        "Ambassador Dubinin said", "", "Secretary Shultz replied"]


@pytest.mark.slow
def test_a_page_file_whose_name_holds_a_line_break_is_read_alone_and_with_others(
    tmp_path: Path
) -> None:
    """Tesseract's list has a file a line: such a name is given by a link, not refused."""
    tesseract.configure()
    odd, plain = tmp_path / "memo\npage 1.png", tmp_path / "page 2.png"
    line_image("Ambassador Dubinin said").save(odd, dpi=(300, 300))
    line_image("Secretary Shultz replied").save(plain, dpi=(300, 300))
    alone = tesseract.read(str(odd), lang="eng", timeout=60)
    together = tesseract.start_pages([str(odd), str(plain)], lang="eng", timeout=60).readings()
    assert [w.text for line in alone.lines for w in line.words] == [
        "Ambassador", "Dubinin", "said"]
    assert [r.lines for r in together][0] == alone.lines
    assert odd.is_file()  # the link went with the run's folder, the page stays


def test_a_run_that_reads_fewer_pages_than_it_was_given_fails(use_cmd, tmp_path: Path) -> None:
    use_cmd(alto_tesseract(tmp_path, ["word"], pages=1))
    paths = []
    for n in range(2):
        paths.append(str(tmp_path / f"{n}.png"))
        line_image("x").save(paths[-1])
    assert len(tesseract.start_pages(paths[:1], lang="eng", timeout=10).readings()) == 1
    with pytest.raises(OcrFailed, match="read 1 of 2 pages"):
        tesseract.start_pages(paths, lang="eng", timeout=10).readings()


def test_check_reports_version_and_missing_language(use_cmd) -> None:
    assert tesseract.check("eng").startswith("5")
    with pytest.raises(UsageError, match="tesseract-ocr-rus"):
        tesseract.check("eng+rus")


def test_missing_program_says_how_to_install(use_cmd, tmp_path: Path) -> None:
    use_cmd(str(tmp_path / "no-such-tesseract"))
    with pytest.raises(TesseractNotFound, match="apt-get install"):
        tesseract.check("eng")


@pytest.mark.parametrize(("answer", "message"), [
    # pytesseract raised SystemExit on a version it could not parse: exit 1, two lines
    ('if [ "$1" = "--version" ]; then echo "garbage here"; exit 0; fi\n'
     'echo "List of available languages (1):"; echo eng',
     "does not run properly: .*garbage here"),
    ("echo 'tesseract: error while loading shared libraries: libtesseract.so.5' >&2; exit 127",
     r"--version ended with exit 127: .*libtesseract"),
], ids=["garbled", "crashes"])
def test_a_tesseract_that_cannot_say_its_version_is_a_broken_install(
    use_cmd, tmp_path: Path, answer: str, message: str
) -> None:
    script = tmp_path / "broken-tesseract"
    script.write_text(f"#!/bin/sh\n{answer}\n")
    script.chmod(0o755)
    use_cmd(str(script))
    with pytest.raises(MissingDependency, match=message):
        tesseract.check("eng")


def test_crash_becomes_ocr_failed_with_its_message(use_cmd, tmp_path: Path) -> None:
    use_cmd(fake_tesseract(tmp_path, 'echo "Error in pixReadStream: bad data" >&2; exit 1'))
    with pytest.raises(OcrFailed, match=r"exit 1.*bad data"):
        tesseract.read(line_file(tmp_path, "x"), lang="eng", timeout=10)


def test_a_run_that_ends_before_it_is_given_its_pages_fails_with_its_message(
    use_cmd, tmp_path: Path
) -> None:
    """Tesseract exits at start (a broken language file): giving it pages raises nothing."""
    use_cmd(fake_tesseract(tmp_path, 'echo "Failed loading language \'eng\'" >&2; exit 1'))
    running = tesseract.start(lang="eng", timeout=10)
    time.sleep(0.5)  # it has exited: its end of the pipe is closed
    running.give([line_file(tmp_path, "x")])
    with pytest.raises(OcrFailed, match="exit 1.*Failed loading language"):
        running.readings()


@pytest.mark.slow
def test_a_wrapper_that_keeps_tesseracts_input_from_it_is_named_with_what_to_do(
    use_cmd, tmp_path: Path
) -> None:
    """A TESSERACT_CMD that does not pass the list of pages on: the page's message says so."""
    wrapper = tmp_path / "wrap"
    wrapper.write_text('#!/bin/sh\nexec tesseract "$@" < /dev/null\n')
    wrapper.chmod(0o755)
    use_cmd(str(wrapper))
    with pytest.raises(OcrFailed, match=r"Error during processing\.; TESSERACT_CMD is .*wrap: "
                                        r"it must pass its standard input on"):
        tesseract.read(line_file(tmp_path, "x"), lang="eng", timeout=30)


def test_a_run_stopped_before_it_is_given_pages_leaves_nothing(
    use_cmd, tmp_path: Path
) -> None:
    use_cmd(fake_tesseract(tmp_path, "cat > /dev/null; sleep 30"))
    running = tesseract.start(lang="eng", timeout=10)
    folder = Path(running._folder)
    assert folder.is_dir()
    running.stop()
    assert not folder.exists()
    assert not [pid for pid in executors.children() if "fake-tesseract" in command_line(pid)]


def test_a_list_longer_than_the_pipe_holds_waits_for_tesseract_within_its_time_limit(
    use_cmd, tmp_path: Path
) -> None:
    """A Tesseract that never reads its list: the run times out, the caller is not stuck."""
    use_cmd(fake_tesseract(tmp_path, "sleep 30"))
    pages = [str(tmp_path / f"a-page-with-a-long-name-{n:05d}.tif") for n in range(3000)]
    running = tesseract.start(lang="eng", timeout=0.001)
    started = time.monotonic()
    running.give(pages)  # some 200 KB: more than a pipe holds
    assert time.monotonic() - started < 1
    with pytest.raises(OcrFailed, match="timed out"):
        running.readings()


def test_timeout_becomes_ocr_failed(use_cmd, tmp_path: Path) -> None:
    use_cmd(fake_tesseract(tmp_path, "sleep 30"))
    with pytest.raises(OcrFailed, match="timed out after 1 s"):
        tesseract.read(line_file(tmp_path, "x"), lang="eng", timeout=1)


def test_once_the_batch_ends_no_run_starts_and_a_stopped_one_is_no_page_fault(
    use_cmd, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    use_cmd(fake_tesseract(tmp_path, f'touch "{started}"; kill -TERM $$'))
    try:
        # Stopped with the batch (the parent's SIGTERM): an interruption, not "failed (exit -15)"
        running = tesseract.start_pages([line_file(tmp_path, "x")], lang="eng", timeout=10)
        tesseract.end_runs("SIGTERM")
        with pytest.raises(Interrupted):
            running.readings()
        started.unlink()
        with pytest.raises(Interrupted):  # a thread about to start one starts none
            tesseract.read(line_file(tmp_path, "y"), lang="eng", timeout=10)
        assert not started.exists()
    finally:
        tesseract.end_runs(None)
    with pytest.raises(OcrFailed, match="exit -15"):  # killed by someone else: the page's fault
        tesseract.read(line_file(tmp_path, "z"), lang="eng", timeout=10)


def test_garbage_output_becomes_ocr_failed(use_cmd, tmp_path: Path) -> None:
    use_cmd(fake_tesseract(tmp_path, 'printf "\\001\\002 garbage\\nmore" > "$2.xml"; exit 0'))
    with pytest.raises(OcrFailed, match="cannot be read"):
        tesseract.read(line_file(tmp_path, "x"), lang="eng", timeout=10)


def test_no_output_file_becomes_ocr_failed(use_cmd, tmp_path: Path) -> None:
    use_cmd(fake_tesseract(tmp_path, "exit 0"))
    with pytest.raises(OcrFailed, match="no output"):
        tesseract.read(line_file(tmp_path, "x"), lang="eng", timeout=10)


def test_lines_group_words_by_paragraph_and_line_from_the_alto() -> None:
    from lxml import etree

    from pipeline.sidecars import alto_pages

    paragraphs = [[[("Date:", 0, 0, 40, 20, 90), ("June", 50, 0, 40, 20, 80)],
                   [("Place:", 0, 30, 40, 20, 9)]],
                  [[("Oval", 0, 90, 40, 20, 100), ("&amp", 50, 90, 40, 20, 0)]]]
    (page,) = alto_pages(etree.fromstring(alto.document([paragraphs]).encode()))
    lines = tesseract.lines_from_alto(page)
    assert [line.text for line in lines] == ["Date: June", "Place:", "Oval &amp"]
    assert [line.block for line in lines] == [0, 0, 1]
    assert lines[0].box is not None and lines[0].box.x1 == 90
    # Tesseract writes a confidence of 9 as WC="0.9", of 100 as "0.100"
    assert [w.conf for line in lines for w in line.words] == [90, 80, 9, 100, 0]


@pytest.mark.parametrize(("wc", "conf"), [("0.96", 96), ("0.9", 9), ("0.09", 9), ("0.100", 100),
                                          ("0.0", 0), ("1.0", 100), ("", None), ("x", None)])
def test_alto_word_confidence(wc: str, conf: float | None) -> None:
    assert tesseract._confidence(wc) == conf


def test_a_character_xml_refuses_in_a_word_costs_the_character_not_the_page(
    use_cmd, tmp_path: Path
) -> None:
    """A control character read in a word is replaced (U+FFFD), the page read.

    Tesseract escapes only XML's markup characters in its ALTO: the file is not XML then.
    """
    page = alto.document([alto.one_line(["Ambassador", "Dub\x01inin", "said"])])
    written = tmp_path / "page.xml"
    written.write_text(page, encoding="utf-8")
    use_cmd(fake_tesseract(tmp_path, f'cp {written} "$2.xml"'))
    reading = tesseract.read(line_file(tmp_path, "x"), lang="eng", timeout=10)
    assert [w.text for line in reading.lines for w in line.words] == [
        "Ambassador", "Dub\ufffdinin", "said"]
