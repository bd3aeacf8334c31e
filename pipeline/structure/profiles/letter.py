"""Letter: no heading; a date, an address maybe, then the salutation ("Dear Mr. Ambassador,")."""

from pipeline.structure import header as rules
from pipeline.structure.profiles import Profile, sign
from pipeline.structure.tree import Kind

PROFILE = Profile(
    kind=Kind("letter", "Letter", "letter"),
    signs=(sign(r"(My\s+)?Dear\s+(Mr|Mrs|Ms|Dr|Sir|Madam|Mister|[A-Z][a-z]+)\b.{0,40}$"),),
    rules=(rules.separator, rules.running_text_first, rules.bare_date, rules.speck),
)
