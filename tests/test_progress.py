"""Progress: the bar on a terminal, log lines otherwise, silence with -q; stdout stays empty."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.progress import Progress, render_bar
from tests.conftest import REPO, SEED


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_render_bar() -> None:
    assert render_bar(0, 40, width=10) == "[..........]"
    assert render_bar(20, 40, width=10) == "[#####.....]"
    assert render_bar(39, 40, width=10) == "[#########.]"
    assert render_bar(40, 40, width=10) == "[##########]"
    assert render_bar(50, 40, width=10) == "[##########]"  # a text file had more pages than counted
    assert render_bar(0, 0, width=10) == "[##########]"


def test_line_says_pages_rate_and_time_left() -> None:
    clock = Clock()
    progress = Progress(40, enabled=True, bar=False, stream=io.StringIO(), clock=clock)
    assert progress.line() == "0/40 pages, 0.0 pages/min, time left unknown"
    clock.now += 60
    progress.advance(10)
    assert progress.line() == "10/40 pages, 10.0 pages/min, about 3m00s left"
    clock.now += 3 * 3600
    progress.advance(1)
    assert progress.line() == "11/40 pages, 0.1 pages/min, about 7h57m left"


def test_bar_on_a_terminal_is_redrawn_in_place_and_ended_by_close() -> None:
    clock = Clock()
    screen = Terminal()
    progress = Progress(4, enabled=True, bar=None, stream=screen, clock=clock)
    assert progress.bar
    for _ in range(4):
        clock.now += 30
        progress.advance()
    progress.close()
    text = screen.getvalue()
    assert text.count("\r") == 5 and text.endswith("\n") and text.count("\n") == 1
    last = text.rsplit("\r", 1)[1]
    assert last.startswith(f"[{'#' * 30}] 4/4 pages, 2.0 pages/min, about 0s left")


def test_bar_redraws_at_most_five_times_a_second() -> None:
    clock = Clock()
    screen = Terminal()
    progress = Progress(1000, enabled=True, bar=True, stream=screen, clock=clock)
    for _ in range(1000):
        clock.now += 0.001
        progress.advance()
    assert screen.getvalue().count("\r") <= 2 + 1 / 0.2


def test_log_lines_when_not_a_terminal_every_interval() -> None:
    clock = Clock()
    stream = io.StringIO()
    progress = Progress(100, enabled=True, bar=None, interval=5.0, stream=stream, clock=clock)
    assert not progress.bar
    for _ in range(100):
        clock.now += 1
        progress.advance()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert [line.split()[1] for line in lines] == [f"{n}/100" for n in range(1, 100, 5)] + [
        "100/100"]  # the first page, then one line every 5 s, then the end
    assert all(line.startswith("tei-pipeline: ") and "pages/min" in line for line in lines)
    assert lines[-1] == "tei-pipeline: 100/100 pages, 60.0 pages/min, about 0s left"


def test_total_follows_the_pages_text_files_turn_out_to_have() -> None:
    progress = Progress(6, enabled=True, bar=False, stream=io.StringIO())
    progress.advance(1, planned=1)
    progress.advance(7, planned=5)  # a text file counted as 5 pages had 7
    assert (progress.done, progress.total) == (8, 8)
    progress = Progress(3, enabled=True, bar=False, stream=io.StringIO())
    progress.advance(0, planned=3)  # a text file that could not be read
    assert (progress.done, progress.total) == (0, 0)


def test_nothing_shown_when_quiet_or_when_nothing_is_to_do() -> None:
    for progress in (Progress(10, enabled=False, bar=True, stream=Terminal()),
                     Progress(0, enabled=True, bar=True, stream=Terminal())):
        progress.advance()
        progress.close()
        assert progress.stream.getvalue() == ""


def test_log_line_clears_the_bar_first() -> None:
    screen = Terminal()
    handler = logging.StreamHandler(screen)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        progress = Progress(4, enabled=True, bar=True, stream=screen)
        progress.advance()
        logging.getLogger("pipeline").error("memo page 2: tesseract timed out")
        progress.advance()
        progress.close()
        logging.getLogger("pipeline").error("after")
    finally:
        root.removeHandler(handler)
    text = screen.getvalue()
    assert "\r\x1b[Kmemo page 2: tesseract timed out\n\r[" in text
    assert text.endswith("pages/min, about 0s left\x1b[K\nafter\n")  # the filter is gone


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pipeline", "run", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=cwd)


@pytest.fixture(scope="module")
def text_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("progress")
    batch = root / "in"
    batch.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for n in range(3):
        (batch / f"memo-{n}.txt").write_text(text + "\f" + text, encoding="utf-8")
    (batch / "empty.txt").write_bytes(b"")  # a failed document: a warning, exit 1
    return batch


def test_cli_not_on_a_terminal_logs_progress_lines_to_stderr_only(text_batch: Path) -> None:
    result = _run(str(text_batch), "-o", str(text_batch.parent / "out"), "-j", "2",
                  cwd=text_batch.parent)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    progress = [line for line in lines if "pages/min" in line]
    assert progress and progress[-1].startswith("tei-pipeline: 6/6 pages, ")
    assert "\r" not in result.stderr
    assert any("empty" in line and "WARNING" in line for line in lines)
    assert "4 documents (3 ok, 0 degraded, 1 failed)" in lines[-1]


def test_cli_quiet_prints_only_errors(text_batch: Path) -> None:
    out = text_batch.parent / "out-quiet"
    result = _run(str(text_batch), "-o", str(out), "-j", "2", "-q", cwd=text_batch.parent)
    assert result.returncode == 1  # the empty file: in the report, not on the screen
    assert (result.stdout, result.stderr) == ("", "")
    assert (out / "memo-0.xml").is_file()
    result = _run(str(text_batch / "missing"), "-o", str(out), "-q", cwd=text_batch.parent)
    assert result.returncode == 2 and "no such file" in result.stderr and result.stdout == ""


def test_cli_verbose_says_where_time_went(text_batch: Path) -> None:
    out = text_batch.parent / "out-verbose"
    result = _run(str(text_batch / "memo-0.txt"), "-o", str(out), "-j", "2", "-v",
                  cwd=text_batch.parent)
    assert result.returncode == 0, result.stderr
    assert "memo-0: 2 pages, OCR " in result.stderr and "validation " in result.stderr
    assert result.stdout == ""
