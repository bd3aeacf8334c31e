"""The run's options: one frozen object, validated once, never changed afterwards."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.exceptions import UsageError
from pipeline.publication import Publication

EXECUTORS = ("process", "serial", "dask")
MAX_JOBS = 256  # worker processes; more is a typo, not a machine (a pool never exceeds the tasks)
MAX_PAGE_TIMEOUT = 86_400.0  # seconds a page may take at most: one day


def check_page_timeout(value: float) -> float:
    """`value` if it can be a page timeout in seconds, else UsageError saying why."""
    if not math.isfinite(value) or not 0 < value <= MAX_PAGE_TIMEOUT:
        raise UsageError(
            f"--page-timeout takes seconds, more than 0 and at most {MAX_PAGE_TIMEOUT:,.0f} "
            f"(one day); got {value!r}"
        )
    return value


def check_jobs(value: int) -> int:
    """`value` if it can be a number of worker processes, else UsageError saying why."""
    if not 1 <= value <= MAX_JOBS:
        raise UsageError(f"--jobs takes a number of worker processes from 1 to {MAX_JOBS}; "
                         f"got {value}")
    return value


@dataclass(frozen=True)
class Options:
    """Everything ``run`` needs; a library user builds one directly."""

    inputs: tuple[Path, ...]
    output: Path = Path("output")
    jobs: int = field(default_factory=lambda: min(os.cpu_count() or 1, MAX_JOBS))
    lang: str = "eng"
    gazetteers: tuple[Path, ...] = ()
    correct: bool = True
    executor: str = "process"
    scheduler: str | None = None
    page_timeout: float | None = 600.0
    force: bool = False
    verbosity: int = 0  # -1 quiet, 0 normal, 1 verbose
    progress: bool | None = None  # None: a bar on a terminal, log lines otherwise
    follow_symlinks: bool = False
    publication: Publication = field(default_factory=Publication)
    sidecars: bool = True  # ALTO and hOCR of each page, a IIIF manifest of each document
    pdf: bool = False  # a searchable PDF of each scanned document, from the same Tesseract run
    hocr: bool = False  # each page's hOCR too

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(Path(p) for p in self.inputs))
        object.__setattr__(self, "gazetteers", tuple(Path(p) for p in self.gazetteers))
        object.__setattr__(self, "output", Path(self.output))
        if not self.inputs:
            raise UsageError("no input given: name scan folders, image, PDF or text files")
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int):
            raise UsageError(f"--jobs takes a whole number (got {self.jobs!r})")
        check_jobs(self.jobs)
        if self.executor not in EXECUTORS:
            raise UsageError(
                f"--executor must be one of {', '.join(EXECUTORS)} (got {self.executor})"
            )
        if self.scheduler and self.executor != "dask":
            raise UsageError("--scheduler goes with --executor dask")
        if self.page_timeout is not None:
            try:
                timeout = float(self.page_timeout)
            except (TypeError, ValueError):
                raise UsageError(
                    f"--page-timeout takes seconds (got {self.page_timeout!r})"
                ) from None
            object.__setattr__(self, "page_timeout", check_page_timeout(timeout))
        if not self.lang or any(
            not part.replace("_", "").isalnum() for part in self.lang.split("+")
        ):
            raise UsageError(
                f"--lang takes Tesseract language codes such as eng or eng+rus (got {self.lang!r})"
            )
        for given in self.inputs:
            try:
                given.resolve().relative_to(self.output.resolve())
            except ValueError:
                continue
            raise UsageError(f"{given}: input lies inside the output folder {self.output}")
