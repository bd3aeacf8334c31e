"""Batch benchmarks of issue 5: throughput against Tesseract alone, stage cost, memory, resume.

    python bench/bench_batch.py [SECTION ...] [--work DIR] [--rounds N] [--pages N]

Sections (default: all, in this order):

- ``throughput`` (issue 16): the pipeline (``--jobs 2``) against ``tesseract PAGE OUT tsv`` run
  by hand on each page image with ``OMP_THREAD_LIMIT=1``, two at a time (``xargs -P 2``), in
  pairs run in turns (by hand, pipeline, by hand, pipeline...) on the same pages: a batch of 18
  rendered typewritten pages in 3 documents (struck markings at the top and bottom of every
  page, a declassification stamp on some pages), and one page alone. Prints every pair's ratio
  and their median, then where the batch's time goes. ``--pages 100`` races 100 pages instead:
  the rate of a long batch, start-up spread thin.
- ``stages``: the stages after OCR (correction, structure, TEI, validation) as a share of the wall
  time on the 20 pages, from the driver's per-document timings (``-v``); and the rate on text
  input (the seed, cut into 5 pages at paragraph ends, repeated): end to end, and in the stages.
- ``memory``: peak memory of the whole process tree (pipeline, workers, Tesseract) for a 10-page
  and a 200-page batch, text input and image input.
- ``resume``: a rerun of each finished 200-page batch, against its first run.
- ``sidecars``: the batch with and without ALTO and IIIF manifests, in turns.
- ``findings`` (issue 13): the batch with and without the redaction search and the check that
  a page was read upright, in turns (median of the pair ratios, wall and CPU); then both timed
  page by page in this process against Tesseract's time for a page.

Every figure is printed on a line of its own. The machine should be otherwise idle: the figures
are wall times on 2 cores. On a shared machine, give the benchmark the processor first
(``sudo nice -n -15 python bench/bench_batch.py``) and read the best rounds, the per-round ratios
and the timed run's breakdown, which load from other processes blurs least. Rendered pages are
kept in the work folder for the next run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SEED = REPO / "tests" / "data" / "seed" / "memcon-1986-06-23.ocr.txt"
STAMP = "DECLASSIFIED\nNLRR FOI 714/5 #8479\nBY AI NARA DATE 11/29/07"
MARKING = "~~SECRET/SENSITIVE~~"
PAGES_PER_MEMO = 5
DATA_VERSION = "1"  # change when the rendered pages change
SECTIONS = ("throughput", "stages", "memory", "resume", "sidecars", "findings")


# --------------------------------------------------------------------------- test material


def seed_paragraphs() -> list[str]:
    """The seed's running paragraphs (page furniture and short lines left out)."""
    text = SEED.read_text(encoding="utf-8")
    return [" ".join(p.split()).lstrip("- ") for p in text.split("\n\n") if len(p.strip()) > 150]


def page_texts(count: int) -> list[str]:
    """Memo-like page texts from the seed's paragraphs, as full as a typed page gets."""
    paragraphs = seed_paragraphs()
    pages: list[str] = []
    k = 0
    while len(pages) < count:
        number = len(pages) % PAGES_PER_MEMO + 1
        head = [MARKING, ""] if number == 1 else [f"@@CENTER - {number} -", MARKING, ""]
        body: list[str] = []
        lines = len(head) + 4  # the bottom marking and some room
        while True:
            paragraph = paragraphs[k % len(paragraphs)]
            need = len(textwrap.wrap(paragraph, 65)) + 1
            if lines + need > 52 and body:
                break
            body.append(paragraph)
            lines += need
            k += 1
        pages.append("\n".join(head) + "\n" + "\n\n".join(body) + f"\n@@BOTTOM\n{MARKING}\n")
    return pages


def _render(job: tuple[str, int, str | None, str]) -> None:
    from tests.render import render_page, save_compact

    text, seed, stamp, path = job
    save_compact(render_page(text, seed=seed, stamp=stamp), path)


def rendered_pages(work: Path, count: int = 20) -> list[Path]:
    """`count` rendered page images (PNG, 1 bit, 300 dpi), made once and kept in `work`."""
    folder = work / f"pages-v{DATA_VERSION}"
    paths = [folder / f"page-{n:03d}.png" for n in range(1, count + 1)]
    if all(p.is_file() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [
        (text, 1000 + n, STAMP if n % PAGES_PER_MEMO == 0 else None, str(path))
        for n, (text, path) in enumerate(zip(page_texts(count), paths))
    ]
    print(f"rendering {count} pages into {folder} ...", file=sys.stderr, flush=True)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_render, jobs))
    return paths


def image_batch(work: Path, name: str, pages: int, per_document: int = PAGES_PER_MEMO) -> Path:
    """A batch folder of page-image documents (hard links to the rendered pages)."""
    source = rendered_pages(work)
    root = work / name
    if root.is_dir():
        return root
    tmp = work / (name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for n in range(pages):
        doc = tmp / f"memo-{n // per_document + 1:03d}"
        doc.mkdir(parents=True, exist_ok=True)
        target = doc / f"page-{n % per_document + 1}.png"
        try:
            os.link(source[n % len(source)], target)
        except OSError:
            shutil.copyfile(source[n % len(source)], target)
    tmp.rename(root)
    return root


def seed_pages() -> list[str]:
    """The seed cut into 5 pages of about equal length, at paragraph ends."""
    paragraphs = SEED.read_text(encoding="utf-8").split("\n\n")
    total = sum(len(p) for p in paragraphs)
    pages: list[list[str]] = [[]]
    size = 0
    for paragraph in paragraphs:
        if size >= total * len(pages) / PAGES_PER_MEMO and len(pages) < PAGES_PER_MEMO:
            pages.append([])
        pages[-1].append(paragraph)
        size += len(paragraph)
    return ["\n\n".join(p).strip("\n") + "\n" for p in pages]


def text_batch(work: Path, name: str, pages: int) -> Path:
    """A batch folder of text documents: the seed as 5 form-feed pages, once per document."""
    root = work / name
    if root.is_dir():
        return root
    tmp = work / (name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    text = "\f".join(seed_pages())
    for n in range(pages // PAGES_PER_MEMO):
        (tmp / f"memo-{n + 1:04d}.txt").write_text(text, encoding="utf-8")
    tmp.rename(root)
    return root


# --------------------------------------------------------------------------- measuring


def pipeline_command(inputs: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", str(inputs), "-o", str(output), "-j", "2",
            *extra]


class TreeMemory:
    """Peak memory of a process and all its descendants, sampled every 20 ms from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss = 0  # bytes: the sum of the tree's resident sets at the worst moment
        self.peak_pss = 0  # the same, shared pages counted once (proportional set size)
        self.peak_parent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            tree = _descendants(self.pid)
            rss = pss = 0
            for pid in tree:
                r, p = _memory(pid)
                rss += r
                pss += p
                if pid == self.pid:
                    self.peak_parent = max(self.peak_parent, r)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _memory(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


CPU_SECONDS: list[float] = []  # CPU time of each command timed, its whole process tree


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: Sequence[str], *, env: dict[str, str] | None = None, stdin: str | None = None,
          memory: bool = False) -> tuple[float, subprocess.CompletedProcess, TreeMemory | None]:
    """Run a command; its wall time, result, and (when asked) the peak memory of its tree.

    The CPU time of the tree (user and system, Tesseract included) goes to CPU_SECONDS.
    """
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=REPO,
    )
    watch = TreeMemory(proc.pid) if memory else None
    out, err = proc.communicate(stdin)
    seconds = time.perf_counter() - started
    CPU_SECONDS.append(_children_cpu() - cpu)
    if watch is not None:
        watch.stop()
    result = subprocess.CompletedProcess(command, proc.returncode, out, err)
    if proc.returncode != 0:
        print(f"  {' '.join(command[:4])}... exited {proc.returncode}:\n{err[-2000:]}",
              file=sys.stderr)
    return seconds, result, watch


PYCACHE: Path | None = None  # where the pipeline's compiled modules are kept for the runs


def environment() -> dict[str, str]:
    """The pipeline's environment: compiled modules cached, as in an installed package."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "1700000000"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # else every run compiles every module again
    if PYCACHE is not None:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def compile_modules(work: Path) -> None:
    """Compile the pipeline's modules once, outside the timings (pip does it on install)."""
    global PYCACHE
    PYCACHE = work / "pycache"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "pipeline")],
                   env=environment(), check=True)


def tesseract_xargs(pages: list[Path], output: Path) -> float:
    """By hand: ``tesseract PAGE OUT tsv`` on each page, one thread each, two at a time."""
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    jobs = "".join(f"{p} {output / p.parent.name}-{p.stem} tsv\n" for p in pages)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    seconds, result, _ = timed(["xargs", "-P", "2", "-n", "3", "tesseract"], env=env, stdin=jobs)
    if result.returncode != 0 or len(list(output.glob("*.tsv"))) != len(pages):
        raise SystemExit(f"tesseract via xargs failed: {result.stderr[-500:]}")
    return seconds


def pipeline_run(inputs: Path, output: Path, *extra: str, memory: bool = False
                 ) -> tuple[float, subprocess.CompletedProcess, TreeMemory | None]:
    shutil.rmtree(output, ignore_errors=True)
    seconds, result, watch = timed(pipeline_command(inputs, output, *extra), env=environment(),
                                   memory=memory)
    if result.returncode != 0:
        raise SystemExit(f"the pipeline failed on {inputs} (exit {result.returncode})")
    return seconds, result, watch


# --------------------------------------------------------------------------- sections


BATCH_DOCUMENTS = 3  # the batch: 15 to 20 pages in 3 documents
BATCH_PAGES = 18


def section_throughput(work: Path, rounds: int, count: int = BATCH_PAGES) -> None:
    """The pipeline against Tesseract by hand, in pairs run in turns; the median pair ratio.

    Each round runs Tesseract by hand, then the pipeline, on the same pages: once on the batch
    (`count` pages in 3 documents), once on one page alone. Load from other processes changes
    from minute to minute: a pair's two runs share it, so the ratio of each pair is what
    counts, and the median of those ratios (not the best round) is the figure.
    """
    per_document = -(-count // BATCH_DOCUMENTS)
    batch = image_batch(work, f"batch-{count}-in-{BATCH_DOCUMENTS}", count, per_document)
    one = image_batch(work, "batch-1-page", 1)
    races = (("batch", batch, f"{count} pages in {BATCH_DOCUMENTS} documents"),
             ("one page", one, "one page alone"))
    walls: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in races}
    cpus: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in races}
    for n in range(1, rounds + 1):
        for name, inputs, _ in races:
            pages = sorted(inputs.rglob("*.png"))
            by_hand = tesseract_xargs(pages, work / "xargs-out")
            hand_cpu = CPU_SECONDS[-1]
            piped = pipeline_run(inputs, work / f"out-{name.replace(' ', '-')}", "-q")[0]
            walls[name].append((piped, by_hand))
            cpus[name].append((CPU_SECONDS[-1], hand_cpu))
            print(f"  round {n}, {name}: tesseract by hand {by_hand:.2f} s ({hand_cpu:.2f} "
                  f"CPU-s), pipeline {piped:.2f} s ({CPU_SECONDS[-1]:.2f} CPU-s): pair ratio "
                  f"{piped / by_hand:.3f}; load {os.getloadavg()[0]:.2f}", flush=True)
    for name, _, label in races:
        ratios = [p / h for p, h in walls[name]]
        cpu_ratios = [p / h for p, h in cpus[name]]
        print(f"throughput pair ratios, {label}: {', '.join(f'{r:.3f}' for r in ratios)}")
        print(f"throughput median pair ratio, {label}: {statistics.median(ratios):.3f} wall, "
              f"{statistics.median(cpu_ratios):.3f} CPU (pipeline median "
              f"{statistics.median(p for p, _ in walls[name]):.2f} s, by hand "
              f"{statistics.median(h for _, h in walls[name]):.2f} s)")
    pages = sorted(batch.rglob("*.png"))
    decompose(work, batch, pages)


def section_sidecars(work: Path, rounds: int, count: int = 20) -> None:
    """What the ALTO, hOCR and IIIF manifests cost: the batch with them and without, in turns."""
    memos = image_batch(work, f"batch-{count}-memos", count)
    with_, without, cpu_with, cpu_without = [], [], [], []
    for n in range(1, rounds + 1):
        without.append(pipeline_run(memos, work / "out-no-sidecars", "-q", "--no-sidecars")[0])
        cpu_without.append(CPU_SECONDS[-1])
        with_.append(pipeline_run(memos, work / "out-sidecars", "-q")[0])
        cpu_with.append(CPU_SECONDS[-1])
        print(f"  round {n}: without {without[-1]:.1f} s ({cpu_without[-1]:.1f} CPU-s), with "
              f"{with_[-1]:.1f} s ({cpu_with[-1]:.1f} CPU-s); load {os.getloadavg()[0]:.2f}",
              flush=True)
    pairs = [w / o for w, o in zip(with_, without)]
    print(f"sidecars cost, wall time ratio per round: {', '.join(f'{p:.3f}' for p in pairs)}; "
          f"median {statistics.median(pairs):.3f}")
    cpu = [w / o for w, o in zip(cpu_with, cpu_without)]
    print(f"sidecars cost, CPU time ratio per round: {', '.join(f'{p:.3f}' for p in cpu)}; "
          f"median {statistics.median(cpu):.3f}")


# The pipeline with the redaction search and the orientation check switched off (issue 13's
# cost figure): every page taken as upright and without black boxes. Forked workers inherit it.
WITHOUT_FINDINGS = """
import sys
from pipeline import executors, ocr
# patched here, it reaches the workers only if they are forked from this process
assert executors._start_method() == "fork", "the pool does not fork: cannot switch off"
ocr.redactions.find_redactions = lambda image: []
ocr.orientation.upright = lambda lines: True
from pipeline.cli import console
sys.argv[0] = "tei-pipeline"
console()
"""


def section_findings(work: Path, rounds: int, count: int = BATCH_PAGES) -> None:
    """What finding redactions and turned pages costs (issue 13): the batch with and without.

    The throughput batch (upright typed pages: what most of a box is) run in turns as it is
    and with both searches switched off; the median of the pair ratios, wall and CPU. Then
    the searches timed on their own, page by page, in this process: the figure that load from
    other processes does not blur.
    """
    per_document = -(-count // BATCH_DOCUMENTS)
    batch = image_batch(work, f"batch-{count}-in-{BATCH_DOCUMENTS}", count, per_document)
    walls, cpus = [], []
    for n in range(1, rounds + 1):
        output = work / "out-findings"
        shutil.rmtree(output, ignore_errors=True)
        command = [sys.executable, "-c", WITHOUT_FINDINGS, "run", str(batch), "-o",
                   str(output), "-j", "2", "-q"]
        without, result, _ = timed(command, env=environment())
        if result.returncode != 0:
            raise SystemExit("the pipeline without the searches failed")
        cpu_without = CPU_SECONDS[-1]
        with_ = pipeline_run(batch, work / "out-findings-on", "-q")[0]
        walls.append(with_ / without)
        cpus.append(CPU_SECONDS[-1] / cpu_without)
        print(f"  round {n}: without the searches {without:.2f} s ({cpu_without:.2f} CPU-s), "
              f"with {with_:.2f} s ({CPU_SECONDS[-1]:.2f} CPU-s): ratio {walls[-1]:.3f}; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"findings cost, wall ratio per pair: {', '.join(f'{r:.3f}' for r in walls)}; "
          f"median {statistics.median(walls):.3f}")
    print(f"findings cost, CPU ratio per pair: {', '.join(f'{r:.3f}' for r in cpus)}; "
          f"median {statistics.median(cpus):.3f}")
    from pipeline import orientation, redactions, sources, tesseract
    from pipeline.model import PageSource

    pages = sorted(batch.rglob("*.png"))
    searched = 0.0
    for path in pages:
        image = sources.load_image(PageSource(str(path)))[0]
        started = time.perf_counter()
        redactions.find_redactions(image)
        searched += time.perf_counter() - started
    tesseract.configure()
    lines = tesseract.read(str(pages[0]), lang="eng", timeout=120).lines
    orientation.upright(lines)  # the word list loaded, as a worker has it
    started = time.perf_counter()
    for _ in pages:
        orientation.upright(lines)
    checked = time.perf_counter() - started
    page_seconds = tesseract_xargs(pages[:1], work / "xargs-one")  # one page by hand
    per_page = (searched + checked) / len(pages)
    print(f"findings cost, timed in process: redaction search {searched / len(pages) * 1000:.1f}"
          f" ms a page, orientation check {checked / len(pages) * 1000:.2f} ms a page (on the "
          f"first page's reading, as long as the others'): {per_page / page_seconds * 100:.2f}%"
          f" of a Tesseract run on one page by hand ({page_seconds:.2f} s, its start included)")


# The pipeline lists a run's files on Tesseract's standard input ("stdin" for the image): a copy
# of the list counts its pages. The start is the program's, before its models load.
WRAPPER = """#!/bin/sh
start=$(date +%s.%N)
pages=1
case "$1" in
  stdin|-) tee "$TEI_BENCH_LOG.list.$$" | /usr/bin/time -f "%U %S" -o "$TEI_BENCH_LOG.$$" \\
             {tesseract} "$@"
           rc=$?; pages=$(wc -l < "$TEI_BENCH_LOG.list.$$");;
  *) /usr/bin/time -f "%U %S" -o "$TEI_BENCH_LOG.$$" {tesseract} "$@"; rc=$?;;
esac
echo "$start $(date +%s.%N) $(cat "$TEI_BENCH_LOG.$$") $pages $1" >> "$TEI_BENCH_LOG"
rm -f "$TEI_BENCH_LOG.$$" "$TEI_BENCH_LOG.list.$$"
exit $rc
"""


def decompose(work: Path, memos: Path, pages: list[Path]) -> None:
    """Where the time goes, from one run of each with Tesseract timed by a wrapper.

    Tells apart what load from other processes blurs in the wall times: how long before the
    first page starts, how long after the last one ends, and the CPU time spent outside
    Tesseract; then what those add on an otherwise idle machine with 2 cores.
    """
    tesseract = shutil.which("tesseract")
    wrapper = work / "timed-tesseract"
    wrapper.write_text(WRAPPER.format(tesseract=tesseract))
    wrapper.chmod(0o755)
    log = work / "tesseract-times.log"
    figures = {}
    for name in ("xargs", "pipeline"):
        log.unlink(missing_ok=True)
        env = {**environment(), "TEI_BENCH_LOG": str(log), "TESSERACT_CMD": str(wrapper),
               "OMP_THREAD_LIMIT": "1"}
        launched = time.time()
        if name == "xargs":
            output = work / "xargs-out"
            shutil.rmtree(output, ignore_errors=True)
            output.mkdir()
            jobs = "".join(f"{p} {output / p.parent.name}-{p.stem} tsv\n" for p in pages)
            wall, _, _ = timed(["xargs", "-P", "2", "-n", "3", str(wrapper)], env=env, stdin=jobs)
        else:
            shutil.rmtree(work / "out-timed", ignore_errors=True)
            wall, _, _ = timed(pipeline_command(memos, work / "out-timed", "-q"), env=env)
        rows = [line.split() for line in log.read_text().splitlines()]
        # the runs that read pages (a run over a list of files reads several), not the checks
        rows = [r for r in rows if len(r) == 6 and not r[5].startswith("--")]
        assert sum(int(r[4]) for r in rows) == len(pages), rows
        first = min(float(r[0]) for r in rows) - launched
        last = launched + wall - max(float(r[1]) for r in rows)
        ocr_cpu = sum(float(r[2]) + float(r[3]) for r in rows)
        figures[name] = (wall, CPU_SECONDS[-1], ocr_cpu, first, last)
    xw, xcpu, xocr, _, _ = figures["xargs"]
    pw, pcpu, pocr, start, tail = figures["pipeline"]
    outside = (pcpu - pocr) - (xcpu - xocr)  # less what the wrapper and xargs cost themselves
    during = max(outside - start - tail, 0.0)  # start-up and tail run on one core, others idle
    expected = (start + tail + (xocr + during) / 2) / (xocr / 2)
    print(f"where the time goes (one timed run each): first page {start:.2f} s after launch, "
          f"{tail:.2f} s from the last page to exit; CPU outside Tesseract {outside:.2f} s "
          f"({outside / pocr * 100:.1f}% of Tesseract's {pocr:.1f} CPU-s; per page "
          f"{during / len(pages) * 1000:.0f} ms after start-up); Tesseract itself "
          f"{pocr / xocr:.3f} times its CPU time under xargs")
    print(f"throughput ratio expected on an idle machine from these: {expected:.3f} "
          f"(this run: pipeline {pw:.1f} s, tesseract xargs -P 2 {xw:.1f} s)")


TIMING = re.compile(r"(?P<doc>\S+): (?P<pages>\d+) pages?, OCR (?P<ocr>[\d.]+) s, "
                    r"assembly (?P<assembly>[\d.]+) s \(correction (?P<correction>[\d.]+), "
                    r"structure (?P<structure>[\d.]+), TEI (?P<tei>[\d.]+), "
                    r"validation (?P<validation>[\d.]+)\)")


def _stage_seconds(stderr: str) -> dict[str, float]:
    totals = {k: 0.0 for k in ("pages", "ocr", "assembly", "correction", "structure", "tei",
                               "validation")}
    for match in TIMING.finditer(stderr):
        for key in totals:
            totals[key] += float(match.group(key))
    return totals


def section_stages(work: Path) -> None:
    memos = image_batch(work, "batch-20-memos", 20)
    wall, result, _ = pipeline_run(memos, work / "out-20-stages", "-v")
    t = _stage_seconds(result.stderr)
    if not t["pages"]:
        raise SystemExit("no per-document timings in the -v output")
    print(f"stages after OCR, image input: {t['assembly'] / wall * 100:.2f}% of wall time "
          f"({t['assembly']:.2f} s of {wall:.1f} s: correction {t['correction']:.2f}, "
          f"structure {t['structure']:.2f}, TEI {t['tei']:.2f}, validation {t['validation']:.2f}; "
          f"{t['assembly'] / (wall * 2) * 100:.2f}% of the 2 cores' time)")
    text = text_batch(work, "text-1000", 1000)
    wall, result, _ = pipeline_run(text, work / "out-text-1000", "-v")
    t = _stage_seconds(result.stderr)
    print(f"text input, end to end: {t['pages'] / wall / 2:.1f} pages per second per core "
          f"({t['pages']:.0f} pages in {wall:.1f} s with 2 workers)")
    stage_time = t["assembly"] + t["ocr"]
    print(f"text input, stages only: {t['pages'] / stage_time:.1f} pages per second per core "
          f"(reading {t['ocr']:.2f} s, correction {t['correction']:.2f}, structure "
          f"{t['structure']:.2f}, TEI {t['tei']:.2f}, validation {t['validation']:.2f} "
          f"CPU-seconds for {t['pages']:.0f} pages)")


BATCH_KINDS: tuple[tuple[str, Callable[[Path, str, int], Path]], ...] = (
    ("text", text_batch), ("image", image_batch),
)
FIRST_RUN = ".bench-first-run"  # beside a batch's output: its first run's wall time


def code_fingerprint() -> str:
    """The pipeline code's hash: a first run made by other code is no first run of this one."""
    from pipeline.driver import code_fingerprint as fingerprint

    return fingerprint()


def first_run(work: Path, kind: str, make: Callable[[Path, str, int], Path], pages: int, *,
              memory: bool = False) -> tuple[Path, Path, float, TreeMemory | None]:
    """A fresh run of a batch of `pages` pages; its wall time is kept for the resume section."""
    batch = make(work, f"{kind}-{pages}", pages)
    output = work / f"out-{kind}-{pages}"
    wall, _, watch = pipeline_run(batch, output, "-q", memory=memory)
    (output / FIRST_RUN).write_text(f"{wall}\n{code_fingerprint()}\n")
    return batch, output, wall, watch


def section_memory(work: Path) -> None:
    for kind, make in BATCH_KINDS:
        peaks = {}
        for pages in (10, 200):
            _, _, wall, watch = first_run(work, kind, make, pages, memory=True)
            assert watch is not None
            peaks[pages] = watch
            print(f"  {kind} {pages} pages: {wall:.1f} s, peak RSS of the process tree "
                  f"{watch.peak_rss / 2**20:.0f} MB (PSS {watch.peak_pss / 2**20:.0f} MB, "
                  f"parent {watch.peak_parent / 2**20:.0f} MB)", flush=True)
        small, large = peaks[10], peaks[200]
        growth = (large.peak_rss / small.peak_rss - 1) * 100
        print(f"peak memory, {kind} input: 10 pages {small.peak_rss / 2**20:.0f} MB, 200 pages "
              f"{large.peak_rss / 2**20:.0f} MB ({growth:+.1f}%; "
              f"PSS {(large.peak_pss / small.peak_pss - 1) * 100:+.1f}%, parent "
              f"{(large.peak_parent / small.peak_parent - 1) * 100:+.1f}%)")


def section_resume(work: Path) -> None:
    for kind, make in BATCH_KINDS:
        marker = work / f"out-{kind}-200" / FIRST_RUN
        wall, _, code = (marker.read_text() if marker.is_file() else "").partition("\n")
        if code.strip() == code_fingerprint():  # the memory section ran it, with this code
            batch, output = make(work, f"{kind}-200", 200), marker.parent
            first = float(wall)
        else:
            batch, output, first, _ = first_run(work, kind, make, 200)
        seconds, result, _ = timed(pipeline_command(batch, output, "-q"), env=environment())
        report = (output / "report.json").read_text(encoding="utf-8")
        reused = re.search(r'"reused": (\d+)', report)
        print(f"resume, {kind} input: rerun of a finished 200-page batch {seconds:.2f} s = "
              f"{seconds / first * 100:.1f}% of the first run ({first:.1f} s; "
              f"{reused.group(1) if reused else '?'} documents reused, exit {result.returncode})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=", ".join(SECTIONS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/tei-pipeline-bench"),
                        help="folder for pages, batches and outputs (kept between runs)")
    parser.add_argument("--rounds", type=int, default=5, help="pairs of the throughput race")
    parser.add_argument("--pages", type=int, default=BATCH_PAGES,
                        help="pages in the throughput race's batch (the issue's: 15 to 20; more "
                             "shows the rate once start-up no longer counts)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    compile_modules(args.work)
    runners: dict[str, Callable[[], None]] = {
        "throughput": lambda: section_throughput(args.work, args.rounds, args.pages),
        "stages": lambda: section_stages(args.work),
        "memory": lambda: section_memory(args.work),
        "resume": lambda: section_resume(args.work),
        "sidecars": lambda: section_sidecars(args.work, args.rounds, 20),
        "findings": lambda: section_findings(args.work, args.rounds, args.pages),
    }
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}", flush=True)
    for name in args.sections or SECTIONS:
        print(f"== {name}", flush=True)
        runners[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
