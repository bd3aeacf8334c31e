"""Benchmark the structure stage on the real scans against what a person reads on them.

Run from anywhere: ``python bench/bench_real.py [--ocr] [--json FILE]``. For every document of
tests/data/real-dev/ and tests/data/real/ it takes the OCR'd pages from the fixtures in
tests/data/ocr/ (``--ocr``: OCR the images afresh with Tesseract, as a batch run does), finds
the names with the default gazetteer (as a batch run does) and runs
``pipeline.structure.analyse``; then it scores the result against the truth files
(``structure-truth.json`` beside the scans) and prints one row per document and a total:

- kind: the kind of record decided (``DocumentStructure.kind``) against the truth's doc_type of
  the first page, mapped to the same names by KINDS below;
- date: the document's date (``DocumentStructure.date_iso``) against the first page's header
  date (a date found where the truth has none is wrong);
- markings: the legible classification markings of every page (truth) matched one to one to
  furniture of kind classification on the same page, at the same place (top, bottom, margin;
  a marking the truth places in the body matches one at any place) and of the same level
  (TOP SECRET, SECRET, CONFIDENTIAL, UNCLASSIFIED, LIMITED OFFICIAL USE: the level in the
  marking's ``markings.classification`` form, or in its text with spaces taken out, so that
  "S EC RE T/RYBAT" is SECRET and "UNCLASSIFIED" is not); of those matched,
  how many are struck as in the truth; "unread": markings found struck out past reading
  (no level: ``markings.obliterated``) where a struck marking of the truth at the same place
  was not found by its level, not counted as matched; found markings left over (wrong level
  or place, or none there); markings the truth cannot read or without a level are not
  scored; "in OCR": how many of the expected markings the OCR output has at all (per page and
  level, lines read as a marking by ``markings``, wherever they stand): the most the
  structure can find;
- in para: paragraph lines that hold nothing but a marking (``markings.classification`` or a
  spaced one), which should be 0; lead: paragraph lines that open with one and go on (a
  telegram's "CONFIDENTIAL ADDIS ABABA 05204"), which should be 0 too;
- stamps: the truth's declassification stamps, banners and overprints matched one to one to
  furniture of kind declassification on the same page by their text (most alike first, at
  least MIN_STAMP_SIMILARITY); case numbers (``idno``, compared without spaces and case) right
  of those the truth gives, dates (``date_iso``) right of those the truth gives; found stamps
  left over.

A second table scores what real page images add (issue 13), per document:

- rotations: pages whose rotation (``Page.rotation``) is the truth's ``rotation``;
- redactions: the gaps the TEI says text was withheld in (``gap reason="redacted"``: black
  boxes and excisions left as white space) against the truth's count;
- junk: tokens of letters that are neither words (the shipped word list, its proper words, the
  words of the document's kind that no dictionary lists, ``Profile.words``: a telegram's
  "SECSTATE WASHDC"; a possessive or hyphenated compound of them), names (the gazetteer's
  forms, and the words in capitals of the names the pipeline tagged in the document without
  the gazetteer: the surnames a CIA or FBI record types in capitals, "TARASOFF, Anna"; a
  tagged name's words in small letters are not taken, for a misreading may be among them),
  in a CIA or FBI record (``correction.agency_record``, or a kind of the CIA's: a cable
  that does not name the agency is one by its form) words in capitals shaped as
  cryptonyms (``correction.cryptonym``: a digraph and a word, "AMLASH", "MHAPRON"; in the
  opener, whose lines are told apart, also a digraph and a four-letter word that
  ``cryptonym`` refuses because English words start so, "YOBITE", when another cryptonym
  stands on the same line: a cable's slug line lists them together, "TYPIC YOBITE AMLASH";
  this is the bench's definition of junk only, the pipeline reads no cryptonyms),
  abbreviations (capitals, dotted or slashed: "U.S.", "EUR/SOV") nor numbers or codes with
  digits (two digits or more; or capitals and a digit joined by hyphens or slashes: "B-SB/2",
  "SART-01"): in the
  body's running text of the TEI (paragraphs, speeches, closers; not inside ``fw``,
  ``unclear``, ``gap`` or ``seg type="noise"``, and of a correction only our reading, ``lem``
  or ``corr``: the OCR's ``rdg`` or the ``sic`` beside it is the same word read otherwise,
  not more text) against those in every OCR line of the same
  pages (what Tesseract's reading alone would give), and in the opener and the title, which
  should be 0;
- recall: of the transcription's words of four letters or more (NSDD 227 ``truth.txt`` up to
  its FRUS footnotes, EO 9981's ``.txt``), the share found in the TEI's text (everything the
  ``div`` holds: heading, opener, furniture, body), against the share found in the OCR lines.

Today's structure tree has no kind, title or date of its own: the bench then takes them from
the TEI that tei.py makes of the tree (``div/@type``, the title, the creation date), and says so.
The tree's items are told apart by their class names and the furniture kinds by their values,
so that the bench runs whether the dataclasses live in ``pipeline.structure`` or in a module
of the structure package.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from ocr_pages import load_pages  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402

from pipeline import structure, tei  # noqa: E402
from pipeline.correction import (  # noqa: E402
    NameCorrector,
    agency_record,
    cryptonym,
    known_words,
)
from pipeline.gazetteer import Gazetteer  # noqa: E402
from pipeline.model import Page  # noqa: E402
from pipeline.structure import markings, profiles  # noqa: E402

DATA = REPO / "tests" / "data"
SETS = (DATA / "real-dev", DATA / "real")
OCR = DATA / "ocr"

# The truth's doc_type (lower case) -> the structure's kind: the first entry found in it wins.
KINDS = (
    ("memorandum of conversation", "memorandum-of-conversation"),
    ("national security decision directive", "directive"),
    ("directive", "directive"),
    ("executive order", "executive-order"),
    ("identification form", "form"),
    ("dispatch", "cia-dispatch"),
    ("cable", "cia-cable"),
    ("information report", "cia-cable"),
    ("telegram", "telegram"),
    ("letter", "letter"),
    ("memorandum", "memorandum"),
)
# Today's TEI div/@type -> kind, for code whose structure tree has no kind yet.
DIV_TYPES = {
    "memorandumOfConversation": "memorandum-of-conversation",
    "memorandum": "memorandum",
    "telegram": "telegram",
    "directive": "directive",
    "executiveOrder": "executive-order",
    "document": "document",
}
# Longest first: "UNCLASSIFIED" holds no "SECRET", but "TOP SECRET" holds "SECRET".
LEVELS = sorted(markings.LEVELS, key=len, reverse=True)
MIN_STAMP_SIMILARITY = 60.0  # see similarity()


def kind_of(doc_type: str | None) -> str:
    text = (doc_type or "").lower()
    return next((kind for key, kind in KINDS if key in text), "document")


def level(text: str | None) -> str | None:
    """The classification level a marking's text names, or None (illegible, a control only)."""
    if not text:
        return None
    plain = text.replace("[", "").replace("]", "")
    found = markings.classification(plain)
    form = squash(found.form if found else plain)  # spaced letters too: "S EC RE T/RYBAT"
    return next((lvl for lvl in LEVELS if squash(lvl) in form), None)


def similarity(found: str, truth: str) -> float:
    """How alike a found stamp's text and the truth's are, 0-100, read through OCR damage.

    The better of partial_ratio (one text inside the other: "DECLASSIFIED" in a longer line)
    and token_set_ratio (the same words among noise: "| _ SECRET Document Number ae 029 a et
    FEB 7" for "Document Number 1271-1029 for FOIA Review on FEB 1977" scores 65).
    """
    a, b = found.upper(), truth.upper()
    return max(fuzz.partial_ratio(a, b), fuzz.token_set_ratio(a, b))


def squash(text: str | None) -> str:
    return re.sub(r"\s+", "", (text or "").upper())


@dataclass
class Score:
    """One document's row."""

    document: str
    pages: int
    kind_truth: str
    kind_found: str
    kind_source: str  # "structure" or "tei" (today's code)
    date_truth: str | None
    date_found: str | None
    title: str
    marks_expected: int = 0
    marks_matched: int = 0
    marks_struck_right: int = 0
    marks_unscored: int = 0  # illegible, or no level (a dissemination control alone)
    marks_in_ocr: int = 0  # expected markings whose level some OCR line of the page carries
    marks_extra: int = 0
    # struck out past reading (no level): where the truth has a struck marking not found
    marks_unread: int = 0
    marks_in_paragraphs: int = 0
    marks_leading_in_paragraphs: int = 0  # "CONFIDENTIAL ADDIS ABABA 05204" in a paragraph
    stamps_expected: int = 0
    stamps_matched: int = 0
    stamps_extra: int = 0
    idno_expected: int = 0
    idno_right: int = 0
    stamp_dates_expected: int = 0
    stamp_dates_right: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def kind_right(self) -> bool:
        return self.kind_found == self.kind_truth

    @property
    def date_right(self) -> bool:
        return self.date_found == self.date_truth


TRANSCRIPTIONS = {
    "nsdd227": DATA / "real-dev" / "nsdd227" / "truth.txt",
    "executive-orders": DATA / "real" / "executive-orders"
    / "historical-executive_order_9981-armed_services.txt",
}
FRUS_NOTES = "----- FRUS editorial footnotes"
_EDGE = ".,;:!?()[]{}\"'‘’“”`*_|~-—–°•"
_ABBREVIATION = re.compile(r"^([A-Z]{1,5}|([A-Za-z]\.){1,4}[A-Za-z]?|[A-Z]{1,6}(/[A-Z]{1,6})+)$")
# A code of capitals and digits joined by hyphens or slashes, a digit in it: "B-SB/2".
_JOINED_CODE = re.compile(r"^(?=.*\d)[A-Z\d]+([-/][A-Z\d]+)+$")


@dataclass
class ImageScore:
    """One document's row of the page-image table."""

    document: str
    pages: int
    rotations_right: int = 0
    redactions_truth: int = 0
    redactions_found: int = 0
    junk_body: int = 0
    tokens_body: int = 0
    junk_ocr: int = 0
    tokens_ocr: int = 0
    junk_opener: int = 0
    junk_title: int = 0
    recall_words: int = 0  # transcription words of four letters or more
    recall_body: int = 0  # found in the TEI's text
    recall_ocr: int = 0
    junk_examples: list[str] = field(default_factory=list)
    junk_opener_tokens: list[str] = field(default_factory=list)
    junk_title_tokens: list[str] = field(default_factory=list)


class Junk:
    """Tells junk tokens from words, names, abbreviations and numbers."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        forms = [f for e in gazetteer.entities.values() for f in e.forms]
        self.words = known_words()
        self.names = {t.lower() for f in forms for t in re.findall(r"[A-Za-z]+", f)}

    def __call__(self, token: str, own: frozenset[str] = frozenset(),
                 agency: bool = False, line: Sequence[str] = ()) -> bool:
        """Whether the token is junk (module docstring).

        `own`: the document's own words, lower case (its kind's; its tagged names' in
        capitals); `agency`: a CIA or FBI record, whose cryptonyms are words; `line`: the
        tokens of the token's line, when lines are told apart (a slug line's cryptonyms).
        """
        t = token.strip(_EDGE)
        if not any(c.isalpha() for c in t) or sum(c.isdigit() for c in t) >= 2:
            return False  # a number, a date, a code ("86MOSCOW017709")
        if _ABBREVIATION.match(t) or _JOINED_CODE.match(t):
            return False
        if agency and cryptonym(re.sub(r"['’][sS]$", "", t)):
            return False
        if agency and _short_cryptonym(t) and any(
            o.strip(_EDGE) != t and cryptonym(o.strip(_EDGE)) for o in line
        ):
            return False  # "YOBITE" beside "AMLASH" on a slug line
        t = re.sub(r"['’][sS]$", "", t)
        parts = [p for p in re.split(r"[-/]", t) if p]
        return not parts or not all(self._word(p, own) for p in parts)

    def _word(self, part: str, own: frozenset[str]) -> bool:
        low = part.lower()
        return (low in self.words or low in own or low in self.names
                or len(part) == 1 and part.isalpha())


def _short_cryptonym(word: str) -> bool:
    """Capitals shaped as a cryptonym of a four-letter word ("YOBITE": YO and bite)."""
    return (word.isalpha() and word.isupper() and len(word) == 6
            and word[2:].lower() in known_words())


def _text(element: Any, skip: set[str]) -> str:
    """The text of an element, less the elements named in `skip` (TEI local names)."""
    out: list[str] = []

    def walk(e: Any) -> None:
        name = e.tag.split("}")[-1]
        if name in skip or (name == "seg" and e.get("type") == "noise"):
            out.append(e.tail or "")
            return
        out.append(e.text or "")
        for child in e:
            walk(child)
        out.append(e.tail or "")

    out.append(element.text or "")
    for child in element:
        walk(child)
    return " ".join(out)


def _recall_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}


def score_images(
    name: str, pages: list[Page], truth: list[dict], corrector: NameCorrector,
    gazetteer: Gazetteer, junk: Junk,
) -> ImageScore:
    """The page-image row: rotations, redactions, junk and recall (module docstring)."""
    result = ImageScore(name, len(pages))
    for page, want in zip(pages, truth, strict=False):
        result.rotations_right += getattr(page, "rotation", 0) == (want.get("rotation") or 0)
        result.redactions_truth += (want.get("redactions") or {}).get("count") or 0
    mentions = corrector.find_mentions(pages)
    tree = structure.analyse(pages, mentions)
    own = frozenset(w.lower() for w in profiles.of_kind(tree.kind.name).words) | {
        w.lower() for m in mentions if m.unknown
        for w in re.findall(r"[A-Za-z]+", m.original) if w.isupper() and len(w) > 1
    }
    agency = agency_record(pages) or tree.kind.name in ("cia-cable", "cia-dispatch")
    meta = tei.DocumentMeta(name, [], "images", "2000-01-01", None)
    root = tei.build(meta, pages, mentions, tree, gazetteer.entities)
    ns = {"t": tei.TEI_NS}
    divs = root.findall(".//t:text/t:body/t:div", ns)  # one per document filed together
    # black boxes and white-space excisions alike: the gaps the TEI says text was withheld in
    result.redactions_found = sum(len(div.findall(".//t:gap[@reason='redacted']", ns))
                                  for div in divs)
    skip = {"fw", "unclear", "gap", "rdg", "sic"}  # a correction's text counted once: its lem
    body = " ".join(_text(el, skip) for div in divs for el in div
                    if el.tag.split("}")[-1] in ("p", "sp", "ab", "closer", "list"))
    ocr_text = " ".join(line.text for page in pages for line in page.lines)
    for text, junk_key, tokens_key in ((body, "junk_body", "tokens_body"),
                                       (ocr_text, "junk_ocr", "tokens_ocr")):
        tokens = text.split()
        found = [t for t in tokens if junk(t, own, agency)]
        setattr(result, junk_key, len(found))
        setattr(result, tokens_key, len(tokens))
        if junk_key == "junk_body":
            result.junk_examples = found[:15]
    lines = [_text(line, skip).split() for div in divs
             for el in div.iter(f"{{{tei.TEI_NS}}}opener")
             for line in el  # an opener's children are its lines; noise is no line of it
             if not (line.tag.endswith("}seg") and line.get("type") == "noise")]
    result.junk_opener_tokens = [t for line in lines for t in line
                                 if junk(t, own, agency, line)]
    result.junk_title_tokens = [t for t in tree.title.split() if junk(t, own, agency)]
    result.junk_opener = len(result.junk_opener_tokens)
    result.junk_title = len(result.junk_title_tokens)
    transcription = TRANSCRIPTIONS.get(name)
    if transcription is not None:
        words = _recall_words(transcription.read_text("utf-8").split(FRUS_NOTES)[0])
        result.recall_words = len(words)
        result.recall_body = len(words & _recall_words(" ".join(_text(div, set()) for div in divs)))
        result.recall_ocr = len(words & _recall_words(ocr_text))
    return result


def image_table(scores: list[ImageScore]) -> str:
    head = ["document", "rotations", "redactions", "junk body/OCR", "tokens body/OCR",
            "junk opener", "junk title", "recall TEI/OCR"]
    rows = [head]
    for s in [*scores, _total(scores)]:
        recall = (f"{s.recall_body}/{s.recall_words} vs {s.recall_ocr}/{s.recall_words}"
                  if s.recall_words else "-")
        rows.append([s.document, f"{s.rotations_right}/{s.pages}",
                     f"{s.redactions_found}/{s.redactions_truth}",
                     f"{s.junk_body}/{s.junk_ocr}", f"{s.tokens_body}/{s.tokens_ocr}",
                     str(s.junk_opener), str(s.junk_title), recall])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, lines[1])
    return "\n".join(lines)


def _total(scores: list[ImageScore]) -> ImageScore:
    total = ImageScore("TOTAL", sum(s.pages for s in scores))
    for key, value in asdict(total).items():
        if isinstance(value, int) and key != "pages":
            setattr(total, key, sum(getattr(s, key) for s in scores))
    return total


def truth_pages() -> dict[str, list[dict]]:
    """The truth's pages of every document, in page order."""
    documents: dict[str, list[dict]] = {}
    for folder in SETS:
        for page in json.loads((folder / "structure-truth.json").read_text("utf-8"))["pages"]:
            documents.setdefault(page["document"], []).append(page)
    for pages in documents.values():
        pages.sort(key=lambda p: p["page"])
    return documents


def fresh_ocr() -> dict[str, list[Page]]:
    """Every document OCR'd now, the way scripts/make_ocr_fixtures.py does."""
    import os

    sys.path.insert(0, str(REPO / "scripts"))
    from make_ocr_fixtures import documents, read

    from pipeline import tesseract
    from pipeline.worker import Settings

    os.chdir(REPO)
    version = tesseract.check("eng")
    settings = Settings(lang="eng", page_timeout=600.0, gazetteers=(), correct=True,
                        tesseract_version=version, processed="2000-01-01")
    return {doc.id: read(doc, settings) for doc in documents()}


def is_a(item: object, name: str) -> bool:
    """True when `item` is a structure dataclass of this name, wherever the class lives."""
    return type(item).__name__ == name


def kind_value(item: structure.Furniture) -> str:
    """The furniture's kind as its TEI value: "classification", "declassification", ..."""
    return str(getattr(item.kind, "value", item.kind))


def text_of(pages: list[Page], refs: list[structure.LineRef]) -> str:
    return " ".join(
        " ".join(w.text for w in pages[r.page].lines[r.line].words[r.start:r.end]) for r in refs
    )


def score(
    name: str, pages: list[Page], truth: list[dict], corrector: NameCorrector,
    gazetteer: Gazetteer,
) -> Score:
    mentions = corrector.find_mentions(pages)
    tree = structure.analyse(pages, mentions)
    kind, title, date, source = tree.kind.name, tree.title, tree.date_iso, "structure"
    result = Score(name, len(pages), kind_of(truth[0]["doc_type"]), kind, source,
                   (truth[0].get("header") or {}).get("date"), date, title)
    items: list[Any] = list(tree.items)  # told apart by class name (is_a), not isinstance
    furniture = [i for i in items if is_a(i, "Furniture")]
    for item in items:  # markings carried inside paragraphs are furniture too
        if is_a(item, "Paragraph"):
            furniture.extend(c for c in item.content if is_a(c, "Furniture"))
    for page in truth:
        index = page["page"] - 1
        here = [f for f in furniture if f.lines and f.lines[0].page == index]
        _score_markings(result, page, index,
                        [f for f in here if kind_value(f) == "classification"], pages)
        _score_stamps(result, page, pages,
                      [f for f in here if kind_value(f) == "declassification"])
    for item in items:
        if not is_a(item, "Paragraph"):
            continue
        for ref in (c for c in item.content if is_a(c, "LineRef")):
            line = text_of(pages, [ref])
            if markings.classification(line) or markings.spaced_marking(line):
                result.marks_in_paragraphs += 1
                result.details.append(f"p{ref.page + 1}: marking in a paragraph: {line!r}")
            elif leading_marking(line):
                result.marks_leading_in_paragraphs += 1
                result.details.append(f"p{ref.page + 1}: paragraph line opens with a marking: "
                                      f"{line!r}")
    return result


def leading_marking(line: str) -> str | None:
    """The marking a longer line opens with ("CONFIDENTIAL ADDIS ABABA 05204"), if any."""
    words = line.split()
    for n in (3, 2, 1):
        if len(words) > n:
            found = markings.classification(" ".join(words[:n]))
            if found is not None and level(found.form):  # a level, not a caveat ("EXISE")
                return found.form
    return None


def ocr_level(line: str) -> str | None:
    """The level a line of OCR output carries as a marking, by the pipeline's own readings."""
    found = markings.classification(line)
    form = ((found.form if found else None) or markings.spaced_marking(line)
            or markings.classification_token(line) or leading_marking(line))
    return level(form)


def found_level(item: structure.Furniture, pages: list[Page]) -> str | None:
    """The level of a found marking: its vocabulary form, else the text of its lines."""
    return level(item.marking) or level(text_of(pages, item.lines))


def _score_markings(
    result: Score, page: dict, index: int, found: list, pages: list[Page]
) -> None:
    expected = []
    for marking in page["classification_markings"]:
        lvl = level(marking["text"])
        if lvl is None:
            result.marks_unscored += 1
        else:
            expected.append((marking, lvl))
    result.marks_expected += len(expected)
    in_ocr = [ocr_level(line.text) for line in pages[index].lines]
    for lvl in {lvl for _, lvl in expected}:
        result.marks_in_ocr += min(sum(1 for _, e in expected if e == lvl), in_ocr.count(lvl))
    left = list(found)
    # Places first, then the body's markings against whatever is left on the page.
    missed = []  # the expected markings not found by their level
    for marking, lvl in sorted(expected, key=lambda e: e[0]["position"] == "body"):
        match = next((f for f in left if found_level(f, pages) == lvl
                      and (marking["position"] in (f.place, "body"))), None)
        where = f"p{index + 1} {marking['position']} {lvl}{' struck' if marking['struck'] else ''}"
        if match is None:
            result.details.append(f"{where}: not found")
            missed.append(marking)
            continue
        left.remove(match)
        result.marks_matched += 1
        if bool(match.struck) == bool(marking["struck"]):
            result.marks_struck_right += 1
        else:
            result.details.append(f"{where}: found with struck={match.struck}")
    # A marking struck out past reading (no level) where a struck one was not found: unread
    for f in [f for f in left if f.marking is None and f.struck]:
        twin = next((m for m in missed if m["struck"] and m["position"] == f.place), None)
        if twin is not None:
            missed.remove(twin)
            left.remove(f)
            result.marks_unread += 1
    result.marks_extra += len(left)
    for f in left:
        result.details.append(f"p{index + 1}: extra marking {f.place} {f.marking} "
                              f"struck={f.struck}")


def _score_stamps(result: Score, page: dict, pages: list[Page], found: list) -> None:
    expected = list(page["declassification_stamps"])
    result.stamps_expected += len(expected)
    result.idno_expected += sum(1 for s in expected if s.get("case_number"))
    result.stamp_dates_expected += sum(1 for s in expected if s.get("date"))
    pairs = sorted(
        ((similarity(text_of(pages, f.lines), s["full_text"]), n, m)
         for n, f in enumerate(found) for m, s in enumerate(expected)),
        reverse=True,
    )
    used_found: set[int] = set()
    used_expected: set[int] = set()
    for alike, n, m in pairs:
        if alike < MIN_STAMP_SIMILARITY or n in used_found or m in used_expected:
            continue
        used_found.add(n)
        used_expected.add(m)
        f, s = found[n], expected[m]
        result.stamps_matched += 1
        where = f"p{page['page']} stamp {s['full_text'][:40]!r}"
        if s.get("case_number"):
            if squash(f.idno) == squash(s["case_number"]):
                result.idno_right += 1
            else:
                result.details.append(f"{where}: idno {f.idno!r}, truth {s['case_number']!r}")
        if s.get("date"):
            if f.date_iso == s["date"]:
                result.stamp_dates_right += 1
            else:
                result.details.append(f"{where}: date {f.date_iso!r}, truth {s['date']!r}")
    for m, s in enumerate(expected):
        if m not in used_expected:
            result.details.append(f"p{page['page']} stamp {s['full_text'][:40]!r}: not found")
    for n, f in enumerate(found):
        if n not in used_found:
            result.stamps_extra += 1
            result.details.append(f"p{page['page']}: extra stamp {text_of(pages, f.lines)[:50]!r}")


COLUMNS = ("document", "kind found/truth", "date found/truth", "markings", "in OCR", "struck",
           "unread", "extra",
           "in para", "lead", "stamps", "extra", "idno", "dates")


def row(s: Score) -> list[str]:
    mark = {True: "ok", False: "WRONG"}
    unscored = f" (+{s.marks_unscored} unscored)" if s.marks_unscored else ""
    return [
        s.document,
        f"{s.kind_found}/{s.kind_truth} {mark[s.kind_right]}",
        f"{s.date_found or '-'}/{s.date_truth or '-'} {mark[s.date_right]}",
        f"{s.marks_matched}/{s.marks_expected}{unscored}",
        f"{s.marks_in_ocr}/{s.marks_expected}",
        f"{s.marks_struck_right}/{s.marks_matched}",
        str(s.marks_unread),
        str(s.marks_extra),
        str(s.marks_in_paragraphs),
        str(s.marks_leading_in_paragraphs),
        f"{s.stamps_matched}/{s.stamps_expected}",
        str(s.stamps_extra),
        f"{s.idno_right}/{s.idno_expected}",
        f"{s.stamp_dates_right}/{s.stamp_dates_expected}",
    ]


def totals(scores: list[Score]) -> dict[str, int]:
    keys = [k for k, v in asdict(scores[0]).items() if isinstance(v, int) and k != "pages"]
    summed = {k: sum(getattr(s, k) for s in scores) for k in keys}
    summed.update(documents=len(scores), pages=sum(s.pages for s in scores),
                  kind_right=sum(s.kind_right for s in scores),
                  date_right=sum(s.date_right for s in scores))
    return summed


def table(scores: list[Score]) -> str:
    t = totals(scores)
    unscored = f" (+{t['marks_unscored']} unscored)" if t["marks_unscored"] else ""
    rows = [list(COLUMNS), *[row(s) for s in scores], [
        f"TOTAL ({t['documents']} docs, {t['pages']} pages)",
        f"{t['kind_right']}/{t['documents']} right", f"{t['date_right']}/{t['documents']} right",
        f"{t['marks_matched']}/{t['marks_expected']}{unscored}",
        f"{t['marks_in_ocr']}/{t['marks_expected']}",
        f"{t['marks_struck_right']}/{t['marks_matched']}", str(t["marks_unread"]),
        str(t["marks_extra"]),
        str(t["marks_in_paragraphs"]), str(t["marks_leading_in_paragraphs"]),
        f"{t['stamps_matched']}/{t['stamps_expected']}",
        str(t["stamps_extra"]), f"{t['idno_right']}/{t['idno_expected']}",
        f"{t['stamp_dates_right']}/{t['stamp_dates_expected']}",
    ]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.insert(len(lines) - 1, lines[1])
    lines.append("")
    lines.extend(f"title  {s.document}: {s.title!r}" for s in scores)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr", action="store_true",
                        help="OCR the scans afresh with Tesseract instead of the fixtures")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the result here")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every miss, extra and wrong value")
    args = parser.parse_args()
    truth = truth_pages()
    if args.ocr:
        pages_of = fresh_ocr()
    else:
        pages_of = {name: load_pages(OCR / f"{name}.json") for name in truth}
    gazetteer = Gazetteer.load([])
    corrector = NameCorrector(gazetteer)
    scores = [score(name, pages_of[name], truth[name], corrector, gazetteer) for name in truth]
    sources = {s.kind_source for s in scores}
    print(f"bench_real: {'fresh OCR' if args.ocr else 'OCR fixtures tests/data/ocr'}; kind, "
          f"title and date from {'the TEI (the tree has none)' if sources == {'tei'} else sources}")
    print(table(scores))
    junk = Junk(gazetteer)
    images = [score_images(name, pages_of[name], truth[name], corrector, gazetteer, junk)
              for name in truth]
    print()
    print(image_table(images))
    for i in images:  # should be none: every one listed
        if i.junk_opener_tokens or i.junk_title_tokens:
            print(f"  {i.document} junk in the opener: {' '.join(i.junk_opener_tokens) or '-'};"
                  f" in the title: {' '.join(i.junk_title_tokens) or '-'}")
    if args.verbose:
        for s in scores:
            for detail in s.details:
                print(f"  {s.document} {detail}")
        for i in images:
            print(f"  {i.document} junk in the body: {' '.join(i.junk_examples)}")
    if args.json:
        result = {
            "ocr": "fresh" if args.ocr else "fixtures",
            "documents": [asdict(s) | {"kind_right": s.kind_right, "date_right": s.date_right}
                          for s in scores],
            "totals": totals(scores),
            "images": [asdict(i) for i in images],
            "images_total": asdict(_total(images)),
        }
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
