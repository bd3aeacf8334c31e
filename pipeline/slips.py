"""OCR slips in ordinary words ("CDNFLICTS", "MEOIA"): mended when one listed word is in reach.

A word that is no word of the shipped list (``data/words.txt``) is mended into a dictionary
word only when exactly one dictionary word is within reach of the letter-shape confusions
the name corrector uses (:func:`pipeline.correction.skeleton`: rn/m, cl/d, li/h, e/c, 0/o,
1/l, y/v, b/h, ...), and, in a word typed in capitals, the round capitals D and O, which worn
typewriter and teleprinter type and the OCR confuse ("CDNFLICTS", "MEOIA", "DISCUSSIDNS");
and an O read as G ("INFORMATIGN"), but only where D and O alone find no word: "OURING" is
DURING, not one of the words G would bring in reach too.
A letter that no confusion explains ("Chier" for Chief, "PAMILY" for FAMILY) is mended only
where the document itself types the word, read surely, elsewhere (:func:`typed_words`): the
one dictionary word in the same case that a single letter turns it into ("Acting Chief of
Station" two lines above "Chier, Far East Division"). A word in capitals and lower case
("Chier") only where it starts its sentence or header line: in a sentence it is more likely
a name than a slip ("Marcin", "Minar"; the names the gazetteer knows are left out anyway).
Anything else is left as read ("SOYEET" for SOVIET: two letters), and the TEI marks it
``unclear`` when Tesseract was unsure of it. A mending is ``cert="high"``, ``medium`` when
Tesseract read the word with a confidence under 50 or the mending rests on the document's
own words alone.

A kind of record has words of its own that no dictionary lists (a telegram's "SECSTATE",
"WASHDC", "USINFO": ``Profile.words``); the caller passes them as `words`. They are known
words (never mended) and candidates like the dictionary's, in capitals as they are written:
"WASHOC" is WASHDC and "USINFD" USINFO in a telegram. A skeleton that a dictionary word and
one of them share, or two of them, is ambiguous as any other.

Codes have a slip of their own, the round O and the digit 0 read one for the other, and it is
mended where the code's own shape says which is meant (:func:`code_slip`): in a number of a
code, a part of digits joined to another by a hyphen or a slash ("SART-O1" is SART-01) or a
run of two digits or more ("19O6"), an O is a 0; in capitals' initials, each followed by a
full stop ("E.0." is E.O., Executive Order), a 0 is an O. Anything else is left as read:
"1O" alone may be TO, 10 or IO, and "ADS-0G" a code of letters and digits.

A word the OCR split in two ("INFORMA TIGN") is joined (:func:`join`) when neither piece is a
word and the two together are one, or mend into exactly one; the mend covers both pieces
(``Mend.words``).

Never mended: a word of the list (its proper words too), a word of fewer than five letters
(acronyms: "OADR", "NSAE"; "1O" is not "lo"), a word with digits that no confusion explains,
or of mixed case ("REGIOwAL"), a word of a name found in the gazetteer or tagged as a name
(the caller leaves those out), and a word with two or more candidates ("bcat": beat, heat).

The index of the dictionary words' skeletons is built once a process (first use).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from string import ascii_lowercase, ascii_uppercase

from pipeline.correction import (
    LOW_OCR_CONFIDENCE,
    dictionary_skeletons,
    english_words,
    known_words,
    skeleton,
    split_word,
)
from pipeline.model import Cert

__all__ = ["MIN_LETTERS", "Mend", "cert_of", "code_slip", "join", "load", "mend", "tag_slip",
           "typed_words"]

#: Words of fewer letters than this are never mended (acronyms, codes, specks).
MIN_LETTERS = 5
#: A mending of a word Tesseract read with less confidence than this is ``cert="medium"``,
#: as a name's correction drops a level (the same bar).
UNSURE = LOW_OCR_CONFIDENCE
#: A word the document types elsewhere is evidence for a mending (`typed_words`) only where
#: Tesseract read it with this much confidence or more: a misreading that happens to be a word
#: ("began" for Regan) is read with less.
TYPED_CONFIDENCE = 80
#: Characters the confusion table reads as letters ("C0NFLICTS").
_LETTER_LIKE = set("0158|!$@4")


@dataclass(frozen=True)
class Mend:
    """A mended word: the dictionary word in the word's case, and how sure the mending is."""

    lead: str  # punctuation before the word, kept as read
    read: str  # the word as the OCR read it ("CDNFLICTS")
    word: str  # the word mended ("CONFLICTS")
    trail: str  # punctuation (or a possessive) after it (",")
    cert: Cert
    words: int = 1  # the OCR's words it covers: two for a word the OCR split ("INFORMA TIGN")

    @property
    def text(self) -> str:
        """The whole token mended ("CONFLICTS,")."""
        return self.lead + self.word + self.trail


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Dictionary words of MIN_LETTERS letters or more by skeleton, and by capitals' skeleton.

    A skeleton that two or more words share maps to None: no word is in reach alone.
    """
    words, keys = _long_words()
    round_keys = _round("\n".join(keys)).split("\n")
    return _unique(words, keys), _unique(words, round_keys)


@lru_cache(maxsize=1)
def _g_index() -> dict[str, str | None]:
    """By capitals' skeleton with G made one with D and O: built when first asked (seldom)."""
    words, keys = _long_words()
    return _unique(words, _round("\n".join(keys), g=True).split("\n"))


def _long_words() -> tuple[list[str], list[str]]:
    pairs = [(w, k) for w, k in dictionary_skeletons().items() if len(w) >= MIN_LETTERS]
    return [w for w, _ in pairs], [k for _, k in pairs]


def _unique(words: list[str], keys: list[str]) -> dict[str, str | None]:
    index: dict[str, str | None] = dict(zip(keys, words, strict=True))
    # counted in C, and only the shared skeletons set again: 100,000 words in some 20 ms
    index.update(dict.fromkeys(k for k, n in Counter(keys).items() if n > 1))
    return index


def load() -> None:
    """Build the index now (a worker does it while Tesseract reads its first page)."""
    _index()
    known_words()


def _round(skel: str, *, g: bool = False) -> str:
    """A skeleton with the round capitals D and O made one; with `g`, G with them."""
    skel = skel.replace("d", "o")
    return skel.replace("g", "o") if g else skel


def typed_words(words: Iterable[tuple[str, float | None]]) -> frozenset[str]:
    """The dictionary words a document types, as typed, that `mend` may mend into.

    `words`: the document's words and Tesseract's confidence in each (None: read as text),
    names and struck words left out by the caller. Kept: words of MIN_LETTERS letters or
    more, read with TYPED_CONFIDENCE or more, of the lowercase dictionary (a proper word
    such as "Kevin" is a name's), in capitals, lower case or capitalised, case as typed.
    """
    dictionary = english_words()
    typed: set[str] = set()
    for text, confidence in words:
        if confidence is not None and confidence < TYPED_CONFIDENCE:
            continue
        core = split_word(text)[1]
        if len(core) >= MIN_LETTERS and core.isalpha() and _shape(core) \
                and core.lower() in dictionary:
            typed.add(core)
    return frozenset(typed)


def _shape(core: str) -> bool:
    """In capitals, in lower case, or capitalised: a word as typed, not mixed ("REGIOwAL")."""
    return core.isupper() or core.islower() or core[:1].isupper() and core[1:].islower()


def _typed_elsewhere(core: str, typed: frozenset[str]) -> str | None:
    """The one word of `typed` a single letter (in the same case) turns `core` into, or None."""
    if len(core) not in _lengths(typed):
        return None  # and a hostile 100,000-letter "word" costs no 2.6 million probes
    found = set()
    for i, letter in enumerate(core):
        for other in ascii_uppercase if letter.isupper() else ascii_lowercase:
            if other != letter and (word := core[:i] + other + core[i + 1 :]) in typed:
                found.add(word)
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=4)
def _lengths(typed: frozenset[str]) -> frozenset[int]:
    return frozenset(len(word) for word in typed)


def mend(token: str, confidence: float | None,
         words: frozenset[str] = frozenset(), typed: frozenset[str] = frozenset(),
         *, starts: bool = True) -> Mend | None:
    """The token with its OCR slip mended, or None (module docstring: when).

    `words`: the kind of record's own words, in capitals (module docstring). `typed`: the
    document's own words (`typed_words`); `starts`: the token starts its sentence or header
    line (a capitalised word elsewhere is mended into them only by a confusion).
    """
    lead, core, trail = split_word(token)
    code = code_slip(core, trail)
    if code is not None:
        return Mend(lead, core, code, trail, cert_of(confidence))
    letters = sum(c.isalpha() for c in core)
    if letters < MIN_LETTERS or not all(c.isalpha() or c in _LETTER_LIKE for c in core):
        return None
    if not _shape(core):
        return None
    if core.lower() in known_words() or core.upper() in words:
        return None
    plain, capitals = _index()
    caps = core.isupper()  # of MIN_LETTERS letters or more: no single capital
    index = capitals if caps else plain
    key = _round(skeleton(core)) if caps else skeleton(core)
    if caps and key not in index and "g" in key:
        # an O read as G ("INFORMATIGN"), only where D and O alone find no word: G is also G
        index, key = _g_index(), _round(key, g=True)
    candidates = {index[key]} if key in index else set()
    if caps and words:
        candidates |= _own_index(words).get(key, frozenset())
    word = candidates.pop() if len(candidates) == 1 else None  # None: none, or two or more
    if word is None:  # no confusion explains it: the document's own words, if they do
        if not core.isalpha() or not starts and core[:1].isupper() and not caps:
            return None  # a code, or a capitalised word inside a sentence: a name, maybe
        own = _typed_elsewhere(core, typed)
        return Mend(lead, core, own, trail, Cert.medium) if own is not None else None
    cert = cert_of(confidence)
    if caps:
        word = word.upper()
    elif core[:1].isupper():
        word = word.capitalize()
    return Mend(lead, core, word, trail, cert)


def join(first: str, second: str, confidences: tuple[float | None, float | None],
         words: frozenset[str] = frozenset()) -> Mend | None:
    """Two tokens that are one word the OCR split ("INFORMA TIGN"), joined and mended; or None.

    Joined only when neither piece is a word (of the list, or of `words`), each has two letters
    or more and both MIN_LETTERS together, both are letters (or the characters read as letters)
    in one case, the first with nothing after it and the second with nothing before it, and
    the letters joined are a word, or mend into exactly one (:func:`mend`). Its cert is the
    less sure of the two pieces'.
    """
    lead, one, between = split_word(first)
    before, two, trail = split_word(second)
    if between or before or min(len(one), len(two)) < 2 or len(one) + len(two) < MIN_LETTERS:
        return None  # a letter-spaced word ("U S", "C O N F I D E N T I A L") is no split one
    for piece in (one, two):
        if not all(c.isalpha() or c in _LETTER_LIKE for c in piece):
            return None
        if piece.lower() in known_words() or piece.upper() in words:
            return None
    joined = one + two
    if not _shape(joined):
        return None
    confidence = min((c for c in confidences if c is not None), default=None)
    if joined.lower() in known_words() or joined.upper() in words:
        return Mend(lead, f"{one} {two}", joined, trail, cert_of(confidence), words=2)
    found = mend(joined, confidence, words)
    if found is None or found.lead or found.trail:
        return None
    return Mend(lead, f"{one} {two}", found.word, trail, found.cert, words=2)


def cert_of(confidence: float | None) -> Cert:
    """How sure a mending is, by Tesseract's confidence in the word as read (UNSURE)."""
    return Cert.high if confidence is None or confidence >= UNSURE else Cert.medium


# A code's parts, joined by hyphens or slashes; a part of digits and O's, an O among them.
_JOINED = re.compile(r"[-/]")
_NUMBER_WITH_O = re.compile(r"^(?=.*O)(?=.*\d)[\dO]+$")
# Capitals' initials each with its full stop, a 0 among them (the last stop may be trailing).
_INITIALS_WITH_0 = re.compile(r"^(?=.*0)(?=.*[A-Z])(?:[A-Z0]\.){1,4}[A-Z0]$")


def code_slip(core: str, trail: str = "") -> str | None:
    """A code with its O/0 slip mended, or None (module docstring: where it is unambiguous).

    `trail`: what follows the code (initials end with a full stop: "E.0" then ".").
    """
    if _INITIALS_WITH_0.match(core) and trail.startswith("."):
        return core.replace("0", "O")
    parts = _JOINED.split(core)
    if not any(_NUMBER_WITH_O.match(p) for p in parts):
        return None
    if len(parts) == 1 and sum(c.isdigit() for c in core) < 2:
        return None  # "1O": TO, 10 or IO
    if not all(p and (p.isalnum() and p.isascii()) for p in parts):
        return None
    mended = [p.replace("O", "0") if _NUMBER_WITH_O.match(p) else p for p in parts]
    joints = _JOINED.findall(core)
    return "".join(p + j for p, j in zip(mended, [*joints, ""], strict=True))


# A code in a list: what stands around it is a comma or a bracket (a mark inside is the code's:
# "PRE&," is PRE& and a comma).
_CODE_IN_LIST = re.compile(r"([(\[]*)(.*?)([,;.)\]]*)", re.DOTALL)


def tag_slip(token: str, confidence: float | None, tags: frozenset[str]) -> Mend | None:
    """A TAGS code of a TAGS line with its OCR slip mended ("PRE&," is PREL), or None.

    `tags`: the closed vocabulary of subject TAGS (``vocabulary.SUBJECT_TAGS``). Mended only
    a token of four capitals and marks, one of them no letter (a code can hold none), that is
    no code and is one substitution from exactly one code; anything else is left as read.
    """
    lead, core, trail = _CODE_IN_LIST.fullmatch(token).groups()  # type: ignore[union-attr]
    if len(core) != 4 or core.isalpha() or core in tags:
        return None
    if not any(c.isalpha() for c in core) or any(c.isalpha() and not c.isupper() for c in core):
        return None
    near = {t for t in tags if sum(a != b for a, b in zip(t, core, strict=True)) == 1}
    if len(near) != 1:
        return None
    return Mend(lead, core, near.pop(), trail, cert_of(confidence))


@lru_cache(maxsize=16)
def _own_index(words: frozenset[str]) -> dict[str, frozenset[str]]:
    """A kind's own words long enough to mend into, by their capitals' skeleton (lowercase).

    Built once a profile (the set is a profile's), not once a token.
    """
    index: dict[str, set[str]] = {}
    for word in words:
        if len(word) >= MIN_LETTERS:
            index.setdefault(_round(skeleton(word)), set()).add(word.lower())
    return {key: frozenset(found) for key, found in index.items()}
