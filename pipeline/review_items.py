"""What a person reviews in a TEI document: corrections, names for review, unclear lines.

One place finds them, for the review page and for applying the decisions made on it: the
machine's name corrections (OCR slips as ``app``, typist's errors as ``choice``), names tagged
``@cert="low"``, and lines wrapped in ``unclear``; each with the line (its facsimile zone) it
starts on. Items a reviewer has decided already (their ``@resp`` names a reviewer) are not
items any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from lxml import etree

from pipeline.tei import APP_ID, TEI_NS, XML_ID

NS = {"tei": TEI_NS}
MACHINE = f"#{APP_ID}"  # @resp of what tei-pipeline decided
NAME_TAGS = {f"{{{TEI_NS}}}{t}": t for t in ("persName", "placeName", "orgName", "name")}
ENTITY_TYPES = {"persName": "person", "placeName": "place", "orgName": "org", "name": "name"}
ZONE_ID = re.compile(r"^page-(\d+)-line-(\d+)$")


class ItemKind(str, Enum):
    """What a review item is; the value is what the page and the decisions file say."""

    ocr = "ocr"  # an OCR slip corrected: app/lem (ours) and rdg (the OCR's)
    typist = "typist"  # a typist's error corrected: choice/sic and corr
    name = "name"  # a name tagged @cert="low" for a person to review
    unclear = "unclear"  # a line the OCR could hardly read


@dataclass(frozen=True)
class Zone:
    """Where a line is on its page image: the graphic's URL (relative to the TEI) and a box."""

    url: str
    frame: int  # the TIFF frame or PDF page (0-based) the URL's file holds the page in
    box: tuple[int, int, int, int]  # ulx, uly, lrx, lry


@dataclass(frozen=True)
class ReviewItem:
    """One thing to decide: what the OCR read, what tei-pipeline proposes, and where."""

    number: int  # its place among the document's items, from 1
    kind: ItemKind
    reading: str  # the text as read
    proposed: str  # the form tei-pipeline proposes (the reading itself for names and lines)
    cert: str  # high, medium, low
    entity: str | None  # the entity id the name points to
    entity_type: str | None  # person, place, org, name; None for an unclear line or a word
    line_id: str | None  # the facsimile zone of the line it starts on
    page: int | None  # page and line numbers from the zone id (1-based), when it has one
    line: int | None


def element_text(element: etree._Element) -> str:
    """An element's text, a line break inside it read as a space."""
    parts = [element.text or ""]
    for child in element:
        if etree.QName(child).localname == "lb":
            parts.append("" if child.get("break") == "no" else " ")
        else:
            parts.append(element_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def find_items(root: etree._Element) -> list[tuple[ReviewItem, etree._Element]]:
    """The document's review items in document order, each with the element it is about.

    The element is the ``app`` or ``choice`` of a correction, the name element of a name for
    review, the ``unclear`` of a line.
    """
    found: list[tuple[ReviewItem, etree._Element]] = []
    text = root.find("tei:text", NS)
    if text is None:
        return found
    current: str | None = None
    for element in text.iter(etree.Element):
        local = etree.QName(element).localname
        if local in ("lb", "fw") and element.get("facs"):
            current = element.get("facs", "")[1:] or None
            continue
        item = _item(element, local, len(found) + 1, current)
        if item is not None:
            found.append((item, element))
    return found


def _item(element: etree._Element, local: str, number: int,
          line_id: str | None) -> ReviewItem | None:
    page, line = _page_line(line_id)
    parent = element.getparent()
    parent_local = etree.QName(parent).localname if parent is not None else ""
    entity = parent.get("ref", "")[1:] or None if parent is not None else None
    if local == "app" and element.get("type") == "ocr":
        # in a name, or an ordinary word's OCR slip mended (pipeline.slips: no entity)
        lem, rdg = element.find("tei:lem", NS), element.find("tei:rdg", NS)
        if lem is None or rdg is None or lem.get("resp") != MACHINE:
            return None
        named = parent_local in ENTITY_TYPES
        return ReviewItem(number, ItemKind.ocr, element_text(rdg), element_text(lem),
                          lem.get("cert", "low"), entity if named else None,
                          ENTITY_TYPES[parent_local] if named else None, line_id, page, line)
    if local == "choice" and parent_local in ENTITY_TYPES:
        sic, corr = element.find("tei:sic", NS), element.find("tei:corr", NS)
        if sic is None or corr is None or corr.get("resp") != MACHINE:
            return None
        return ReviewItem(number, ItemKind.typist, element_text(sic), element_text(corr),
                          corr.get("cert", "low"), entity, ENTITY_TYPES[parent_local],
                          line_id, page, line)
    if element.tag in NAME_TAGS and element.get("cert") == "low" and not element.get("resp"):
        written = element_text(element)
        return ReviewItem(number, ItemKind.name, written, written, "low",
                          element.get("ref", "")[1:] or None, ENTITY_TYPES[local],
                          line_id, page, line)
    if local == "unclear" and element.get("resp") == MACHINE:
        written = element_text(element)
        return ReviewItem(number, ItemKind.unclear, written, written, "low", None, None,
                          line_id, page, line)
    return None


def _page_line(line_id: str | None) -> tuple[int | None, int | None]:
    match = ZONE_ID.match(line_id or "")
    if match is None:
        return None, None
    return int(match.group(1)), int(match.group(2))


def zones(root: etree._Element) -> dict[str, Zone]:
    """Every line zone of the facsimile by id, with its page image.

    A TIFF's pages share the file's URL: the n-th surface of a URL is its n-th frame; a PDF
    page's URL says its page (``#page=N``).
    """
    found: dict[str, Zone] = {}
    seen: dict[str, int] = {}
    for surface in root.iterfind("tei:facsimile/tei:surface", NS):
        graphic = surface.find("tei:graphic", NS)
        if graphic is None or not graphic.get("url"):
            continue
        url = graphic.get("url", "")
        base, _, fragment = url.partition("#")
        if fragment.startswith("page=") and fragment[5:].isdigit():
            frame = int(fragment[5:]) - 1
        else:
            frame = seen.get(base, 0)
            seen[base] = frame + 1
        for zone in surface.iterfind("tei:zone", NS):
            try:
                box = tuple(int(zone.get(k, "")) for k in ("ulx", "uly", "lrx", "lry"))
            except ValueError:
                continue
            found[zone.get(XML_ID, "")] = Zone(base, frame, box)  # type: ignore[arg-type]
    return found


def declared_entities(root: etree._Element) -> dict[str, tuple[str, str]]:
    """The persons, places and organisations the document declares: id -> (name, type)."""
    found: dict[str, tuple[str, str]] = {}
    for tag, kind, name_tag in (("person", "person", "persName"), ("place", "place", "placeName"),
                                ("org", "org", "orgName")):
        for element in root.iter(f"{{{TEI_NS}}}{tag}"):
            xml_id = element.get(XML_ID)
            if not xml_id:
                continue
            names = element.findall(f"tei:{name_tag}", NS)
            canonical = next((n for n in names if n.get("type") == "canonical"),
                             names[0] if names else None)
            found[xml_id] = ("".join(canonical.itertext()) if canonical is not None else xml_id,
                             kind)
    return found
