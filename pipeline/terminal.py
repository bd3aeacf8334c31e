"""What reaches the terminal: one line per message, control characters in names escaped."""

from __future__ import annotations

import logging
import re

# C0 and C1 controls, DEL, and the bidirectional controls: a file name carrying them could
# move the cursor, recolour the terminal, start a new (forged) log line or reverse the text.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: object) -> str:
    """`text` with every control character shown as an escape (a newline as a backslash and n)."""
    return _UNPRINTABLE.sub(_escape, str(text))


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class PrintableFormatter(logging.Formatter):
    """A log formatter whose every record is one line without control characters.

    Its message may name files, and a file name may hold anything but ``/`` and NUL; the
    traceback (``-v``) is left as it is.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        return printable(super().formatMessage(record))
