"""Finding documents in the inputs and reading text pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from pipeline import sources
from pipeline.exceptions import UsageError
from pipeline.model import InputKind


def _png(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("L", (40, 20), 255).save(path)
    return path


def test_page_folder_is_one_document_in_natural_order(tmp_path: Path) -> None:
    for n in (10, 2, 1):
        _png(tmp_path / "in" / "box3" / "memo7" / f"page-{n}.png")
    (tmp_path / "in" / "memo.txt").write_text("text\n")
    docs, skipped = sources.discover([tmp_path / "in"])
    by_id = {d.id: d for d in docs}
    assert set(by_id) == {"box3/memo7", "memo"}
    pages = [Path(p.path).name for p in by_id["box3/memo7"].pages]
    assert pages == ["page-1.png", "page-2.png", "page-10.png"]
    assert by_id["memo"].kind is InputKind.text
    assert not skipped


def test_named_page_folder_and_file_keep_their_names(tmp_path: Path) -> None:
    _png(tmp_path / "scan" / "p1.png")
    text = tmp_path / "memcon.ocr.txt"
    text.write_text("x")
    docs, _ = sources.discover([tmp_path / "scan", text])
    assert [d.id for d in docs] == ["scan", "memcon.ocr"]


def test_subfolders_and_files_inside_a_page_folder_are_further_documents(tmp_path: Path) -> None:
    _png(tmp_path / "in" / "p1.png")
    _png(tmp_path / "in" / "annex" / "p1.png")
    (tmp_path / "in" / "notes.txt").write_text("x")
    docs, _ = sources.discover([tmp_path / "in"])
    assert sorted(d.id for d in docs) == ["annex", "in", "notes"]


def test_multipage_tiff_is_its_own_document(tmp_path: Path) -> None:
    frames = [Image.new("L", (30, 30), 255) for _ in range(3)]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:])
    _png(tmp_path / "p1.png")
    docs, _ = sources.discover([tmp_path])
    tiff = next(d for d in docs if d.kind is InputKind.tiff)
    assert tiff.id == "scan" and len(tiff.pages) == 3


def test_colliding_output_names_are_made_unique(tmp_path: Path) -> None:
    (tmp_path / "memo.txt").write_text("a")
    (tmp_path / "memo.pdf").write_bytes(b"not a pdf")
    docs, _ = sources.discover([tmp_path])
    ids = [d.id for d in docs]
    assert len(set(ids)) == 2, ids


def test_unknown_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "readme.md").write_text("x")
    docs, skipped = sources.discover([tmp_path])
    assert not docs
    assert skipped[0].path.endswith("readme.md") and "not a page image" in skipped[0].reason


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        sources.discover([tmp_path / "nope"])


def test_text_pages_split_on_form_feeds_and_struck_markings(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("~~SECRET~~\n\nFirst para\nline two\n\nSecond\f- 2 -\nmore\f", encoding="utf-8")
    pages, notes = sources.read_text(path)
    assert len(pages) == 2
    first = pages[0]
    assert first[0].words[0].struck and first[0].words[0].text == "SECRET"
    assert [line.block for line in first] == [0, 1, 1, 2]
    assert not notes


def test_text_that_is_not_utf8_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes("Caf\xe9 \x00ok\n".encode("latin-1"))
    pages, notes = sources.read_text(path)
    assert pages[0][0].text == "Café ok"
    assert any("not UTF-8" in n for n in notes)
    assert any("XML forbids" in n for n in notes)
