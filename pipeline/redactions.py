"""Redactions: solid black boxes on the page image, the exemption codes beside them, in the text.

A redaction is a large solid black rectangle standing inside the page; a black scanner or film
border touches the edge of the image and is none. Each box becomes a line of its own, in
reading order where it stands, holding the exemption code ("(b)(1)", "(b)(3)", "B1") that is
written beside it, taken out of the line the OCR read it in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from PIL import Image

from pipeline.model import Box, Line, Word, words_box
from pipeline.strike import ink_threshold, scan_dpi, touching_runs

__all__ = ["find_redactions", "place_redactions"]

CELL_INCHES = 1 / 30  # the page is looked at in cells this wide
SOLID = 0.9  # a cell this dark is part of a box
MIN_HEIGHT_INCHES = 0.12  # a box is at least as high as a typed line
MIN_WIDTH_INCHES = 0.4  # and at least as long as a short word
MIN_FILL = 0.85  # share of the box's cells that are solid: a rectangle, not a blot or a seal
EDGE_INCHES = 0.1  # a dark area this close to the image's edge is a scanner border
CODE_REACH_INCHES = 1.0  # an exemption code stands this close to its box
EXEMPTION = re.compile(  # (b)(1), (b)(7)(C), B1; or its parts read as two words: (b) (1)
    r"^(\(?[bB]\)?\s*\(?[1-9]\)?(\s*\(?[A-Za-z]\)?)?|\([bB]\)|\([1-9]\)|\([A-Z]\))[.,;:]?$"
)


def find_redactions(image: Image.Image) -> list[Box]:
    """Solid black rectangles inside the page (page pixels), top to bottom."""
    dpi = scan_dpi(image)
    cell = max(2, round(CELL_INCHES * dpi))
    w, h = image.size
    rows, cols = h // cell, w // cell
    if rows < 3 or cols < 3:
        return []
    # black and white, then each cell's mean brightness (PIL does both in C, in milliseconds)
    grey = image.convert("L")
    if image.mode != "1":
        cut = ink_threshold(grey)
        grey = grey.point(lambda v: 0 if v < cut else 255)
    means = np.asarray(grey.reduce(cell, box=(0, 0, cols * cell, rows * cell)))  # no copy
    solid = means <= 255 * (1 - SOLID)
    if not solid.any():
        return []
    edge = max(1, round(EDGE_INCHES * dpi / cell))
    found: list[Box] = []
    for r0, c0, r1, c1, count in _components(solid):
        height, width = (r1 - r0) * cell, (c1 - c0) * cell
        short, long = sorted((height, width))
        if short < MIN_HEIGHT_INCHES * dpi or long < MIN_WIDTH_INCHES * dpi:
            continue  # a rule or a blot (on a page read sideways, boxes stand upright)
        if count < MIN_FILL * (r1 - r0) * (c1 - c0):
            continue
        if r0 < edge or c0 < edge or r1 > rows - edge or c1 > cols - edge:
            continue  # a scanner border
        found.append(Box(c0 * cell, r0 * cell, min(w, c1 * cell), min(h, r1 * cell)))
    return sorted(found, key=lambda b: (b.y0, b.x0))


def _components(solid: np.ndarray) -> list[tuple[int, int, int, int, int]]:
    """Connected runs of solid cells: (row0, col0, row1, col1, cells), ends exclusive."""
    padded = np.zeros((solid.shape[0], solid.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = solid
    d = np.diff(padded, axis=1)
    run_rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    runs = list(zip(run_rows.tolist(), starts.tolist(), ends.tolist(), strict=True))
    out = []
    for rs in touching_runs(runs):  # the same grouping as the pen strokes'
        out.append((
            min(r for r, _, _ in rs), min(s for _, s, _ in rs),
            max(r for r, _, _ in rs) + 1, max(e for _, _, e in rs),
            sum(e - s for _, s, e in rs),
        ))
    return out


def blank(image: Image.Image, boxes: Sequence[Box]) -> Image.Image:
    """A copy of the page with the boxes painted white, so that the OCR reads no junk in them."""
    out = image.copy()
    white = 1 if out.mode == "1" else (255,) * len(out.getbands()) if len(out.getbands()) > 1 \
        else 255
    for box in boxes:
        out.paste(white, (box.x0, box.y0, box.x1, box.y1))  # type: ignore[arg-type]
    return out


def place_redactions(lines: list[Line], boxes: Sequence[Box], dpi: float) -> list[Line]:
    """The lines with each box as a redacted line where it stands, its exemption code in it.

    A code is a word ("(b)(1)", "B1", "(b)(3)") beside the box, on its level or just above or
    below it; it is taken out of its line (a line left empty goes). The box goes before the
    first line that stands below its middle and overlaps it across the page; else at the end.
    """
    if not boxes:
        return lines
    lines = list(lines)
    reach = CODE_REACH_INCHES * dpi
    for box in boxes:
        codes: list[Word] = []
        for n, line in enumerate(lines):
            if line.redacted:
                continue
            keep = [w for w in line.words if not _code_beside(w, box, reach)]
            if len(keep) < len(line.words):
                codes += [w for w in line.words if w not in keep]
                lines[n] = Line(tuple(keep), words_box(keep), line.block)
        lines = [line for line in lines if line.words or line.redacted]
        middle = (box.y0 + box.y1) / 2
        at = next(
            (n for n, line in enumerate(lines)
             if line.box is not None and line.box.y0 >= middle
             and line.box.x0 < box.x1 and box.x0 < line.box.x1),
            len(lines),
        )
        block = lines[at - 1].block if at else (lines[0].block if lines else 0)
        lines.insert(at, Line(tuple(codes), box, block, redacted=True))
    return lines


def _code_beside(word: Word, box: Box, reach: float) -> bool:
    if word.box is None or not EXEMPTION.match(word.text):
        return False
    b = word.box
    level = b.y1 >= box.y0 - reach / 2 and b.y0 <= box.y1 + reach / 2
    across = b.x1 >= box.x0 - reach and b.x0 <= box.x1 + reach
    return level and across


