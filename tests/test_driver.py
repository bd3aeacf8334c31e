"""The whole pipeline as a library user runs it: seed text, rendered scans, bad inputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from pipeline.exceptions import ExitCode
from tests.conftest import (
    NS,
    SEED,
    assert_tei_all_valid,
    assert_words_kept,
    body_text,
    run_batch,
    source_text,
    text_of,
)


@pytest.fixture(scope="module")
def seed_output(tmp_path_factory: pytest.TempPathFactory) -> tuple[ExitCode, dict, Path]:
    out = tmp_path_factory.mktemp("seed-out")
    code, report = run_batch([SEED], out)
    return code, report, out


def test_seed_text_gives_valid_tei(seed_output, tei_all) -> None:
    code, report, out = seed_output
    assert code == ExitCode.ok
    (entry,) = report["documents"]
    assert entry["status"] == "ok" and entry["output"] == "memcon-1986-06-23.ocr.xml"
    assert_tei_all_valid(tei_all, out / entry["output"])


def test_seed_dubinin_errors_corrected_and_regan_kept(seed_output) -> None:
    _, report, out = seed_output
    tree = etree.parse(str(out / "memcon-1986-06-23.ocr.xml"))
    # OCR slips are app/lem/rdg, typist's errors choice/sic/corr: the seed has only OCR slips
    assert tree.find(".//t:choice", NS) is None
    sics = [text_of(a.find("t:rdg", NS)) for a in tree.iterfind(".//t:app", NS)]
    corrs = {text_of(a.find("t:lem", NS)) for a in tree.iterfind(".//t:app", NS)}
    seed = SEED.read_text(encoding="utf-8")
    assert sics.count("Dubinina") == seed.count("Dubinina") - seed.count("Dubinina's")
    assert "Dubin in" in sics
    assert corrs == {"Dubinin"}
    body = body_text(tree, corrected=True)
    assert "Dubinina" not in body.replace("Dubinina's", "")
    assert "Dubin in" not in body
    regans = [el for el in tree.iterfind(".//t:persName", NS) if text_of(el) == "Regan"]
    assert regans and all(el.get("ref") != "#reagan-ronald" for el in regans)
    assert "Regan" not in sics
    with (out / "corrections.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == report["documents"][0]["corrections"] == len(sics)
    assert {row["error"] for row in rows} == {"ocr"}  # OCR slips, no typist's error
    assert {r["correction"] for r in rows} == {"Dubinin"}


def test_seed_no_page_lost(seed_output) -> None:
    _, _, out = seed_output
    tree = etree.parse(str(out / "memcon-1986-06-23.ocr.xml"))
    assert_words_kept(SEED.read_text(encoding="utf-8"), source_text(tree))


def test_rerun_is_byte_identical(seed_output, tmp_path: Path) -> None:
    _, _, out = seed_output
    code, _ = run_batch([SEED], tmp_path)
    assert code == ExitCode.ok
    first = (out / "memcon-1986-06-23.ocr.xml").read_bytes()
    assert (tmp_path / "memcon-1986-06-23.ocr.xml").read_bytes() == first


def test_bad_files_are_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20)
    (batch / "empty.txt").write_bytes(b"")
    (batch / "good.txt").write_text(
        "MEMORANDUM\n\nThe President met Ambassador Dubinin.\n", encoding="utf-8"
    )
    code, report = run_batch([batch], tmp_path / "out")
    assert code == ExitCode.documents_failed
    by_id = {d["id"]: d for d in report["documents"]}
    assert by_id["good"]["status"] == "ok" and (tmp_path / "out" / "good.xml").is_file()
    for bad in ("batch", "empty"):
        entry = by_id[bad]
        assert entry["status"] == "failed" and entry["output"] is None
        assert entry["error"] and "\n" not in entry["error"] and "Traceback" not in entry["error"]
    assert "cannot read image" in by_id["batch"]["error"]
    assert "empty" in by_id["empty"]["error"]


def test_resume_skips_finished_documents_and_force_redoes_them(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for n in range(3):
        (tmp_path / "in" / f"m{n}.txt").write_text(
            f"Memo {n}.\n\nShultz met Dobrynin.\n", encoding="utf-8"
        )
    run_batch([tmp_path / "in"], tmp_path / "out")
    (tmp_path / "in" / "m1.txt").write_text("Changed.\n", encoding="utf-8")
    _, report = run_batch([tmp_path / "in"], tmp_path / "out")
    reused = {d["id"]: d["reused"] for d in report["documents"]}
    assert reused == {"m0": True, "m1": False, "m2": True}
    _, report = run_batch([tmp_path / "in"], tmp_path / "out", force=True)
    assert not any(d["reused"] for d in report["documents"])


def test_report_lists_every_document(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One.\n", encoding="utf-8")
    Image.new("L", (10, 10)).save(tmp_path / "b.png")
    (tmp_path / "b.png").write_bytes(b"")
    code, report = run_batch([tmp_path / "a.txt", tmp_path / "b.png"], tmp_path / "out")
    assert code == ExitCode.documents_failed
    assert [d["id"] for d in report["documents"]] == ["a", "b"]
    assert set(report["documents"][0]) >= {
        "id",
        "sources",
        "output",
        "pages",
        "status",
        "error",
        "corrections",
        "seconds",
    }
    json.dumps(report)


def test_no_correct_tags_names_but_changes_nothing(tmp_path: Path) -> None:
    code, report = run_batch([SEED], tmp_path, correct=False)
    assert code == ExitCode.ok and report["documents"][0]["corrections"] == 0
    tree = etree.parse(str(tmp_path / "memcon-1986-06-23.ocr.xml"))
    assert tree.find(".//t:choice", NS) is None and tree.find(".//t:app", NS) is None
    refs = {el.get("ref") for el in tree.iterfind(".//t:text//t:persName", NS)}
    assert {"#dubinin-yuri", "#reagan-ronald", "#regan-donald"} <= refs
    assert "Dubinina" in body_text(tree)
    header = (tmp_path / "corrections.csv").read_text(encoding="utf-8").splitlines()
    assert header == ["document,page,line,original,correction,entity_id,score,cert,error,reviewer"]


def test_every_referenced_entity_is_declared_once(seed_output) -> None:
    _, _, out = seed_output
    tree = etree.parse(str(out / "memcon-1986-06-23.ocr.xml"))
    xml_id = "{http://www.w3.org/XML/1998/namespace}id"
    declared = [el.get(xml_id) for el in tree.iterfind(".//t:person", NS)]
    declared += [el.get(xml_id) for el in tree.iterfind(".//t:place", NS)]
    declared += [el.get(xml_id) for el in tree.iterfind(".//t:org", NS)]
    assert len(declared) == len(set(declared))
    refs = {el.get("ref")[1:] for el in tree.iterfind(".//t:text//*[@ref]", NS)}
    assert refs <= set(declared)


def test_names_ii_encoding(tmp_path: Path, tei_all) -> None:
    """Compounds, OCR slips and typist's errors, names to add, dates: valid TEI, in the report."""
    memo = tmp_path / "in" / "memo.txt"
    memo.parent.mkdir()
    memo.write_text(
        "MEMORANDUM OF CONVERSATION\n\nDATE: March 3, 1987\n\n"
        "The Shultz-Gr0myko channel was discussed with Ambassador Vlasenko.\n"
        "Secretary Shulz said that Gorbachcv agreed. Richard Allen was not present.\n",
        encoding="utf-8",
    )
    code, report = run_batch([memo], tmp_path / "out")
    assert code == ExitCode.ok
    (entry,) = report["documents"]
    path = tmp_path / "out" / entry["output"]
    assert_tei_all_valid(tei_all, path)
    tree = etree.parse(str(path))
    # two names in one word, the hyphen between them
    compound = [p for p in tree.iterfind(".//t:p//t:persName", NS)
                if p.get("ref") in ("#shultz-george", "#gromyko-andrei")][:2]
    assert [p.get("ref") for p in compound] == ["#shultz-george", "#gromyko-andrei"]
    assert compound[0].tail == "-"
    # an OCR slip: app with the OCR's reading as rdg; a typist's error: choice with sic
    readings = {text_of(a.find("t:rdg", NS)): text_of(a.find("t:lem", NS))
                for a in tree.iterfind(".//t:app", NS)}
    assert readings == {"Gr0myko": "Gromyko", "Gorbachcv": "Gorbachev"}
    errors = {text_of(c.find("t:sic", NS)): text_of(c.find("t:corr", NS))
              for c in tree.iterfind(".//t:choice", NS)}
    assert errors == {"Shulz": "Shultz"}
    # a name not in the gazetteer: a person without a link, and a name to add
    vlasenko = [p for p in tree.iterfind(".//t:persName", NS) if text_of(p) == "Vlasenko"]
    assert vlasenko and vlasenko[0].get("ref") is None
    assert entry["names_to_add"] == ["Vlasenko"]
