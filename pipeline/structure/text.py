"""What a line is, judged alone: words or specks, prose or heading; and names by position."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.correction import english_words, known_words
from pipeline.model import Line, Mention, Word, WordRef

NOISE_CONFIDENCE = 55  # a line Tesseract read with less (mean of its words) may be scrawl
DOUBTFUL_CONFIDENCE = 50  # a word read with less that is no word is scrawl or a speck's reading
# In a header (letterhead, fields, subject: short lines, no sentence around a word to read it
# by) a word that is no word is doubtful when read with less than this. On the real pages'
# OCR (tests/data/ocr), 57 of the 60 tokens that are no word read with 50 to 69 are
# misreadings ("Diviaton", "peli", "nox", "1O" for TO), the rest a code or a name among specks;
# from 70 on, more are typed text read right (names, codes: "TARASOFF" 81, "YOBITE" 91), and
# a misreading read with confidence stays in sight, as read ("INFORMA" 96) or mended
# (pipeline.slips: "Chier" 78 is Chief where the document types Chief).
HEADER_DOUBTFUL_CONFIDENCE = 70
_ABBREVIATION = re.compile(r"^([A-Z]{1,5}|([A-Za-z]\.){1,4}[A-Za-z]?|[A-Z]{1,6}(/[A-Z]{1,6})+)$")
_SPECKS = "_-—–|'‘’\"“”.,;~"  # read around a line's words by the OCR, kept out of its text
EDGE_PUNCTUATION = _SPECKS + ":()[]{}!?*^`"  # marks read around a word


class MentionIndex:
    """Name mentions by the word they start at."""

    def __init__(self, mentions: Sequence[Mention]) -> None:
        self.by_start: dict[WordRef, Mention] = {m.first: m for m in mentions}
        self.by_line: dict[tuple[int, int], list[Mention]] = {}
        for ref, mention in sorted(self.by_start.items(), key=lambda kv: kv[0].word):
            self.by_line.setdefault((ref.page, ref.line), []).append(mention)

    def at(self, page: int, line: int, word: int) -> Mention | None:
        return self.by_start.get(WordRef(page, line, word))

    def in_line(self, page: int, line: int, start: int = 0, stop: int = 10_000) -> list[Mention]:
        return [m for m in self.by_line.get((page, line), ()) if start <= m.first.word < stop]


def real_word(text: str) -> bool:
    """Two letters or digits at least: not a speck ("J", "|", "-")."""
    return sum(c.isalnum() for c in text) >= 2


def has_text(line: Line) -> bool:
    """Letters or digits in it; a redaction counts (it stands for withheld text)."""
    return line.redacted or any(c.isalnum() for w in line.words for c in w.text)


def clean(text: str) -> str:
    """A line's text without the OCR specks around it."""
    return text.strip().strip(_SPECKS + " ")


def prose(text: str) -> bool:
    """Running text, not a heading: six words or more, most of them in lower case.

    Letterheads, titles and subject lines are capitalised ("Meeting with Soviet Ambassador
    Dubinin"); a typed line of a paragraph is not ("WHEREAS it is essential that there be").
    """
    words = [w for w in text.split() if w[:1].isalpha()]
    if len(words) < 6:
        return False
    return sum(1 for w in words if w[:1].isupper()) < len(words) / 2


def noise(line: Line) -> bool:
    """Specks, scrawl or handwriting read as letters: no word to read in it.

    No word of three letters or digits ("ae L", "u", "( ti ,"); or, on a scan, a line read
    with low confidence whose words are mostly not English ("hana", "win Vitin &").
    Names typed in capitals are read with high confidence, so they stay.
    """
    words = [w.text.strip(EDGE_PUNCTUATION) for w in line.words]
    readable = [w for w in words if sum(c.isalnum() for c in w) >= 3]
    if not readable:
        return True
    confidences = [w.conf for w in line.words if w.conf is not None]
    if not confidences:
        return False
    mean = sum(confidences) / len(confidences)
    if mean >= NOISE_CONFIDENCE:
        return False
    english = english_words()
    known = sum(1 for w in readable if w.lower() in english or w.isdigit())
    if mean < NOISE_CONFIDENCE / 2:  # hardly read at all: scrawl unless every word is a word
        return known < len(readable)
    return known < len(readable) / 2


def scrawl(line: Line) -> bool:
    """A header line that is no typed text: noise, or a lone lowercase fragment."""
    return noise(line) or fragment(line)


def fragment(line: Line) -> bool:
    """A lone lowercase fragment that is no word ("ges"): a piece of a stamp or scrawl.

    One word of two to four letters, all lowercase, not of the word list: no typed header
    line (a label, a name, a code or a date) looks like it, however sure the OCR was of it.
    """
    words = [w.text.strip(EDGE_PUNCTUATION) for w in line.words]
    words = [w for w in words if w]
    return (
        len(words) == 1 and 2 <= len(words[0]) <= 4 and words[0].isalpha()
        and words[0].islower() and words[0] not in known_words()
    )


def capitalised(text: str) -> bool:
    """Set like a heading or letterhead: most of its words capitalised ("Department of State")."""
    words = [w for w in text.split() if w[:1].isalpha()]
    return bool(words) and sum(1 for w in words if w[:1].isupper()) >= len(words) / 2


def doubtful(word: Word, below: float = DOUBTFUL_CONFIDENCE) -> bool:
    """A word Tesseract read with little confidence that is no word: handwriting, a speck.

    Little: less than `below` (HEADER_DOUBTFUL_CONFIDENCE for a header's words).

    No word: not of the word list (its proper words included; a possessive, a compound of
    them), no abbreviation ("U.S.", "EUR/SOV"), no number or code with digits, no single
    letter. Typed words beside it on its line are read with confidence and stay.
    """
    if word.conf is None or word.conf >= below:
        return False
    text = word.text.strip(EDGE_PUNCTUATION + "“”°•«»")
    if not any(c.isalpha() for c in text) or sum(c.isdigit() for c in text) >= 2:
        return False
    if _ABBREVIATION.match(text):
        return False
    text = re.sub(r"['’][sS]$", "", text)
    parts = [p for p in re.split(r"[-/]", text) if p]
    known = known_words()
    return bool(parts) and not all(
        p.lower() in known or (len(p) == 1 and p.isalpha()) for p in parts
    )
