"""Recognise page furniture text: classification markings, declassification stamps, page numbers.

OCR damages exactly these words (stamped, struck through, at the page edge), so markings are
matched tolerantly against the known vocabulary rather than as exact text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from pipeline.correction import known_words
from pipeline.model import Line
from pipeline.structure.text import EDGE_PUNCTUATION
from pipeline.structure.vocabulary import PORTION_MARK

LEVELS = ("TOP SECRET", "SECRET", "CONFIDENTIAL", "UNCLASSIFIED", "LIMITED OFFICIAL USE")
CAVEATS = (
    "SENSITIVE",
    "NODIS",
    "EXDIS",
    "LIMDIS",
    "EYES ONLY",
    "NOFORN",
    "ORCON",
    "CODEWORD",
    "WNINTEL",
    "SPECIAL HANDLING",
    "HANDLE VIA",
    "NOT RELEASABLE TO FOREIGN NATIONALS",
)
# Every marking a page may carry, as spoken: level alone, or level with a caveat.
VOCABULARY: tuple[str, ...] = tuple(
    [*LEVELS, *CAVEATS[:5]]
    + [f"{lvl}/{cav}" for lvl in LEVELS[:3] for cav in CAVEATS[:5]]
    + [f"{lvl} {cav}" for lvl in LEVELS[:3] for cav in CAVEATS[:5]]
)
_LETTERS = re.compile(r"[^A-Z/ ]+")
MIN_MARKING_SCORE = 80.0


@dataclass(frozen=True)
class Marking:
    """A classification marking: the vocabulary form it matched, and how well."""

    form: str
    score: float


def _squash(text: str) -> str:
    text = text.upper().replace("~", "")
    text = _LETTERS.sub("", text)
    return " ".join(text.replace(" /", "/").replace("/ ", "/").split())


def classification(text: str) -> Marking | None:
    """The marking a short line of text stands for, or None.

    "UNCLASSIFJ[ER" and "SECRET/SENSITiVE" are still markings; ordinary words are not.
    """
    raw = text.strip()
    if not raw or len(raw) > 60 or len(raw.split()) > 6:
        return None
    letters = sum(c.isalpha() for c in raw)
    if letters < 5 or sum(c.isupper() for c in raw) < 0.6 * letters:
        return None  # markings are typed in capitals
    if all(len(token) == 1 for token in raw.split()):
        raw = raw.replace(" ", "")  # telegrams space their markings: "S E C R E T"
    squashed = _squash(raw)
    if not squashed or squashed.startswith("DECLASS"):  # a declassification stamp, not a level
        return None
    best = process.extractOne(
        squashed, VOCABULARY, scorer=fuzz.ratio, score_cutoff=MIN_MARKING_SCORE
    )
    if best is None:
        return None
    form, score, _ = best
    # "SECRET" must not swallow "SECRETARY": the lengths have to agree closely.
    if abs(len(form) - len(squashed)) > max(2, len(form) // 5):
        return None
    return Marking(form, float(score))


def spaced_marking(text: str) -> str | None:
    """A telegram's spaced marking at the start of a line: "S E C R E T MOSCOW 11873"."""
    letters: list[str] = []
    for token in text.split():
        if len(token) > 3 or not token.isupper():  # OCR joins some letters: "S EC RET"
            break
        letters.append(token)
    if len(letters) < 3 or len("".join(letters)) < 5 or min(map(len, letters)) > 1:
        return None
    found = classification("".join(letters))
    return found.form if found else None


# A telegram's marking at the head of a line, before the place and number of the message:
# "CONFIDENTIAL ADDIS ABABA 05204".
LEADING_MARKING = re.compile(
    r"^(TOP SECRET|SECRET|CONFIDENTIAL|LIMITED OFFICIAL USE|UNCLASSIFIED)"
    r"\s+[A-Z][A-Z .]{2,30}\s\d{3,6}$"
)


def leading_marking(text: str) -> str | None:
    """The marking that opens a telegram's line before the message's place and number."""
    found = LEADING_MARKING.match(text.strip())
    return found[1] if found else None


def marking_form(text: str) -> str | None:
    """The vocabulary form of the marking a furniture line carries, however it was written."""
    found = classification(text)
    if found is not None:
        return found.form
    return (
        spaced_marking(text)
        or leading_marking(text)
        or classification_token(text)
        or lone_level(text)
    )


def is_portion_marking(token: str, *, enumerates: bool = False, before: str = "",
                       after: str = "") -> bool:
    """True for "(S)", "(C)", "(U)", "(TS)", "(S/S)" and their kin.

    "(C)" may be no marking, and then is not read as one (a classification is never read
    where there may be none): the third item of a document that `enumerates` items with
    capitals ("(A) ... (B) ... (C)": see `enumerates_with_capitals`), or a copyright sign
    ("Copyright (C) 1986", "(C) 1986 The Washington Post": the word `before` or `after` it).
    """
    mark = _bare(token)
    if not PORTION_MARK.match(mark):
        return False
    if mark != "(C)":
        return True
    copyright_sign = before.lower().startswith("copyright") or COPYRIGHT_YEAR.match(after)
    return not (enumerates or copyright_sign)


def _bare(token: str) -> str:
    """A word without the spaces around it and a full stop or colon after it: "(C)." is (C)."""
    return token.strip().rstrip(".:")


COPYRIGHT_YEAR = re.compile(r"^(1[89]|20)\d\d\b")  # "(C) 1986"

# A telegram's marking of its whole text, after its first paragraph's number: "1. (C -
# ENTIRE TEXT)", "(LOU-ENTIRE TEXT)", "(U) ENTIRE TEXT"; the OCR reads "(C" as "©".
ENTIRE_TEXT = re.compile(
    r"^[(\[{]?\s*(?:TS|S|C|U|LOU|SBU|CONFIDENTIAL|SECRET|UNCLASSIFIED|LIMITED OFFICIAL USE|©)"
    r"\s*[)\]}]?\s*[-–—:]?\s*ENTIRE\s+TEXT\s*[.,]?[)\]}]?[.,:;]?$")
ENTIRE_TEXT_WORDS = 6  # the longest: "( LIMITED OFFICIAL USE - ENTIRE TEXT )" less its spaces


def entire_text_marking(words: Sequence[str]) -> int:
    """How many of `words`, from the first, mark a telegram's whole text ("(C - ENTIRE TEXT)").

    0 when they do not begin with such a marking. The caller asks only where a paragraph's
    text begins (after its number, if any).
    """
    words = words[:ENTIRE_TEXT_WORDS]
    if not any("ENTIRE" in word for word in words):  # most lines: no join, no match
        return 0
    for count in range(len(words), 1, -1):
        if ENTIRE_TEXT.match(" ".join(words[:count])):
            return count
    return 0


def enumerates_with_capitals(words: Iterable[str]) -> bool:
    """Whether the words hold an "(A)" or a "(B)": items lettered in capitals."""
    return any(_bare(word) in ("(A)", "(B)") for word in words)


# --- declassification --------------------------------------------------------------------

DECLASS_LINE = re.compile(
    r"""^\W*(
        (PARTIALLY\s+)?DECLASSIFIED\b
      | (PARTIALLY\s+)?DECLASSIFIED\s*/\s*RELEASED
      | (NLRR|NLR|NLS|NLC|NLJ|NLE|NLF|NLG)[-\s]\S*
      | BY\s+\S+(\s+\S+)?\s+NARA,?\s+DATE
      | AUTHORITY\s*:?\s*(NND|EO|E\.O\.|[A-Z]{2,5}[-\s]?\d)
      | E\.?\s?[O0]\.?\s+1[23]\d{3}\b
      | (\S+\s+)?FOIA\b
      | FOR\s+FOIA\s+REVIEW
      | RELEASED\s+(IN\s+FULL|IN\s+PART|ON)
      | MR\s+(CASE\s+)?NO\.?
      | SANITIZED\b
      | NARA\b.*\bDATE
      | (DOCUMENT\s+NUMBER).*\bFOIA\b
      | UNDER\s+PROVISIONS\s+OF\s+E\.?O
      | .{0,30}\bby\s+\S.{0,30}\bNATIONAL\s+SECURITY\s+COUNCIL
      | .{0,30}\bA\s?/\s?CDC\s?/\s?MR\b
      | .{0,30}\bAPPEALS\s+REVIEW\s+PANEL
      | .{0,20}\b(?-i:REVIEWED)\s+BY\b
      | .{0,20}\(\s*[^()\s]?\s*\)?\s*(RELEASE|EXCISE|EXCIS|EXISE|DENY|DECLASSIFY|DELETE|DOWNGRADE)
      | .{0,30}\bDECLASSIFY\s*IN\s*PART
      | .{0,30}\bNON[\s-]*[RT]ES?PONSIVE\s+INFO
      | .{0,10}\bCLASSIFICATION\s+REVIEW\b
      | .{0,20}\b(EO|E\.O\.)\s+CITATIONS?\b
      | .{0,20}\bFOI,?\s+EO\s+OR\s+PA\b
      | .{0,80}\bASSASSINATION\s+RECORDS\b
      | (\d{4}\s+)?RELEASE\s+UNDER\s+THE\b
      | APPROVED\s+FOR\s+RELEASE\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)

DECLASS_PHRASE = re.compile(
    r"\b(DECLASSIFIED|DECLASSIFICATION|FOIA|FOR\s+FOIA\s+REVIEW|DOCUMENT\s+NUMBER|"
    r"RELEASE\s+UNDER|RECORDS\s+ACT|DOWNGRADING|SANITIZED|NARA|E\.\s?O\.\s?1[23]\d{3}|"
    r"DECLASSIFY|EXCISE|IN\s+PART\b)",
    re.IGNORECASE,
)
# A record number printed at the page edge ("104-10132-10092"), or an archive's scan tag of
# digit groups alone ("14 00000").
ARCHIVE_ID = re.compile(r"^\W*(\d{3}\s?-\s?\d{5}\s?-\s?[\dA-Za-z]{3,5}|\d{1,4}(\s+\d{4,})+)\W*$")


# A telegram printout's head, repeated on every page: on the first it names the kind, on the
# others it is furniture.
RUNNING_HEAD = re.compile(r"^\W*TEXT\s+[O0D]F\s+TELEGRAM\b", re.IGNORECASE)


# The classifier's instruction that a document is never downgraded or declassified by itself.
EXCLUSION = re.compile(r"(?-i:GROUP\s+1)\b|\bEXCLUDED\s+FROM\s+AUTOMATIC", re.IGNORECASE)


def declassification_phrase(text: str) -> bool:
    """True when a line at the page edge carries words of a release or review stamp."""
    return bool(DECLASS_PHRASE.search(text))


def archive_identifier(text: str) -> bool:
    """True for a record number or scan tag printed at the page edge ("104-10132-10092")."""
    return bool(ARCHIVE_ID.match(text.strip()))


def lone_level(text: str) -> str | None:
    """A classification level alone on a line at the page's edge, badly stamped or read.

    "ScunET" is SECRET: a single word, half of it in capitals, near enough to one level and
    of its length. Only for the page's edge, where markings stand.
    """
    tokens = text.split()
    if len(tokens) != 1:
        return None
    letters = "".join(c for c in tokens[0] if c.isalpha())
    if len(letters) < 5 or sum(c.isupper() for c in letters) < len(letters) / 2:
        return None
    for level in LEVELS[:4]:
        if abs(len(level) - len(letters)) <= 1 and fuzz.ratio(letters.upper(), level) >= 65:
            return level
    return None


def classification_token(text: str) -> str | None:
    """A classification level standing among other marks ("| _ SECRET Document ..."), if any."""
    for token in re.split(r"[\s|_]+", text):
        letters = re.sub(r"[^A-Za-z]", "", token)
        if len(letters) >= 6 and letters.isupper():
            found = classification(letters)
            if found is not None and found.form in LEVELS:
                return found.form
    return None


def is_declassification(text: str) -> bool:
    """True for a line of a declassification stamp, release notice or review box."""
    return bool(DECLASS_LINE.match(text.strip()))


# Case and document numbers of release stamps, read through the OCR's slips: the library's
# code (NLRR, NLS, ...) with its series (FOI, MDR, M), a NARA project number (NND), a
# mandatory-review case, a FOIA document number.
_LIBRARY = r"N[LI1|][RKBSCJEFGN]{0,2}[R]?"
CASE_NUMBER = re.compile(
    r"\b(?P<library>" + _LIBRARY + r")[-\s]+(?P<series>F[O0Q][IL1l|]|MDR|M|F)?[-\s]*"
    r"(?P<number>[\dOoIl|][\w/.-]*(?:\s*#\s*[\dOoIl|]+)?)"
    r"|\b(?P<nnd>NND)\s*(?P<nndnum>\d[\d\s-]*\d)"
    r"|\b(?P<mr>MR)\s+(?:Case\s+)?No\.?\s*(?P<mrnum>[\w/-]+)"
    r"|\bDocument\s+Number\s+(?P<docnum>[\dOoIl|][\d\s/OoIl|-]*\d)",
    re.IGNORECASE,
)
_LIBRARIES = ("NLRR", "NLR", "NLS", "NLC", "NLJ", "NLE", "NLF", "NLG", "NLN", "NLH", "NLGB")
_DIGIT_SLIPS = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})


def case_number(text: str) -> tuple[str, str] | None:
    """The case or document number of a stamp line: (as read, normalised), or None.

    "NLRR FOL 714/5 #8479" gives ("NLRR FOL 714/5 #8479", "NLRR FOI 714/5 #8479"): the
    library code and series are read through letter slips, digits through O/0 and l/1.
    """
    m = CASE_NUMBER.search(text)
    if m is None:
        return None
    read = " ".join(m[0].split())
    if m["library"]:
        library = m["library"].upper().replace("I", "L").replace("1", "L").replace("|", "L")
        if library not in _LIBRARIES:
            return None
        series = m["series"]
        if series:
            series = "FOI" if series[0].upper() == "F" and len(series) == 3 else series.upper()
        number = re.sub(r"\s*#\s*", " #", m["number"].translate(_DIGIT_SLIPS))
        if not any(c.isdigit() for c in number):
            return None
        return read, " ".join(p for p in (library, series, number) if p)
    if m["nnd"]:
        return read, "NND " + re.sub(r"\s+", "", m["nndnum"])
    if m["mr"]:
        return read, "MR Case No. " + m["mrnum"].translate(_DIGIT_SLIPS)
    number = re.sub(r"\s+", "", m["docnum"].translate(_DIGIT_SLIPS))
    return read, "Document Number " + number


AUTHORITY = re.compile(r"(?:\b|^)[E£]\.?\s?[O0][.,]?\s*(1[0-3]\d{3})\b", re.IGNORECASE)
REVIEWER = re.compile(
    r"\bby\s+(?P<nsc>[A-Z][\w.]*(?:\s+[A-Z][\w.'-]*){0,3}),?\s+National\s+Security\s+Council"
    r"|\bBY\s+(?P<nara>[A-Z][\w.]{0,5})\s+NARA\b"
    r"|\bREVIEWED\s+BY\s*:?\s*(?P<state>[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,2})",
)


def authority(text: str) -> str | None:
    """The executive order a release was made under ("E.O. 12356"), if the line names one."""
    m = AUTHORITY.search(text)
    return f"E.O. {m[1]}" if m else None


def reviewer(text: str) -> str | None:
    """Who reviewed or released the document, where a stamp line says so."""
    m = REVIEWER.search(text)
    if m is None:
        return None
    name = m["nsc"] or m["nara"] or m["state"]
    name = re.split(r"\s+(?:DATE|Date)\b", name)[0].strip(" ,.")
    return name or None


# --- page numbers and instructions -----------------------------------------------------

# "- 5 -" (OCR often reads a dash as "_" or "~"), "Page 5", "Page 5 of 9", "5."
DECORATED_PAGE_NUMBER = re.compile(
    r"^(?:[-_~—–]\s*(\d{1,4})\s*[-_~—–]|PAGE\s+(\d{1,4})(?:\s+OF\s+\d+)?|(\d{1,4})\s*\.)$", re.I
)
# A telegram's running head: "PAGE 01        MOSCOW 11873  231458Z"
# "PAGE 02 MOSCOW 17709", "PAGE 02 OF 04 MOSCOW 17709" (a Situation Room copy)
TELEGRAM_PAGE = re.compile(r"^PAGE\s+(\d{1,3})\s+(?:OF\s+\d{1,3}\s+)?[A-Z][A-Z ]+\d{3,6}\b", re.I)
BARE_PAGE_NUMBER = re.compile(r"^(\d{1,4})$")
DECL_INSTRUCTION = re.compile(
    r"^\W*(DECL\s*[:;.]|DECLASSIFY\s+ON\s*[:;]?|CLASSIFIED\s+BY\s*[:;]?|DERIVED\s+FROM\s*[:;]|"
    r"REASON\s*[:;]\s*\d|DNG\s*[:;])",
    re.IGNORECASE,
)


def page_number(text: str) -> tuple[str, bool] | None:
    """The page number a line holds, and whether it was typed decorated ("- 5 -", "5.")."""
    stripped = text.strip().lstrip(";:,|'‘\"“ ").rstrip(";:,|'’\"” ")  # specks around it
    m = TELEGRAM_PAGE.match(stripped)
    if m:
        return str(int(m.group(1))), True
    m = DECORATED_PAGE_NUMBER.match(stripped)
    if m:
        return next(g for g in m.groups() if g), True
    m = BARE_PAGE_NUMBER.match(stripped)
    if m:
        return m.group(1), False
    return None


DECL_ANYWHERE = re.compile(r"\bDECL?\s*[:;?.]\s*[O0D]A[DO]R\b|\bDECL\s*[:;]\s*\d", re.IGNORECASE)


def is_declassification_instruction(text: str) -> bool:
    """True for "DECL: OADR", "Declassify on: OADR", "Classified by: ..."."""
    return bool(DECL_INSTRUCTION.match(text.strip()) or DECL_ANYWHERE.search(text))


def obliterated(line: Line) -> bool:
    """A line struck out past reading: its words a stroke ran through, and no word in it.

    Of its words of three letters or digits or more, at least half are struck (``Word.struck``:
    a stroke found on the image ran through them) and none is a word of the list or part of a
    marking: "SIRERE ANDERE p", "UOECARS Ep oapr" (a typed SECRET/NOFORN under a heavy
    stroke). A line of words, struck or not, is text.
    """
    readable = [w for w in line.words if sum(c.isalnum() for c in w.text) >= 3]
    struck = [w for w in readable if w.struck]
    if not struck or 2 * len(struck) < len(readable):
        return False
    known = known_words()
    return not any(
        w.text.strip(EDGE_PUNCTUATION + "<>=°").lower() in known
        or classification_token(w.text) is not None
        for w in readable
    )
