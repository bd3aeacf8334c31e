"""The OCR stage's own logic: columns, struck words; and a two-column participants list."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline import sources, tesseract
from pipeline.model import Box, InputKind, Line, Page, PageSource, Word
from pipeline.ocr import flag_struck, read_images, read_pages, reading_order, split_columns
from pipeline.sources import PDF_DPI
from pipeline.structure import analyse
from tests.conftest import REAL, alto_tesseract
from tests.render import render_page, save_compact


def words(*spec: tuple[str, int, int], y: int = 100) -> tuple[Word, ...]:
    return tuple(Word(text, Box(x0, y, x1, y + 40), 90.0) for text, x0, x1 in spec)


def test_split_columns_at_wide_gaps_keeps_specks_with_their_neighbour() -> None:
    line = Line(
        words(
            ("Washington,", 933, 1252),
            ("D.C.", 1295, 1401),
            ("20520", 1449, 1588),
            ("—", 1609, 1641),
            ("DECLASSIFIED", 2049, 2300),
        )
    )
    speck = Line(words((";", 1300, 1310), ("31", 1416, 1466)))
    plain = Line(words(("after", 300, 420), ("initial", 455, 600)))
    parts = split_columns([line, speck, plain], 2550)
    assert [p.text for p in parts] == [
        "Washington, D.C. 20520 —",
        "DECLASSIFIED",
        "; 31",
        "after initial",
    ]
    assert parts[1].box == Box(2049, 100, 2300, 140)


def test_flag_struck_marks_words_crossed_through_the_middle() -> None:
    line = Line(words(("SECRET/", 1031, 1222), ("SENSITIVE", 1243, 1504), ("MEMO", 1600, 1700)))
    (flagged,) = flag_struck([line], [Box(1013, 118, 1523, 127)])
    assert [w.struck for w in flagged.words] == [True, True, False]
    assert not flag_struck([line], [Box(1013, 300, 1523, 310)])[0].words[0].struck


def test_participants_in_two_columns_take_the_side_of_their_column() -> None:
    rows = [
        words(("MEMORANDUM", 300, 600), ("OF", 620, 680), ("CONVERSATION", 700, 1000), y=400),
        words(("US", 300, 360), ("Participants:", 380, 700), y=500),
        words(("Soviet", 1450, 1600), ("Participants:", 1620, 1950), y=500),
        words(("President", 300, 560), ("Reagan", 590, 760), y=550),
        words(("Ambassador", 1450, 1730), ("Dubinin", 1760, 1950), y=550),
        words(
            ("Chief", 300, 420), ("of", 450, 500), ("Staff", 530, 660), ("Regan", 690, 850), y=600
        ),
        words(
            ("The", 300, 380),
            ("meeting", 410, 600),
            ("began", 630, 780),
            ("at", 800, 850),
            ("once", 880, 990),
            ("with", 1010, 1120),
            ("greetings", 1150, 1400),
            ("and", 1420, 1500),
            ("then", 1530, 1640),
            ("went", 1660, 1780),
            ("on.", 1800, 1880),
            y=750,
        ),
    ]
    page = Page(
        1,
        PageSource("p.png", 0, InputKind.images),
        [Line(w, w[0].box.union(w[-1].box)) for w in rows],
        2550,
        3300,
    )
    structure = analyse([page], [])
    people = {p.name: p.side for p in structure.header.participants}
    assert people == {"Reagan": "US", "Dubinin": "Soviet", "Regan": "US"}


def test_a_blank_line_between_paragraphs_is_seen_on_a_skewed_page() -> None:
    """A blank line before a paragraph that opens with a short line, on a skewed page.

    Skew makes a long line's box taller than a short one's; the pitch is taken where each
    line starts.
    """
    skew = 0.03  # the text sinks 3 px for every 100 px to the right

    def typed(text: str, y: int) -> Line:
        found, x = [], 300
        for word in text.split():
            width = 25 * len(word)
            top = round(y + skew * (x - 300))
            found.append(Word(word, Box(x, top, x + width, top + 40), 90.0))
            x += width + 25
        return Line(tuple(found), found[0].box.union(found[-1].box))

    long_line = "word " * 14
    rows = [
        typed(long_line + "one", 1000),
        typed(long_line + "two", 1050),
        typed(long_line + "three.", 1100),
        typed("Second point:", 1200),  # after a blank line
        typed(long_line + "four", 1250),
        typed(long_line + "five", 1300),
    ]
    page = Page(1, PageSource("p.png", 0, InputKind.images), rows, 2550, 3300)
    paragraphs = [item for item in analyse([page], []).items if type(item).__name__ == "Paragraph"]
    assert len(paragraphs) == 2


# --------------------------------------------------------------------------- resolution


def _recording_tesseract(tmp_path: Path) -> tuple[str, Path]:
    """A Tesseract stand-in that logs its arguments and reads no words."""
    log = tmp_path / "args.log"
    return alto_tesseract(tmp_path, log=log), log


def _page(path: Path, kind: InputKind = InputKind.images, index: int = 0) -> PageSource:
    return PageSource(str(path), index, kind)


def test_tesseract_is_told_the_resolution_of_every_page_it_gets_as_an_image(
    use_cmd, tmp_path: Path
) -> None:
    """A struck page, a TIFF frame and a PDF page reach Tesseract as a PNM.

    A PNM carries no resolution: without --dpi Tesseract guesses one and reads worse.
    """
    script, log = _recording_tesseract(tmp_path)
    use_cmd(script)
    struck = tmp_path / "struck.png"
    save_compact(render_page("~~SECRET~~\n\nThe meeting began at noon.\n", seed=1, dpi=200),
                 struck)
    tiff = tmp_path / "two.tif"
    frames = [render_page(f"Page {n} of the memo.\n", seed=n, dpi=240) for n in (1, 2)]
    frames[0].save(tiff, save_all=True, append_images=frames[1:], dpi=(240, 240))
    pdf = tmp_path / "scan.pdf"
    frames[0].convert("L").save(pdf, resolution=240)
    plain = tmp_path / "plain.png"
    Image.new("L", (600, 200), 255).save(plain)  # says nothing of its resolution

    for source in (_page(struck), _page(tiff, InputKind.tiff, 1), _page(pdf, InputKind.pdf),
                   _page(plain)):
        (page,) = read_pages(source, lang="eng", timeout=30)
        assert page.error is None, page.error
    calls = log.read_text().splitlines()
    assert len(calls) == 4
    assert "--dpi 200" in calls[0] and calls[0].split()[0].endswith(".tif")
    assert "--dpi 240" in calls[1]
    assert f"--dpi {PDF_DPI}" in calls[2]
    assert "--dpi" not in calls[3]


@pytest.mark.slow
def test_a_page_handed_over_as_an_image_reads_as_the_file_itself(tmp_path: Path) -> None:
    """The real JFK memo's header: word for word the same from the TIFF as from the PNG."""
    tesseract.configure()
    page = Image.open(REAL / "jfk-104-10132-10092" / "104-10132-10092-page-1.png")
    crop = page.crop((0, 0, page.width, page.height * 2 // 5))
    path = tmp_path / "header.png"
    crop.save(path, dpi=page.info["dpi"])
    crop.info["dpi"] = page.info["dpi"]

    handed = tmp_path / "header.tif"
    crop.save(handed, format="TIFF")  # as ocr hands a page over

    def read(image: Path) -> list[str]:
        lines = tesseract.read(str(image), lang="eng", timeout=120,
                               dpi=sources.resolution(crop)).lines
        return [w.text for line in lines for w in line.words]

    from_file = read(path)
    assert "OSWALD" in from_file
    assert read(handed) == from_file


def test_reading_order_moves_a_top_block_read_last_back_up() -> None:
    """Tesseract reads a folio at the top right after the page; otherwise its order stays."""

    def line(text: str, y: int, block: int, x: int = 300) -> Line:
        return Line(words((text, x, x + 200), y=y), Box(x, y, x + 200, y + 40), block)

    read = [
        line("LETTERHEAD", 100, 0),
        line("SECRET", 350, 1),
        line("right-column", 600, 2, x=1400),  # two columns: Tesseract's order stays
        line("left-column", 600, 3),
        line("left-column-2", 660, 3),
        line("SECRET", 2950, 4),
        line("34", 250, 5, x=2200),  # the folio at the top right, read last
        line("DECLASSIFIED", 3100, 6, x=1600),  # a bottom stamp stays last
    ]
    ordered = reading_order(read, 3300)
    assert [(ln.text, ln.box.y0) for ln in ordered] == [
        ("LETTERHEAD", 100), ("34", 250), ("SECRET", 350),
        ("right-column", 600), ("left-column", 600), ("left-column-2", 660),
        ("SECRET", 2950), ("DECLASSIFIED", 3100),
    ]
    # A top block read before body text was read in place by Tesseract: kept there.
    in_place = [read[2], read[6], read[3]]
    assert reading_order(in_place, 3300) == in_place
    assert reading_order(read, 0) == read  # text input: no page geometry


def test_lines_read_with_little_confidence_are_unclear_and_still_valid() -> None:
    """A garbled line is wrapped in <unclear>.

    Garbled: a mean confidence under 40 and mostly not English words. Typed text, a line
    with a name, and a right word Tesseract was unsure of are not.
    """
    from lxml import etree

    from pipeline import tei
    from pipeline.correction import NameCorrector
    from pipeline.gazetteer import Gazetteer
    from pipeline.validate import Validator

    def scanned(text: str, y: int, conf: float) -> Line:
        found, x = [], 300
        for word in text.split():
            found.append(Word(word, Box(x, y, x + 25 * len(word), y + 40), conf))
            x += 25 * len(word) + 25
        return Line(tuple(found), found[0].box.union(found[-1].box))

    rows = [
        scanned("The meeting began at noon in the Cabinet Room.", 1000, 91.0),
        scanned("ee ORMATION 3 cE", 1050, 22.0),
        scanned("Dubinin said nothing more.", 1100, 30.0),  # a name: never unclear
        scanned("countries.", 1125, 21.0),  # an English word Tesseract was unsure of
        scanned("The talks went on until two.", 1150, 88.0),
    ]
    pages = [Page(1, PageSource("p.png", 0, InputKind.images), rows, 2550, 3300)]
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions(pages)
    meta = tei.DocumentMeta("unclear", ["p.png"], "images", "2026-11-28", "5.3.0")
    root = tei.build(meta, pages, mentions, analyse(pages, mentions), gazetteer.entities)
    unclear = root.findall(f".//{{{tei.TEI_NS}}}unclear")
    assert [u.text for u in unclear] == ["ee ORMATION 3 cE"]
    assert unclear[0].get("reason") == "low-ocr-confidence"
    assert not Validator().problems(tei.parse(tei.serialize(root)), "unclear")
    assert etree.QName(unclear[0].getparent()).localname in ("p", "said")


def _one_word_tesseract(tmp_path: Path) -> str:
    """A Tesseract stand-in that reads 'Memo' on every page it is given (one or a list)."""
    return alto_tesseract(tmp_path, ["Memo"])


def test_pages_read_together_each_fail_alone(
    use_cmd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file gone and a page that cannot be written for Tesseract are gaps with a reason.

    The other pages of the same run are read.
    """
    use_cmd(_one_word_tesseract(tmp_path))
    paths = []
    for n in range(4):
        paths.append(tmp_path / f"page-{n}.png")
        Image.new("L", (600, 200), 255).save(paths[-1])
    tiff = tmp_path / "frames.tif"
    Image.new("L", (600, 200), 255).save(tiff, save_all=True,
                                         append_images=[Image.new("L", (600, 200), 255)])
    paths[1].unlink()
    real_save = Image.Image.save

    def full_disk(image: Image.Image, fp: object, format: str | None = None, **kw: object):
        if format == "TIFF":
            raise OSError(28, "No space left on device")
        return real_save(image, fp, format, **kw)

    monkeypatch.setattr(Image.Image, "save", full_disk)
    page_sources = [_page(p) for p in paths] + [_page(tiff, InputKind.tiff, 1)]
    pages = read_images(page_sources, lang="eng", timeout=10)
    assert [p.error for p in pages[:4]] == [
        None, "cannot read file: No such file or directory", None, None]
    assert pages[4].error.startswith("cannot write the page for Tesseract in ")
    assert pages[4].error.endswith(": No space left on device")
    assert [p.lines[0].text if p.lines else None for p in pages] == [
        "Memo", None, "Memo", "Memo", None]


def test_a_scrawl_beside_typed_words_is_unclear_and_the_typed_words_stay() -> None:
    """Word by word: a low-confidence reading that is no word is unclear; words are not."""
    from pipeline import tei
    from pipeline.correction import NameCorrector
    from pipeline.gazetteer import Gazetteer
    from pipeline.validate import Validator

    typed = [("The", 91.0), ("telegram", 93.0), ("bebactat", 31.0), ("was", 90.0),
             ("sent", 88.0), ("on", 92.0), ("Tuesday", 44.0), ("U.S.", 40.0), ("5204", 30.0)]
    found, x = [], 300
    for text, conf in typed:
        found.append(Word(text, Box(x, 1000, x + 25 * len(text), 1040), conf))
        x += 25 * len(text) + 25
    rows = [Line(tuple(found), found[0].box.union(found[-1].box))]
    pages = [Page(1, PageSource("p.png", 0, InputKind.images), rows, 2550, 3300)]
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions(pages)
    meta = tei.DocumentMeta("scrawl", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, pages, mentions, analyse(pages, mentions), gazetteer.entities)
    unclear = [u.text for u in root.iter(f"{{{tei.TEI_NS}}}unclear")]
    assert unclear == ["bebactat"]
    assert "The telegram bebactat was sent on Tuesday U.S. 5204" in "".join(
        root.find(f".//{{{tei.TEI_NS}}}body").itertext())
    assert not Validator().problems(tei.parse(tei.serialize(root)), "scrawl")
