"""Memorandum: for someone, for the record, an information or action memorandum, an office memo."""

import re
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from pipeline.structure import header as rules
from pipeline.structure.profiles import (
    ADDRESSED_RULES,
    MEMO_LABELS,
    SIGN_LINES,
    Profile,
    heading,
    labels,
    sign,
)
from pipeline.structure.tree import Kind

KINDS = (
    r"MEMORANDUM(\s+FOR\b.*)?|(INFORMATION|ACTION|BRIEFING)\s+MEMORANDUM|"
    r"(UNITED\s+STATES\s+GOVERNMENT\s+|OFFICE\s+)?MEMORANDUM|NOTE\s+FOR\s+THE\s+RECORD|"
    r"(?-i:[A-Z]{2,12}(\s[A-Z]{2,12})?\s)MEMORANDUM"  # a kind the OCR garbled: "INFORMA TIGN"
)

ADDRESS_LABELS = ("from", "subject")
FIRST_WORD = re.compile(r"^\W*([A-Za-z]{4,8})")


def _addressed(texts: Sequence[str]) -> bool:
    """FROM and SUBJECT labels among the first lines, however the OCR damaged them.

    "PROM:", "SUBJNCTs": a memorandum whose heading the OCR lost.
    """
    found = set()
    for text in texts[:SIGN_LINES]:
        word = FIRST_WORD.match(text)
        if word is None:
            continue
        label = word[1].lower()
        for name in ADDRESS_LABELS:
            if word[1][:4].isupper() and Levenshtein.distance(label, name) <= len(name) // 3:
                found.add(name)
    return found == set(ADDRESS_LABELS)


PROFILE = Profile(
    kind=Kind("memorandum", "Memorandum", "memorandum"),
    signs=(sign(KINDS),),
    recognise=_addressed,
    heading=heading(KINDS),
    labels=labels(*MEMO_LABELS, "MEMORANDUM FOR"),
    rules=(rules.separator, rules.running_text_first, *ADDRESSED_RULES[1:]),
    titles=(
        (re.compile(r"FOR\s+THE\s+RECORD", re.I), "Memorandum for the Record"),
        (re.compile(r"NOTE\s+FOR\s+THE\s+RECORD", re.I), "Note for the Record"),
        (re.compile(r"^INFORMATION", re.I), "Information Memorandum"),
        (re.compile(r"^ACTION", re.I), "Action Memorandum"),
        (re.compile(r"^BRIEFING", re.I), "Briefing Memorandum"),
    ),
)
