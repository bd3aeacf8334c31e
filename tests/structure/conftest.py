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
from pipeline.structure import DocumentStructure, LineRef, analyse

TODAY = date(2026, 12, 3)  # the day the structure stage is told it runs on


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


def text(pages: list[Page], ref: LineRef) -> str:
    """The words a reference points at."""
    return " ".join(w.text for w in pages[ref.page].lines[ref.line].words[ref.start : ref.end])
