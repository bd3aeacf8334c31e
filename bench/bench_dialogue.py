"""How many speeches of dialogue records are attributed, and to whom.

Generates records of meetings in dialogue form (seeded): a memorandum-of-conversation header
with its participants, then turns in which the speaker's label stands alone in its own
paragraph ("Shultz:", "SHULTZ :", "Secretary Shultz:", damaged as OCR damages it:
"Shultz?:", "Shultz;") and the speech follows in one to three paragraphs, with page breaks and
furniture between some of them. Each record goes through the pipeline's own text reading,
name correction (default gazetteer) and structure stage; every speech paragraph is checked
against the speaker who said it.

    python bench/bench_dialogue.py [--records 40] [--seed 1]

Prints speeches attributed to the right speaker, to a wrong one, and not at all.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.correction import NameCorrector  # noqa: E402
from pipeline.gazetteer import Gazetteer  # noqa: E402
from pipeline.model import InputKind, PageSource  # noqa: E402
from pipeline.sources import pages_from_text  # noqa: E402
from pipeline.structure import Paragraph, Speech, analyse  # noqa: E402

PEOPLE = [  # (gazetteer id, title, surname, side)
    ("shultz-george", "Secretary", "Shultz", "US"),
    ("nitze-paul", "Ambassador", "Nitze", "US"),
    ("kampelman-max", "Ambassador", "Kampelman", "US"),
    ("matlock-jack", "Ambassador", "Matlock", "US"),
    ("shevardnadze-eduard", "Foreign Minister", "Shevardnadze", "Soviet"),
    ("bessmertnykh-aleksandr", "Deputy Foreign Minister", "Bessmertnykh", "Soviet"),
    ("dobrynin-anatoly", "Ambassador", "Dobrynin", "Soviet"),
    ("karpov-viktor", "Ambassador", "Karpov", "Soviet"),
]
SENTENCES = [
    "We have studied your proposal on verification with care.",
    "The working groups should meet again before the end of the month.",
    "Our side is ready to table a draft text on inspections next week.",
    "That question can only be settled by the ministers themselves.",
    "The schedule will be confirmed through the embassies in the usual way.",
    "We do not accept that the data exchange must wait for the treaty.",
    "There has been real movement since the last round in Geneva.",
    "I will report this to the President as soon as I return.",
]


def label(surname: str, title: str, rng: random.Random) -> str:
    form = rng.choice(["plain", "plain", "caps", "spaced", "title", "question", "semicolon"])
    return {
        "plain": f"{surname}:",
        "caps": f"{surname.upper()}:",
        "spaced": f"{surname.upper()} :",
        "title": f"{title} {surname}:",
        "question": f"{surname}?:",
        "semicolon": f"{surname};",
    }[form]


def record(rng: random.Random, turns: int) -> tuple[str, list[str]]:
    """A dialogue record's text, and the speaker of each speech paragraph in order."""
    people = rng.sample(PEOPLE, rng.randint(2, 5))
    lines = ["CONFIDENTIAL", "", "MEMORANDUM OF CONVERSATION", "",
             "SUBJECT: Ministerial Meeting", "", "DATE: March 22, 1988", "", "PARTICIPANTS:", ""]
    lines += [f"{title} {surname}" for _, title, surname, _ in people] + [""]
    truth: list[str] = []
    page = 1
    for turn in range(turns):
        pid, title, surname, _ = rng.choice(people)
        lines += [label(surname, title, rng), ""]
        for _ in range(rng.randint(1, 3)):
            lines += [" ".join(rng.sample(SENTENCES, 2)), ""]
            truth.append(pid)
        if turn % 7 == 6:  # a page break between turns
            page += 1
            lines += ["CONFIDENTIAL", f"- {page} -", "CONFIDENTIAL", ""]
    return "\n".join(lines) + "\n", truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    corrector = NameCorrector(Gazetteer.load([]))
    right = wrong = missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.records):
            text, truth = record(rng, rng.randint(10, 30))
            path = Path(tmp) / f"record-{n}.txt"
            path.write_text(text, encoding="utf-8")
            pages, _ = pages_from_text(path, PageSource(str(path), 0, InputKind.text))
            tree = analyse(pages, corrector.find_mentions(pages), today=date(2026, 12, 3))
            found: list[str | None] = []
            for item in tree.items:
                if isinstance(item, Speech):
                    found += [item.who] * len(item.paragraphs)
                elif isinstance(item, Paragraph) and item.content:
                    found.append(item.who)
            # the speeches are the paragraphs after the participants list, in order
            for want, got in zip(truth, found[-len(truth):], strict=False):
                if got == want:
                    right += 1
                elif got is None:
                    missed += 1
                else:
                    wrong += 1
    total = right + wrong + missed
    print(f"bench_dialogue: {args.records} records, {total} speech paragraphs")
    print(f"  attributed right: {right} ({right / total:.1%})")
    print(f"  attributed wrong: {wrong}")
    print(f"  not attributed:   {missed}")


if __name__ == "__main__":
    main()
