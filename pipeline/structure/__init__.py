"""Recognise document structure: furniture, kind of record, header, paragraphs, speakers.

Input: the pages' lines and the name mentions found by the correction stage. Output: a tree of
plain dataclasses in reading order (`tree`) that the TEI stage renders one to one. The kind of
record is decided here, once, by its profile (`profiles/`), and so are the parts of its title.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from rapidfuzz import fuzz

from pipeline import slips
from pipeline.correction import span
from pipeline.model import Mention, Page, Word, WordRef
from pipeline.publication import processing_day
from pipeline.structure import (
    body,
    excisions,
    furniture,
    header,
    markings,
    participants,
    profiles,
    speakers,
)
from pipeline.structure.furniture import Slot
from pipeline.structure.text import (
    HEADER_DOUBTFUL_CONFIDENCE,
    MentionIndex,
    clean,
    doubtful,
    noise,
    prose,
    scrawl,
)
from pipeline.structure.tree import (
    BodyItem,
    Closer,
    Content,
    DocumentStructure,
    Excision,
    Furniture,
    FurnitureKind,
    Header,
    HeaderField,
    Kind,
    LineRef,
    PageStart,
    Paragraph,
    Participant,
    Separator,
    Speech,
    body_paragraphs,
)
from pipeline.structure.vocabulary import CALENDAR_WORDS, PORTION_MARK, SUBJECT_TAGS

__all__ = [
    "BodyItem",
    "Closer",
    "Content",
    "DocumentStructure",
    "Excision",
    "Furniture",
    "FurnitureKind",
    "Header",
    "HeaderField",
    "Kind",
    "LineRef",
    "PageStart",
    "Paragraph",
    "Participant",
    "Separator",
    "Speech",
    "analyse",
]


def analyse(
    pages: Sequence[Page], mentions: Sequence[Mention], *, today: date | None = None
) -> DocumentStructure:
    """Build the structure tree of one document; `today` is the day it is processed."""
    today = today or processing_day()
    index = MentionIndex(mentions)
    flow = furniture.page_flow(pages, today)
    first = _first_page_texts(pages)
    profile = profiles.detect(first)
    scan, body_start = header.scan(profile, flow, pages, today)
    head = _header(scan, flow, pages, index) if scan is not None else None
    later = _later_documents(profile, head, profile.number_in(first), flow, pages, today,
                             index)
    items = body.body(flow, body_start, head, pages, later)
    items = speakers.attribute(items, head, pages, index)
    items = excisions.excisions(items, pages)
    own = profile.words.union(*(profiles.of_kind(h.kind.name).words for h in later if h.kind))
    mended = _mended(items, [h for h in (head, *later) if h is not None], pages, mentions,
                     own | CALENDAR_WORDS)
    heading = " ".join(_text(pages, r, mended) for r in head.doc_type) if head else None
    kind = Kind(profile.kind.name, profile.label_for(heading), profile.kind.div_type)
    date_field = head.field("date") if head else None
    return DocumentStructure(
        items,
        head,
        kind,
        number=profile.number_in(first),
        subject=_subject(head, pages, mended) if head else None,
        date_iso=date_field.date_iso if date_field else None,
        mended=mended,
    )


# A later page opens a document of its own (a telegram and the reply filed with it, a memo
# and its attachment) when its header has a subject and this many kinds of field in all, the
# heading that names the kind counted as one: a continuation page has no SUBJECT line, a page
# of running text no header at all.
LATER_DOCUMENT_FIELDS = 3


def _later_documents(
    profile: profiles.Profile, head: Header | None, number: str | None, flow: list[Slot],
    pages: Sequence[Page], today: date, index: MentionIndex,
) -> list[Header]:
    """The headers of the documents that begin on a later page of this one, in order.

    Each read with the profile its page shows (a telegram filed with a memo is a telegram),
    its kind set; a page that shows no kind of record opens none. Nor does a page that goes
    on from the one before: numbered on ("- 2 -", "PAGE 02", "PAGE 2" under a repeated
    header), headed with this telegram's number ("PAGE Q2 MOSCOW 17709"), inside a quoted
    text (BEGIN TEXT ... END TEXT), with running text above its header (a header quoted in
    a paragraph, the last lines of the document before), or repeating the first header's
    subject with no other sender, addressee or date.
    """
    found: list[Header] = []
    starts = [k for k, slot in enumerate(flow) if slot.page_start is not None and k > 0]
    quoting = False
    since = 0  # the flow slot the quoting was last looked at up to
    for n, k in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(flow)
        quoting, introduced = _quoting(flow[since:k], pages, quoting)
        since = k
        texts = [clean(pages[s.page].lines[s.line].text) for s in flow[k:end] if s.line >= 0]
        if quoting or introduced or _numbered_on(flow[k:end], texts, pages) \
                or _same_message(texts, number):
            continue
        shown = profiles.detect(texts)
        if shown.kind.name == "document":
            continue
        scan, _ = header.scan(shown, flow, pages, today, start=k)
        if scan is None or any(_running_text(line.line.text.strip()) for line in scan.before):
            continue
        labels = {f.label for f in scan.header.fields} & header.FIELDS
        if _addressed(scan.header, pages):  # "MEMORANDUM FOR THE SECRETARY": its addressee
            labels.add("to")
        if "subject" not in labels or (
            len(labels) + bool(scan.header.doc_type) < LATER_DOCUMENT_FIELDS
        ):
            continue
        # A document names its kind in a heading ("MEMORANDUM"), a telegram by its routing
        # (FM, TO): a routing slip's or a transmittal form's TO, FROM, SUBJECT do neither.
        if not scan.header.doc_type and not (shown.kind.name == "telegram"
                                             and labels & {"from", "to"}):
            continue
        later = _header(scan, flow, pages, index, start=k)
        if head is not None and _repeats(later, head, pages):
            continue
        later.kind = shown.kind
        found.append(later)
    return found


HEAD_LINES = 12  # a page's number or running head stands among its first lines (or at its foot)
MAX_PAGE = 999  # a greater number is no page's
QUOTE_OPENS = re.compile(r"\bBEGIN\s+TEXT\b|^QUOTE\b", re.IGNORECASE)
QUOTE_CLOSES = re.compile(r"\bEND\s+(TEXT|QUOTE)\b|\bUNQUOTE\b", re.IGNORECASE)


def _addressed(head: Header, pages: Sequence[Page]) -> bool:
    """The heading names whom the document is for ("MEMORANDUM FOR THE PRESIDENT")."""
    words = [w.text.upper() for r in head.doc_type for w in pages[r.page].lines[r.line].words]
    return "FOR" in words[1:]


def _numbered_on(slots: Sequence[Slot], texts: Sequence[str], pages: Sequence[Page]) -> bool:
    """The page bears a page number of 2 or more: it goes on from the page before.

    As furniture (at its head or foot), or a line of its own among its first lines: "PAGE 2"
    typed under a header repeated on every page.
    """
    # typed as a page number ("- 2 -", "PAGE 2"): a bare number among the first lines is a
    # log or file number ("4129") or a year as often
    found = [number for text in texts[:HEAD_LINES]
             if (number := markings.page_number(text)) is not None and number[1]]
    for slot in slots:
        item = slot.furniture
        if item is not None and item.kind in (FurnitureKind.page_number,
                                              FurnitureKind.running_head):
            ref = item.lines[0]
            if (number := markings.page_number(pages[ref.page].lines[ref.line].text)):
                found.append(number)
    return any(n.isdigit() and 2 <= int(n) <= MAX_PAGE for n, _ in found)


def _same_message(texts: Sequence[str], number: str | None) -> bool:
    """The page's running head names the document's own number ("PAGE Q2 MOSCOW 17709")."""
    if not number:
        return False
    return any(text.upper().startswith("PAGE") and number in " ".join(text.split())
               for text in texts[:HEAD_LINES])


def _quoting(slots: Sequence[Slot], pages: Sequence[Page], quoting: bool) -> tuple[bool, bool]:
    """Whether a quoted text (BEGIN TEXT, QUOTE) is still open after these lines.

    And whether their last line introduces what follows ("... read as follows:").
    """
    last = ""
    for slot in slots:
        if slot.line < 0 or slot.is_furniture:
            continue
        text = pages[slot.page].lines[slot.line].text.strip()
        if QUOTE_CLOSES.search(text):
            quoting = False
        elif QUOTE_OPENS.search(text):
            quoting = True
        last = text or last
    return quoting, _introduces(last)


def _introduces(text: str) -> bool:
    """The line introduces what follows: "BEGIN TEXT:", "... read as follows:".

    Not a list's label ("Attachments:").
    """
    return bool(QUOTE_OPENS.search(text)) or (text.endswith(":") and len(text.split()) >= 3)


def _running_text(text: str) -> bool:
    """A line of a paragraph: prose, a numbered paragraph's start, a sentence's end.

    Or the words that introduce a quotation.
    """
    words = text.split()
    return (prose(text) or bool(header.NUMBERED_PARAGRAPH.match(text))
            or (len(words) >= 3 and text.rstrip("\"'’”)").endswith((".", "?", "!")))
            or _introduces(text))


SAME_TEXT = 90  # fuzz.ratio at which two header values are the same, OCR slips apart
CONTINUED = re.compile(r"\(?\s*(continued|cont'?d\.?)\s*\)?", re.IGNORECASE)


def _repeats(later: Header, first: Header, pages: Sequence[Page]) -> bool:
    """The later header repeats the first: the same subject and nothing that differs.

    No other heading, letterhead, sender, addressee, date, time or place. A covering memo
    and the memo it covers share a subject, but not their sender; two sessions of a meeting
    share a subject and a day, but not their time.
    """
    def value(head: Header, label: str) -> str:
        """The field's words, plain; "" when the header has no such field."""
        found = head.field(label)
        if found is None:
            return ""
        words = pages[found.line.page].lines[found.line.line].words[found.value_start:]
        plain = CONTINUED.sub("", " ".join(w.text for w in words)).casefold()
        return " ".join(re.sub(r"[^\w\s]", " ", plain).split())

    def lines(refs: Sequence[LineRef]) -> str:
        return " ".join(w.text for r in refs for w in pages[r.page].lines[r.line].words).casefold()

    def differ(a: str, b: str) -> bool:  # what only one of them has is no difference
        return bool(a and b) and fuzz.ratio(a, b) < SAME_TEXT

    if not value(later, "subject") or not value(first, "subject"):
        return False
    dates = later.field("date"), first.field("date")
    if dates[0] is not None and dates[1] is not None and dates[0].date_iso != dates[1].date_iso:
        return False
    # "MEMORANDUM" under "MEMORANDUM FOR THE SECRETARY": another addressee; THE SECRETARY OF
    # STATE's letterhead under THE WHITE HOUSE's: another sender; the date's words hold the
    # time too ("DATE, TIME AND PLACE: October 11, 1986, 3:30 p.m.")
    pairs = [(lines(later.doc_type), lines(first.doc_type)),
             (lines(later.letterhead), lines(first.letterhead))]
    pairs += [(value(later, label), value(first, label))
              for label in ("subject", "from", "to", "date", "time", "place")]
    return not any(differ(a, b) for a, b in pairs)


def _mended(
    items: Sequence[BodyItem], heads: Sequence[Header], pages: Sequence[Page],
    mentions: Sequence[Mention], own: frozenset[str] = frozenset(),
) -> dict[WordRef, slips.Mend]:
    """OCR slips mended in the words of the typed lines (pipeline.slips says when).

    `own`: the kind of record's own words (``Profile.words``) and the month and day names,
    mended into too (in capitals); and so are the document's own words read surely
    (slips.typed_words: names and struck words left out).

    The lines: letterhead, header fields, subject, heading and header lines of no known kind,
    and paragraphs; not names, struck words, scrawl or furniture. The header's own mends
    (``Header.mended``: its damaged labels) come first and stand.
    """
    refs: list[LineRef] = []
    fields: list[LineRef] = []  # typed, as the structure found them, even when read poorly
    tags: set[LineRef] = set()  # TAGS lines: their codes mended into the TAGS (slips.tag_slip)
    for head in heads:
        refs += head.letterhead + head.subject + head.other
        typed_fields = [LineRef(f.line.page, f.line.line, f.value_start, f.line.end)
                        for f in head.fields]
        tags |= {r for r, f in zip(typed_fields, head.fields, strict=True) if f.label == "tags"}
        fields += typed_fields + head.doc_type  # the heading that names the kind: typed
    header_lines = len(refs)
    for paragraph in body_paragraphs(items):
        refs += paragraph.lines
    in_paragraphs = set(refs[header_lines:])
    named = {ref for m in mentions for ref in span(m, pages)}
    typed = slips.typed_words(
        (word.text, word.conf) for p, page in enumerate(pages) for n, line in enumerate(page.lines)
        for k, word in enumerate(line.words) if not word.struck and WordRef(p, n, k) not in named)
    mended: dict[WordRef, slips.Mend] = {}
    for head in heads:
        mended.update(head.mended)
    for ref in [*fields, *refs]:
        line = pages[ref.page].lines[ref.line]
        if line.redacted or (ref not in fields and noise(line)):
            continue
        above = pages[ref.page].lines[ref.line - 1].words if ref.line else ()
        carried = bool(above) and above[-1].text.endswith("-")  # "con-" / "ditions"
        words = line.words[ref.start : ref.end]
        covered = -1  # the second piece of a word joined
        for n, word in enumerate(words, start=ref.start):
            here = WordRef(ref.page, ref.line, n)
            if here in mended or n == covered:
                continue  # the header's own mend, or joined to the word before
            if not _mendable(word, here, named, n == 0 and carried):
                continue
            after, there = n + 1 - ref.start, WordRef(ref.page, ref.line, n + 1)
            if ref not in tags and after < len(words) and there not in mended \
                    and _mendable(words[after], there, named):
                second = words[after]
                joined = slips.join(word.text, second.text, (word.conf, second.conf), own)
                if joined is not None:
                    mended[here] = joined
                    covered = n + 1
                    continue
            found = (slips.tag_slip(word.text, word.conf, SUBJECT_TAGS) if ref in tags
                     else None) or slips.mend(word.text, word.conf, own, typed,
                                             starts=_starts(words, n - ref.start, above,
                                                            ref in in_paragraphs))
            if found is not None:
                mended[here] = found
    return mended


def _starts(words: Sequence[Word], n: int, above: Sequence[Word], in_paragraph: bool) -> bool:
    """The `n`th of a line's `words` starts a sentence or, in the header, its line (or value).

    A title's or an initial's full stop ends no sentence: "Mr." and "J." stand before names.
    """
    before = words[n - 1].text if n else above[-1].text if in_paragraph and above else ""
    before = before.rstrip(")\"'’”")
    if before.endswith(".") and before[:1].isupper() and sum(c.isalpha() for c in before) <= 4:
        return False  # Mr. Mrs. Dr. Gen. Capt. J. U.S.: and "Rome." too, which costs a mend
    return not before or before.endswith((".", "!", "?", ":"))


def _mendable(word: Word, here: WordRef, named: set[WordRef], carried: bool = False) -> bool:
    """Not a name, a struck word, or half of a word broken at a line end."""
    return not (word.struck or here in named or word.text.endswith("-") or carried)


def _first_page_texts(pages: Sequence[Page]) -> list[str]:
    """The lines of the first page that has any, furniture included.

    A telegram's running head is furniture, and a sign of its kind.
    """
    page = next((p for p in pages if p.lines), None)
    if page is None:
        return []
    return [text for line in page.lines if (text := clean(line.text))]


def _header(
    scan: header.Scan, flow: list[Slot], pages: Sequence[Page], index: MentionIndex,
    start: int = 0,
) -> Header:
    """The scanned header completed: participants placed, the lines no rule took kept in it.

    `start`: the flow slot the scan began at (a later document's page).
    """
    head = scan.header
    side_label_lines = [r for r in head.side_labels if r.start == 0 and r.end is None]
    head.participants = participants.participants(
        scan.entries, side_label_lines, scan.sides, flow, pages, index
    )
    # Lines between the letterhead and the body that matched nothing stay in the header.
    used = {(r.page, r.line) for r in head.lines()}
    for k, slot in enumerate(flow):
        if k > scan.last_slot:
            break
        if k < start or slot.is_furniture or (slot.page, slot.line) in used:
            continue
        ref = LineRef(slot.page, slot.line)
        line = pages[slot.page].lines[slot.line]
        (head.noise if scrawl(line) else head.other).append(ref)
    return head


def _subject(
    head: Header, pages: Sequence[Page], mended: dict[WordRef, slips.Mend]
) -> str | None:
    """The subject as typed, without the specks the OCR read among its words.

    OCR slips mended are read mended ("CONFLICTS"); a word the OCR could hardly read and that
    is no word (``text.doubtful``: scrawl, a speck, "SOYEET") stands as "[…]".
    """
    found = _typed_subject(head, pages, mended)
    if found is None:
        return None
    words = [w for w in found.split() if w.strip(SPECK_CHARACTERS)]
    return " ".join(w for n, w in enumerate(words)
                    if w != OMITTED or n == 0 or words[n - 1] != OMITTED) or None


OMITTED = "[…]"  # a word of the subject left out of the title: unreadable


SPECK_CHARACTERS = "°|*~_^'‘’\"•.,;:"


def _typed_subject(
    head: Header, pages: Sequence[Page], mended: dict[WordRef, slips.Mend]
) -> str | None:
    """The subject as typed: the SUBJECT field, a form's TITLE, or the lines under the heading."""
    labelled = head.field("subject") or next(
        (f for f in head.fields if f.label == "field" and f.form_label == "TITLE"), None
    )
    if labelled is not None:
        ref = labelled.line
        typed = _reading(pages, LineRef(ref.page, ref.line, labelled.value_start), mended)
        while typed and typed[0] != OMITTED and not any(c.isalnum() for c in typed[0]):
            typed.pop(0)  # ":®*" read after the label
        subject = clean(" ".join(typed))
        return subject or None  # not "SUBJECTS : |"
    split = _split_subject(head, pages, mended)
    if split:
        return split
    if head.subject:
        typed = " ".join(_text(pages, r, mended) for r in head.subject).split()
        # "U.S. RELATIONS WITH THE USSR (U)": the portion mark, or specks, are no subject
        while typed and (PORTION_MARK.match(typed[-1]) or not any(c.isalnum() for c in typed[-1])):
            typed.pop()
        return clean(" ".join(typed)) or None
    return None


SUBJECT_ALONE = re.compile(r"^(SUBJECT|SUBJ|Subject)\s*:?$")


def _split_subject(
    head: Header, pages: Sequence[Page], mended: dict[WordRef, slips.Mend]
) -> str | None:
    """The subject where the OCR set the label apart from its value, on the lines below it."""
    others = sorted(head.other, key=lambda r: (r.page, r.line))
    texts = [clean(_text(pages, r, mended)) for r in others]
    for n, text in enumerate(texts):
        if SUBJECT_ALONE.match(text):
            value: list[str] = []
            for following in texts[n + 1 : n + 3]:
                if following.endswith(":") or not following:  # the next label
                    break
                value.append(following.lstrip(":;> ").strip())
            return " ".join(value) or None
    return None


def _text(
    pages: Sequence[Page], ref: LineRef, mended: dict[WordRef, slips.Mend] | None = None
) -> str:
    words = pages[ref.page].lines[ref.line].words
    end = len(words) if ref.end is None else ref.end
    if mended is None:
        return " ".join(w.text for w in words[ref.start : end])
    return " ".join(_reading(pages, ref, mended))


def _reading(
    pages: Sequence[Page], ref: LineRef, mended: dict[WordRef, slips.Mend]
) -> list[str]:
    """The words of (part of) a line as the title reads them (`_read`)."""
    words = pages[ref.page].lines[ref.line].words
    end = len(words) if ref.end is None else ref.end
    out: list[str] = []
    n = ref.start
    while n < end:
        here = WordRef(ref.page, ref.line, n)
        out.append(_read(pages, here, mended))
        n += mended[here].words if here in mended else 1  # a word the OCR split: read once
    return out


def _read(pages: Sequence[Page], ref: WordRef, mended: dict[WordRef, slips.Mend]) -> str:
    """A word as the title reads it: mended, or "[…]" when it is doubtful, else as read.

    Doubtful as a header's word is (``HEADER_DOUBTFUL_CONFIDENCE``): the opener marks the
    same words unclear.
    """
    if ref in mended:
        return mended[ref].text
    word = pages[ref.page].lines[ref.line].words[ref.word]
    return OMITTED if doubtful(word, HEADER_DOUBTFUL_CONFIDENCE) else word.text
