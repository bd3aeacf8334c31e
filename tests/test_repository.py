"""Repository-ready output: identified and licensed TEI, images that resolve, manifests, bags.

A real XML database (BaseX) loads a packaged batch and answers queries about it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from lxml import etree

from pipeline.cli import main
from pipeline.exceptions import ExitCode, UsageError
from pipeline.publication import PUBLIC_DOMAIN_MARK, Publication
from tests.conftest import NS, SEED, assert_tei_all_valid, run_batch
from tests.scans import seed_two_pages, write_scan

XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
PUBLICATION = Publication(
    publisher="Ronald Reagan Presidential Library",
    institution="National Archives and Records Administration",
    repository="Ronald Reagan Presidential Library",
    collection="Matlock, Jack F.: Files",
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A batch of two documents: the seed as a two-page scan in a subfolder, and as text."""
    root = tmp_path_factory.mktemp("repository")
    write_scan(seed_two_pages(SEED.read_text(encoding="utf-8")), root / "in" / "box 1" / "memcon")
    shutil.copy(SEED, root / "in" / "memcon-text.txt")
    code, report = run_batch([root / "in"], root / "out", publication=PUBLICATION, pdf=True,
                             hocr=True)
    assert code == ExitCode.ok, report
    return root / "out"


def test_header_identifies_and_licenses_each_document(batch: Path, tei_all) -> None:
    ids = set()
    for path in (batch / "box 1" / "memcon.xml", batch / "memcon-text.xml"):
        assert_tei_all_valid(tei_all, path)
        tree = etree.parse(str(path))
        ids.add(tree.getroot().get(XML_ID))
        stmt = tree.find(".//t:publicationStmt", NS)
        assert stmt.findtext("t:publisher", namespaces=NS) == PUBLICATION.publisher
        assert stmt.find("t:idno[@type='local']", NS).text in ("box 1/memcon", "memcon-text")
        assert stmt.find("t:availability/t:licence", NS).get("target") == PUBLIC_DOMAIN_MARK
        ms = tree.find(".//t:sourceDesc/t:msDesc/t:msIdentifier", NS)
        assert ms.findtext("t:institution", namespaces=NS) == PUBLICATION.institution
        assert ms.findtext("t:collection", namespaces=NS) == PUBLICATION.collection
        assert ms.findtext("t:idno[@type='declassification']", namespaces=NS) == (
            "NLRR FOI 714/5 #8479"
        )
        assert tree.find(".//t:revisionDesc", NS).get("status") == "draft"
        assert tree.find(".//t:langUsage/t:language", NS).get("ident") == "en"
        target = tree.find(".//t:textClass/t:catRef", NS).get("target")
        categories = tree.iterfind(".//t:classDecl//t:category", NS)
        assert [c.get(XML_ID) for c in categories] == [target[1:]]
        models = [pi for pi in tree.getroot().itersiblings(preceding=True)
                  if isinstance(pi, etree._ProcessingInstruction)]
        hrefs = [pi.get("href") for pi in models]
        assert any(h.endswith("tei_all.rng") for h in hrefs)
        schema = next(h for h in hrefs if h.endswith("tei-pipeline.rng"))
        assert (path.parent / schema).is_file()  # the project schema beside the batch
    assert len(ids) == 2 and all(i.startswith("doc-") for i in ids)


def test_every_image_link_opens_from_the_xml_folder(batch: Path) -> None:
    path = batch / "box 1" / "memcon.xml"
    tree = etree.parse(str(path))
    graphics = tree.findall(".//t:facsimile/t:surface/t:graphic", NS)
    assert len(graphics) == 2
    for graphic in graphics:
        assert graphic.get("mimeType") == "image/png"
        image = path.parent / unquote(graphic.get("url"))
        assert image.is_file() and image.read_bytes()[:4] == b"\x89PNG"
    for ref in tree.iterfind(".//t:list[@type='sourceFiles']//t:ref", NS):
        assert (path.parent / unquote(ref.get("target"))).is_file()


def test_a_iiif_manifest_per_scanned_document(batch: Path) -> None:
    import iiif_prezi3

    report = json.loads((batch / "report.json").read_text(encoding="utf-8"))
    by_id = {d["id"]: d for d in report["documents"]}
    assert "box 1/memcon.manifest.json" in by_id["box 1/memcon"]["sidecars"]
    assert by_id["memcon-text"]["sidecars"] == []  # no page image, no manifest
    data = json.loads((batch / "box 1" / "memcon.manifest.json").read_text(encoding="utf-8"))
    manifest = iiif_prezi3.Manifest(**data)  # loads back through the library's models
    assert len(manifest.items) == 2
    assert manifest.label["en"][0].startswith("Memorandum of Conversation")
    assert str(manifest.rights) == PUBLIC_DOMAIN_MARK
    see_also = data["seeAlso"][0]
    assert see_also["format"] == "application/tei+xml"
    assert Path(unquote(urlparse(see_also["id"]).path)) == (batch / "box 1" / "memcon.xml")
    canvas = data["items"][0]
    image = canvas["items"][0]["items"][0]["body"]["id"]
    assert Path(unquote(urlparse(image).path)).is_file()
    lines = canvas["annotations"][0]["items"]
    assert lines and all(a["motivation"] == "supplementing" for a in lines)
    assert any("Dubinin" in a["body"]["value"] for a in data["items"][1]["annotations"][0]["items"])


def test_image_base_uri(tmp_path: Path) -> None:
    write_scan(["MEMORANDUM FOR THE RECORD\n\nSUBJECT: A test of links\n\nThe text."],
               tmp_path / "in" / "memo")
    publication = Publication(image_base_uri="https://iiif.example.org/images/",
                              base_uri="https://example.org/batch")
    code, _ = run_batch([tmp_path / "in"], tmp_path / "out", publication=publication)
    assert code == ExitCode.ok
    tree = etree.parse(str(tmp_path / "out" / "memo.xml"))
    assert tree.find(".//t:graphic", NS).get("url") == (
        "https://iiif.example.org/images/memo/page-1.png"
    )
    manifest = json.loads((tmp_path / "out" / "memo.manifest.json").read_text(encoding="utf-8"))
    assert manifest["id"] == "https://example.org/batch/memo.manifest.json"
    # by default the ALTO alone, no hOCR (asked for with --hocr), no PDF (--pdf)
    assert sorted(p.name for p in (tmp_path / "out" / "memo.ocr").iterdir()) == [
        "page-1.alto.xml"]
    assert not (tmp_path / "out" / "memo.pdf").exists()


def test_metadata_file_and_options(tmp_path: Path) -> None:
    meta = tmp_path / "batch.toml"
    meta.write_text('publisher = "Ronald Reagan Presidential Library"\n'
                    'collection = "Box 3"\n', encoding="utf-8")
    given = Publication(collection="Box 4").with_file(meta)
    assert (given.publisher, given.collection) == ("Ronald Reagan Presidential Library", "Box 4")
    meta.write_text('publishr = "x"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="unknown key"):
        Publication().with_file(meta)
    with pytest.raises(UsageError, match="must be a URI"):
        Publication(licence="public domain")
    assert main(["run", str(SEED), "-o", str(tmp_path / "o"), "--licence", "free", "-q"]) == 2


def test_package_a_bag_with_images(batch: Path, tmp_path: Path, tei_all) -> None:
    import bagit

    bag = tmp_path / "bag"
    code = main(["package", str(batch), "-o", str(bag), "--images",
                 "--organization", "Ronald Reagan Presidential Library", "-q"])
    assert code == ExitCode.ok
    assert bagit.Bag(str(bag)).validate()
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    for key in ("External-Identifier", "Source-Organization", "Bagging-Date"):
        assert key in info
    tei = bag / "data" / "box 1" / "memcon.xml"
    assert_tei_all_valid(tei_all, tei)
    for graphic in etree.parse(str(tei)).iterfind(".//t:graphic", NS):
        assert (tei.parent / unquote(graphic.get("url"))).is_file()  # inside the bag
        assert (tei.parent / unquote(graphic.get("url"))).resolve().is_relative_to(bag)
    for name in ("report.json", "corrections.csv", "schema/tei-pipeline.rng",
                 "box 1/memcon.manifest.json", "memcon-text.xml"):
        assert (bag / "data" / name).is_file(), name
    # a bag is made once, into a new folder; a folder without a batch is refused
    assert main(["package", str(batch), "-o", str(bag), "-q"]) == ExitCode.usage_error
    assert main(["package", str(tmp_path / "nothing"), "-o", str(tmp_path / "b2"), "-q"]) == 2


@pytest.mark.slow
def test_basex_loads_a_packaged_batch_and_answers(batch: Path, tmp_path: Path) -> None:
    """A real XML database: Debian's BaseX, started here on its own database folder."""
    if shutil.which("basex") is None:
        pytest.fail("BaseX is missing: scripts/setup.sh test installs it (Debian package basex)")
    bag = tmp_path / "bag"
    assert main(["package", str(batch), "-o", str(bag), "--images", "-q"]) == ExitCode.ok
    home = tmp_path / "basex-home"  # BaseX keeps its configuration and databases in $HOME/basex
    home.mkdir()
    prolog = "declare namespace t='http://www.tei-c.org/ns/1.0';"
    docs = "db:open('batch')//t:TEI"
    queries = {  # name (no spaces) -> XQuery
        "documents": f"count({docs})",
        # every page break points at a surface of its own document
        "danglingpb": f"count(for $d in {docs} for $pb in $d//t:pb[@facs] "
                       "where not($d//t:surface[@xml:id = substring($pb/@facs, 2)]) return $pb)",
        # every @ref and @who points at an id declared in the same document
        "danglingref": f"count(for $d in {docs} for $a in $d//(@ref|@who) "
                        "where not($d//*[@xml:id = substring($a, 2)]) return $a)",
        "idnos": f"count({docs}//t:publicationStmt/t:idno[@type='local'])",
        "distinctidnos": f"count(distinct-values({docs}//t:publicationStmt/t:idno))",
        # full text, the OCR's readings left out: the corrected name finds its documents
        "found": f"count(for $d in {docs} let $c := copy $c := $d modify delete nodes "
                 "$c//(t:rdg|t:sic) return $c where $c//t:text contains text 'Dubinin' "
                 "return $d)",
    }
    script = tmp_path / "ingest.bxs"
    script.write_text(
        # CHOP false: BaseX 9 would strip the spaces around names in mixed content
        "SET CHOP false\nSET FTINDEX true\nSET CREATEFILTER *.xml\n"
        f"CREATE DB batch {bag / 'data'}\n"
        + "".join(f"XQUERY {prolog} '{name}=' || {q} || codepoints-to-string(10)\n"
                  for name, q in queries.items()),
        encoding="utf-8",
    )
    result = subprocess.run(["basex", str(script)], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "HOME": str(home)}, cwd=tmp_path)
    answers = dict(line.split("=", 1) for line in result.stdout.split() if "=" in line)
    assert result.returncode == 0, result.stderr
    assert answers == {
        "documents": "2", "danglingpb": "0", "danglingref": "0", "idnos": "2",
        "distinctidnos": "2", "found": "2",
    }, result.stdout + result.stderr


def alto_schema() -> etree.XMLSchema:
    """ALTO 3.0 (what Tesseract 5.3 writes), its XLink import read from schemas/ (no network)."""
    from tests.conftest import REPO

    schemas = REPO / "schemas"
    text = (schemas / "alto-3-0.xsd").read_text(encoding="utf-8").replace(
        'schemaLocation="http://www.loc.gov/standards/xlink/xlink.xsd"',
        f'schemaLocation="{(schemas / "xlink.xsd").as_uri()}"',
    )
    return etree.XMLSchema(etree.fromstring(text.encode("utf-8"), base_url=schemas.as_uri() + "/"))


def test_alto_and_hocr_of_each_page_from_the_same_run(batch: Path) -> None:
    schema = alto_schema()
    tei = batch / "box 1" / "memcon.xml"
    tree = etree.parse(str(tei))
    surfaces = tree.findall(".//t:facsimile/t:surface", NS)
    report = json.loads((batch / "report.json").read_text(encoding="utf-8"))
    listed = next(d for d in report["documents"] if d["id"] == "box 1/memcon")["sidecars"]
    for n, surface in enumerate(surfaces, start=1):
        alto_name, hocr_name = surface.get("corresp").split()
        assert alto_name == f"memcon.ocr/page-{n}.alto.xml"
        assert f"box 1/{alto_name}" in listed and f"box 1/{hocr_name}" in listed
        alto = etree.parse(str(tei.parent / alto_name))
        assert schema.validate(alto), schema.error_log
        # its words are the page's words, and it names the page's image, from its own folder
        a = {"a": "http://www.loc.gov/standards/alto/ns-v3#"}
        words = [s.get("CONTENT") for s in alto.iterfind(".//a:String", a)]
        assert len(words) > 50
        if n == 2:  # the words as Tesseract read them, its slips included
            assert "Dubinina" in words
        image = alto.findtext(".//a:sourceImageInformation/a:fileName", namespaces=a)
        assert (tei.parent / "memcon.ocr" / unquote(image)).resolve() == (
            tei.parent / unquote(tree.findall(".//t:graphic", NS)[n - 1].get("url"))
        ).resolve()
        hocr = (tei.parent / hocr_name).read_text(encoding="utf-8")
        assert hocr.count("ocr_page") >= 1 and "ocrx_word" in hocr
    # OUTDIR/*.xml is the TEI alone: the OCR files stand in their own folder
    assert sorted(p.name for p in (batch / "box 1").glob("*.xml")) == ["memcon.xml"]


def test_no_sidecars(tmp_path: Path) -> None:
    write_scan(["MEMORANDUM FOR THE RECORD\n\nSUBJECT: No sidecars\n\nThe text."],
               tmp_path / "in" / "memo")
    code, report = run_batch([tmp_path / "in"], tmp_path / "out", sidecars=False)
    assert code == ExitCode.ok and report["documents"][0]["sidecars"] == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        ".tei-pipeline", "corrections.csv", "memo.xml", "report.json", "schema"]
    assert etree.parse(str(tmp_path / "out" / "memo.xml")).find(
        ".//t:surface", NS).get("corresp") is None


def test_a_searchable_pdf_on_request(batch: Path) -> None:
    import pypdfium2 as pdfium

    tei = etree.parse(str(batch / "box 1" / "memcon.xml"))
    name = tei.find(".//t:facsimile", NS).get("corresp")
    assert name == "memcon.pdf"
    pdf = pdfium.PdfDocument(str(batch / "box 1" / name))
    try:
        assert len(pdf) == 2  # a page for each page of the document
        text = pdf[1].get_textpage().get_text_range()
        assert "Dubinina" in text  # the words under the image, as Tesseract read them
    finally:
        pdf.close()
    manifest = json.loads((batch / "box 1" / "memcon.manifest.json").read_text(encoding="utf-8"))
    assert manifest["rendering"][0]["format"] == "application/pdf"
    assert not (batch / "memcon-text.pdf").exists()  # text input has no image to show


def test_a_rerun_without_hocr_or_pdf_leaves_none_of_the_earlier_ones(tmp_path: Path) -> None:
    write_scan(["MEMORANDUM FOR THE RECORD\n\nSUBJECT: Reruns\n\nThe text."],
               tmp_path / "in" / "memo")
    out = tmp_path / "out"
    code, _ = run_batch([tmp_path / "in"], out, hocr=True, pdf=True)
    assert code == ExitCode.ok
    assert (out / "memo.ocr" / "page-1.hocr.html").is_file() and (out / "memo.pdf").is_file()
    code, report = run_batch([tmp_path / "in"], out)  # the settings changed: made again
    assert code == ExitCode.ok and not report["documents"][0]["reused"]
    assert sorted(p.name for p in (out / "memo.ocr").iterdir()) == ["page-1.alto.xml"]
    assert not (out / "memo.pdf").exists()
    assert report["documents"][0]["sidecars"] == ["memo.ocr/page-1.alto.xml",
                                                  "memo.manifest.json"]
