"""CIA dispatch: a form with TO, INFO, FROM, SUBJECT and ACTION REQUIRED boxes."""

import re

from pipeline.structure.profiles import ADDRESSED_RULES, Profile, heading, labels, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("cia-dispatch", "Dispatch", "dispatch"),
    signs=(sign(r".{0,30}\b(?-i:DISPATCH)\b(?!\s+(OF|TO|THE|FROM)\b)"),),
    # the printed captions of the dispatch form, where the OCR puts them
    anywhere=(re.compile(r"\bDISPATCH\s+SYMBOL\b|\bHEADQUARTERS\s+FILE\s+NO", re.I),),
    heading=heading(r".{0,30}\bDISPATCH\b.*"),
    labels=labels(
        "SUBJECT", "DATE", "FROM", "TO", "INFO", "ACTION REQUIRED", "ACTION", "REFERENCES?"
    ),
    rules=ADDRESSED_RULES,
)
