"""Excisions left as white space: found from the typed lines' layout, a gap in the TEI."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import tei, tesseract, worker
from pipeline.correction import NameCorrector
from pipeline.gazetteer import Gazetteer
from pipeline.model import Box, InputKind, Line, Page, PageSource, Word
from pipeline.ocr import read_images
from pipeline.structure import Excision, Paragraph, Speech, analyse
from pipeline.validate import Validator
from tests.conftest import DATA, NS
from tests.ocr_pages import load_pages
from tests.render import render_page, typed_line

PITCH = 50  # typed_line is 40 px high: single spacing


def memo(*below: Line, above_ends: str = "the Minister") -> list[Line]:
    """A memo's heading and a paragraph of three lines, then `below` (lines 5 and on)."""
    return [
        typed_line("MEMORANDUM FOR THE RECORD", 300),
        typed_line("SUBJECT: The Minister's visit to Washington", 400),
        typed_line("1. The Ambassador said that the Government had decided", 600),
        typed_line("to send a delegation in the spring, and that it would be", 650),
        typed_line(f"led by {above_ends}", 700),
        *below,
    ]


def structure_of(lines: list[Line]) -> tuple[list[Page], list]:
    page = Page(1, PageSource("p.png", 0, InputKind.images), lines, 2550, 3300)
    return [page], analyse([page], []).items


def excisions(lines: list[Line]) -> list[Excision]:
    return [item for item in structure_of(lines)[1] if isinstance(item, Excision)]


NEXT = "2. The Secretary replied that he would welcome the delegation."


def test_text_breaking_off_before_blank_lines_is_an_excision_where_it_stands() -> None:
    """Three lines' worth of white space, the sentence above unfinished: withheld text."""
    pages, items = structure_of(memo(typed_line(NEXT, 700 + 4 * PITCH)))
    [found] = [item for item in items if isinstance(item, Excision)]
    where = items.index(found)
    assert isinstance(items[where - 1], Paragraph) and isinstance(items[where + 1], Paragraph)
    assert found.box == Box(300, 740, max(ln.box.x1 for ln in pages[0].lines[2:5]), 900)
    assert found.lines == 3


def test_a_paragraph_indented_below_the_blank_is_one_too() -> None:
    """Five spaces in, as many typists start a paragraph."""
    assert len(excisions(memo(typed_line(NEXT, 900, x=300 + 5 * 25)))) == 1


def test_a_line_of_cut_through_letters_below_the_blank_is_one_too() -> None:
    """A mask cut through the signature: a low row of letter parts, no word in it."""
    cut = Line((Word("SmMuULI.e", Box(700, 880, 950, 900), 0.0),), Box(700, 880, 950, 900))
    assert len(excisions(memo(cut))) == 1


@pytest.mark.parametrize(("case", "lines"), [
    ("the sentence ends", memo(typed_line(NEXT, 900), above_ends="the Minister.")),
    ("a paragraph break", memo(typed_line(NEXT, 700 + 2 * PITCH))),
    ("a stamp beside the text", memo(typed_line("DEPARTMENT OF STATE REVIEW", 900, x=1500))),
    ("a speck below", memo(Line((Word("N", Box(700, 880, 720, 900), 90.0),),
                                Box(700, 880, 720, 900)))),
    ("a line of words set in far", memo(typed_line(NEXT, 900, x=700))),
    ("a one-line paragraph above", memo()[:3] + [typed_line("led by the Minister", 600),
                                                 typed_line(NEXT, 800)]),
])
def test_no_excision_where_the_layout_does_not_say_so(case: str, lines: list[Line]) -> None:
    assert excisions(lines) == [], case


def test_a_sentence_going_on_below_the_blank_is_an_excision_inside_its_paragraph() -> None:
    """The body joins the lines (the words below go on in lower case): the gap is in the p."""
    below = typed_line("the talks would begin in Geneva before the end of the year.", 900)
    pages, items = structure_of(memo(below))
    assert not [item for item in items if isinstance(item, Excision)]
    [paragraph] = [item for item in items if isinstance(item, Paragraph)]
    [found] = [c for c in paragraph.content if isinstance(c, Excision)]
    assert paragraph.content[paragraph.content.index(found) + 1].line == 5  # before "the talks"
    root = tei.build(tei.DocumentMeta("within", ["p.png"], "images", "2026-12-03", "5.3.0"),
                     pages, [], analyse(pages, []), {})
    [gap] = root.findall(".//t:p/t:gap[@reason='redacted']", NS)
    assert gap.getnext().tag == f"{{{tei.TEI_NS}}}lb" and gap.get("quantity") == "3"
    assert gap.get("facs")[1:] in [z.get(tei.XML_ID) for z in root.iter(f"{{{tei.TEI_NS}}}zone")]
    assert not Validator().problems(tei.parse(tei.serialize(root)), "within")


def test_lines_of_a_paragraph_a_line_apart_are_no_excision() -> None:
    below = typed_line("the talks would begin in Geneva before the end of the year.", 750)
    assert analyse(structure_of(memo(below))[0], []).excisions() == []


def test_text_going_on_over_a_page_break_is_no_excision() -> None:
    pages = [Page(1, PageSource("p.png", 0, InputKind.images), memo(), 2550, 3300),
             Page(2, PageSource("p.png", 1, InputKind.images), [typed_line(NEXT, 300)],
                  2550, 3300)]
    items = analyse(pages, []).items
    assert not [item for item in items if isinstance(item, Excision)]


def test_an_excision_is_a_gap_of_so_many_lines_with_its_zone_and_valid() -> None:
    pages, _ = structure_of(memo(typed_line(NEXT, 900)))
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions(pages)
    meta = tei.DocumentMeta("excised", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, pages, mentions, analyse(pages, mentions), gazetteer.entities)
    [gap] = root.findall(".//t:text//t:gap", NS)
    assert (gap.get("reason"), gap.get("unit"), gap.get("quantity"), gap.get("cert")) == (
        "redacted", "line", "3", "medium")
    assert gap.getprevious().tag == gap.getnext().tag == f"{{{tei.TEI_NS}}}p"
    zone = next(z for z in root.iter(f"{{{tei.TEI_NS}}}zone")
                if z.get(tei.XML_ID) == gap.get("facs")[1:])
    assert (zone.get("type"), zone.get("uly"), zone.get("lry")) == ("redaction", "740", "900")
    assert not Validator().problems(tei.parse(tei.serialize(root)), "excised")


@pytest.mark.parametrize("name", sorted(p.stem for p in (DATA / "ocr").glob("*.json")))
def test_real_pages_excisions_are_where_a_person_sees_them(name: str) -> None:
    """The Addis Ababa telegram's two pages each lose lines to white space; no other does.

    (``tests/data/real-dev/structure-truth.json``: on page 1 about three lines after
    "VIGOROUS DISCUSSIONS", on page 2 about two after "REGIONAL CONFLICTS", cutting the
    signature through; every other page of the real documents has no excision.)
    """
    pages = load_pages(DATA / "ocr" / f"{name}.json")
    found = [(e.page, e.lines) for e in analyse(pages, []).excisions()]
    assert found == ([(0, 3), (1, 2)] if name == "state-C09000069-tel-addis" else [])


EXCISED = """1. The Ambassador called on the Secretary at his request to
discuss the arrangements for the coming summit meeting, which



2. The Secretary replied that the United States shared that hope
and would send its delegation to the talks in the spring.

3. The meeting ended at four o'clock in the afternoon.
"""


@pytest.mark.slow
def test_a_rendered_page_with_white_space_excised_reads_with_the_gap(tmp_path: Path) -> None:
    """Typed, scanned and read by Tesseract: the blank after the broken sentence is a gap.

    The ordinary paragraph break below it is none.
    """
    tesseract.configure()
    path = tmp_path / "page.png"
    render_page(EXCISED, seed=11).save(path, dpi=(300, 300))
    [page] = read_images([PageSource(str(path))], lang="eng", timeout=120)
    items = analyse([page], []).items
    [found] = [n for n, item in enumerate(items) if isinstance(item, Excision)]
    before, after = items[found - 1], items[found + 1]
    assert isinstance(before, Paragraph) and isinstance(after, Paragraph)
    assert page.lines[before.content[-1].line].text.endswith("which")
    assert page.lines[after.content[0].line].text.startswith("2.")
    assert items[found].lines == 3


def test_each_excision_and_each_later_document_is_a_line_of_the_report_to_review() -> None:
    """A guess from the layout: the morning's report says where, for a person to look."""
    pages = load_pages(DATA / "ocr" / "state-C09000069-tel-addis.json")
    settings = worker.Settings(lang="eng", page_timeout=None, gazetteers=(), correct=True,
                               tesseract_version=None, processed="2026-12-03")
    meta = tei.DocumentMeta("addis", ["page-1.png", "page-2.png"], "images", "2026-12-03",
                            None)
    assembled = worker.assemble_task(settings, meta, pages)
    assert assembled.error is None and assembled.problems == []
    excised = [n for n in assembled.notes if "white space" in n]
    assert [n.split(":")[0] for n in excised] == ["page 1", "page 2"]
    assert "about 3 line(s)" in excised[0] and "to review" in excised[0]
    # the reply filed on page 2 is a document of its own: the report says where it begins
    assert [n for n in assembled.notes if "another document" in n] == [
        "page 2: another document begins here (a telegram with its own header): written as a "
        "div of its own, to review"]


@pytest.mark.slow
def test_a_rendered_page_with_a_sentence_excised_mid_paragraph_reads_with_the_gap_in_it(
    tmp_path: Path,
) -> None:
    """The sentence goes on below the blank in lower case: one paragraph, the gap inside it."""
    text = EXCISED.replace("\n\n\n\n2. The Secretary replied", "\n\n\n\nthe Secretary replied")
    tesseract.configure()
    path = tmp_path / "page.png"
    render_page(text, seed=11).save(path, dpi=(300, 300))
    [page] = read_images([PageSource(str(path))], lang="eng", timeout=120)
    tree = analyse([page], [])
    [found] = tree.excisions()
    [paragraph] = [p for p in tree.items if isinstance(p, Paragraph) and found in p.content]
    after = paragraph.content[paragraph.content.index(found) + 1]
    assert page.lines[after.line].text.startswith("the Secretary") and found.lines == 3


def conversation(gap_lines: int) -> list[Line]:
    """A memcon whose first speaker's speech breaks off, `gap_lines` blank, then goes on."""
    top = 850 + (gap_lines + 1) * PITCH
    return [
        typed_line("MEMORANDUM OF CONVERSATION", 300),
        typed_line("SUBJECT: Ministerial Meeting on Regional Issues", 360),
        typed_line("PARTICIPANTS:", 440),
        typed_line("Secretary Shultz", 490),
        typed_line("Foreign Minister Shevardnadze", 540),
        typed_line("Shultz:", 650),
        typed_line("Let me begin with Afghanistan. We have read the statement of", 750),
        typed_line("your government with care, and we believe that the withdrawal", 800),
        typed_line("of the forces of your country from the", 850),
        typed_line("We believe that a timetable for withdrawal can be agreed.", top),
        typed_line("Shevardnadze:", top + 100),
        typed_line("The Soviet side is ready. The General Secretary has said so.", top + 200),
    ]


def test_an_excision_between_two_paragraphs_of_one_speech_is_a_gap_in_it() -> None:
    """Withheld lines inside a speaker's turn: the gap stands in the sp, between its p's."""
    page = Page(1, PageSource("p.png", 0, InputKind.images), conversation(3), 2550, 3300)
    gazetteer = Gazetteer.load([])
    mentions = NameCorrector(gazetteer).find_mentions([page])
    tree = analyse([page], mentions)
    [speech, _] = [item for item in tree.items if isinstance(item, Speech)]
    assert [type(p) for p in speech.paragraphs] == [Paragraph, Excision, Paragraph]
    assert speech.paragraphs[1].lines == 3 and tree.excisions() == [speech.paragraphs[1]]
    meta = tei.DocumentMeta("spoken", ["p.png"], "images", "2026-12-03", "5.3.0")
    root = tei.build(meta, [page], mentions, tree, gazetteer.entities)
    [gap] = root.findall(".//t:sp/t:gap[@reason='redacted']", NS)
    assert gap.getprevious().tag == gap.getnext().tag == f"{{{tei.TEI_NS}}}p"
    assert gap.get("facs")[1:] in [z.get(tei.XML_ID) for z in root.iter(f"{{{tei.TEI_NS}}}zone")]
    assert not Validator().problems(tei.parse(tei.serialize(root)), "spoken")


def test_a_paragraph_break_inside_a_speech_is_no_excision() -> None:
    page = Page(1, PageSource("p.png", 0, InputKind.images), conversation(1), 2550, 3300)
    mentions = NameCorrector(Gazetteer.load([])).find_mentions([page])
    tree = analyse([page], mentions)
    speeches = [item for item in tree.items if isinstance(item, Speech)]
    assert speeches and tree.excisions() == []
    assert all(isinstance(p, Paragraph) for s in speeches for p in s.paragraphs)
