"""Batches: pages that time out or crash Tesseract, workers that die, kills, resume, streaming."""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from pipeline import driver, worker
from pipeline.cli import main
from pipeline.exceptions import ExitCode
from pipeline.executors import Executor
from pipeline.model import InputKind, Page, PageSource
from pipeline.progress import Progress
from pipeline.sources import DocumentSource
from tests.conftest import NS, REPO, SEED, body_text, command_line, run_batch

# A Tesseract that answers at once with a few words, sleeps on "slow" pages, fails on "crash" ones.
FAKE_TESSERACT = """#!{python}
import os, sys, time
sys.path.insert(0, {repo!r})
from tests.alto import answer_checks, document, images, one_line
args = sys.argv[1:]
answer_checks(args)
image, base = args[0], args[1]
images = images(image)  # a list of image files, one run over all of them, as Tesseract does
with open(os.path.join(os.path.dirname(sys.argv[0]), "runs.log"), "a") as log:
    log.write(" ".join(os.path.basename(i) for i in images) + "\\n")
if any("slow" in i for i in images):
    time.sleep(120)
if any("crash" in i for i in images):
    sys.stderr.write("Error in pixReadStream: Unknown format: no pix returned\\n")
    sys.exit(1)
words = ["Ambassador", "Dubinin", "met", "Secretary", "Shultz."]
with open(base + ".xml", "w") as out:
    out.write(document([one_line(words) for _ in images]))
"""


@pytest.fixture
def fake_tesseract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "fake-tesseract"
    path.write_text(FAKE_TESSERACT.format(python=sys.executable, repo=str(REPO)), encoding="utf-8")
    path.chmod(0o755)
    monkeypatch.setenv("TESSERACT_CMD", str(path))
    return path


def _blank_pages(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        Image.new("L", (1275, 1650), 255).save(folder / name)
    return folder


def test_page_timeout_is_a_gap_and_the_document_degraded(fake_tesseract, tmp_path: Path) -> None:
    memo = _blank_pages(tmp_path / "in" / "memo", ["page-1.png", "page-2-slow.png", "page-3.png"])
    out = tmp_path / "out"
    started = time.monotonic()
    code = main(["run", str(memo), "-o", str(out), "-q", "-j", "2", "--page-timeout", "1"])
    assert time.monotonic() - started < 30
    assert code == ExitCode.documents_failed
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    (entry,) = report["documents"]
    assert entry["status"] == "degraded" and entry["output"] == "memo.xml"
    assert [(g["page"], g["source"]) for g in entry["gaps"]] == [(2, str(memo / "page-2-slow.png"))]
    assert "timed out after 1 s" in entry["gaps"][0]["error"]
    tree = etree.parse(str(out / "memo.xml"))
    pbs = tree.findall(".//t:pb", NS)
    assert [pb.get("n") for pb in pbs] == ["1", "2", "3"]
    after = pbs[1].getnext()
    assert after is not None and after.tag.endswith("gap") and after.get("reason") == "ocr-failed"
    assert "Dubinin" in "".join(tree.getroot().itertext())


def test_tesseract_failing_on_a_page_is_a_gap(fake_tesseract, tmp_path: Path) -> None:
    memo = _blank_pages(tmp_path / "in" / "memo", ["page-1-crash.png", "page-2.png"])
    code, report = run_batch([memo], tmp_path / "out", executor="process", jobs=2)
    assert code == ExitCode.documents_failed
    (entry,) = report["documents"]
    assert entry["status"] == "degraded"
    (gap,) = entry["gaps"]
    assert gap["page"] == 1 and "tesseract failed (exit 1)" in gap["error"]
    tree = etree.parse(str(tmp_path / "out" / "memo.xml"))
    assert tree.find(".//t:gap[@reason='ocr-failed']", NS) is not None


def test_pages_read_together_and_one_crashing_tesseract_only_that_page_is_a_gap(
    fake_tesseract, tmp_path: Path
) -> None:
    names = [f"page-{n}.png" for n in range(1, 9)]
    names[1] = "page-2-crash.png"
    memo = _blank_pages(tmp_path / "in" / "memo", names)
    code, report = run_batch([memo], tmp_path / "out", executor="process", jobs=1)
    runs = (fake_tesseract.parent / "runs.log").read_text().splitlines()
    # One run over the first four pages, which fails; each of them again alone; then the rest
    # in shrinking groups.
    assert runs[0] == " ".join(names[:4])
    assert runs[1:5] == names[:4]
    assert runs[5:] == ["page-5.png page-6.png", "page-7.png", "page-8.png"]
    assert code == ExitCode.documents_failed
    (entry,) = report["documents"]
    assert entry["status"] == "degraded" and entry["pages"] == 8
    assert [g["page"] for g in entry["gaps"]] == [2]
    tree = etree.parse(str(tmp_path / "out" / "memo.xml"))
    assert len(tree.findall(".//t:pb", NS)) == 8
    assert body_text(tree).count("Dubinin") == 7


def test_ctrl_c_stops_the_batch_at_once_and_says_how_to_finish_it(
    fake_tesseract, tmp_path: Path
) -> None:
    memo = _blank_pages(tmp_path / "in" / "memo", ["page-1-slow.png", "page-2-slow.png"])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", str(memo), "-o", str(tmp_path / "out"),
         "-j", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal would make it
    )
    try:
        deadline = time.monotonic() + 30
        while len(_reading(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = _descendants(proc.pid)
        assert len(_reading(proc.pid)) == 2, "the workers did not start their pages"
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C goes to the whole foreground group
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # a failed test leaves no batch behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == ExitCode.interrupted, err
    assert "interrupted; rerun the same command" in err and "Traceback" not in err
    assert out == ""
    assert not any(_alive(pid) for pid in tree)
    assert not list((tmp_path / "out").glob("*.xml"))


# --- workers that die --------------------------------------------------------------------


def deadly_read(settings: worker.Settings, tasks: list[worker.ReadTask]) -> list:
    """read_task, except that a "deadly" source kills its worker (once, or every time)."""
    for task in tasks:
        path = Path(task.source.path)
        if path.stem.startswith("deadly"):
            marker = path.with_suffix(".died")
            if path.stem == "deadly-always" or not marker.exists():
                marker.touch()
                os._exit(9)
    return worker.read_task(settings, tasks)


def _text_batch(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        (folder / f"{name}.txt").write_text(
            f"Memo {name}.\n\nAmbassador Dubinin met Secretary Shultz.\n", encoding="utf-8")
    return folder


def test_a_worker_killed_once_costs_nothing(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(driver, "read_task", deadly_read)
    batch = _text_batch(tmp_path / "in", ["a", "b", "deadly-once", "c", "d"])
    code, report = run_batch([batch], tmp_path / "out", executor="process", jobs=2)
    assert code == ExitCode.ok, report
    assert (batch / "deadly-once.died").exists()  # it did die


def test_a_page_that_kills_its_worker_fails_alone(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(driver, "read_task", deadly_read)
    batch = _text_batch(tmp_path / "in", ["a", "b", "deadly-always", "c", "d"])
    code, report = run_batch([batch], tmp_path / "out", executor="process", jobs=2)
    assert code == ExitCode.documents_failed
    status = {d["id"]: d["status"] for d in report["documents"]}
    assert status == {"a": "ok", "b": "ok", "deadly-always": "failed", "c": "ok", "d": "ok"}
    (error,) = [d["error"] for d in report["documents"] if d["id"] == "deadly-always"]
    assert error.startswith("worker process failed: BrokenProcessPool") and "\n" not in error


# --- kill and resume ---------------------------------------------------------------------


def _seed_batch(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    text = SEED.read_text(encoding="utf-8")
    for n in range(count):
        (folder / f"memo-{n:02d}.txt").write_text(text, encoding="utf-8")
    return folder


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        found += [child, *_descendants(child)]
    return found


def _reading(pid: int) -> list[int]:
    """The Tesseracts below `pid` that read a page (not the start-up's version check)."""
    return [p for p in _descendants(pid) if "fake-tesseract" in (line := command_line(p))
            and "--version" not in line and "--list-langs" not in line]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killed_batch_leaves_no_half_file_and_a_rerun_finishes_it(tmp_path: Path) -> None:
    batch = _seed_batch(tmp_path / "in", 30)
    out = tmp_path / "out"
    journal = out / ".tei-pipeline" / "journal.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(batch), "-o", str(out),
                             "-j", "2", "-q"], env=env)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        workers = workers or _children(proc.pid)
        if journal.is_file() and journal.read_text().count("\n") >= 3:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the batch ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(_alive(w) for w in workers), "workers outlived their parent"

    written = [p for p in out.glob("*.xml")]
    done = {json.loads(line)["id"] for line in journal.read_text().splitlines()}
    assert 3 <= len(done) < 30 and len(written) >= len(done)
    for path in written:
        etree.parse(str(path))  # whole, never half-written
    assert not (out / "report.json").exists()

    code, report = run_batch([batch], out, executor="process", jobs=2)
    assert code == ExitCode.ok
    reused = {d["id"] for d in report["documents"] if d["reused"]}
    assert reused == done
    assert report["summary"]["documents"] == report["summary"]["ok"] == 30
    for path in out.glob("*.xml"):
        etree.parse(str(path))


def test_rerun_starts_no_worker_and_settings_or_gazetteer_changes_redo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = _text_batch(tmp_path / "in", ["a", "b"])
    out = tmp_path / "out"
    run_batch([batch], out)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.xml")}

    def no_executor(*args: object, **kwargs: object) -> Executor:
        raise AssertionError("a rerun with nothing to do started workers")

    with monkeypatch.context() as patch:
        patch.setattr(driver, "make_executor", no_executor)
        code, report = run_batch([batch], out, page_timeout=5.0, jobs=2, executor="process")
    assert code == ExitCode.ok and all(d["reused"] for d in report["documents"])
    assert report["summary"]["reused"] == 2
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.xml")} == before

    _, report = run_batch([batch], out, correct=False)
    assert not any(d["reused"] for d in report["documents"])
    gazetteer = tmp_path / "names.txt"
    gazetteer.write_text("Anatoly Dobrynin\n", encoding="utf-8")
    _, report = run_batch([batch], out, correct=False, gazetteers=(gazetteer,))
    assert not any(d["reused"] for d in report["documents"])
    _, report = run_batch([batch], out, correct=False, gazetteers=(gazetteer,))
    assert all(d["reused"] for d in report["documents"])
    (out / "b.xml").unlink()  # an output that is gone is made again
    _, report = run_batch([batch], out, correct=False, gazetteers=(gazetteer,))
    assert [d["reused"] for d in report["documents"]] == [True, False]
    # Other pipeline code (a fix between releases) makes every output again.
    monkeypatch.setattr(driver, "code_fingerprint", lambda: "other code")
    _, report = run_batch([batch], out, correct=False, gazetteers=(gazetteer,))
    assert not any(d["reused"] for d in report["documents"])


def test_the_code_fingerprint_follows_the_files_not_their_caches(tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "data").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    (package / "stage.py").write_text("RULE = 1\n")
    (package / "data" / "words.txt").write_text("alpha\n")
    first = driver.code_fingerprint(package)
    (package / "__pycache__" / "stage.cpython-311.pyc").write_bytes(b"compiled")
    driver.code_fingerprint.cache_clear()
    assert driver.code_fingerprint(package) == first
    (package / "data" / "words.txt").write_text("alpha\nbeta\n")
    driver.code_fingerprint.cache_clear()
    assert driver.code_fingerprint(package) != first
    driver.code_fingerprint.cache_clear()


# --- streaming ---------------------------------------------------------------------------


class ShuffledExecutor(Executor):
    """Runs each task when it is waited for, one at a time, in random order; counts what is out."""

    def __init__(self, slots: int, seed: int) -> None:
        self.slots = slots
        self.rng = random.Random(seed)
        self.pending: dict[cf.Future, tuple] = {}
        self.most = 0
        self.most_pages = 0
        self.sizes: list[int] = []  # sources of each read task, 0 for an assembly

    def submit(self, fn, *args):
        future: cf.Future = cf.Future()
        self.pending[future] = (fn, args)
        self.most = max(self.most, len(self.pending))
        self.sizes.append(len(args[-1]) if fn is not fake_assemble else 0)
        held = sum(len(a[-1]) for fn, a in self.pending.values())  # read tasks or pages
        self.most_pages = max(self.most_pages, held)
        return future

    def wait_any(self, futures):
        future = self.rng.choice(sorted(futures, key=id))
        fn, args = self.pending.pop(future)
        future.set_result(fn(*args))
        return {future}


def fake_read_all(settings: worker.Settings, sources: list[PageSource], begun=None) -> list:
    return [worker.OcrResult([Page(number=s.index + 1, source=s, lines=[])]) for s in sources]


def fake_assemble(settings: worker.Settings, meta, pages: list[Page]) -> worker.Assembled:
    return worker.Assembled(f"{meta.id}:{len(pages)}".encode(), [], [], 0.0)


@pytest.mark.parametrize(("documents", "pages"), [(400, 1), (40, 10), (2, 200)])
def test_schedule_keeps_every_slot_busy_and_memory_bounded(monkeypatch, documents, pages) -> None:
    monkeypatch.setattr(worker, "_read_all", fake_read_all)
    for module in (driver, worker):  # one-page documents are assembled in worker.read_task
        monkeypatch.setattr(module, "assemble_task", fake_assemble)
    docs = [
        DocumentSource(f"d{n}", InputKind.pdf, Path(f"d{n}.pdf"),
                       [PageSource(f"d{n}.pdf", i, InputKind.pdf) for i in range(pages)])
        for n in range(documents)
    ]
    settings = worker.Settings("eng", None, (), True, None, "2023-11-14")
    executor = ShuffledExecutor(slots=4, seed=documents)
    progress = Progress(documents * pages, enabled=False, bar=False)
    planned = [[1] * pages for _ in docs]
    metas = driver._metas(docs, settings, Path("out"))
    done = list(driver._schedule(executor, docs, planned, settings, metas, progress))
    assert sorted(d.doc.id for d in done) == sorted(d.id for d in docs)
    assert all(d.assembled.xml == f"{d.doc.id}:{pages}".encode() for d in done)
    assert all([p.number for p in d.pages] == list(range(1, pages + 1)) for d in done)
    assert executor.most == 4 * driver.IN_FLIGHT_PER_SLOT  # every slot had work, never more
    # pages out at once: a few documents per task at most, whatever the size of the batch
    assert executor.most_pages <= 4 * driver.IN_FLIGHT_PER_SLOT * driver.GROUP_PAGES * pages
    assert progress.done == documents * pages
    reads = [n for n in executor.sizes if n]
    assert sum(reads) == documents * pages
    # Page images go to Tesseract a few at a time, and one at a time as the batch ends.
    assert max(reads) == driver.GROUP_PAGES and reads[-4:] == [1, 1, 1, 1]


def test_group_size_shrinks_to_single_pages_as_the_batch_ends() -> None:
    sizes, left = [], 20
    while left:
        sizes.append(driver._group_size(left, slots=2))
        left -= sizes[-1]
    assert sizes == [4, 4, 3, 3, 2, 1, 1, 1, 1]
    assert driver._group_size(10_000, slots=64) == driver.GROUP_PAGES
