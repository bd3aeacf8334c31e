"""Find words struck through by hand, and remove the stroke so that the word under it can be read again."""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from pipeline.model import Box
from pipeline.sources import resolution

__all__ = ["find_strikes", "find_strokes", "ink_threshold", "remove_strokes", "scan_dpi"]

# A struck word: a near-horizontal dark path whose centre lies in this part of the box height.
BAND = (0.25, 0.75)
STROKE_MAX_INCHES = 0.1  # thicker than this is a box or a redaction, not a pen or marker stroke
PEN_MAX_INCHES = 0.06  # a pen's stroke; a thicker one (a marker's) covers too much to erase
STROKE_MIN_INCHES = 0.4  # shortest stroke find_strikes reports
STROKE_MAX_LENGTH_INCHES = 4.5  # longer lines are rules and box borders
MIN_CROSSINGS = 3  # letter strokes (separate places) that must run through a stroke
MIN_BALANCE = 0.35  # ink on the lesser side of a stroke, as a share of the greater side
MIN_STROKE_PIXELS = 60  # find_strikes ignores shorter lines whatever the resolution


# --------------------------------------------------------------------------- pixels


def _otsu(hist: np.ndarray) -> int:
    """Otsu's threshold of a 256-bin histogram."""
    p = hist.astype(np.float64)
    total = p.sum()
    if total == 0:
        return 128
    levels = np.arange(256, dtype=np.float64)
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * levels)
    w1 = total - w0
    mean_all = m0[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_all * w0 - m0 * total) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1
    return int(np.argmax(between))


def _ink(image: Image.Image, box: Box | None = None, threshold: int | None = None) -> np.ndarray:
    """Dark pixels (True) of the image or of a box of it, for modes "1", "L", "RGB" and others."""
    if box is not None:
        image = image.crop((box.x0, box.y0, box.x1, box.y1))
    if image.mode == "1":
        return ~np.asarray(image, dtype=bool)
    grey = image.convert("L")
    if threshold is None:
        threshold = _threshold(grey)
    return np.asarray(grey) < threshold


def _threshold(grey: Image.Image) -> int:
    small = grey.reduce(4) if min(grey.size) >= 64 else grey
    return min(200, max(60, _otsu(np.asarray(small.histogram()[:256]))))


def ink_threshold(grey: Image.Image) -> int:
    """The grey level under which a pixel of this greyscale page is ink (Otsu's, bounded)."""
    return _threshold(grey)


def scan_dpi(image: Image.Image) -> float:
    """The scan's resolution; 300 when it says none or an odd one."""
    return _dpi(image)


def _clip(box: Box, size: tuple[int, int]) -> Box:
    w, h = size
    return Box(
        max(0, min(w, box.x0)),
        max(0, min(h, box.y0)),
        max(0, min(w, box.x1)),
        max(0, min(h, box.y1)),
    )


def _dpi(image: Image.Image) -> float:
    """The scan's resolution for measuring strokes; 300 when it says none or an odd one."""
    value = resolution(image)
    return value if value is not None and 50 <= value <= 1200 else 300.0


def _close_rows(a: np.ndarray, gap: int) -> np.ndarray:
    """Fill horizontal gaps of up to `gap` pixels in each row (a 1-D closing)."""
    if gap <= 0:
        return a
    w = a.shape[-1]
    left = a.copy()  # dark somewhere within `gap` to the left (inclusive)
    right = a.copy()
    for k in range(1, gap + 1):
        if k >= w:
            break
        left[..., k:] |= a[..., :-k]
        right[..., :-k] |= a[..., k:]
    return a | (left & right)


@dataclass
class _Measure:
    """What the pixels around a line say: is it a pen stroke through letters?"""

    cover: float  # share of the columns with ink on the line
    pen: float  # median thickness of the dark run on the line
    crossings: int  # places where letter strokes run through the line
    balance: float  # ink on the lesser side over ink on the greater side, near the line
    up: np.ndarray  # dark rows above the centre, per column
    down: np.ndarray  # dark rows below the centre, per column


def _measure(
    ink: np.ndarray, xs: np.ndarray, centres: np.ndarray, thick: int, reach: float, window: float
) -> _Measure:
    """Measure the dark run through `centres` (rows, per column `xs`) and the ink around it.

    The run may start up to `thick` rows from the centre (a wavy stroke). A crossing is a
    column where ink goes on for `reach` rows beyond the pen on both sides; the balance
    compares the ink within `window` rows above and below the pen.
    """
    h = ink.shape[0]
    n = xs.size
    span = int(np.ceil(thick + reach + window)) + 2
    offsets = np.arange(-span, span + 1)
    c = np.rint(centres).astype(np.int64)
    rows = c[:, None] + offsets[None, :]
    inside = (rows >= 0) & (rows < h)
    strip = np.where(inside, ink[np.clip(rows, 0, h - 1), xs[:, None]], False)  # (n, 2*span+1)
    up = np.zeros(n, dtype=np.int64)
    down = np.zeros(n, dtype=np.int64)
    for r in range(-thick, thick + 1):
        i = span + r
        above = strip[:, i::-1]
        below = strip[:, i:]
        u = np.where(above.all(axis=1), above.shape[1], np.argmin(above, axis=1))
        d = np.where(below.all(axis=1), below.shape[1], np.argmin(below, axis=1))
        u_c = np.where(u > 0, u - r, 0)  # dark rows above the centre
        d_c = np.where(d > 0, d + r, 0)
        better = (u_c + d_c) > (up + down)
        up = np.where(better, u_c, up)
        down = np.where(better, d_c, down)
    extent = up + down
    dark = extent > 0
    if not dark.any():
        return _Measure(0.0, 0.0, 0, 0.0, up, down)
    pen = float(np.percentile(extent[dark], 30))  # between letters: the pen alone
    cross = (up >= pen / 2 + reach) & (down >= pen / 2 + reach)
    crossings = int(np.count_nonzero(np.diff(cross.astype(np.int8)) == 1) + cross[0])
    edge = int(np.ceil(pen / 2)) + 1
    lo = max(0, span - edge - int(window))
    hi = min(strip.shape[1], span + edge + int(window) + 1)
    ink_above = float(strip[:, lo : span - edge].sum())
    ink_below = float(strip[:, span + edge + 1 : hi].sum())
    balance = min(ink_above, ink_below) / max(1.0, ink_above, ink_below)
    return _Measure(float(dark.mean()), pen, crossings, balance, up, down)


# --------------------------------------------------------------------------- free strokes


@dataclass
class _Stroke:
    """A connected long horizontal structure: its bounding box and per-column centre line."""

    x0: int
    x1: int  # exclusive
    y0: int
    y1: int  # exclusive
    centre: np.ndarray  # per column x0..x1-1, float rows (NaN where the stroke is missing)
    thickness: float
    crossings: int
    balance: float


def _long_segments(ink: np.ndarray, min_len: int, gap: int) -> list[tuple[int, int, int]]:
    """Horizontal runs (row, start, end) of at least `min_len`, rows dilated by one for slant."""
    h, w = ink.shape
    # Only rows with enough ink around them can hold such a run (after closing gaps of `gap`,
    # one pixel in gap + 1 is ink): the blank rows between typed lines are skipped.
    counts = ink.sum(axis=1)
    near = counts.copy()
    near[1:] += counts[:-1]
    near[:-1] += counts[1:]
    picked = np.flatnonzero(near >= min_len // (gap + 1))
    if picked.size == 0:
        return []
    tall = ink[picked]
    tall |= ink[np.maximum(picked - 1, 0)]
    tall |= ink[np.minimum(picked + 1, h - 1)]
    closed = _close_rows(tall, gap)
    padded = np.zeros((picked.size, w + 2), dtype=np.int8)
    padded[:, 1:-1] = closed
    d = np.diff(padded, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    keep = (ends - starts) >= min_len
    rows = picked[rows[keep]]
    return list(zip(rows.tolist(), starts[keep].tolist(), ends[keep].tolist(), strict=True))


def touching_runs(segs: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
    """Group row segments that touch (rows apart by one, x ranges overlapping)."""
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_row: dict[int, list[int]] = {}
    for i, (r, _, _) in enumerate(segs):
        by_row.setdefault(r, []).append(i)
    for i, (r, s, e) in enumerate(segs):
        for j in by_row.get(r - 1, ()):
            _, s2, e2 = segs[j]
            if s2 < e and s < e2:
                a, b = find(i), find(j)
                if a != b:
                    parent[a] = b
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for i, seg in enumerate(segs):
        groups.setdefault(find(i), []).append(seg)
    return list(groups.values())


def _strokes(ink: np.ndarray, dpi: float) -> list[_Stroke]:
    """Long thin near-horizontal dark lines, each measured (crossings, balance)."""
    min_len = max(20, round(0.2 * dpi))
    max_thick = max(4, round(STROKE_MAX_INCHES * dpi))
    gap = max(2, round(dpi / 150))
    found: list[_Stroke] = []
    for segs in touching_runs(_long_segments(ink, min_len, gap)):
        x0 = min(s for _, s, _ in segs)
        x1 = max(e for _, _, e in segs)
        if x1 - x0 < max(min_len, MIN_STROKE_PIXELS, round(STROKE_MIN_INCHES * dpi)):
            continue
        y0 = min(r for r, _, _ in segs)
        y1 = max(r for r, _, _ in segs) + 1
        comp = np.zeros((y1 - y0, x1 - x0), dtype=bool)
        for r, s, e in segs:
            comp[r - y0, s - x0 : e - x0] = True
        present = comp.any(axis=0)
        top = np.argmax(comp, axis=0)
        bottom = comp.shape[0] - 1 - np.argmax(comp[::-1], axis=0)
        thickness = (bottom - top + 1)[present]
        if thickness.size == 0 or np.median(thickness) - 2 > max_thick:
            continue  # a filled block (redaction, black border), not a stroke
        centre = np.where(present, y0 + (top + bottom) / 2.0, np.nan)
        xs = np.nonzero(present)[0]
        m = _measure(
            ink,
            x0 + xs,
            centre[xs],
            thick=max(1, round(dpi / 150)),
            reach=max(3.0, 0.02 * dpi),
            window=max(4.0, 0.04 * dpi),
        )
        if m.pen > max_thick:
            continue
        found.append(_Stroke(x0, x1, y0, y1, centre, max(1.0, m.pen), m.crossings, m.balance))
    return found


def _is_strike(stroke: _Stroke, dpi: float) -> bool:
    return (
        stroke.crossings >= MIN_CROSSINGS
        and stroke.balance >= MIN_BALANCE
        and stroke.x1 - stroke.x0 <= STROKE_MAX_LENGTH_INCHES * dpi
    )


def find_strikes(image: Image.Image, region: Box | None = None) -> list[Box]:
    """Boxes (page pixels) of hand-drawn strokes through text in `region` (default: the page).

    A stroke is a thin near-horizontal line, 0.4 to 4.5 inches long, with letters running
    through it (ink going on above and below it in at least three places) and the letters'
    ink on both sides in comparable amounts; underlines, rules, box borders and filled blocks
    are not reported. Boxes come in reading order. The resolution is taken from the image's
    "dpi" information (300 when it has none).
    """
    return [box for box, _ in find_strokes(image, region)]


def find_strokes(image: Image.Image, region: Box | None = None) -> list[tuple[Box, float]]:
    """`find_strikes`, each box with the stroke's thickness in inches (a pen's is under 0.06)."""
    box = _clip(region or Box(0, 0, image.width, image.height), image.size)
    if box.width <= 0 or box.height <= 0:
        return []
    ink = _ink(image, box)
    dpi = _dpi(image)
    strokes = [s for s in _strokes(ink, dpi) if _is_strike(s, dpi)]
    out = {Box(box.x0 + s.x0, box.y0 + s.y0, box.x0 + s.x1, box.y0 + s.y1): s.thickness / dpi
           for s in strokes}
    return [(b, out[b]) for b in _reading_order(list(out), same_line=0.07 * dpi)]


def _reading_order(boxes: list[Box], same_line: float) -> list[Box]:
    """Top to bottom; boxes whose middles are within `same_line` pixels: left to right."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.y0 + b.y1):
        if lines and (b.y0 + b.y1) / 2 - (lines[-1][0].y0 + lines[-1][0].y1) / 2 <= same_line:
            lines[-1].append(b)
        else:
            lines.append([b])
    return [b for line in lines for b in sorted(line, key=lambda b: b.x0)]


def remove_strokes(image: Image.Image, region: Box) -> Image.Image:
    """A crop of `region` (mode "L", black on white) with hand-drawn horizontal strokes erased.

    The stroke is the one `find_strikes` would report in the region (preferably across its
    middle); failing that, the longest thin line across the middle of the region. Where a
    letter's own stroke runs through the line (ink above and below it), the pixels are kept,
    so the letters stay whole; elsewhere the stroke's pixels become white. A region without
    such a line comes back unchanged (binarised).
    """
    box = _clip(region, image.size)
    ink = _ink(image, box)
    h, w = ink.shape
    out = ink.copy()
    if h and w:
        dpi = _dpi(image)
        strokes = _strokes(ink, dpi)
        mid = [s for s in strokes if BAND[0] * h <= np.nanmedian(s.centre) <= BAND[1] * h]
        # the stroke the caller means: through letters (in the middle of the region first);
        # else the longest line across the middle of the region; never a line at its edge
        chosen = (
            [s for s in mid if _is_strike(s, dpi)]
            or [s for s in strokes if _is_strike(s, dpi)]
            or ([max(mid, key=lambda s: s.x1 - s.x0)] if mid else [])
        )
        for s in chosen:
            _erase(out, ink, s)
    arr = np.where(out, 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "L")


def _erase(out: np.ndarray, ink: np.ndarray, stroke: _Stroke) -> None:
    """Whiten the stroke's pixels in `out`, keeping letter strokes that run through it."""
    h, _ = ink.shape
    xs = np.arange(stroke.x0, stroke.x1)
    centre = stroke.centre.copy()
    known = ~np.isnan(centre)
    if not known.any():
        return
    centre = np.interp(np.arange(centre.size), np.nonzero(known)[0], centre[known])
    half = max(1.0, stroke.thickness / 2.0)
    # measure the pen's own thickness where no letter touches the stroke
    runs: list[int] = []
    spans: list[tuple[int, int] | None] = []
    for i, x in enumerate(xs):
        c = int(round(centre[i]))
        if not (0 <= c < h) or not ink[c, x]:
            lo = max(0, int(np.floor(centre[i] - half)))
            hi = min(h - 1, int(np.ceil(centre[i] + half)))
            dark = np.nonzero(ink[lo : hi + 1, x])[0]
            if dark.size == 0:
                spans.append(None)
                continue
            c = lo + int(dark[dark.size // 2])
        a = c
        while a > 0 and ink[a - 1, x]:
            a -= 1
        b = c
        while b < h - 1 and ink[b + 1, x]:
            b += 1
        spans.append((a, b))
        runs.append(b - a + 1)
    if not runs:
        return
    pen = float(np.percentile(runs, 30))
    tol = max(2.0, 0.3 * pen)
    for i, x in enumerate(xs):
        span = spans[i]
        if span is None:
            continue
        a, b = span
        if b - a + 1 <= pen + tol:
            out[a : b + 1, x] = False  # only the pen here
            continue
        lo = int(np.floor(centre[i] - pen / 2.0))
        hi = int(np.ceil(centre[i] + pen / 2.0))
        reach = int(round(pen)) + 2
        above = a < lo - 1 and ink[max(0, lo - reach) : lo, x].all()
        below = b > hi + 1 and ink[hi + 1 : min(h, hi + 1 + reach), x].all()
        if above and below:
            continue  # a letter's stem runs through: keep it whole
        out[max(0, lo) : min(h, hi + 1), x] = False
