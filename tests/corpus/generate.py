"""Write a large synthetic gazetteer (seeded) for the speed benchmark and the loading tests."""

from __future__ import annotations

import csv
import random
from pathlib import Path

FIRST_NAMES = (
    "Aleksandr Aleksei Anatoly Andrei Boris Dmitri Eduard Gennadi Georgi Igor Ivan Konstantin "
    "Leonid Mikhail Nikolai Oleg Pavel Pyotr Sergei Valentin Viktor Vladimir Yegor Yuri "
    "Arthur Brent Caspar Colin Dennis Donald Edward Frank George Henry Jack James John "
    "Kenneth Mark Max Maynard Michael Paul Richard Robert Ronald Rozanne Thomas Walter William"
).split()
ONSETS = "b br ch d dr f g gr k kh kr l m n p pr r s sh st t tr v vl z zh".split()
VOWELS = "a e i o u ya yo ye".split()
CODAS = "" + " n r l k v s t m".replace(" ", "  ")
ENDINGS = "ov ev in yn sky skiy enko ich ovich adze ashvili yan er son man ton ley ford".split()
PLACE_WORDS = "North South East West New Upper Lower Saint Port Lake Mount Fort".split()
ORG_HEADS = (
    "Ministry Committee Institute Bureau Commission Council Agency Academy Directorate".split()
)
ORG_TOPICS = (
    "Foreign Trade Defense Energy Machine Building Agriculture Planning Statistics Shipping "
    "Aviation Fisheries Geology Metallurgy Communications Transport Culture Health"
).split()


def _syllable(rng: random.Random) -> str:
    return rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS.split(" "))


def _surname(rng: random.Random) -> str:
    stem = "".join(_syllable(rng) for _ in range(rng.randint(1, 3)))
    return (stem + rng.choice(ENDINGS)).capitalize()


def generate(path: Path, count: int = 100_000, *, seed: int = 1986) -> Path:
    """``count`` entries: people (80 %), places (12 %), organisations (8 %), CSV format."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "type", "variants"])
        for n in range(count):
            roll = rng.random()
            if roll < 0.80:
                first, last = rng.choice(FIRST_NAMES), _surname(rng)
                name = f"{first} {last}"
                variants = [last, f"{first[0]}. {last}"]
                w.writerow([f"p{n}-{last.lower()}", name, "person", "|".join(variants)])
            elif roll < 0.92:
                base = _surname(rng).removesuffix("ov") + rng.choice(("sk", "grad", "burg", "ovo"))
                name = f"{rng.choice(PLACE_WORDS)} {base}" if rng.random() < 0.3 else base
                w.writerow([f"pl{n}", name, "place", ""])
            else:
                head, topic = rng.choice(ORG_HEADS), rng.choice(ORG_TOPICS)
                name = f"{head} of {topic} of {_surname(rng)}"
                w.writerow([f"o{n}", name, "org", f"{head} {topic} {n}"])
    return path
