"""Pages scanned on their side or upside down: found, read upright, recorded in the facsimile."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline import orientation, tei, tesseract
from pipeline.correction import NameCorrector
from pipeline.gazetteer import Gazetteer
from pipeline.model import Box, InputKind, Line, Page, PageSource, Word
from pipeline.ocr import read_images
from pipeline.structure import analyse
from pipeline.validate import Validator
from tests.conftest import DATA, REAL, REAL_DEV
from tests.ocr_pages import load_pages
from tests.render import render_page, typed_line

MEMO = """MEMORANDUM FOR THE RECORD

SUBJECT: Meeting with the Soviet Ambassador

1. The Ambassador called on the Secretary at his request to
discuss the arrangements for the coming summit meeting in
Geneva. He said that his government attached great importance
to the talks and hoped they would be useful.

2. The Secretary replied that the United States shared that
hope and would prepare carefully for the meeting.
"""


def typed(text: str, y: int, conf: float = 90.0, tall: bool = False) -> Line:
    return typed_line(text, y, conf=conf, tall=tall)


def test_a_reading_of_words_is_upright_and_one_of_junk_or_tall_words_is_not() -> None:
    words = [typed("The Secretary replied that the United States shared that hope", 100)]
    junk = [typed("ee Tae Aor reeks ssa Tnhs aeoi Wlthe eel", 100, 30.0)]
    sideways = [typed("The Secretary replied that the United States shared that hope", 100,
                      tall=True)]
    assert orientation.upright(words)
    assert not orientation.upright(junk)
    assert not orientation.upright(sideways)
    assert orientation.upright([typed("ok", 100, 20.0)])  # too little to tell: left alone
    assert orientation.better(words, junk) and not orientation.better(junk, words)
    assert orientation.better(words, sideways)


def test_tall_specks_read_with_little_confidence_do_not_make_a_page_sideways() -> None:
    """Speckle along a scan's edges is read as tall junk; the typed words beside it are wide."""
    specks = [typed("coommed FERRE vine gles ates arses TONER Meee", 100, 20.0, tall=True)]
    words = [typed("Paul Pesik formerly employed by the Indonesian Embassy", 1200, 85.0)]
    assert orientation.sideways(specks)  # nothing read with confidence: judged by them all
    assert not orientation.sideways(specks + words)
    assert orientation.upright(specks + words)
    on_its_side = [typed("TRUE POUCH Indonesian Paul Pesik formerly", 100, 80.0, tall=True)]
    assert orientation.sideways(specks + on_its_side)


def test_a_short_reading_of_chance_words_read_unsure_is_not_taken_as_upright() -> None:
    """A page upside down reads a few short words by chance ("bee", "See"), all unsure."""
    chance = [typed("bee See tees arag vnrt oan", 100, 30.0)]
    assert not orientation.upright(chance)  # goes to the orientation detection
    sure = [typed("bee See tees arag vnrt oan", 100, 30.0), typed("SECRET", 300, 95.0)]
    assert orientation.upright(sure)
    assert orientation.upright([typed("a b c", 100, 10.0)])  # too little to tell: left alone
    # the page turned by the detection need not vouch for itself to be kept
    sparse = [typed("Irving Davidson Public Relations by the mse", 100, 45.0)]
    assert orientation.better(sparse, [typed("Taeo Aorr reeks ssaa Tnhs", 100, tall=True)])


@pytest.mark.parametrize(("document", "page"), [
    ("jfk-104-10216-10046-dispatch", 1), ("state-C09000021-infomemo", 1),
    ("jfk-176-10036-10116", 2), ("state-C09000019-tel-moscow", 1),
])
def test_sparse_real_pages_read_upright_look_upright_or_go_to_the_detection(
    document: str, page: int
) -> None:
    """Sparse real pages read upright (their OCR fixtures) are not taken for sideways.

    The dispatch's second page (typed lines among speckle) looks upright at once; the
    information memo's (a stamp and scrawl) goes to the orientation detection.
    """
    lines = load_pages(DATA / "ocr" / f"{document}.json")[page].lines
    assert not orientation.sideways(lines)
    if document == "state-C09000021-infomemo":
        assert not orientation.upright(lines)
    else:
        assert orientation.upright(lines)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_image_box_is_where_the_upright_box_stands_in_the_turned_image(rotation: int) -> None:
    upright = Image.new("L", (300, 200), 255)
    upright.paste(0, (20, 30, 70, 40))  # a dark bar
    turned = orientation.turn(upright, rotation)
    b = orientation.image_box(Box(20, 30, 70, 40), rotation, 300, 200)
    assert turned.getbbox() is None or turned.crop((b.x0, b.y0, b.x1, b.y1)).getextrema() == (0, 0)
    assert Image.eval(turned, lambda v: 255 - v).getbbox() == (b.x0, b.y0, b.x1, b.y1)


def test_a_page_read_turned_keeps_the_image_coordinates_and_says_how_it_lies() -> None:
    """The surface is the image as stored; zones stand where the lines are in it, rotated."""
    lines = [typed("The meeting began at noon in the Cabinet Room.", 1000)]
    page = Page(1, PageSource("p.png", 0, InputKind.images), lines, 2550, 3300, rotation=90)
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions([page])
    meta = tei.DocumentMeta("turned", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, [page], mentions, analyse([page], mentions), gazetteer.entities)
    ns = {"t": tei.TEI_NS}
    surface = root.find(".//t:surface", ns)
    assert (surface.get("lrx"), surface.get("lry")) == ("3300", "2550")
    assert surface.find("t:graphic", ns).get("width") == "3300px"
    assert surface.find("t:note[@type='rotation']", ns).get("n") == "90"
    zone = surface.find("t:zone", ns)
    line = lines[0].box
    assert zone.get("rotate") == "90"
    assert (int(zone.get("ulx")), int(zone.get("uly"))) == (3300 - line.y1, line.x0)
    assert not Validator().problems(tei.parse(tei.serialize(root)), "turned")


@pytest.mark.slow
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_typed_page_turned_is_read_upright(tmp_path: Path, turn: int) -> None:
    tesseract.configure()
    path = tmp_path / "page.png"
    orientation.turn(render_page(MEMO, seed=11), turn).save(path, dpi=(300, 300))
    [page] = read_images([PageSource(str(path))], lang="eng", timeout=120)
    assert page.rotation == turn
    assert page.notes == [f"page 1: lies turned {turn} degrees clockwise in its image; "
                          "read turned upright"]
    assert (page.width, page.height) == (2550, 3300)
    text = " ".join(line.text for line in page.lines)
    assert "Secretary replied that the United States" in text


@pytest.mark.slow
def test_a_real_page_upside_down_is_read_upright(tmp_path: Path) -> None:
    tesseract.configure()
    source = REAL / "jfk-104-10132-10092" / "104-10132-10092-page-2.png"
    path = tmp_path / "page.png"
    orientation.turn(Image.open(source), 180).save(path, dpi=(300, 300))
    [page] = read_images([PageSource(str(path))], lang="eng", timeout=300)
    assert page.rotation == 180
    known, tokens = orientation.legible(page.lines)
    assert known > 0.5 * tokens


@pytest.mark.slow
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_sparse_real_page_with_speckled_edges_turned_is_read_upright(
    tmp_path: Path, turn: int
) -> None:
    """A real page of three typed lines among speckle, turned, is read upright.

    Read upside down it gave a few chance words that looked upright; on its side Tesseract's
    detection was wrong and the speckle looked sideways when read upright.
    """
    tesseract.configure()
    source = REAL_DEV / "jfk-104-10216-10046-dispatch" / "page-2.png"
    path = tmp_path / "page.png"
    orientation.turn(Image.open(source), turn).save(path, dpi=(300, 300))
    [page] = read_images([PageSource(str(path))], lang="eng", timeout=300)
    assert page.rotation == turn
    assert "Indonesian" in " ".join(line.text for line in page.lines)


def test_turns_to_try_follow_the_detection_and_fall_back_to_upside_down() -> None:
    flat = [typed("ee Tae Aor reeks ssa Tnhs aeoi Wlthe eel", 100, 30.0)]
    tall = [typed("Taeo Aorr reeks ssaa Tnhs aeoi Wlthe eeel", 100, tall=True)]
    assert orientation.turns_to_try((90, 12.0), flat) == [90]
    assert orientation.turns_to_try((0, 1.2), flat) == [180]
    assert orientation.turns_to_try(None, flat) == [180]
    assert orientation.turns_to_try((0, 9.0), flat) == []  # sure it is upright: handwriting
    assert orientation.turns_to_try((270, 5.0), tall) == [270, 90]


@pytest.mark.slow
def test_a_turned_page_with_a_redaction_is_valid_tei_all(tmp_path: Path, tei_all) -> None:
    """zone/@rotate, the surface's note, gap/desc and zone type="redaction" are TEI."""
    from tests.conftest import assert_tei_all_valid

    lines = [typed("The meeting began at noon in the Cabinet Room.", 1000),
             Line((Word("(b)(1)", Box(1600, 1080, 1750, 1120), 80.0),),
                  Box(300, 1060, 1500, 1140), redacted=True),
             typed("The talks went on until two.", 1200)]
    page = Page(1, PageSource("p.png", 0, InputKind.images), lines, 2550, 3300, rotation=270)
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions([page])
    meta = tei.DocumentMeta("turned", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, [page], mentions, analyse([page], mentions), gazetteer.entities)
    path = tmp_path / "turned.xml"
    path.write_bytes(tei.serialize(root))
    assert_tei_all_valid(tei_all, path)
    assert not Validator().problems(tei.parse(path.read_bytes()), "turned")
