"""The batch report: one entry per document, a resume journal, corrections.csv, atomic writes."""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from pipeline.exceptions import OutputNotWritable, OutputPathBlocked

STATE_DIR = ".tei-pipeline"  # inside OUTDIR: the journal and temporary files
JOURNAL = "journal.jsonl"
LOCK = "lock"  # held by the run writing into the folder
CORRECTION_COLUMNS = [
    "document", "page", "line", "original", "correction", "entity_id", "score", "cert",
]


@dataclass
class PageGap:
    """A page that is in the TEI only as a gap."""

    page: int
    source: str
    error: str


@dataclass
class DocumentEntry:
    """One document's line in report.json."""

    id: str
    sources: list[str]
    output: str | None
    pages: int
    status: str  # ok, degraded (some pages are gaps), failed
    error: str | None = None
    corrections: int = 0
    review: int = 0  # names marked for a person to review
    seconds: float = 0.0
    gaps: list[PageGap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    reused: bool = False  # True when a rerun found it done and left it alone
    correction_rows: list[list[str]] = field(default_factory=list)

    def public(self) -> dict:
        data = asdict(self)
        data.pop("correction_rows")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> DocumentEntry:
        data = dict(data)
        data["gaps"] = [PageGap(**g) for g in data.get("gaps", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})


class OutputFolder:
    """Where documents are written: atomically, so a kill never leaves half a file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = root / STATE_DIR
        self.tmp = self.state / "tmp"
        # mkstemp makes files only their owner can read; documents get what the umask allows.
        umask = os.umask(0o022)
        os.umask(umask)
        self.mode = 0o666 & ~umask
        try:
            root.mkdir(parents=True, exist_ok=True)
            self.state.mkdir(exist_ok=True)
            self._lock = _lock(self.state / LOCK, root)
            # Temporary files of a killed run are garbage; their documents are redone.
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir(parents=True, exist_ok=True)
            probe = self.tmp / "probe"
            probe.write_bytes(b"")
            probe.unlink()
        except OutputNotWritable:
            raise
        except OSError as e:
            raise OutputNotWritable(
                f"cannot write to output folder {root}: {e.strerror or e}; choose another with -o"
            ) from e

    def close(self) -> None:
        """Let another run have the folder."""
        self._lock.close()

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, relative: str, data: bytes) -> Path:
        """Write OUTDIR/relative via a temporary file and a rename.

        Raises OutputPathBlocked when something in the output folder stands where this file
        or its folder must go (only this file is affected), OutputNotWritable when the folder
        cannot take files at all (disk full, read-only).
        """
        target = self.root / relative
        tmp_name = None
        try:
            fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="part-")
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), self.mode)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            target.parent.mkdir(parents=True, exist_ok=True)
            Path(tmp_name).replace(target)
        except OSError as e:
            if tmp_name is not None:
                Path(tmp_name).unlink(missing_ok=True)
            message = f"cannot write {target}: {_why(e, target)}"
            if tmp_name is not None and e.errno in _PATH_ERRORS:
                raise OutputPathBlocked(f"{message}; move it away and rerun") from e
            raise OutputNotWritable(message) from e
        return target

    def journal_entries(self) -> dict[str, DocumentEntry]:
        """Documents finished by earlier runs, latest entry per id; a torn last line is ignored."""
        path = self.state / JOURNAL
        found: dict[str, DocumentEntry] = {}
        if not path.exists():
            return found
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    entry = DocumentEntry.from_dict(json.loads(line))
                except (ValueError, TypeError):
                    continue
                found[entry.id] = entry
        return found

    def record(self, entry: DocumentEntry) -> None:
        """Append a finished document to the journal (one line, flushed)."""
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with (self.state / JOURNAL).open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def finish(self, report: dict, entries: list[DocumentEntry]) -> None:
        """Write report.json and corrections.csv; without them the batch has failed."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CORRECTION_COLUMNS)
        for entry in entries:
            writer.writerows(entry.correction_rows)
        try:
            self.write("report.json",
                       json.dumps(report, indent=2, ensure_ascii=False).encode() + b"\n")
            self.write("corrections.csv", buffer.getvalue().encode("utf-8"))
        except OutputPathBlocked as e:
            raise OutputNotWritable(e.message) from e
        shutil.rmtree(self.tmp, ignore_errors=True)


def _lock(path: Path, root: Path) -> IO[bytes]:
    """Hold the output folder for this run (released when the process ends, even killed).

    Two runs writing into one folder would delete each other's temporary files.
    """
    handle = path.open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise OutputNotWritable(
            f"another tei-pipeline run is writing to {root}; wait for it to finish or "
            "choose another output folder with -o"
        ) from None
    return handle


# Errors of one path (a file where a folder must be, a folder in the way, a name too long,
# a folder without permission): the folder as a whole takes files, other documents go on.
_PATH_ERRORS = frozenset({errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ENAMETOOLONG,
                          errno.EACCES, errno.EPERM})


def _why(error: OSError, target: Path) -> str:
    """The reason a write failed, naming the file that stands where a folder must be."""
    try:
        for parent in target.parents:
            if parent.exists() or parent.is_symlink():
                if not parent.is_dir():
                    return f"{parent} is a file, not a folder"
                break
        if target.is_dir():
            return "a folder of that name is in the way"
    except OSError:  # the name itself is the problem (too long): say what writing said
        pass
    return error.strerror or str(error)
