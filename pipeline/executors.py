"""One executor interface for page and document tasks: serial, process pool, or Dask."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline import __version__, tesseract
from pipeline.exceptions import Interrupted, MissingDependency, UsageError
from pipeline.gazetteer import Gazetteer
from pipeline.worker import (
    Settings,
    init_worker,
    offer_gazetteer,
    use_settings,
    warm_up,
)

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = "30s"  # to reach a Dask scheduler


class Executor(ABC):
    """Runs tasks somewhere and hands back futures; the parent process waits on them."""

    slots: int = 1  # tasks that run at once

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start fn(*args); return a future with .result()."""

    @abstractmethod
    def wait_any(self, futures: Iterable[Any]) -> set[Any]:
        """Block until at least one future is done; return the done ones."""

    def run_here(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start fn(*args) in this process, beside the workers; a future like submit's."""
        return self.submit(fn, *args)

    def close(self) -> None:  # noqa: B027 (most executors have nothing to release)
        """Release workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, in order: for tests and debugging."""

    def __init__(self, settings: Settings, gazetteer: Gazetteer | None = None) -> None:
        # Not init_worker: this process's logging stays as it is. The context is built while
        # Tesseract reads the first page (worker.warm_up), or at the first assembly.
        use_settings(settings)
        if gazetteer is not None:
            offer_gazetteer(settings, gazetteer)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args))
        except (KeyboardInterrupt, SystemExit):
            raise  # Ctrl-C, SIGTERM: the batch ends, the task is not "lost" and run again
        except BaseException as e:
            future.set_exception(e)
        return future

    def wait_any(self, futures: Iterable[cf.Future]) -> set[cf.Future]:
        return set(futures)


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine, one Tesseract thread each.

    The workers are forked from this process after it has built the context, so they start at
    once, with every module imported and the context built once for all of them (its memory
    shared until written to). Forking a process that runs threads is unsafe; then the workers
    come from a fork server that has imported the pipeline, and each builds its own context.
    """

    def __init__(self, settings: Settings, jobs: int, gazetteer: Gazetteer | None = None) -> None:
        self.settings = settings
        self.slots = jobs
        self._here: cf.ThreadPoolExecutor | None = None
        self.start_method = _start_method()
        if self.start_method == "fork":
            # Built once here and shared: the workers start with every module imported.
            if gazetteer is not None:
                offer_gazetteer(settings, gazetteer)
            warm_up(settings)
        self._pool = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        mp_context = multiprocessing.get_context(self.start_method)
        if self.start_method == "forkserver":
            # Imported once in the fork server, not once per worker (takes effect when the
            # server starts, that is on the first pool of this process).
            mp_context.set_forkserver_preload(["pipeline.worker"])
        pool = cf.ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=mp_context,
            initializer=_init_process_worker,
            initargs=(self.settings,),
        )
        if self.start_method == "fork":
            # A forking pool starts its workers at its first task: that is now, while this
            # process runs no thread of its own. Forked later, beside the thread that reads
            # the first pages (run_here), a worker could inherit a lock that thread held (one
            # of lxml's, in the ALTO split) and wait for it for ever.
            pool.submit(os.getpid)
        return pool

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        try:
            return self._pool.submit(fn, *args)
        except cf.process.BrokenProcessPool:
            # A worker died (killed, out of memory); its tasks failed. Carry on with a new pool.
            log.warning("a worker process died; starting a new pool")
            self._pool.shutdown(wait=False, cancel_futures=True)
            # The old pool's threads may still run here: forking could copy a held lock.
            self.start_method = _start_method()
            self._pool = self._start()
            return self._pool.submit(fn, *args)

    def wait_any(self, futures: Iterable[cf.Future]) -> set[cf.Future]:
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return set(done)

    def run_here(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        """In a thread of the parent (the pages the driver began to read before the pool)."""
        if self._here is None:
            self._here = cf.ThreadPoolExecutor(1, thread_name_prefix="tei-pipeline-here")
        return self._here.submit(fn, *args)

    def close(self) -> None:
        if self._here is not None:
            self._here.shutdown(wait=True, cancel_futures=True)
        self._pool.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str:
    """fork on Linux when this process runs no other thread; forkserver otherwise."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


# End the batch, its children stopped: Ctrl-C, kill, a closed terminal or ssh session.
ENDING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def children(pid: int | None = None) -> list[int]:
    """The processes whose parent is `pid` (this process by default), from /proc."""
    pid = os.getpid() if pid is None else pid
    try:  # each thread's children, as the kernel lists them (most kernels: CONFIG_PROC_CHILDREN)
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except (OSError, ValueError):
        return _children_by_scan(pid)


def _children_by_scan(pid: int) -> list[int]:
    """children(), every process's parent read: some 2 ms for a hundred processes."""
    found: list[int] = []
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so from the last ")"
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def stop_children(signum: int = signal.SIGTERM, *, spare: frozenset[int] = frozenset()) -> None:
    """Send `signum` to this process's children (workers, or Tesseract), but those in `spare`."""
    for child in children():
        if child in spare:
            continue
        with contextlib.suppress(OSError):
            os.kill(child, signum)


@contextlib.contextmanager
def ending_signals() -> Iterator[None]:
    """While the batch runs, SIGINT, SIGTERM and SIGHUP stop it, its children included, at once.

    The parent starts no more Tesseract runs, tells its children (workers, or Tesseract with
    -j 1) to stop, then raises Interrupted: the batch ends with exit 130, its journal kept for
    a rerun. Ctrl-C reaches every process of the terminal's group, but not always in time: a
    Tesseract being started as it comes misses it, and `kill -INT` reaches the parent alone.
    A signal ignored when the run starts stays ignored (nohup's SIGHUP, a background job's
    SIGINT). A program that calls run() keeps the children it had before: only the batch's
    are stopped.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # a library user calling run() from a thread keeps their own handling
        return
    received: list[str] = []
    theirs = frozenset(children())  # a library user's own, started before the batch

    def handler(signum: int, frame: object) -> None:
        for number in ENDING_SIGNALS:  # a second signal must not interrupt the cleanup
            signal.signal(number, signal.SIG_IGN)
        name = signal.Signals(signum).name
        received.append(name)
        tesseract.end_runs(name)  # before the children are stopped: none starts after
        stop_children(spare=theirs)
        raise Interrupted(name)

    before = {number: signal.signal(number, handler) for number in ENDING_SIGNALS
              if signal.getsignal(number) is not signal.SIG_IGN}
    try:
        yield
    except Exception as e:
        if received:  # a library turned the interrupt into an error of its own (pydantic does)
            raise Interrupted(received[0]) from e
        raise
    finally:
        for number, previous in before.items():
            signal.signal(number, previous)
        tesseract.end_runs(None)


def _end_worker(signum: int, frame: object) -> None:
    """A worker told to stop: its Tesseract stops too, at once; the parent removes their files."""
    stop_children()
    os._exit(128 + signum)


def _init_process_worker(settings: Settings) -> None:
    """Initializer of a pool worker: die with the parent, leave Ctrl-C to it, then set up."""
    _die_with_parent()
    for number in ENDING_SIGNALS:
        if signal.getsignal(number) is signal.SIG_IGN:  # ignored by the batch (nohup, a job)
            continue
        # Ctrl-C: a Python handler that does nothing, not SIG_IGN: Tesseract gets the default
        # back when it is started, so Ctrl-C stops it at once; the worker waits for the
        # parent's word (SIGTERM) and ends with its Tesseract.
        signal.signal(number, _ignore_signal if number == signal.SIGINT else _end_worker)
    init_worker(settings)


def _ignore_signal(signum: int, frame: object) -> None:
    """Nothing: the parent decides what an interrupt means."""


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the parent dies (killed: no orphan goes on OCRing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class DaskExecutor(Executor):
    """The same tasks on a Dask distributed cluster (a local one when no address is given).

    Workers read the input files and gazetteers by the paths given on the command line, so a
    cluster needs them on a shared file system; each worker builds its context once, at start.
    """

    def __init__(self, settings: Settings, jobs: int, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:
            raise MissingDependency(
                "--executor dask needs Dask: pip install 'tei-pipeline[dask]'"
            ) from e
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout=CONNECT_TIMEOUT)
                self._client.wait_for_workers(1, timeout=60)
            else:
                self._cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as e:
            self.close()
            raise UsageError(f"cannot reach the Dask scheduler {scheduler}: {e}") from e
        try:
            versions = set(self._client.run(_version).values())
            if versions != {__version__}:
                raise UsageError(
                    f"the Dask workers run tei-pipeline {', '.join(sorted(versions))}, this is "
                    f"{__version__}: install the same version on the cluster"
                )
            self.slots = max(1, sum(self._client.nthreads().values()))
            # Build the heavy context on every worker now, not inside the first task.
            self._client.run(init_worker, settings)
        except BaseException:
            self.close()
            raise

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def wait_any(self, futures: Iterable[Any]) -> set[Any]:
        from distributed import wait

        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done)

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()


def _version() -> str:
    return __version__


def make_executor(
    kind: str, settings: Settings, jobs: int, scheduler: str | None,
    gazetteer: Gazetteer | None = None,
) -> Executor:
    """The executor the options ask for; one job means serial.

    `gazetteer` is the one loaded from ``settings.gazetteers`` in this process, if any.
    """
    if kind == "dask":
        return DaskExecutor(settings, jobs, scheduler)
    if kind == "serial" or jobs == 1:
        return SerialExecutor(settings, gazetteer)
    return ProcessExecutor(settings, jobs, gazetteer)
