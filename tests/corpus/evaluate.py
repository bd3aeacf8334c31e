"""Measure name correction on the injected corpus: recall, precision, wrong changes.

A correction (a mention with ``corrected``) is right when the words it covers, rewritten as
``prefix + corrected + suffix``, read exactly as the clean text; it is wrong otherwise (and
also when it covers only part of a split or hyphenated word). Recall counts the damage
events on names that needed a correction and were fixed by a right correction covering all
their words. Wrong corrections are counted by what they changed: an intact gazetteer name,
a dictionary word, a damaged name turned into the wrong name, or another word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from corpus.inject import NAME_OPS, Injected, Token, corpus
from pipeline.correction import NameCorrector, affixes, english_words, protected_words, span
from pipeline.gazetteer import Gazetteer
from pipeline.model import Mention, Page, WordRef

CORPUS_GAZETTEER = Path(__file__).resolve().parent / "gazetteer.csv"
#: Kinds of damage whose right outcome is review, not a correction (a short name with one
#: slip and no support in its document): counted apart from recall, as the share sent for
#: review or corrected right.
REVIEW_EXPECTED = frozenset({"short-bare"})


@dataclass
class Result:
    """Figures for a set of damaged documents."""

    documents: int = 0
    words: int = 0
    names: int = 0
    name_events: int = 0  # damage to names that needs a correction
    fixed: int = 0  # ... fixed by a right correction
    reviewed: int = 0  # ... left for review instead (not counted as fixed)
    hyphen_only: int = 0  # names only hyphenated (need tagging, no correction)
    word_events: int = 0  # damage to ordinary words
    corrections: int = 0
    right: int = 0
    exact_changed: int = 0  # intact gazetteer names changed
    dictionary_changed: int = 0  # dictionary words changed (damaged or not)
    misnamed: int = 0  # damaged names corrected to the wrong text
    other_changed: int = 0  # other words changed
    wrong_entity: int = 0  # right text, wrong entity
    intact_names: int = 0
    intact_tagged: int = 0  # intact names tagged with the right entity (or sent for review)
    redraws: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    #: per kind of damage to names: [events needing a correction, fixed, corrections, right,
    #: sent for review];
    #: corrections of words with no damage to a name are counted under "none"
    cases: dict[str, list[int]] = field(default_factory=dict)

    def case(self, op: str) -> list[int]:
        return self.cases.setdefault(op, [0, 0, 0, 0, 0])

    def case_lines(self) -> list[str]:
        """Recall and precision per kind of damage."""
        out = []
        for op in sorted(self.cases):
            events, fixed, corrections, right, reviewed = self.cases[op]
            if op in REVIEW_EXPECTED:
                handled = f"{(fixed + reviewed) / events:.4f}" if events else "  -   "
                precision = f"{right / corrections:.4f}" if corrections else "  -   "
                out.append(
                    f"  {op:<17} review expected: sent for review {reviewed}, corrected "
                    f"right {fixed}, of {events}: {handled}  precision {precision} "
                    f"({right}/{corrections})"
                )
                continue
            recall = f"{fixed / events:.4f}" if events else "  -   "
            precision = f"{right / corrections:.4f}" if corrections else "  -   "
            out.append(
                f"  {op:<17} recall {recall} ({fixed}/{events})  precision {precision} "
                f"({right}/{corrections})" + (f"  sent for review {reviewed}" if reviewed else "")
            )
        return out

    def case_ok(self, recall: float, precision: float) -> bool:
        """Every kind of damage meets the goals (a kind with no events has no recall)."""
        for op, (events, fixed, corrections, right, reviewed) in self.cases.items():
            done = fixed + reviewed if op in REVIEW_EXPECTED else fixed
            if events and done / events < recall:
                return False
            if corrections and right / corrections < precision:
                return False
        return True

    @property
    def recall(self) -> float:
        return self.fixed / self.name_events if self.name_events else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.corrections if self.corrections else 1.0

    @property
    def wrong_changes(self) -> int:
        return self.exact_changed + self.dictionary_changed + self.other_changed

    def summary(self) -> str:
        return (
            f"documents {self.documents}, words {self.words}, names {self.names}; "
            f"damaged names needing correction {self.name_events}, fixed {self.fixed}, "
            f"sent for review {self.reviewed}; damaged ordinary words {self.word_events}\n"
            f"name recall {self.recall:.4f}  precision {self.precision:.4f} "
            f"({self.right}/{self.corrections} corrections right)\n"
            f"wrongly changed: exact gazetteer forms {self.exact_changed}, dictionary words "
            f"{self.dictionary_changed}, other words {self.other_changed}; damaged names "
            f"corrected to the wrong name {self.misnamed}; right text but wrong entity "
            f"{self.wrong_entity}\n"
            f"intact names tagged {self.intact_tagged}/{self.intact_names}; "
            f"hyphenated-only names {self.hyphen_only}; damage draws refused {self.redraws}"
        )


def _next_ref(ref: WordRef, pages: Sequence[Page]) -> WordRef | None:
    line = pages[ref.page].lines[ref.line]
    if ref.word + 1 < len(line.words):
        return WordRef(ref.page, ref.line, ref.word + 1)
    if ref.line + 1 < len(pages[ref.page].lines):
        return WordRef(ref.page, ref.line + 1, 0)
    if ref.page + 1 < len(pages):
        return WordRef(ref.page + 1, 0, 0)
    return None


def evaluate(corrector: NameCorrector, documents: Sequence[Injected]) -> Result:
    """Run the corrector on every document and compare with the truth."""
    result = Result()
    words = english_words()
    for doc in documents:
        result.documents += 1
        result.words += len(doc.truth)
        result.names += len(doc.names)
        result.redraws += doc.redraws
        mentions = corrector.find_mentions(doc.pages)
        right_spans: list[set[WordRef]] = []
        reviewed_spans: list[set[WordRef]] = []
        # The names of one word ("Shu1tz-Gr0myko") are judged together: the word as all
        # their corrections rewrite it.
        groups: dict[tuple[WordRef, ...], list[Mention]] = {}
        for m in mentions:
            refs = span(m, doc.pages)
            if m.review:
                reviewed_spans.append(set(refs))
            if m.corrected is not None:
                groups.setdefault(tuple(refs), []).append(m)
        for refs_key, group in groups.items():
            refs = list(refs_key)
            result.corrections += len(group)
            toks = [doc.truth[r] for r in refs]
            ops = {doc.events[t.event].op for t in toks if t.event is not None
                   and doc.events[t.event].on_name}
            op = min(ops) if ops else "none"
            result.case(op)[2] += len(group)
            after = _next_ref(refs[-1], doc.pages)
            complete = toks[0].clean != "" and (after is None or doc.truth[after].clean != "")
            clean = " ".join(t.clean for t in toks if t.clean)
            proposed = _rewrite(group, doc.pages)
            if complete and proposed == clean:
                result.right += len(group)
                result.case(op)[3] += len(group)
                right_spans.append(set(refs))
                expected = {doc.names[t.name].entity_id for t in toks if t.name is not None}
                expected.discard(None)
                if len(group) == 1 and expected and group[0].entity_id not in expected:
                    result.wrong_entity += 1
                continue
            if len(group) > 1 or group[0].offset is not None:
                # names in one word: each correction is right when its part of the word is
                # ("NAT0-Kampelman": Kampelman is right though NAT0 is left alone)
                right = [m for m in group if complete and _part_right(m, doc.pages, clean)]
                result.right += len(right)
                result.case(op)[3] += len(right)
                group = [m for m in group if m not in right]
            for m in group:
                result.wrong.append(
                    f"{doc.name}: {m.original!r} -> {m.corrected!r} ({m.entity_id}, "
                    f"{m.score}); clean {clean!r}"
                )
            for t in toks if group else ():
                _count_wrong(result, t, words)
        for event in doc.events:
            if not event.on_name:
                result.word_events += 1
                continue
            if event.op in REVIEW_EXPECTED:
                counts = result.case(event.op)
                counts[0] += 1
                need = set(event.refs)
                if any(need <= s for s in right_spans):
                    counts[1] += 1
                elif any(need & s for s in reviewed_spans):
                    counts[4] += 1
                else:
                    result.missed.append(
                        f"{doc.name}: {event.op} {event.clean!r} -> {event.damaged!r}"
                    )
                continue
            if not event.needs_correction:
                result.hyphen_only += 1
                continue
            result.name_events += 1
            result.case(event.op)[0] += 1
            need = set(event.refs)
            if any(need <= s for s in right_spans):
                result.fixed += 1
                result.case(event.op)[1] += 1
            else:
                if any(need & s for s in reviewed_spans):
                    result.reviewed += 1
                    result.case(event.op)[4] += 1
                result.missed.append(f"{doc.name}: {event.op} {event.clean!r} -> {event.damaged!r}")
        by_start = {m.first: m for m in mentions}
        covered: dict[WordRef, Mention] = {}
        for m in mentions:
            for r in span(m, doc.pages):
                covered[r] = m
        for occurrence in doc.names:
            if occurrence.damaged:
                continue
            result.intact_names += 1
            hits = {covered.get(r) for r in occurrence.refs}
            if len(hits) != 1 or None in hits:
                continue
            m = hits.pop()
            assert m is not None and m.first in by_start
            if occurrence.entity_id in (m.entity_id, *m.candidates) or not occurrence.entity_id:
                result.intact_tagged += 1
    return result


def _rewrite(group: list[Mention], pages: Sequence[Page]) -> str:
    """The words of the mentions (all on the same words) with every correction made."""
    if len(group) == 1:
        m = group[0]
        prefix, suffix = affixes(m, pages)
        return prefix + (m.corrected or m.original) + suffix
    ref = group[0].first
    text = pages[ref.page].lines[ref.line].words[ref.word].text
    out, at = "", 0
    for m in sorted(group, key=lambda m: m.offset or 0):
        start = m.offset if m.offset is not None else text.find(m.original, at)
        out += text[at:start] + (m.corrected or m.original)
        at = start + len(m.original)
    return out + text[at:]


def _part_right(m: Mention, pages: Sequence[Page], clean: str) -> bool:
    """The part of a compound word that the mention corrects reads as in the clean text."""
    proposed = _rewrite([m], pages)
    ours, theirs = re.split(r"[-/:]", proposed), re.split(r"[-/:]", clean)
    if len(ours) != len(theirs):
        return False
    k = proposed[: (m.offset or 0)].count("-") + proposed[: (m.offset or 0)].count("/")
    k += proposed[: (m.offset or 0)].count(":")
    return ours[k] == theirs[k]


def _count_wrong(result: Result, tok: Token, words: frozenset[str]) -> None:
    if tok.kind == "name":
        if tok.event is None:
            result.exact_changed += 1
        else:
            result.misnamed += 1
        return
    core = tok.clean.strip(".,;:!?()\"'").lower()
    if core in words:
        result.dictionary_changed += 1
    else:
        result.other_changed += 1


def oracle(
    gazetteer: Gazetteer,
) -> tuple[Callable[[str], bool], Callable[[str], bool], Callable[[str], str | None]]:
    """``is_form``, ``is_word`` and ``entity_of`` for the injector, from a gazetteer."""
    is_form, is_word, entity_of, _is_acronym = oracle_with_acronyms(gazetteer)
    return is_form, is_word, entity_of


def oracle_with_acronyms(
    gazetteer: Gazetteer,
) -> tuple[
    Callable[[str], bool], Callable[[str], bool], Callable[[str], str | None],
    Callable[[str], bool],
]:
    """:func:`oracle` and ``is_acronym``: a form the gazetteer writes in capitals ("NATO")."""
    forms = {form for form, _e in gazetteer.all_forms()}
    upper = {form.upper() for form in forms}
    guard = protected_words(forms)

    def is_form(text: str) -> bool:
        return text in forms or (text.isupper() and text in upper)

    def is_word(text: str) -> bool:
        return text.lower() in guard

    def entity_of(form: str) -> str | None:
        found = gazetteer.forms(form) or [
            e for f, e in gazetteer.all_forms() if f.upper() == form and form.isupper()
        ]
        ids = {e.id for e in found}
        return ids.pop() if len(ids) == 1 else None

    acronyms = {form for form in forms if form.isupper() and form.isalpha()}

    def is_acronym(text: str) -> bool:
        return text in acronyms

    return is_form, is_word, entity_of, is_acronym


@lru_cache(maxsize=4)
def damaged_corpus(
    gazetteer_path: Path, seeds: tuple[int, ...], focus: str | None = None
) -> list[Injected]:
    """The memos damaged with ``seeds``, truth from the gazetteer at ``gazetteer_path``.

    ``focus``: one kind of damage to names alone (a name of ``NAME_OPS``), for a large
    sample of it; the ordinary words are damaged as usual.
    """
    gazetteer = Gazetteer.load([gazetteer_path])
    is_form, is_word, entity_of, is_acronym = oracle_with_acronyms(gazetteer)
    name_ops = None
    if focus is not None:
        if focus not in NAME_OPS:
            raise ValueError(f"unknown kind of damage {focus!r}; one of {', '.join(NAME_OPS)}")
        name_ops = {focus: 1.0}
    return corpus(
        seeds=seeds, is_form=is_form, is_word=is_word, entity_of=entity_of,
        is_acronym=is_acronym, name_ops=name_ops,
    )
