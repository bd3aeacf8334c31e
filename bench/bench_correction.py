"""Benchmark name correction: quality on the injected corpus and the seed, speed at 100,000 names.

Run from the repository: ``python bench/bench_correction.py [--seeds N] [--entries N]``.
Prints name recall and precision on OCR damage injected into the corpus memos (with the
corpus gazetteer and with the default one), the words and names wrongly changed, the same
on large samples of single kinds of damage (``FOCUS``: short names, case, hyphenation, on 30
other seeds), the result on the seed memcon, and, with a generated gazetteer of 100,000
entries, the time to load it, to build the corrector, both together as a worker pays them
(the goal: under 2 s), and to correct a 500-word page (one process, one core).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from corpus.evaluate import CORPUS_GAZETTEER, Result, damaged_corpus, evaluate  # noqa: E402
from corpus.generate import generate  # noqa: E402

from pipeline.correction import NameCorrector, _word_list, _word_skeletons  # noqa: E402
from pipeline.gazetteer import Gazetteer  # noqa: E402
from pipeline.model import Line, Page, PageSource, Word  # noqa: E402

SEED = REPO / "tests" / "data" / "seed" / "memcon-1986-06-23.ocr.txt"
GOALS = {"recall": 0.98, "precision": 0.995, "load_s": 2.0, "page_ms": 50.0}


#: Kinds of damage measured again on their own, on more seeds: in the mixed corpus each has
#: a few dozen to a few hundred cases, too few to tell 98% from 95% (the short names were 35).
#: The short names there are realistic, not easier: a memo names its people with a title, a
#: given name, in a participant list or again later, and such a short name is ``short``; one
#: the memo names once and bare ("in Pris and Madrid") is ``short-bare``, for which the issue's
#: rule is review, and the figure is the share sent for review (tests/corpus/inject.py).
FOCUS = ("short", "case", "hyphen")
FOCUS_SEEDS = tuple(range(100, 130))  # other seeds than the mixed corpus's


def quality(
    gazetteer_path: Path, seeds: tuple[int, ...], focus: str | None = None
) -> Result:
    corrector = NameCorrector(Gazetteer.load([gazetteer_path]))
    return evaluate(corrector, damaged_corpus(gazetteer_path, seeds, focus))


def seed_result(gazetteer: Gazetteer) -> str:
    if not SEED.is_file():
        return f"seed memcon not found at {SEED}"
    text = SEED.read_text(encoding="utf-8")
    lines = [
        Line(tuple(Word(w) for w in line.split())) for line in text.split("\n") if line.split()
    ]
    mentions = NameCorrector(gazetteer).find_mentions([Page(1, PageSource(str(SEED)), lines)])
    fixed = [m for m in mentions if m.corrected == "Dubinin" and m.entity_id == "dubinin-yuri"]
    dubinina = sum(1 for m in fixed if m.original == "Dubinina")
    split = sum(1 for m in fixed if m.original == "Dubin in")
    regan = [m for m in mentions if m.original == "Regan"]
    regan_kept = bool(regan) and all(
        m.corrected is None and m.entity_id == "regan-donald" for m in regan
    )
    others = [(m.original, m.corrected) for m in mentions if m.corrected and m not in fixed]
    return (
        f"'Dubinina' corrected {dubinina}/{text.count('Dubinina')}, 'Dubin in' corrected "
        f"{split}/{text.count('Dubin in')}, 'Regan' tagged as Donald Regan and kept "
        f"{len(regan)}/{text.count('Regan')}: {'yes' if regan_kept else 'NO'}; "
        f"names tagged {len(mentions)}; other corrections {others or 'none'}"
    )


def pages_of_words(words_per_page: int, seeds: tuple[int, ...]) -> list[Page]:
    """The damaged corpus cut into pages of about ``words_per_page`` words."""
    docs = damaged_corpus(CORPUS_GAZETTEER, seeds)
    lines = [line for d in docs for page in d.pages for line in page.lines]
    pages: list[Page] = []
    current: list[Line] = []
    count = 0
    for line in lines:
        current.append(line)
        count += len(line.words)
        if count >= words_per_page:
            pages.append(Page(len(pages) + 1, PageSource("bench"), current))
            current, count = [], 0
    return pages


def ms_per_page(corrector: NameCorrector, pages: list[Page]) -> tuple[float, float]:
    """Median and worst milliseconds of CPU time per page, each page corrected as a document."""
    for page in pages[:3]:
        corrector.find_mentions([page])  # warm up
    times = []
    for page in pages:
        start = time.process_time()
        corrector.find_mentions([page])
        times.append(1000 * (time.process_time() - start))
    return statistics.median(times), max(times)


def best_of(runs: int, fn, before=None):  # type: ignore[no-untyped-def]
    """(result, best wall seconds, best CPU seconds) over ``runs`` calls.

    The previous call's result is dropped before the next is timed, and ``before`` runs
    untimed: freeing what was built is not part of building it (a worker builds once and
    keeps it).
    """
    walls, cpus, result = [], [], None
    for _ in range(runs):
        result = None
        if before is not None:
            before()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, min(walls), min(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="injection seeds (default 20)")
    parser.add_argument("--entries", type=int, default=100_000, help="generated gazetteer size")
    parser.add_argument("--runs", type=int, default=3, help="timing runs (best is kept)")
    args = parser.parse_args()
    seeds = tuple(range(args.seeds))
    ok = True

    print("== Quality on injected OCR damage ==")
    gazetteers = [("corpus gazetteer", CORPUS_GAZETTEER)]
    if Gazetteer.default_path().is_file():
        gazetteers.append(("default gazetteer", Gazetteer.default_path()))
    for label, path in gazetteers:
        result = quality(path, seeds)
        print(f"-- {label} ({len(Gazetteer.load([path]))} entries), {len(seeds)} seeds")
        print(result.summary())
        print("per kind of damage:")
        print("\n".join(result.case_lines()))
        ok &= result.recall >= GOALS["recall"] and result.precision >= GOALS["precision"]
        ok &= result.case_ok(GOALS["recall"], GOALS["precision"])
        ok &= result.wrong_changes == 0 and result.misnamed == 0
        for line in result.wrong[:10]:
            print("   wrong:", line)

    print(f"\n== Focused samples: one kind of damage alone, {len(FOCUS_SEEDS)} other seeds ==")
    print(
        "(short-bare: a short slip in a name its memo names once, with no title or given "
        "name: the rule is review)"
    )
    for label, path in gazetteers:
        print(f"-- {label}")
        for focus in FOCUS:
            result = quality(path, FOCUS_SEEDS, focus)
            print("\n".join(line for line in result.case_lines() if " none " not in line))
            ok &= result.case_ok(GOALS["recall"], GOALS["precision"])
            ok &= result.wrong_changes == 0 and result.misnamed == 0
            for line in result.wrong[:10]:
                print("   wrong:", line)

    print("\n== Seed memcon (memcon-1986-06-23.ocr.txt) ==")
    if Gazetteer.default_path().is_file():
        print("default gazetteer:", seed_result(Gazetteer.load([])))
    print("corpus gazetteer: ", seed_result(Gazetteer.load([CORPUS_GAZETTEER])))

    print(f"\n== Speed, generated gazetteer of {args.entries:,} entries, one process ==")
    _word_list.cache_clear()
    _word_skeletons.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    _word_list()
    _word_skeletons()
    print(
        f"word list load and skeletons (once per process): {time.perf_counter() - wall:.2f} s "
        f"wall, {time.process_time() - cpu:.2f} s CPU"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp) / "generated.csv", args.entries)
        size = path.stat().st_size
        gazetteer, load_wall, load_cpu = best_of(args.runs, lambda: Gazetteer.load([path]))
        mb = size / 1e6
        print(f"Gazetteer.load ({mb:.1f} MB CSV): {load_wall:.2f} s wall, {load_cpu:.2f} s CPU")
        corrector, init_wall, init_cpu = best_of(args.runs, lambda: NameCorrector(gazetteer))
        print(f"NameCorrector init: {init_wall:.2f} s wall, {init_cpu:.2f} s CPU")
        def new_worker() -> None:  # a new worker reads the word list too
            _word_list.cache_clear()
            _word_skeletons.cache_clear()

        _built, setup_wall, setup_cpu = best_of(
            args.runs, lambda: NameCorrector(Gazetteer.load([path])), new_worker
        )
        _built = None
        print(
            f"set-up a worker pays (word list, load, init with the form table built): "
            f"{setup_wall:.2f} s wall, {setup_cpu:.2f} s CPU"
        )
        ok &= setup_wall <= GOALS["load_s"] or setup_cpu <= GOALS["load_s"]
    pages = pages_of_words(500, seeds[:4])
    words = sum(len(line.words) for page in pages for line in page.lines) / len(pages)
    median, worst = ms_per_page(corrector, pages)
    print(
        f"find_mentions, {len(pages)} pages of {words:.0f} words: "
        f"{median:.1f} ms median, {worst:.1f} ms worst (CPU)"
    )
    ok &= median <= GOALS["page_ms"]
    if Gazetteer.default_path().is_file():
        default = NameCorrector(Gazetteer.load([]))
        median, worst = ms_per_page(default, pages)
        print(f"  with the default gazetteer: {median:.1f} ms median, {worst:.1f} ms worst (CPU)")

    print("\nall goals met" if ok else "\nSOME GOALS NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
