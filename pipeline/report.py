"""The batch report: one entry per document, a resume journal, corrections.csv, atomic writes."""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from pipeline.exceptions import OutputNotWritable, OutputPathBlocked

log = logging.getLogger(__name__)
STATE_DIR = ".tei-pipeline"  # inside OUTDIR: the journal and temporary files
JOURNAL = "journal.jsonl"
STALE = "stale"  # outputs of earlier runs whose documents now fail
LOCK = "lock"  # held by the run writing into the folder
CORRECTION_COLUMNS = [
    "document", "page", "line", "original", "correction", "entity_id", "score", "cert", "error",
    "reviewer",  # who decided on the correction (tei-pipeline apply); empty before a review
]


@dataclass
class PageGap:
    """A page that is in the TEI only as a gap."""

    page: int
    source: str
    error: str


@dataclass
class Review:
    """A person's review of a document's corrections (tei-pipeline apply)."""

    reviewer: str
    date: str
    accepted: int
    rejected: int
    edited: int

    def public(self) -> dict:
        return asdict(self)


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
    #: names tagged that are not in the gazetteer: candidates to add to it
    names_to_add: list[str] = field(default_factory=list)
    #: names for review with the reason, "page 1 line 12: Allen: Richard V. Allen was ..."
    review_notes: list[str] = field(default_factory=list)
    #: files written beside the TEI: "box3/memo7.manifest.json"
    sidecars: list[str] = field(default_factory=list)
    digest: str | None = None  # SHA-256 of the output written: a rerun reuses only that file
    #: reviews applied to the document: a rerun keeps a reviewed document (unless --force)
    reviews: list[Review] = field(default_factory=list)

    def public(self) -> dict:
        data = asdict(self)
        data.pop("correction_rows")
        data.pop("digest")
        return data

    @classmethod
    def from_dict(cls, data: object) -> DocumentEntry:
        """An entry from its JSON; ValueError when any field is missing or of the wrong type.

        The journal is read back on every rerun: a damaged line must not take a rerun down
        later (a page count that is a string, a list where a name should be).
        """
        if not isinstance(data, dict):
            raise ValueError("not an object")
        known = cls.__dataclass_fields__
        values = {k: v for k, v in data.items() if k in known}
        for name, kinds in _FIELD_TYPES.items():
            if name in values and not _is(values[name], kinds):
                raise ValueError(f"field {name} has the wrong type")
        gaps = values.get("gaps", [])
        if not all(isinstance(g, dict) and set(g) == {"page", "source", "error"}
                   and isinstance(g["page"], int) and isinstance(g["source"], str)
                   and isinstance(g["error"], str) for g in gaps):
            raise ValueError("damaged gaps")
        values["gaps"] = [PageGap(**g) for g in gaps]
        reviews = values.get("reviews", [])
        if not all(isinstance(r, dict) and set(r) == set(Review.__dataclass_fields__)
                   for r in reviews):
            raise ValueError("damaged reviews")
        values["reviews"] = [Review(**r) for r in reviews]
        if values.get("status") not in ("ok", "degraded", "failed"):
            raise ValueError("unknown status")
        try:
            return cls(**values)
        except TypeError as e:  # a field missing
            raise ValueError(str(e)) from e


def _is(value: object, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool) and bool not in kinds:
        return False
    if list in kinds and isinstance(value, list):
        return True
    return isinstance(value, kinds)


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# The type of every field of a journal line (lists are checked further below).
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,), "sources": (list,), "output": (str, type(None)), "pages": (int,),
    "status": (str,), "error": (str, type(None)), "corrections": (int,), "review": (int,),
    "seconds": (int, float), "gaps": (list,), "notes": (list,),
    "fingerprint": (str, type(None)), "reused": (bool,), "correction_rows": (list,),
    "digest": (str, type(None)), "reviews": (list,),
}


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
        """Remove this run's temporary files (interrupted in a write), let another run have it."""
        shutil.rmtree(self.tmp, ignore_errors=True)
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

    def set_aside(self, relative: str) -> Path | None:
        """Move an earlier run's output that is now out of date to STATE_DIR/stale/; where to.

        A document that fails on a rerun (its input gone, or damaged since) must not leave an
        output made from what the input was before beside a report that says it failed.
        """
        target = self.root / relative
        if not target.is_file():
            return None
        moved = self.state / STALE / relative
        try:
            moved.parent.mkdir(parents=True, exist_ok=True)
            target.replace(moved)
        except OSError as e:
            log.warning("cannot move %s aside: %s", target, e.strerror or e)
            return None
        return moved

    def journal_entries(self) -> dict[str, DocumentEntry]:
        """Documents finished by earlier runs, latest entry per id; a torn last line is ignored."""
        path = self.state / JOURNAL
        found: dict[str, DocumentEntry] = {}
        if not path.exists():
            return found
        damaged = 0
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    entry = DocumentEntry.from_dict(json.loads(line))
                    if not (_strings(entry.sources) and _strings(entry.notes) and all(
                            _strings(row) for row in entry.correction_rows)):
                        raise ValueError("damaged list")
                except (ValueError, TypeError, RecursionError):
                    damaged += line.endswith("\n")  # a torn last line is a kill, not damage
                    continue
                found[entry.id] = entry
        if damaged:
            log.warning("%s: %d damaged line(s) ignored; their documents are made again",
                        path, damaged)
        return found

    def record(self, entry: DocumentEntry) -> None:
        """Append a finished document to the journal (one line, flushed)."""
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with (self.state / JOURNAL).open("a", encoding="utf-8",
                                         errors="backslashreplace") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def finish(self, report: dict, entries: list[DocumentEntry]) -> None:
        """Write report.json and corrections.csv; without them the batch has failed."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CORRECTION_COLUMNS)
        for entry in entries:  # rows of earlier runs lack the last columns
            writer.writerows(row + [""] * (len(CORRECTION_COLUMNS) - len(row))
                             for row in entry.correction_rows)
        try:
            self.write("report.json",
                       json.dumps(report, indent=2, ensure_ascii=False)
                       .encode("utf-8", "backslashreplace") + b"\n")
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
