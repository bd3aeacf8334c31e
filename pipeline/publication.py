"""Who publishes a batch, under which licence, from which archive: what a repository needs.

Given on the command line or in a small per-batch metadata file (TOML), the same for every
document of the batch; the TEI header, the IIIF manifests and the bag carry it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path

from pipeline.exceptions import UsageError

PUBLIC_DOMAIN_MARK = "https://creativecommons.org/publicdomain/mark/1.0/"
LICENCE_LABELS = {
    PUBLIC_DOMAIN_MARK: "Public Domain Mark 1.0: a work of the United States Government, "
    "free of known copyright restrictions",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0 Universal",
    "https://creativecommons.org/licenses/by/4.0/": "Creative Commons Attribution 4.0",
}
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class Publication:
    """The batch's publication facts; every field optional but the licence."""

    publisher: str | None = None  # the archive or library that makes the transcriptions available
    licence: str = PUBLIC_DOMAIN_MARK  # a URI
    institution: str | None = None  # msIdentifier: "National Archives and Records Administration"
    repository: str | None = None  # "Ronald Reagan Presidential Library"
    collection: str | None = None  # "Executive Secretariat, NSC: System IV Intelligence Files"
    image_base_uri: str | None = None  # images served from here (a IIIF image server, say)
    base_uri: str | None = None  # where the output folder will be published

    def __post_init__(self) -> None:
        for name in ("licence", "image_base_uri", "base_uri"):
            value = getattr(self, name)
            if value is not None and not _URI.match(value):
                raise UsageError(f"--{name.replace('_', '-')} must be a URI (got {value!r})")

    @property
    def licence_label(self) -> str:
        return LICENCE_LABELS.get(self.licence, self.licence)

    def with_file(self, path: Path) -> Publication:
        """These facts completed by a metadata file; what was given here wins."""
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise UsageError(f"{path}: cannot read the metadata file: {e.strerror or e}") from e
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise UsageError(f"{path}: not a TOML metadata file: {e}") from e
        known = {f.name.replace("_", "-"): f.name for f in fields(self)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise UsageError(
                f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        given = {known[k]: str(v) for k, v in data.items()}
        mine = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != f.default
        }
        return replace(Publication(), **{**given, **mine})


def processing_day() -> date:
    """The day documents are processed: today, or SOURCE_DATE_EPOCH's day (reproducible output)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()
