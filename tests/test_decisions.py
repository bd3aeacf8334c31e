"""Applying review decisions to the TEI (pipeline.decisions), without a browser."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.decisions import FORMAT, apply
from pipeline.exceptions import ExitCode, UsageError
from pipeline.review_items import ItemKind, find_items
from pipeline.validate import Validator
from tests.conftest import NS, REPO, assert_tei_all_valid, run_batch

MEMCON = "memcon-1986-06-23"
JFK = "jfk-104-10132-10092"


def write_decisions(
    batch: Path, path: Path, choices: dict[tuple[str, int | str], dict]
) -> Path:
    """A decisions file as the review page saves it, for the items given.

    An item is (document, its number) or (document, its reading): the first item read so.
    """
    documents, decisions = {}, []
    for doc_id in sorted({d for d, _ in choices}):
        data = (batch / f"{doc_id}.xml").read_bytes()
        documents[doc_id] = {"output": f"{doc_id}.xml",
                             "digest": hashlib.sha256(data).hexdigest()}
        taken: set[str] = set()
        for item, _ in find_items(etree.fromstring(data)):
            key: tuple[str, int | str] = (doc_id, item.number)
            if key not in choices and item.reading not in taken:
                key = (doc_id, item.reading)
            if key in choices:
                taken.add(item.reading)
                decisions.append({"document": doc_id, "item": item.number,
                                  "kind": item.kind.value, "reading": item.reading,
                                  "proposed": item.proposed, **choices[key]})
    path.write_text(json.dumps({"format": FORMAT, "version": 1, "documents": documents,
                                "decisions": decisions}), encoding="utf-8")
    return path


def tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def name_after(document: etree._ElementTree, line: str) -> etree._Element:
    """The first name on a line, by its zone id: a name after ``lb facs="#line"``."""
    return document.xpath(f"//t:lb[@facs='#{line}']/following::t:persName[1]", namespaces=NS)[0]


def test_items_of_the_sample_output(sample_batch: Path) -> None:
    memcon = find_items(tree(sample_batch / f"{MEMCON}.xml").getroot())
    assert [i.kind for i, _ in memcon] == [ItemKind.ocr] * 13
    assert (memcon[0][0].reading, memcon[0][0].proposed, memcon[0][0].cert) == (
        "Dubinina", "Dubinin", "medium")
    assert (memcon[0][0].page, memcon[0][0].line, memcon[0][0].entity) == (2, 9, "dubinin-yuri")
    jfk = [i for i, _ in find_items(tree(sample_batch / f"{JFK}.xml").getroot())]
    assert [i.reading for i in jfk if i.kind is ItemKind.name] == ["Allen", "Foster", "ROOSEVELT"]
    assert (ItemKind.unclear, "Nae Sheu") in [(i.kind, i.reading) for i in jfk]


def test_accept_reject_edit(sample_batch: Path, tmp_path: Path) -> None:
    decisions = write_decisions(sample_batch, tmp_path / "d.json", {
        (MEMCON, 1): {"decision": "accept"},
        (MEMCON, 2): {"decision": "reject"},
        (MEMCON, 3): {"decision": "edit", "form": "Dubinin", "entity": None},
        (JFK, "Allen"): {"decision": "accept"},
        (JFK, "Foster"): {"decision": "reject"},
        (JFK, "ROOSEVELT"): {"decision": "edit", "form": "Roosevelt",
                   "entity": {"id": "roosevelt-archibald", "name": "Archibald Roosevelt Jr.",
                              "type": "person"}},
        (JFK, "Nae Sheu"): {"decision": "edit", "form": "Nat Shea"},
    })
    applied = apply(decisions, sample_batch, "Jane Q. Smith")
    assert (applied.accepted, applied.rejected, applied.edited) == (2, 2, 3)

    memcon = tree(sample_batch / f"{MEMCON}.xml")
    accepted, rejected, edited, untouched = (
        name_after(memcon, line) for line in ("page-2-line-9", "page-2-line-16",
                                              "page-2-line-26", "page-2-line-36"))
    lem = accepted.find("t:app/t:lem", NS)
    assert (lem.text, lem.get("cert"), lem.get("resp")) == ("Dubinin", "high",
                                                             "#reviewer-jane-q-smith")
    assert accepted.get("ref") == "#dubinin-yuri"
    # rejected: the reading, no correction, no entity; the text after it stays where it was
    assert rejected.find("t:app", NS) is None and rejected.text == "Dubinina"
    assert rejected.get("ref") is None and rejected.tail.startswith(" indicated that")
    assert edited.find("t:app/t:lem", NS).get("resp") == "#reviewer-jane-q-smith"
    assert edited.get("ref") is None
    # the others are as they were
    assert untouched.find(".//t:lem", NS).get("resp") == "#tei-pipeline"

    header = memcon.find(".//t:teiHeader", NS)
    name = header.xpath("t:fileDesc/t:titleStmt/t:respStmt/t:name[@xml:id]", namespaces=NS)[0]
    assert name.text == "Jane Q. Smith"
    revision = header.find("t:revisionDesc", NS)
    assert revision.get("status") == "candidate"
    change = revision.find("t:change", NS)  # the latest first
    assert change.get("who") == "#reviewer-jane-q-smith"
    assert change.get("when") == "2023-11-14"  # SOURCE_DATE_EPOCH
    assert "1 accepted, 1 rejected, 1 edited" in change.text
    assert len(revision.findall("t:change", NS)) == 2

    jfk = tree(sample_batch / f"{JFK}.xml")
    body = jfk.find(".//t:body", NS)
    allen = [n for n in body.iter(f"{{{NS['t']}}}persName") if n.text == "Allen"][0]
    assert (allen.get("cert"), allen.get("resp")) == ("high", "#reviewer-jane-q-smith")
    assert "J. Foster" in "".join(body.itertext())  # rejected: no tag, the words kept
    assert not [n for n in body.iter(f"{{{NS['t']}}}persName") if n.text == "Foster"]
    roosevelt = body.find(".//t:persName[@ref='#roosevelt-archibald']", NS)
    assert roosevelt.find("t:app/t:lem", NS).text == "Roosevelt"
    assert roosevelt.find("t:app/t:rdg", NS).text == "ROOSEVELT"
    person = jfk.xpath("//t:standOff/t:listPerson/t:person[@xml:id='roosevelt-archibald']",
                       namespaces=NS)[0]
    assert person.find("t:persName", NS).text == "Archibald Roosevelt Jr."
    line = body.find(".//t:app[t:lem='Nat Shea']", NS)
    assert line.find("t:rdg", NS).text == "Nae Sheu"
    assert "Nae Sheu" not in [u.text for u in body.iterfind(".//t:unclear", NS)]

    validator = Validator()
    for doc in (memcon, jfk):
        assert validator.problems(doc) == []
    assert len(find_items(memcon.getroot())) == 10  # the undecided ones are still items
    left = {i.reading for i, _ in find_items(jfk.getroot())}
    assert left.isdisjoint({"Allen", "Foster", "ROOSEVELT", "Nae Sheu"})  # the others remain


def test_report_and_corrections_follow(sample_batch: Path, tmp_path: Path) -> None:
    decisions = write_decisions(sample_batch, tmp_path / "d.json", {
        (MEMCON, 1): {"decision": "accept"},
        (MEMCON, 2): {"decision": "reject"},
        (JFK, "Allen"): {"decision": "accept"},
        (JFK, "ROOSEVELT"): {"decision": "edit", "form": "Roosevelt", "entity": None},
    })
    apply(decisions, sample_batch, "Jane Smith")
    # the schema the documents name is the one that allows what a review writes
    assert (sample_batch / "schema" / "tei-pipeline.rng").read_bytes() == (
        REPO / "pipeline" / "schema" / "tei-pipeline.rng").read_bytes()
    report = json.loads((sample_batch / "report.json").read_text(encoding="utf-8"))
    memcon, jfk = (next(d for d in report["documents"] if d["id"] == i) for i in (MEMCON, JFK))
    assert memcon["corrections"] == 12 and report["summary"]["corrections"] == 13
    assert memcon["reviews"] == [{"reviewer": "Jane Smith", "date": "2023-11-14",
                                  "accepted": 1, "rejected": 1, "edited": 0}]
    assert jfk["review"] == 1 and jfk["review_notes"] == []  # Allen decided; Foster left
    with (sample_batch / "corrections.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ours = [r for r in rows if r["document"] == MEMCON]
    assert len(ours) == 12
    assert (ours[0]["line"], ours[0]["cert"], ours[0]["reviewer"]) == ("9", "high", "Jane Smith")
    assert ours[1]["line"] == "26" and ours[1]["reviewer"] == ""  # line 16 was rejected
    added = [r for r in rows if r["document"] == JFK]
    assert [(r["page"], r["line"], r["original"], r["correction"]) for r in added] == [
        ("1", "40", "ROOSEVELT", "Roosevelt")]


def test_a_changed_document_is_refused(sample_batch: Path, tmp_path: Path) -> None:
    decisions = write_decisions(sample_batch, tmp_path / "d.json", {(MEMCON, 1): {
        "decision": "accept"}})
    apply(decisions, sample_batch, "Jane Smith")
    before = (sample_batch / f"{MEMCON}.xml").read_bytes()
    with pytest.raises(UsageError, match="has changed since the review page was made"):
        apply(decisions, sample_batch, "Jane Smith")  # the same file twice
    assert (sample_batch / f"{MEMCON}.xml").read_bytes() == before


@pytest.mark.parametrize("damage", [
    lambda d: d.update(format="something else"),
    lambda d: d["decisions"][0].update(decision="maybe"),
    lambda d: d["decisions"][0].update(item=99),
    lambda d: d["decisions"][0].update(reading="Gromyko"),
    lambda d: d["decisions"][0].update(decision="edit", form="  "),
    lambda d: d["decisions"][0].update(decision="edit", form="X",
                                       entity={"id": "a b", "name": "x", "type": "person"}),
    lambda d: d["decisions"][0].update(decision="edit", form="X",
                                       entity={"id": "page-2", "name": "x", "type": "place"}),
    lambda d: d["decisions"].append(dict(d["decisions"][0], decision="reject")),
])
def test_bad_decisions_change_nothing(sample_batch: Path, tmp_path: Path, damage) -> None:
    path = write_decisions(sample_batch, tmp_path / "d.json", {(MEMCON, 1): {
        "decision": "accept"}})
    data = json.loads(path.read_text(encoding="utf-8"))
    damage(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    before = (sample_batch / f"{MEMCON}.xml").read_bytes()
    with pytest.raises(UsageError):
        apply(path, sample_batch, "Jane Smith")
    assert (sample_batch / f"{MEMCON}.xml").read_bytes() == before


def test_cli_apply_and_a_second_review(sample_batch: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    first = write_decisions(sample_batch, tmp_path / "1.json", {(MEMCON, 1): {
        "decision": "accept"}})
    assert main(["apply", str(first), str(sample_batch), "--reviewer", "Jane Smith"]) == 0
    assert "1 accepted, 0 rejected, 0 edited" in capsys.readouterr().err
    second = write_decisions(sample_batch, tmp_path / "2.json", {(MEMCON, 1): {
        "decision": "reject"}})  # item 1 is now what was item 2
    assert main(["apply", str(second), str(sample_batch), "--reviewer", "Ann Other"]) == 0
    memcon = tree(sample_batch / f"{MEMCON}.xml")
    reviewers = memcon.xpath("//t:titleStmt/t:respStmt/t:name[@xml:id]", namespaces=NS)
    assert [r.text for r in reviewers] == ["Jane Smith", "Ann Other"]
    assert len(memcon.findall(".//t:revisionDesc/t:change", NS)) == 3
    assert main(["apply", str(tmp_path / "missing.json"), str(sample_batch),
                 "--reviewer", "X"]) == ExitCode.usage_error


@pytest.mark.slow
def test_reviewed_document_is_valid_tei_all(sample_batch: Path, tmp_path: Path,
                                            tei_all: etree.RelaxNG) -> None:
    decisions = write_decisions(sample_batch, tmp_path / "d.json", {
        (JFK, "Allen"): {"decision": "accept"},
        (JFK, "ROOSEVELT"): {"decision": "edit", "form": "Roosevelt",
                   "entity": {"id": "roosevelt-archibald", "name": "Archibald Roosevelt Jr.",
                              "type": "person"}},
        (JFK, "Nae Sheu"): {"decision": "accept"},
    })
    apply(decisions, sample_batch, "Jane Smith")
    assert_tei_all_valid(tei_all, sample_batch / f"{JFK}.xml")


def test_rerun_keeps_reviewed_documents(tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text("MEMORANDUM OF CONVERSATION\n\nDATE: June 23, 1986\n\n"
                    "Ambassador Dubinina said that Gorbachev wanted a meeting. Shultz and\n"
                    "Gromyco agreed.\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch([memo], out)
    items = find_items(tree(out / "memo.xml").getroot())
    assert [i.kind for i, _ in items] == [ItemKind.ocr, ItemKind.typist]
    decisions = write_decisions(out, tmp_path / "d.json", {
        ("memo", 1): {"decision": "accept"}, ("memo", 2): {"decision": "reject"}})
    apply(decisions, out, "Jane Smith")
    reviewed = (out / "memo.xml").read_bytes()
    assert b"<sic>" not in reviewed and b'resp="#reviewer-jane-smith"' in reviewed

    code, report = run_batch([memo], out)  # the same inputs: done, and reviewed
    assert code == ExitCode.ok and (out / "memo.xml").read_bytes() == reviewed
    assert "kept as it is" not in caplog.text  # nothing to say: it would be reused anyway
    assert report["documents"][0]["reviews"][0]["reviewer"] == "Jane Smith"
    rows = (out / "corrections.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].endswith(",high,ocr,Jane Smith") and len(rows) == 2
    memo.write_text(memo.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
    run_batch([memo], out)  # the input changed: still kept, a person's work is in it
    assert (out / "memo.xml").read_bytes() == reviewed
    assert "memo.xml: reviewed by Jane Smith; kept as it is" in caplog.text
    run_batch([memo], out, force=True)
    assert b"reviewer-jane-smith" not in (out / "memo.xml").read_bytes()


def test_a_batch_without_journal_gets_one(sample_batch: Path, tmp_path: Path) -> None:
    """A copied folder has no journal: apply makes the entry a rerun needs to keep it."""
    from pipeline.report import OutputFolder

    decisions = write_decisions(sample_batch, tmp_path / "d.json", {(MEMCON, 1): {
        "decision": "accept"}})
    apply(decisions, sample_batch, "Jane Smith")
    with OutputFolder(sample_batch) as out:
        entry = out.journal_entries()[MEMCON]
    assert entry.reviews[0].reviewer == "Jane Smith"
    assert entry.digest == hashlib.sha256((sample_batch / f"{MEMCON}.xml").read_bytes()
                                          ).hexdigest()
    assert len(entry.correction_rows) == 13


def test_an_entity_of_another_type_renames_the_name(sample_batch: Path, tmp_path: Path) -> None:
    decisions = write_decisions(sample_batch, tmp_path / "d.json", {
        (MEMCON, 1): {"decision": "edit", "form": "Dubinin",
                      "entity": {"id": "moscow", "name": "Moscow", "type": "place"}},
        (JFK, "Foster"): {"decision": "edit", "form": "Foster",  # the form as read: no app
                   "entity": {"id": "foster-william", "name": "William C. Foster",
                              "type": "person"}},
    })
    apply(decisions, sample_batch, "Jane Smith")
    memcon = tree(sample_batch / f"{MEMCON}.xml")
    place = memcon.xpath("//t:lb[@facs='#page-2-line-9']/following::*[@ref][1]",
                         namespaces=NS)[0]
    assert etree.QName(place).localname == "placeName" and place.get("ref") == "#moscow"
    assert len(memcon.xpath("//*[@xml:id='moscow']")) == 1  # declared already: not again
    jfk = tree(sample_batch / f"{JFK}.xml")
    foster = jfk.find(".//t:body//t:persName[@ref='#foster-william']", NS)
    assert (foster.text, foster.get("cert"), foster.get("resp")) == (
        "Foster", "high", "#reviewer-jane-smith")
    assert foster.find("t:app", NS) is None
    validator = Validator()
    assert validator.problems(memcon) == [] and validator.problems(jfk) == []
