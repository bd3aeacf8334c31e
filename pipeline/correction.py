"""Find gazetteer names in a document's words and correct OCR-damaged ones, keeping the evidence.

What is tried at each word, in this order (the first that succeeds wins):

1. **Spans**: the longest run of words that is a gazetteer form as written, or in capitals
   when the words are in capitals ("GORBACHEV" is tagged, not corrected: an all-capitals
   heading or telegram is left as it is); failing that, the same with one split or
   hyphenated pair of words joined ("Dubin in", "Gorba-" / "chev", "Roz anne Ridgway");
   failing that, a multi-word form with damaged words, anchored on its exact first or last
   word ("Yurl Dubinin" -> "Yuri Dubinin"). A damaged span covering more words than the
   exact one wins. Possessives and punctuation stay outside ("Dubinin's" tags "Dubinin").
2. **Compounds**: names joined by a hyphen, slash or colon in one word, each part matched on
   its own, exactly or damaged ("Shulz/Gromyko", "Shultz-Gr0myko", "U.S.-Soviet",
   "EUR:TWSimons", whose initials glued to a surname are a convention and stay). Each part
   is its own mention; ``Mention.offset`` says where it starts in the word.
3. **One word**: a plural or a lost apostrophe ("Reagans").
4. **Damaged hyphenation or split**: "Gorba-" / "chey", "Gorba chey".
5. **One damaged word**: character confusions (rn/m, cl/d, li/h, lc/k, vv/w, e/c, 0/o, 1/l,
   I/l, b/h, v/y, ri/n, ii/u, @/a, 4/a, 5/s, 8/b; those that change the length count as one
   confusion), case damage ("DUbinin"), a stray letter ("Dubinina"), digits for the letters
   of an acronym ("NAT0"), an "s" glued to a damaged name ("Dobryinins"); failing those, a
   short name with one slip (below).
6. **Merged words**: a dictionary word or title glued to a name: "PresidentReagan" ->
   "President Reagan" (the mention covers the whole word).

After the search: **names not in the gazetteer** (:meth:`NameCorrector._unknown_names`),
tagged without an entity and never corrected: capitalised words after a title of a person,
and in a CIA or FBI record surnames typed in capitals in running text, or surname first as
the agencies file a person ("TARASOFF, Anna"). And, once structure has
decided the document's date, :meth:`NameCorrector.check_dates` sends for review a bare surname
whose person (by the gazetteer's floruit) was not active in the document's year.

**Short names** (4-5 letters): one slip that no OCR confusion explains ("Bnsh", "Bussh") is
corrected only when the word is no English word, exactly one gazetteer name is one edit away,
and the context supports it: a title or one of the person's given names or initials just
before, or the same person named exactly elsewhere in the document (a participant included).
Otherwise the word is for review, with the reason. A short given name with one slip before its
exact surname ("Joht Whitehead") has the surname for context.

Each correction says whose error it mends (``Mention.slip``): "ocr" when confusions, case,
spacing or a stray final mark explain it, or the OCR was unsure of the word; "typist" when a
letter is missing, doubled or changed, read with confidence.

Guards against false corrections:

- an exact gazetteer form is never changed ("Regan" and "Reagan" are two people);
- a word of the word list (``data/words.txt``: dictionary words, and proper words such as
  "American" that are not one-word forms of the gazetteer) is never changed, whatever its
  case ("Began" is not "Regan"); nor is a word whose OCR skeleton is a listed word's and no
  form's (a damaged ordinary word: "Bcgan"), nor a fragment that joins its neighbour into a
  listed word ("Americ an"), nor a word that a listed word or a title explains as well by a
  stray or extra letter ("Marshale" is "Marshal", not "Marshall");
- a word without capitals is a candidate only when it has 5 letters or more and differs from
  a form by case and OCR confusions alone; titles, acronyms of at most 5 capitals, numbers,
  struck-out words and words of fewer than 4 letters are never candidates;
- short forms need a higher score (``MIN_SCORE``); when entities score within ``MARGIN``
  points the word is marked for review and not corrected, and so is a form shared by several
  entities ("Baker", "Ridgway") -- unless exactly one of the entities tied is named without
  ambiguity elsewhere in the same document, which then decides.

Scores (0-100) come from an OCR-aware edit distance: each edit costs 1, an edit explained by
a known OCR confusion 0.3 (``CONFUSION_COST``), one stray letter at the end 0.5
(``TRAILING_COST``), joining a split word 0.5 (``SPLIT_COST``); score = 100 * (1 - cost /
length of the longer string). Thresholds, by the letters of the form corrected into:

=========================  ===================================================
form of 3 letters or fewer  never corrected
4 letters                   90 (one confusion: "Halg" -> "Haig"; a stray final letter)
5 letters                   88
6 or 7 letters              83 (one plain edit)
8 letters or more           80
a word with no capitals     90, and nothing but case and confusions
a split word joined         92
a tie                       two entities within 3 points (``MARGIN``)
=========================  ===================================================

``cert`` of a correction: high from 95, medium from 87, low below; one level lower when the
OCR confidence of any of its words is below 50. A restored space (split, merge) scores 95.

Speed: every index is built once, in ``NameCorrector.__init__``. A damaged word is looked up
by its OCR skeletons in an index of the forms' skeleton halves (a word one edit away keeps
one half intact), and only the few forms found are scored, by rapidfuzz; multi-word forms are
found from an exact end word; most words are passed over by per-word flags.

What a Mention holds: ``original`` is the name exactly as in the source, without the
punctuation or possessive around it; the words of a multi-word name are joined by one space,
except across a hyphenated line end, where they are joined with no space and the hyphen is
kept ("Gorba-chev"). :func:`affixes` gives the text before and after the name in its first
and last word, so that ``prefix + original + suffix`` rebuilds the words. ``corrected`` is
the form the text was damaged from (the surname "Dubinin", not the canonical full name), in
capitals when most letters of the source are capitals, or None when the text was already
exact (a name only hyphenated at a line end is not a correction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from pipeline.gazetteer import Gazetteer, paused_gc
from pipeline.model import Cert, Mention, Page, WordRef

__all__ = [
    "CONFUSION_COST",
    "MARGIN",
    "MIN_SCORE",
    "NameCorrector",
    "affixes",
    "cert_for",
    "english_words",
    "protected_words",
    "skeleton",
    "skeleton_many",
    "skeletons",
    "split_word",
]

MAX_MERGED = 60  # "AssistantSecretaryRidgway" fits; a 1 MB run of capitals is not a name

WORDS_PATH = Path(__file__).resolve().parent / "data" / "words.txt"
BRITISH_PATH = WORDS_PATH.with_name("words-british.txt")

#: Cost of an edit that a known OCR confusion explains (a plain edit costs 1).
CONFUSION_COST = 0.3
#: Cost of one stray letter after the name ("Dubinina").
TRAILING_COST = 0.5
#: Cost of joining a word split in two ("Dubin in").
SPLIT_COST = 0.5
#: Minimum score to correct into a form, by the form's number of letters (8 and more: LONG).
MIN_SCORE = {4: 90.0, 5: 88.0, 6: 83.0, 7: 83.0}
MIN_SCORE_LONG = 80.0
#: A word with no capitals needs at least this score (and no edit but case and confusions).
MIN_SCORE_LOWERCASE = 90.0
#: A split word ("Dubin in") is joined only when the joined text scores at least this.
MIN_SPLIT_SCORE = 92.0
#: Entities whose scores differ by less than this are a tie: review, no correction.
MARGIN = 3.0
#: Score of a correction that only restores spacing (split, merge).
SPACING_SCORE = 95.0
#: Below this OCR confidence (0-100) a correction's cert is lowered one level.
LOW_OCR_CONFIDENCE = 50.0
CERT_HIGH = 95.0
CERT_MEDIUM = 87.0
#: Never fuzzy-matched: fewer letters than this.
MIN_LETTERS = 4
#: A word without capitals needs this many letters to be a candidate.
MIN_LETTERS_LOWERCASE = 5
#: Words in capitals up to this length are acronyms (OADR, NARA, VADM): exact match only.
ACRONYM_MAX = 5
#: At most this many candidate entity ids are kept on a mention.
MAX_CANDIDATES = 8
#: Names of at most this many letters are short: one slip that no OCR confusion explains is
#: corrected only with support from the context (:meth:`NameCorrector._short`).
SHORT_MAX = 5
SHORT_REASON = "short name one letter off a gazetteer name, not supported by its context"
SHORT_WORD_REASON = "short name one letter off a gazetteer name, or one OCR confusion off a word"
#: A person is not linked by a bare surname in a document dated more than this many years
#: before the start of the person's floruit ...
ACTIVE_BEFORE = 2
#: ... or more than this many years after its end (people are talked about after they leave
#: office: "Roosevelt" in a 1985 memo is still Franklin D. Roosevelt).
ACTIVE_AFTER = 30

#: Titles and forms of address: never corrected into a name. Lowercase, no final period.
TITLES = frozenset(
    """
    president vice secretary general ambassador minister deputy assistant chief staff mr mrs
    ms miss dr admiral adm vadm radm marshal foreign chairman chairwoman senator sen
    congressman congresswoman representative rep governor gov prime premier colonel col lt
    lieutenant captain capt major maj gen sergeant sgt commander cmdr comrade academician
    professor prof counselor counsellor director undersecretary under interpreter judge justice
    mayor king queen prince princess pope cardinal father sir lord lady hon honorable
    excellency envoy consul attache spokesman spokeswoman chancellor first party
    """.split()
)

# Skeleton: multi-letter confusions on the letters as written, then one-letter confusions,
# then the multi-letter ones again as they read after those ("rl" was "ri", "cl" was "el").
_MULTI = (
    ("li", "h"), ("rn", "m"), ("cl", "d"), ("vv", "w"), ("ri", "n"), ("ii", "u"), ("lc", "k"),
)  # fmt: skip
_MULTI_AFTER = (("rl", "n"), ("rn", "m"), ("cl", "d"), ("vv", "w"), ("ll", "u"), ("lc", "k"))
_MULTI_VARIANTS = (
    (),
    (("ii", "u"), ("ri", "n"), ("rn", "m"), ("cl", "d"), ("vv", "w"), ("li", "h"), ("lc", "k")),
    (("lc", "k"), ("li", "h"), ("rn", "m"), ("cl", "d"), ("vv", "w"), ("ri", "n"), ("ii", "u")),
)
_CONFUSABLE = str.maketrans(
    {
        "0": "o", "1": "l", "|": "l", "!": "l", "i": "l", "4": "a", "@": "a", "5": "s",
        "$": "s", "8": "h", "6": "h", "y": "v", "e": "c", "b": "h",
    }
)  # fmt: skip
#: Single OCR confusions, both ways, for :meth:`NameCorrector._confusion_of_word`.
_ONE_CONFUSIONS = tuple(sorted(
    {
        pair
        for a, b in (
            *((chr(k), v) for k, v in _CONFUSABLE.items()), *_MULTI, *_MULTI_AFTER,
        )
        for pair in ((a, b), (b, a))
    }
))
_NOT_NAME_CHAR = re.compile(r"[^\w@|$!]", re.UNICODE)
_NOT_NAME_CHAR_OR_NEWLINE = re.compile(r"[^\w@|$!\n]", re.UNICODE)
_LEAD = re.compile(r"^[^\w@|$]+", re.UNICODE)
_TRAIL = re.compile(r"[^\w@|$]+$", re.UNICODE)
_POSSESSIVE = ("'s", "’s", "'S", "’S")
_LETTER_LIKE = re.compile(r"[^\W\d_]|[0-9@|$!]", re.UNICODE)  # letters and stand-ins for them
_HYPHENS = ("-", "\u2010", "\u00ad", "\u00ac")  # hyphen, Unicode hyphen, soft hyphen, not sign
#: Digits that OCR reads for capitals ("NAT0").
_DIGIT_LETTERS = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B"})
_COMPOUND_SEP = re.compile(r"[-/:\u2010]")
_COMPOUND_PIECE = re.compile(r"[^-/:\u2010]+")
_GLUED_INITIALS = re.compile(r"([A-Z]{1,3})([A-Z][a-z][\w'’-]+)")
#: A capitalised name with a particle or in two parts: "O'Neal", "McFarlane", "Smith-Jones".
_CAPITALISED_NAME = re.compile(r"(?:O['’]|D['’]|Mc|Mac)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
#: Words that start sentences and are never surnames.
_FUNCTION_WORDS = frozenset(
    """
    the a an and or but of in on at to for from by with as he she it we they i you his her
    its our their this that these those there then when while if so not no yes after before
    """.split()
)
#: Words in capitals in CIA and FBI records that are no surnames: handling caveats and
#: sensitivity indicators, and acronyms of commands and bodies (lowercase).
_AGENCY_NOT_NAMES = frozenset(
    """
    noforn nodis exdis limdis wnintel rybat orcon propin nocontract sensind kapok slinc
    roger routine priority immediate flash secret confidential unclassified sensitive
    saceur cincpac cinclant cinceur uscinceur cincsouth unesco unicef norad shape
    """.split()
)
#: Titles after which a capitalised word not in the gazetteer is taken for a person's name.
PERSON_TITLES = frozenset(
    """
    president secretary ambassador minister mr mr. mrs mrs. ms ms. miss dr dr. admiral adm
    vadm radm marshal chairman senator sen congressman congresswoman representative rep
    governor gov premier colonel col lt lieutenant captain capt major maj general gen
    sergeant sgt commander cmdr comrade academician professor prof counselor counsellor
    director undersecretary judge justice mayor chancellor consul envoy spokesman interpreter
    """.split()
)
#: Capitalised words before a surname that are no given names (dictionary words aside).
_NOT_GIVEN = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    """.split()
)
#: Endings of the adjectives of peoples and places ("American", "British", "Chinese").
_PEOPLES_ENDINGS = ("an", "ish", "ese", "ic", "ch")
#: Name particles that a capital follows inside a real name ("McFarlane", "MacArthur").
_PARTICLES = frozenset(
    "mc mac de di da du la le van von der del della st fitz ter ben al el o".split()
)


def skeleton(text: str) -> str:
    """The OCR skeleton of a word: casefolded, confusable characters merged, punctuation dropped.

    Two words with the same skeleton differ only by case and known OCR confusions
    ("Gorbachey", "G0rbachev", "Gorbacliev" and "Gorbachev" share one).
    """
    return _skeleton(text, _MULTI)


def skeletons(text: str) -> tuple[str, ...]:
    """The skeletons a damaged word may have, the first being :func:`skeleton`.

    Where confusions overlap ("PowelI": I/l or li/h? "Liianda": li/h or ii/u?) each reading
    is tried.
    """
    out = [_skeleton(text, _MULTI)]
    for rules in _MULTI_VARIANTS:
        v = _skeleton(text, rules)
        if v not in out:
            out.append(v)
    return tuple(out)


def skeleton_many(words: Sequence[str]) -> list[str]:
    """:func:`skeleton` of many words at once (one pass over their joined text: fast)."""
    s = "\n".join(words).casefold()
    if not s.replace("\n", "").isalpha():
        s = _NOT_NAME_CHAR_OR_NEWLINE.sub("", s).replace("_", "")
    for a, b in _MULTI:
        s = s.replace(a, b)
    s = s.translate(_CONFUSABLE)
    for a, b in _MULTI_AFTER:
        s = s.replace(a, b)
    return s.split("\n") if words else []


def _skeleton(text: str, rules: tuple[tuple[str, str], ...]) -> str:
    s = text.casefold()
    if not s.isalpha():
        s = _NOT_NAME_CHAR.sub("", s).replace("_", "")
    for a, b in rules:
        if a in s:
            s = s.replace(a, b)
    s = s.translate(_CONFUSABLE)
    for a, b in _MULTI_AFTER:
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
    return text[:start], text[start:end], text[end:]


@lru_cache(maxsize=1)
def _word_list() -> tuple[frozenset[str], frozenset[str]]:
    """``data/words.txt``: (lowercase dictionary words, capitalised proper words lowercased)."""
    entries = _entries(WORDS_PATH)
    lower = frozenset(w for w in entries if w.islower())
    proper = frozenset(w.lower() for w in entries if not w.islower())
    return lower, proper


@lru_cache(maxsize=1)
def _british_words() -> frozenset[str]:
    """``data/words-british.txt``: the British spellings American has not (lowercased).

    Known words, never changed, but never mended into: "defence" stays as typed in a
    document that also types "defense".
    """
    return frozenset(w.lower() for w in _entries(BRITISH_PATH))


def _entries(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return [w for w in f.read().split("\n") if w and not w.startswith("#")]


def english_words() -> frozenset[str]:
    """The English dictionary words shipped in ``data/words.txt`` (lowercase)."""
    return _word_list()[0]


def protected_words(forms: Iterable[str]) -> frozenset[str]:
    """Words never changed into a name (lowercase).

    The dictionary words, and the proper words ("american", "monday") and British spellings
    except those that are one-word forms of the gazetteer.
    """
    lower, proper = _word_list()
    names = {f.lower() for f in forms if " " not in f}
    return known_words() if not names else lower | ((proper | _british_words()) - names)


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Every word of the word lists, dictionary and proper words and British spellings alike.

    Lowercase. One set for every stage that asks "is this a word?" (a set of 130,000 words
    takes some 20 ms to build: built once, not once per stage).
    """
    lower, proper = _word_list()
    return lower | proper | _british_words()


@lru_cache(maxsize=1)
def dictionary_skeletons() -> dict[str, str]:
    """The skeleton of every lowercase dictionary word of MIN_LETTERS - 1 letters or more.

    Computed once for the name corrector and the OCR-slip mender (slips) alike: one pass
    over 100,000 words takes some 60 ms.
    """
    lower = [w for w in _word_list()[0] if len(w) >= MIN_LETTERS - 1]
    return dict(zip(lower, skeleton_many(lower), strict=True))


@lru_cache(maxsize=1)
def _word_skeletons() -> tuple[frozenset[str], frozenset[str]]:
    """Skeletons of the listed words: (all of them, the lowercase dictionary words')."""
    proper = _word_list()[1]
    small = MIN_LETTERS - 1
    lower_skels = frozenset(dictionary_skeletons().values())
    return lower_skels | set(skeleton_many([w for w in proper if len(w) >= small])), lower_skels


@lru_cache(maxsize=1)
def _english_by_length() -> dict[int, tuple[str, ...]]:
    by_length: dict[int, list[str]] = {}
    for word in english_words():
        by_length.setdefault(len(word), []).append(word)
    return {n: tuple(words) for n, words in by_length.items()}


def _near_english_word(fold: str) -> bool:
    """Whether a dictionary word is one edit from `fold` (a few ms: for rare questions)."""
    by_length = _english_by_length()
    return any(
        process.extractOne(fold, by_length.get(n, ()), scorer=Levenshtein.distance,
                           score_cutoff=1) is not None
        for n in (len(fold) - 1, len(fold), len(fold) + 1)
    )


def cryptonym(word: str) -> bool:
    """A word shaped as a CIA cryptonym: in capitals, a digraph and an English word.

    "AMLASH", "ZRRIFLE", "MHAPRON", "YOBITE": two letters, then a word of the list of four
    letters or more; of four letters only when the word's first three letters begin no word
    of the list, so that a name that starts as English words do is none ("CHAYES" is no "CH"
    + "ayes"). Whether the record is one that uses cryptonyms is for the caller to say.
    """
    if not (word.isalpha() and word.isupper()):
        return False
    fold = word.casefold()
    rest = fold[2:]
    return len(rest) >= 4 and rest in english_words() and (
        len(rest) >= 5 or fold[:3] not in _word_starts()
    )


@lru_cache(maxsize=1)
def _word_starts() -> frozenset[str]:
    """The first three letters of the dictionary words."""
    return frozenset(w[:3] for w in english_words() if len(w) >= 3)


def min_score(letters: int) -> float | None:
    """The score a correction into a form of ``letters`` letters needs; None: never."""
    if letters < MIN_LETTERS:
        return None
    return MIN_SCORE.get(letters, MIN_SCORE_LONG)


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
    fold: str = ""  # core, casefolded, without a final period
    plausible: bool | None = None  # cached NameCorrector._plausible(core)
    starts: bool = False  # may start a multi-word form (exactly or damaged)
    ends: bool = False  # may end one
    joins: bool = False  # joined with the next word it may be a word of a form


@dataclass(frozen=True)
class _VWord:
    """A word of a candidate span: one token, or two joined (a split or a hyphenation)."""

    first: int  # token index
    last: int  # token index; first + 1 when joined
    text: str  # as it reads inside a span
    head: str  # without leading punctuation (as the first word of a span)
    core: str  # the name candidate (as the last word of a span)
    suffix: str
    joined: str | None = None  # "split" or "hyphen"


@dataclass
class _Hit:
    """The reading of a damaged string: the forms tied at the best score, their entities."""

    ties: dict[str, str]  # entity id -> form, for every entity within MARGIN of the best
    score: float
    candidates: tuple[str, ...]
    cost: float = 0.0  # edit cost of the best reading

    @property
    def forms(self) -> set[str]:
        return set(self.ties.values())

    @property
    def review(self) -> bool:
        return len(self.ties) > 1


@dataclass
class _Found:
    """A stage's result: the mention, the words it used, the corrections of a tie.

    For a tie, ``pending`` holds the correction each tied entity would get, for the document
    to decide.
    """

    mention: Mention
    used: int
    pending: dict[str, str | None] = field(default_factory=dict)
    short: bool = False  # a short name with one slip: corrected only if the document supports it


class NameCorrector:
    """Finds and corrects gazetteer names; build once (indexes), then call for many documents."""

    def __init__(self, gazetteer: Gazetteer, *, correct: bool = True) -> None:
        self.gazetteer = gazetteer
        self.correct = correct
        with paused_gc():  # a few hundred thousand small objects and no cycles
            self._build(gazetteer)

    def _build(self, gazetteer: Gazetteer) -> None:
        """Every index, once (see Speed in the module docstring)."""
        self._types = {e.id: e.type for e in gazetteer.entities.values()}

        self._exact: dict[str, tuple[str, ...]] = gazetteer.ids_by_form()  # form -> entity ids
        self.words = protected_words(self._exact)
        self._word_skels, self._lower_skels = _word_skeletons()
        self._upper = {f.upper(): ids for f, ids in self._exact.items()}
        if len(self._upper) != len(self._exact):  # forms that differ only by case
            for f, ids in self._exact.items():
                key = f.upper()
                before = self._upper[key]
                if before != ids:
                    self._upper[key] = tuple(dict.fromkeys(before + ids))

        # Built pass by pass with comprehensions rather than one loop doing everything per
        # form: at 100,000 entries (250,000 forms, most of several words) that halves the time.
        forms = list(self._exact)
        multi = [f for f in forms if " " in f]
        split = [tuple(f.split(" ")) for f in multi]  # kept in _multi: nothing to free
        distinct = {w for words in split for w in words}
        distinct.update(f for f in forms if " " not in f)
        ordered = list(distinct)
        word_skel = dict(zip(ordered, skeleton_many(ordered), strict=True))
        self._word_skel_set = set(word_skel.values())  # skeletons of the words of all forms

        # Multi-word forms: the words that can start one, and the forms by first and last word.
        self._multi = list(zip(multi, split, strict=True))
        counts = [len(words) for words in split]
        firsts = [words[0] for words in split]
        lasts = [words[-1] for words in split]
        first_folds = [w.casefold().rstrip(".") for w in firsts]
        last_folds = [w.casefold().rstrip(".") for w in lasts]
        self._maxk = max(counts, default=1)
        self._starts = set(firsts)
        self._starts.update([w.upper() for w in self._starts])
        self._first_keys = set(zip(counts, first_folds))  # (words, first word casefolded)
        self._last_keys = set(zip(counts, last_folds))  # (words, last word casefolded)
        self._first_folds = set(first_folds)
        self._last_folds = set(last_folds)
        # (words, first word, last word), casefolded -> forms: a damaged multi-word form is
        # found from its exact end word and the fuzzy candidates for its damaged end word.
        by_ends: dict[tuple[int, str, str], list[int]] = {}
        get_ends = by_ends.get
        for n, ends in enumerate(zip(counts, first_folds, last_folds)):
            group = get_ends(ends)
            if group is None:
                by_ends[ends] = [n]
            else:
                group.append(n)
        self._by_ends = by_ends
        # The words of multi-word forms by skeleton halves, for their damaged end words.
        end_skel = dict(zip(first_folds, [word_skel[w] for w in firsts], strict=True))
        end_skel.update(zip(last_folds, [word_skel[w] for w in lasts], strict=True))
        self._end_words: dict[str, list[str]] = {}
        get_end = self._end_words.get
        for word, skel in end_skel.items():
            if len(word) >= MIN_LETTERS:
                for key in _halves(skel):
                    words_held = get_end(key)
                    if words_held is None:
                        self._end_words[key] = [word]
                    else:
                        words_held.append(word)

        # Fuzzy index: each one-word form by the two halves of its skeleton (with its length),
        # -> form numbers (an int, or a list when several share the key). A word one edit
        # away (a substitution, an extra or a missing letter) still has one half intact.
        # Multi-word forms are indexed by their whole skeleton (the words' joined) only.
        skel_word = word_skel.__getitem__
        skel_of = dict(zip(multi, ["".join(map(skel_word, words)) for words in split], strict=True))
        self._form_skels = set(skel_of.values())
        self._form_skels.update([word_skel[f] for f in forms if " " not in f])
        self._form_list = [
            f for f in forms if len(f) >= 2 * MIN_LETTERS or sum(map(str.isalpha, f)) >= MIN_LETTERS
        ]
        self._form_skel = [skel_of[f] if " " in f else word_skel[f] for f in self._form_list]
        form_skel = self._form_skel
        self._joined: dict[str, int | list[int]] = {}  # as the index: an int or a list
        get_joined = self._joined.get
        for i in [i for i, f in enumerate(self._form_list) if " " in f]:
            skel = form_skel[i]
            held = get_joined(skel)
            if held is None:
                self._joined[skel] = i
            elif isinstance(held, int):
                self._joined[skel] = [held, i]
            else:
                held.append(i)
        singles = [i for i, f in enumerate(self._form_list) if " " not in f]
        skels = [form_skel[i] for i in singles]
        keys = [f"{len(k)}<{k[: len(k) // 2]}" for k in skels]  # _halves, first and second
        keys += [f"{len(k)}>{k[len(k) // 2 :]}" for k in skels]
        index: dict[str, int | list[int]] = {}
        get_index = index.get
        for key, i in zip(keys, singles + singles, strict=True):
            held = get_index(key)
            if held is None:
                index[key] = i
            elif isinstance(held, int):
                index[key] = [held, i]
            else:
                held.append(i)
        self._index = index

    # -- public --------------------------------------------------------------------------

    def find_mentions(self, pages: Sequence[Page]) -> list[Mention]:
        """Every gazetteer name in a document (pages in order), in document order."""
        toks = _tokens(pages)
        self._prepare(toks)
        found: list[_Found] = []
        i = 0
        mention_end = -1  # the word after the last mention found
        while i < len(toks):
            if toks[i].struck or not toks[i].core:
                i += 1
                continue
            hit = self._spans(toks, i)
            if hit is None:
                parts = self._compound(toks, i)
                if parts:
                    found.extend(parts)
                    i += 1
                    mention_end = i
                    continue
            hit = (
                hit
                or self._word(toks, i)
                or self._joined_damaged(toks, i)
                or self._single(toks, i)
                or self._merged(toks, i)
            )
            if hit is None:
                i += 1
                continue
            found.append(self._someone_else(toks, i, hit, i == mention_end))
            i += hit.used
            mention_end = i
        mentions = self._resolve_in_context(found)
        mentions = self._unknown_names(toks, mentions)
        if not self.correct:
            mentions = [m if m.corrected is None else replace(m, corrected=None) for m in mentions]
        return mentions

    # -- spans -----------------------------------------------------------------------------

    def _prepare(self, toks: list[_Tok]) -> None:
        """Per-word flags that let most words skip the span search."""
        for k, t in enumerate(toks):
            head = t.text[len(t.prefix) :]
            t.starts = head in self._starts or t.fold in self._first_folds
            t.ends = t.fold in self._last_folds
            if k + 1 < len(toks) and self._joinable(toks, k):
                joined = t.core + toks[k + 1].core
                t.joins = any(v in self._word_skel_set for v in skeletons(joined))

    def _may_span(self, toks: list[_Tok], i: int) -> bool:
        """Could a span of two or more words, or a joined pair, start here?"""
        if toks[i].starts or toks[i].joins:
            return True
        if not self._tok_plausible(toks[i]) and not self._given_stub(toks[i]):
            return False  # the first word of a form: exact (starts), joined, or damaged
        for j in range(i + 1, min(len(toks), i + self._maxk)):
            t = toks[j]
            if t.ends or t.joins:
                return True
            if t.suffix not in ("", ".") and t.suffix not in _HYPHENS:
                return False
        return False

    def _spans(self, toks: list[_Tok], i: int) -> _Found | None:
        """Exact spans, spans with one pair joined, damaged multi-word forms.

        Of those found here, the one covering the most words wins; on equal cover, in that
        order.
        """
        if not self._may_span(toks, i):
            t = toks[i]
            hit = self._exact_hit(t.core, t.suffix)
            if hit is None:
                return None
            return self._tag(toks, i, i, hit[0], t.core + ("." if hit[1] else ""))
        plain = self._vwords(toks, i, None)
        variants = self._join_variants(toks, i)
        options: list[tuple[int, int, _Found]] = []  # tokens covered, priority, result
        exact = self._exact_in(plain)
        if exact is not None:
            n, ids, period = exact
            found = self._tag_span(toks, plain[:n], ids, period)
            options.append((found.used, 3, found))
        for words in variants:
            joined = self._exact_in(words, need=_joined_index(words))
            if joined is not None:
                n, ids, period = joined
                found = self._joined_exact(toks, words[:n], ids, period)
                options.append((found.used, 2, found))
                break
        damaged = self._damaged_in(toks, [plain, *variants])
        if damaged is not None:
            words, n, reading = damaged
            found = self._correction(toks, words[0].first, words[n - 1].last, reading, None)
            options.append((found.used, 1, found))
        if not options:
            return None
        return max(options, key=lambda o: (o[0], o[1]))[2]

    def _vwords(
        self, toks: list[_Tok], i: int, join: int | None, first: str | None = None
    ) -> list[_VWord]:
        """Up to maxk words from token i, the pair (join, join + 1) joined.

        ``first`` replaces the first word's text (the name part of a merged word).
        """
        out: list[_VWord] = []
        k = i
        page = toks[i].ref.page
        while k < len(toks) and len(out) < self._maxk:
            t = toks[k]
            if t.struck or t.ref.page != page:
                break
            if join == k:
                u = toks[k + 1]
                kind = "hyphen" if t.suffix in _HYPHENS else "split"
                body = t.text[: len(t.text) - len(t.suffix)] + u.text
                out.append(
                    _VWord(k, k + 1, body, body[len(t.prefix) :], t.core + u.core, u.suffix, kind)
                )
                k += 2
                continue
            if k == i and first is not None:
                out.append(_VWord(k, k, first + t.suffix, first + t.suffix, first, t.suffix))
            else:
                out.append(_VWord(k, k, t.text, t.text[len(t.prefix) :], t.core, t.suffix))
            k += 1
        return out

    def _join_variants(self, toks: list[_Tok], i: int) -> list[list[_VWord]]:
        """The word sequences from i with one split or hyphenated pair joined."""
        out = []
        for p in range(i, min(len(toks) - 1, i + self._maxk)):
            if toks[p].joins:
                out.append(self._vwords(toks, i, p))
            if toks[p].suffix not in ("", ".") and toks[p].suffix not in _HYPHENS:
                break  # a span does not go past punctuation
        return out

    def _joinable(self, toks: list[_Tok], p: int) -> bool:
        """Tokens p and p+1 may be one word split by OCR ("Dubin in") or by a line end."""
        a, b = toks[p], toks[p + 1]
        if a.struck or b.struck or not a.core or not b.core or b.prefix:
            return False
        if len(_LETTER_LIKE.findall(b.core)) != len(b.core):
            return False
        if a.suffix in _HYPHENS and a.line_end and b.line_start:
            if b.ref.page not in (a.ref.page, a.ref.page + 1):
                return False
        elif a.suffix or a.line != b.line:
            return False
        elif not (
            a.core[:1].isupper() and (b.core.islower() or (_is_caps(a.core) and _is_caps(b.core)))
        ):
            return False
        return not (self._is_exact(a.core) or self._is_exact(b.core))

    def _exact_in(
        self, words: list[_VWord], need: int | None = None
    ) -> tuple[int, tuple[str, ...], bool] | None:
        """The longest exact form at the start of ``words``: (words used, ids, took a period).

        ``need``: the form must include the word at this index (a joined word).
        """
        if not words:
            return None
        lowest = 1 if need is None else need + 1
        first = words[0]
        longest = len(words) if (first.head in self._starts or first.core in self._starts) else 1
        for n in range(longest, lowest - 1, -1):
            hit = self._exact_hit(_span_text(words, n), words[n - 1].suffix)
            if hit is not None:
                return n, hit[0], hit[1]
        return None

    def _damaged_in(
        self, toks: list[_Tok], variants: list[list[_VWord]]
    ) -> tuple[list[_VWord], int, _Hit] | None:
        """The best multi-word form with damaged words among the sequences."""
        results: list[tuple[float, int, int, int]] = []  # score, words, form, variant
        for v, words in enumerate(variants):
            stub = words[0].joined is None and self._given_stub(toks[words[0].first])
            damaged = (
                any(w.joined for w in words[:1]) or self._vplausible(toks, words[0]) or stub
            )
            for n in range(2, len(words) + 1):
                last = words[n - 1]
                damaged = damaged or last.joined is not None or self._vplausible(toks, last)
                if not damaged:
                    continue
                first_fold = words[0].core.casefold().rstrip(".")
                last_fold = last.core.casefold().rstrip(".")
                first_known = (n, first_fold) in self._first_keys
                last_known = (n, last_fold) in self._last_keys
                if not first_known and not last_known:
                    continue
                if not _clean_run(words[:n]):
                    break
                group: list[int] = []
                if first_known and last_known:
                    group += self._by_ends.get((n, first_fold, last_fold), ())
                if first_known and (last.joined or self._vplausible(toks, last)):
                    for word in self._near_end_words(last.core):
                        group += self._by_ends.get((n, first_fold, word), ())
                if last_known and (words[0].joined or self._vplausible(toks, words[0]) or stub):
                    for word in self._near_end_words(words[0].core):
                        group += self._by_ends.get((n, word, last_fold), ())
                for m in dict.fromkeys(group):
                    score = self._span_score(toks, words[:n], self._multi[m][1])
                    if score is not None:
                        results.append((score, n, m, v))
        if not results:
            return None
        results.sort(key=lambda r: (-r[0], -r[1], r[2], r[3]))
        score, n, m, v = results[0]
        ties: dict[str, str] = {}
        for s, _n, other, _v in results:
            if score - s < MARGIN:
                form = self._multi[other][0]
                for entity_id in self._exact[form]:
                    ties.setdefault(entity_id, form)
        candidates = tuple(
            dict.fromkeys(x for r in results for x in self._exact[self._multi[r[2]][0]])
        )
        return variants[v], n, _Hit(ties, score, candidates[:MAX_CANDIDATES])

    def _near_end_words(self, core: str) -> set[str]:
        """First or last words of multi-word forms one edit (in skeleton) from ``core``."""
        out: set[str] = set()
        for skel in skeletons(core):
            for key in skel and _probes(skel):
                out.update(self._end_words.get(key, ()))
        return out

    def _span_score(
        self, toks: list[_Tok], words: list[_VWord], form: tuple[str, ...]
    ) -> float | None:
        cost = 0.0
        length = 0
        exact = damaged = 0
        slip = False  # a short word with one slip, the other words of the form its context
        for k, (w, want) in enumerate(zip(words, form, strict=True)):
            if want.endswith(".") and w.suffix.startswith("."):
                want = want[:-1]
            length += len(want)
            extra = SPLIT_COST if w.joined == "split" else 0.0
            if w.core == want or (w.core.isupper() and w.core == want.upper()):
                if extra:
                    damaged += 1
                    cost += extra
                elif w.joined is None:
                    exact += 1
                continue
            if w.joined is None:
                if not self._vplausible(toks, w) and not (
                    k == 0 and self._given_stub(toks[w.first])
                    and skeleton(want) in skeletons(w.core)
                ):
                    return None
                if (
                    self._ordinary_damaged(w.core) and skeleton(want) not in skeletons(w.core)
                    and not self._short_slip(toks, w, want, k == len(words) - 1)
                ):
                    return None
            elif skeleton(want) not in skeletons(w.core) or not self._plausible(w.core):
                return None  # a joined word may differ from the form by case and confusions only
            floor = min_score(sum(map(str.isalpha, want)))
            if floor is None:
                return None
            c = _cost(w.core, want)
            if _lowercase(w.core):
                if skeleton(want) not in skeletons(w.core):
                    return None
                floor = max(floor, MIN_SCORE_LOWERCASE)
            if 100.0 * (1.0 - c / max(len(w.core), len(want))) < floor:
                if c > 1.0 or not self._short_slip(toks, w, want, k == len(words) - 1):
                    return None
                slip = True
            elif self._ordinary_damaged(w.core) and skeleton(want) not in skeletons(w.core):
                if not self._short_slip(toks, w, want, k == len(words) - 1):
                    return None
                slip = True  # "Jackk Matlock": only with the other words exact
            cost += c + extra
            damaged += 1
        if damaged == 0 or exact == 0 or (slip and exact != len(words) - 1):
            return None
        score = 100.0 * (1.0 - cost / max(length, 1))
        return score if score >= MIN_SCORE_LONG else None

    def _given_stub(self, t: _Tok) -> bool:
        """A 3-letter capitalised word that may be a damaged given name ("Yun" for Yuri)."""
        w = t.core
        return (
            len(w) == MIN_LETTERS - 1 and not t.struck and w.isalpha() and w[0].isupper()
            and w[1:].islower() and w.lower() not in self.words and not _is_title(w)
        )

    def _short_slip(self, toks: list[_Tok], w: _VWord, want: str, last: bool) -> bool:
        """A short word of a multi-word form with one slip, the form's other words exact.

        "Joht Whitehead", "Howard Baaker", "Middle Eaast": the exact words are the context
        that the rule for short names asks for (the caller checks that they are exact and
        that the slip costs one edit). The word may not be a word of another form in the
        same place ("Yuli" is not a slip for "Yuri", "Bakes" no slip for "Baker"), nor an
        English word, nor, where a sentence may start, one confusion from an English word
        ("Coln" may be "Coin"; inside a sentence "Ambassador Yurn Dubinin" is no "yum", and a
        proper word is no bar: "Coliin Powell" is no damaged "Collin").
        """
        core = w.core
        folds = self._last_folds if last else self._first_folds
        return (
            w.joined is None and MIN_LETTERS <= len(want) <= SHORT_MAX
            and core.isalpha() and core[:1].isupper() and core.casefold() not in folds
            and core.lower() not in self.words
            and not (
                self._sentence_start(toks, w.first)
                and self._confusion_of_word(core, english_words())
            )
        )

    @cached_property
    def _proper_words(self) -> frozenset[str]:
        """The listed words that are capitalised: names that are not forms ("Collin")."""
        return self.words - english_words()

    @staticmethod
    def _sentence_start(toks: list[_Tok], i: int) -> bool:
        """Word i may be capitalised for its place: first, or after a sentence or a label.

        Not after a title or an initial ("Mr. Bakr", "J. Bakr").
        """
        if i == 0:
            return True
        before = toks[i - 1]
        if before.suffix[-1:] not in (".", "!", "?", ":", ";"):
            return False
        return not (_is_title(before.core) or _initial(before))

    def _confusion_of_word(self, core: str, words: frozenset[str] | None = None) -> bool:
        """A listed word (of ``words``) is one OCR confusion from ``core`` ("Bcgan", "began").

        Narrower than :meth:`_ordinary_damaged`, whose skeletons chain confusions ("Bakr"
        shares a skeleton with "baler" through e/c and then lc/k): used where the context
        already supports a name.
        """
        low = core.lower()
        if words is None:
            words = self.words
        for p in range(len(low)):
            for a, b in _ONE_CONFUSIONS:
                if low.startswith(a, p) and low[:p] + b + low[p + len(a) :] in words:
                    return True
        return False

    def _vplausible(self, toks: list[_Tok], w: _VWord) -> bool:
        return w.joined is None and self._tok_plausible(toks[w.first])

    # -- one word ----------------------------------------------------------------------------

    def _word(self, toks: list[_Tok], i: int) -> _Found | None:
        """A name inside one word: a plural or lost apostrophe, a compound, glued initials."""
        first = toks[i]
        core = first.core
        # "Reagans", "Dubinins": the name is tagged, nothing is changed.
        if len(core) > 4 and core.endswith("s") and core[:1].isupper():
            base = core[:-1]
            hit = self._exact_hit(base, "")
            if (
                hit is not None and core.lower() not in self.words and len(base) > 3
                and not base.endswith(("s", "S"))  # "Rosss" is no plural of Ross
            ):
                return self._tag(toks, i, i, hit[0], base)
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
        """Ids of an exact form (as written, or in capitals), and whether it took a period.

        The period is the one that follows ``text``: "U.S" + "." is the form "U.S.".
        """
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

    def _joined_damaged(self, toks: list[_Tok], i: int) -> _Found | None:
        """A damaged word that is also split or hyphenated: "Gorba-" / "chey", "Gorba chey"."""
        if i + 1 >= len(toks) or not self._joinable(toks, i):
            return None
        a, b = toks[i], toks[i + 1]
        joined = a.core + b.core
        if not a.core[:1].isupper() or not self._changeable(joined):
            return None
        hyphen = a.suffix in _HYPHENS
        if not hyphen and a.core.lower() in self.words and b.core.lower() in self.words:
            return None
        result = self._fuzzy(joined)
        if result is None or self._word_closer(joined, result):
            return None
        if not hyphen:
            result.score -= SPLIT_COST * 100.0 / max(len(joined), 1)
            if result.score < MIN_SPLIT_SCORE:
                return None
            alone = self._fuzzy(a.core) if self._tok_changeable(a) else None
            if alone is not None and alone.score >= result.score:
                return None
        return self._correction(toks, i, i + 1, result, joined)

    def _single(self, toks: list[_Tok], i: int) -> _Found | None:
        """One damaged word: confusions, case, an extra or missing letter."""
        t = toks[i]
        if t.core[:1].isupper() and any(c in "0158" for c in t.core):
            found = self._digits_in_capitals(toks, i)
            if found is not None:
                return found
        if not self._tok_changeable(t) or self._part_of_word(toks, i):
            if t.struck or self._part_of_word(toks, i):
                return None
            if self._tok_plausible(t):  # "Genev@s" reads like "Genevas"
                found = self._glued_suffix(toks, i)
                if found is not None:
                    return found
            return self._short(toks, i, t.core)  # "Bakr", "BNSH": their own guards
        lowercase = _lowercase(t.core)
        if lowercase and (
            len(t.core) < MIN_LETTERS_LOWERCASE
            or any(v in self._lower_skels for v in skeletons(t.core))
        ):
            return None  # lowercase and shaped like an ordinary word ("g@tes" is "gates")
        result = self._fuzzy(t.core, lowercase=lowercase)
        if result is None:
            if lowercase:
                return None
            return self._short(toks, i, t.core) or self._glued_suffix(toks, i)
        if self._word_closer(t.core, result):
            return None
        if t.core.endswith(("s", "S")) and result.cost >= TRAILING_COST:
            glued = self._glued_suffix(toks, i)  # "Gorb4chevs": Gorbachevs, not Gorbachev
            if glued is not None:
                return glued
        return self._correction(toks, i, i, result, t.core)

    def _digits_in_capitals(self, toks: list[_Tok], i: int) -> _Found | None:
        """An acronym or a word in capitals with digits for letters: "NAT0", "NAT0S", "U5SR".

        Too short for fuzzy matching (acronyms are exact only), but a digit read for the
        letter it looks like, everything else exact, is safe to restore.
        """
        t = toks[i]
        if t.struck:
            return None
        fixed = self._digit_fix(t.core)
        if fixed is None:
            return None
        source, text, ids = fixed
        result = _Hit(dict.fromkeys(ids, text), SPACING_SCORE, ids)
        return self._correction(toks, i, i, result, None, piece=source)

    def _digit_fix(self, core: str) -> tuple[str, str, tuple[str, ...]] | None:
        """(the damaged part, the form, its ids) for a word in capitals with digits."""
        if not core.isupper() or core.isdigit() or sum(map(str.isalpha, core)) < 2:
            return None
        fixed = core.translate(_DIGIT_LETTERS)
        if fixed == core or not fixed.isalpha():
            return None
        text = fixed
        hit = self._exact_hit(fixed, "")
        if hit is None and fixed.endswith("S") and len(fixed) > 3:
            text = fixed[:-1]
            hit = self._exact_hit(text, "")
        if hit is None or fixed.lower() in self.words:
            return None
        return core[: len(text)], text, hit[0]

    def _glued_suffix(self, toks: list[_Tok], i: int) -> _Found | None:
        """A damaged name with an "s" glued on (a plural, a lost apostrophe): "Dobryinins"."""
        t = toks[i]
        core = t.core
        if len(core) <= MIN_LETTERS or not core.endswith(("s", "S")) or _lowercase(core):
            return None
        base = core[:-1]
        if not self._changeable(base):
            return None
        result = self._fuzzy(base)
        if result is None or self._word_closer(base, result):
            return None
        return self._correction(toks, i, i, result, base, piece=base)

    def _compound(self, toks: list[_Tok], i: int) -> list[_Found] | None:
        """Names joined by a hyphen, slash or colon in one word: "Shulz/Gromyko", "U.S.-Soviet".

        Each part is matched on its own (exactly, glued initials, or damaged); the
        punctuation stays between the names. A word that is itself a hyphenated form, intact
        or damaged, is left to the other stages.
        """
        t = toks[i]
        core = t.core
        if t.struck or len(core) < 5 or not _COMPOUND_SEP.search(core, 1, len(core) - 1):
            return None
        pieces = [(m.start(), m.group()) for m in _COMPOUND_PIECE.finditer(core)]
        if not 2 <= len(pieces) <= 4:
            return None
        out: list[_Found] = []
        damaged: list[tuple[int, str]] = []
        for start, piece in pieces:
            offset = len(t.prefix) + start
            hit = self._exact_hit(piece, "") if len(piece) > 1 else None
            if hit is not None:
                found = self._tag(toks, i, i, hit[0], piece)
            elif (glued := self._initials(piece)) is not None:
                found = self._tag(toks, i, i, glued[0], glued[1])
                offset += len(piece) - len(glued[1])
            else:
                damaged.append((start, piece))
                continue
            found.mention = replace(found.mention, offset=offset)
            out.append(found)
        for start, piece in damaged:
            digits = self._digit_fix(piece)
            if digits is not None:
                ids = digits[2]
                restored = _Hit(dict.fromkeys(ids, digits[1]), SPACING_SCORE, ids)
                found = self._correction(toks, i, i, restored, None, piece=digits[0])
                found.mention = replace(found.mention, offset=len(t.prefix) + start)
                out.append(found)
                continue
            if _lowercase(piece) or not self._changeable(piece):
                continue
            if not out:  # no intact name beside it: is the whole word a hyphenated form?
                whole = self._fuzzy(core)
                if whole is not None and any(_COMPOUND_SEP.search(f) for f in whole.forms):
                    return None
            fuzzy = self._fuzzy(piece)
            if fuzzy is not None and not self._word_closer(piece, fuzzy):
                found = self._correction(toks, i, i, fuzzy, piece, piece=piece)
            else:
                short = self._short(toks, i, piece, compound=True)
                if short is None:
                    continue
                found = short
            found.mention = replace(found.mention, offset=len(t.prefix) + start)
            out.append(found)
        out.sort(key=lambda f: f.mention.offset or 0)
        return out or None

    def _short(
        self, toks: list[_Tok], i: int, core: str, *, compound: bool = False
    ) -> _Found | None:
        """A short name (4-5 letters) with one slip that is no OCR confusion: "Bnsh", "Bussh".

        Accepted only when the word is no English word, exactly one gazetteer name is one
        edit away, and the context supports it: a title or one of the person's given names
        or initials just before, or (decided over the whole document) the same person named
        exactly elsewhere, a participant included. Otherwise the word is for review; so is a
        word one OCR confusion from a listed word, whatever the context (SHORT_WORD_REASON).
        A word in capitals is taken only right after a title in capitals on its line, for one
        person; else nothing is done (no review).
        """
        if not 4 <= len(core) <= SHORT_MAX + 1 or not core.isalpha() or not core[0].isupper():
            return None
        caps = core.isupper()
        if not (core[1:].islower() or caps):
            return None
        if caps:  # a name in capitals after a title on its line ("SECRETARY BNSH"), nothing else:
            # short words in capitals are mostly acronyms, labels and damaged words ("FROME:"
            # is FROM with a stray E, not Rome); acronyms' own forms are skipped below
            if core.lower() in self.words or self._is_exact(core) or _is_title(core):
                return None
            before = toks[i - 1] if i > 0 else None
            if (
                before is None or before.line != toks[i].line or toks[i].suffix.startswith(":")
                or not (_is_title(before.core) and before.core.isupper())
            ):
                return None  # ("MEMORANDUM FOR THE PRESIDENT" / "FROME:")
        elif not self._plausible(core):
            return None
        # A word one confusion from a listed word may be that word damaged: for review only
        # ("Bakr" may be "baler"); inside a sentence, one from a proper word only ("Bater
        # said" is no "hater", "Mala" may be "Maia").
        word_like = self._confusion_of_word(
            core, None if self._sentence_start(toks, i) else self._proper_words
        )
        if caps and (word_like or compound):
            return None  # in capitals: corrected after a title, or nothing (see below)
        if re.search(r"(.)\1\1", core.casefold()):
            return None  # no name: "Meee", "Brrr"
        found: dict[str, str] = {}
        best = 2.0
        # The confusions alone as well: the full skeleton may chain them past the slip
        # ("Nieze": i/l and e/c make "lc", read as k, where Nitze has "lt").
        for skel in {*skeletons(core), core.casefold().translate(_CONFUSABLE)}:
            for key in _probes(skel):
                hits = self._index.get(key)
                if hits is None:
                    continue
                for n in (hits,) if isinstance(hits, int) else hits:
                    form = self._form_list[n]
                    if not MIN_LETTERS <= len(form) <= SHORT_MAX or not form.isalpha():
                        continue
                    if caps and form.isupper():
                        continue  # an acronym ("NATO") is matched exactly, never by a slip
                    cost = _cost(core, form)
                    if cost > 1.0:
                        continue
                    if cost < best - 1e-9:
                        best = cost
                        found = {}
                    if abs(cost - best) < 1e-9:
                        for entity_id in self._exact[form]:
                            found.setdefault(entity_id, form)
        if not found:
            return None
        score = 100.0 * (1.0 - best / max(len(core), *(len(f) for f in found.values())))
        hit = _Hit(found, score, tuple(found)[:MAX_CANDIDATES], best)
        if caps:  # the title before it, for one person, or nothing (no review, no document)
            backed = {e: f for e, f in found.items() if self._short_context(toks, i, e)}
            if len(backed) != 1:
                return None
            return self._correction(toks, i, i, replace(hit, ties=backed), core)
        if word_like:
            result = self._correction(toks, i, i, hit, core, piece=core if compound else None)
            result.mention = replace(
                result.mention, entity_id=None, corrected=None, review=True, cert=Cert.low,
                candidates=tuple(found)[:MAX_CANDIDATES], reason=SHORT_WORD_REASON,
            )
            result.pending = {}
            return result
        if hit.review and not compound:  # "Howard Baaker": his given name decides the tie
            backed = {e: f for e, f in found.items() if self._short_context(toks, i, e)}
            if len(backed) == 1:
                return self._correction(toks, i, i, replace(hit, ties=backed), core)
        if hit.review:
            result = self._correction(toks, i, i, hit, core, piece=core if compound else None)
            result.mention = replace(result.mention, reason=SHORT_REASON)
            return result
        entity_id = next(iter(found))
        if not compound and self._short_context(toks, i, entity_id):
            return self._correction(toks, i, i, hit, core)
        result = self._correction(toks, i, i, hit, core, piece=core if compound else None)
        m = result.mention
        result.pending = {entity_id: m.corrected}
        result.mention = replace(
            m, entity_id=None, corrected=None, review=True, cert=Cert.low,
            candidates=(entity_id,), reason=SHORT_REASON,
        )
        result.short = True
        return result

    def _short_context(self, toks: list[_Tok], i: int, entity_id: str) -> bool:
        """A title, or one of the person's given names or initials, just before word i."""
        if i == 0 or toks[i].prefix:
            return False
        before = toks[i - 1]
        if before.struck or before.suffix not in ("", "."):
            return False
        if self._types.get(entity_id) != "person":
            return False  # a title is a person's ("THE PRESIDENT FROME" is no Rome)
        if _is_title(before.core) and before.core[:1].isupper():
            return True
        own = self._given_initials(entity_id)
        if len(before.core) == 1 and before.core.isupper() and before.suffix == ".":
            return before.core in own
        if not before.core[:1].isupper() or not before.core[1:].islower():
            return False
        entity = self.gazetteer.entities[entity_id]
        given = {
            w.casefold()
            for form in entity.forms
            for w in form.replace(".", ". ").split()[:-1]
            if len(w) > 2
        }
        return before.core.casefold() in given

    def _part_of_word(self, toks: list[_Tok], i: int) -> bool:
        """The word and a neighbour make a listed word: a split ordinary word ("Americ an").

        Across a line-end hyphen also a listed word's plural ("Americ-" / "ans") or a listed
        word with OCR damage ("Americ-" / "@ns"); not across a space ("and Ress" is no plural
        of "Andres").
        """
        t = toks[i]
        if i + 1 < len(toks) and (not t.suffix or t.suffix in _HYPHENS):
            after = toks[i + 1]
            if not after.prefix and self._joins_word(t, t.core + after.core):
                return True
        if i > 0:
            p = toks[i - 1]
            if (not p.suffix or p.suffix in _HYPHENS) and not t.prefix:
                if self._joins_word(p, p.core + t.core):
                    return True
        return False

    def _joins_word(self, first: _Tok, joined: str) -> bool:
        """``joined``, ``first`` and the word after it, is a listed word (:meth:`_part_of_word`)."""
        low = joined.lower()
        if low in self.words:
            return True
        if first.suffix not in _HYPHENS:
            return False
        return (low.endswith("s") and low[:-1] in self.words) or self._ordinary_damaged(joined)

    def _merged(self, toks: list[_Tok], i: int) -> _Found | None:
        """A dictionary word or title glued to a name: "PresidentReagan"."""
        t = toks[i]
        core = t.core
        if len(core) < 6 or len(core) > MAX_MERGED or core.lower() in self.words:
            return None  # longer than a title glued to a name: not worth a quadratic search
        camel = [p for p in range(2, len(core) - 2) if core[p - 1].islower() and core[p].isupper()]
        points = camel or (list(range(2, len(core) - 3)) if _is_caps(core) else [])
        for p in points:
            head, rest = core[:p], core[p:]
            low = head.lower()
            if low in _PARTICLES or (low not in self.words and not _is_title(head)):
                continue
            # The name may go on in the next words: "AmbassadorJack Matlock".
            words = self._vwords(toks, i, None, first=rest)
            exact = self._exact_in(words)
            if exact is not None:
                n, ids, period = exact
                last = words[n - 1].last
                text = rest if n == 1 else _original(toks, i, last)[len(core) - len(rest) :]
                result = _Hit(
                    dict.fromkeys(ids, text + ("." if period else "")), SPACING_SCORE, ids
                )
                found = self._correction(toks, i, last, result, None)
                found.mention = replace(found.mention, slip="ocr")  # only a space lost
            elif camel and len(rest) >= MIN_LETTERS and self._changeable(rest):
                fuzzy = self._fuzzy(rest)
                if fuzzy is None or self._word_closer(rest, fuzzy):
                    continue
                found = self._correction(toks, i, i, fuzzy, rest)
            else:
                continue
            m = found.mention
            if m.corrected is not None:
                found.mention = replace(m, corrected=f"{head} {m.corrected}")
            found.pending = {k: f"{head} {v}" for k, v in found.pending.items() if v}
            return found
        return None

    # -- guards and matching -----------------------------------------------------------------

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
        """An ordinary word with OCR damage: its skeleton is a listed word's and no form's.

        In a multi-word form such a word may still be restored to the form's own word
        ("Whlte House" -> "White House").
        """
        variants = skeletons(core)
        if any(v in self._form_skels for v in variants):
            return False
        if len(core) > MIN_LETTERS and self._is_exact(core[:-1]):
            return False  # a name and one stray letter: "Perlee" is Perle, not "pence"
        return any(v in self._word_skels for v in variants)

    def _plausible(self, core: str) -> bool:
        if len(core) < MIN_LETTERS or self._is_exact(core):
            return False
        alpha = sum(map(str.isalpha, core))
        letters = len(_LETTER_LIKE.findall(core))
        if alpha < MIN_LETTERS - 1 or letters < len(core) - 1 or alpha < 0.7 * len(core):
            return False
        if core.lower() in self.words or _is_title(core):
            return False
        return not (_is_caps(core) and alpha <= ACRONYM_MAX)

    def _fuzzy(self, text: str, *, lowercase: bool = False) -> _Hit | None:
        """The forms that a damaged string most likely was, with their score."""
        variants = skeletons(text)
        if len(variants[0]) < MIN_LETTERS - 1:
            return None
        keys: set[str] = set()
        for skel in variants:
            keys.update(_probes(skel))
        found: set[int] = set()
        for key in keys:
            hits = self._index.get(key)
            if hits is None:
                continue
            if isinstance(hits, int):
                found.add(hits)
            else:
                found.update(hits)
        for skel in variants:
            joined = self._joined.get(skel)
            if isinstance(joined, int):
                found.add(joined)
            elif joined:
                found.update(joined)
        if not found:
            return None
        fold = text.casefold()
        scored: list[tuple[float, str, float]] = []
        rivals: list[tuple[float, str]] = []  # one slip away, below their own threshold
        for n in found:
            form = self._form_list[n]
            floor = min_score(sum(map(str.isalpha, form)))
            if floor is None:
                continue
            form_skel = self._form_skel[n]
            d_skel = min(Levenshtein.distance(v, form_skel, score_cutoff=2) for v in variants)
            if d_skel > 2:
                continue
            if lowercase:
                if d_skel:
                    continue
                floor = max(floor, MIN_SCORE_LOWERCASE)
            form_fold = form.casefold()
            d_plain = Levenshtein.distance(fold, form_fold)
            cost = _combine(d_plain, d_skel, abs(len(fold) - len(form_fold)))
            if d_plain == 1 and len(fold) == len(form_fold) + 1 and fold.startswith(form_fold):
                cost = min(cost, TRAILING_COST)
            score = 100.0 * (1.0 - cost / max(len(fold), len(form_fold)))
            if score >= floor:
                scored.append((score, form, cost))
            elif cost <= 1.0 and not lowercase:
                rivals.append((cost, form))
        if not scored:
            return None
        scored.sort(key=lambda x: (-x[0], x[1]))
        best, _form, best_cost = scored[0]
        ties: dict[str, str] = {}
        for score, form, _cost in scored:
            if best - score < MARGIN:
                for entity_id in self._exact[form]:
                    ties.setdefault(entity_id, form)
        if best_cost >= TRAILING_COST:
            # A form one slip away that its own (higher) threshold keeps out is still as
            # good a reading: "Reggan" is Regan as much as Reagan, "Bakur" Baker as much as
            # Baku. A tie, for the document to decide (or review).
            for _cost, form in sorted(rivals):
                for entity_id in self._exact[form]:
                    ties.setdefault(entity_id, form)
        candidates = tuple(dict.fromkeys(x for _s, f, _c in scored for x in self._exact[f]))
        return _Hit(ties, best, candidates[:MAX_CANDIDATES], best_cost)

    def _word_closer(self, core: str, hit: _Hit) -> bool:
        """A listed word or a title explains the damaged word as well as the name does.

        By one stray letter at the end ("Marshale" is "Marshal", not "Marshall"; "Marshali"
        is either) or one extra letter anywhere.
        """
        low = core.lower()
        names = {form.lower() for form in hit.forms}
        ends = {name[-1:] for name in names}
        if len(low) > MIN_LETTERS + 1 and (hit.cost >= TRAILING_COST or low[-1] not in ends):
            word = low[:-1]  # "Marshali": Marshal and a stray i, or Marshall misread
            if word not in names and (word in self.words or word in TITLES):
                return True
        if hit.cost >= 1.0:
            for k in range(len(low)):
                word = low[:k] + low[k + 1 :]
                if len(word) < MIN_LETTERS + 1 and word not in TITLES:
                    continue  # "Shulz" is Shultz, not the rare word "shul"
                if word not in names and (word in self.words or word in TITLES):
                    return True
        return False

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
        return _Found(mention, j - i + 1, dict.fromkeys(ids) if review else {})

    def _tag_span(
        self, toks: list[_Tok], words: list[_VWord], ids: tuple[str, ...], period: bool
    ) -> _Found:
        i, j = words[0].first, words[-1].last
        original = words[0].core if len(words) == 1 else _original(toks, i, j)
        return self._tag(toks, i, j, ids, original + ("." if period else ""))

    def _joined_exact(
        self, toks: list[_Tok], words: list[_VWord], ids: tuple[str, ...], period: bool
    ) -> _Found:
        """A form once a split or hyphenated pair is joined; a hyphenation alone is no error."""
        i, j = words[0].first, words[-1].last
        if all(w.joined != "split" for w in words):
            return self._tag(toks, i, j, ids, _original(toks, i, j) + ("." if period else ""))
        text = _span_text(words, len(words)) + ("." if period else "")
        hit = _Hit(dict.fromkeys(ids, text), SPACING_SCORE, ids)
        return self._correction(toks, i, j, hit, None)

    def _correction(
        self,
        toks: list[_Tok],
        i: int,
        j: int,
        hit: _Hit,
        source: str | None,
        piece: str | None = None,
    ) -> _Found:
        """A mention for a fuzzy hit: corrected, or for review when entities tie.

        ``piece``: the name is this part of the one word i (a compound, "Shulz/Gromyko").
        """
        if piece is not None:
            original = piece
        else:
            original = _original(toks, i, j, core=toks[i].core if i == j else None)
        style = source or original
        confs = [t.conf for t in toks[i : j + 1]]
        options = {e: _render(f, style) for e, f in hit.ties.items()}
        pending = {e: (None if c == original else c) for e, c in options.items()}
        first_id = next(iter(hit.ties))
        if hit.review:
            mention = Mention(
                first=toks[i].ref,
                last=toks[j].ref,
                entity_id=None,
                entity_type=self._types[first_id],
                original=original,
                corrected=None,
                score=round(hit.score, 1),
                cert=cert_for(hit.score, confs),
                review=True,
                candidates=tuple(dict.fromkeys([*hit.ties, *hit.candidates]))[:MAX_CANDIDATES],
            )
            return _Found(mention, j - i + 1, pending)
        corrected = pending[first_id]
        mention = Mention(
            first=toks[i].ref,
            last=toks[j].ref,
            entity_id=first_id,
            entity_type=self._types[first_id],
            original=original,
            corrected=corrected,
            score=round(hit.score, 1),
            cert=cert_for(hit.score, confs) if corrected else Cert.high,
            review=False,
            candidates=hit.candidates,
            slip=_slip(style, hit.ties[first_id], confs) if corrected else "ocr",
        )
        return _Found(mention, j - i + 1)

    def _someone_else(
        self, toks: list[_Tok], i: int, found: _Found, after_mention: bool
    ) -> _Found:
        """A surname after a given name or initial that is not the person's: review.

        "J. Foster Collins" is not William C. Foster, "R. Kennedy" not John F. Kennedy,
        "Archibald Roosevelt" not Franklin D. Roosevelt: the surname is neither linked nor
        corrected, only marked for a person to look at. A given name counts when it is
        capitalised, no title and no English word ("Will", "Mark", "The" are), no name of the
        gazetteer ("Moscow"), no month or day, no people's adjective ("American").
        """
        m = found.mention
        if m.entity_id is None or m.entity_type != "person" or found.used != 1 or i == 0:
            return found
        initials: set[str] = set()
        k = i - 1
        while k >= 0 and toks[k].suffix == "." and len(toks[k].core) == 1:
            if not toks[k].core.isupper():
                break
            initials.add(toks[k].core)
            k -= 1
        if not initials and not after_mention and self._given_name(toks[i - 1], toks[i]):
            initials.add(toks[i - 1].core[0])
        if not initials:
            return found
        own = self._given_initials(m.entity_id)
        if not own or initials <= own:
            return found
        review = replace(m, entity_id=None, corrected=None, review=True, cert=Cert.low,
                         candidates=(m.entity_id,))
        return _Found(review, found.used)

    def _given_name(self, tok: _Tok, surname: _Tok) -> bool:
        """Whether `tok`, just before `surname`, reads as a given name of the same person."""
        word = tok.core
        if (
            tok.suffix or surname.prefix or tok.struck or not 3 <= len(word) <= 12
            or not word.isalpha() or not word[0].isupper()
            or not (word[1:].islower() or word.isupper())
        ):
            return False
        fold = word.casefold()
        return not (
            fold in TITLES or fold in _NOT_GIVEN or fold in english_words()
            or fold.endswith(_PEOPLES_ENDINGS) or word.upper() in self._upper
            # an English word or a title the OCR damaged ("Ministcr", "MEETINGL", "NISTER")
            or skeleton(word) in self._lower_skels
            or any(Levenshtein.distance(fold, t, score_cutoff=1) <= 1 for t in TITLES)
            or _near_english_word(fold)
        )

    def _given_initials(self, entity_id: str) -> set[str]:
        """The initials of the person's given names, from the multi-word forms of the name."""
        entity = self.gazetteer.entities[entity_id]
        initials: set[str] = set()
        for form in (entity.name, *entity.variants):
            words = form.replace(".", ". ").split()
            initials.update(w[0].upper() for w in words[:-1] if w[:1].isalpha())
        return initials

    def _unknown_names(self, toks: list[_Tok], mentions: list[Mention]) -> list[Mention]:
        """Names not in the gazetteer, tagged (no entity, never corrected) to be added to it.

        A run of capitalised words after a title of a person ("Ambassador Kvitsinsky",
        "Mr. Abram Chayes"); and, in the body of a CIA or FBI record, a surname that the
        record types in capitals in running text ("Samuel WISE", "OSWALD's"), as those
        agencies do, with the given names before it, or anywhere in such a record as their
        files name a person, surname first ("SUBJECT: TARASOFF, Anna", :func:`_filed_name`).
        Words of a name already found, titles, English words (unless a given name stands
        before the surname in capitals), and cryptonyms ("AEACTIVE": a digraph and a word,
        :func:`cryptonym`) are not taken.
        """
        covered: set[WordRef] = set()
        for m in mentions:
            covered.add(m.first)
            covered.add(m.last)
        index = {t.ref: k for k, t in enumerate(toks)}
        for m in mentions:
            a, b = index.get(m.first), index.get(m.last)
            if a is not None and b is not None:
                covered.update(toks[k].ref for k in range(a, b + 1))
        agency = _agency_record(toks)
        english = english_words()
        runs: list[tuple[int, int]] = []
        taken: set[int] = set()

        def free(k: int) -> bool:
            return 0 <= k < len(toks) and toks[k].ref not in covered and k not in taken

        def name_word(k: int) -> bool:
            t = toks[k]
            w = t.core
            # letters, and an apostrophe or hyphen inside ("O'Neal", "Smith-Jones")
            bare = w.replace("'", "").replace("’", "").replace("-", "")
            if t.struck or len(w) < 3 or not bare.isalpha() or not w[0].isupper():
                return False
            if not (bare[1:].islower() or bare.isupper() or _CAPITALISED_NAME.fullmatch(w)):
                return False
            w = bare
            fold = w.casefold()
            return not (
                fold in english or fold in TITLES or fold in _NOT_GIVEN
                or fold.endswith(_PEOPLES_ENDINGS) or self._is_exact(w)
            )

        # Capitalised words in capitals that follow a given name somewhere in the document,
        # and the lines of running text.
        after_given: set[str] = set()
        running: set[tuple[int, int]] = set()
        if agency:
            counts: dict[tuple[int, int], list[int]] = {}
            for t in toks:
                c = counts.setdefault(t.line, [0, 0])
                c[0] += any(ch.islower() for ch in t.core)
                c[1] += 1
            running = {line for line, (mixed, n) in counts.items() if mixed >= 3 and 2 * mixed >= n}
            for k in range(1, len(toks)):
                t, p = toks[k], toks[k - 1]
                if t.core.isupper() and (
                    (not p.suffix and p.core[:1].isupper() and p.core[1:].islower()
                     and len(p.core) > 2 and p.core.lower() not in english)
                    or (_initial(p) and p.suffix == "." and k > 1 and toks[k - 2].line == t.line)
                ):
                    after_given.add(t.core)
        def surname_word(k: int) -> bool:
            """A capitalised English word ending a name after a given name ("Oliver North")."""
            w = toks[k].core
            after = toks[k + 1] if k + 1 < len(toks) else None
            return (
                len(w) > 2 and w.isalpha() and w[0].isupper() and w[1:].islower()
                and not toks[k - 1].suffix and not _initial(toks[k - 1])
                and toks[k - 1].core.lower() not in english
                and w.lower() not in TITLES and w.lower() not in _NOT_GIVEN
                and w.lower() not in _FUNCTION_WORDS
                and (toks[k].suffix != "" or (after is not None and _lowercase(after.core)))
            )

        def caps_given(k: int) -> bool:
            """A given name in capitals before a surname in capitals ("BORIS", "ANTHONY")."""
            w = toks[k].core
            return (
                w.isupper() and w.isalpha() and name_word(k) and toks[k].line in running
                and w.lower() not in english and w.lower() not in _AGENCY_NOT_NAMES
            )

        for k, t in enumerate(toks):
            if not free(k):
                continue
            start = end = None
            title = toks[k - 1] if k > 0 else None
            if (
                title is not None and title.core.casefold() in PERSON_TITLES
                and title.core[:1].isupper() and title.suffix in ("", ".") and not title.struck
                and name_word(k)
                and not (t.core.isupper() and len(t.core) <= ACRONYM_MAX)
            ):
                start = end = k
                while end - start < 3 and free(end + 1) and toks[end + 1].line == t.line:
                    here, after = toks[end], toks[end + 1]
                    if here.suffix and not (here.suffix == "." and _initial(here)):
                        break
                    if name_word(end + 1) or (_initial(after) and after.suffix == "."):
                        end += 1
                        continue
                    if surname_word(end + 1):
                        end += 1  # "Colonel Oliver North": a surname that is also a word
                    break
                while end > start and _initial(toks[end]):
                    end -= 1  # a name does not end with an initial
            elif (
                agency and free(k + 1) and _filed_name(toks, k)
                and self._agency_surname(toks, k, after_given, running, filed=True)
            ):
                start, end = k, k + 1  # "SUBJECT: TARASOFF, Anna": surname first, as filed
                while (end - k < 3 and free(end + 1) and toks[end + 1].line == t.line
                       and not toks[end].suffix and _given_name(toks[end + 1])):
                    end += 1  # "OSWALD, Lee Harvey"
            elif agency and self._agency_surname(toks, k, after_given, running):
                start = end = k
                while end - start < 3 and free(end + 1) and toks[end + 1].line == t.line:
                    here, after = toks[end], toks[end + 1]  # "BORIS D. TARASOFF"
                    if here.suffix and not (here.suffix == "." and _initial(here)):
                        break
                    if not (
                        (_initial(after) and after.suffix == ".")
                        or self._agency_surname(toks, end + 1, after_given, running)
                    ):
                        break
                    end += 1
                while end > start and _initial(toks[end]):
                    end -= 1
                while start - 1 >= 0 and free(start - 1) and start - k > -3:
                    q = toks[start - 1]
                    if q.line != t.line or (q.suffix and q.suffix != "."):
                        break
                    initial = len(q.core) == 1 and q.core.isupper() and q.suffix == "."
                    given = name_word(start - 1) and (
                        (q.core[1:].islower() and q.core.lower() not in english)
                        # in capitals too: "ANTHONY ADAMOVICZ", "BORIS D. TARASOFF"
                        or caps_given(start - 1)
                    )
                    if not initial and not given:
                        break
                    start -= 1
            if start is None or end is None:
                continue
            runs.append((start, end))
            taken.update(range(start, end + 1))
        if not runs:
            return mentions
        added = [
            Mention(
                first=toks[a].ref,
                last=toks[b].ref,
                entity_id=None,
                entity_type="person",
                original=_original(toks, a, b),
                unknown=True,
            )
            for a, b in runs
        ]
        order = {t.ref: k for k, t in enumerate(toks)}
        return sorted([*mentions, *added], key=lambda m: (order[m.first], m.offset or 0))

    def _agency_surname(
        self, toks: list[_Tok], k: int, after_given: set[str], running: set[tuple[int, int]],
        *, filed: bool = False,
    ) -> bool:
        """Word k is a surname typed in capitals in running text (CIA and FBI practice).

        ``running``: the lines of running text (mostly words with small letters). `filed`:
        the word stands as a file names a person, surname first ("TARASOFF, Anna",
        :func:`_filed_name`), on whatever line (a subject line is no running text).
        """
        t = toks[k]
        w = t.core
        if t.struck or not w.isalpha() or not w.isupper() or not 4 <= len(w) <= 20:
            return False
        if t.suffix.startswith(":") or self._is_exact(w):
            return False
        fold = w.casefold()
        if fold in TITLES or fold in _NOT_GIVEN or re.search("[aeiou]{3}|^[^aeiou]+$", fold):
            return False  # a title, a month, an acronym ("FOIA", "SSD", "TDSY")
        if cryptonym(w):
            return False  # a cryptonym: a digraph and a word ("AEACTIVE", "ZRRIFLE", "JMWAVE")
        if fold in _AGENCY_NOT_NAMES:
            return False  # a handling caveat or a common acronym ("NOFORN", "SACEUR")
        if (fold in english_words() or len(w) <= ACRONYM_MAX) and w not in after_given:
            return False  # an English word ("HUMAN EVENTS", "SECRET") or as short as an
            # acronym ("ICBM", "RYBAT"), unless a given name or initial stands before it
            # somewhere in the document ("Samuel WISE", "Bruce Frederick DAVIS")
        return filed or t.line in running

    def check_dates(
        self, mentions: Sequence[Mention], years: tuple[int, int] | None
    ) -> list[Mention]:
        """Bare surnames of people not active in the document's years: review, not linked.

        ``years`` is the first and last year of the document (from its date; None: not
        known, nothing is checked). A person is active from ``ACTIVE_BEFORE`` years before
        the start of the floruit the gazetteer gives to ``ACTIVE_AFTER`` years after its end
        ("Allen" in a 1963 newspaper column is not Richard V. Allen, in office from 1969).
        A surname is kept when the same document names the person by a fuller form.
        """
        if years is None:
            return list(mentions)
        first, last = years
        fuller = {
            m.entity_id for m in mentions
            if m.entity_id and " " in (m.corrected or m.original).strip()
        }
        out: list[Mention] = []
        for m in mentions:
            entity = self.gazetteer.entities.get(m.entity_id or "")
            text = (m.corrected or m.original).rstrip(".")
            if (
                entity is None or entity.type != "person" or entity.floruit is None
                or " " in text or m.review or entity.id in fuller
            ):
                out.append(m)
                continue
            start, end = entity.floruit
            if first >= start - ACTIVE_BEFORE and last <= end + ACTIVE_AFTER:
                out.append(m)
                continue
            when = str(first) if first == last else f"{first}-{last}"
            reason = (
                f"{entity.name} was active {start}-{end}, the document is of {when}"
            )
            out.append(replace(
                m, entity_id=None, corrected=None, review=True, cert=Cert.low,
                candidates=(entity.id,), reason=reason,
            ))
        return out

    def _resolve_in_context(self, found: list[_Found]) -> list[Mention]:
        """Decide ties by the document: review unless it names just one of them clearly.

        A tie between entities is decided when exactly one of them is named without ambiguity
        elsewhere in the same document ("James Baker" ... "Baker"), and a short name with one
        slip when its person is (corrected elsewhere too), or when the document has it with
        two different slips.
        """
        known = {f.mention.entity_id for f in found if not f.mention.review}
        # Short names with one slip, each pointing at one entity only: two spelled
        # differently ("Mallta", "Mlta") are the same name damaged twice, and support each
        # other; one spelling repeated may be another name, not in the gazetteer.
        spellings: dict[str, set[str]] = {}
        for f in found:
            if f.short and len(f.pending) == 1:
                entity_id = next(iter(f.pending))
                spellings.setdefault(entity_id, set()).add(f.mention.original.casefold())
        known.update(e for e, seen in spellings.items() if len(seen) > 1)
        out: list[Mention] = []
        for f in found:
            m = f.mention
            if m.review and f.pending:
                pick = [e for e in f.pending if e in known]
                if len(pick) == 1:
                    corrected = f.pending[pick[0]]
                    m = replace(
                        m,
                        entity_id=pick[0],
                        entity_type=self._types[pick[0]],
                        corrected=corrected,
                        review=False,
                        cert=m.cert if corrected else Cert.high,
                        reason=None,
                        slip=_slip(m.original, corrected, ()) if corrected else "ocr",
                    )
            out.append(m)
        return out


# -- helpers ------------------------------------------------------------------------------


def _initial(t: _Tok) -> bool:
    return len(t.core) == 1 and t.core.isupper()


def _filed_name(toks: list[_Tok], k: int) -> bool:
    """Word k is a surname in capitals as a file names a person: "TARASOFF, Anna".

    The agencies' files and subject lines put the surname first, in capitals, a comma, then
    the given name capitalised ("SUBJECT: OSWALD, Lee Harvey"); the given name is a proper
    word of the list ("Anna", "Lee") or no word of it at all, and no title, month or weekday.
    Whether the surname is one is for the caller to say.
    """
    t = toks[k]
    if k + 1 >= len(toks) or t.suffix != "," or not t.core.isupper():
        return False
    return toks[k + 1].line == t.line and _given_name(toks[k + 1])


def _given_name(tok: _Tok) -> bool:
    """A given name as a file writes it after the surname: "Anna", "Lee", "Harvey"."""
    w = tok.core
    return (
        not tok.struck and len(w) >= 3 and w.isalpha() and w[0].isupper() and w[1:].islower()
        and (w.lower() in _word_list()[1] or w.lower() not in english_words())
        and w.lower() not in TITLES and w.lower() not in _NOT_GIVEN
    )


def agency_record(pages: Sequence[Page]) -> bool:
    """The document is a CIA or FBI record: it names the agency.

    Such records type surnames and cryptonyms in capitals.
    """
    return _agency_record(_tokens(pages))


def _agency_record(toks: list[_Tok]) -> bool:
    """The document is a CIA or FBI record: it names the agency."""
    cores = {t.core for t in toks}
    if cores & {"CIA", "FBI", "C.I.A", "F.B.I"}:
        return True
    text = " ".join(t.core.casefold() for t in toks[:3000])
    return "central intelligence agency" in text or "federal bureau of investigation" in text


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


def _span_text(words: list[_VWord], n: int) -> str:
    """The text of the first ``n`` words as a form would spell it."""
    if n == 1:
        return words[0].core
    last = words[n - 1]
    middle = [w.text for w in words[1 : n - 1]]
    return " ".join([words[0].head, *middle, last.text[: len(last.text) - len(last.suffix)]])


def _halves(skel: str) -> tuple[str, str]:
    """Index keys of a form's skeleton: its length with its first half, and with its second."""
    n = len(skel)
    h = n // 2
    return f"{n}<{skel[:h]}", f"{n}>{skel[h:]}"


def _probes(skel: str) -> list[str]:
    """The keys under which a form one edit away from ``skel`` is indexed."""
    out = []
    q = len(skel)
    for n in (q - 1, q, q + 1):
        h = n // 2
        out.append(f"{n}<{skel[:h]}")
        out.append(f"{n}>{skel[q - (n - h) :]}")
    return out


def _joined_index(words: list[_VWord]) -> int | None:
    return next((k for k, w in enumerate(words) if w.joined), None)


def _clean_run(words: list[_VWord]) -> bool:
    """No punctuation between the words (a period after an initial is allowed)."""
    if any(w.suffix not in ("", ".") for w in words[:-1]):
        return False
    return all(not w.text[:1] or w.head == w.text for w in words[1:])


def _original(toks: list[_Tok], i: int, j: int, core: str | None = None) -> str:
    """The name as in the source (see the module docstring)."""
    if i == j:
        return core if core is not None else toks[i].core
    out = toks[i].text[len(toks[i].prefix) :]
    for k in range(i + 1, j + 1):
        t = toks[k]
        part = t.text if k < j else t.text[: len(t.text) - len(t.suffix)]
        out += ("" if out.endswith(_HYPHENS) and toks[k - 1].line != t.line else " ") + part
    return out


def span(mention: Mention, pages: Sequence[Page]) -> list[WordRef]:
    """The words a mention covers, in order (across a line or page break too)."""
    refs: list[WordRef] = []
    ref = mention.first
    while True:
        refs.append(ref)
        if ref == mention.last:
            return refs
        line = pages[ref.page].lines[ref.line]
        if ref.word + 1 < len(line.words):
            ref = WordRef(ref.page, ref.line, ref.word + 1)
        elif ref.line + 1 < len(pages[ref.page].lines):
            ref = WordRef(ref.page, ref.line + 1, 0)
        else:
            ref = WordRef(ref.page + 1, 0, 0)


def affixes(mention: Mention, pages: Sequence[Page]) -> tuple[str, str]:
    """The text of the first word before the name and of the last word after it.

    ``prefix + mention.original + suffix`` is the text of the words (joined as ``original``
    joins them), so a writer can leave punctuation and a possessive outside the name element.
    """
    refs = span(mention, pages)
    texts = [pages[r.page].lines[r.line].words[r.word].text for r in refs]
    lines = [(r.page, r.line) for r in refs]
    original = mention.original
    if len(texts) == 1:
        if mention.offset is not None:
            at = mention.offset
            if texts[0][at : at + len(original)] != original:
                raise ValueError(f"{original!r} is not at {at} in the word {texts[0]!r}")
            return texts[0][:at], texts[0][at + len(original) :]
        at = texts[0].find(original)
        if at < 0:
            raise ValueError(f"{original!r} is not in the word {texts[0]!r}")
        return texts[0][:at], texts[0][at + len(original) :]
    prefix = split_word(texts[0])[0]
    head = texts[0][len(prefix) :]
    for k in range(1, len(texts) - 1):
        head += ("" if head.endswith(_HYPHENS) and lines[k - 1] != lines[k] else " ") + texts[k]
    sep = "" if head.endswith(_HYPHENS) and lines[-2] != lines[-1] else " "
    last_part = original[len(head) + len(sep) :]
    if not original.startswith(head + sep) or not texts[-1].startswith(last_part):
        raise ValueError(f"{original!r} does not match the words {texts!r}")
    return prefix, texts[-1][len(last_part) :]


def _cost(a: str, b: str) -> float:
    fa, fb = a.casefold(), b.casefold()
    d_plain = Levenshtein.distance(fa, fb)
    target = skeleton(b)
    d_skel = min(Levenshtein.distance(v, target) for v in skeletons(a))
    cost = _combine(d_plain, d_skel, abs(len(fa) - len(fb)))
    if d_plain == 1 and len(fa) == len(fb) + 1 and fa.startswith(fb):
        cost = min(cost, TRAILING_COST)
    return cost


def _slip(text: str, form: str, confidences: Sequence[float | None]) -> str:
    """Whose error a correction of ``text`` into ``form`` mends: "ocr" or "typist".

    An OCR slip: every difference is a known letter-shape confusion, a case error, spacing,
    or one stray mark read as a letter at the end; or the OCR itself was unsure of the word
    (confidence under ``LOW_OCR_CONFIDENCE``). Otherwise (a letter missing, doubled or
    swapped, read with confidence) the typescript itself most likely has the error.
    """
    known = [c for c in confidences if c is not None]
    if known and min(known) < LOW_OCR_CONFIDENCE:
        return "ocr"
    a = text.replace(" ", "").replace("-", "")
    b = form.replace(" ", "").replace("-", "")
    target = skeleton(b)
    if any(v == target for v in skeletons(a)):
        return "ocr"
    fa, fb = a.casefold(), b.casefold()
    if len(fa) == len(fb) + 1 and fa.startswith(fb):
        return "ocr"
    return "typist"


def _combine(d_plain: int, d_skel: int, length_change: int = 0) -> float:
    """OCR-aware cost: the edits that the skeleton explains cost CONFUSION_COST each.

    A confusion that changes the length ("lc" for "k", "ii" for "u") is two edits, and one
    confusion: each letter of length change among the explained edits takes one edit off.
    """
    if d_skel >= d_plain:
        return float(d_plain)
    explained = d_plain - d_skel
    merged = min(length_change, explained // 2)
    return d_skel + CONFUSION_COST * (explained - merged)


def _lowercase(core: str) -> bool:
    """No capital: a lowercase word (a leading digit or sign may stand for a capital)."""
    return core[:1].isalpha() and not any(c.isupper() for c in core)


def _is_caps(text: str) -> bool:
    """In capitals: at least two letters, none lowercase."""
    if not text.isupper():
        return False
    if text.isalpha():
        return len(text) >= 2
    return sum(map(str.isalpha, text)) >= 2


def _is_title(text: str) -> bool:
    return text.lower().rstrip(".") in TITLES


def _render(form: str, source: str) -> str:
    """The form in the case style of the source: in capitals when most of its letters are."""
    letters = [c for c in source if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    if len(letters) >= 2 and upper * 2 > len(letters) and upper > 1:
        return form.upper()
    return form
