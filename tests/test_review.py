"""The review page (pipeline.review), without a browser: its rows, crops and escaping."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image

from pipeline.cli import main
from pipeline.decisions import FORMAT
from pipeline.exceptions import ExitCode
from pipeline.report import OutputFolder
from pipeline.review import write_review_page
from tests.conftest import NS, REPO, review_items, run_batch

MEMCON = "memcon-1986-06-23"


def page_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', html,
                      re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_page_of_the_sample_output(sample_batch: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    items = review_items(sample_batch)
    lines = {(doc, item.page, item.line) for doc, item in items}  # items of a line share a crop
    assert main(["review", str(sample_batch)]) == ExitCode.ok
    assert f"{len(items)} items in 2 documents, {len(lines)} line images" in (
        capsys.readouterr().err)
    html = (sample_batch / "review" / "index.html").read_text(encoding="utf-8")
    assert html.count('<div class="item"') == len(items) >= 17
    crops = re.findall(r'<img src="(crops/[^"]+)" width="(\d+)" height="(\d+)"', html)
    assert len(crops) == len(items)
    for name, width, height in crops:
        with Image.open(sample_batch / "review" / name) as image:
            assert image.format == "JPEG" and image.size == (int(width), int(height))
            assert image.width <= 1000 and 20 < image.height < 300
    # the reason a name is for review, from the report
    assert "Richard V. Allen was active 1968-1982, the document is of 1964" in html
    data = page_data(html)
    assert data["format"] == FORMAT
    assert set(data["documents"]) == {MEMCON, "jfk-104-10132-10092"}
    assert {"id": "dubinin-yuri", "name": "Yuri Dubinin", "type": "person"} in data["entities"]
    assert len(data["entities"]) > 800  # the gazetteer's: a reviewer can pick any


def test_review_as_a_subprocess(sample_batch: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pipeline", "review", str(sample_batch)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (sample_batch / "review" / "index.html").is_file()


def test_what_the_tei_says_is_escaped(sample_batch: Path, tmp_path: Path) -> None:
    path = sample_batch / f"{MEMCON}.xml"
    tree = etree.parse(str(path))
    tree.find(".//t:rdg", NS).text = 'Dubinina</script><img src=x onerror="alert(1)">'
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)
    gazetteer = tmp_path / "g.csv"
    gazetteer.write_text("id,name,type,variants\nevil,Evil </script><b>Name,person,\n",
                         encoding="utf-8")
    page = write_review_page(sample_batch, [gazetteer])
    html = page.path.read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert html.count("</script>") == 2  # the data's and the script's own ends only
    assert {"id": "evil", "name": "Evil </script><b>Name", "type": "person"} in page_data(
        html)["entities"]


def test_a_missing_page_image_leaves_its_rows_without_a_crop(
        sample_batch: Path, caplog: pytest.LogCaptureFixture) -> None:
    tree = etree.parse(str(sample_batch / f"{MEMCON}.xml"))
    for graphic in tree.iterfind(".//t:graphic", NS):
        graphic.set("url", graphic.get("url").replace("page-2.png", "page-missing.png"))
    tree.write(str(sample_batch / f"{MEMCON}.xml"), encoding="UTF-8", xml_declaration=True)
    items = review_items(sample_batch)
    on_page_2 = sum(1 for doc, item in items if doc == MEMCON and item.page == 2)
    lines = {(doc, item.page, item.line) for doc, item in items}
    page = write_review_page(sample_batch)
    html = page.path.read_text(encoding="utf-8")
    assert on_page_2 == 6  # the six "Dubinina" on the memo's page 2
    assert page.items == len(items) and page.crops == len(lines) - on_page_2
    assert html.count('class="no-image"') == on_page_2
    assert "cannot read the page image" in caplog.text


def test_text_input_has_no_crops(tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text("MEMORANDUM\n\nAmbassador Dubinina said that Gorbachev agreed.\n",
                    encoding="utf-8")
    run_batch([memo], tmp_path / "out")
    page = write_review_page(tmp_path / "out")
    assert (page.items, page.crops) == (1, 0)
    assert 'class="no-image"' in page.path.read_text(encoding="utf-8")


def test_no_batch_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["review", str(tmp_path)]) == ExitCode.usage_error
    (tmp_path / "report.json").write_text("[]", encoding="utf-8")
    assert main(["review", str(tmp_path)]) == ExitCode.usage_error


def test_the_folder_is_held_while_the_page_is_made(sample_batch: Path) -> None:
    with OutputFolder(sample_batch):  # a run writing into it
        assert main(["review", str(sample_batch)]) == ExitCode.output_not_writable


def test_a_damaged_document_is_left_off(sample_batch: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    others = [item for doc, item in review_items(sample_batch) if doc != MEMCON]
    (sample_batch / f"{MEMCON}.xml").write_bytes(b"<TEI><unclosed>")
    page = write_review_page(sample_batch)
    assert (page.documents, page.items) == (1, len(others))
    assert "left off the page" in caplog.text
