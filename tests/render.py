"""Render text as degraded typewritten page images, for tests, benchmarks and the sample scans."""

from __future__ import annotations

import math
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipeline.exceptions import MissingDependency
from pipeline.model import Box, Line, Word

__all__ = [
    "TYPEWRITER_FONTS",
    "degrade",
    "is_marking",
    "render_document",
    "render_page",
    "save_compact",
    "typed_line",
    "typewriter_font_path",
    "word_boxes",
]

#: Monospaced typewriter-like fonts, in order of preference, with the Debian package of each.
TYPEWRITER_FONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/courier-prime/Courier Prime.otf", "fonts-courier-prime"),
    ("/usr/share/fonts/truetype/freefont/FreeMono.ttf", "fonts-freefont-ttf"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "fonts-dejavu-core"),
)

#: Bold sans fonts for the rubber stamp; the typewriter font is the last resort.
STAMP_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/opentype/courier-prime/Courier Prime Bold.otf",
)

PAGE_INCHES = (8.5, 11.0)  # US Letter
FONT_POINTS = 12  # pica typewriter: 10 characters per inch, 6 lines per inch
LINES_PER_INCH = 6
MARGIN_INCHES = 1.0
MIN_MARGIN_INCHES = 0.4  # top/bottom margins shrink to this before a page is "too long"
MAX_DEFAULT_SKEW = 0.6  # degrees

_STRIKE = re.compile(r"~~(.+?)~~")
_MARKUP = re.compile(r"~~(.+?)~~|__(.+?)__")
_MARKING_WORDS = frozenset(
    """TOP SECRET CONFIDENTIAL UNCLASSIFIED SENSITIVE CLASSIFIED RESTRICTED NODIS EXDIS LIMDIS
    NOFORN NOCONTRACT ORCON EYES ONLY LIMITED OFFICIAL USE ADMINISTRATIVELY CONTROLLED CODEWORD
    SPECAT""".split()
)
_MARKING_SPLIT = re.compile(r"[\s/\-]+")


def _find_font(candidates: Sequence[str]) -> str | None:
    for path in candidates:
        if Path(path).is_file():
            return path
    return None


def typewriter_font_path() -> str:
    """Path of the first installed typewriter font of `TYPEWRITER_FONTS`."""
    path = _find_font([p for p, _ in TYPEWRITER_FONTS])
    if path is None:
        raise MissingDependency(
            "no monospaced typewriter font found (looked for "
            + ", ".join(p for p, _ in TYPEWRITER_FONTS)
            + "): install one with 'sudo apt-get install -y fonts-courier-prime' "
            "(or fonts-freefont-ttf)"
        )
    return path


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


# --------------------------------------------------------------------------- text layout


STRUCK, UNDERLINED = 1, 2  # per-character markup flags


@dataclass(frozen=True)
class _Line:
    """One typed line: its characters, their markup flags, and how it is aligned."""

    text: str
    flags: tuple[int, ...]  # STRUCK | UNDERLINED per character
    align: str  # "left", "center", "right"
    bottom: bool = False  # pushed to the foot of the page by "@@BOTTOM"

    @property
    def struck(self) -> tuple[bool, ...]:
        return tuple(bool(f & STRUCK) for f in self.flags)


def _parse_markup(line: str) -> tuple[str, list[int]]:
    """Remove ``~~`` and ``__`` marks; return the plain text and per-character flags."""
    text: list[str] = []
    flags: list[int] = []
    pos = 0
    for m in _MARKUP.finditer(line):
        plain = line[pos : m.start()]
        text.append(plain)
        flags.extend([0] * len(plain))
        inner, flag = (m.group(1), STRUCK) if m.group(1) is not None else (m.group(2), UNDERLINED)
        text.append(inner)
        flags.extend([flag] * len(inner))
        pos = m.end()
    text.append(line[pos:])
    flags.extend([0] * (len(line) - pos))
    return "".join(text), flags


def is_marking(text: str) -> bool:
    """Whether a line (``~~`` marks removed or not) is only a classification marking."""
    plain = _STRIKE.sub(r"\1", text).strip()
    if not plain:
        return False
    words = [w for w in _MARKING_SPLIT.split(plain) if w]
    return all(w in _MARKING_WORDS for w in words) and any(
        w in {"SECRET", "CONFIDENTIAL", "UNCLASSIFIED", "CLASSIFIED", "RESTRICTED"} for w in words
    )


def _wrap(text: str, flags: list[int], columns: int) -> list[tuple[str, list[int]]]:
    """Greedy word wrap at spaces; a line that fits is kept as typed (runs of spaces too)."""
    out: list[tuple[str, list[int]]] = []
    while len(text) > columns:
        cut = text.rfind(" ", 0, columns + 1)
        if cut <= 0 or not text[:cut].strip():
            cut = rest = columns  # one very long word: break it
        else:
            rest = cut
            while rest < len(text) and text[rest] == " ":
                rest += 1
        head = text[:cut].rstrip()
        out.append((head, flags[: len(head)]))
        text, flags = text[rest:], flags[rest:]
    out.append((text, flags))
    return out


def _layout(text: str, columns: int) -> list[_Line]:
    lines: list[_Line] = []
    bottom = False
    for raw in text.split("\n"):
        raw = raw.rstrip()
        if raw.strip() == "@@BOTTOM":
            bottom = True
            continue
        align = "left"
        if raw.startswith("@@RIGHT"):
            align, raw = "right", raw[len("@@RIGHT") :].strip()
        elif raw.startswith("@@CENTER"):
            align, raw = "center", raw[len("@@CENTER") :].strip()
        plain, flags = _parse_markup(raw)
        if align == "left" and plain.strip() and not plain.startswith(" "):
            only_struck = all(f & STRUCK for c, f in zip(plain, flags, strict=True) if c != " ")
            if only_struck or is_marking(plain):
                align = "center"  # classification markings are centred
        if align != "left":
            lead = len(plain) - len(plain.lstrip())
            plain = plain.strip()
            flags = flags[lead : lead + len(plain)]
        for part, part_flags in _wrap(plain, flags, columns):
            lines.append(_Line(part, tuple(part_flags), align, bottom))
    return lines


# --------------------------------------------------------------------------- drawing


def _typebar_offset(ch: str, scale: float) -> tuple[int, int]:
    """A fixed misalignment per key, as on a worn typewriter (the same on every page)."""
    h = zlib.crc32(ch.encode("utf-8"))
    dy = (-1, 0, 0, 0, 0, 1, 0, 1)[h % 8]
    dx = (-1, 0, 0, 0, 1)[(h >> 3) % 5]
    return round(dx * scale), round(dy * scale)


def _draw_strike(
    draw: ImageDraw.ImageDraw, x0: float, x1: float, yc: float, rng: random.Random, scale: float
) -> None:
    """A hand-drawn stroke: slightly slanted, slightly wavy, a few pixels thick."""
    ext0 = rng.uniform(0.15, 0.6) * 30 * scale
    ext1 = rng.uniform(0.15, 0.6) * 30 * scale
    xs, xe = x0 - ext0, x1 + ext1
    length = xe - xs
    slope = math.tan(math.radians(rng.uniform(-1.2, 1.2)))
    amp = rng.uniform(0.5, 1.8) * scale
    period = rng.uniform(150, 400) * scale
    phase = rng.uniform(0, 2 * math.pi)
    y0 = yc + rng.uniform(-2, 2) * scale - slope * length / 2
    width = max(2, round(rng.uniform(3.0, 5.0) * scale))
    steps = max(2, int(length / (12 * scale)))
    points = []
    wobble = 0.0
    for i in range(steps + 1):
        x = xs + length * i / steps
        wobble = 0.7 * wobble + rng.uniform(-0.35, 0.35) * scale
        y = y0 + slope * (x - xs) + amp * math.sin(2 * math.pi * (x - xs) / period + phase) + wobble
        points.append((x, y))
    draw.line(points, fill=0, width=width, joint="curve")
    # the pen lands and lifts: a slightly heavier dot at the start
    r = width * 0.6
    draw.ellipse((xs - r, points[0][1] - r, xs + r, points[0][1] + r), fill=0)


def _render_stamp(text: str, dpi: int, rng: random.Random) -> Image.Image:
    """The stamp as an "L" mask (255 = ink), rotated 1-3 degrees, ink uneven."""
    scale = dpi / 300
    path = _find_font(STAMP_FONTS) or typewriter_font_path()
    font = _font(path, max(8, round(30 * scale)))
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    pad = round(18 * scale)
    gap = round(10 * scale)
    sizes = [font.getbbox(ln) for ln in lines]
    heights = [math.ceil(b[3] - b[1]) for b in sizes]
    widths = [math.ceil(b[2] - b[0]) for b in sizes]
    line_h = max(heights) if heights else 0
    w = max(widths, default=0) + 2 * pad
    h = len(lines) * line_h + (len(lines) - 1) * gap + 2 * pad
    border = max(2, round(5 * scale))
    margin = border * 4
    im = Image.new("L", (w + 2 * margin, h + 2 * margin), 0)
    d = ImageDraw.Draw(im)
    d.rectangle((margin, margin, margin + w, margin + h), outline=255, width=border)
    y = margin + pad
    for ln, b, lw in zip(lines, sizes, widths, strict=True):
        d.text((margin + (w - lw) / 2 - b[0], y - b[1]), ln, font=font, fill=255)
        y += line_h + gap
    angle = rng.choice((-1, 1)) * rng.uniform(1.0, 3.0)
    im = im.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0)
    # uneven rubber-stamp ink: lighter overall, patchy
    arr = np.asarray(im, dtype=np.float32) / 255.0
    nrng = np.random.default_rng(rng.getrandbits(32))
    field = _smooth_field(nrng, arr.shape, cell=round(40 * scale))
    ink = rng.uniform(0.62, 0.75) * (0.8 + 0.35 * field)
    return Image.fromarray(np.clip(arr * ink * 255, 0, 255).astype(np.uint8), "L")


def _smooth_field(rng: np.random.Generator, shape: tuple[int, ...], cell: int) -> np.ndarray:
    """Smooth random values in [0, 1] over an image of `shape` (rows, cols)."""
    rows, cols = shape[0], shape[1]
    small = rng.random((max(2, rows // max(1, cell) + 2), max(2, cols // max(1, cell) + 2)))
    im = Image.fromarray((small * 255).astype(np.uint8), "L")
    im = im.resize((cols, rows), Image.Resampling.BICUBIC)
    return np.asarray(im, dtype=np.float32) / 255.0


def _place_stamp(
    occupied: list[tuple[int, int, int, int]],
    size: tuple[int, int],
    page: tuple[int, int],
    dpi: int,
) -> tuple[int, int]:
    """Top-left corner for the stamp in the top right area, clear of the typed text."""
    sw, sh = size
    pw, ph = page
    edge = round(0.3 * dpi)
    clear = round(0.06 * dpi)
    step = round(0.05 * dpi)
    xs = list(range(pw - edge - sw, pw // 2 - 1, -step))
    for y in range(edge // 2, ph // 3, step):
        for x in xs:
            if not any(
                x - clear < b[2]
                and b[0] < x + sw + clear
                and y - clear < b[3]
                and b[1] < y + sh + clear
                for b in occupied
            ):
                return x, y
    return max(0, pw - edge - sw), edge // 2


@dataclass(frozen=True)
class _Sheet:
    """Lines placed on the page: each with its left x and baseline y, in pixels."""

    width: int
    height: int
    font: ImageFont.FreeTypeFont
    advance: float  # pixels per character
    pitch: float  # pixels per line
    cap_height: float
    x_height: float
    lines: tuple[tuple[_Line, float, float], ...]


def _typeset(text: str, dpi: int) -> _Sheet:
    width, height = round(PAGE_INCHES[0] * dpi), round(PAGE_INCHES[1] * dpi)
    font = _font(typewriter_font_path(), round(FONT_POINTS / 72 * dpi))
    advance = font.getlength("M")
    pitch = dpi / LINES_PER_INCH
    left = round(MARGIN_INCHES * dpi)
    right = width - left
    columns = int((right - left) / advance + 1e-6)
    lines = _layout(text, columns)
    capacity = int((height - 2 * MIN_MARGIN_INCHES * dpi) / pitch + 1e-6)
    if len(lines) > capacity:
        raise ValueError(
            f"the text needs {len(lines)} typed lines; a page holds at most {capacity}"
        )
    top = MARGIN_INCHES * dpi
    if len(lines) * pitch > height - 2 * top:
        top = (height - len(lines) * pitch) / 2  # shrink the top and bottom margins
    first_bottom = next((i for i, ln in enumerate(lines) if ln.bottom), len(lines))
    last_row = (height - 2 * top) / pitch - 1
    placed = []
    for i, line in enumerate(lines):
        row = i if i < first_bottom else last_row - (len(lines) - 1 - i)
        baseline = top + row * pitch + pitch * 0.75
        if not line.text.strip():
            continue
        n = len(line.text)
        if line.align == "right":
            x = right - n * advance
        elif line.align == "center":
            x = left + ((right - left) - n * advance) / 2
        else:
            x = left
        x = round(x / advance * 2) * advance / 2  # the carriage moves in half-spaces
        placed.append((line, x, baseline))
    cap_height = -font.getbbox("H", anchor="ls")[1]
    x_height = -font.getbbox("x", anchor="ls")[1]
    return _Sheet(width, height, font, advance, pitch, cap_height, x_height, tuple(placed))


def _spans(line: _Line, flag: int) -> list[tuple[int, int]]:
    """Character ranges [start, end) of a line's spans with `flag`, spaces trimmed."""
    spans = []
    n = len(line.text)
    c = 0
    while c < n:
        if line.flags[c] & flag and line.text[c] != " ":
            e = c
            while e < n and line.flags[e] & flag:
                e += 1
            while line.text[e - 1] == " ":
                e -= 1
            spans.append((c, e))
            c = e
        else:
            c += 1
    return spans


def word_boxes(text: str, *, dpi: int = 300) -> list[tuple[str, Box, bool]]:
    """Each typed word of `text` as `render_page` places it, before skew: text, box, struck.

    The boxes are the ink extent of the word in the font (a pixel or two of typewriter
    jitter aside), so they are ground truth for pages rendered with ``skew_degrees=0``.
    """
    sheet = _typeset(text, dpi)
    out = []
    for line, x, baseline in sheet.lines:
        for m in re.finditer(r"\S+", line.text):
            b = sheet.font.getbbox(m.group(), anchor="ls")
            x0 = x + m.start() * sheet.advance
            box = Box(
                math.floor(x0 + b[0]),
                math.floor(baseline + b[1]),
                math.ceil(x0 + b[2]),
                math.ceil(baseline + b[3]),
            )
            out.append((m.group(), box, all(line.struck[m.start() : m.end()])))
    return out


def render_page(
    text: str,
    *,
    seed: int,
    dpi: int = 300,
    stamp: str | None = None,
    skew_degrees: float | None = None,
    noise: float = 0.02,
) -> Image.Image:
    r"""Type `text` on a US Letter page and return it as a degraded 1-bit ("1") scan.

    Pica (12 pt, 10 characters and 6 lines an inch) in a typewriter font, 1-inch margins
    (top and bottom shrink to 0.4 inch for a long page; `ValueError` if it still does not fit),
    long lines word-wrapped, blank lines kept. Markup, one line at a time:

    - ``~~text~~`` is typed and then struck through by hand; ``__text__`` is underlined;
    - a line that is only a classification marking (``SECRET``, ``~~SECRET/SENSITIVE~~``) or
      only struck text is centred;
    - ``@@RIGHT text`` is right-aligned at the right margin, ``@@CENTER text`` centred;
    - a line ``@@BOTTOM`` sends the lines after it to the foot of the page.

    `stamp` (lines separated by "\n") is a rubber declassification stamp, boxed, slightly
    rotated, in lighter ink, placed in the top right area clear of the text. The same arguments
    give the same pixels; see `degrade` for `skew_degrees` and `noise`.
    """
    rng = random.Random(seed)
    scale = dpi / 300
    sheet = _typeset(text, dpi)
    font, advance = sheet.font, sheet.advance
    page = Image.new("L", (sheet.width, sheet.height), 255)
    draw = ImageDraw.Draw(page)
    occupied: list[tuple[int, int, int, int]] = []
    strikes: list[tuple[float, float, float]] = []
    for line, x, baseline in sheet.lines:
        x += rng.uniform(-1.0, 1.0) * scale
        for c, ch in enumerate(line.text):
            if ch == " ":
                continue
            dx, dy = _typebar_offset(ch, scale)
            ink = 255 - round(255 * min(1.0, rng.gauss(0.93, 0.05)))
            draw.text((x + c * advance + dx, baseline + dy), ch, font=font, fill=ink, anchor="ls")
        n = len(line.text)
        lo = n - len(line.text.lstrip())
        occupied.append(
            (
                round(x + lo * advance),
                round(baseline - sheet.pitch * 0.75),
                round(x + n * advance),
                round(baseline + sheet.pitch * 0.25),
            )
        )
        for c, e in _spans(line, UNDERLINED):  # back-space and type underscores
            for k in range(c, e):
                draw.text((x + k * advance, baseline), "_", font=font, fill=20, anchor="ls")
        for c, e in _spans(line, STRUCK):
            # through the middle of the letters: of the capitals, or of the small letters
            span = line.text[c:e]
            small = sum(ch.islower() for ch in span) > sum(ch.isupper() for ch in span)
            middle = (sheet.x_height if small else sheet.cap_height) / 2
            strikes.append((x + c * advance, x + e * advance, baseline - middle))
    for x0, x1, yc in strikes:
        _draw_strike(draw, x0, x1, yc, rng, scale)

    if stamp:
        mask = _render_stamp(stamp, dpi, rng)
        sx, sy = _place_stamp(occupied, mask.size, (sheet.width, sheet.height), dpi)
        region = page.crop((sx, sy, sx + mask.width, sy + mask.height))
        # darken the page under the stamp: multiply-like, the darker of page and stamp ink
        arr = np.minimum(np.asarray(region, dtype=np.int16), 255 - np.asarray(mask, dtype=np.int16))
        inked = Image.fromarray(arr.astype(np.uint8), "L")
        page.paste(inked, (sx, sy))

    return degrade(page, seed, skew_degrees=skew_degrees, noise=noise, dpi=dpi)


def degrade(
    image: Image.Image,
    seed: int,
    *,
    skew_degrees: float | None = None,
    noise: float = 0.02,
    dpi: int = 300,
) -> Image.Image:
    """Make a clean page look scanned: uneven ink, skew, specks, ink spread; return mode "1".

    `skew_degrees` None means a random skew within ±0.6 degrees. `noise` is the strength of
    the speckle: at the default 0.02 a Letter page gets a few hundred specks of dust and toner,
    small holes in the ink and ragged letter edges; 0 gives a clean (but still skewed) page.
    """
    rng = np.random.default_rng(seed ^ 0x5CA1AB1E)
    scale = dpi / 300
    grey = image.convert("L")
    w, h = grey.size
    if skew_degrees is None:
        skew_degrees = float(rng.uniform(-MAX_DEFAULT_SKEW, MAX_DEFAULT_SKEW))
    if skew_degrees:
        # nearest-neighbour is fast; the blur below smooths its steps
        grey = grey.rotate(skew_degrees, resample=Image.Resampling.NEAREST, fillcolor=255)
    # uneven inking and paper: the darkness varies smoothly over the page
    darkness = 255.0 - np.asarray(grey, dtype=np.float32)
    field = _smooth_field(rng, (h, w), cell=round(60 * scale))
    darkness *= 0.78 + 0.32 * field
    # ink spreads into the paper: a small separable blur, stronger at higher resolutions
    for _ in range(max(1, round(scale * float(rng.uniform(0.8, 1.6))))):
        darkness = _blur121(darkness)
    arr = 255.0 - darkness
    if noise > 0:
        # ragged edges: triangular noise, only felt where the grey is near the threshold
        spread = 1000.0 * noise
        arr += rng.random(arr.shape, dtype=np.float32) * spread
        arr -= rng.random(arr.shape, dtype=np.float32) * spread
        area = w * h / (2550 * 3300)
        for value, count in ((0.0, noise * 15000 * area), (255.0, noise * 8000 * area)):
            n = int(count)
            ys = rng.integers(0, h - 3, n)
            xs = rng.integers(0, w - 3, n)
            sizes = rng.choice([1, 1, 1, 2, 2, 3], size=n)
            for y, x, s in zip(ys, xs, sizes, strict=True):
                if value == 255.0 and arr[y, x] > 128:
                    continue  # holes only inside the ink
                arr[y : y + s, x : x + s] = value
    threshold = float(rng.uniform(150, 175))  # above 128: ink spreads a little
    out = Image.fromarray(arr >= threshold).convert("1")
    out.info["dpi"] = (dpi, dpi)
    return out


def _blur121(a: np.ndarray) -> np.ndarray:
    """Separable [1, 2, 1] / 4 blur (about a Gaussian of sigma 0.7), edges left as they are."""
    b = a.copy()
    b[1:-1] += a[1:-1]
    b[1:-1] += a[:-2]
    b[1:-1] += a[2:]
    b[1:-1] *= 0.25
    c = b.copy()
    c[:, 1:-1] += b[:, 1:-1]
    c[:, 1:-1] += b[:, :-2]
    c[:, 1:-1] += b[:, 2:]
    c[:, 1:-1] *= 0.25
    return c


def render_document(
    pages: list[str], *, seed: int, stamp_on_first: str | None = None, **kw: object
) -> list[Image.Image]:
    """Render each page text with `render_page`, page i seeded with ``seed + i``."""
    pages_out = []
    for i, text in enumerate(pages):
        stamp = stamp_on_first if i == 0 else None
        pages_out.append(render_page(text, seed=seed + i, stamp=stamp, **kw))  # type: ignore[arg-type]
    return pages_out


def save_compact(image: Image.Image, path: str | Path) -> None:
    """Save a page as 1-bit PNG (optimised) or Group 4 TIFF, chosen by the file extension."""
    path = Path(path)
    if image.mode == "1":
        bits = image
    else:
        bits = image.convert("L").point(lambda v: 255 if v >= 128 else 0).convert("1")
    suffix = path.suffix.lower()
    dpi = image.info.get("dpi", (300, 300))
    if suffix == ".png":
        bits.save(path, format="PNG", optimize=True, dpi=dpi)
    elif suffix in {".tif", ".tiff"}:
        bits.save(path, format="TIFF", compression="group4", dpi=dpi)
    else:
        raise ValueError(f"save_compact: use a .png or .tif/.tiff file name, not {path.name!r}")


def line_image(text: str) -> Image.Image:
    """One clean line of text in DejaVu Sans: the smallest page Tesseract reads."""
    image = Image.new("L", (900, 120), 255)
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    font = ImageFont.truetype(str(dejavu), 40) if dejavu.exists() else ImageFont.load_default()
    ImageDraw.Draw(image).text((20, 30), text, fill=0, font=font)
    return image


def line_file(folder: Path, text: str) -> str:
    """A page image file of one line of text, in `folder`."""
    path = folder / f"line-{len(list(folder.glob('line-*.png')))}.png"
    line_image(text).save(path)
    return str(path)


def typed_line(text: str, y: int, x: int = 300, conf: float = 90.0, height: int = 40,
               tall: bool = False) -> Line:
    """A line as the OCR gives it, no image: pica words (25 px a character) from `x`, `y`.

    `tall`: each word's box stands on its end (as a page on its side reads).
    """
    words = []
    for token in text.split():
        width = 25 * len(token)
        box = Box(x, y, x + height, y + width) if tall else Box(x, y, x + width, y + height)
        words.append(Word(token, box, conf))
        x += width + 25
    return Line(tuple(words), words[0].box.union(words[-1].box))
