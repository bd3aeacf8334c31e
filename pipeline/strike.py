"""Find words struck through by hand, and remove the stroke so that the word under it can be read again."""  # noqa: E501

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from pipeline.model import Box

__all__ = ["find_strikes", "remove_strokes", "struck_words"]

# A struck word: a near-horizontal dark path whose centre lies in this part of the box height.
BAND = (0.25, 0.75)
MAX_SLOPE = 0.07  # about 4 degrees: hand strokes are slanted, rarely more than this
MIN_COVER = 0.75  # the stroke runs along at least this share of the word's width
STROKE_MAX_INCHES = 0.06  # thicker than this is a rule, a box or a redaction, not a pen stroke
STROKE_MIN_INCHES = 0.25  # shortest stroke find_strikes reports
MIN_CROSSINGS = 3  # letter strokes that must run through a stroke found without a word box


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


def _clip(box: Box, size: tuple[int, int]) -> Box:
    w, h = size
    return Box(
        max(0, min(w, box.x0)),
        max(0, min(h, box.y0)),
        max(0, min(w, box.x1)),
        max(0, min(h, box.y1)),
    )


def _dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 300.0
    except (TypeError, ValueError, IndexError):
        value = 300.0
    return value if 50 <= value <= 1200 else 300.0


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


def _longest_runs(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Length and start of the longest run of True in each row of a 2-D array."""
    rows = a.shape[0]
    padded = np.zeros((rows, a.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = a
    d = np.diff(padded, axis=1)
    r_start, c_start = np.nonzero(d == 1)
    _, c_end = np.nonzero(d == -1)
    length = np.zeros(rows, dtype=np.int64)
    start = np.zeros(rows, dtype=np.int64)
    if r_start.size:
        lengths = c_end - c_start
        order = np.lexsort((lengths, r_start))  # by row, then length: the last of a row wins
        length[r_start[order]] = lengths[order]
        start[r_start[order]] = c_start[order]
    return length, start


# --------------------------------------------------------------------------- struck words


def _longest_span(cols: np.ndarray, gap: int) -> int:
    """Length of the longest stretch of True in a 1-D array, gaps of up to `gap` bridged."""
    idx = np.flatnonzero(cols)
    if idx.size == 0:
        return 0
    breaks = np.flatnonzero(np.diff(idx) > gap + 1)
    first = np.concatenate(([idx[0]], idx[breaks + 1]))
    last = np.concatenate((idx[breaks], [idx[-1]]))
    return int((last - first).max()) + 1


def _slopes(width: int, max_slope: float = MAX_SLOPE) -> np.ndarray:
    step = max(0.004, 2.0 / max(width, 1))
    n = int(max_slope / step)
    return np.arange(-n, n + 1) * step


def _word_struck(ink: np.ndarray) -> bool:
    return _word_stroke(ink) is not None


def _word_stroke(ink: np.ndarray) -> dict[str, float] | None:
    """Measurements of the stroke through a word's ink, or None when there is none."""
    h, w = ink.shape
    if h < 8 or w < 1.5 * h:
        return None  # too short for a stroke to tell from a letter's own bar
    gap = max(2, h // 12)
    lo, hi = int(np.floor(h * 0.15)), int(np.ceil(h * 0.85))
    # cheap necessary condition: something dark in the middle of most columns, unbroken
    if _longest_span(ink[lo:hi].any(axis=0), gap) < MIN_COVER * w:
        return None
    # follow straight lines of every small slope through the word: shear, then look along rows;
    # the slant is limited so that the line drifts by at most a tenth of the box height
    thick = max(1, h // 16)  # rows either side: room for a wavy stroke
    slopes = _slopes(w, max_slope=min(MAX_SLOPE, 0.2 * h / w))
    xc = np.arange(w) - (w - 1) / 2
    shifts = np.rint(slopes[:, None] * xc[None, :]).astype(np.int64)  # (slopes, w)
    rows = np.arange(h)
    src = rows[None, :, None] + shifts[:, None, :]  # (slopes, h, w)
    valid = (src >= 0) & (src < h)
    sheared = np.where(valid, ink[np.clip(src, 0, h - 1), np.arange(w)[None, None, :]], False)
    band = sheared.copy()
    for k in range(1, thick + 1):
        band[:, k:, :] |= sheared[:, :-k, :]
        band[:, :-k, :] |= sheared[:, k:, :]
    y0, y1 = int(np.floor(h * BAND[0])), int(np.ceil(h * BAND[1]))
    cand = _close_rows(band[:, y0:y1, :], gap)
    n_s, n_y, _ = cand.shape
    length, _ = _longest_runs(cand.reshape(n_s * n_y, w))
    order = np.argsort(-length, kind="stable")
    tried: set[tuple[int, int]] = set()
    for best in order[:40]:
        if length[best] < MIN_COVER * w:
            break
        s, y = divmod(int(best), n_y)
        y += y0
        if (s, y // 2) in tried:
            continue
        tried.add((s, y // 2))
        found = _stroke_through_letters(sheared[s], y, thick, h)
        if found is not None:
            found["slope"] = float(slopes[s])
            return found
    return None


def _stroke_through_letters(img: np.ndarray, y: int, thick: int, h: int) -> dict[str, float] | None:
    """Whether the line at row `y` of a (sheared) word is a pen stroke through its letters.

    Letter strokes must run through it (ink well above and below it, in separate places), and
    the word's ink must lie on both sides of it in comparable amounts: the baseline serifs of
    touching letters and the tops of lowercase letters fail the second test.
    """
    # vertical extent of the dark run through the line in each column, from rows near y
    up = np.zeros(img.shape[1], dtype=np.int64)
    down = np.zeros(img.shape[1], dtype=np.int64)
    for r in range(max(0, y - thick), min(h, y + thick + 1)):
        above = img[r::-1]
        below = img[r:]
        u = np.where(above.all(axis=0), above.shape[0], np.argmin(above, axis=0))
        d = np.where(below.all(axis=0), below.shape[0], np.argmin(below, axis=0))
        # measured from y: rows above y that are dark, rows below y that are dark
        u_y = np.where(u > 0, u - (y - r), 0)
        d_y = np.where(d > 0, d + (r - y), 0)
        better = (u_y + d_y) > (up + down)
        up = np.where(better, u_y, up)
        down = np.where(better, d_y, down)
    extent = up + down
    dark = extent > 0
    if dark.mean() < MIN_COVER:
        return None
    pen = float(np.median(extent[dark]))
    reach = max(2.0, 0.12 * h)
    cross = (up >= pen / 2 + reach) & (down >= pen / 2 + reach)
    crossings = int(np.count_nonzero(np.diff(cross.astype(np.int8)) == 1) + cross[0])
    top = int(np.floor(y - pen / 2)) - 1
    bottom = int(np.ceil(y + pen / 2)) + 2
    ink_above = float(img[: max(0, top)].sum())
    ink_below = float(img[bottom:].sum())
    balance = min(ink_above, ink_below) / max(1.0, max(ink_above, ink_below))
    if crossings < MIN_CROSSINGS or balance < 0.25 or pen > 0.4 * h:
        return None
    return {"y": float(y), "pen": pen, "crossings": float(crossings), "balance": balance}


def struck_words(image: Image.Image, boxes: Sequence[Box]) -> list[bool]:
    """For each word box (page pixels), whether a hand-drawn stroke runs through its middle.

    True when a near-horizontal dark path (slant up to about 4 degrees, a little waviness and
    small breaks tolerated) lies between 25% and 75% of the box height, covers at least 75% of
    the box width, and has letter ink both above and below it. Letters' own bars (E, H, T),
    underlines (at the bottom of the box) and dashes are not strokes.
    """
    if not boxes:
        return []
    ink = _ink(image)
    out = []
    for box in boxes:
        b = _clip(box, image.size)
        if b.width <= 0 or b.height <= 0:
            out.append(False)
            continue
        out.append(_word_struck(ink[b.y0 : b.y1, b.x0 : b.x1]))
    return out


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


def _long_segments(ink: np.ndarray, min_len: int, gap: int) -> list[tuple[int, int, int]]:
    """Horizontal runs (row, start, end) of at least `min_len`, rows dilated by one for slant."""
    tall = ink.copy()
    tall[1:] |= ink[:-1]
    tall[:-1] |= ink[1:]
    closed = _close_rows(tall, gap)
    h, w = closed.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = closed
    d = np.diff(padded, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)
    keep = (ends - starts) >= min_len
    return list(zip(rows[keep].tolist(), starts[keep].tolist(), ends[keep].tolist(), strict=True))


def _components(segs: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
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


def _strokes(ink: np.ndarray, dpi: float, min_crossings: int) -> list[_Stroke]:
    h, w = ink.shape
    min_len = max(20, round(0.2 * dpi))
    max_thick = max(4, round(STROKE_MAX_INCHES * dpi))
    gap = max(2, round(dpi / 150))
    found: list[_Stroke] = []
    for segs in _components(_long_segments(ink, min_len, gap)):
        x0 = min(s for _, s, _ in segs)
        x1 = max(e for _, _, e in segs)
        if x1 - x0 < max(min_len, round(STROKE_MIN_INCHES * dpi)):
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
        # letter strokes running through: ink just above and just below, in separate places
        reach = max(3, round(0.015 * dpi))
        xs = np.nonzero(present)[0]
        t_abs = (y0 + top[xs]).astype(np.int64)
        b_abs = (y0 + bottom[xs]).astype(np.int64)
        up = np.zeros(xs.size, dtype=bool)
        down = np.zeros(xs.size, dtype=bool)
        for k in range(1, reach + 1):
            ya = t_abs - k
            yb = b_abs + k
            ok_a = ya >= 0
            ok_b = yb < h
            up[ok_a] |= ink[ya[ok_a], x0 + xs[ok_a]]
            down[ok_b] |= ink[yb[ok_b], x0 + xs[ok_b]]
        cross = np.zeros(x1 - x0, dtype=bool)
        cross[xs] = up & down
        crossings = int(np.count_nonzero(np.diff(cross.astype(np.int8)) == 1) + cross[0])
        if crossings < min_crossings:
            continue
        found.append(
            _Stroke(x0, x1, y0, y1, centre, float(np.median(thickness)) - 2.0, crossings)
        )
    return found


def find_strikes(image: Image.Image, region: Box | None = None) -> list[Box]:
    """Boxes (page pixels) of hand-drawn strokes through text in `region` (default: the page).

    A stroke is a thin near-horizontal line at least a quarter of an inch long with letters
    running through it (ink just above and below it in at least three places); underlines,
    rules, box borders and filled blocks are not reported. Boxes are sorted top to bottom.
    """
    box = _clip(region or Box(0, 0, image.width, image.height), image.size)
    if box.width <= 0 or box.height <= 0:
        return []
    ink = _ink(image, box)
    strokes = _strokes(ink, _dpi(image), MIN_CROSSINGS)
    out = [Box(box.x0 + s.x0, box.y0 + s.y0, box.x0 + s.x1, box.y0 + s.y1) for s in strokes]
    return sorted(out, key=lambda b: (b.y0, b.x0))


def remove_strokes(image: Image.Image, region: Box) -> Image.Image:
    """A crop of `region` (mode "L", black on white) with hand-drawn horizontal strokes erased.

    Where a letter's own stroke runs through the line (ink just above and below it), the
    pixels are kept, so the letters stay whole; elsewhere the stroke's pixels become white.
    """
    box = _clip(region, image.size)
    ink = _ink(image, box)
    h, w = ink.shape
    out = ink.copy()
    if h and w:
        strokes = _strokes(ink, _dpi(image), 0)
        if strokes:
            mid = [s for s in strokes if BAND[0] * h <= np.nanmedian(s.centre) <= BAND[1] * h]
            keep = mid or strokes
            # the stroke the caller means: letters through it first, then the longest
            chosen = [s for s in keep if s.crossings >= MIN_CROSSINGS] or [
                max(keep, key=lambda s: s.x1 - s.x0)
            ]
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
    runs = []
    spans = []
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
