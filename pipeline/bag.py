"""Package a finished batch for deposit as a BagIt bag (RFC 8493), made with `bagit`.

The bag holds what a repository ingests: every TEI file the report lists, the files written
beside each (IIIF manifest, OCR sidecars), the project schema they name, report.json and
corrections.csv; with `images`, the page images too, the bag's TEI then linking to its own
copies. bag-info.txt says where it comes from (External-Identifier, Source-Organization,
Bagging-Date).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from lxml import etree

from pipeline.exceptions import UsageError

TEI_NS = "http://www.tei-c.org/ns/1.0"
BATCH_FILES = ("report.json", "corrections.csv", "schema/tei-pipeline.rng",
               "schema/tei-pipeline.sch")


@dataclass(frozen=True)
class Packed:
    """What went into the bag."""

    documents: int
    files: int
    bag: Path


def package(
    batch: Path, bag: Path, *, images: bool = False, identifier: str | None = None,
    organization: str | None = None,
) -> Packed:
    """Make a bag at `bag` (a new folder) of the finished batch in `batch`."""
    import bagit

    report_path = batch / "report.json"
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{batch}: no finished batch here (report.json: {e})") from e
    if bag.exists() and any(bag.iterdir()):
        raise UsageError(f"{bag}: the bag's folder must be new or empty")
    bag.mkdir(parents=True, exist_ok=True)
    documents = [d for d in report.get("documents", []) if d.get("output")]
    names = [*BATCH_FILES]
    for doc in documents:
        names.append(doc["output"])
        names += doc.get("sidecars", [])
    copied = 0
    for name in names:
        source = batch / name
        if source.is_file():
            target = bag / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            copied += 1
    if images:
        copied += sum(_bring_images(batch, bag, doc) for doc in documents)
    info = {
        "External-Identifier": identifier or batch.resolve().name,
        "External-Description": f"{len(documents)} TEI documents made by tei-pipeline",
        "Bagging-Date": date.today().isoformat(),
    }
    if organization:
        info["Source-Organization"] = organization
    bagit.make_bag(str(bag), info, checksums=["sha256", "sha512"])
    return Packed(len(documents), copied, bag)


def _bring_images(batch: Path, bag: Path, doc: dict) -> int:
    """Copy a document's page images into the bag and point its TEI at the copies.

    The images are found where the TEI links them (relative to its own folder); an image
    served from elsewhere (an absolute URI) stays a link.
    """
    tei_path = bag / doc["output"]
    folder = PurePosixPath(doc["output"]).parent
    depth = len(folder.parts)
    tree = etree.parse(str(tei_path), etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"t": TEI_NS}
    moved: dict[str, str] = {}
    copied = 0
    refs = tree.findall(".//t:sourceDesc/t:list[@type='sourceFiles']/t:item/t:ref", ns)
    for n, ref in enumerate(refs):
        link = ref.get("target", "")
        if not link or ":" in link.split("/", 1)[0]:
            continue  # an absolute URI: served from elsewhere
        source = (batch / str(folder) / unquote(link)).resolve()
        if not source.is_file():
            raise UsageError(f"{doc['output']}: page image {source} is not there to bag")
        name = f"images/{PurePosixPath(doc['id'])}/{n + 1:04d}-{source.name}"
        target = bag / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        moved[link] = "/".join([".."] * depth + [quote(name, safe="/._-~")])
        ref.set("target", moved[link])
        copied += 1
    for graphic in tree.iterfind(".//t:facsimile//t:graphic", ns):
        base, hash_, fragment = graphic.get("url", "").partition("#")
        if base in moved:
            graphic.set("url", moved[base] + hash_ + fragment)
    tree.write(str(tei_path), xml_declaration=True, encoding="UTF-8")
    return copied
