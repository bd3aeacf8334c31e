"""Benchmark page orientation and redaction finding on the real scans, each turned four ways.

Run from anywhere: ``python bench/bench_orientation.py [--turns 0,90,180,270] [--json FILE]``.
Every page of tests/data/real-dev/ and tests/data/real/ is turned clockwise by each angle,
written as a PNG (with its resolution) and read by ``pipeline.ocr.read_images`` as a batch run
reads a page, one Tesseract thread. Per page and turn it prints the rotation found (right
when it equals the turn: every stored page is upright), the redactions found, how many times
Tesseract's orientation detection ran, and the seconds taken; upright pages are also read by
plain Tesseract (``tesseract.recognise``, no orientation or redaction step) to give the cost
of the extra steps on pages that need none.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]

from PIL import Image  # noqa: E402

from pipeline import ocr, orientation, sources, tesseract  # noqa: E402
from pipeline.model import PageSource  # noqa: E402

DATA = REPO / "tests" / "data"
IMAGES = ("*.png", "*.jpg")


def page_files() -> list[Path]:
    files: list[Path] = []
    for folder in (DATA / "real-dev", DATA / "real"):
        for pattern in IMAGES:
            files += folder.glob(f"*/{pattern}")
    return sorted(files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", default="0,90,180,270")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    turns = [int(t) for t in args.turns.split(",")]
    tesseract.configure()
    calls = {"osd": 0}
    detect = tesseract.orientation

    def counted(*a: object, **k: object) -> object:
        calls["osd"] += 1
        return detect(*a, **k)  # type: ignore[arg-type]

    tesseract.orientation = counted  # type: ignore[assignment]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in page_files():
            image = Image.open(path)
            image.load()
            dpi = sources.resolution(image) or 300
            for turn in turns:
                target = Path(tmp) / f"{path.stem}-{turn}.png"
                orientation.turn(image, turn).save(target, dpi=(dpi, dpi))
                calls["osd"] = 0
                started = time.perf_counter()
                [page] = ocr.read_images([PageSource(str(target))], lang="eng", timeout=300)
                seconds = time.perf_counter() - started
                plain = None
                if turn == 0:
                    started = time.perf_counter()
                    tesseract.read(str(path), lang="eng", timeout=300, dpi=dpi)
                    plain = time.perf_counter() - started
                row = {
                    "page": str(path.relative_to(DATA)), "turn": turn, "found": page.rotation,
                    "right": page.rotation == turn, "osd_runs": calls["osd"],
                    "redactions": sum(1 for line in page.lines if line.redacted),
                    "seconds": round(seconds, 2), "plain_seconds": plain and round(plain, 2),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    for turn in turns:
        mine = [r for r in rows if r["turn"] == turn]
        print(f"turn {turn:3d}: {sum(r['right'] for r in mine)}/{len(mine)} read upright, "
              f"OSD run on {sum(1 for r in mine if r['osd_runs'])}, "
              f"{sum(r['seconds'] for r in mine):.1f} s, "
              f"redactions found {sum(r['redactions'] for r in mine)}")
    upright = [r for r in rows if r["turn"] == 0 and r["plain_seconds"]]
    if upright:
        ours = sum(r["seconds"] for r in upright)
        plain = sum(r["plain_seconds"] for r in upright)
        print(f"upright pages: {ours:.1f} s against plain Tesseract's {plain:.1f} s "
              f"({(ours / plain - 1) * 100:+.1f}%)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
