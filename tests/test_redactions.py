"""Redaction boxes: found on the image, borders left alone, a gap with its code in the TEI."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from pipeline import tei, tesseract
from pipeline.correction import NameCorrector
from pipeline.gazetteer import Gazetteer
from pipeline.model import Box, InputKind, Line, Page, PageSource, Word
from pipeline.ocr import read_images
from pipeline.redactions import find_redactions, place_redactions
from pipeline.structure import analyse
from pipeline.validate import Validator
from tests.conftest import REAL, REAL_DEV
from tests.render import render_page, typed_line, typewriter_font_path, word_boxes

TEXT = """1. The Ambassador called on the Secretary at his request to
discuss the arrangements for the coming summit meeting.

2. The Secretary replied that the United States shared that hope.




3. The meeting ended at four o'clock in the afternoon.
"""


def redacted_page(code: str | None = "(b)(1)", border: bool = False) -> tuple[Image.Image, Box]:
    """The rendered memo with a black box over a line of its own, the code right of it."""
    page = render_page(TEXT, seed=7).convert("L")
    draw = ImageDraw.Draw(page)
    boxes = {text: b for text, b, _ in word_boxes(TEXT)}
    top, bottom = boxes["hope."].y1 + 40, boxes["3."].y0 - 40  # in the blank lines between
    box = Box(300, top, 1500, bottom)
    draw.rectangle((box.x0, box.y0, box.x1 - 1, box.y1 - 1), fill=0)
    if code:
        font = ImageFont.truetype(typewriter_font_path(), 50)
        draw.text((box.x1 + 60, (box.y0 + box.y1) // 2), code, font=font, fill=0, anchor="lm")
    if border:  # a film border down the left edge and across the foot
        draw.rectangle((0, 0, 90, page.height), fill=0)
        draw.rectangle((0, page.height - 120, page.width, page.height), fill=0)
    return page.convert("1"), box


def test_a_black_box_is_found_and_a_scanner_border_is_not() -> None:
    page, box = redacted_page(border=True)
    [found] = find_redactions(page)
    assert abs(found.x0 - box.x0) <= 10 and abs(found.y0 - box.y0) <= 10
    assert abs(found.x1 - box.x1) <= 10 and abs(found.y1 - box.y1) <= 10
    blank = render_page(TEXT, seed=7)
    assert find_redactions(blank) == []


@pytest.mark.parametrize("image", sorted(
    [*REAL_DEV.glob("*/page-*.*"), *REAL.glob("*/*.png"), *REAL.glob("*/*.jpg")]
), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_real_pages_have_no_black_boxes(image: Path) -> None:
    """No real page here has one: borders, seals, stamps and overprints are not redactions."""
    assert find_redactions(Image.open(image)) == []


def test_a_box_goes_where_it_stands_with_the_code_beside_it() -> None:
    lines = [typed_line("The first line.", 900), typed_line("(b)(1)", 1030, x=1560),
             typed_line("The last line.", 1200)]
    placed = place_redactions(lines, [Box(300, 1000, 1500, 1090)], 300)
    assert [(ln.redacted, ln.text) for ln in placed] == [
        (False, "The first line."), (True, "(b)(1)"), (False, "The last line.")]
    assert placed[1].box == Box(300, 1000, 1500, 1090)


def test_a_redaction_is_a_gap_with_its_zone_and_code_and_valid() -> None:
    lines = [typed_line("The first line of the paragraph went on", 900),
             Line((Word("(b)(3)", Box(1560, 1030, 1710, 1070), 88.0),), Box(300, 1000, 1500, 1090),
                  redacted=True),
             typed_line("The last line.", 1200)]
    page = Page(1, PageSource("p.png", 0, InputKind.images), lines, 2550, 3300)
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions([page])
    meta = tei.DocumentMeta("redacted", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, [page], mentions, analyse([page], mentions), gazetteer.entities)
    ns = {"t": tei.TEI_NS}
    [gap] = root.findall(".//t:text//t:gap", ns)
    assert gap.get("reason") == "redacted"
    assert gap.find("t:desc[@type='exemption']", ns).text == "(b)(3)"
    zone = next(z for z in root.iter(f"{{{tei.TEI_NS}}}zone")
                if z.get(tei.XML_ID) == gap.get("facs")[1:])
    assert zone.get("type") == "redaction" and zone.get("ulx") == "300"
    assert not Validator().problems(tei.parse(tei.serialize(root)), "redacted")


@pytest.mark.slow
def test_a_redacted_page_reads_with_the_gap_in_its_place(tmp_path: Path) -> None:
    tesseract.configure()
    page_image, _ = redacted_page(border=True)
    path = tmp_path / "page.png"
    page_image.save(path, dpi=(300, 300))
    [page] = read_images([PageSource(str(path))], lang="eng", timeout=120)
    texts = [("GAP " if ln.redacted else "") + ln.text for ln in page.lines]
    gap = next(n for n, t in enumerate(texts) if t.startswith("GAP"))
    assert texts[gap].replace(" ", "") == "GAP(b)(1)"
    assert "hope" in texts[gap - 1] and texts[gap + 1].startswith("3.")
    assert page.notes == ["page 1: 1 redaction box(es)"]
