"""End to end on rendered scans of the seed: real Tesseract, real strokes, two pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.exceptions import ExitCode
from tests.conftest import NS, REAL, SEED, assert_tei_all_valid, body_text, run_batch, text_of
from tests.scans import seed_two_pages, write_scan

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ExitCode, dict, Path, etree._ElementTree]:
    root = tmp_path_factory.mktemp("scan")
    folder = write_scan(seed_two_pages(SEED.read_text(encoding="utf-8")), root / "in" / "memcon")
    code, report = run_batch([folder], root / "out", executor="process", jobs=2)
    tree = etree.parse(str(root / "out" / "memcon.xml"))
    return code, report, root / "out" / "memcon.xml", tree


def test_scan_valid_against_both_schemas(scanned, tei_all) -> None:
    code, report, path, _ = scanned
    assert code == ExitCode.ok, report
    assert_tei_all_valid(tei_all, path)


def test_every_page_present_with_its_image(scanned) -> None:
    _, report, _, tree = scanned
    assert report["documents"][0]["pages"] == 2
    pbs = tree.findall(".//t:pb", NS)
    assert [pb.get("facs") for pb in pbs] == ["#page-1", "#page-2"]
    assert pbs[1].get("n") == "2"
    zones = {
        z.get("{http://www.w3.org/XML/1998/namespace}id") for z in tree.iterfind(".//t:zone", NS)
    }
    assert len(zones) > 40
    pointed = {el.get("facs")[1:] for el in tree.iterfind(".//t:text//*[@facs]", NS)}
    assert zones <= pointed, f"lines in no element: {sorted(zones - pointed)}"


def test_names_corrected_and_regan_kept(scanned) -> None:
    _, _, _, tree = scanned
    body = body_text(tree, corrected=True)
    assert "Dubinina" not in body and "Dubin in" not in body
    assert body.count("Dubinin") >= 4
    regans = [el for el in tree.iterfind(".//t:persName", NS) if text_of(el) == "Regan"]
    assert regans and all(el.get("ref") == "#regan-donald" for el in regans)


def test_struck_marking_top_and_bottom_of_every_page(scanned) -> None:
    _, _, _, tree = scanned
    for n in (1, 2):
        page_fws = [
            fw
            for fw in tree.iterfind(".//t:fw[@type='classification']", NS)
            if _page_of(tree, fw) == n
        ]
        places = {fw.get("place") for fw in page_fws}
        assert {"top", "bottom"} <= places, (n, places)
        for fw in page_fws:
            stamp = fw.find(".//t:stamp", NS)
            assert stamp.get("n") == "SECRET/SENSITIVE"
            assert stamp.getparent().tag.endswith("del")


def test_declassification_stamp_in_text_and_header(scanned) -> None:
    _, _, _, tree = scanned
    stamp = tree.find(".//t:fw[@type='declassification']/t:stamp", NS)
    assert stamp is not None
    assert stamp.find("t:date", NS).get("when") == "2007-11-29"
    bibl = tree.find(".//t:sourceDesc/t:bibl", NS)
    assert bibl.find("t:date[@type='declassification']", NS).get("when") == "2007-11-29"


def test_no_furniture_inside_paragraph_text(scanned) -> None:
    _, _, _, tree = scanned
    body = body_text(tree)
    for furniture in ("SECRET/SENSITIVE", "DECL: OADR", "NLRR", "- 2 -"):
        assert furniture not in body


def _page_of(tree: etree._ElementTree, element: etree._Element) -> int:
    """The number of pb elements before element in document order."""
    count = 0
    for el in tree.getroot().iter():
        if el is element:
            return count
        if el.tag == "{http://www.tei-c.org/ns/1.0}pb":
            count += 1
    return count


MEMOS = Path(__file__).parent / "resources" / "memos"
FURNITURE_IN_TEXT = (
    "SECRET",
    "CONFIDENTIAL",
    "NODIS",
    "DECL:",
    "NLRR",
    "FOIA",
    "RELEASE UNDER",
    "- 2 -",
    "DECLASSIFIED",
)


# The memos rendered as scans, each with its own seed (the other memos are read as text by
# tests/structure/): a memo added to the list renders the ones before it as they were.
SCANNED = (
    "letter-1975-no-heading",
    "memcon-1985-moscow-sides",
    "memcon-1987-geneva-dialogue",
    "memo-1989-reported-speech",
    "order-1962-no-header-fields",
    "record-form-1999-identification",
    "telegram-1986-moscow",
)


@pytest.fixture(scope="module")
def memo_scans(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    from tests.scans import pages_of

    root = tmp_path_factory.mktemp("memo-scans")
    for n, name in enumerate(SCANNED):
        memo = MEMOS / f"{name}.txt"
        write_scan(
            pages_of(memo.read_text(encoding="utf-8")),
            root / "in" / memo.stem,
            seed=100 + n,
            stamp=None,
        )
    code, report = run_batch([root / "in"], root / "out", executor="process", jobs=2)
    assert code == ExitCode.ok, report
    return report, root / "out"


def test_memo_scans_speakers_and_furniture(memo_scans, tei_all) -> None:
    report, out = memo_scans
    dialogue = etree.parse(str(out / "memcon-1987-geneva-dialogue.xml"))
    assert [pb.get("n") for pb in dialogue.iterfind(".//t:pb", NS)] == ["1", "2"]
    whos = [sp.get("who") for sp in dialogue.iterfind(".//t:sp", NS)]
    assert whos[:2] == ["#shevardnadze-eduard", "#shultz-george"]
    said = [s.get("who") for s in dialogue.iterfind(".//t:said", NS)]
    assert "#bessmertnykh-aleksandr" in said and "#nitze-paul" in said
    for entry in report["documents"]:
        path = out / entry["output"]
        assert_tei_all_valid(tei_all, path)
        plain = body_text(etree.parse(str(path)))
        for furniture in FURNITURE_IN_TEXT:
            assert furniture not in plain, (entry["id"], furniture)


def test_real_pages_valid_and_furniture_kept_out_of_text(tmp_path: Path, tei_all) -> None:
    import re

    code, report = run_batch([REAL], tmp_path, executor="process", jobs=2)
    assert code == ExitCode.ok, report
    assert (
        sum(
            d["pages"]
            for d in report["documents"]
            if d["id"] != "executive-orders/historical-executive_order_9981-armed_services"
        )
        == 6
    )
    for entry in report["documents"]:
        path = tmp_path / entry["output"]
        assert_tei_all_valid(tei_all, path)
        tree = etree.parse(str(path))
        plain = body_text(tree)
        for pattern in (r"\bSECRET\b", r"FOIA", r"RELEASE UNDER", r"DECLASSIFIED", r"\b104-10132"):
            assert not re.search(pattern, plain), (entry["id"], pattern)
    jfk = etree.parse(str(tmp_path / "jfk-104-10132-10092.xml"))
    assert jfk.find(".//t:fw[@type='declassification']", NS) is not None
    assert len(jfk.findall(".//t:pb", NS)) == 2
    # EO 9981 (a real 90 dpi scan): its heading and title are the opener, its text the body.
    order = etree.parse(str(tmp_path / "executive-orders.xml"))
    assert order.find(".//t:body/t:div", NS).get("type") == "executiveOrder"
    opener = text_of(order.find(".//t:opener", NS))
    assert opener.startswith("EXECUTIVE ORDER") and "WHEREAS" not in opener
    assert body_text(order).lstrip().startswith("WHEREAS")
    # A JFK identification form: every labelled line in the opener, its DATE the record's.
    form = etree.parse(str(tmp_path / "jfk-176-10036-10116.xml"))
    fields = [s.get("n") for s in form.iterfind(".//t:opener/t:seg[@type='field']", NS)]
    assert {"RECORD NUMBER", "ORIGINATOR", "DATE OF LAST REVIEW", "COMMENTS"} <= set(fields)
    assert form.find(".//t:creation/t:date", NS).get("when") == "1963-07-17"
    # Garbled lines of the degraded telegram are unclear; the typed memo's text is not.
    assert len(form.findall(".//t:body//t:unclear", NS)) > 20
    unclear_104 = " ".join(text_of(u) for u in jfk.iterfind(".//t:unclear", NS))
    assert "OSWALD" not in unclear_104 and "CHAYES" not in unclear_104
    # Names on the CIA memo of 1964: "Allen" of the 1963 column "Allen and Scott" is not
    # Richard V. Allen (active from 1968): for review, unlinked; the surnames the record types
    # in capitals are persons without a link, and names to add.
    allens = [p for p in jfk.iterfind(".//t:text//t:persName", NS) if text_of(p) == "Allen"]
    assert allens and all(p.get("ref") is None and p.get("cert") == "low" for p in allens)
    unlinked = {
        text_of(p).split()[-1]
        for p in jfk.iterfind(".//t:text//t:persName", NS)
        if p.get("ref") is None and p.get("cert") is None
    }
    assert {"CHAYES", "OSWALD", "WISE", "DAVIS"} <= unlinked
    (memo,) = [d for d in report["documents"] if d["id"] == "jfk-104-10132-10092"]
    assert {"CHAYES", "OSWALD", "WISE", "DAVIS"} <= set(memo["names_to_add"])
    assert any("Allen" in note and "1964" in note for note in memo["review_notes"])
    assert order.find(".//t:unclear", NS) is None
