"""Shared fixtures: paths to the shared material, the full TEI schema compiled once, helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from pipeline.driver import run
from pipeline.exceptions import ExitCode
from pipeline.options import Options

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seed" / "memcon-1986-06-23.ocr.txt"
REAL = SHARED / "real"
TEI_ALL = SHARED / "schemas" / "tei_all.rng"
TEI = "{http://www.tei-c.org/ns/1.0}"
NS = {"t": "http://www.tei-c.org/ns/1.0"}


@pytest.fixture(scope="session")
def tei_all() -> etree.RelaxNG:
    """The full TEI schema; lxml takes about 15 s to compile it, so once per session."""
    if not TEI_ALL.is_file():
        pytest.fail(f"{TEI_ALL} is missing: the tests need ../shared/schemas/tei_all.rng")
    return etree.RelaxNG(etree.parse(str(TEI_ALL)))


def assert_tei_all_valid(schema: etree.RelaxNG, path: Path) -> None:
    tree = etree.parse(str(path))
    if not schema.validate(tree):
        errors = "\n".join(f"{e.line}: {e.message}" for e in schema.error_log)
        raise AssertionError(f"{path} is not valid TEI:\n{errors}")


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same input, same bytes: the processing date is the only moving part."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


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


def body_text(tree: etree._ElementTree) -> str:
    """The running text: paragraphs and speeches, without page furniture."""
    parts = []
    for el in tree.iterfind(".//t:body//t:p", NS):
        copy = etree.fromstring(etree.tostring(el))
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
