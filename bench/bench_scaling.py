"""Scaling benchmarks of issue 14: cost linear in the input, memory bounded by the limits.

    python bench/bench_scaling.py [SECTION ...] [--work DIR]

Sections (default: all):

- ``pages``: a text of 1k, 4k, 16k and 64k form-feed pages (two typed lines each), one
  document, ``-j 1``: pages per second end to end. Flat means linear; the issue's figures
  before were 4.5, 17.5 and 77 s for 16k, 32k and 64k pages (quadratic).
- ``names``: a text of 1k, 5k and 20k names (gazetteer names, their variants and OCR-damaged
  forms, five in a line of ten words), one document: names per second end to end.
- ``pdf-memory``: peak memory of the process (``-j 1``: every stage in it) that is given a
  PDF page of 257 kB drawing a 46,000 × 46,000 image (2.1 gigapixels, 2.1 GB decoded), against
  the same process given a one-line text; and the limit it is refused by.

Each run is a fresh ``python -m pipeline`` process; every figure is printed on a line of its
own, with the ratio of the smallest input's rate to the largest's (at most 2 is "flat").
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.sources import MAX_PIXELS  # noqa: E402
from tests.test_hostile import pdf_drawing_image  # noqa: E402

WORDS = ("the Secretary said that Ambassador met with General Secretary and discussed arms "
         "control issues at length before the meeting ended").split()
NAMES = ["Shultz", "Dobrynin", "Gromyko", "Kampelman", "Reagan", "Gorbachev", "Shevardnadze",
         "Matlock", "Dubinin", "Dubinina", "Gorbachcv", "Shultz's", "Moscow", "Washington",
         "Karpov", "Nitze", "Akhromeyev", "Ridgway", "Poindexter", "Zarechnak"]


def pages_text(pages: int) -> str:
    rng = random.Random(pages)
    return "\f".join(
        " ".join(rng.choice(WORDS) for _ in range(12)) + "\n"
        + " ".join(rng.choice(WORDS) for _ in range(10)) + "\n"
        for _ in range(pages)
    )


def names_text(names: int) -> str:
    rng = random.Random(names)
    lines = []
    for _ in range(names // 5):
        words = []
        for _ in range(5):
            words += [rng.choice(NAMES), rng.choice(WORDS)]
        lines.append(" ".join(words) + ".")
    return "\n".join(lines) + "\n"


def run_once(path: Path, work: Path) -> tuple[float, int]:
    """Seconds and peak memory (kB) of one run over `path`, in a fresh process."""
    out = work / "out"
    shutil.rmtree(out, ignore_errors=True)
    script = (
        "import resource, sys, time\n"
        "from pipeline.cli import main\n"
        "t = time.perf_counter()\n"
        f"code = main(['run', {str(path)!r}, '-o', {str(out)!r}, '-j', '1', '-q', "
        "'--no-progress'])\n"
        "print(code, time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=REPO, check=False)
    code, seconds, peak = result.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"run over {path} failed ({code}): {result.stderr}")
    return float(seconds), int(peak)


def scaling(name: str, unit: str, sizes: Sequence[int], make, work: Path) -> None:  # noqa: ANN001
    rates = []
    for size in sizes:
        path = work / f"{name}-{size}.txt"
        path.write_text(make(size), encoding="utf-8")
        seconds, _ = run_once(path, work)
        rate = size / seconds
        rates.append(rate)
        print(f"{name}: {size:>6} {unit}: {seconds:7.2f} s, {rate:8.0f} {unit}/s", flush=True)
    print(f"{name}: rate at {sizes[0]} / rate at {sizes[-1]}: {rates[0] / rates[-1]:.2f} "
          f"(flat within 2x: {'yes' if rates[0] / rates[-1] <= 2 else 'NO'})", flush=True)


def pdf_memory(work: Path) -> None:
    pdf = work / "huge-image.pdf"
    pdf.write_bytes(pdf_drawing_image(46_000))
    text = work / "one-line.txt"
    text.write_text("Shultz met Dobrynin.\n", encoding="utf-8")
    _, base = run_once(text, work)
    seconds, peak = run_once(pdf, work)
    decoded = 46_000 * 46_000
    print(f"pdf-memory: PDF of {pdf.stat().st_size:,} bytes drawing 46,000 x 46,000 "
          f"({decoded:,} pixels, {decoded / 1e9:.1f} GB as 8-bit grey)")
    print(f"pdf-memory: peak {peak / 1024:.0f} MB in {seconds:.2f} s; a one-line text: "
          f"{base / 1024:.0f} MB; the limit {MAX_PIXELS:,} pixels an image "
          f"({MAX_PIXELS / 1e6:.0f} MB as 8-bit grey)")
    print(f"pdf-memory: bounded by the limit: "
          f"{'yes' if (peak - base) * 1024 < MAX_PIXELS else 'NO'}", flush=True)


SECTIONS = ("pages", "names", "pdf-memory")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], default=[])
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    args = parser.parse_args(argv)
    sections = args.sections or list(SECTIONS)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if "pages" in sections:
        scaling("pages", "pages", [1_000, 4_000, 16_000, 64_000], pages_text, work)
    if "names" in sections:
        scaling("names", "names", [1_000, 5_000, 20_000], names_text, work)
    if "pdf-memory" in sections:
        pdf_memory(work)
    print(f"bench_scaling: {time.perf_counter() - started:.0f} s; children's peak "
          f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
