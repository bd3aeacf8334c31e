"""The review page: a batch's corrections and review items, each with its line's image, in HTML.

``write_review_page`` reads the batch's report and TEI, cuts each item's line (its facsimile
zone) out of the page image into a small JPEG, and writes one static page,
``OUTDIR/review/index.html``, that opens from the disk without a server. The page keeps the
decisions in the browser's local storage and saves them as a JSON file, which
``pipeline.decisions`` applies to the TEI.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from PIL import Image

from pipeline.decisions import FORMAT
from pipeline.exceptions import InputError, UsageError
from pipeline.gazetteer import Gazetteer
from pipeline.model import InputKind, PageSource
from pipeline.report import OutputFolder
from pipeline.review_items import ItemKind, ReviewItem, Zone, declared_entities, find_items, zones
from pipeline.sources import load_image
from pipeline.tei import parse

log = logging.getLogger(__name__)
REVIEW_DIR = "review"  # in OUTDIR: the page and its crops
CROPS = "crops"
MARGIN = (24, 12)  # pixels around a line's zone, left/right and top/bottom
CROP_WIDTH = 1000  # crops wider than this are scaled down
PAGES_KEPT = 6  # decoded page images kept while cropping (documents share pages rarely)
KIND_LABELS = {ItemKind.ocr: "OCR slip", ItemKind.typist: "typist's error",
               ItemKind.name: "name for review", ItemKind.unclear: "unclear line"}


@dataclass(frozen=True)
class PageRow:
    """One row of the page: a review item and what the page shows of it."""

    key: str  # "document#number", unique on the page
    document: str
    item: ReviewItem
    kind_label: str
    crop: str | None  # the crop's path relative to the page, None when there is no image
    crop_size: tuple[int, int]  # its width and height in pixels
    entity_name: str | None
    note: str | None  # why the name was sent for review (report.json's review_notes)


@dataclass(frozen=True)
class ReviewPage:
    """What write_review_page wrote."""

    path: Path
    documents: int
    items: int
    crops: int


def write_review_page(batch: Path, gazetteers: Sequence[Path] = ()) -> ReviewPage:
    """Write OUTDIR/review/index.html (and its crops) for the batch in `batch`."""
    report = _report(batch)
    gazetteer = Gazetteer.load(gazetteers)
    entities: dict[str, tuple[str, str]] = {
        e.id: (e.name, e.type) for e in gazetteer.entities.values()
    }
    rows: list[PageRow] = []
    documents: dict[str, dict[str, str]] = {}
    with OutputFolder(batch) as out:
        shutil.rmtree(batch / REVIEW_DIR / CROPS, ignore_errors=True)
        cropper = _Cropper(out)
        for d, doc in enumerate(report.get("documents", [])):
            output = doc.get("output")
            if not output or doc.get("status") == "failed":
                continue
            path = batch / output
            try:
                data = path.read_bytes()
                root = parse(data).getroot()
            except (OSError, etree.XMLSyntaxError) as e:
                log.warning("%s: cannot read it (%s); left off the page", path,
                            getattr(e, "strerror", None) or e)
                continue
            declared = declared_entities(root)
            for xml_id, value in declared.items():
                entities.setdefault(xml_id, value)
            documents[doc["id"]] = {"output": output,
                                    "digest": hashlib.sha256(data).hexdigest()}
            notes = _notes(doc.get("review_notes", []))
            line_zones = zones(root)
            folder = path.parent
            for item, _ in find_items(root):
                zone = line_zones.get(item.line_id or "")
                crop, size = cropper.crop(folder, zone, d) if zone is not None else (None, (0, 0))
                known = declared.get(item.entity or "") or entities.get(item.entity or "")
                rows.append(PageRow(
                    f"{doc['id']}#{item.number}", doc["id"], item, KIND_LABELS[item.kind],
                    crop, size, known[0] if known else None,
                    notes.get((item.page, item.line, item.reading)),
                ))
        batch_key = hashlib.sha256(json.dumps(documents, sort_keys=True).encode()).hexdigest()
        html = _render(rows, documents, entities, batch_key, str(batch.resolve().name))
        page = out.write(f"{REVIEW_DIR}/index.html", html.encode("utf-8"))
    return ReviewPage(page, len(documents), len(rows), cropper.written)


def _report(batch: Path) -> dict:
    try:
        report = json.loads((batch / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{batch}: no finished batch here (report.json: {e})") from e
    if not isinstance(report, dict):
        raise UsageError(f"{batch}: report.json is not a tei-pipeline report")
    return report


def _notes(notes: list[str]) -> dict[tuple[int | None, int | None, str], str]:
    """Review notes by page, line and name: "page 1 line 22: Allen: why" -> (1, 22, "Allen")."""
    found: dict[tuple[int | None, int | None, str], str] = {}
    for note in notes:
        where, _, rest = note.partition(": ")
        name, _, why = rest.partition(": ")
        parts = where.split()
        if len(parts) == 4 and parts[0] == "page" and parts[2] == "line" and why:
            try:
                found[(int(parts[1]), int(parts[3]), name)] = why
            except ValueError:
                continue
    return found


class _Cropper:
    """Cuts lines out of page images into JPEG files beside the page, one per distinct line."""

    def __init__(self, out: OutputFolder) -> None:
        self.out = out
        self.pages: OrderedDict[tuple[Path, int], Image.Image | None] = OrderedDict()
        self.done: dict[tuple[Path, int, tuple[int, ...]], tuple[str, tuple[int, int]]] = {}
        self.written = 0

    def crop(self, folder: Path, zone: Zone, document: int) -> tuple[str | None, tuple[int, int]]:
        """The line's crop (its path relative to the page, and size); None when it has none."""
        if urlsplit(zone.url).scheme:  # served from elsewhere (--image-base-uri)
            return None, (0, 0)
        image_path = (folder / unquote(zone.url)).resolve()
        key = (image_path, zone.frame, zone.box)
        if key in self.done:
            return self.done[key]
        image = self._page(image_path, zone.frame)
        if image is None:
            return None, (0, 0)
        x0, y0, x1, y1 = zone.box
        box = (max(0, x0 - MARGIN[0]), max(0, y0 - MARGIN[1]),
               min(image.width, x1 + MARGIN[0]), min(image.height, y1 + MARGIN[1]))
        if box[2] <= box[0] or box[3] <= box[1]:
            return None, (0, 0)
        line = image.crop(box)
        if line.width > CROP_WIDTH:
            line = line.resize((CROP_WIDTH, max(1, round(line.height * CROP_WIDTH / line.width))),
                               Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        line.save(buffer, "JPEG", quality=80)
        name = f"{CROPS}/{document}-{len(self.done) + 1}.jpg"
        self.out.write(f"{REVIEW_DIR}/{name}", buffer.getvalue())
        self.done[key] = (name, line.size)
        self.written += 1
        return name, line.size

    def _page(self, path: Path, frame: int) -> Image.Image | None:
        key = (path, frame)
        if key in self.pages:
            self.pages.move_to_end(key)
            return self.pages[key]
        suffix = path.suffix.lower()
        kind = (InputKind.pdf if suffix == ".pdf"
                else InputKind.tiff if suffix in (".tif", ".tiff") and frame else InputKind.images)
        try:
            image: Image.Image | None = load_image(PageSource(str(path), frame, kind))[0]
            image = image.convert("L") if image is not None else None
        except (InputError, OSError) as e:
            log.warning("%s: cannot read the page image (%s); its lines have no crop", path, e)
            image = None
        self.pages[key] = image
        if len(self.pages) > PAGES_KEPT:
            self.pages.popitem(last=False)
        return image


def _render(rows: list[PageRow], documents: dict[str, dict[str, str]],
            entities: dict[str, tuple[str, str]], batch_key: str, title: str) -> str:
    import jinja2

    templates = resources.files("pipeline") / "templates"
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string((templates / "review.html.j2").read_text("utf-8"))
    data = {
        "format": FORMAT,
        "batch": batch_key,
        "documents": documents,
        "entities": [{"id": k, "name": v[0], "type": v[1]} for k, v in sorted(entities.items())],
    }
    used = sorted({r.item.entity for r in rows if r.item.entity})
    return template.render(
        title=title,
        rows=rows,
        documents=list(documents),
        certs=[c for c in ("high", "medium", "low") if any(r.item.cert == c for r in rows)],
        used_entities=[(e, entities.get(e, (e, ""))[0]) for e in used],
        kinds=[(k.value, KIND_LABELS[k]) for k in ItemKind if any(r.item.kind is k for r in rows)],
        # </script> cannot end the data early: "<" is escaped in JSON
        data=json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"),
        script=(templates / "review.js").read_text("utf-8"),
        style=(templates / "review.css").read_text("utf-8"),
    )

