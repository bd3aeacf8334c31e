"""Start-up and waiting (issue 16): Tesseract starts before the heavy set-up, which runs meanwhile.

Behaviour only: what is imported before the first page is read, that the set-up runs while
Tesseract reads, that a run's end is seen as it happens. The timings are bench/bench_batch.py's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import ImageOps

from pipeline import driver, executors, ocr, tesseract, worker
from pipeline.exceptions import OcrFailed
from pipeline.model import InputKind, PageSource
from tests.conftest import REPO, alto_tesseract, command_line, fake_tesseract, run_batch
from tests.render import line_image

# What the stages after OCR need, and what only they need: none of it is loaded to start.
AFTER_OCR = ("lxml", "rapidfuzz", "iiif_prezi3", "pydantic", "pipeline.structure",
             "pipeline.tei", "pipeline.correction", "pipeline.validate", "pipeline.iiif")


def test_the_command_line_starts_without_the_stages_after_ocr() -> None:
    """Importing the driver loads what reading a page needs, not what assembling needs."""
    code = (
        "import json, sys; import pipeline.cli, pipeline.driver; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = set(json.loads(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout))
    assert {"pipeline.ocr", "pipeline.tesseract", "PIL.Image"} <= loaded
    early = sorted(m for m in loaded if m.split(".")[0] in AFTER_OCR or m.startswith(AFTER_OCR))
    assert early == []


def test_the_first_tesseract_can_start_before_numpy_is_loaded() -> None:
    """numpy (some 0.05 s) is for making pages ready: the driver and the check load it not.

    The driver has it imported beside, while the first page is found and decoded; the
    version check asks Tesseract itself, not through pytesseract (which imports numpy).
    """
    code = (
        "import json, sys; import pipeline.cli, pipeline.driver; "
        "from pipeline import tesseract; version = tesseract.check('eng'); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = set(json.loads(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout))
    assert "PIL.Image" in loaded
    assert not loaded & {"numpy", "pytesseract", "pipeline.strike", "pipeline.redactions"}


def test_a_page_made_ready_for_tesseract_loads_only_the_image_plugins_it_uses(
    tmp_path: Path,
) -> None:
    """Writing the TIFF does not make Pillow import all its plugins (45 ms a process)."""
    page = tmp_path / "page.png"
    line_image("~~SECRET~~ Ambassador Dubinin said").save(page, dpi=(300, 300))
    code = (
        "import json, sys; from pathlib import Path; from pipeline import ocr; "
        "from pipeline.model import Page, PageSource; "
        f"ocr._prepare(Page(1, PageSource({str(page)!r})), Path({str(tmp_path / 'x.tif')!r}), "
        "rotation=90); "  # turned: never the original file, always a TIFF written
        "print(json.dumps(sorted(m for m in sys.modules if m.endswith('ImagePlugin'))))"
    )
    plugins = json.loads(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout)
    assert (tmp_path / "x.tif").exists()
    assert "PIL.TiffImagePlugin" in plugins and len(plugins) <= 8, plugins


@pytest.mark.slow
def test_the_set_up_runs_while_tesseract_reads(tmp_path: Path) -> None:
    """The caller's task runs once, with the page's Tesseract running beside it."""
    path = tmp_path / "page.png"
    line_image("Ambassador Dubinin said").save(path, dpi=(300, 300))
    source = PageSource(path=str(path), kind=InputKind.images, index=0)
    seen: list[list[str]] = []
    tesseract.configure()
    pages = ocr.read_images(
        [source], lang="eng", timeout=60,
        while_reading=lambda: seen.append([command_line(pid) for pid in executors.children()]))
    assert len(seen) == 1
    assert [c for c in seen[0] if "tesseract stdin" in c], "no Tesseract ran"
    assert [w.text for line in pages[0].lines for w in line.words] == [
        "Ambassador", "Dubinin", "said"]


def _tesseracts() -> list[str]:
    return [c for c in map(command_line, executors.children()) if "tesseract stdin" in c]


@pytest.mark.slow
def test_tesseract_loads_its_models_while_the_pages_are_made_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started once the first page is decoded; the pages it is given then read as ever."""
    paths = []
    for n in range(2):
        paths.append(tmp_path / f"page-{n}.png")
        line_image(f"Ambassador Dubinin said {n}").save(paths[-1], dpi=(300, 300))
    making_ready = ocr._make_ready
    seen: list[list[str]] = []

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(_tesseracts())
        return making_ready(*args, **kwargs)

    monkeypatch.setattr(ocr, "_make_ready", watched)
    tesseract.configure()
    pages = ocr.read_images([PageSource(str(p), 0, InputKind.images) for p in paths],
                            lang="eng", timeout=60)
    assert [len(running) for running in seen] == [1, 1]  # one run, begun before either page
    assert [[w.text for line in page.lines for w in line.words] for page in pages] == [
        ["Ambassador", "Dubinin", "said", "0"], ["Ambassador", "Dubinin", "said", "1"]]
    assert not _tesseracts()


@pytest.mark.slow
def test_a_run_begun_for_a_page_that_then_fails_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page cannot be written for Tesseract: its run is not left waiting.

    The second page, of another resolution, goes to a run of its own.
    """
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    line_image("Ambassador Dubinin said").save(first, dpi=(300, 300))
    line_image("Secretary Shultz replied").save(second, dpi=(200, 200))
    making_ready = ocr._make_ready

    def failing_first(decoded: ocr._Decoded, scratch: Path) -> ocr._Prepared:
        if decoded.page.source.path == str(first):
            raise OcrFailed("cannot write the page for Tesseract: disk full")
        return making_ready(decoded, scratch)

    monkeypatch.setattr(ocr, "_make_ready", failing_first)
    tesseract.configure()
    pages = ocr.read_images([PageSource(str(p), 0, InputKind.images) for p in (first, second)],
                            lang="eng", timeout=60)
    assert pages[0].error == "cannot write the page for Tesseract: disk full"
    assert [w.text for line in pages[1].lines for w in line.words] == [
        "Secretary", "Shultz", "replied"]
    assert not _tesseracts()


def test_a_bug_while_the_pages_are_made_ready_leaves_no_run_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "page.png"
    line_image("Ambassador Dubinin said").save(path, dpi=(300, 300))

    def broken(*args: object, **kwargs: object) -> None:
        assert _tesseracts(), "Tesseract was not started before the page was made ready"
        raise KeyboardInterrupt

    monkeypatch.setattr(ocr, "_make_ready", broken)
    tesseract.configure()
    with pytest.raises(KeyboardInterrupt):
        ocr.read_images([PageSource(str(path), 0, InputKind.images)], lang="eng", timeout=60)
    assert not _tesseracts()


def test_a_failing_set_up_does_not_fail_the_page(tmp_path: Path, use_cmd) -> None:
    use_cmd(alto_tesseract(tmp_path, ["Ambassador", "Dubinin", "said"]))
    path = tmp_path / "page.png"
    line_image("Ambassador Dubinin said").save(path, dpi=(300, 300))
    source = PageSource(path=str(path), kind=InputKind.images, index=0)
    calls = []

    def broken() -> None:
        calls.append("set-up")
        raise RuntimeError("a bug in the set-up")

    pages = ocr.read_images([source], lang="eng", timeout=60, while_reading=broken)
    assert calls == ["set-up"]
    assert pages[0].error is None
    assert [w.text for line in pages[0].lines for w in line.words] == [
        "Ambassador", "Dubinin", "said"]


def test_the_serial_executor_builds_the_context_only_when_needed(monkeypatch) -> None:
    """A one-page batch runs in the parent: its context is built while Tesseract reads."""
    monkeypatch.setattr(worker, "_contexts", {})
    settings = worker.Settings(lang="eng", page_timeout=60, gazetteers=(), correct=True,
                               tesseract_version="5.3.0", processed="2023-11-14")
    executors.SerialExecutor(settings)
    assert worker._contexts == {}
    worker.warm_up(settings)
    assert list(worker._contexts) == [settings]


def test_the_warm_up_loads_the_kinds_of_record_the_assembly_tells_apart() -> None:
    """Their modules and patterns, some 7 ms, are loaded while Tesseract reads, not after."""
    code = (
        "import sys; from pipeline import worker; "
        "s = worker.Settings(lang='eng', page_timeout=60, gazetteers=(), correct=True, "
        "tesseract_version='5.3.0', processed='2023-11-14', sidecars=False); "
        "worker.warm_up(s); "
        "print(sorted(m for m in sys.modules if m.startswith('pipeline.structure.profiles.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=REPO).stdout
    for kind in ("telegram", "directive", "cia_cable", "memcon", "form", "generic"):
        assert f"pipeline.structure.profiles.{kind}" in loaded


def test_a_run_over_its_time_is_stopped(tmp_path: Path, use_cmd) -> None:
    use_cmd(fake_tesseract(tmp_path, "sleep 30"))
    image = tmp_path / "page.png"
    line_image("x").save(image)
    started = time.monotonic()
    with pytest.raises(OcrFailed, match="timed out after 0.5 s"):
        tesseract.read(str(image), lang="eng", timeout=0.5)
    assert time.monotonic() - started < 10
    assert not [pid for pid in executors.children() if "fake-tesseract" in command_line(pid)]


def test_the_run_folder_is_in_memory_and_a_killed_run_s_is_swept(tmp_path: Path,
                                                                    monkeypatch) -> None:
    """Pages for Tesseract go to a memory-backed folder; a run killed with -9 leaves one there.

    The next run removes the folders of runs that are gone, never those of a live one.
    """
    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(driver, "MEMORY_FOLDER", str(memory))
    monkeypatch.setattr(driver, "MEMORY_FOLDER_FREE", 0)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = memory / f"tei-pipeline-{gone}-abc"
    (stale / "inner").mkdir(parents=True)
    live = memory / f"tei-pipeline-{os.getppid()}-def"
    live.mkdir()
    other = memory / "someone-else"
    other.mkdir()
    with driver._scratch(True) as folder:
        assert folder is not None and Path(folder).parent == memory
        assert Path(folder).is_dir()
    assert not Path(folder).exists()
    assert not stale.exists()
    assert live.is_dir() and other.is_dir()


def test_tmpdir_set_by_the_user_is_where_the_run_folder_goes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    with driver._scratch(True) as folder:
        assert folder is not None and Path(folder).parent == tmp_path


@pytest.mark.slow
def test_every_tesseract_runs_one_thread_even_a_lone_page_s(tmp_path: Path, use_cmd) -> None:
    """One thread a Tesseract, whatever the batch.

    Its OpenMP threads, given an idle core, read one page 12% sooner, and any other program on
    the machine makes them 2 to 9 times slower (measured on 2 cores, spinning or passive
    waiting alike).
    """
    log = tmp_path / "threads.log"
    use_cmd(fake_tesseract(tmp_path, f'echo "$OMP_THREAD_LIMIT" >> {log}; exec tesseract "$@"'))
    for count in (1, 2):
        folder = tmp_path / f"memo-{count}"
        folder.mkdir()
        for n in range(count):
            line_image("Ambassador Dubinin said").save(folder / f"page-{n}.png", dpi=(300, 300))
        log.unlink(missing_ok=True)
        code, _ = run_batch([folder], tmp_path / f"out-{count}", jobs=2)
        assert code == 0
        assert set(log.read_text().split()) == {"1"}


def test_only_a_mostly_dark_page_is_read_for_white_on_black_text(tmp_path: Path) -> None:
    """Tesseract's second, inverted reading costs 6% on typed pages and found no word there."""
    page = line_image("Ambassador Dubinin said")
    assert not ocr.mostly_dark(page)
    assert not ocr.mostly_dark(page.convert("1"))
    assert not ocr.mostly_dark(page.convert("RGB"))
    negative = ImageOps.invert(page)
    assert ocr.mostly_dark(negative)
    assert ocr.mostly_dark(negative.convert("1"))
    assert "tessedit_do_invert=0" in tesseract._config(None, 300, negative=False)
    assert "tessedit_do_invert" not in tesseract._config(None, 300, negative=True)


@pytest.mark.slow
def test_a_negative_page_is_read(tmp_path: Path) -> None:
    """White text on a black page: read, as Tesseract reads it by default."""
    path = tmp_path / "negative.png"
    ImageOps.invert(line_image("Ambassador Dubinin said")).save(path, dpi=(300, 300))
    tesseract.configure()
    pages = ocr.read_images([PageSource(path=str(path), kind=InputKind.images, index=0)],
                            lang="eng", timeout=60)
    assert [w.text for line in pages[0].lines for w in line.words] == [
        "Ambassador", "Dubinin", "said"]


@pytest.mark.slow
def test_the_first_pages_are_read_while_the_workers_start(tmp_path: Path) -> None:
    """With a pool, the parent starts the first pages' Tesseract before forking the workers.

    Every page is read once and the batch is whole: the parent's pages go with the others.
    """
    log = tmp_path / "parents.log"
    cmd = fake_tesseract(tmp_path, f'echo "$PPID $1" >> {log}; exec tesseract "$@"')
    memo = tmp_path / "in" / "memo"
    memo.mkdir(parents=True)
    for n in range(5):
        line_image(f"Ambassador Dubinin said {n}").save(memo / f"page-{n}.png", dpi=(300, 300))
    single = tmp_path / "in" / "single.png"
    line_image("Secretary Shultz replied").save(single, dpi=(300, 300))
    env = {**os.environ, "PYTHONPATH": str(REPO), "TESSERACT_CMD": cmd}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(memo), str(single), "-o",
         str(tmp_path / "out"), "-j", "2", "-q"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:  # hung: a failure, and no batch left behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, err
    runs = [line.split(" ", 1) for line in log.read_text().splitlines()]
    parents = {int(parent) for parent, what in runs if not what.startswith("-")}
    assert proc.pid in parents  # the run's own process read the first pages
    assert len(parents) >= 2  # and a worker the others
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [d["status"] for d in report["documents"]] == ["ok", "ok"]
    assert sorted(d["pages"] for d in report["documents"]) == [1, 5]
    text = (tmp_path / "out" / "memo.xml").read_text()
    assert all(f"said {n}" in text for n in range(5))


@pytest.mark.slow
def test_the_first_page_is_made_ready_and_begun_while_tesseract_tells_its_version(
    tmp_path: Path, use_cmd
) -> None:
    """One page, read in this process: its Tesseract starts before the check's answer comes."""
    log = tmp_path / "runs.log"
    use_cmd(fake_tesseract(tmp_path, ""))
    script = Path(tesseract.program())
    script.write_text(  # the version's answer takes a second
        "#!/bin/sh\n"
        f'echo "start $1" >> {log}\n'
        'case "$1" in\n'
        f'  --version) sleep 1; echo "end $1" >> {log}; exec tesseract "$@";;\n'
        f'  -*) echo "end $1" >> {log}; exec tesseract "$@";;\n'
        "esac\n"
        'exec tesseract "$@"\n')
    page = tmp_path / "memo.png"
    line_image("Ambassador Dubinin said").save(page, dpi=(300, 300))
    code, report = run_batch([page], tmp_path / "out")
    assert code == 0 and report["documents"][0]["status"] == "ok"
    events = log.read_text().split("\n")
    assert events.index("start stdin") < events.index("end --version")


def test_a_resumed_batch_begins_the_first_document_it_has_not_done(
    tmp_path: Path, use_cmd
) -> None:
    """Not the pages of a document done already: begun before the plan, they were stopped."""
    memo, other, out = _memo_done_other_not(tmp_path, use_cmd)
    events = _reading_events(lambda: run_batch([memo, other], out))
    assert [d["status"] for d in events.report["documents"]] == ["ok", "ok"]
    assert events.seen[0] == ("read", [str(other / "page-0.png")], True)  # begun early
    assert [p for what, paths, _ in events.seen if what == "read" for p in paths] == [
        str(other / f"page-{n}.png") for n in range(2)]
    # no page of memo begun; the run's end stops what it began (read by then: nothing to do)
    assert all("memo" not in p for _, paths, _ in events.seen for p in paths)
    assert not [pid for pid in executors.children() if "alto-tesseract" in command_line(pid)]


def test_pages_begun_for_a_document_the_plan_finds_done_are_stopped_and_the_batch_goes_on(
    tmp_path: Path, use_cmd
) -> None:
    """Its output gone, a done document is begun again before the plan; the plan stops it.

    (A run with other settings makes every document again: there the pages begun are read.)
    """
    memo, other, out = _memo_done_other_not(tmp_path, use_cmd)
    (out / "memo.xml").rename(out / "memo.xml.away")  # not there when the run begins
    events = _reading_events(lambda: run_batch([memo, other], out), before_plan=lambda: (
        out / "memo.xml.away").rename(out / "memo.xml"))  # there when the plan looks
    assert [d["status"] for d in events.report["documents"]] == ["ok", "ok"]
    what, paths, _ = events.seen[0]  # begun for memo, and stopped before the batch reads on
    assert what == "stop" and all("memo" in path for path in paths)
    assert [p for what, paths, _ in events.seen if what == "read" for p in paths] == [
        str(other / f"page-{n}.png") for n in range(2)]
    assert not [pid for pid in executors.children() if "alto-tesseract" in command_line(pid)]


def _memo_done_other_not(tmp_path: Path, use_cmd: Callable[[str], None]
                         ) -> tuple[Path, Path, Path]:
    """Two scanned memos of two pages, the first made already into the output folder."""
    use_cmd(alto_tesseract(tmp_path, ["Ambassador", "Dubinin", "said"]))
    memo, other = tmp_path / "in" / "memo", tmp_path / "in" / "other"
    for folder in (memo, other):
        folder.mkdir(parents=True)
        for n in range(2):
            line_image("Ambassador Dubinin said").save(folder / f"page-{n}.png", dpi=(300, 300))
    out = tmp_path / "out"
    assert run_batch([memo], out)[0] == 0
    return memo, other, out


@dataclass
class _Events:
    report: dict
    seen: list[tuple[str, list[str], bool]]  # stop or read, the pages, begun before the plan


def _reading_events(run: Callable[[], tuple[int, dict]],
                    before_plan: Callable[[], object] | None = None) -> _Events:
    """The pages begun and stopped, and those read (and whether begun early), in a run."""
    seen: list[tuple[str, list[str], bool]] = []
    stop, read_task, plan = ocr.ImageReading.stop, driver.read_task, driver._plan

    def watched_stop(reading: ocr.ImageReading) -> None:
        seen.append(("stop", [p.source.path for p in reading.pages], True))
        stop(reading)

    def watched_read(settings: object, tasks: list, *rest: object) -> object:
        seen.append(("read", [t.source.path for t in tasks], bool(rest and rest[0])))
        return read_task(settings, tasks, *rest)  # type: ignore[arg-type]

    def watched_plan(*args: object, **kwargs: object) -> object:
        if before_plan is not None:
            before_plan()
        return plan(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ocr.ImageReading, "stop", watched_stop)
        patch.setattr(driver, "read_task", watched_read)
        patch.setattr(driver, "_plan", watched_plan)
        code, report = run()
    assert code == 0
    return _Events(report, seen)


def test_pages_begun_before_a_pool_that_cannot_start_are_not_left_running(
    tmp_path: Path, monkeypatch, use_cmd
) -> None:
    use_cmd(fake_tesseract(tmp_path, "sleep 30"))
    memo = tmp_path / "memo"
    memo.mkdir()
    for n in range(3):
        line_image("Ambassador Dubinin said").save(memo / f"page-{n}.png", dpi=(300, 300))

    def no_pool(*args: object, **kwargs: object) -> None:
        running = [c for c in map(command_line, executors.children()) if "fake-tesseract" in c]
        assert running, "the first pages were not begun before the pool"
        raise OSError("cannot start worker processes")

    monkeypatch.setattr(driver, "make_executor", no_pool)
    with pytest.raises(OSError, match="cannot start worker processes"):
        run_batch([memo], tmp_path / "out", executor="process", jobs=2)
    assert not [pid for pid in executors.children() if "fake-tesseract" in command_line(pid)]


@pytest.mark.slow
def test_no_more_tesseracts_run_at_once_than_jobs(tmp_path: Path) -> None:
    """The first pages read in the parent take a slot: the pool runs one task fewer meanwhile.

    Three Tesseracts on two cores made every page cost some 10% more CPU (bench_batch.py).
    """
    log = tmp_path / "times.log"
    cmd = fake_tesseract(tmp_path, f'case "$1" in -*) exec tesseract "$@";; esac\n'
                                   f'echo "1 $(date +%s.%N)" >> {log}; sleep 2\n'
                                   f'tesseract "$@"; rc=$?\n'
                                   f'echo "-1 $(date +%s.%N)" >> {log}; exit $rc')
    memo = tmp_path / "in" / "memo"
    memo.mkdir(parents=True)
    for n in range(10):
        line_image(f"Ambassador Dubinin said {n}").save(memo / f"page-{n}.png", dpi=(300, 300))
    env = {**os.environ, "PYTHONPATH": str(REPO), "TESSERACT_CMD": cmd}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(memo), "-o", str(tmp_path / "out"),
         "-j", "2", "-q"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    events = sorted((float(t), int(step)) for step, t in
                    (line.split() for line in log.read_text().splitlines()))
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert sum(step > 0 for _, step in events) >= 3  # the parent's run and the workers'
    assert peak <= 2
