"""Tesseract's own time (issue 16): which of its settings cost CPU without adding words.

    python bench/bench_tesseract_settings.py [--pages N] [--rendered N] [--rounds N] [--jobs N]
                                             [--work DIR] [--quick]

It runs the ``tesseract`` command itself (``OMP_THREAD_LIMIT=1``, ``-l eng``, TSV output), as
pipeline/tesseract.py does, on every page image of tests/data/real-dev/*/ and
tests/data/real/*/ (26 pages: 1-bit PNG scans and greyscale JPEGs) and on a few rendered
typewritten pages (1-bit PNG, 300 dpi, tests/render.py, kept in the work folder by
bench/bench_batch.py), under each configuration of CONFIGS:

- ``default``: what the pipeline passes today (``--dpi`` of the scan when the image carries one,
  ``-c tessedit_create_tsv=1``) on the original file;
- ``invert0``: ``-c tessedit_do_invert=0`` (no second, inverted reading of doubtful lines);
- ``psm4``, ``psm6``: page segmentation modes 4 and 6 (3 is the default);
- ``otsu``, ``sauvola``: the page binarised with numpy (global Otsu; Sauvola with Tesseract's
  own window of 0.33 inch and k 0.34, on 8-pixel tiles) and written as a 1-bit PBM in
  /dev/shm, instead of letting Tesseract threshold it; the binarisation's own CPU time counts
  in the figure (only greyscale pages are binarised: a 1-bit page goes as it is);
- ``pnm``, ``tiff``: the page written uncompressed to /dev/shm (PBM or PGM; TIFF) instead of
  the original file; here only Tesseract's time counts (the writing is printed apart);
- ``best``: the settings above that lose nothing (transcription recall, names) and save CPU,
  together, picked from the first phase's figures and run in a second phase, in turns with
  the default again (``default-again``) for a ratio measured in the same minutes.

Each configuration runs ``--rounds`` times (2), in turns (every configuration on a page, then
the next page; then the next round), ``--jobs`` Tesseracts at a time (2). The CPU time of each
run is that of the Tesseract process alone (user + system, from ``os.wait4``): steadier than
wall time on a shared machine. Per configuration it prints its CPU seconds (the median of the
rounds, page by page, summed), its ratio to the default and the median of the per-page ratios;
the words read (TSV rows of level 5 with conf >= 0 and some text) and how many of the default
reading's words it loses and gains (multisets per page); word recall against the
transcriptions (the share of a transcription's distinct lower-case words of four letters or
more found in the OCR text, as bench/bench_real.py counts it: NSDD 227's ``truth.txt`` up to
its FRUS footnotes, EO 9981's ``.txt``, and the text each rendered page was typed from); and
the names: the gazetteer mentions that the pipeline's NameCorrector finds in each page's
reading (entity and page), and the words that are gazetteer forms as written.

Last, Tesseract's fixed cost: the CPU time of a run on a tiny blank image, and of one run over
a list of 4 pages against 4 runs of a page each. Every figure is printed on a line of its own.
``--quick`` is a short trial (4 real pages, 2 rendered, 1 round).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from bench_batch import PAGES_PER_MEMO, STAMP, page_texts, rendered_pages  # noqa: E402

from pipeline.correction import NameCorrector  # noqa: E402
from pipeline.gazetteer import Gazetteer  # noqa: E402
from pipeline.model import Box, Line, Page, PageSource, Word, words_box  # noqa: E402
from pipeline.tesseract import MAX_DPI, MIN_DPI  # noqa: E402

DATA = REPO / "tests" / "data"
SETS = (DATA / "real-dev", DATA / "real")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
TRANSCRIPTIONS = {
    "nsdd227": DATA / "real-dev" / "nsdd227" / "truth.txt",
    "executive-orders": DATA / "real" / "executive-orders"
    / "historical-executive_order_9981-armed_services.txt",
}
FRUS_NOTES = "----- FRUS editorial footnotes"
SHM = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
SAUVOLA_WINDOW_INCHES = 0.33  # Tesseract's thresholding_window_size
SAUVOLA_K = 0.34  # Tesseract's thresholding_kfactor
SAUVOLA_TILE = 8  # pixels
_EDGE = ".,;:!?()[]{}\"'‘’“”`*_|~-—–°•"


# --------------------------------------------------------------------------- pages


@dataclass
class PageImage:
    """One page image of the bench, and the transcription its recall is scored against."""

    name: str  # document/page, for the report
    path: Path
    dpi: float | None
    mode: str  # Pillow's mode: "1" or "L"
    truth: str | None = None  # the key of the transcription this page belongs to


def real_pages() -> list[PageImage]:
    pages = []
    for folder in sorted(d for s in SETS for d in s.iterdir() if d.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                with Image.open(path) as image:
                    dpi = image.info.get("dpi")
                    pages.append(PageImage(f"{folder.name}/{path.stem}", path,
                                           float(dpi[1]) if dpi else None, image.mode,
                                           folder.name if folder.name in TRANSCRIPTIONS else None))
    return pages


def typed_pages(work: Path, count: int) -> tuple[list[PageImage], dict[str, str]]:
    """`count` rendered pages (page-001.png ...) and the text each was typed from."""
    if count == 0:
        return [], {}
    paths = rendered_pages(work, max(count, 20))[:count]
    texts = page_texts(max(count, 20))[:count]
    pages, truths = [], {}
    for n, (path, text) in enumerate(zip(paths, texts)):
        key = f"rendered/{path.stem}"
        pages.append(PageImage(key, path, 300.0, "1", key))
        stamp = STAMP if n % PAGES_PER_MEMO == 0 else ""  # as bench_batch renders them
        truths[key] = re.sub(r"@@\w+", " ", text).replace("~~", " ") + "\n" + stamp
    return pages, truths


def transcriptions() -> dict[str, str]:
    return {k: p.read_text("utf-8").split(FRUS_NOTES)[0] for k, p in TRANSCRIPTIONS.items()}


def recall_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}


# --------------------------------------------------------------------------- preparing input


def grey(page: PageImage) -> np.ndarray:
    with Image.open(page.path) as image:
        return np.asarray(image.convert("L"))


def otsu(values: np.ndarray) -> np.ndarray:
    """Ink (True) where a pixel is darker than Otsu's global threshold."""
    hist = np.bincount(values.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist)
    mean = np.cumsum(hist * levels)
    total, total_mean = weight[-1], mean[-1]
    background = total - weight
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mean * weight - mean * total) ** 2 / (weight * background)
    threshold = int(np.nanargmax(np.where(background > 0, between, np.nan)))
    return values <= threshold


def _window_sums(values: np.ndarray, half: int) -> np.ndarray:
    """Sums over the (2 half + 1)-square window about each pixel (edges mirrored)."""
    padded = np.pad(values, half + 1, mode="reflect")
    integral = padded.cumsum(0).cumsum(1)
    w = 2 * half + 1
    return (integral[w:, w:] - integral[:-w, w:] - integral[w:, :-w] + integral[:-w, :-w])[
        1:, 1:]


def sauvola(values: np.ndarray, dpi: float) -> np.ndarray:
    """Ink (True) where a pixel is darker than Sauvola's local threshold.

    The window's mean and deviation are taken on 8-pixel tiles (a pixel's threshold is its
    tile's): some 10 times faster than pixel by pixel, and the same to within a pixel or two.
    """
    tile = SAUVOLA_TILE
    h, w = values.shape
    rows, cols = -(-h // tile), -(-w // tile)
    v = np.pad(values, ((0, rows * tile - h), (0, cols * tile - w)), mode="edge")
    blocks = v.astype(np.float32).reshape(rows, tile, cols, tile)
    means = blocks.mean(axis=(1, 3), dtype=np.float64)
    squares = (blocks * blocks).mean(axis=(1, 3), dtype=np.float64)
    half = max(1, round(SAUVOLA_WINDOW_INCHES * dpi / 2 / tile))
    area = (2 * half + 1) ** 2
    mean = _window_sums(means, half) / area
    std = np.sqrt(np.maximum(_window_sums(squares, half) / area - mean * mean, 0))
    threshold = mean * (1 + SAUVOLA_K * (std / 128 - 1))
    return values < np.repeat(np.repeat(threshold, tile, 0), tile, 1)[:h, :w]


def _scratch_file(folder: Path, page: PageImage, tag: str, suffix: str) -> Path:
    return folder / f"{page.name.replace('/', '--')}.{tag}{suffix}"


def binarised(method: str) -> Callable[[PageImage, Path], Path]:
    def prepare(page: PageImage, folder: Path) -> Path:
        if page.mode == "1":
            return page.path  # already black and white: nothing to threshold
        values = grey(page)
        ink = otsu(values) if method == "otsu" else sauvola(values, page.dpi or 300.0)
        out = _scratch_file(folder, page, method, ".pbm")
        Image.fromarray(~ink).save(out, format="PPM")  # bool -> mode "1" -> PBM
        return out

    return prepare


def rewritten(kind: str) -> Callable[[PageImage, Path], Path]:
    def prepare(page: PageImage, folder: Path) -> Path:
        with Image.open(page.path) as image:
            image.load()
            if kind == "pnm":
                out = _scratch_file(folder, page, kind, ".pbm" if image.mode == "1" else ".pgm")
                image.save(out, format="PPM")
            else:
                out = _scratch_file(folder, page, kind, ".tif")
                image.save(out, format="TIFF", compression="raw",
                           dpi=image.info.get("dpi", (300, 300)))
        return out

    return prepare


# --------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class Config:
    """One way of running Tesseract: its extra arguments and how its input file is made."""

    name: str
    args: tuple[str, ...] = ()
    prepare: Callable[[PageImage, Path], Path] | None = None
    prepare_counts: bool = False  # the preparation's CPU time is part of the configuration's
    group: str = ""  # configurations of one group exclude each other in a combination
    candidate: bool = True  # may go into the best combination


CONFIGS = (
    Config("default"),
    Config("invert0", ("-c", "tessedit_do_invert=0"), group="invert"),
    Config("psm4", ("--psm", "4"), group="psm"),
    # one uniform block of text: the blocks and paragraphs that the structure stage reads go
    Config("psm6", ("--psm", "6"), group="psm", candidate=False),
    Config("otsu", (), binarised("otsu"), True, group="input"),
    Config("sauvola", (), binarised("sauvola"), True, group="input"),
    Config("pnm", (), rewritten("pnm"), False, group="input"),
    Config("tiff", (), rewritten("tiff"), False, group="input"),
)


def combine(name: str, parts: Sequence[Config]) -> Config:
    prepare = next((p for p in parts if p.prepare), None)
    return Config(name, tuple(a for p in parts for a in p.args),
                  prepare.prepare if prepare else None,
                  prepare.prepare_counts if prepare else False)


def command(config: Config, page: PageImage, image: Path, out: Path) -> list[str]:
    dpi = ["--dpi", str(round(page.dpi))] if page.dpi and MIN_DPI <= page.dpi <= MAX_DPI else []
    return ["tesseract", str(image), str(out), "-l", "eng", *dpi, *config.args,
            "-c", "tessedit_create_tsv=1"]


ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def tesseract_cpu(cmd: Sequence[str]) -> float:
    """Run Tesseract; the CPU seconds (user + system) of its process alone."""
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode()[-500:]}")
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- running


@dataclass
class Result:
    """One configuration's figures: CPU per round and page, and the words of its reading."""

    config: Config
    tesseract: dict[str, list[float]] = field(default_factory=dict)  # page -> per round
    prepare: dict[str, list[float]] = field(default_factory=dict)
    words: dict[str, list[str]] = field(default_factory=dict)  # page -> words read
    tsv: dict[str, str] = field(default_factory=dict)
    same_each_round: bool = True

    def cpu(self, page: str) -> float:
        """Median CPU seconds of the page over the rounds (preparation too, when it counts)."""
        tess = statistics.median(self.tesseract[page])
        if self.config.prepare_counts:
            tess += statistics.median(self.prepare[page])
        return tess


def tsv_words(text: str) -> list[str]:
    words = []
    for row in text.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[0] == "5" and float(cells[10]) >= 0 and cells[11].strip():
            words.append(cells[11].strip())
    return words


def run_one(config: Config, page: PageImage, round_: int, folder: Path) -> tuple:
    image, prep = page.path, 0.0
    if config.prepare is not None:
        started = time.thread_time()
        image = config.prepare(page, folder)
        prep = time.thread_time() - started
    out = _scratch_file(folder, page, f"{config.name}-{round_}", "")
    cpu = tesseract_cpu(command(config, page, image, out))
    tsv = Path(f"{out}.tsv").read_text("utf-8", errors="replace")
    for extra in (Path(f"{out}.tsv"), Path(f"{out}.txt")):
        extra.unlink(missing_ok=True)
    if image != page.path:
        image.unlink()
    return config.name, page.name, round_, cpu, prep, tsv


def run(configs: Sequence[Config], pages: Sequence[PageImage], rounds: int, jobs: int,
        folder: Path) -> dict[str, Result]:
    """Every configuration on every page, `rounds` times, in turns, `jobs` at a time."""
    results = {c.name: Result(c) for c in configs}
    tasks = [(c, p, r) for r in range(rounds) for p in pages for c in configs]
    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        for n, (name, page, _, cpu, prep, tsv) in enumerate(
                pool.map(lambda t: run_one(*t, folder), tasks), 1):
            result = results[name]
            result.tesseract.setdefault(page, []).append(cpu)
            result.prepare.setdefault(page, []).append(prep)
            if page in result.tsv:
                result.same_each_round &= tsv_words(tsv) == result.words[page]
            else:
                result.tsv[page], result.words[page] = tsv, tsv_words(tsv)
            if n % len(configs) == 0:
                print(f"  {n}/{len(tasks)} runs, {time.perf_counter() - started:.0f} s, "
                      f"load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)
    return results


# --------------------------------------------------------------------------- scoring


@dataclass
class Score:
    """What a configuration's reading holds, against the truths and the default's reading."""

    words: int = 0
    paragraphs: int = 0  # (block, paragraph) pairs of the words read, all pages
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)  # truth -> found, of
    mentions: Counter = field(default_factory=Counter)  # (page, entity id)
    form_words: Counter = field(default_factory=Counter)  # (page, word that is a gazetteer form)


class Scorer:
    def __init__(self, truths: dict[str, str]) -> None:
        self.truths = {k: recall_words(v) for k, v in truths.items()}
        gazetteer = Gazetteer.load([])
        self.corrector = NameCorrector(gazetteer)
        self.forms = {f for f, _ in gazetteer.all_forms() if " " not in f}

    def __call__(self, result: Result, pages: Sequence[PageImage]) -> Score:
        score = Score()
        read: dict[str, set[str]] = {}
        for page in pages:
            words = result.words[page.name]
            score.words += len(words)
            if page.truth:
                read.setdefault(page.truth, set()).update(recall_words(" ".join(words)))
            data = _tsv_dict(result.tsv[page.name])
            score.paragraphs += len({(b, p) for lv, b, p, t in zip(
                data.get("level", []), data.get("block_num", []), data.get("par_num", []),
                data.get("text", [])) if lv == "5" and t.strip()})
            ocr_page = Page(1, PageSource(str(page.path)), _tsv_lines(data))
            for mention in self.corrector.find_mentions([ocr_page]):
                if mention.entity_id:
                    score.mentions[(page.name, mention.entity_id)] += 1
            for word in words:
                if word.strip(_EDGE) in self.forms:
                    score.form_words[(page.name, word.strip(_EDGE))] += 1
        for key, found in read.items():
            score.recall[key] = (len(self.truths[key] & found), len(self.truths[key]))
        return score


def _tsv_dict(text: str) -> dict[str, list[str]]:
    rows = [r.split("\t") for r in text.splitlines() if r]
    if len(rows) < 2:
        return {}
    head = rows[0]
    return {k: [r[i] if i < len(r) else "" for r in rows[1:]] for i, k in enumerate(head)}


def _tsv_lines(data: dict[str, list[str]]) -> list[Line]:
    """Tesseract's word table as lines (one per block, paragraph and line number)."""
    rows: dict[tuple[str, str, str], list[Word]] = {}
    for i, level in enumerate(data.get("level", [])):
        text = data["text"][i].strip()
        if level != "5" or not text:
            continue
        x, y = int(data["left"][i]), int(data["top"][i])
        box = Box(x, y, x + int(data["width"][i]), y + int(data["height"][i]))
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        rows.setdefault(key, []).append(Word(text, box, float(data["conf"][i])))
    return [Line(tuple(words), words_box(words)) for words in rows.values()]


def word_changes(result: Result, base: Result) -> tuple[int, int, list[str]]:
    """Words of the default reading lost, and new words gained (multisets per page)."""
    lost = gained = 0
    examples: list[str] = []
    for page, words in base.words.items():
        mine, theirs = Counter(result.words[page]), Counter(words)
        lost += sum((theirs - mine).values())
        gained += sum((mine - theirs).values())
        examples.extend(f"{page}:{w}" for w in (theirs - mine) if len(examples) < 6)
    return lost, gained, examples


def recall_total(score: Score, keys: Sequence[str]) -> tuple[int, int]:
    found = [score.recall[k] for k in keys if k in score.recall]
    return sum(f for f, _ in found), sum(n for _, n in found)


# --------------------------------------------------------------------------- reporting


def report(results: dict[str, Result], scores: dict[str, Score], pages: Sequence[PageImage],
           rounds: int) -> None:
    base, base_score = results["default"], scores["default"]
    names = [p.name for p in pages]
    groups = {"1-bit pages": [p.name for p in pages if p.mode == "1"],
              "greyscale pages": [p.name for p in pages if p.mode != "1"]}
    base_total = sum(base.cpu(n) for n in names)
    for name, result in results.items():
        score = scores[name]
        total = sum(result.cpu(n) for n in names)
        tess = sum(statistics.median(result.tesseract[n]) for n in names)
        prep = sum(statistics.median(result.prepare[n]) for n in names)
        ratios = [result.cpu(n) / base.cpu(n) for n in names]
        counted = "counted" if result.config.prepare_counts else "not counted"
        args = " ".join(result.config.args) or "-"
        print(f"{name} ({args}; input {'own' if result.config.prepare else 'original file'}): "
              f"CPU {total:.2f} s for {len(names)} pages (Tesseract {tess:.2f} s, preparing the "
              f"input {prep:.2f} s, {counted}; median of {rounds} rounds per page)")
        print(f"{name} CPU ratio to default: {total / base_total:.3f} (page ratios: median "
              f"{statistics.median(ratios):.3f}, lowest {min(ratios):.3f}, highest "
              f"{max(ratios):.3f})")
        for group, members in groups.items():
            if members:
                mine = sum(result.cpu(n) for n in members)
                theirs = sum(base.cpu(n) for n in members)
                print(f"{name} CPU ratio to default, {group} ({len(members)}): "
                      f"{mine / theirs:.3f} ({mine:.2f} s against {theirs:.2f} s)")
        lost, gained, examples = word_changes(result, base)
        print(f"{name} words read: {score.words} (default {base_score.words}); of the default's "
              f"words lost {lost}, gained {gained}"
              + (f" (lost e.g. {', '.join(examples)})" if lost else ""))
        print(f"{name} paragraphs (block, paragraph) holding words: {score.paragraphs} "
              f"(default {base_score.paragraphs})")
        for key in sorted(score.recall):
            found, of = score.recall[key]
            print(f"{name} recall {key}: {found}/{of} = {found / of:.3f} (default "
                  f"{base_score.recall[key][0]}/{of})")
        for label, keys in (("transcriptions (NSDD 227 + EO 9981)", list(TRANSCRIPTIONS)),
                            ("rendered pages", [k for k in score.recall if "/" in k])):
            found, of = recall_total(score, keys)
            if of:
                print(f"{name} recall {label}: {found}/{of} = {found / of:.3f} (default "
                      f"{recall_total(base_score, keys)[0]}/{of})")
        m_lost = sum((base_score.mentions - score.mentions).values())
        m_gained = sum((score.mentions - base_score.mentions).values())
        f_lost = sum((base_score.form_words - score.form_words).values())
        f_gained = sum((score.form_words - base_score.form_words).values())
        print(f"{name} names: {sum(score.mentions.values())} gazetteer mentions (default "
              f"{sum(base_score.mentions.values())}; lost {m_lost}, gained {m_gained}); "
              f"{sum(score.form_words.values())} words that are gazetteer forms (default "
              f"{sum(base_score.form_words.values())}; lost {f_lost}, gained {f_gained})")
        if not result.same_each_round:
            print(f"{name} readings differ between rounds: yes")


def loses_nothing(score: Score, base: Score) -> bool:
    """Recall against every truth and the name results unchanged or better."""
    recall_ok = all(score.recall[k][0] >= base.recall[k][0] for k in base.recall)
    names_ok = not (base.mentions - score.mentions) and not (base.form_words - score.form_words)
    return recall_ok and names_ok


def pick_best(results: dict[str, Result], scores: dict[str, Score],
              pages: Sequence[PageImage]) -> list[Config]:
    """Per group, the cheapest configuration that loses nothing and saves CPU (1% or more)."""
    names = [p.name for p in pages]
    base = sum(results["default"].cpu(n) for n in names)
    chosen: dict[str, tuple[float, Config]] = {}
    for name, result in results.items():
        group = result.config.group
        if not (group and result.config.candidate
                and loses_nothing(scores[name], scores["default"])):
            continue
        ratio = sum(result.cpu(n) for n in names) / base
        if ratio <= 0.99 and (group not in chosen or ratio < chosen[group][0]):
            chosen[group] = (ratio, result.config)
    return [c for _, c in sorted(chosen.values(), key=lambda rc: rc[0])]


# --------------------------------------------------------------------------- fixed cost


def fixed_cost(pages: Sequence[PageImage], folder: Path, rounds: int) -> None:
    blank = folder / "blank.pbm"
    Image.new("1", (64, 64), 1).save(blank, format="PPM")
    blank_cpu = [tesseract_cpu(["tesseract", str(blank), str(folder / "blank"), "-l", "eng",
                                "--dpi", "300", "-c", "tessedit_create_tsv=1"])
                 for _ in range(max(5, rounds))]
    print(f"fixed cost: tesseract on a blank 64x64 image: {statistics.median(blank_cpu):.3f} "
          f"CPU-s (median of {len(blank_cpu)}: {', '.join(f'{c:.3f}' for c in blank_cpu)})")
    four = list(pages[:4])
    listing = folder / "four.txt"
    listing.write_text("".join(f"{p.path}\n" for p in four), "utf-8")
    together, apart = [], []
    for _ in range(rounds):
        apart.append(sum(tesseract_cpu(command(CONFIGS[0], p, p.path, folder / f"one-{n}"))
                         for n, p in enumerate(four)))
        together.append(tesseract_cpu(command(CONFIGS[0], four[0], listing, folder / "four")))
    a, t = statistics.median(apart), statistics.median(together)
    print(f"fixed cost: {len(four)} pages in one run {t:.2f} CPU-s, in {len(four)} runs "
          f"{a:.2f} CPU-s; saved {(a - t) / (len(four) - 1):.3f} CPU-s a page "
          f"({(a - t) / a * 100:.1f}%; rounds one run {', '.join(f'{x:.2f}' for x in together)}, "
          f"separate {', '.join(f'{x:.2f}' for x in apart)})")


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, help="only the first N real pages")
    parser.add_argument("--rendered", type=int, default=6, help="rendered pages (default 6)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each configuration")
    parser.add_argument("--jobs", type=int, default=2, help="Tesseracts at a time (default 2)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tei-pipeline-bench"),
                        help="where the rendered pages are kept (bench_batch.py's folder)")
    parser.add_argument("--quick", action="store_true", help="4 real pages, 2 rendered, 1 round")
    args = parser.parse_args()
    if args.quick:
        args.pages, args.rendered, args.rounds = args.pages or 4, 2, 1
    if shutil.which("tesseract") is None:
        raise SystemExit("no tesseract on PATH")
    version = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
    reals = real_pages()[: args.pages]
    typed, typed_truths = typed_pages(args.work, args.rendered)
    pages = reals + typed
    truths = {**transcriptions(), **typed_truths}
    folder = Path(tempfile.mkdtemp(prefix="tei-bench-tess-", dir=SHM))
    started = time.perf_counter()
    try:
        print(f"bench_tesseract_settings: {version.stdout.splitlines()[0]}, {len(reals)} real "
              f"pages ({sum(p.mode != '1' for p in reals)} greyscale), {len(typed)} rendered; "
              f"{args.rounds} rounds, {args.jobs} at a time; scratch {folder}")
        results = run(CONFIGS, pages, args.rounds, args.jobs, folder)
        scorer = Scorer(truths)
        scores = {name: scorer(r, pages) for name, r in results.items()}
        best = pick_best(results, scores, pages)
        print(f"best combination, picked: {' + '.join(c.name for c in best) or 'none'}")
        if best:
            # run again beside the default, in turns, for a ratio measured in the same minutes
            again = Config("default-again")
            more = run([again, combine("best", best)], pages, args.rounds, args.jobs, folder)
            results.update(more)
            scores.update((name, scorer(r, pages)) for name, r in more.items())
        report(results, scores, pages, args.rounds)
        if best:
            names = [p.name for p in pages]
            ratios = [results["best"].cpu(n) / results["default-again"].cpu(n) for n in names]
            total = sum(map(results["best"].cpu, names)) / sum(
                map(results["default-again"].cpu, names))
            print(f"best CPU ratio to default-again (run in turns with it): {total:.3f} (page "
                  f"ratios: median {statistics.median(ratios):.3f})")
        verdicts = [n for n in results if n != "default" and loses_nothing(scores[n],
                                                                           scores["default"])]
        print(f"configurations that lose no transcription word and no name: "
              f"{', '.join(verdicts) or 'none'}")
        fixed_cost(typed or pages, folder, args.rounds)
        print(f"bench time: {time.perf_counter() - started:.0f} s wall, load "
              f"{os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
