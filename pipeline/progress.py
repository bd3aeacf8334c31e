"""Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("pipeline")


class Progress:
    """Pages done out of total, pages per minute, time left."""

    def __init__(self, total: int, *, enabled: bool, bar: bool | None, interval: float = 5.0) -> None:
        self.total = max(total, 0)
        self.done = 0
        self.enabled = enabled
        self.bar = sys.stderr.isatty() if bar is None else bar
        self.interval = interval
        self.started = time.monotonic()
        self._last = 0.0

    def advance(self, pages: int = 1) -> None:
        self.done += pages
        self._show()

    def _rate(self) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return self.done / elapsed * 60

    def _line(self) -> str:
        rate = self._rate()
        left = (self.total - self.done) / rate * 60 if rate > 0 else 0
        return (f"{self.done}/{self.total} pages, {rate:.1f} pages/min, "
                f"about {_duration(left)} left")

    def _show(self, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.bar:
            width = 30
            filled = int(width * self.done / self.total) if self.total else width
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self._line()}   ")
            if final:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif final or now - self._last >= self.interval:
            print(f"tei-pipeline: {self._line()}", file=sys.stderr, flush=True)
            self._last = now

    def close(self) -> None:
        self._show(final=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
