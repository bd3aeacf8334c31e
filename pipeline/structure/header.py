"""The header scanner: the active profile's rules consume the opening lines one by one.

Each rule looks at one line and either takes it into the header, skips it (a speck), ends the
header, says there is none (running text first), or passes. The first rule that does not pass
decides. A profile is an ordered tuple of these rules plus its labels and heading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

from pipeline.correction import split_word
from pipeline.model import Line, Page, WordRef
from pipeline.slips import Mend, cert_of
from pipeline.structure import vocabulary
from pipeline.structure.furniture import Slot
from pipeline.structure.text import capitalised, clean, noise, prose, real_word, scrawl
from pipeline.structure.tree import Header, HeaderField, LineRef

if TYPE_CHECKING:
    from pipeline.structure.profiles import Profile

MAX_HEADER_LINES = 60  # the header is among the first page's first lines

SEPARATOR = re.compile(r"^[-_=*.\s]{3,}$")
SIDE_LABEL = re.compile(r"^(.*?)\s*PARTICIPANTS\s*:?\s*$", re.IGNORECASE)
# Inside a participants list: "U.S. Side", "Soviet Side:", "American Delegation"
SIDE_NAME = re.compile(
    r"^([A-Z][\w.]*(?:\s[A-Z][\w.]*)?)\s+(?:SIDE|DELEGATION)\s*:?$", re.IGNORECASE
)
# A labelled line of a form ("RECORD NUMBER : 176-10036-10116"): words in capitals, a colon.
FORM_LABEL = re.compile(r"^([A-Z][A-Z/&.-]*(?: (?:OF|[A-Z][A-Z/&.-]*)){0,4})\s*['‘’`]?\s*:(?!\S)")
# A telegram's date-time group: "O 231458Z JUN 86" (precedence, day, time, month, year), as
# the OCR reads it too: "0 1415402 OCT 86", "R 1512062 DCT 8&6".
DATE_TIME_GROUP = re.compile(
    r"^(?:[OPRZ0]{1,2}\s+)?(\d{2})(\d{4})\s?[Z2]\s+([A-Z0-9]{3})\s+(\d\S?\d)\b"
)
MESSAGE_YEAR = re.compile(r"\b(\d{2})[A-Z][A-Z0]{3,}\s?[\dOU]{5,7}\b")  # 86MOSCOW017709
FIELD_NAMES = {
    "subj": "subject",
    "through": "thru",
    "copies to": "cc",
    "and place": "place",
    "fm": "from",
    "memorandum for": "to",
}
# The header fields with a name of their own (the TEI seg/@type or dateline they become).
FIELDS = {
    "date", "time", "place", "subject", "from", "to", "thru", "cc", "ref", "info", "tags",
    "participants",
}
# Labels recognised when the OCR damaged them ("SUBJFCT:", "susyect:", "DATF:"), before the
# header has begun too: the label and the largest number of letters it may differ by.
DAMAGED_LABELS = {"subject": 2, "date": 1, "time": 1, "place": 1, "from": 1, "through": 2}
DAMAGED_LABEL = re.compile(r"^([A-Za-z0-9$]{4,8})\s*['‘’`.,]?\s*:")
# A short label whose colon the OCR read as a small s or a semicolon ("TOs", "FROMs", "TO;"):
# the label in capitals, or with its capital only before a semicolon ("To;"). No other mark:
# "REF." and "SUBJ." are typed so, "CCs" and "INFOs" are plurals, "TOO" and "Tos" words.
SLIPPED_COLON = re.compile(
    r"^(?:(TO|FROM|THRU|DATE|SUBJ|SUBJECT)s|(TO|FROM|THRU|CC|INFO|DATE|SUBJ|SUBJECT|To|From"
    r"|Thru|Info|Date|Subj|Subject);)(?=\s|$)"
)
_OCR_DIGITS = str.maketrans("0158$", "oisbs")
# Small words of names and titles ("Assistant to the President", "Ambassador at Large")
NAME_PARTICLES = {"of", "the", "for", "and", "to", "at", "on", "de", "von", "van", "der", "la",
                  "le", "du"}


class Outcome(Enum):
    """What a rule did with a line."""

    taken = "taken"  # the line is part of the header
    skipped = "skipped"  # a speck: neither header nor text; the header may go on
    end = "end"  # the header ended before this line
    none = "none"  # the document has no header


@dataclass
class HeaderLine:
    """One content line as the rules see it."""

    slot: int  # index into the page flow
    ref: LineRef
    line: Line
    text: str  # without specks around it
    following: str | None  # the next content line's text
    starts_paragraph: bool = False


@dataclass
class Scan:
    """The header being read, and what the rules have seen so far."""

    profile: Profile
    today: date
    header: Header = field(default_factory=Header)
    found_type: bool = False
    found_field: bool = False
    in_participants: bool = False
    sides: list[str] = field(default_factory=list)
    entries: list[tuple[int, LineRef]] = field(default_factory=list)  # (sides seen, line)
    before: list[HeaderLine] = field(default_factory=list)  # lines before the header began
    heading_goes_on: bool = False  # the heading runs over onto the next line
    heading_text: str = ""
    subject_text: str = ""
    last_slot: int = -1
    last_taken: str = ""  # what the last line taken was: "heading", "subject", "field", ...

    @property
    def started(self) -> bool:
        return self.found_type or self.found_field

    def take(self, line: HeaderLine, what: str = "field") -> Outcome:
        self.last_slot = line.slot
        self.last_taken = what
        return Outcome.taken


Rule = Callable[[Scan, HeaderLine], Outcome | None]


def scan(
    profile: Profile, flow: list[Slot], pages: Sequence[Page], today: date, start: int = 0
) -> tuple[Scan | None, int]:
    """Read the header with the profile's rules; the scan and the first flow slot after it.

    From flow slot `start` on: a later page may open a document of its own
    (`structure._later_documents`).
    """
    content = [k for k, s in enumerate(flow) if not s.is_furniture and k >= start]
    if not content:
        return None, len(flow)
    # The header is on the first page: stop at the next page break, found or inferred.
    next_page = next(
        (k for k in range(content[0], len(flow)) if flow[k].page_start is not None), len(flow)
    )
    slots = [k for k in content if k < next_page][:MAX_HEADER_LINES]
    lines = [pages[flow[k].page].lines[flow[k].line] for k in slots]
    texts = [clean(line.text) for line in lines]
    state = Scan(profile, today)
    for n, k in enumerate(slots):
        ref = LineRef(flow[k].page, flow[k].line)
        following = texts[n + 1] if n + 1 < len(texts) else None
        line = HeaderLine(k, ref, lines[n], texts[n], following, flow[k].para_break)
        outcome = next((o for rule in profile.rules if (o := rule(state, line)) is not None), None)
        if outcome is Outcome.none:
            return None, 0
        if outcome is Outcome.end:
            break
        if outcome is None:
            if state.started:
                break
            state.before.append(line)
    if not state.started:
        return None, 0
    return state, state.last_slot + 1


# --- rules -------------------------------------------------------------------------------


def separator(state: Scan, line: HeaderLine) -> Outcome | None:
    """A rule typed across the page ends a header that has begun."""
    if not SEPARATOR.match(line.line.text.strip()):
        return None
    if state.started:
        state.last_slot = line.slot
        return Outcome.end
    return Outcome.skipped


def running_text_first(state: Scan, line: HeaderLine) -> Outcome | None:
    """Two lines of prose before any heading or field: the document has no header."""
    if not state.started and prose(line.text) and line.following and prose(line.following):
        return Outcome.none
    return None


def heading(state: Scan, line: HeaderLine) -> Outcome | None:
    """The heading that names the kind ("MEMORANDUM OF CONVERSATION").

    What stood above it is the letterhead, specks and scrawl apart.
    """
    if state.heading_goes_on:
        state.heading_goes_on = False
        state.header.doc_type.append(line.ref)
        state.heading_text += " " + line.text
        return state.take(line, "heading")
    if state.found_type or state.profile.heading is None:
        return None
    if not state.profile.heading.match(line.text):
        joined = f"{line.text} {line.following}" if line.following else ""
        if not joined or not state.profile.heading.match(joined):
            return None
        state.heading_goes_on = True  # "NATIONAL SECURITY DECISION" / "DIRECTIVE NUMBER 227"
    header = state.header
    used = {(r.page, r.line) for r in header.lines()}
    for before in state.before:
        if (before.ref.page, before.ref.line) in used:
            continue
        if scrawl(before.line):
            header.noise.append(before.ref)
        elif capitalised(before.text):
            header.letterhead.append(before.ref)
        else:
            header.other.append(before.ref)  # a note above the heading, no letterhead
    state.before.clear()
    header.doc_type = [line.ref]
    state.heading_text = line.text
    state.found_type = True
    return state.take(line, "heading")


def side_label(state: Scan, line: HeaderLine) -> Outcome | None:
    """A participants label of one side ("U.S. Participants:", "Soviet Side")."""
    found = SIDE_LABEL.match(line.text) or (
        SIDE_NAME.match(line.text) if state.in_participants else None
    )
    if not found:
        return None
    state.header.side_labels.append(line.ref)
    label = found.group(1).strip() or None
    if label:
        state.sides.append(label)
    state.in_participants = state.found_field = True
    return state.take(line)


def date_time_group(state: Scan, line: HeaderLine) -> Outcome | None:
    """A telegram's "O 231458Z JUN 86": the date of the document (the time is Zulu)."""
    found = DATE_TIME_GROUP.match(line.text)
    if not found or state.header.field("date") is not None:
        return None
    day, _, month, year = found.groups()
    year = re.sub(r"\D", "", year)
    # the message's number carries its year too: it wins over a year the OCR misread
    numbered = MESSAGE_YEAR.search(state.heading_text) or MESSAGE_YEAR.search(line.text)
    if numbered and numbered[1] != year:
        year = numbered[1]
    number = _month(month)
    iso = vocabulary.iso_date(int(year), number, int(day), state.today) if number else None
    state.header.fields.append(HeaderField("date", line.ref, 0, date_iso=iso))
    state.found_field = True
    return state.take(line)


def _month(text: str) -> int | None:
    """A month's number from its abbreviation, read through the OCR's O/D/0 slips ("DCT")."""
    text = text.lower().replace("0", "o")
    if text in vocabulary.MONTHS:
        return vocabulary.MONTHS[text]
    near = {
        n for name, n in vocabulary.MONTHS.items()
        if len(name) == 3 and Levenshtein.distance(text, name) == 1
    }
    return near.pop() if len(near) == 1 else None


def labelled_field(state: Scan, line: HeaderLine) -> Outcome | None:
    """A line that starts with one of the profile's labels ("SUBJECT:", "FM", "TAGS:")."""
    found = state.profile.labels.match(line.text)
    if not found:
        return None
    label = next(g for g in found.groups() if g).lower()
    state.found_field = True
    result = header_field(label, line.ref, line.line, state.today)
    state.in_participants = result.label == "participants"
    if state.in_participants:
        # "PARTICIPANTS: The President" - the first name stands on the label's line.
        label_words = LineRef(line.ref.page, line.ref.line, 0, result.value_start)
        state.header.side_labels.append(label_words)
        if result.value_start < len(line.line.words):
            state.entries.append(
                (len(state.sides), LineRef(line.ref.page, line.ref.line, result.value_start))
            )
    else:
        state.header.fields.append(result)
    return state.take(line)


def form_line(state: Scan, line: HeaderLine) -> Outcome | None:
    """A form's labelled line ("RECORD NUMBER : 176-10036-10116"), its label kept as written."""
    found = form_label(line.text) if not state.in_participants else None
    if not found:
        return None
    state.found_field = True
    words = line.line.words
    colon = next((i for i, w in enumerate(words) if ":" in w.text), None)
    value_start = len(words) if colon is None else colon + 1
    label = " ".join(found[1].split())
    result = HeaderField("field", line.ref, value_start, form_label=label)
    if label in ("DATE", "DOCUMENT DATE"):
        value = " ".join(w.text for w in words[value_start:])
        parsed = vocabulary.parse_date(value, state.today)
        result.date_iso = parsed[1] if parsed else None
    state.header.fields.append(result)
    return state.take(line)


def damaged_label(state: Scan, line: HeaderLine) -> Outcome | None:
    """A known label the OCR damaged ("SUBJFCT:", "susyect:", "DATF:", "TOs", "TO;").

    The label's word is mended (``Header.mended``): the label as meant, the OCR's reading
    recorded beside it; not in a date, time or place, whose label the TEI's ``dateline``
    keeps as plain text.
    """
    found = _damaged_label(line.text, line.following)
    if found is None:
        return None
    label, read, meant = found
    state.in_participants = False
    result = header_field(label, line.ref, line.line, state.today)
    state.header.fields.append(result)
    if result.label in ("date", "time", "place"):
        return state.take(line)
    for n, word in enumerate(line.line.words[:2]):
        lead, core, trail = split_word(word.text)
        if meant.endswith(":"):  # the colon was read as a letter or a mark: it is the word's
            core, trail = word.text[len(lead) :], ""
        if core == read and read != meant:
            here = WordRef(line.ref.page, line.ref.line, n)
            state.header.mended[here] = Mend(lead, core, meant, trail, cert_of(word.conf))
            break
    return state.take(line)


def participant(state: Scan, line: HeaderLine) -> Outcome | None:
    """An entry of the participants list: a title and a name, maybe a role after a comma."""
    if not state.in_participants or not looks_like_participant(line.line):
        return None
    state.entries.append((len(state.sides), line.ref))
    return state.take(line)


def bare_date(state: Scan, line: HeaderLine) -> Outcome | None:
    """A line that is a date alone ("May 23, 1986"): the document's date, if it has none yet."""
    if state.header.field("date") is not None:
        return None
    found = vocabulary.date_alone(line.text, state.today)
    if found is None:
        return None
    state.header.fields.append(HeaderField("date", line.ref, 0, date_iso=found[1]))
    state.found_field = True
    return state.take(line, "date")


def subject_after_heading(state: Scan, line: HeaderLine) -> Outcome | None:
    """Short capitalised lines right under the heading: the document's subject or title."""
    if state.last_taken not in ("heading", "subject") or prose(line.text):
        return None
    if len(line.text.split()) > 14 or noise(line.line):
        return None
    if state.last_taken == "subject" and (line.starts_paragraph or not capitalised(line.text)):
        return None  # the subject ended; the text begins
    if state.header.subject and _upper(state.subject_text) and not _upper(line.text):
        return None  # a title in capitals goes on in capitals
    state.header.subject.append(line.ref)
    state.subject_text += " " + line.text
    return state.take(line, "subject")


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


NUMBERED_PARAGRAPH = re.compile(r"^\d{1,2}[.,]\s")


def routing_block(state: Scan, line: HeaderLine) -> Outcome | None:
    """A telegram's routing block goes on to its SUBJECT.

    Distribution codes, ADP numbers, precedence and the like are header lines of no field
    of their own.
    """
    if not state.started or state.header.field("subject") is not None:
        return None
    if prose(line.text) or NUMBERED_PARAGRAPH.match(line.text):
        return None
    state.header.other.append(line.ref)
    return state.take(line, "other")


def short_line(state: Scan, line: HeaderLine) -> Outcome | None:
    """A short line among the header's fields.

    A label the OCR set apart from its value ("FROM" / "Mr. Robert J. Leonard"), an
    addressee's second line, a file number.
    """
    if not state.started or len(line.text.split()) > 8 or prose(line.text):
        return None
    if NUMBERED_PARAGRAPH.match(line.text) or line.text.endswith((".", "?", "!")):
        return None
    state.header.other.append(line.ref)
    return state.take(line, "other")


def speck(state: Scan, line: HeaderLine) -> Outcome | None:
    """Specks and scrawl: neither header nor text; the header may go on below them."""
    if any(real_word(word) for word in line.text.split()) and not (
        scrawl(line.line)
    ):
        return None
    if state.started:
        state.header.noise.append(line.ref)
    return Outcome.skipped


# --- reading labelled lines ---------------------------------------------------------------


def header_field(label: str, ref: LineRef, line: Line, today: date) -> HeaderField:
    """A labelled line: where its value starts, and the date or times it gives."""
    label = " ".join(label.split())
    label_words = len(label.replace(",", " ").split())
    colon = next(
        (i for i, w in enumerate(line.words) if w.text.rstrip("®*'’‘`.,").endswith(":")), None
    )
    value_start = colon + 1 if colon is not None and colon < label_words + 1 else label_words
    if line.words and not line.words[0].text[:1].isalnum():
        value_start = max(value_start, 1)
    value = " ".join(w.text for w in line.words[value_start:])
    if "participants" in label:
        name = "participants"
    elif label.startswith("date,"):
        name = "date"  # "DATE, TIME AND PLACE": the date, then the time
    else:
        name = FIELD_NAMES.get(label, label)
    if name not in FIELDS:  # a label of its kind's own ("ACTION REQUIRED"): kept as written
        return HeaderField("field", ref, value_start, form_label=label.upper())
    result = HeaderField(name, ref, value_start)
    if name == "date":
        parsed = vocabulary.parse_date(value, today)
        result.date_iso = parsed[1] if parsed else None
        result.time_from, result.time_to = (
            vocabulary.parse_time_range(value) if "time" in label else (None, None)
        )
        if result.time_from:
            result.time_start = next(
                (
                    value_start + i
                    for i, w in enumerate(line.words[value_start:])
                    if vocabulary.TIME.match(w.text)
                ),
                None,
            )
    elif name == "time":
        result.time_from, result.time_to = vocabulary.parse_time_range(value)
    return result


def _damaged_label(text: str, following: str | None = None) -> tuple[str, str, str] | None:
    """The known label an OCR-damaged one stands for, when exactly one is near enough.

    (the label's name, its word as read, its word as meant: "SUBJECT" for "SUBJFCT", "TO:"
    for "TOs"). A short label whose colon was misread (SLIPPED_COLON) has a value after it,
    on its line or, alone on its line, on the next one (`following`).
    """
    slipped = SLIPPED_COLON.match(text)
    if slipped is not None:
        rest = text[slipped.end() :].strip()
        if prose(rest) or not (rest or following):
            return None
        read = slipped[0]
        word = read[:-1]
        return FIELD_NAMES.get(word.lower(), word.lower()), read, word + ":"
    found = DAMAGED_LABEL.match(text)
    if found is None or prose(text[found.end() :]):
        return None  # "Dane: I think that we should ..." is someone speaking
    word = found[1].lower().translate(_OCR_DIGITS)
    near = [
        label
        for label, edits in DAMAGED_LABELS.items()
        if len(word) >= len(label) - edits and Levenshtein.distance(word, label) <= edits
    ]
    if len(near) != 1:
        return None
    return near[0], found[1], _in_case_of(near[0], found[1])


def _in_case_of(word: str, read: str) -> str:
    """`word` in the case `read` is typed in: "SUBJECT" for "SUBJFCT", "Date" for "Datf"."""
    letters = [c for c in read if c.isalpha()]
    if read[:1].isupper() and sum(c.isupper() for c in letters) * 2 >= len(letters):
        return word.upper()
    return word.capitalize() if read[:1].isupper() else word.lower()


def form_label(text: str) -> re.Match[str] | None:
    """A form's labelled line: a label in capitals, a short value.

    "ORIGINATOR : CIA" is one, and so is a label with no value; a speaker's turn
    ("GORBACHEV: We think that ...") is not.
    """
    found = FORM_LABEL.match(text)
    if found is None or prose(text[found.end() :]):
        return None
    return found


def looks_like_participant(line: Line) -> bool:
    """A participants-list line: a title and a name in capitals, maybe a role after a comma."""
    text = line.text.strip().lstrip("‘'\"`.,- ")
    name, comma, _ = text.partition(",")
    words = name.split()
    # "Assistant to the President for National Security Affairs John M. Poindexter": a title
    # may be long; a paragraph's line is told by its words in lower case
    if not 1 <= len(words) <= 12 or len(name) > 90 or len(text) > 120:
        return False
    if not all(w[:1].isupper() or w in NAME_PARTICLES for w in words):
        return False  # "After initial greetings, ..." is a paragraph
    return bool(comma) or not text.endswith((".", ":", ";")) or len(words[-1]) <= 3
