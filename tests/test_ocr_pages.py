"""The OCR-page fixtures: saved and loaded back equal, and the committed ones readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocr_pages import load_meta, load_pages, save_pages

from pipeline.model import Box, InputKind, Line, Page, PageSource, Word

OCR = Path(__file__).resolve().parent / "data" / "ocr"


def sample() -> list[Page]:
    """Pages with every kind of value a field can hold."""
    lines = [
        Line((Word("SECRET", Box(10, 20, 90, 40), 96.25, struck=True),
              Word("ÜBER—“quoted”", Box(100, 20, 180, 41), 0.0)), Box(10, 20, 180, 41), 0),
        Line((Word("no-box"), Word("x", None, 12.5)), None, 3),
        Line((), None, 1),
        Line((Word("(b)(1)", Box(200, 60, 260, 80), 71.0),), Box(10, 50, 180, 90), 3,
             redacted=True),
    ]
    return [
        Page(1, PageSource("scans/a/page-1.png"), lines, 2550, 3300, notes=["a note"],
             seconds=1.5),
        Page(2, PageSource("scans/b.pdf", 1, InputKind.pdf), [], None, None,
             error="cannot read image: truncated"),
        Page(3, PageSource("scans/c.txt", 0, InputKind.text), lines[:1]),
        Page(4, PageSource("scans/d.png"), lines[:1], 3300, 2550, rotation=90),
    ]


def test_round_trip(tmp_path: Path) -> None:
    pages = sample()
    target = tmp_path / "pages.json"
    save_pages(pages, target, {"tesseract": "5.3.0"})
    assert load_pages(target) == pages
    assert load_meta(target) == {"tesseract": "5.3.0"}
    again = tmp_path / "again.json"
    save_pages(load_pages(target), again, {"tesseract": "5.3.0"})
    assert again.read_bytes() == target.read_bytes()


def test_round_trip_keeps_types(tmp_path: Path) -> None:
    target = tmp_path / "pages.json"
    save_pages(sample(), target)
    page = load_pages(target)[0]
    word = page.lines[0].words[0]
    assert isinstance(word.box, Box) and isinstance(word.conf, float) and word.struck is True
    assert isinstance(page.lines[0].words, tuple) and page.source.kind is InputKind.images


def test_other_json_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "other.json"
    target.write_text('{"pages": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a tei-pipeline-ocr-pages"):
        load_pages(target)


@pytest.mark.parametrize("path", sorted(OCR.glob("*.json")), ids=lambda p: p.stem)
def test_committed_fixtures_load(path: Path) -> None:
    pages = load_pages(path)
    assert pages and all(p.error is None and p.lines for p in pages)
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert all(Path(p.source.path).parts[:2] == ("tests", "data") for p in pages)
