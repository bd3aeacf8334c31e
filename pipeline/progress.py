"""Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30
BAR_REFRESH = 0.2  # seconds between two redraws of the bar, at most
CLEAR_LINE = "\r\x1b[K"


class Progress:
    """Pages done out of total, pages per minute, time left.

    On a terminal the bar is redrawn in place (and cleared before a log line is printed, so
    the two do not mix); otherwise a line is printed at the first page, every `interval`
    seconds, and at the end. Nothing at all when disabled (``-q``) or when there is no page
    to do (a rerun that finds everything done).
    """

    def __init__(
        self,
        total: int,
        *,
        enabled: bool,
        bar: bool | None,
        interval: float = 5.0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.total > 0
        self.bar = _isatty(self.stream) if bar is None else bar
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self._last: float | None = None  # when something was last shown
        self._drawn = False  # the bar is on the screen, the cursor at its end
        self._filter: _ClearBar | None = None
        if self.enabled and self.bar:
            self._filter = _ClearBar(self)
            for handler in _stderr_handlers(self.stream):
                handler.addFilter(self._filter)

    def advance(self, pages: int = 1, *, planned: int | None = None) -> None:
        """Count pages done; `planned`: the pages this task was expected to give (total adjusts)."""
        self.done += pages
        if planned is not None:
            self.total = max(self.total + pages - planned, self.done)
        self._show()

    def close(self) -> None:
        """The last line; the bar's line is ended."""
        self._show(final=True)
        if self._filter is not None:
            for handler in _stderr_handlers(self.stream):
                handler.removeFilter(self._filter)
            self._filter = None

    def line(self) -> str:
        """Pages done of the total, pages per minute, time left."""
        elapsed = max(self.clock() - self.started, 1e-6)
        rate = self.done / elapsed * 60
        left = (self.total - self.done) / rate * 60 if rate > 0 else None
        return (f"{self.done}/{self.total} pages, {rate:.1f} pages/min, "
                f"{'time left unknown' if left is None else f'about {_duration(left)} left'}")

    def _show(self, final: bool = False) -> None:
        if not self.enabled:
            return
        now = self.clock()
        if self.bar:
            if final or self._last is None or now - self._last >= BAR_REFRESH:
                self.stream.write(f"\r{render_bar(self.done, self.total)} {self.line()}\x1b[K")
                self._drawn = True
                if final:
                    self.stream.write("\n")
                    self._drawn = False
                self.stream.flush()
                self._last = now
        elif final or self._last is None or now - self._last >= self.interval:
            self.stream.write(f"tei-pipeline: {self.line()}\n")
            self.stream.flush()
            self._last = now

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self._drawn = False
            self._last = None  # redraw at the next page


def render_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``[#########.....]``: the share of pages done."""
    filled = min(width, done * width // total) if total > 0 else width
    return f"[{'#' * filled}{'.' * (width - filled)}]"


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _stderr_handlers(stream: TextIO) -> list[logging.StreamHandler]:
    return [
        h for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and getattr(h, "stream", None) is stream
    ]


class _ClearBar(logging.Filter):
    """Clears the bar's line before a log line is written over it; the next page redraws it."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress

    def filter(self, record: logging.LogRecord) -> bool:
        self.progress._clear()
        return True
