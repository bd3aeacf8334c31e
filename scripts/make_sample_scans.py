"""Render the seed memorandum as five typewritten page scans, and copy a real document beside them.

Reproducible: the same seed gives the same files, and a second run changes nothing. The page
split below is sample-data preparation, keyed on phrases of the seed text; pipeline code never
splits pages this way.

    python scripts/make_sample_scans.py [--seed 1986] [--seed-text PATH] [--out scans]
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.render import render_document, save_compact  # noqa: E402

SEED_TEXT = REPO / "tests" / "data" / "seed" / "memcon-1986-06-23.ocr.txt"
REAL_DOC = REPO / "tests" / "data" / "real" / "jfk-104-10132-10092"
DOC = "memcon-1986-06-23"
MARKING = "~~SECRET/SENSITIVE~~"
STAMP = "DECLASSIFIED\nNLRR FOI 714/5 #8479\nBY AI NARA DATE 11/29/07"
ARCHIVE_NUMBERS = ("30", "31", "32", "33", "34")

# Where each page of the original ends, and where the next begins (the OCR text runs on).
PAGE_ENDS = (
    "must be based on realism. The Soviet Union",
    "questions of verification",
    "Could the US ignore this and think",
    "real disarmament.",
)
NEXT_STARTS = (
    "considers that",
    "and the obligation",
    "that it was not a possible target?",
    "Dubin in concluded",
)

# Page 1 as typed: the letterhead, the title and the participants in two columns (the OCR
# text has them flattened); the declassification stamp is drawn, not typed.
HEADER = """\
@@CENTER United States Department of State
@@CENTER Washington, D.C. 20520

{marking}

@@CENTER MEMORANDUM OF CONVERSATION

President Reagan and Ambassador Dubinin

Date:  June 23, 1986
Place: White House Oval Office
Time:  4:55 - 5:35pm

US Participants:                      Soviet Participants:
President Reagan                      Ambassador Dubinin
Chief of Staff Regan
VADM Poindexter
Ambassador Matlock
Deputy Assistant Secretary Simons
D. Zarechnak, Interpreter
-----"""


def _between(text: str, start: str, end: str | None) -> str:
    i = text.index(start)
    j = text.index(end, i) + len(end) if end else len(text)
    return text[i:j]


def _paragraphs(text: str) -> str:
    """Body text: the OCR's paragraphs, one blank line between them, no trailing spaces."""
    paras = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return "\n\n".join(paras)


def page_texts(seed_text: str) -> list[str]:
    """The five page texts, with the seed's words (and its OCR name errors) as they are."""
    bodies = [
        _between(seed_text, "After initial greetings", PAGE_ENDS[0]),
        _between(seed_text, NEXT_STARTS[0], PAGE_ENDS[1]),
        _between(seed_text, NEXT_STARTS[1], PAGE_ENDS[2]),
        _between(seed_text, NEXT_STARTS[2], PAGE_ENDS[3]),
        _between(seed_text, NEXT_STARTS[3], "it was ready to get down to work."),
    ]
    drafting = "Drafted by D. Zarechnak, OPR/LS\nCleared: EUR:TWSimons, Jr."
    pages = []
    for n, body in enumerate(bodies, start=1):
        lines = [f"@@RIGHT {ARCHIVE_NUMBERS[n - 1]}"]
        if n == 1:
            lines += [HEADER.format(marking=MARKING), "", _paragraphs(body)]
            foot = [MARKING, "DECL: OADR"]
        else:
            lines += [MARKING, f"@@CENTER - {n} -", "", _paragraphs(body)]
            foot = [MARKING]
        if n == 5:
            lines += ["", "", drafting]
        lines += ["", "@@BOTTOM", *foot]  # a blank line at least above the foot
        pages.append("\n".join(lines))
    return pages


def _write_if_changed(data: bytes, path: Path) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1986, help="random seed (default 1986)")
    parser.add_argument("--seed-text", type=Path, default=SEED_TEXT, help="the seed OCR text")
    parser.add_argument("--real", type=Path, default=REAL_DOC, help="real document to copy")
    parser.add_argument("--out", type=Path, default=REPO / "scans", help="output folder")
    args = parser.parse_args(argv)

    seed_text = args.seed_text.read_text(encoding="utf-8")
    images = render_document(page_texts(seed_text), seed=args.seed, stamp_on_first=STAMP)
    folder = args.out / DOC
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images, start=1):
        path = folder / f"page-{i}.png"
        tmp = folder / f".page-{i}.tmp.png"
        save_compact(image, tmp)
        changed = _write_if_changed(tmp.read_bytes(), path)
        tmp.unlink()
        note = "" if changed else " (unchanged)"
        print(f"{path.relative_to(args.out.parent)} {path.stat().st_size // 1024} KB{note}")

    real_out = args.out / args.real.name
    real_out.mkdir(parents=True, exist_ok=True)
    for src in sorted(args.real.glob("*.png")):
        dst = real_out / src.name
        if not (dst.exists() and filecmp.cmp(src, dst, shallow=False)):
            shutil.copyfile(src, dst)
        print(f"{dst.relative_to(args.out.parent)} {dst.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
