"""Structure tests: documents read into pages as a run reads them, analysed on their own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pipeline.correction import NameCorrector
from pipeline.gazetteer import Gazetteer
from pipeline.model import InputKind, Page, PageSource
from pipeline.sources import pages_from_text
from pipeline.structure import (
    DocumentStructure,
    Furniture,
    FurnitureKind,
    LineRef,
    Paragraph,
    analyse,
)
from tests.conftest import DATA
from tests.ocr_pages import load_pages

TODAY = date(2026, 12, 3)  # the day the structure stage is told it runs on
OCR = DATA / "ocr"


@pytest.fixture(scope="session")
def corrector() -> NameCorrector:
    return NameCorrector(Gazetteer.load([]))


@pytest.fixture(scope="session")
def read_text(corrector: NameCorrector) -> Callable[[Path], tuple[list[Page], DocumentStructure]]:
    """Read an OCR text file and analyse it, names found with the default gazetteer."""

    def read(path: Path) -> tuple[list[Page], DocumentStructure]:
        pages, _ = pages_from_text(path, PageSource(str(path), 0, InputKind.text))
        return pages, analyse(pages, corrector.find_mentions(pages), today=TODAY)

    return read


@pytest.fixture(scope="session")
def read_ocr(corrector: NameCorrector) -> Callable[[str], tuple[list[Page], DocumentStructure]]:
    """Analyse a real document from its OCR fixture (tests/data/ocr), as Tesseract read it."""

    def read(name: str) -> tuple[list[Page], DocumentStructure]:
        pages = load_pages(OCR / f"{name}.json")
        return pages, analyse(pages, corrector.find_mentions(pages), today=TODAY)

    return read


def furniture(tree: DocumentStructure, kind: FurnitureKind) -> list[Furniture]:
    """Every furniture item of a kind, those standing inside paragraphs too."""
    found = [i for i in tree.items if isinstance(i, Furniture) and i.kind is kind]
    for item in tree.items:
        if isinstance(item, Paragraph):
            found += [c for c in item.content if isinstance(c, Furniture) and c.kind is kind]
    return found


def page_of(item: Furniture) -> int:
    return item.lines[0].page


def text(pages: list[Page], ref: LineRef) -> str:
    """The words a reference points at."""
    return " ".join(w.text for w in pages[ref.page].lines[ref.line].words[ref.start : ref.end])
