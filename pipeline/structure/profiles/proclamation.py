"""Proclamation: the heading, maybe its number, the title in capitals, then the text."""

from pipeline.structure import header as rules
from pipeline.structure.profiles import Profile, heading, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("proclamation", "Proclamation", "proclamation"),
    signs=(sign(r"PROCLAMATION(\s+\d{3,5})?\s*$"),),
    heading=heading(r"PROCLAMATION(\s+(NO\.?\s*)?\d{3,5})?"),
    rules=(
        rules.separator,
        rules.running_text_first,
        rules.heading,
        rules.subject_after_heading,
        rules.speck,
    ),
    number=sign(r"PROCLAMATION\s+(?:NO\.?\s*)?(\d{3,5})\b"),
)
