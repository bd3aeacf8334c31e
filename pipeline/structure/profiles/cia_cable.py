"""CIA cable on a message form: the form's boxes, then routing and the text in capitals."""

import re

from pipeline.structure.profiles import ADDRESSED_RULES, Profile, heading, labels, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("cia-cable", "Cable", "cable"),
    signs=(
        sign(r".{0,40}\b(?-i:MESSAGE\s+FORM)\b"),
        sign(r".{0,40}\b(OUTGOING|INCOMING|CLASSIFIED)\s+MESSAGE\b"),
        sign(r".{0,20}\bCABLE\s+SEC"),
    ),
    # printed on the message form, where the OCR puts it
    anywhere=(
        re.compile(r"REPRODUCTION\s+BY\s+OTHER\s+THAN\s+THE\s+ISSUING\s+OFFICE", re.I),
        re.compile(r"\bCABLE\s+SECRETARIAT\b|\bCITE\s+DIRECTOR\b", re.I),
    ),
    heading=heading(r".{0,40}\b(MESSAGE\s+FORM|(OUTGOING|INCOMING|CLASSIFIED)\s+MESSAGE)\b.*"),
    labels=labels("SUBJECT", "DATE", "FROM", "TO", "INFO", "CONF", "REF", "ROUTING"),
    rules=ADDRESSED_RULES,
)
