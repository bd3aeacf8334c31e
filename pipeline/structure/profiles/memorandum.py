"""Memorandum: for someone, for the record, an information or action memorandum, an office memo."""

import re

from pipeline.structure import header as rules
from pipeline.structure.profiles import MEMO_LABELS, Profile, heading, labels, sign
from pipeline.structure.tree import Kind

KINDS = (
    r"MEMORANDUM(\s+FOR\b.*)?|(INFORMATION|ACTION|BRIEFING)\s+MEMORANDUM|"
    r"(UNITED\s+STATES\s+GOVERNMENT\s+|OFFICE\s+)?MEMORANDUM|NOTE\s+FOR\s+THE\s+RECORD"
)

PROFILE = Profile(
    kind=Kind("memorandum", "Memorandum", "memorandum"),
    signs=(sign(KINDS),),
    heading=heading(KINDS),
    labels=labels(*MEMO_LABELS, "MEMORANDUM FOR"),
    rules=(
        rules.separator,
        rules.running_text_first,
        rules.heading,
        rules.labelled_field,
        rules.damaged_label,
        rules.bare_date,
        rules.speck,
        rules.short_line,
    ),
    titles=(
        (re.compile(r"FOR\s+THE\s+RECORD", re.I), "Memorandum for the Record"),
        (re.compile(r"NOTE\s+FOR\s+THE\s+RECORD", re.I), "Note for the Record"),
        (re.compile(r"^INFORMATION", re.I), "Information Memorandum"),
        (re.compile(r"^ACTION", re.I), "Action Memorandum"),
        (re.compile(r"^BRIEFING", re.I), "Briefing Memorandum"),
    ),
)
