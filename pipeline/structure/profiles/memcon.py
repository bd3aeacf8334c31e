"""Memorandum of conversation: who met, when and where, and what each side said."""

from pipeline.structure.profiles import Profile, heading, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("memorandum-of-conversation", "Memorandum of Conversation",
              "memorandumOfConversation"),
    signs=(sign(r"MEMORANDUM\s+OF\s+CONVERSATION|MEMCON\b"), sign(r"(\S+\s+)?PARTICIPANTS\s*:")),
    heading=heading(r"MEMORANDUM\s+OF\s+CONVERSATION|MEMCON"),
)
