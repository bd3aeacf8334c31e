"""Profiles: one small declarative file per kind of record, and how a document's kind is found.

A profile says how its kind is recognised (signs among the first page's lines, or a test of
its own), the heading that names it, the labels of its header, the header rules in the order
they apply, its TEI ``div/@type``, where its number stands, and the words of its format that
no dictionary lists (a telegram's "SECSTATE WASHDC"). The first profile (`all_profiles`)
whose signs a document shows is its kind; the generic profile takes the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.structure import header as rules
from pipeline.structure.tree import Kind

SIGN_LINES = 30  # the signs of a kind stand among the first page's first lines


def labels(*names: str, routing: bool = False) -> re.Pattern[str]:
    """A header-label pattern: each name followed by a colon.

    With `routing`, also a telegram's FM/TO/INFO lines in capitals, without a colon
    ("FM AMEMBASSY MOSCOW").
    """
    alternatives = "|".join(names)
    route = r"|(?-i:(FM|TO|INFO)(?=\s+[A-Z]{3,}))" if routing else ""
    return re.compile(
        r"^(?:(DATE,\s*TIME(?:,?\s+AND\s+PLACE)?|AND\s+PLACE)\s*:?" + route
        + r"|(" + alternatives + r")\s*['‘’`]?\s*:)",
        re.IGNORECASE,
    )


MEMO_LABELS = (
    "SUBJECT", "SUBJ", "DATE", "TIME", "PLACE", "FROM", "TO", "THRU", "THROUGH", "CC",
    "COPIES TO", "REF", "TAGS",
    r"PARTICIPANTS|((US|U\.S\.|SOVIET|USSR|AMERICAN|[A-Z][a-z]+) )?PARTICIPANTS",
)
# A heading, then the title in capitals under it (executive orders, proclamations).
TITLED_RULES: tuple[rules.Rule, ...] = (
    rules.separator,
    rules.running_text_first,
    rules.heading,
    rules.subject_after_heading,
    rules.speck,
)
# A heading and labelled lines (TO, FROM, SUBJECT), a date on its own maybe, short lines the
# OCR set apart (a printed form's boxes): memoranda, CIA cables and dispatches.
ADDRESSED_RULES: tuple[rules.Rule, ...] = (
    rules.separator,
    rules.heading,
    rules.labelled_field,
    rules.damaged_label,
    rules.bare_date,
    rules.speck,
    rules.short_line,
)
MEMO_RULES: tuple[rules.Rule, ...] = (
    rules.separator,
    rules.running_text_first,
    rules.heading,
    rules.side_label,
    rules.labelled_field,
    rules.damaged_label,
    rules.participant,
    rules.subject_after_heading,
    rules.speck,
)


@dataclass(frozen=True)
class Profile:
    """How one kind of record is recognised and read."""

    kind: Kind
    signs: tuple[re.Pattern[str], ...] = ()
    heading: re.Pattern[str] | None = None  # the line that names the kind
    labels: re.Pattern[str] = labels(*MEMO_LABELS)
    rules: tuple[rules.Rule, ...] = MEMO_RULES
    number: re.Pattern[str] | None = None  # group 1: the document's number, in any early line
    titles: tuple[tuple[re.Pattern[str], str], ...] = ()  # heading -> a finer label
    recognise: Callable[[Sequence[str]], bool] | None = None  # a test of its own
    anywhere: tuple[re.Pattern[str], ...] = ()  # a printed form's captions, anywhere on page 1
    # Words of the kind's format that no dictionary lists ("SECSTATE", "WASHDC"), as written:
    # OCR slips are mended into them (pipeline.slips) and they are never taken for slips.
    words: frozenset[str] = frozenset()

    def shown_by(self, texts: Sequence[str], early: Sequence[str]) -> bool:
        """Whether the first page's lines show this kind (`early`: see early_lines)."""
        if self.recognise is not None and self.recognise(texts):
            return True
        if any(sign.search(text) for text in early for sign in self.signs):
            return True
        return any(sign.search(text) for text in texts for sign in self.anywhere)

    def label_for(self, heading_text: str | None) -> str:
        for pattern, label in self.titles:
            if heading_text and pattern.search(heading_text):
                return label
        return self.kind.label

    def number_in(self, texts: Sequence[str]) -> str | None:
        if self.number is None:
            return None
        for text in early_lines(texts):
            found = self.number.search(text)
            if found:
                return " ".join(found[1].split())
        return None


def heading(pattern: str) -> re.Pattern[str]:
    """A heading: the pattern and nothing else on the line (case ignored)."""
    return re.compile(r"^(?:" + pattern + r")\s*[.:]?$", re.IGNORECASE)


def sign(pattern: str) -> re.Pattern[str]:
    """A sign of a kind: a line that starts with the pattern (case ignored)."""
    return re.compile(r"^(?:" + pattern + r")", re.IGNORECASE)


def detect(texts: Sequence[str]) -> Profile:
    """The profile of the first kind whose signs the first page's lines show."""
    from pipeline.structure.profiles import generic

    early = early_lines(texts)
    return next((p for p in all_profiles() if p.shown_by(texts, early)), generic.PROFILE)


def early_lines(texts: Sequence[str]) -> list[str]:
    """The first page's first lines, and each with the next.

    A heading may run over two lines: "NATIONAL SECURITY DECISION" / "DIRECTIVE NUMBER 227".
    """
    early = list(texts[:SIGN_LINES])
    return early + [f"{a} {b}" for a, b in zip(early, early[1:])]


@lru_cache(maxsize=1)
def all_profiles() -> tuple[Profile, ...]:
    """Every profile but the generic one, in the order they are tried."""
    from pipeline.structure.profiles import (  # they import this module: loaded when asked
        cia_cable,
        cia_dispatch,
        directive,
        executive_order,
        form,
        letter,
        memcon,
        memorandum,
        proclamation,
        telegram,
    )

    # Most specific first: a form's labels, then the headings that name a kind outright,
    # then memoranda (a memorandum of conversation before a plain memorandum), then letters.
    return tuple(
        module.PROFILE
        for module in (
            form, directive, executive_order, proclamation, telegram, cia_cable,
            cia_dispatch, memcon, memorandum, letter,
        )
    )



def of_kind(name: str) -> Profile:
    """The profile of a kind by its name ("telegram"); the generic profile for any other."""
    from pipeline.structure.profiles import generic

    return next((p for p in all_profiles() if p.kind.name == name), generic.PROFILE)
