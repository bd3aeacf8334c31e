"""Make the OCR fixtures tests/data/ocr/<document>.json from the real scans in tests/data/.

Run from anywhere: ``python scripts/make_ocr_fixtures.py [DOCUMENT ...]`` (default: every
document of tests/data/real-dev/ and tests/data/real/). Each document's page images are read
by the pipeline's own OCR stage, the way a batch run reads them (``worker.read_task``:
decoding, stroke removal at the page edges, Tesseract with the page's dpi, one thread,
struck words flagged, columns split, reading order), up to GROUP_PAGES pages to a Tesseract
run as the driver groups them, and
the pages are saved with ``tests/ocr_pages.save_pages``. Page paths are relative to the
repository; the seconds each page took are set to 0 so that the same OCR gives the same file.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from ocr_pages import save_pages  # noqa: E402

from pipeline import tesseract  # noqa: E402
from pipeline.driver import GROUP_PAGES  # noqa: E402
from pipeline.model import InputKind, Page  # noqa: E402
from pipeline.sources import DocumentSource, discover  # noqa: E402
from pipeline.worker import ReadTask, Settings, collect, read_task  # noqa: E402

DATA = Path("tests") / "data"
SETS = (DATA / "real-dev", DATA / "real")
OUT = DATA / "ocr"
LANG = "eng"
PAGE_TIMEOUT = 600.0  # the command line's default (Options.page_timeout)


def documents() -> list[DocumentSource]:
    """The scanned documents of the real sets: one per folder of page images."""
    found: list[DocumentSource] = []
    for folder in SETS:
        for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
            docs, _ = discover([sub])
            found.extend(d for d in docs if d.kind is InputKind.images and not d.error)
    return found


def read(doc: DocumentSource, settings: Settings) -> list[Page]:
    """The document's pages as a batch run reads them."""
    results: list = []
    for first in range(0, len(doc.pages), GROUP_PAGES):
        group = doc.pages[first:first + GROUP_PAGES]
        results.extend(read_task(settings, [ReadTask(source) for source in group]))
    pages, error = collect(results, doc.pages)  # type: ignore[arg-type]
    if error is not None:
        raise SystemExit(f"{doc.id}: {error}")
    return [replace(page, seconds=0.0) for page in pages]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="documents to redo (folder names); default all")
    args = parser.parse_args()
    os.chdir(REPO)  # page paths relative to the repository
    version = tesseract.check(LANG)
    settings = Settings(lang=LANG, page_timeout=PAGE_TIMEOUT, gazetteers=(), correct=True,
                        tesseract_version=version, processed=date.today().isoformat())
    docs = [d for d in documents() if not args.names or d.id in args.names]
    missing = set(args.names) - {d.id for d in docs}
    if missing:
        raise SystemExit(f"no such document: {', '.join(sorted(missing))}")
    OUT.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        pages = read(doc, settings)
        meta = {"document": doc.id, "folder": doc.path.as_posix(), "tesseract": version,
                "lang": LANG, "made_by": "scripts/make_ocr_fixtures.py"}
        target = OUT / f"{doc.id}.json"
        save_pages(pages, target, meta)
        words = sum(len(line.words) for page in pages for line in page.lines)
        print(f"{target}: {len(pages)} pages, {words} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
