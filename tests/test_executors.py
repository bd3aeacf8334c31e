"""Executors: one context per worker, Tesseract's settings everywhere, Dask = process pool."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from pipeline import executors, tesseract
from pipeline.exceptions import ExitCode, Interrupted
from pipeline.executors import DaskExecutor, ProcessExecutor, SerialExecutor, make_executor
from pipeline.worker import Settings, WorkerState, worker_state
from tests.conftest import SEED, run_batch
from tests.render import render_page, save_compact

SETTINGS = Settings("eng", 60.0, (), True, None, "2023-11-14")


def state_after(seconds: float) -> WorkerState:
    """A task that keeps its worker busy a while, so that every worker gets some."""
    time.sleep(seconds)
    return worker_state()


def states(executor: executors.Executor, tasks: int = 8) -> list[WorkerState]:
    futures = [executor.submit(state_after, 0.1) for _ in range(tasks)]
    return [f.result() for f in futures]


def test_forked_workers_share_the_context_built_once_in_the_parent() -> None:
    if threading.active_count() > 1:  # an earlier test left threads (Dask does)
        pytest.skip("this process runs threads: workers come from the fork server")
    with ProcessExecutor(SETTINGS, 2) as executor:
        assert executor.start_method == "fork"
        seen = states(executor)
    workers = {s.pid for s in seen}
    assert len(workers) == 2 and os.getpid() not in workers
    for state in seen:
        assert state.builds == 0, "a forked worker built its own context"
        assert state.context_pid == os.getpid()
        assert state.omp_thread_limit == "1"


def test_forkserver_workers_build_the_context_exactly_once_each(monkeypatch) -> None:
    monkeypatch.setattr(executors, "_start_method", lambda: "forkserver")
    with ProcessExecutor(SETTINGS, 2) as executor:
        first = states(executor)
        again = states(executor)
    by_worker: dict[int, set[tuple[int, int | None]]] = {}
    for state in first + again:
        by_worker.setdefault(state.pid, set()).add((state.builds, state.context_pid))
    assert len(by_worker) == 2
    for pid, seen in by_worker.items():
        assert seen == {(1, pid)}, "built in the initializer once, never again"
    assert all(s.omp_thread_limit == "1" for s in first)


def test_threads_in_the_parent_mean_forkserver(monkeypatch) -> None:
    monkeypatch.setattr(executors.threading, "active_count", lambda: 3)
    assert executors._start_method() == "forkserver"


def test_one_job_is_serial_and_serial_keeps_the_parents_logging() -> None:
    logger = logging.getLogger("pipeline")
    level = logger.level
    executor = make_executor("process", SETTINGS, 1, None)
    assert isinstance(executor, SerialExecutor)
    assert executor.submit(worker_state).result().pid == os.getpid()
    assert logger.level == level


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two text documents and a two-page scan of a few typed lines."""
    root = tmp_path_factory.mktemp("batch") / "in"
    root.mkdir()
    shutil.copy(SEED, root / "seed.txt")
    (root / "note.txt").write_text(
        "MEMORANDUM FOR THE SECRETARY\n\nAmbassador Dubinina met Secretary Shultz.\f"
        "Page two: Gorbachev and Shevardnadze.\n", encoding="utf-8")
    scan = root / "scan"
    scan.mkdir()
    lines = ["~~SECRET~~", "", "MEMORANDUM OF CONVERSATION", "",
             "Ambassador Dubinin met Secretary Shultz in Geneva."]
    for n in (1, 2):
        image = render_page("\n".join(lines + [f"Page {n}."]), seed=n)
        save_compact(image.crop((0, 0, image.width, image.height // 3)), scan / f"page-{n}.png")
    return root


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.xml"))
            if ".tei-pipeline" not in p.parts}


def _report_without_timings(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["summary"].pop("seconds")
    for entry in report["documents"]:
        entry.pop("seconds")
    return report


@pytest.mark.slow
def test_dask_cluster_gives_the_same_bytes_as_the_process_pool(
    small_batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    distributed = pytest.importorskip("distributed")
    tesseract = shutil.which("tesseract")
    assert tesseract, "the test needs Tesseract"
    monkeypatch.setenv("TESSERACT_CMD", tesseract)  # the workers must get it
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)  # and set it themselves

    code, local = run_batch([small_batch], tmp_path / "process", executor="process", jobs=2)
    assert code == ExitCode.ok, local

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        code, remote = run_batch([small_batch], tmp_path / "dask", executor="dask",
                                 scheduler=cluster.scheduler_address, jobs=2)
        with distributed.Client(cluster) as client:
            seen = list(client.run(worker_state).values())
    assert code == ExitCode.ok, remote
    assert len(seen) == 2
    for state in seen:
        assert state.builds == 1 and state.context_pid == state.pid
        assert state.omp_thread_limit == "1"
        assert state.tesseract_cmd == tesseract

    assert [(d["id"], d["pages"]) for d in remote["documents"]] == [
        ("note", 2), ("seed", 1), ("scan", 2)]
    assert _outputs(tmp_path / "dask") == _outputs(tmp_path / "process")
    assert len([name for name in _outputs(tmp_path / "dask") if ".ocr/" not in name]) == 3
    assert _report_without_timings(tmp_path / "dask") == _report_without_timings(
        tmp_path / "process")


@pytest.mark.slow
def test_dask_without_an_address_starts_a_local_cluster(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    (tmp_path / "in").mkdir()
    shutil.copy(SEED, tmp_path / "in" / "seed.txt")
    code, report = run_batch([tmp_path / "in"], tmp_path / "out", executor="dask", jobs=2)
    assert code == ExitCode.ok and report["documents"][0]["status"] == "ok"


def test_dask_scheduler_that_is_not_there_is_a_usage_error(monkeypatch) -> None:
    pytest.importorskip("distributed")
    from pipeline.exceptions import UsageError

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler"):
        DaskExecutor(SETTINGS, 2, "tcp://127.0.0.1:9")


def test_an_interrupt_a_library_turned_into_its_own_error_is_still_an_interrupt(
    monkeypatch,
) -> None:
    # pydantic, building its models while Ctrl-C comes, raises a SchemaError that names the
    # KeyboardInterrupt: the batch must end as interrupted (130), not as a bug (5).
    with pytest.raises(Interrupted) as caught, executors.ending_signals():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            raise ValueError("SchemaError: KeyboardInterrupt") from None
    assert caught.value.signal_name == "SIGINT"
    assert isinstance(caught.value.__cause__, ValueError)
    assert tesseract._ended_by is None  # the next batch reads its pages


def test_a_signal_stops_the_batchs_children_not_those_of_the_program_that_called_it() -> None:
    # A program that runs batches with driver.run() from its main thread may have children of
    # its own (a server, a viewer): the batch's signal handler must not kill them.
    theirs = subprocess.Popen(["sleep", "30"])
    batchs: subprocess.Popen | None = None
    try:
        with pytest.raises(Interrupted), executors.ending_signals():
            batchs = subprocess.Popen(["sleep", "30"])
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        assert batchs is not None and batchs.wait(timeout=5) == -signal.SIGTERM
        assert theirs.poll() is None
    finally:
        for child in (theirs, batchs):
            if child is not None:
                child.kill()
                child.wait()


def test_children_are_found_as_a_scan_of_every_process_finds_them() -> None:
    started = [subprocess.Popen(["sleep", "30"]) for _ in range(3)]
    try:
        mine = {child.pid for child in started}
        assert mine <= set(executors.children())
        assert set(executors.children()) == set(executors._children_by_scan(os.getpid()))
    finally:
        for child in started:
            child.kill()
            child.wait()


def test_an_error_without_a_signal_stays_an_error() -> None:
    with pytest.raises(ValueError), executors.ending_signals():
        raise ValueError("a bug")
