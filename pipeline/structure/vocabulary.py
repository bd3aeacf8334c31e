"""What records of every kind say alike: titles and roles, months, dates, portion marks.

One date parser with one rule for two-digit years serves every stage: headers, stamps and the
correction stage's dates of people.
"""

from __future__ import annotations

import re
from datetime import date

# Titles and roles that stand before a name or after it ("D. Zarechnak, Interpreter").
ROLE_WORDS = (
    "President",
    "Vice President",
    "General Secretary",
    "Secretary",
    "Ambassador",
    "Minister",
    "Foreign Minister",
    "Deputy Foreign Minister",
    "Chief of Staff",
    "Deputy Assistant Secretary",
    "Assistant Secretary",
    "Under Secretary",
    "Deputy Secretary",
    "Interpreter",
    "Notetaker",
    "VADM",
    "ADM",
    "General",
    "Marshal",
    "Admiral",
    "Senator",
    "Counselor",
    "Director",
    "National Security Advisor",
    "Assistant to the President",
    "Special Assistant",
    "Deputy Director",
    "Chairman",
    "Premier",
    "Prime Minister",
    "Adviser",
    "Advisor",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Dr.",
    "Deputy Chief of Mission",
    "Charge",
    "Minister-Counselor",
    "Secretary of State",
    "Secretary of Defense",
    "Secretary of the Treasury",
    "Deputy Secretary of State",
    "Assistant Secretary of State",
    "National Security Adviser",
    "Minister of Foreign Affairs",
    "Chief of the General Staff",
    "Defense Minister",
)

# The words a State Department telegram is routed and handled with: addresses ("FM AMEMBASSY
# MOSCOW", "TO SECSTATE WASHDC"), precedences, action and information addressees, handling
# captions. Words of the telegram format (the Foreign Affairs Manual's and Handbook's telegram
# chapters, and every cable of the public telegram archives use them), not of any one
# telegram: the telegram profile's own words (`Profile.words`), mended into (pipeline.slips)
# and not taken for misreadings. Acronyms of four letters or fewer are abbreviations anyway.
TELEGRAM_WORDS = frozenset({
    "SECSTATE", "WASHDC", "SECDEF", "AMEMBASSY", "AMEMB", "AMCONSUL", "AMCONSULATE",
    "USMISSION", "USDEL", "USUN", "USNATO", "USEC", "USOECD", "USIAEA", "USINFO", "USINT",
    "USCINCEUR", "USCINCPAC", "CINCPAC", "CINCLANT", "CINCEUR", "USLO", "NIACT", "IMMEDIATE",
    "PRIORITY", "ROUTINE", "FLASH", "INFO", "ACTION", "SIPDIS", "NODIS", "EXDIS", "LIMDIS",
    "STADIS", "NOFORN", "CHEROKEE", "DECAPTIONED", "DECL", "OADR",
})

# The subject TAGS a State Department telegram's (or memorandum's) TAGS line carries, a closed
# vocabulary of four capitals (the first the category: Administration, Business services,
# Consular, Economic, Military, Operations, Political, Social, Technology), from three lists:
# - the 1974 TAGS handbook's subject TAGS (TL:TAGS-1, 6-28-74, Section 8), which cables of the
#   1970s and 1980s carry, many retired since (SHUM, SNAR, SREF, PFOR, PINT, EEWT, PROP, ...);
# - the subject TAGS of NARA's FAQ to the Central Foreign Policy Files 1973-1979 (appendices I
#   and II: AFSP, APOU, CARR, ...);
# - today's TAGS/Terms Handbook (5 FAH-3 H-011.1, "TAGS and Subject") for the codes in use since
#   then that cables of the 1980s carry (PREL is on the real 1986 telegrams), or may.
# A code found in none of them is not listed: a code that never was is a wrong mending waiting
# to happen ("ETR0" is ETRD; an ETRN beside it would make it ambiguous, or wrong). Codes brought
# in after the 1980s are left out on purpose: the records read here are older, and each code
# listed makes its neighbours ambiguous (PREF, the later cables' code for refugees, SREF before
# it, is one letter from PREL; OIIP came with the merger of USIA into State in 1999). Two-letter
# country and organisation codes (UR, US, ET) are not listed: one substitution reaches dozens.
SUBJECT_TAGS = frozenset({
    # Administration
    "AADP", "AART", "AAUD", "ABLD", "ABUD", "ACLM", "ACMM", "ACMS", "ACOA", "ACOM", "ACOU",
    "ADCO", "ADPM", "ADTO", "AEMR", "AFAC", "AFIN", "AFOP", "AFSI", "AFSN", "AFSP", "AGAO",
    "AINF", "AINR", "ALIB", "ALOW", "ALTR", "AMED", "AMGT", "AMTC", "ANET", "AODE", "AORC",
    "AORG", "APER", "APOU", "APUB", "AREC", "AREG", "ASAF", "ASCH", "ASEC", "ASIG", "ASUP",
    "ATRN", "AVCE", "AWRD",
    # Business services
    "BAGB", "BBAK", "BBCP", "BBSR", "BDIS", "BENC", "BEXP", "BFOL", "BGEN", "BLIB", "BPRO",
    "BPUB", "BTIO", "BTRA",
    # Consular
    "CARR", "CASC", "CDES", "CFED", "CGEN", "CJAN", "CLOK", "CMGT", "CPAS", "CPRS", "CVIS",
    # Economic
    "EAGR", "EAID", "EAIR", "EALR", "ECEM", "ECIN", "ECON", "ECPS", "ECRE", "ECRP", "EEWT",
    "EFIN", "EFIS", "EGEN", "EIND", "EINV", "ELAB", "ELEC", "ELTN", "EMAE", "EMES", "EMIN",
    "ENRG", "EPAP", "EPET", "ESTC", "ETEL", "ETRD", "EWWT",
    # Military
    "MARR", "MASS", "MCAP", "MILI", "MMOL", "MNUC", "MOPS", "MORG", "MPOL",
    # Operations
    "OCLR", "OCON", "OEXC", "OGEN", "OREP", "OSCI", "OTRA", "OVIP",
    # Political
    "PARM", "PBOR", "PDEV", "PDIP", "PFOR", "PGOV", "PHUM", "PINR", "PINS", "PINT", "PLOS",
    "PORG", "PORS", "PREL", "PROP", "PTER",
    # Social
    "SCUL", "SEDU", "SENV", "SGEN", "SHUM", "SMIG", "SNAR", "SOCI", "SOPN", "SPOP", "SREF",
    "SWEL",
    # Technology and science
    "TBIO", "TECH", "TGEN", "TPHY", "TSPA",
})

# Paragraph and title classification marks: "(S)", "(C)", "(S/NF)".
PORTION_MARK = re.compile(r"^\((TS|S|C|U|S/S|S/NF|C/NF|LOU|SBU|TS/SCI)\)$")

_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
_DAY_NAMES = "monday tuesday wednesday thursday friday saturday sunday".split()
# Month and day names are proper words of the word list, so no slip is mended into them as
# into a dictionary word; in capitals, as a teleprinter or a header writes them, they are
# words of every kind of record (slips.mend's `words`): "DCTOBER" is OCTOBER.
CALENDAR_WORDS = frozenset(name.upper() for name in (*_MONTH_NAMES, *_DAY_NAMES))
MONTHS = {name: n for n, name in enumerate(_MONTH_NAMES, start=1)}
MONTHS.update({name[:3]: n for name, n in list(MONTHS.items())})
MONTHS["sept"] = 9

NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s?/\s?(\d{1,2})\s?/\s?(\d{4}|\d{2})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4}|\d{2})\b")
_SLASHED_MONTH = re.compile(r"\b(\d{1,2})\s?/\s?([A-Za-z]{3})\s?/\s?(\d{4}|\d{2})\b")  # 2/FEB/1965


def iso_date(year: int, month: int, day: int, today: date) -> str | None:
    """The ISO date, or None when it is no date or lies after the day the document is processed.

    A two-digit year is the later of 20xx and 19xx that is not after that day: "3/5/47" is
    1947, "11/29/07" 2007.
    """
    for full in (year,) if year >= 100 else (2000 + year, 1900 + year):
        try:
            found = date(full, month, day)
        except ValueError:
            return None
        if found <= today:
            return found.isoformat()
    return None


def numeric_date(text: str, today: date) -> tuple[str, str] | None:
    """The first M/D/YY or M/D/YYYY date in the text: (as written, ISO)."""
    for m in NUMERIC_DATE.finditer(text):
        iso = iso_date(int(m[3]), int(m[1]), int(m[2]), today)
        if iso is not None:
            return m[0], iso
    return None


# Each way of writing a date, and which of its groups are the day, month and year.
_DATE_FORMS = (
    (_MONTH_DAY_YEAR, (2, 1, 3)),
    (_DAY_MONTH_YEAR, (1, 2, 3)),
    (_SLASHED_MONTH, (1, 2, 3)),
    (NUMERIC_DATE, (2, 1, 3)),
)


def parse_date(text: str, today: date) -> tuple[str, str] | None:
    """The first date in the text: (as written, ISO).

    "June 23, 1986", "23 June 1986", "OCT 14 1986", "2/FEB/1965", "6/23/86".
    """
    found: list[tuple[int, str, str]] = []
    for pattern, (day, month, year) in _DATE_FORMS:
        for m in pattern.finditer(text):
            number = int(m[month]) if m[month].isdigit() else MONTHS.get(m[month].lower())
            iso = iso_date(int(m[year]), number, int(m[day]), today) if number else None
            if iso:
                found.append((m.start(), m[0], iso))
                break
    if not found:
        return None
    _, written, iso = min(found)
    return written, iso


def date_alone(text: str, today: date) -> tuple[str, str] | None:
    """The date of a line that is a date and nothing else ("May 23, 1986", "October 14, 1986")."""
    found = parse_date(text, today)
    if found is None or any(c.isalnum() for c in text.replace(found[0], " ")):
        return None
    return found


TIME = re.compile(r"(\d{1,2})[:.](\d{2})\s*(a\.?m\.?|p\.?m\.?)?", re.IGNORECASE)


def parse_time_range(text: str) -> tuple[str | None, str | None]:
    """("16:55:00", "17:35:00") from "4:55 - 5:35pm"; a shared am/pm applies to both ends."""
    found = TIME.findall(text)
    if not found:
        return None, None
    suffixes = [s.lower().replace(".", "") for _, _, s in found]
    shared = next((s for s in reversed(suffixes) if s), "")
    result: list[str | None] = []
    for (hour, minute, _), explicit in zip(found[:2], suffixes[:2]):
        h, m = int(hour), int(minute)
        meridian = explicit or shared
        if meridian == "pm" and h < 12:
            h += 12
        if meridian == "am" and h == 12:
            h = 0
        result.append(f"{h:02d}:{m:02d}:00" if h < 24 and m < 60 else None)
    if len(result) == 1:
        return result[0], None
    if result[0] and result[1] and result[0] > result[1] and not suffixes[0]:
        # "11:30 - 1:15pm": the start was in the morning after all
        h = int(result[0][:2]) - 12
        result[0] = f"{h:02d}{result[0][2:]}" if h >= 0 else result[0]
    return result[0], result[1]
