"""Pages scanned on their side or upside down: told from the OCR's own reading, turned upright.

The first look costs nothing: it is the reading Tesseract makes of every page anyway. A page
read upright has words of the word list in it, laid out in rows; one read upside down or
sideways has almost none (Tesseract makes "ee Tae Aor" of it), or, when Tesseract turned a
sideways page by itself, words taller than wide. Only such a page is given to Tesseract's
orientation detection (``--psm 0``), turned as it says and read again, and the new reading is
kept only if it looks upright and has more words of the word list than the first (or the
first was read on its side).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PIL import Image

from pipeline.model import Box, Line

MIN_TOKENS = 5  # fewer tokens of letters than this: too little to judge a page by
# A page read upright has at least this share of word-list words among its tokens; on the
# real pages here upright readings have 0.33 and more, pages turned 90 or 180 degrees 0.26
# and less (a sparse page of handwriting, 0.47, cannot be told).
UPRIGHT_SHARE = 0.3
SIDEWAYS_SHARE = 0.5  # more words than this taller than wide: a sideways page
# Words read with less confidence than this are not counted as taller than wide, when at least
# MIN_TOKENS words are read with more: the speckle along a scan's edges is read as tall junk
# ("coommed", "FERRE"); on the real pages here a page on its side has 5 and more words read
# with more, nearly every one tall, an upright page at most one of them.
SIDEWAYS_CONFIDENCE = 40.0
# A reading with fewer tokens than this is short; it vouches for itself only when a word of the
# word list in it was read with this confidence at least (a page upside down reads a few short
# words by chance, "bee", "See", all with less).
SHORT_TOKENS = 20
SURE_WORD = 50.0
SURE = 2.0  # Tesseract's orientation confidence under this is a guess
_TOKEN = re.compile(r"[A-Za-z]{3,}")

# Image.transpose methods that turn an image clockwise by so many degrees
_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def legible(lines: Sequence[Line]) -> tuple[int, int]:
    """(word-list words, tokens of three letters or more) in the lines."""
    from pipeline.correction import english_words  # loaded by the worker while Tesseract reads

    english = english_words()
    tokens = [t.lower() for line in lines for w in line.words for t in _TOKEN.findall(w.text)]
    return sum(1 for t in tokens if t in english), len(tokens)


def sideways(lines: Sequence[Line]) -> bool:
    """Most words of four letters or more are taller than wide: the text runs up or down.

    Judged by the words read with some confidence (SIDEWAYS_CONFIDENCE) when there are enough
    of them: the speckle along a scan's edges is read as tall junk; else by all the words.
    """
    boxes = [(w.box, w.conf) for line in lines for w in line.words
             if w.box is not None and sum(c.isalnum() for c in w.text) >= 4]
    sure = [b for b, conf in boxes if conf is None or conf >= SIDEWAYS_CONFIDENCE]
    judged = sure if len(sure) >= MIN_TOKENS else [b for b, _ in boxes]
    if len(judged) < MIN_TOKENS:
        return False
    tall = sum(1 for b in judged if b.height > b.width)
    return tall > SIDEWAYS_SHARE * len(judged)


def upright(lines: Sequence[Line]) -> bool:
    """Whether a reading looks like a page read the right way up (or is too short to tell).

    A short reading (under SHORT_TOKENS tokens) is taken as upright only when one of its
    word-list words was read with confidence (SURE_WORD); else the orientation detection is
    asked (a few words read by chance on a page upside down look like a sparse page).
    """
    if sideways(lines):
        return False
    known, tokens = legible(lines)
    return _enough_words(known, tokens) and (
        tokens < MIN_TOKENS or tokens >= SHORT_TOKENS or _sure_word(lines))


def _enough_words(known: int, tokens: int) -> bool:
    """Enough words of the word list among the tokens (or too few tokens to tell)."""
    return tokens < MIN_TOKENS or known >= UPRIGHT_SHARE * tokens


def _sure_word(lines: Sequence[Line]) -> bool:
    """A word of the word list in the lines, read with confidence (or no confidence given)."""
    from pipeline.correction import english_words  # loaded by the worker while Tesseract reads

    english = english_words()
    return any(
        (w.conf is None or w.conf >= SURE_WORD) and t.lower() in english
        for line in lines for w in line.words for t in _TOKEN.findall(w.text)
    )


def better(new: Sequence[Line], old: Sequence[Line]) -> bool:
    """Whether reading `new` (the page turned) is the better one.

    It looks upright, and has more word-list words than `old`; or `old` was read on its side
    and `new` is long enough to judge (Tesseract reads some sideways pages well, a form even
    better than upright, but their layout is lost: rows become columns).
    """
    if sideways(new):
        return False
    known_new, tokens_new = legible(new)
    if not _enough_words(known_new, tokens_new):  # a sparse page upright need not vouch
        return False
    if sideways(old):
        return tokens_new >= MIN_TOKENS
    return known_new > legible(old)[0]


def turns_to_try(found: tuple[int, float] | None, lines: Sequence[Line]) -> list[int]:
    """The clockwise turns worth reading a page that is not upright at, most likely first.

    `found` is Tesseract's orientation detection (turn, confidence). Its turn first; a page
    read on its side may be either way round; when the detection is unsure or silent, a page
    upside down is the likelier slip.
    """
    turns = [found[0]] if found is not None and found[0] else []
    if sideways(lines):
        turns += [t for t in (90, 270) if t not in turns]
    if (found is None or found[1] < SURE) and 180 not in turns:
        turns.append(180)
    return turns


def turn(image: Image.Image, clockwise: int) -> Image.Image:
    """The image turned clockwise by 0, 90, 180 or 270 degrees (no resampling)."""
    method = _CLOCKWISE.get(clockwise % 360)
    return image if method is None else image.transpose(method)


def image_box(box: Box, rotation: int, width: int, height: int) -> Box:
    """Where a box of the upright page (`width` by `height`) stands in the scanned image.

    The image's content is turned clockwise by `rotation` degrees.
    """
    rotation %= 360
    if rotation == 90:
        return Box(height - box.y1, box.x0, height - box.y0, box.x1)
    if rotation == 180:
        return Box(width - box.x1, height - box.y1, width - box.x0, height - box.y0)
    if rotation == 270:
        return Box(box.y0, width - box.x1, box.y1, width - box.x0)
    return box
