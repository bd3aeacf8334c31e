"""Inject realistic OCR damage, from a fixed seed, into the clean memo texts of the corpus.

A clean memo marks each gazetteer name in square brackets (``[Eduard Shevardnadze]``,
optionally ``[Baker|baker-james]`` to state the entity). :func:`inject` removes the marks,
damages a share of the names and of the ordinary words the way OCR does, lays the words out
in lines and pages, and returns the pages (``pipeline.model`` objects, as the corrector gets
them) together with the truth: for every output word the clean text it should read, and
every damage event.

Damage, each applied to the letters of a word (punctuation around it is left alone):

- ``confusion``: one OCR confusion pair, either way (rn/m, cl/d, li/h, e/c, o/0, l/1, I/l,
  b/h, v/y, n/ri, u/ii, a/@, a/4, s/5, O/0, S/5, B/8);
- ``case``: a letter in the wrong case ("DUbinin", "ZareChnak"), or a lowercase initial;
- ``split``: a space inside the word ("Dubin in");
- ``merge``: the word glued to the one before it ("PresidentReagan");
- ``suffix``: a stray letter at the end ("Dubinina");
- ``hyphen``: the word broken across a line end with a hyphen ("Gorba-" / "chev"), sometimes
  with a confusion in the second half as well;
- ``length``: one confusion that changes the length, either way ("Solcolov", "Komienko");
- ``compound``: the name joined to another name of the memo by a hyphen or a slash, one or
  both damaged by a confusion ("Shultz-Gr0myko", "Shu1tz/Gromyko"); the clean text is the
  compound;
- ``short``: a name of 4 or 5 letters with one slip that no OCR confusion explains: a letter
  changed, doubled or dropped ("Bnsh", "Bussh"), where the memo supports the name as a real
  one does: a title or the name's other words ("Howard Baaker", "Middle Eaast") with it,
  or the same name elsewhere in the memo (a participant list, an earlier mention, damaged
  or not). ``short-bare`` is the same slip in a name that the memo names once and bare
  ("in Pris and Madrid"): no reader of the page alone could be sure, and the rule for short
  names is review, so the figure for it is the share sent for review (or corrected right).
  An acronym that the gazetteer writes in capitals ("NATO") gets no such slip: acronyms are
  matched exactly, and "NARO" could be any other;
- ``glued``: an "s" glued to a name damaged by a confusion ("Dobryinins" for "Dobrynins");
  the clean text has the "s".

A damaged name that would read as an exact gazetteer form or as a word of the word list is
drawn again (no corrector can tell "Regan" damaged into "Began" from the word "Began", and
it must not try): those draws are counted in ``Injected.redraws``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.correction import TITLES
from pipeline.model import Line, Page, PageSource, Word, WordRef

MEMOS = Path(__file__).resolve().parent / "memos"

#: OCR confusion pairs (the first is the true text, the second what OCR reads); both ways.
CONFUSIONS: tuple[tuple[str, str], ...] = (
    ("m", "rn"), ("d", "cl"), ("h", "li"), ("e", "c"), ("o", "0"), ("l", "1"), ("l", "I"),
    ("h", "b"), ("v", "y"), ("n", "ri"), ("u", "ii"), ("a", "@"), ("a", "4"), ("s", "5"),
    ("O", "0"), ("S", "5"), ("B", "8"), ("I", "l"), ("i", "l"), ("c", "e"), ("y", "v"),
    ("k", "lc"), ("w", "vv"),
)  # fmt: skip
#: The confusions that change a word's length ("Solcolov", "Komienko").
LENGTH_CONFUSIONS = tuple((a, b) for a, b in CONFUSIONS if len(a) != len(b))
#: Damage operations and their weights, for names and for ordinary words.
NAME_OPS = {
    "confusion": 5, "case": 2, "split": 2, "merge": 1.5, "suffix": 1.5, "hyphen": 1.5,
    "length": 2, "compound": 1.5, "short": 1.5, "glued": 1,
}  # fmt: skip
WORD_OPS = {"confusion": 5, "case": 1, "split": 1.5, "merge": 2, "suffix": 1, "hyphen": 2}
SUFFIX_LETTERS = "aeilnort"
LINE_WIDTH = 68
LINES_PER_PAGE = 50

_MARK = re.compile(r"\[([^\]|]+)(?:\|([\w.-]+))?\]")
_CORE = re.compile(r"^(\W*)(.*?)((?:['’][sS])?\W*)$", re.DOTALL)


@dataclass
class Token:
    """One output word and its truth."""

    text: str
    clean: str  # what it should read; "" for the second part of a split or hyphenated word
    kind: str  # "name" (part of a marked name) or "word"
    name: int | None = None  # index of the name occurrence
    event: int | None = None  # index of the damage event
    conf: float = 95.0
    hyphen_at: int | None = None  # layout: break the word here, at a line end
    hyphen_tail: str | None = None  # layout: the second half, if damaged


@dataclass
class Event:
    """One injected damage."""

    op: str
    on_name: bool
    clean: str
    damaged: str
    needs_correction: bool = True  # a hyphenated name that is otherwise intact needs none
    refs: list[WordRef] = field(default_factory=list)


@dataclass
class NameOccurrence:
    """One marked name in the clean text."""

    text: str
    entity_id: str | None
    damaged: bool = False
    refs: list[WordRef] = field(default_factory=list)


@dataclass
class Injected:
    """A damaged document and its truth."""

    name: str
    pages: list[Page]
    truth: dict[WordRef, Token]
    events: list[Event]
    names: list[NameOccurrence]
    redraws: int = 0


def memo_paths() -> list[Path]:
    """The clean memos, in order."""
    return sorted(MEMOS.glob("*.txt"))


def inject(
    path: Path,
    *,
    seed: int,
    is_form: Callable[[str], bool],
    is_word: Callable[[str], bool],
    entity_of: Callable[[str], str | None],
    name_rate: float = 0.5,
    word_rate: float = 0.05,
    is_acronym: Callable[[str], bool] = lambda text: False,
    name_ops: dict[str, float] | None = None,
) -> Injected:
    """Damage one clean memo.

    ``is_form(text)``: ``text`` is an exact gazetteer form (in capitals too); ``is_word``:
    it is in the word list. A damaged name may read neither; a part of a split name may not
    be a form. ``entity_of(form)`` names the entity of a marked form, when only one has it;
    ``is_acronym(text)``: a form the gazetteer writes in capitals. ``name_ops``: the kinds
    of damage to names and their weights (default ``NAME_OPS``; one kind alone gives a
    large sample of it).
    """
    ops = name_ops or NAME_OPS
    rng = random.Random(f"{path.name}:{seed}")
    names: list[NameOccurrence] = []
    source_lines: list[list[Token]] = []
    for raw in path.read_text(encoding="utf-8").split("\n"):
        if not raw.strip():
            continue
        source_lines.append(_tokens(raw, names, entity_of))
    events: list[Event] = []
    redraws = 0
    partners = sorted(
        {n.text for n in names if n.text.isalpha() and n.text[:1].isupper() and len(n.text) > 3}
    )
    previous: Token | None = None  # the last word of the line before
    for line in source_lines:
        by_name: dict[int, list[int]] = {}
        for k, tok in enumerate(line):
            if tok.name is not None:
                by_name.setdefault(tok.name, []).append(k)
        # Names first, right to left so that a split or merge leaves the positions still to
        # visit unchanged; then ordinary words, right to left for the same reason.
        for n, positions in sorted(by_name.items(), key=lambda item: -item[1][0]):
            if rng.random() >= name_rate:
                continue
            targets = [k for k in positions if len(_split(line[k].text)[1]) >= 4]
            if not targets:
                continue
            weights = [len(_split(line[k].text)[1]) ** 2 for k in targets]
            k = rng.choices(targets, weights)[0]
            for _attempt in range(12):
                op = _choose(rng, ops)
                if op == "merge" and (k != positions[0] or not _can_merge(line, k)):
                    continue
                if op in ("glued", "compound") and len(positions) > 1:
                    continue  # an "s" or a second name goes with a one-word name
                if op == "short" and is_acronym(_split(line[k].text)[1]):
                    continue
                result = _damage(line[k], op, rng, partners)
                if result is None:
                    continue
                bad = any(is_form(t) or is_word(t) for t in result.not_form_or_word) or any(
                    is_form(t) for t in result.not_form
                )
                if bad:
                    redraws += 1
                    continue
                if op == "short" and not _supported(line, k, n, names, previous):
                    op = "short-bare"
                _apply(line, k, result, op, events, on_name=True)
                names[n].damaged = True
                break
        for k in reversed(range(len(line))):
            tok = line[k]
            if tok.kind != "word" or tok.event is not None:
                continue
            core = _split(tok.text)[1]
            if len(core) < 4 or not core.isalpha() or rng.random() >= word_rate:
                continue
            op = _choose(rng, WORD_OPS)
            if op == "merge" and not _can_merge(line, k):
                continue
            result = _damage(tok, op, rng)
            if result is not None:
                _apply(line, k, result, op, events, on_name=False)
        previous = line[-1] if line else previous
    for tok in (t for line in source_lines for t in line):
        tok.conf = round(rng.uniform(40, 85) if tok.event is not None else rng.uniform(88, 98), 1)
    pages, truth = _layout(path, source_lines, events, names)
    return Injected(path.stem, pages, truth, events, names, redraws)


# -- parsing ------------------------------------------------------------------------------


def _tokens(
    raw: str, names: list[NameOccurrence], entity_of: Callable[[str], str | None]
) -> list[Token]:
    """The words of one source line, name marks removed and remembered."""
    text = ""
    spans: list[tuple[int, int, int]] = []  # start, end, name index
    last = 0
    for m in _MARK.finditer(raw):
        text += raw[last : m.start()]
        start = len(text)
        text += m.group(1)
        names.append(NameOccurrence(m.group(1), m.group(2) or entity_of(m.group(1))))
        spans.append((start, len(text), len(names) - 1))
        last = m.end()
    text += raw[last:]
    out: list[Token] = []
    for m in re.finditer(r"\S+", text):
        owner = next((n for s, e, n in spans if s < m.end() and m.start() < e), None)
        kind = "name" if owner is not None else "word"
        out.append(Token(m.group(0), m.group(0), kind, owner))
    return out


def _split(text: str) -> tuple[str, str, str]:
    m = _CORE.match(text)
    assert m is not None
    return m.group(1), m.group(2), m.group(3)


# -- damage -------------------------------------------------------------------------------


def _supported(
    line: list[Token], k: int, n: int, names: list[NameOccurrence], previous: Token | None
) -> bool:
    """The memo supports name ``n``, whose word ``k`` gets a short slip, as a reader needs.

    Its other words (a given name, an initial: "Howard Baker"), a title just before it
    ("Secretary Baker"), or the same name elsewhere in the memo: an occurrence of the same
    entity, or one with the same word ("James Baker" ... "Baker").
    """
    name = names[n]
    if len(name.text.split()) > 1:
        return True
    before = line[k - 1] if k > 0 else previous
    if before is not None and before.name is None:
        word = _split(before.text)[1].rstrip(".")
        if word[:1].isupper() and word.lower() in TITLES:
            return True
    core = _split(line[k].clean)[1]
    return any(
        m != n
        and ((name.entity_id is not None and other.entity_id == name.entity_id)
             or core in other.text.split())
        for m, other in enumerate(names)
    )



@dataclass
class _Damage:
    words: list[tuple[str, str]]  # (text, clean) of the output words replacing the token
    not_form_or_word: list[str]  # texts a damaged name may not read
    not_form: list[str] = field(default_factory=list)  # parts that may not be forms
    hyphen_at: int | None = None
    hyphen_tail: str | None = None


def _choose(rng: random.Random, ops: dict[str, float]) -> str:
    return rng.choices(list(ops), list(ops.values()))[0]


def _can_merge(line: list[Token], k: int) -> bool:
    if k == 0:
        return False
    prev = line[k - 1]
    prefix, _core, _suffix = _split(line[k].text)
    return (
        prev.event is None
        and prev.name is None
        and not prefix
        and _split(prev.text)[2] == ""
        and prev.text.isalpha()
    )


def _confuse(
    core: str, rng: random.Random, pairs: Sequence[tuple[str, str]] = CONFUSIONS
) -> str | None:
    options: list[tuple[int, str, str]] = []
    for true, ocr in pairs:
        for a, b in ((true, ocr), (ocr, true)):
            start = 0
            while (at := core.find(a, start)) >= 0:
                options.append((at, a, b))
                start = at + 1
    if not options:
        return None
    at, a, b = rng.choice(options)
    return core[:at] + b + core[at + len(a) :]


def _damage(
    tok: Token, op: str, rng: random.Random, partners: Sequence[str] = ()
) -> _Damage | None:
    prefix, core, suffix = _split(tok.text)
    if len(core) < 4:
        return None
    if op == "length":
        new = _confuse(core, rng, LENGTH_CONFUSIONS)
        if new is None or new == core:
            return None
        return _Damage([(prefix + new + suffix, tok.clean)], [new])
    if op == "compound":
        others = [p for p in partners if p != core]
        if not core.isalpha() or not others or suffix.startswith(("'", "’")):
            return None
        other = rng.choice(others)
        sep = rng.choice("-/")
        new = _confuse(core, rng)
        if new is None or new == core:
            return None
        damaged_other = other
        if rng.random() < 0.3:
            damaged_other = _confuse(other, rng) or other
        first = rng.random() < 0.5
        clean = core + sep + other if first else other + sep + core
        text = new + sep + damaged_other if first else damaged_other + sep + new
        checks = [new] + ([damaged_other] if damaged_other != other else [])
        return _Damage([(prefix + text + suffix, prefix + clean + suffix)], checks)
    if op in ("short", "short-bare"):
        if not 4 <= len(core) <= 5 or not core.isalpha():
            return None
        at = rng.randrange(1, len(core))
        kind = rng.choice(("change", "double", "drop") if len(core) == 5 else ("change", "double"))
        if kind == "change":
            letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
            letter = letter.upper() if core.isupper() else letter
            new = core[:at] + letter + core[at + 1 :]
        elif kind == "double":
            new = core[:at] + core[at] + core[at:]
        else:
            new = core[:at] + core[at + 1 :]
        if new == core or new.casefold() == core.casefold():
            return None
        return _Damage([(prefix + new + suffix, tok.clean)], [new])
    if op == "glued":
        if suffix or not core.isalpha() or core.endswith(("s", "S")):
            return None
        new = _confuse(core, rng)
        if new is None or new == core:
            return None
        s = "S" if core.isupper() else "s"
        return _Damage([(prefix + new + s, prefix + core + s)], [new, new + s])
    if op == "confusion":
        new = _confuse(core, rng)
        if new is None or new == core:
            return None
        return _Damage([(prefix + new + suffix, tok.clean)], [new])
    if op == "case":
        letters = [i for i, c in enumerate(core) if c.isalpha()]
        if core.isupper():
            i = rng.choice(letters[1:])
            new = core[:i] + core[i].lower() + core[i + 1 :]
        elif core[:1].isupper() and rng.random() < 0.35:
            new = core[0].lower() + core[1:]
        else:
            i = rng.choice(letters[1:])
            new = core[:i] + core[i].swapcase() + core[i + 1 :]
        if new == core or new.isupper():
            return None
        return _Damage([(prefix + new + suffix, tok.clean)], [new])
    if op == "split":
        at = rng.randrange(2, len(core) - 1)
        head, tail = core[:at], core[at:]
        return _Damage([(prefix + head, tok.clean), (tail + suffix, "")], [], [head, tail])
    if op == "suffix":
        letter = rng.choice(SUFFIX_LETTERS)
        letter = letter.upper() if core.isupper() else letter
        new = core + letter
        return _Damage([(prefix + new + suffix, tok.clean)], [new])
    if op == "merge":
        return _Damage([(tok.text, tok.clean)], [])
    if op == "hyphen":
        at = rng.randrange(2, len(core) - 1)
        tail = core[at:]
        if rng.random() < 0.4:
            damaged = _confuse(tail, rng)
            if damaged is not None and damaged != tail:
                return _Damage(
                    [(tok.text, tok.clean)], [core[:at] + damaged], [core[:at]], at, damaged
                )
        return _Damage([(tok.text, tok.clean)], [], [core[:at]], at, None)
    raise ValueError(op)


def _apply(
    line: list[Token], k: int, result: _Damage, op: str, events: list[Event], *, on_name: bool
) -> None:
    tok = line[k]
    event = Event(op, on_name, tok.clean, "")
    events.append(event)
    number = len(events) - 1
    if op == "merge":
        prev = line[k - 1]
        merged = Token(
            prev.text + tok.text,
            prev.clean + " " + tok.clean,
            tok.kind,
            tok.name,
            number,
        )
        event.clean = merged.clean
        event.damaged = merged.text
        line[k - 1 : k + 1] = [merged]
        return
    if op == "hyphen":
        tok.event = number
        tok.hyphen_at = result.hyphen_at
        tok.hyphen_tail = result.hyphen_tail
        event.op = "hyphen+confusion" if result.hyphen_tail is not None else "hyphen"
        event.needs_correction = result.hyphen_tail is not None
        event.damaged = tok.text
        return
    new = [Token(text, clean, tok.kind, tok.name, number) for text, clean in result.words]
    event.damaged = " ".join(t.text for t in new)
    line[k : k + 1] = new


# -- layout -------------------------------------------------------------------------------


def _layout(
    path: Path,
    source_lines: list[list[Token]],
    events: list[Event],
    names: list[NameOccurrence],
) -> tuple[list[Page], dict[WordRef, Token]]:
    """Wrap the words into lines and pages; a hyphenated word ends its line."""
    lines: list[list[Token]] = []
    for source in source_lines:
        current: list[Token] = []
        width = 0
        for tok in source:
            if tok.hyphen_at is not None:
                prefix, core, suffix = _split(tok.text)
                head = Token(
                    prefix + core[: tok.hyphen_at] + "-",
                    tok.clean,
                    tok.kind,
                    tok.name,
                    tok.event,
                    tok.conf,
                )
                tail_core = (
                    tok.hyphen_tail if tok.hyphen_tail is not None else core[tok.hyphen_at :]
                )
                tail = Token(tail_core + suffix, "", tok.kind, tok.name, tok.event, tok.conf)
                current.append(head)
                lines.append(current)
                current, width = [tail], len(tail.text)
                continue
            split_tail = tok.clean == "" and tok.event is not None  # keep "Dubin in" together
            if current and width + 1 + len(tok.text) > LINE_WIDTH and not split_tail:
                lines.append(current)
                current, width = [], 0
            current.append(tok)
            width += len(tok.text) + (1 if width else 0)
        if current:
            lines.append(current)
    pages: list[Page] = []
    truth: dict[WordRef, Token] = {}
    for p in range(0, len(lines), LINES_PER_PAGE):
        chunk = lines[p : p + LINES_PER_PAGE]
        page_index = p // LINES_PER_PAGE
        page_lines: list[Line] = []
        for li, toks in enumerate(chunk):
            words = tuple(Word(t.text, conf=t.conf) for t in toks)
            page_lines.append(Line(words))
            for wi, t in enumerate(toks):
                ref = WordRef(page_index, li, wi)
                truth[ref] = t
                if t.event is not None:
                    events[t.event].refs.append(ref)
                if t.name is not None:
                    names[t.name].refs.append(ref)
        pages.append(
            Page(number=page_index + 1, source=PageSource(str(path), page_index), lines=page_lines)
        )
    return pages, truth


def corpus(
    *,
    seeds: Sequence[int],
    is_form: Callable[[str], bool],
    is_word: Callable[[str], bool],
    entity_of: Callable[[str], str | None],
    paths: Collection[Path] | None = None,
    is_acronym: Callable[[str], bool] = lambda text: False,
    name_ops: dict[str, float] | None = None,
) -> list[Injected]:
    """Every memo damaged with every seed."""
    return [
        inject(
            path, seed=seed, is_form=is_form, is_word=is_word, entity_of=entity_of,
            is_acronym=is_acronym, name_ops=name_ops,
        )
        for seed in seeds
        for path in (paths or memo_paths())
    ]
