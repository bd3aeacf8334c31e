"""Any other record: every memorandum rule and label, and a telegram's routing and date group."""

from pipeline.structure import header as rules
from pipeline.structure.profiles import MEMO_LABELS, MEMO_RULES, Profile, heading, labels
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("document", "Document", "document"),
    heading=heading(r"AIRGRAM|CABLE|NOTE|REPORT|MINUTES|SUMMARY\s+OF\s+CONCLUSIONS"),
    labels=labels(*MEMO_LABELS, "INFO", routing=True),
    rules=(*MEMO_RULES[:3], rules.date_time_group, *MEMO_RULES[3:]),
)
