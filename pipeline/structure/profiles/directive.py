"""Presidential directive (NSDD, NSDM, NSAM, PD): letterhead, date, numbered heading, subject."""

from pipeline.structure import header as rules
from pipeline.structure.profiles import Profile, heading, sign
from pipeline.structure.tree import Kind

KINDS = (
    r"NATIONAL\s+SECURITY\s+(?:DECISION|ACTION|STUDY)\s+(?:DIRECTIVE|MEMORANDUM)"
    r"|PRESIDENTIAL\s+(?:DIRECTIVE|DECISION\s+DIRECTIVE)|NSDD|NSDM|NSAM|NSSM"
)

# The heading alone on its line, its number maybe with it: "NATIONAL SECURITY DECISION
# DIRECTIVE NUMBER 227" (a mention in running text is no sign).
HEADING = heading(r"(" + KINDS + r")(\s+(NUMBER|NO\.?))?(\s*[-/]?\s*\d{1,4})?")

PROFILE = Profile(
    kind=Kind("directive", "National Security Directive", "directive"),
    signs=(HEADING,),
    heading=HEADING,
    rules=(
        rules.separator,
        rules.running_text_first,
        rules.heading,
        rules.bare_date,
        rules.labelled_field,
        rules.subject_after_heading,
        rules.speck,
    ),
    number=sign(r".*?\b(?:" + KINDS + r")\s+(?:NUMBER|NO\.?)?\s*[-/]?\s*(\d{1,4})\b"),
    titles=tuple(
        (sign(pattern), label)
        for pattern, label in (
            (r"NATIONAL\s+SECURITY\s+DECISION\s+DIRECTIVE|NSDD",
             "National Security Decision Directive"),
            (r"NATIONAL\s+SECURITY\s+DECISION\s+MEMORANDUM|NSDM",
             "National Security Decision Memorandum"),
            (r"NATIONAL\s+SECURITY\s+ACTION\s+MEMORANDUM|NSAM",
             "National Security Action Memorandum"),
            (r"NATIONAL\s+SECURITY\s+STUDY", "National Security Study Directive"),
            (r"PRESIDENTIAL", "Presidential Directive"),
        )
    ),
)
