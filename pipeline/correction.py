"""Find gazetteer names in a document's words and correct OCR-damaged ones, keeping the evidence.

How a name is found, in the order tried at each word (the first that succeeds wins):

1. **Exact span**: the longest run of words (up to the longest gazetteer form) that is a form
   as written, or in capitals when the words are in capitals ("GORBACHEV" is Gorbachev, not a
   correction: an all-capitals heading or telegram is left as it is). Possessives and
   trailing punctuation stay outside the name ("Dubinin's" tags "Dubinin").
2. **Line-end hyphenation**: "Gorba-" ending a line and "chev" starting the next are joined;
   the mention spans both words and is a correction only if the joined text is not a form.
3. **Multi-word form with a damaged word**: "Yurl Dubinin" -> "Yuri Dubinin", anchored on a
   word that is exact (first or last word of the form).
4. **Split word**: "Dubin in" -> "Dubinin" (the first part capitalised, the joined text an
   exact or nearly exact form).
5. **One damaged word**: character confusions (rn/m, cl/d, e/c, 0/o, 1/l, I/l, b/h, v/y, ...),
   case damage ("DUbinin"), an extra letter ("Dubinina"), digits or symbols for letters
   ("Reag4n", "Re@gan").
6. **Merged words**: "PresidentReagan" -> "President Reagan" (a dictionary word or title glued
   to a name); "TWSimons" (initials glued by convention) tags "Simons" and changes nothing.

Guards against false corrections:

- an exact gazetteer form is never changed ("Regan" and "Reagan" are two people);
- a word of the English word list (``data/words.txt``) is never changed, whatever its case
  ("Began" is not "Regan"), nor is a word whose OCR skeleton is that of a dictionary word (a
  damaged ordinary word, "Bcgan");
- a lowercase word is a candidate only when it differs from a form by case and OCR confusions
  alone; titles, acronyms of at most 5 capitals, numbers, struck-out words and words of fewer
  than 4 letters are never candidates;
- short words need a higher score (see ``MIN_SCORE``); when two entities score within
  ``MARGIN`` points the word is not corrected but marked for review, and a bare form shared
  by two entities ("Baker", "Ridgway") is marked for review unless exactly one of them is
  named unambiguously elsewhere in the same document.

Scores (0-100) come from an OCR-aware edit distance: each edit costs 1, except that edits
explained by a known OCR confusion cost ``CONFUSION_COST``; score = 100 * (1 - cost /
length). ``cert`` of a correction: high from 95, medium from 87, low below; one level lower
when the OCR confidence of any of its words is below ``LOW_OCR_CONFIDENCE``.

What a Mention holds: ``original`` is the name exactly as in the source, without the
punctuation or possessive around it; the words of a multi-word name are joined by one space,
except across a hyphenated line end, where they are joined with no space and the hyphen kept
("Gorba-chev"). :func:`affixes` gives the text before and after the name in its first and
last word, so that ``prefix + original + suffix`` rebuilds the words. ``corrected`` is the
form the text was damaged from (the surname "Dubinin", not the full canonical name), in
capitals when the source word is in capitals, or None when the text was already exact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from pipeline.gazetteer import Gazetteer
from pipeline.model import Cert, Mention, Page, WordRef

__all__ = [
    "CONFUSION_COST",
    "MARGIN",
    "MIN_SCORE",
    "NameCorrector",
    "affixes",
    "english_words",
    "skeleton",
    "split_word",
]

WORDS_PATH = Path(__file__).resolve().parent / "data" / "words.txt"

#: Cost of an edit that a known OCR confusion explains (a plain edit costs 1).
CONFUSION_COST = 0.3
#: Minimum score to correct a word, by the length of the form it would become.
MIN_SCORE = {4: 92.0, 5: 88.0, 6: 83.0, 7: 83.0}
MIN_SCORE_LONG = 80.0  # 8 letters and more
#: A split word ("Dubin in") is joined only when the joined text scores at least this.
MIN_SPLIT_SCORE = 92.0
#: Two entities whose scores differ by less than this are a tie: review, no correction.
MARGIN = 3.0
#: Score of a correction that only restores spacing (split, merge) or case.
SPACING_SCORE = 95.0
#: Below this OCR confidence (0-100) a correction's cert is lowered one level.
LOW_OCR_CONFIDENCE = 50.0
CERT_HIGH = 95.0
CERT_MEDIUM = 87.0
#: Never fuzzy-matched: fewer letters than this.
MIN_LETTERS = 4
#: Words in capitals up to this length are acronyms (OADR, NARA, VADM): exact match only.
ACRONYM_MAX = 5
#: At most this many candidate entity ids are kept on a mention.
MAX_CANDIDATES = 8

#: Titles and forms of address: never part of a name unless a gazetteer form says so, never
#: corrected into a name. Lowercase; compared without a trailing period.
TITLES = frozenset(
    """
    president vice secretary general ambassador minister deputy assistant chief staff mr mrs
    ms miss dr admiral adm vadm radm marshal foreign chairman chairwoman senator sen
    congressman congresswoman representative rep governor gov prime premier colonel col lt
    lieutenant captain capt major maj gen sergeant sgt commander cmdr comrade academician
    professor prof counselor counsellor director undersecretary under interpreter judge justice
    mayor king queen prince princess pope cardinal father sir lord lady hon honorable
    excellency envoy consul attache spokesman spokeswoman premier chancellor first party
    """.split()
)

_CONFUSABLE = str.maketrans(
    {
        "0": "o", "1": "l", "|": "l", "!": "l", "i": "l", "4": "a", "@": "a", "5": "s",
        "$": "s", "8": "b", "6": "b", "y": "v", "e": "c", "b": "h",
    }
)  # fmt: skip
# After the one-character merges: rn/m, cl/d, vv/w, ri/n (as rl), ii/u and li/h (as ll).
_MULTI = (("rn", "m"), ("cl", "d"), ("vv", "w"), ("rl", "n"), ("ll", "u"))
_NOT_NAME_CHAR = re.compile(r"[^\w@|$!]", re.UNICODE)
_LEAD = re.compile(r"^[^\w@|$]+", re.UNICODE)
_TRAIL = re.compile(r"[^\w@|$]+$", re.UNICODE)
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_LETTER_LIKE = re.compile(r"[^\W\d_]|[0-9@|$!]", re.UNICODE)  # letters and stand-ins for them
_HYPHENS = ("-", "\u2010", "\u00ad", "\u00ac")  # hyphen, Unicode hyphen, soft hyphen, not sign
_GLUED_INITIALS = re.compile(r"([A-Z]{1,3})([A-Z][a-z][\w'’-]+)")
#: Name particles that a capital follows inside a real name ("McFarlane", "MacArthur").
_PARTICLES = frozenset("mc mac de di da du la le van von der del della st fitz ter ben al el o".split())


def skeleton(text: str) -> str:
    """The OCR skeleton of a word: casefolded, confusable characters merged, punctuation dropped.

    Two words with the same skeleton differ only by case and known OCR confusions
    ("Gorbachey", "G0rbachev" and "Gorbachev" share one).
    """
    s = text.casefold()
    if not s.isalpha():
        s = _NOT_NAME_CHAR.sub("", s).replace("_", "")
    s = s.translate(_CONFUSABLE)
    for a, b in _MULTI:
        if a in s:
            s = s.replace(a, b)
    return s


def split_word(text: str) -> tuple[str, str, str]:
    """Split a word into (leading punctuation, name candidate, trailing punctuation).

    A possessive goes with the trailing part: ``"(Dubinin's,"`` -> ``("(", "Dubinin", "'s,")``.
    """
    lead = _LEAD.match(text)
    start = lead.end() if lead else 0
    trail = _TRAIL.search(text, start)
    end = trail.start() if trail else len(text)
    core = text[start:end]
    if len(core) > 3 and core.endswith(_POSSESSIVE):
        end -= 2
        core = core[:-2]
    return text[:start], core, text[end:]


@lru_cache(maxsize=1)
def _word_list() -> tuple[frozenset[str], frozenset[str]]:
    """``data/words.txt``: (lowercase dictionary words, capitalised proper words lowercased)."""
    with WORDS_PATH.open(encoding="utf-8") as f:
        entries = [w for w in f.read().split("\n") if w and not w.startswith("#")]
    lower = frozenset(w for w in entries if w.islower())
    proper = frozenset(w.lower() for w in entries if not w.islower())
    return lower, proper


def english_words() -> frozenset[str]:
    """The English dictionary words shipped in ``data/words.txt`` (lowercase)."""
    return _word_list()[0]


@lru_cache(maxsize=1)
def _word_skeletons() -> frozenset[str]:
    lower, proper = _word_list()
    return frozenset(skeleton(w) for w in lower | proper if len(w) >= MIN_LETTERS - 1)


def min_score(length: int) -> float | None:
    """The score a correction to a form of ``length`` letters needs; None: never corrected."""
    if length < MIN_LETTERS:
        return None
    return MIN_SCORE.get(length, MIN_SCORE_LONG)


def cert_for(score: float, confidences: Sequence[float | None] = ()) -> Cert:
    """TEI @cert of a correction from its score and the OCR confidences of its words."""
    level = 2 if score >= CERT_HIGH else 1 if score >= CERT_MEDIUM else 0
    known = [c for c in confidences if c is not None]
    if known and min(known) < LOW_OCR_CONFIDENCE:
        level = max(0, level - 1)
    return (Cert.low, Cert.medium, Cert.high)[level]


@dataclass
class _Tok:
    """One word of the document, analysed."""

    ref: WordRef
    text: str
    prefix: str
    core: str  # the name candidate: no surrounding punctuation, no possessive
    suffix: str
    conf: float | None
    struck: bool
    line_end: bool
    line_start: bool
    line: tuple[int, int]  # (page, line)
    fold: str = ""  # core, casefolded
    plausible: bool | None = None  # cached NameCorrector._plausible(core)


@dataclass
class _Hit:
    """The best reading of a string: a form, the entities that have it, the score."""

    form: str | None  # None when two different forms tie
    ids: tuple[str, ...]  # entities with that form (several: a shared surname)
    score: float
    candidates: tuple[str, ...]

    @property
    def review(self) -> bool:
        return self.form is None or len(self.ids) > 1


@dataclass
class _Found:
    """A stage's result: the mention, how many words it used, and for a tie between entities
    that share the very form found, the correction to apply if the document resolves it."""

    mention: Mention
    used: int
    pending: str | None = None  # "" when resolving needs no correction


class NameCorrector:
    """Finds and corrects gazetteer names; build once (indexes), then call for many documents."""

    def __init__(self, gazetteer: Gazetteer, *, correct: bool = True) -> None:
        self.gazetteer = gazetteer
        self.correct = correct
        self._word_skels = _word_skeletons()
        self._types = {e.id: e.type for e in gazetteer.entities.values()}

        forms: dict[str, list[str]] = {}  # form -> entity ids
        for form, entity in gazetteer.all_forms():
            ids = forms.setdefault(form, [])
            if entity.id not in ids:
                ids.append(entity.id)
        # Never changed: dictionary words, and proper words ("American") that are not forms.
        lower, proper = _word_list()
        self.words = lower | (proper - {f.lower() for f in forms})
        self._exact: dict[str, tuple[str, ...]] = {f: tuple(ids) for f, ids in forms.items()}
        upper: dict[str, list[str]] = {}
        for f, ids in forms.items():
            if any(c.isalpha() for c in f):
                bucket = upper.setdefault(f.upper(), [])
                bucket.extend(i for i in ids if i not in bucket)
        self._upper = {f: tuple(ids) for f, ids in upper.items()}

        # Multi-word forms: the words that can start one, and the forms by first and last word.
        self._maxk = 1
        self._starts: set[str] = set()
        self._multi: list[tuple[str, tuple[str, ...]]] = []  # (form, its words)
        self._by_first: dict[tuple[int, str], list[int]] = {}  # (words, first word) -> forms
        self._by_last: dict[tuple[int, str], list[int]] = {}  # (words, last word) -> forms
        # Fuzzy index (SymSpell-style): the skeleton of each one-word form and its one-character
        # deletions -> form numbers. Multi-word forms are indexed by their whole skeleton only.
        self._form_list: list[str] = []
        self._form_fold: list[str] = []
        self._form_skel: list[str] = []
        self._form_skels: set[str] = set()
        self._joined: dict[str, list[int]] = {}
        index: dict[str, list[int]] = {}
        for form in self._exact:
            words = form.split(" ")
            skel = skeleton(form)
            self._form_skels.add(skel)
            if len(words) > 1:
                self._maxk = max(self._maxk, len(words))
                self._starts.add(words[0])
                self._starts.add(words[0].upper())
                n = len(self._multi)
                self._multi.append((form, tuple(words)))
                first_key = (len(words), words[0].casefold().rstrip("."))
                self._by_first.setdefault(first_key, []).append(n)
                last_key = (len(words), words[-1].casefold().rstrip("."))
                self._by_last.setdefault(last_key, []).append(n)
            if sum(c.isalpha() for c in form) < MIN_LETTERS:
                continue
            i = len(self._form_list)
            self._form_list.append(form)
            self._form_fold.append(form.casefold())
            self._form_skel.append(skel)
            if len(words) > 1:
                self._joined.setdefault(skel, []).append(i)
                continue
            index.setdefault(skel, []).append(i)
            for d in {skel[:k] + skel[k + 1 :] for k in range(len(skel))}:
                index.setdefault(d, []).append(i)
        self._index = index

    # -- public --------------------------------------------------------------------------

    def find_mentions(self, pages: Sequence[Page]) -> list[Mention]:
        """Every gazetteer name in a document (pages in order), in document order."""
        toks = _tokens(pages)
        found: list[_Found] = []
        i = 0
        while i < len(toks):
            hit = (
                self._exact_span(toks, i)
                or self._hyphenated(toks, i)
                or self._damaged_multi(toks, i)
                or self._split(toks, i)
                or self._single(toks, i)
                or self._merged(toks, i)
            )
            if hit is None:
                i += 1
                continue
            found.append(hit)
            i += hit.used
        mentions = self._resolve_in_context(found)
        if not self.correct:
            mentions = [m if m.corrected is None else replace(m, corrected=None) for m in mentions]
        return mentions

    # -- stages ----------------------------------------------------------------------------

    def _exact_span(self, toks: list[_Tok], i: int) -> _Found | None:
        """The longest exact form starting here, or a name inside this one word."""
        first = toks[i]
        if first.struck or not first.core:
            return None
        head = first.text[len(first.prefix) :]
        if head in self._starts or first.core in self._starts:
            parts = [head]
            spans: list[tuple[int, str]] = []
            for j in range(i + 1, min(len(toks), i + self._maxk)):
                t = toks[j]
                if t.ref.page != first.ref.page or t.struck:
                    break
                spans.append((j, " ".join(parts) + " " + t.prefix + t.core))
                parts.append(t.text)
            for j, text in reversed(spans):
                hit = self._exact_hit(text, toks[j].suffix)
                if hit is not None:
                    original = _original(toks, i, j) + ("." if hit[1] else "")
                    return self._tag(toks, i, j, hit[0], original)
        hit = self._exact_hit(first.core, first.suffix)
        if hit is not None:
            return self._tag(toks, i, i, hit[0], first.core + ("." if hit[1] else ""))
        core = first.core
        # A plural or a lost apostrophe: "Reagans", "Dubinins" tag the name, change nothing.
        if len(core) > 4 and core.endswith("s") and core[:1].isupper():
            base = core[:-1]
            hit = self._exact_hit(base, "")
            if hit is not None and core.lower() not in self.words and len(base) > 3:
                return self._tag(toks, i, i, hit[0], base)
        # Compounds ("Reagan-Gorbachev", "U.S.-Soviet", "EUR:TWSimons"): the first name in them.
        pieces = re.split(r"[-/:]", core) if len(core) > 4 else []
        for piece in pieces[:4] if len(pieces) > 1 else ():
            hit = self._exact_hit(piece, "") if len(piece) > 1 else None
            if hit is not None:
                return self._tag(toks, i, i, hit[0], piece)
            glued = self._initials(piece)
            if glued is not None:
                return self._tag(toks, i, i, glued[0], glued[1])
        glued = self._initials(core)
        if glued is not None:
            return self._tag(toks, i, i, glued[0], glued[1])
        return None

    def _initials(self, core: str) -> tuple[tuple[str, ...], str] | None:
        """Initials glued to a surname by convention ("TWSimons"): the surname's ids."""
        m = _GLUED_INITIALS.fullmatch(core)
        if m is None:
            return None
        hit = self._exact_hit(m.group(2), "")
        if hit is None:
            return None
        return hit[0], m.group(2)

    def _exact_hit(self, text: str, suffix: str) -> tuple[tuple[str, ...], bool] | None:
        """Ids of an exact form (as written, or in capitals), and whether it took the period
        that follows ``text`` ("U.S" + "." is the form "U.S.")."""
        tries = [(text + ".", True), (text, False)] if suffix.startswith(".") else [(text, False)]
        for t, period in tries:
            ids = self._exact.get(t)
            if ids:
                return ids, period
            if _is_caps(t):
                ids = self._upper.get(t)
                if ids:
                    return ids, period
        return None

    def _hyphenated(self, toks: list[_Tok], i: int) -> _Found | None:
        """"Gorba-" at a line end and "chev" at the start of the next."""
        a = toks[i]
        if not (a.line_end and a.suffix in _HYPHENS and i + 1 < len(toks)):
            return None
        b = toks[i + 1]
        if not b.line_start or b.prefix or b.struck or a.struck or not a.core or not b.core:
            return None
        if b.ref.page not in (a.ref.page, a.ref.page + 1):
            return None
        joined = a.core + b.core
        for text in (joined, a.core + "-" + b.core):
            hit = self._exact_hit(text, b.suffix)
            if hit is not None:
                original = _original(toks, i, i + 1) + ("." if hit[1] else "")
                return self._tag(toks, i, i + 1, hit[0], original)
        if not a.core[:1].isupper() or self._is_exact(a.core) or self._is_exact(b.core):
            return None
        if not self._changeable(joined):
            return None
        result = self._fuzzy(joined)
        if result is None:
            return None
        return self._correction(toks, i, i + 1, result, joined)

    def _damaged_multi(self, toks: list[_Tok], i: int) -> _Found | None:
        """A multi-word form with damaged words, anchored on an exact first or last word."""
        if not self._multi or toks[i].struck:
            return None
        results: list[tuple[float, int, int]] = []  # score, words, form number
        damaged = self._tok_plausible(toks[i])  # could some word of the span be damaged?
        for k in range(2, min(self._maxk, len(toks) - i) + 1):
            j = i + k - 1
            damaged = damaged or self._tok_plausible(toks[j])
            if not damaged:
                continue
            by_first = self._by_first.get((k, toks[i].fold))
            by_last = self._by_last.get((k, toks[j].fold))
            if not by_first and not by_last:
                continue
            if not self._clean_span(toks, i, j):
                continue
            group = (by_first or []) + (by_last or [])
            for n in dict.fromkeys(group):
                score = self._span_score(toks, i, self._multi[n][1])
                if score is not None:
                    results.append((score, k, n))
        if not results:
            return None
        results.sort(key=lambda r: (-r[0], -r[1], r[2]))
        score, k, n = results[0]
        form = self._multi[n][0]
        ids = self._exact[form]
        rivals = {
            x
            for s, _k, m in results[1:]
            if score - s < MARGIN
            for x in self._exact[self._multi[m][0]]
        }
        candidates = tuple(dict.fromkeys(x for _s, _k, m in results for x in self._exact[self._multi[m][0]]))
        hit = _Hit(None if rivals - set(ids) else form, ids, score, candidates[:MAX_CANDIDATES])
        return self._correction(toks, i, i + k - 1, hit, None)

    def _clean_span(self, toks: list[_Tok], i: int, j: int) -> bool:
        """Words i..j are one run: same page, nothing struck, no punctuation between them."""
        page = toks[i].ref.page
        for t in toks[i : j + 1]:
            if t.struck or t.ref.page != page or not t.core:
                return False
        if any(t.suffix not in ("", ".") for t in toks[i:j]):
            return False
        return all(not t.prefix for t in toks[i + 1 : j + 1])

    def _span_score(self, toks: list[_Tok], i: int, words: tuple[str, ...]) -> float | None:
        cost = 0.0
        length = 0
        damaged = exact = 0
        for t, w in zip(toks[i : i + len(words)], words, strict=True):
            want = w[:-1] if w.endswith(".") and t.suffix.startswith(".") else w
            length += len(want)
            if t.core == want or (t.core.isupper() and t.core == want.upper()):
                exact += 1
                continue
            if not self._tok_plausible(t):
                return None
            if self._ordinary_damaged(t.core) and skeleton(t.core) != skeleton(want):
                return None
            floor = min_score(sum(c.isalpha() for c in want))
            if floor is None:
                return None
            c = _cost(t.core, want)
            if not any(ch.isupper() for ch in t.core):
                if skeleton(t.core) != skeleton(want):
                    return None
                floor = max(floor, 90.0)
            if 100.0 * (1.0 - c / max(len(t.core), len(want))) < floor:
                return None
            cost += c
            damaged += 1
        if damaged == 0 or exact == 0:
            return None
        return 100.0 * (1.0 - cost / max(length, 1))

    def _split(self, toks: list[_Tok], i: int) -> _Found | None:
        """"Dubin in": a capitalised fragment and the next word, joined, are a form."""
        if i + 1 >= len(toks):
            return None
        a, b = toks[i], toks[i + 1]
        if a.line != b.line or a.suffix or b.prefix or a.struck or b.struck:
            return None
        if len(a.core) < 2 or not a.core[:1].isupper() or not b.core:
            return None
        if len(_LETTER_LIKE.findall(b.core)) != len(b.core):
            return None
        if self._is_exact(a.core) or self._is_exact(b.core) or _is_title(a.core) or _is_title(b.core):
            return None
        joined = a.core + b.core
        both_words = a.core.lower() in self.words and b.core.lower() in self.words
        hit = self._exact_hit(joined, b.suffix)
        if hit is not None and not hit[1]:
            if both_words and sum(c.isalpha() for c in joined) < 6:
                return None
            result = _Hit(joined, hit[0], SPACING_SCORE, hit[0])
            return self._correction(toks, i, i + 1, result, joined)
        if both_words or not self._changeable(joined):
            return None
        result = self._fuzzy(joined)
        if result is None or result.score < MIN_SPLIT_SCORE:
            return None
        alone = self._fuzzy(a.core) if self._changeable(a.core) else None
        if alone is not None and alone.score >= result.score:
            return None
        return self._correction(toks, i, i + 1, result, joined)

    def _single(self, toks: list[_Tok], i: int) -> _Found | None:
        """One damaged word: confusions, case, an extra or missing letter."""
        t = toks[i]
        if not self._tok_changeable(t):
            return None
        lowercase = not any(c.isupper() for c in t.core)
        result = self._fuzzy(t.core, lowercase=lowercase)
        if result is None:
            return None
        return self._correction(toks, i, i, result, t.core)

    def _merged(self, toks: list[_Tok], i: int) -> _Found | None:
        """"PresidentReagan": a dictionary word or title glued to a name."""
        t = toks[i]
        core = t.core
        if t.struck or len(core) < 6 or core.lower() in self.words:
            return None
        camel = [p for p in range(2, len(core) - 3) if core[p - 1].islower() and core[p].isupper()]
        points = camel or (list(range(2, len(core) - 3)) if _is_caps(core) else [])
        for p in points:
            head, rest = core[:p], core[p:]
            low = head.lower()
            if low in _PARTICLES or (low not in self.words and not _is_title(head)):
                continue
            hit = self._exact_hit(rest, "")
            if hit is not None:
                result = _Hit(rest, hit[0], SPACING_SCORE, hit[0])
            elif camel and self._changeable(rest):
                fuzzy = self._fuzzy(rest)
                if fuzzy is None:
                    continue
                result = fuzzy
            else:
                continue
            found = self._correction(toks, i, i, result, rest)
            m = found.mention
            if m.corrected is not None:
                found.mention = replace(m, corrected=f"{head} {m.corrected}")
            elif m.review:
                pass
            else:  # the rest was exact: only the space is restored
                found.mention = replace(m, corrected=f"{head} {rest}")
            if found.pending is not None:
                found.pending = f"{head} {found.pending or rest}"
            return found
        return None

    # -- matching --------------------------------------------------------------------------

    def _tok_plausible(self, t: _Tok) -> bool:
        """The word could be a damaged name (all guards but the damaged-ordinary-word one)."""
        if t.plausible is None:
            t.plausible = not t.struck and self._plausible(t.core)
        return t.plausible

    def _tok_changeable(self, t: _Tok) -> bool:
        return self._tok_plausible(t) and not self._ordinary_damaged(t.core)

    def _is_exact(self, text: str) -> bool:
        return text in self._exact or (_is_caps(text) and text in self._upper)

    def _changeable(self, core: str) -> bool:
        """May this word be corrected into a name at all? (the guards in the docstring)."""
        return self._plausible(core) and not self._ordinary_damaged(core)

    def _ordinary_damaged(self, core: str) -> bool:
        """An ordinary word with OCR damage: its skeleton is a dictionary word's, no form's.

        In a multi-word form such a word may still be restored to the form's own word
        ("Whlte House" -> "White House").
        """
        skel = skeleton(core)
        return skel in self._word_skels and skel not in self._form_skels

    def _plausible(self, core: str) -> bool:
        if len(core) < MIN_LETTERS or self._is_exact(core):
            return False
        alpha = sum(c.isalpha() for c in core)
        letters = len(_LETTER_LIKE.findall(core))
        if alpha < MIN_LETTERS - 1 or letters < len(core) - 1 or alpha < 0.6 * len(core):
            return False
        if not core[:1].isalpha():
            return False
        if core.lower() in self.words or _is_title(core):
            return False
        return not (_is_caps(core) and alpha <= ACRONYM_MAX)

    def _fuzzy(self, text: str, *, lowercase: bool = False) -> _Hit | None:
        """The best form for a damaged string; a hit without a form when two entities tie."""
        skel = skeleton(text)
        if len(skel) < MIN_LETTERS - 1:
            return None
        found: set[int] = set()
        for key in {skel, *(skel[:k] + skel[k + 1 :] for k in range(len(skel)))}:
            hits = self._index.get(key)
            if hits:
                found.update(hits)
        joined = self._joined.get(skel)
        if joined:
            found.update(joined)
        if not found:
            return None
        fold = text.casefold()
        scored: list[tuple[float, str]] = []
        for n in found:
            form = self._form_list[n]
            floor = min_score(sum(c.isalpha() for c in form))
            if floor is None:
                continue
            d_skel = Levenshtein.distance(skel, self._form_skel[n], score_cutoff=2)
            if lowercase:
                if d_skel:
                    continue
                floor = max(floor, 90.0)
            d_plain = Levenshtein.distance(fold, self._form_fold[n], score_cutoff=4)
            cost = _combine(d_plain, d_skel)
            score = 100.0 * (1.0 - cost / max(len(fold), len(self._form_fold[n])))
            if score >= floor:
                scored.append((score, form))
        if not scored:
            return None
        scored.sort(key=lambda x: (-x[0], x[1]))
        best_score, best_form = scored[0]
        ids = self._exact[best_form]
        rival_ids = {
            x for s, f in scored[1:] if best_score - s < MARGIN for x in self._exact[f]
        } - set(ids)
        candidates = tuple(dict.fromkeys(x for _s, f in scored for x in self._exact[f]))
        form = None if rival_ids else best_form
        return _Hit(form, ids, best_score, candidates[:MAX_CANDIDATES])

    # -- making mentions -----------------------------------------------------------------

    def _tag(self, toks: list[_Tok], i: int, j: int, ids: tuple[str, ...], original: str) -> _Found:
        """A name already right: tagged, not corrected (for review when the form is shared)."""
        review = len(ids) > 1
        mention = Mention(
            first=toks[i].ref,
            last=toks[j].ref,
            entity_id=None if review else ids[0],
            entity_type=self._types[ids[0]],
            original=original,
            corrected=None,
            score=100.0,
            cert=Cert.high,
            review=review,
            candidates=ids if review else (),
        )
        return _Found(mention, j - i + 1, "" if review else None)

    def _correction(
        self, toks: list[_Tok], i: int, j: int, hit: _Hit, source: str | None
    ) -> _Found:
        """A mention for a fuzzy hit: corrected, or for review when it is a tie."""
        original = _original(toks, i, j, core=toks[i].core if i == j else None)
        confs = [t.conf for t in toks[i : j + 1]]
        corrected = _render(hit.form, source or original) if hit.form else None
        if corrected == original:
            corrected = None
        entity_type = self._types[(hit.ids or hit.candidates)[0]]
        if hit.review:
            mention = Mention(
                first=toks[i].ref,
                last=toks[j].ref,
                entity_id=None,
                entity_type=entity_type,
                original=original,
                corrected=None,
                score=round(hit.score, 1),
                cert=cert_for(hit.score, confs),
                review=True,
                candidates=hit.candidates or hit.ids,
            )
            pending = None if hit.form is None else (corrected or "")
            return _Found(mention, j - i + 1, pending)
        mention = Mention(
            first=toks[i].ref,
            last=toks[j].ref,
            entity_id=hit.ids[0],
            entity_type=entity_type,
            original=original,
            corrected=corrected,
            score=round(hit.score, 1),
            cert=cert_for(hit.score, confs) if corrected else Cert.high,
            review=False,
            candidates=hit.candidates,
        )
        return _Found(mention, j - i + 1)

    def _resolve_in_context(self, found: list[_Found]) -> list[Mention]:
        """A form shared by several entities ("Baker", "Ridgway") is the one of them that the
        same document names unambiguously elsewhere ("James Baker"); otherwise: review."""
        known = {f.mention.entity_id for f in found if not f.mention.review}
        out: list[Mention] = []
        for f in found:
            m = f.mention
            if m.review and f.pending is not None:
                pick = [c for c in m.candidates if c in known]
                if len(pick) == 1:
                    m = replace(
                        m,
                        entity_id=pick[0],
                        entity_type=self._types[pick[0]],
                        corrected=f.pending or None,
                        review=False,
                        cert=m.cert if f.pending else Cert.high,
                    )
            out.append(m)
        return out


# -- helpers ------------------------------------------------------------------------------


def _tokens(pages: Sequence[Page]) -> list[_Tok]:
    toks: list[_Tok] = []
    for p, page in enumerate(pages):
        for li, line in enumerate(page.lines):
            last = len(line.words) - 1
            for wi, word in enumerate(line.words):
                prefix, core, suffix = split_word(word.text)
                toks.append(
                    _Tok(
                        ref=WordRef(p, li, wi),
                        text=word.text,
                        prefix=prefix,
                        core=core,
                        suffix=suffix,
                        conf=word.conf,
                        struck=word.struck,
                        line_end=wi == last,
                        line_start=wi == 0,
                        line=(p, li),
                        fold=core.casefold().rstrip("."),
                    )
                )
    return toks


def _original(toks: list[_Tok], i: int, j: int, core: str | None = None) -> str:
    """The name as in the source (see the module docstring)."""
    if i == j:
        return core if core is not None else toks[i].core
    out = toks[i].text[len(toks[i].prefix) :]
    for k in range(i + 1, j + 1):
        t = toks[k]
        part = t.text if k < j else t.text[: len(t.text) - len(t.suffix)]
        out += ("" if out.endswith("-") and toks[k - 1].line != t.line else " ") + part
    return out


def affixes(mention: Mention, pages: Sequence[Page]) -> tuple[str, str]:
    """The text of the first word before the name and of the last word after it.

    ``prefix + mention.original + suffix`` is the text of the words (joined as ``original``
    joins them), so a writer can leave punctuation and a possessive outside the name element.
    """
    texts: list[str] = []
    lines: list[tuple[int, int]] = []
    ref = mention.first
    while True:
        line = pages[ref.page].lines[ref.line]
        texts.append(line.words[ref.word].text)
        lines.append((ref.page, ref.line))
        if ref == mention.last:
            break
        if ref.word + 1 < len(line.words):
            ref = WordRef(ref.page, ref.line, ref.word + 1)
        elif ref.line + 1 < len(pages[ref.page].lines):
            ref = WordRef(ref.page, ref.line + 1, 0)
        else:
            ref = WordRef(ref.page + 1, 0, 0)
    original = mention.original
    if len(texts) == 1:
        at = texts[0].find(original)
        if at < 0:
            raise ValueError(f"{original!r} is not in the word {texts[0]!r}")
        return texts[0][:at], texts[0][at + len(original) :]
    prefix = split_word(texts[0])[0]
    head = texts[0][len(prefix) :]
    for k in range(1, len(texts) - 1):
        head += ("" if head.endswith("-") and lines[k - 1] != lines[k] else " ") + texts[k]
    sep = "" if head.endswith("-") and lines[-2] != lines[-1] else " "
    last_part = original[len(head) + len(sep) :]
    if not original.startswith(head + sep) or not texts[-1].startswith(last_part):
        raise ValueError(f"{original!r} does not match the words {texts!r}")
    return prefix, texts[-1][len(last_part) :]


def _cost(a: str, b: str) -> float:
    d_plain = Levenshtein.distance(a.casefold(), b.casefold(), score_cutoff=4)
    d_skel = Levenshtein.distance(skeleton(a), skeleton(b), score_cutoff=4)
    return _combine(d_plain, d_skel)


def _combine(d_plain: int, d_skel: int) -> float:
    """OCR-aware cost: the edits that the skeleton explains cost CONFUSION_COST each."""
    if d_skel >= d_plain:
        return float(d_plain)
    return d_skel + CONFUSION_COST * (d_plain - d_skel)


def _is_caps(text: str) -> bool:
    """In capitals: at least two letters, none lowercase."""
    return text.isupper() and sum(c.isalpha() for c in text) >= 2


def _is_title(text: str) -> bool:
    return text.lower().rstrip(".") in TITLES


def _render(form: str, source: str) -> str:
    """The form in the case style of the source: capitals stay capitals."""
    return form.upper() if _is_caps(source) else form
