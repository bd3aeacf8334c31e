"""The scan renderer (tests/render.py): pages reproducible, laid out as typed, readable, small."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.exceptions import MissingDependency
from tests import render as synthetic
from tests.conftest import SEED
from tests.render import (
    is_marking,
    render_document,
    render_page,
    save_compact,
    word_boxes,
)

BODY = (
    "Dubinin continued that Gorbachev said that the Soviet Union is not trying to defeat "
    "the United States, but it will also not permit itself to be defeated. Its approach is "
    "that relations with the U.S. must be based on equality and equal security.\n\n"
    "The President thanked the Ambassador, and asked him to transmit his greetings and best "
    "wishes in return."
)
PAGE = (
    "@@RIGHT 30\n~~SECRET/SENSITIVE~~\n@@CENTER - 2 -\n\n"
    + BODY
    + "\n@@BOTTOM\n~~SECRET/SENSITIVE~~"
)
STAMP = "DECLASSIFIED\nNLRR FOI 714/5 #8479\nBY AI NARA DATE 11/29/07"


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def test_same_seed_same_pixels_other_seed_other_pixels() -> None:
    a = render_page(PAGE, seed=5, stamp=STAMP)
    b = render_page(PAGE, seed=5, stamp=STAMP)
    c = render_page(PAGE, seed=6, stamp=STAMP)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_letter_page_one_bit_at_the_resolution_asked() -> None:
    page = render_page("Hello.", seed=1)
    assert page.mode == "1"
    assert page.size == (2550, 3300)
    assert page.info["dpi"] == (300, 300)
    small = render_page("Hello.", seed=1, dpi=150)
    assert small.size == (1275, 1650)


def test_document_pages_seeded_seed_plus_index() -> None:
    pages = render_document(["One.", "Two."], seed=10, stamp_on_first=STAMP, noise=0.0)
    assert len(pages) == 2
    assert pages[0].tobytes() == render_page("One.", seed=10, stamp=STAMP, noise=0.0).tobytes()
    assert pages[1].tobytes() == render_page("Two.", seed=11, noise=0.0).tobytes()


def test_layout_margins_alignment_wrapping_and_blank_lines() -> None:
    words = word_boxes(PAGE)
    boxes = {text: box for text, box, _ in words}
    width, height = 2550, 3300
    # every word inside the 1-inch side margins; long paragraphs wrapped
    assert all(295 <= box.x0 and box.x1 <= width - 295 for _, box, _ in words)
    assert len({box.y0 // 50 for _, box, _ in words}) >= 8
    # the archive number at the right margin, the marking and page number centred
    assert width - 300 - boxes["30"].x1 < 35
    top, bottom = [box for text, box, _ in words if text == "SECRET/SENSITIVE"]
    for box in (top, bottom):
        assert abs((box.x0 + box.x1) / 2 - width / 2) < 30
    assert bottom.y1 > height - 350  # @@BOTTOM: on the last line above the bottom margin
    assert top.y1 < 450
    # the blank line between the paragraphs is kept
    furniture = {"30", "-", "2", "SECRET/SENSITIVE"}
    rows = sorted({(box.y0 + 10) // 50 for text, box, _ in words if text not in furniture})
    assert rows[-1] - rows[0] + 1 == len(rows) + 1  # one typed row left blank


def test_struck_flags_and_markings() -> None:
    words = word_boxes("~~TOP SECRET~~ and plain __underlined__")
    assert [(t, s) for t, _, s in words] == [
        ("TOP", True),
        ("SECRET", True),
        ("and", False),
        ("plain", False),
        ("underlined", False),
    ]
    assert is_marking("~~SECRET/SENSITIVE~~")
    assert is_marking("SECRET")
    assert is_marking("TOP SECRET")
    assert not is_marking("SECRET talks")
    assert not is_marking("DECL: OADR")


def test_a_marking_line_is_centred_without_markup() -> None:
    ((text, box, struck),) = word_boxes("CONFIDENTIAL")
    assert not struck
    assert abs((box.x0 + box.x1) / 2 - 1275) < 30


def test_too_much_text_for_one_page() -> None:
    with pytest.raises(ValueError, match="typed lines"):
        render_page("line\n" * 80, seed=1)


def test_no_typewriter_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synthetic, "TYPEWRITER_FONTS", (("/nonexistent/Courier.otf", "x"),))
    with pytest.raises(MissingDependency, match="fonts-courier-prime"):
        render_page("text", seed=1)


def test_stamp_top_right_clear_of_the_text() -> None:
    plain = _pixels(render_page(PAGE, seed=3, noise=0.0))
    stamped = _pixels(render_page(PAGE, seed=3, noise=0.0, stamp=STAMP))
    ys, xs = np.nonzero(plain != stamped)
    assert ys.size > 2000  # a box and three lines of text
    assert xs.min() > 2550 // 2 and ys.max() < 3300 // 3  # top right
    # none of the typed words lost or gained ink under the stamp
    for _, box, _ in word_boxes(PAGE):
        inside_x = (xs >= box.x0 - 8) & (xs < box.x1 + 8)
        assert not (inside_x & (ys >= box.y0 - 8) & (ys < box.y1 + 8)).any()


def test_strike_is_drawn_through_struck_words_only() -> None:
    text = "~~SECRET~~\n\nSECRET"
    page = _pixels(render_page(text, seed=2, skew_degrees=0, noise=0.0)) < 128
    struck, plain = [box for _, box, _ in word_boxes(text)]
    for box, expect in ((struck, True), (plain, False)):
        band = page[box.y0 + box.height // 3 : box.y1 - box.height // 3, box.x0 : box.x1]
        longest = max(_longest_run(row) for row in band)
        assert (longest > 0.5 * box.width) is expect  # the stroke is slanted: not one row


def _longest_run(row: np.ndarray) -> int:
    best = run = 0
    for v in row:
        run = run + 1 if v else 0
        best = max(best, run)
    return best


def test_save_compact_png_and_group4_tiff(tmp_path: Path) -> None:
    page = render_page(PAGE + "\n" + BODY * 3, seed=4, stamp=STAMP)
    for name in ("page.png", "page.tif"):
        path = tmp_path / name
        save_compact(page, path)
        assert path.stat().st_size < 150_000
        back = Image.open(path)
        assert back.mode == "1"
        assert back.tobytes() == page.tobytes()
    assert Image.open(tmp_path / "page.tif").info.get("compression") == "group4"
    with pytest.raises(ValueError, match="png"):
        save_compact(page, tmp_path / "page.jpg")


@pytest.mark.slow
def test_tesseract_reads_the_body() -> None:
    pytesseract = pytest.importorskip("pytesseract")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    text = SEED.read_text(encoding="utf-8")  # a full page of the seed's body text
    body = text[text.index("considers that") : text.index("and the obligation")]
    page = render_page(body, seed=1986)
    words = re.compile(r"[A-Za-z0-9']+")
    truth = Counter(words.findall(body))
    read = Counter(words.findall(pytesseract.image_to_string(page)))
    recall = sum((truth & read).values()) / sum(truth.values())
    assert recall > 0.95
