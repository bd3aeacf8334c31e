"""Proclamation: the heading, maybe its number, the title in capitals, then the text."""

from pipeline.structure.profiles import TITLED_RULES, Profile, heading, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("proclamation", "Proclamation", "proclamation"),
    signs=(sign(r"PROCLAMATION(\s+\d{3,5})?\s*$"),),
    heading=heading(r"PROCLAMATION(\s+(NO\.?\s*)?\d{3,5})?"),
    rules=TITLED_RULES,
    number=sign(r"PROCLAMATION\s+(?:NO\.?\s*)?(\d{3,5})\b"),
)
