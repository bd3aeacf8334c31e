"""Executive order: the heading with its number, the title in capitals, then the order."""

from pipeline.structure.profiles import TITLED_RULES, Profile, heading, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("executive-order", "Executive Order", "executiveOrder"),
    signs=(sign(r"EXECUTIVE\s+ORDER\b"),),
    heading=heading(r"EXECUTIVE\s+ORDER(\s+(NO\.?\s*)?\d{3,5})?"),
    rules=TITLED_RULES,
    number=sign(r"EXECUTIVE\s+ORDER\s+(?:NO\.?\s*)?(\d{3,5})\b"),
)
