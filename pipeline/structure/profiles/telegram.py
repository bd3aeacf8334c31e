"""State Department telegram: routing (FM/TO/INFO), date-time group, TAGS, subject, references.

Its markings are often spaced ("C O N F I D E N T I A L") and its pages carry a running
head ("PAGE 01 MOSCOW 17709 141540Z"), both read as furniture. Its routing words
("SECSTATE WASHDC", vocabulary.TELEGRAM_WORDS) are words of its own.
"""

from pipeline.structure import header as rules
from pipeline.structure.profiles import Profile, heading, labels, sign
from pipeline.structure.tree import Kind
from pipeline.structure.vocabulary import TELEGRAM_WORDS

PROFILE = Profile(
    kind=Kind("telegram", "Telegram", "telegram"),
    signs=(
        sign(r"(DEPARTMENT\s+OF\s+STATE\s+|TEXT\s+OF\s+)?TELEGRAM\b|AIRGRAM\b"),
        sign(r"(?-i:FM)\s+(AMEMBASSY|AMCONSUL|SECSTATE|USMISSION|USDEL|[A-Z]{4,})"),
        sign(r"(?:[OPRZ]{1,2}\s+)?\d{6}\s?Z\s+[A-Z]{3}\s+\d{2}\b"),
        sign(r"PAGE\s+\d{2}\s+[A-Z]{4,}\s+\d{3,6}\b"),
    ),
    heading=heading(r"(DEPARTMENT\s+OF\s+STATE\s+|TEXT\s+OF\s+)?TELEGRAM(\s+\S+)?|AIRGRAM|CABLE"),
    labels=labels("SUBJECT", "SUBJ", "TAGS", "REF", "REFS", "FROM", "TO", "INFO", routing=True),
    rules=(
        rules.separator,
        rules.running_text_first,
        rules.heading,
        rules.date_time_group,
        rules.labelled_field,
        rules.damaged_label,
        rules.speck,
        rules.routing_block,
    ),
    number=sign(r"PAGE\s+\d{1,3}\s+([A-Z]{4,}(?:\s[A-Z]{4,})?\s+\d{3,6})\b"),
    words=TELEGRAM_WORDS,
)
