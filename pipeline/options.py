"""The run's options: one frozen object, validated once, never changed afterwards."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.exceptions import UsageError
from pipeline.publication import Publication

EXECUTORS = ("process", "serial", "dask")


@dataclass(frozen=True)
class Options:
    """Everything ``run`` needs; a library user builds one directly."""

    inputs: tuple[Path, ...]
    output: Path = Path("output")
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(Path(p) for p in self.inputs))
        object.__setattr__(self, "gazetteers", tuple(Path(p) for p in self.gazetteers))
        object.__setattr__(self, "output", Path(self.output))
        if not self.inputs:
            raise UsageError("no input given: name scan folders, image, PDF or text files")
        if self.jobs < 1:
            raise UsageError(f"--jobs must be at least 1 (got {self.jobs})")
        if self.executor not in EXECUTORS:
            raise UsageError(
                f"--executor must be one of {', '.join(EXECUTORS)} (got {self.executor})"
            )
        if self.scheduler and self.executor != "dask":
            raise UsageError("--scheduler goes with --executor dask")
        if self.page_timeout is not None and self.page_timeout <= 0:
            raise UsageError(f"--page-timeout must be positive (got {self.page_timeout:g})")
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
