"""Fixtures: paths to the test data, the full TEI schema compiled once, helpers."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytesseract
import pytest
from lxml import etree

from pipeline import tesseract
from pipeline.driver import run
from pipeline.exceptions import ExitCode
from pipeline.options import Options

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
SEED = DATA / "seed" / "memcon-1986-06-23.ocr.txt"
REAL = DATA / "real"
REAL_DEV = DATA / "real-dev"
TEI_ALL = REPO / "pipeline" / "schema" / "tei_all.rng"
TEI = "{http://www.tei-c.org/ns/1.0}"
NS = {"t": "http://www.tei-c.org/ns/1.0"}


@pytest.fixture(scope="session")
def tei_all() -> etree.RelaxNG:
    """The full TEI schema; lxml takes about 15 s to compile it, so once per session."""
    return etree.RelaxNG(etree.parse(str(TEI_ALL)))


def assert_tei_all_valid(schema: etree.RelaxNG, path: Path) -> None:
    tree = etree.parse(str(path))
    if not schema.validate(tree):
        errors = "\n".join(f"{e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"{path} is not valid TEI:\n{errors}")


@pytest.fixture(autouse=True, scope="session")
def fixed_date() -> None:
    """Same input, same bytes: the processing date is the only moving part."""
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"


def source_text(tree: etree._ElementTree) -> str:
    """All text of the TEI ``text`` as the source had it: corrections (``corr``, ``lem``) out."""
    text = tree.find(".//t:text", NS)
    copy = etree.fromstring(etree.tostring(text))
    for corr in [*copy.iterfind(".//t:corr", NS), *copy.iterfind(".//t:lem", NS)]:
        corr.getparent().remove(corr)
    return " ".join("".join(copy.itertext()).split())


def run_batch(inputs: list[Path], output: Path, **options: object) -> tuple[ExitCode, dict]:
    """Run the pipeline as a library user would; return the exit code and the report."""
    options.setdefault("executor", "serial")
    options.setdefault("verbosity", -1)
    code = run(Options(inputs=tuple(inputs), output=output, **options))  # type: ignore[arg-type]
    report = json.loads((output / "report.json").read_text(encoding="utf-8"))
    return code, report


def text_of(element: etree._Element) -> str:
    """An element's text with whitespace folded (furniture included)."""
    return " ".join("".join(element.itertext()).split())


def body_text(tree: etree._ElementTree, *, corrected: bool = False) -> str:
    """The running text: paragraphs and speeches, without page furniture.

    With ``corrected``, corrections applied (``corr`` instead of ``sic``, ``lem`` instead of
    ``rdg``).
    """
    parts = []
    for el in tree.iterfind(".//t:body//t:p", NS):
        copy = etree.fromstring(etree.tostring(el))
        for choice in copy.iterfind(".//t:choice", NS):
            drop = choice.find("t:sic" if corrected else "t:corr", NS)
            if drop is not None:
                choice.remove(drop)
        for app in copy.iterfind(".//t:app", NS):
            drop = app.find("t:rdg" if corrected else "t:lem", NS)
            if drop is not None:
                app.remove(drop)
        for fw in copy.iterfind(".//t:fw", NS):
            fw.getparent().remove(fw) if fw.tail is None else _drop_keep_tail(fw)
        parts.append(text_of(copy))
    return "\n".join(parts)


def _drop_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + (el.tail or "")
    else:
        parent.text = (parent.text or "") + (el.tail or "")
    parent.remove(el)


def assert_words_kept(source: str, output: str) -> None:
    """Every word of the input is in the output, none lost, none added; each line's in order."""
    from collections import Counter

    source_words = source.replace("~~", " ").split()
    output_words = output.split()
    missing = Counter(source_words) - Counter(output_words)
    extra = Counter(output_words) - Counter(source_words)
    assert not missing, f"words lost: {dict(missing)}"
    assert not extra, f"words added: {dict(extra)}"
    for line in source.splitlines():
        position = 0
        for word in line.replace("~~", " ").split():
            found = output.find(word, position)
            assert found >= 0, f"{line!r}: {word!r} out of order"
            position = found + len(word)


# --------------------------------------------------------------------------- Tesseract stand-ins

REAL_TESSERACT = "tesseract"


def fake_tesseract(tmp_path: Path, body: str) -> str:
    """A stand-in program; with --version it answers like Tesseract 5 so start-up checks pass."""
    script = tmp_path / "fake-tesseract"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        'if [ "$1" = "--list-langs" ]; then\n'
        '  echo "List of available languages (1):"; echo eng; exit 0\n'
        "fi\n" + body + "\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


ALTO_TESSERACT = """#!{python}
import sys
sys.path.insert(0, {repo!r})
from tests.alto import answer_checks, document, images, one_line
args = sys.argv[1:]
answer_checks(args)
image, base = args[0], args[1]
given = images(image)  # a list of image files, read in one run, as Tesseract does
if {log!r}:
    with open({log!r}, "a") as log:
        log.write(" ".join([*given, *args[1:]]) + "\\n")
count = len(given)
pages = [one_line({words!r}) if {words!r} else [] for _ in range({pages!r} or count)]
with open(base + ".xml", "w") as out:
    out.write(document(pages))
"""


def alto_tesseract(tmp_path: Path, words: Sequence[str] = (), *, log: Path | None = None,
                   pages: int | None = None) -> str:
    """A Tesseract stand-in that reads `words` on one line of each page it is given.

    It writes its ALTO as Tesseract does; `log` records its arguments, a line per run;
    `pages` writes that many pages whatever it was given.
    """
    script = tmp_path / "alto-tesseract"
    script.write_text(ALTO_TESSERACT.format(python=sys.executable, repo=str(REPO),
                                            log=str(log) if log else "", words=list(words),
                                            pages=pages))
    script.chmod(0o755)
    return str(script)


def command_line(pid: int) -> str:
    """A running process's command line, its arguments joined by spaces ("" once it is gone).

    A process caught in the middle of its exec has none yet (Popen returns then): it is
    asked again until it has one, or is gone.
    """
    for _ in range(100):
        try:
            line = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            return ""
        if line or state in (b"Z", b"X"):
            return line.replace(b"\0", b" ").decode()
        time.sleep(0.01)
    return ""


@pytest.fixture(autouse=True)
def pytesseract_as_found():
    """A test that pointed pytesseract at a stand-in (TESSERACT_CMD) leaves it at Tesseract."""
    yield
    pytesseract.pytesseract.tesseract_cmd = REAL_TESSERACT


@pytest.fixture
def use_cmd(monkeypatch: pytest.MonkeyPatch):
    def use(cmd: str) -> None:
        monkeypatch.setenv("TESSERACT_CMD", cmd)
        tesseract.configure()

    return use


@pytest.fixture
def sample_batch(tmp_path: Path) -> Path:
    """A copy of the sample output (``output/``), its page images where its TEI links them."""
    batch = tmp_path / "output"
    shutil.copytree(REPO / "output", batch)
    (tmp_path / "scans").symlink_to(REPO / "scans")
    return batch


def review_items(batch: Path) -> list:
    """What a person reviews in the batch's TEI files: (document, item) in document order."""
    from pipeline.review_items import find_items

    return [(path.stem, item) for path in sorted(batch.glob("*.xml"))
            for item, _ in find_items(etree.parse(str(path)).getroot())]
