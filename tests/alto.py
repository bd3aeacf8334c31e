"""ALTO as Tesseract writes it, for the stand-ins of Tesseract that tests run.

Tesseract's ALTO renderer writes a ComposedBlock per block, a TextBlock per paragraph, a
TextLine per line and a String per word, with its confidence as "0." and a whole number
(96 is WC="0.96", 9 is WC="0.9"). The pipeline reads its words from that file.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

#: A word: its text, left, top, width, height and confidence (0-100).
AltoWord = tuple[str, int, int, int, int, int]


def document(pages: Sequence[Sequence[Sequence[Sequence[AltoWord]]]],
             size: tuple[int, int] = (2550, 3300)) -> str:
    """The ALTO of a run over `pages`: each a list of paragraphs, each a list of lines of words."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#">\n'
           "<Description><MeasurementUnit>pixel</MeasurementUnit>"
           "<sourceImageInformation><fileName>page</fileName></sourceImageInformation>"
           "</Description>\n<Layout>\n"]
    counts = {"block": 0, "line": 0, "string": 0}
    for n, paragraphs in enumerate(pages):
        out.append(f'<Page WIDTH="{size[0]}" HEIGHT="{size[1]}" PHYSICAL_IMG_NR="{n}" '
                   f'ID="page_{n}"><PrintSpace HPOS="0" VPOS="0" WIDTH="{size[0]}" '
                   f'HEIGHT="{size[1]}">\n')
        for paragraph in paragraphs:
            out.append(f'<ComposedBlock ID="cblock_{counts["block"]}">'
                       f'<TextBlock ID="block_{counts["block"]}">\n')
            counts["block"] += 1
            for line in paragraph:
                out.append(f'<TextLine ID="line_{counts["line"]}">')
                counts["line"] += 1
                for text, x, y, w, h, conf in line:
                    out.append(f'<String ID="string_{counts["string"]}" HPOS="{x}" VPOS="{y}" '
                               f'WIDTH="{w}" HEIGHT="{h}" WC="0.{conf}" '
                               f"CONTENT={quoteattr(text)}/>")
                    counts["string"] += 1
                out.append("</TextLine>\n")
            out.append("</TextBlock></ComposedBlock>\n")
        out.append("</PrintSpace></Page>\n")
    out.append("</Layout>\n</alto>\n")
    return "".join(out)


def one_line(words: Sequence[str], top: int = 200, conf: int = 96) -> list[list[list[AltoWord]]]:
    """A page of one paragraph of one line of `words`, each 160 pixels wide."""
    return [[[(word, 100 + 180 * i, top, 160, 40, conf) for i, word in enumerate(words)]]]


def answer_checks(args: Sequence[str]) -> None:
    """Answer the run's start-up questions as Tesseract 5 does, and exit; else return."""
    if "--version" in args:
        print("tesseract 5.3.0")
        sys.exit(0)
    if "--list-langs" in args:
        print('List of available languages in "/fake/" (2):')
        print("eng")
        print("osd")
        sys.exit(0)


def images(image: str) -> list[str]:
    """The image files a run is given, as Tesseract takes its image argument.

    "stdin" (or "-"): the standard input holds a list of files, one a line, as the pipeline
    gives them; a file that is no image (here: .txt) is such a list; else the image itself.
    """
    if image in ("stdin", "-"):
        return sys.stdin.read().split()
    if image.endswith(".txt"):
        return Path(image).read_text(encoding="utf-8").split()
    return [image]
