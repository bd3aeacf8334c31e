"""OCR output saved as JSON: pages that structure tests and benchmarks read without Tesseract.

`save_pages` writes a list of `pipeline.model.Page` (lines, words, boxes, confidences, struck
flags, the page source) and `load_pages` reads it back, equal field for field. The file is
compact JSON with one OCR line to a row, so that a change in the OCR shows as a small diff::

    {"format": "tei-pipeline-ocr-pages/1", "meta": {...}, "pages": [
    {"number": 1, "source": [path, index, kind], "width": ..., "height": ..., ..., "lines": [
    [block, [x0, y0, x1, y1], [[text, [x0, y0, x1, y1], conf, struck], ...]],
    [block, [x0, y0, x1, y1], [...], true],   (a redaction: its box, the exemption code's words)
    ...]}]}

A box or a confidence may be null; `meta` is free (how the pages were made).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.model import Box, InputKind, Line, Page, PageSource, Word

FORMAT = "tei-pipeline-ocr-pages/1"


def save_pages(pages: list[Page], path: Path | str, meta: dict[str, Any] | None = None) -> None:
    """Write `pages` to `path` as JSON (module docstring); `meta` says how they were made."""
    rows = [
        f'{{"format":{_dump(FORMAT)},"meta":{_dump(meta or {})},"pages":[',
        ",\n".join(_page(page) for page in pages),
        "]}\n",
    ]
    Path(path).write_text("\n".join(rows), encoding="utf-8")


def load_pages(path: Path | str) -> list[Page]:
    """The pages saved in `path` by `save_pages`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} file (format {data.get('format')!r})")
    return [_load_page(p) for p in data["pages"]]


def load_meta(path: Path | str) -> dict[str, Any]:
    """The `meta` saved with the pages in `path`."""
    return dict(json.loads(Path(path).read_text(encoding="utf-8")).get("meta") or {})


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _page(page: Page) -> str:
    head = {
        "number": page.number,
        "source": [page.source.path, page.source.index, page.source.kind.value],
        "width": page.width,
        "height": page.height,
        "error": page.error,
        "notes": page.notes,
        "seconds": page.seconds,
    }
    if page.rotation:
        head["rotation"] = page.rotation
    lines = ",\n".join(_dump(_line(line)) for line in page.lines)
    return f"{_dump(head)[:-1]},\"lines\":[\n{lines}]}}"


def _line(line: Line) -> list[Any]:
    row: list[Any] = [line.block, _box(line.box),
                      [[w.text, _box(w.box), w.conf, w.struck] for w in line.words]]
    return [*row, True] if line.redacted else row


def _box(box: Box | None) -> list[int] | None:
    return None if box is None else [box.x0, box.y0, box.x1, box.y1]


def _load_box(value: list[int] | None) -> Box | None:
    return None if value is None else Box(*value)


def _load_page(data: dict[str, Any]) -> Page:
    path, index, kind = data["source"]
    return Page(
        number=data["number"],
        source=PageSource(path, index, InputKind(kind)),
        lines=[
            Line(
                tuple(Word(text, _load_box(box), conf, struck)
                      for text, box, conf, struck in words),
                _load_box(box),
                block,
                bool(redacted and redacted[0]),
            )
            for block, box, words, *redacted in data["lines"]
        ],
        width=data["width"],
        height=data["height"],
        error=data["error"],
        notes=list(data["notes"]),
        seconds=data["seconds"],
        rotation=data.get("rotation", 0),
    )
