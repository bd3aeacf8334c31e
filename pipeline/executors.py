"""One executor interface for page and document tasks: serial, process pool, or Dask."""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from pipeline.exceptions import MissingDependency, UsageError
from pipeline.worker import Settings, init_worker

log = logging.getLogger(__name__)


class Executor(ABC):
    """Runs tasks somewhere and hands back futures; the parent process waits on them."""

    slots: int = 1  # tasks that run at once

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Start fn(*args); return a future with .result()."""

    @abstractmethod
    def wait_any(self, futures: Iterable[Any]) -> set[Any]:
        """Block until at least one future is done; return the done ones."""

    def close(self) -> None:
        """Release workers."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Everything in this process, in order: for tests and debugging."""

    def __init__(self, settings: Settings) -> None:
        init_worker(settings)

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args))
        except BaseException as e:
            future.set_exception(e)
        return future

    def wait_any(self, futures: Iterable[cf.Future]) -> set[cf.Future]:
        return set(futures)


class ProcessExecutor(Executor):
    """A pool of worker processes on this machine, one Tesseract thread each."""

    def __init__(self, settings: Settings, jobs: int) -> None:
        self.settings = settings
        self.slots = jobs
        self._pool = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        # forkserver: workers do not inherit the parent's threads or open files.
        return cf.ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=init_worker,
            initargs=(self.settings,),
        )

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        try:
            return self._pool.submit(fn, *args)
        except cf.process.BrokenProcessPool:
            # A worker died (killed, out of memory); its tasks failed. Carry on with a new pool.
            log.warning("a worker process died; starting a new pool")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(fn, *args)

    def wait_any(self, futures: Iterable[cf.Future]) -> set[cf.Future]:
        done, _ = cf.wait(list(futures), return_when=cf.FIRST_COMPLETED)
        return set(done)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """The same tasks on a Dask distributed cluster (a local one when no address is given)."""

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
                self._client = Client(scheduler, timeout="30s")
            else:
                self._cluster = LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster)
        except OSError as e:
            raise UsageError(f"cannot reach the Dask scheduler {scheduler}: {e}") from e
        workers = self._client.scheduler_info().get("workers", {})
        self.slots = max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))
        # Build the heavy context on every worker now, not inside the first task.
        self._client.run(init_worker, settings)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def wait_any(self, futures: Iterable[Any]) -> set[Any]:
        from distributed import wait

        done, _ = wait(list(futures), return_when="FIRST_COMPLETED")
        return set(done)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, settings: Settings, jobs: int, scheduler: str | None) -> Executor:
    """The executor the options ask for; one job means serial."""
    if kind == "dask":
        return DaskExecutor(settings, jobs, scheduler)
    if kind == "serial" or jobs == 1:
        return SerialExecutor(settings)
    return ProcessExecutor(settings, jobs)
