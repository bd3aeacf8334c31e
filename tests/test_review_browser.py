"""The review page in a real browser: headless Chromium driven by Selenium.

Open the page made from the sample output, accept one item with the keyboard, reject one with
the mouse, edit one with the keyboard, save (a download), apply, check the TEI; and time a page
of 1,000 items. Needs Debian's chromium and chromium-driver (scripts/setup.sh test).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from pipeline.decisions import apply
from pipeline.review import write_review_page
from pipeline.validate import Validator
from tests.conftest import NS, REPO, review_items

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian's chromium and chromium-driver (scripts/setup.sh test installs them)",
)
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--window-size=1400,1000")
#: where to copy the screenshot too (docs/review.png is made so)
SCREENSHOT = os.environ.get("TEI_PIPELINE_REVIEW_SCREENSHOT")


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(tmp_path: Path, downloads: Path) -> Iterator[webdriver.Chrome]:
    """A headless Chromium with a fresh profile, its downloads going to `downloads`."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
    })
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver
    finally:
        driver.quit()


def row(driver: webdriver.Chrome, key: str):
    return driver.find_element(By.CSS_SELECTOR, f'div.item[data-key="{key}"]')


def keys(driver: webdriver.Chrome, *typed: str) -> None:
    """Type into whatever has the focus, as a person at the keyboard."""
    webdriver.ActionChains(driver).send_keys(*typed).perform()


def wait_for(path: Path, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.is_file() and not list(path.parent.glob("*.crdownload")):
            return
        time.sleep(0.1)
    raise AssertionError(f"{path} was not downloaded")


def test_review_in_the_browser(sample_batch: Path, browser: webdriver.Chrome,
                               downloads: Path, tmp_path: Path) -> None:
    items = review_items(sample_batch)
    number = {(doc[:3], item.reading): item.number for doc, item in items}
    jfk_doc = "jfk-104-10132-10092"
    page = write_review_page(sample_batch)
    assert (page.items, page.documents) == (len(items), 2)
    browser.get(page.path.as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "div.item")
    assert len(rows) == len(items)  # 13 corrections, 3 names for review, unclear lines and words
    for each in rows:  # every item with the crop of its line
        src = each.find_element(By.CSS_SELECTOR, ".crop img").get_attribute("src")
        assert src.startswith("file://") and Path(src[len("file://"):]).is_file()
    first = rows[0].find_element(By.CSS_SELECTOR, ".crop img")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth",
                                  first) > 100
    allen = row(browser, f"{jfk_doc}#{number['jfk', 'Allen']}")
    assert allen.find_element(By.CSS_SELECTOR, ".reading").text == "Allen"
    assert "Richard V. Allen was active 1968-1982" in allen.text  # why it is for review
    dubinina = row(browser, "memcon-1986-06-23#2")
    assert dubinina.find_element(By.CSS_SELECTOR, ".reading").text == "Dubinina"
    assert dubinina.find_element(By.CSS_SELECTOR, ".proposed").text == "Dubinin"

    allen.find_element(By.CSS_SELECTOR, ".reading").click()  # select the row, then keys
    keys(browser, "a")  # accept it, on to the next
    assert allen.get_attribute("data-decision") == "accept"
    after = rows[[r.get_attribute("data-key") for r in rows].index(allen.get_attribute(
        "data-key")) + 1]
    assert "current" in after.get_attribute("class")
    dubinina.find_element(By.CSS_SELECTOR, 'button[data-action="reject"]').click()
    Select(browser.find_element(By.ID, "filter-document")).select_by_value(
        "jfk-104-10132-10092")
    Select(browser.find_element(By.ID, "filter-kind")).select_by_value("name")
    assert browser.find_element(By.ID, "shown").text == "3 shown"
    roosevelt = row(browser, f"{jfk_doc}#{number['jfk', 'ROOSEVELT']}")
    roosevelt.find_element(By.CSS_SELECTOR, ".reading").click()  # select the row, then keys
    keys(browser, "e")
    form = roosevelt.find_element(By.CSS_SELECTOR, ".edit-form")
    assert browser.switch_to.active_element == form
    # the proposed form is selected: typing replaces it; an entity no list has is refused
    keys(browser, "Roosevelt", Keys.TAB, "nobody", Keys.ENTER)
    assert "No entity nobody" in roosevelt.find_element(By.CSS_SELECTOR, ".error").text
    assert roosevelt.get_attribute("data-decision") == ""
    keys(browser, *[Keys.BACKSPACE] * 6, Keys.ENTER)  # Archibald Roosevelt: in no gazetteer
    assert roosevelt.get_attribute("data-decision") == "edit"
    assert roosevelt.find_element(By.CSS_SELECTOR, ".state").text == (
        "edited: Roosevelt (no entity)")

    Select(browser.find_element(By.ID, "filter-kind")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-document")).select_by_value("memcon-1986-06-23")
    last = row(browser, "memcon-1986-06-23#13")
    last.find_element(By.CSS_SELECTOR, ".reading").click()
    keys(browser, "e")  # the entity is typed: picked from the list by its id
    keys(browser, "Dubinin", Keys.TAB, *[Keys.BACKSPACE] * len("dubinin-yuri"), "dubinin-yuri",
         Keys.ENTER)
    assert last.find_element(By.CSS_SELECTOR, ".state").text == "edited: Dubinin (Yuri Dubinin)"
    assert browser.find_element(By.ID, "progress-text").text == f"4 of {len(items)} decided"
    Select(browser.find_element(By.ID, "filter-document")).select_by_value("")

    browser.refresh()  # a closed tab loses nothing: the decisions are in local storage
    assert browser.find_element(By.ID, "progress-text").text == f"4 of {len(items)} decided"
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("decided")
    assert browser.find_element(By.ID, "shown").text == "4 shown"
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("")
    shot = tmp_path / "review.png"
    browser.save_screenshot(str(shot))
    if SCREENSHOT:
        shutil.copyfile(shot, SCREENSHOT)
    browser.find_element(By.ID, "save").click()
    saved = downloads / "review-decisions.json"
    wait_for(saved)
    decisions = json.loads(saved.read_text(encoding="utf-8"))
    assert [(d["document"][:3], d["item"], d["decision"]) for d in decisions["decisions"]] == [
        ("jfk", number["jfk", "Allen"], "accept"), ("jfk", number["jfk", "ROOSEVELT"], "edit"),
        ("mem", 2, "reject"), ("mem", 13, "edit")]
    assert decisions["decisions"][1]["entity"] is None
    assert decisions["decisions"][3]["entity"] == {"id": "dubinin-yuri", "name": "Yuri Dubinin",
                                                   "type": "person"}

    applied = apply(saved, sample_batch, "Test Reviewer")
    assert (applied.accepted, applied.rejected, applied.edited) == (1, 1, 2)
    validator = Validator()
    memcon = etree.parse(str(sample_batch / "memcon-1986-06-23.xml"))
    jfk = etree.parse(str(sample_batch / "jfk-104-10132-10092.xml"))
    for document in (memcon, jfk):
        assert validator.problems(document) == []
        assert document.find(".//t:revisionDesc", NS).get("status") == "candidate"
    lem = memcon.xpath("//t:lb[@facs='#page-2-line-9']/following::t:lem[1]", namespaces=NS)[0]
    assert (lem.get("resp"), lem.get("cert")) == ("#tei-pipeline", "medium")  # not decided
    name = jfk.xpath("//t:lb[@facs='#page-1-line-22']/following::t:persName[1]",
                     namespaces=NS)[0]
    assert (name.text, name.get("resp"), name.get("cert")) == (
        "Allen", "#reviewer-test-reviewer", "high")
    rejected = memcon.xpath("//t:lb[@facs='#page-2-line-16']/following::t:persName[1]",
                            namespaces=NS)[0]
    assert rejected.text == "Dubinina" and rejected.get("ref") is None
    edited = jfk.xpath("//t:lb[@facs='#page-1-line-40']/following::t:persName[1]",
                       namespaces=NS)[0]
    assert edited.get("ref") is None
    assert edited.find("t:app/t:lem", NS).text == "Roosevelt"
    assert edited.find("t:app/t:rdg", NS).text == "ROOSEVELT"
    assert edited.find("t:app/t:lem", NS).get("resp") == "#reviewer-test-reviewer"
    edited = memcon.xpath("//t:lb[@facs='#page-5-line-4']/following::t:persName[1]",
                          namespaces=NS)[0]
    assert edited.get("ref") == "#dubinin-yuri"
    lem = edited.find("t:app/t:lem", NS)
    assert (lem.text, lem.get("resp"), lem.get("cert")) == (
        "Dubinin", "#reviewer-test-reviewer", "high")
    assert edited.find("t:app/t:rdg", NS).text == "Dubin in"
    change = jfk.find(".//t:revisionDesc/t:change", NS)
    assert change.get("who") == "#reviewer-test-reviewer" and change.get("when") == "2023-11-14"


def test_a_thousand_items_open_and_filter_quickly(sample_batch: Path,
                                                  browser: webdriver.Chrome) -> None:
    """77 copies of the memo of conversation: 1,001 items on one page."""
    report = json.loads((sample_batch / "report.json").read_text(encoding="utf-8"))
    memcon = next(d for d in report["documents"] if d["id"] == "memcon-1986-06-23")
    for n in range(1, 77):
        copy = f"memcon-copy-{n:02d}"
        shutil.copyfile(sample_batch / "memcon-1986-06-23.xml", sample_batch / f"{copy}.xml")
        report["documents"].append({**memcon, "id": copy, "output": f"{copy}.xml"})
    (sample_batch / "report.json").write_text(json.dumps(report), encoding="utf-8")
    started = time.perf_counter()
    page = write_review_page(sample_batch)
    made = time.perf_counter() - started
    others = sum(1 for doc, _ in review_items(sample_batch) if not doc.startswith("memcon"))
    total = 1001 + others  # 77 memos of 13 corrections, and the other document's items
    assert page.items == total
    browser.get(page.path.as_uri())
    # ms after navigation: the page's script done; the load event over (layout included)
    ready, loaded = browser.execute_script(
        "return [window.reviewTimings.ready,"
        " performance.getEntriesByType('navigation')[0].loadEventEnd]")
    assert len(browser.find_elements(By.CSS_SELECTOR, "div.item")) == total
    filters = []
    for name, value, shown in (("document", "memcon-copy-40", 13), ("cert", "high", 154),
                               ("entity", "gorbachev-mikhail", 77), ("cert", "", total)):
        filters.append(browser.execute_script(
            # the change as a click makes it, then the layout it forces, timed together
            "const started = performance.now();"
            "const select = document.getElementById('filter-' + arguments[0]);"
            "for (const other of document.querySelectorAll('#filters select'))"
            "  { other.value = ''; }"
            "select.value = arguments[1];"
            "select.dispatchEvent(new Event('change'));"
            "document.body.getBoundingClientRect();"
            "return performance.now() - started;", name, value))
        assert browser.find_element(By.ID, "shown").text == f"{shown} shown"
    print(f"\n1,005 items: page made in {made:.2f} s; in the browser, script done "
          f"{ready:.0f} ms and page loaded {loaded:.0f} ms after navigation; filters with "
          f"layout {', '.join(f'{f:.1f}' for f in filters)} ms")
    assert loaded < 3000 and max(filters) < 300


def test_repository_sample_output_is_complete(tmp_path: Path) -> None:
    """Every correction, mended slip and review item of output/ is on the page, with its crop."""
    batch = tmp_path / "output"
    shutil.copytree(REPO / "output", batch)
    (tmp_path / "scans").symlink_to(REPO / "scans")
    page = write_review_page(batch)
    html = page.path.read_text(encoding="utf-8")
    report = json.loads((batch / "report.json").read_text(encoding="utf-8"))
    items = [item for _, item in review_items(batch)]
    unclear = sum(1 for item in items if item.kind.value == "unclear")
    # an ordinary word's OCR slip mended ("susyect:" for SUBJECT:) is no name correction
    slips = sum(1 for item in items if item.kind.value == "ocr" and item.entity_type is None)
    assert slips >= 1
    expected = sum(d["corrections"] + d["review"] for d in report["documents"]) + unclear + slips
    assert page.items == expected == html.count('<div class="item"')
    assert html.count('<img src="crops/') == expected
