"""Tesseract's ALTO and hOCR of a run over several pages, one document per page.

The run that reads the words writes them too (no second OCR pass); a run over a list of page
images writes one ALTO with a Page per image and one hOCR with an ocr_page per image, which
are cut here into one file per page. The ALTO is where the words are read from too
(tesseract.lines_from_alto): a run whose ALTO cannot be read fails like any OCR failure. An
hOCR or PDF that cannot be cut is None: the words are what counts, a missing sidecar is
noted, never a lost page.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence

from lxml import etree, html

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v3#"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_RECOVERING = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                              recover=True)


# A document's OCR files stand in a folder beside its TEI ("memo7.ocr/page-1.alto.xml"), so
# that OUTDIR/*.xml is the TEI alone.
OCR_FOLDER = ".ocr"


def alto_suffix(page: int) -> str:
    """The ALTO file of page `page` (1-based) is the document's path and this."""
    return f"{OCR_FOLDER}/page-{page}.alto.xml"


def hocr_suffix(page: int) -> str:
    """The hOCR file of page `page` (1-based) is the document's path and this."""
    return f"{OCR_FOLDER}/page-{page}.hocr.html"


def parse_alto(alto: bytes) -> etree._Element:
    """The ALTO Tesseract wrote, parsed (XMLSyntaxError if it is none).

    Recovering: a character XML does not allow in a word read (Tesseract escapes only the
    markup characters) becomes U+FFFD, as a bad byte in a text file does; the page is read.
    """
    return etree.fromstring(alto, _RECOVERING)


def alto_pages(root: etree._Element) -> list[etree._Element]:
    """The ALTO's Page elements, one per image of the run, in order."""
    return root.findall(f"{{{_namespace(root)}}}Layout/{{{_namespace(root)}}}Page")


def page_alto(root: etree._Element, page: etree._Element) -> bytes:
    """One page's ALTO document: the run's description and that page alone.

    link_alto names its image. The run's other pages are not copied: a run over four pages
    made four whole copies before, to keep one page of each.
    """
    one = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
    one.text = root.text
    layout = None
    for child in root:
        if etree.QName(child).localname == "Layout":
            layout = etree.SubElement(one, child.tag, dict(child.attrib))
            layout.text, layout.tail = child.text, child.tail
        else:
            one.append(copy.deepcopy(child))
    if layout is not None:
        layout.append(copy.deepcopy(page))
    return etree.tostring(one, xml_declaration=True, encoding="UTF-8")


def _namespace(root: etree._Element) -> str:
    return root.nsmap.get(None, ALTO_NS)


def name_image(alto: etree._Element, image: str) -> None:
    """Set the ALTO's sourceImageInformation/fileName (Tesseract names only the first)."""
    ns = {"a": alto.nsmap.get(None, ALTO_NS)}
    name = alto.find("a:Description/a:sourceImageInformation/a:fileName", ns)
    if name is not None:
        name.text = image


def link_alto(alto: bytes, image: str) -> bytes:
    """The ALTO naming `image` (the page's link) as its source image."""
    root = etree.fromstring(alto, _PARSER)
    name_image(root, image)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def split_pdf(pdf: bytes | None, count: int) -> list[bytes | None]:
    """One PDF per page of the run (Tesseract's pdf renderer writes one for the run)."""
    none: list[bytes | None] = [None] * count
    if pdf is None:
        return none
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as whole:
            if len(whole.pages) != count:
                return none
            out: list[bytes | None] = []
            for page in whole.pages:
                one = pikepdf.new()
                one.pages.append(page)
                buffer = io.BytesIO()
                one.save(buffer, deterministic_id=True)
                out.append(buffer.getvalue())
            return out
    except pikepdf.PdfError:
        return none


def join_pdf(pages: Sequence[bytes]) -> bytes:
    """The document's PDF: its pages' PDFs, in order."""
    import pikepdf

    document = pikepdf.new()
    for data in pages:
        with pikepdf.open(io.BytesIO(data)) as one:
            document.pages.extend(one.pages)
    buffer = io.BytesIO()
    document.save(buffer, deterministic_id=True)
    return buffer.getvalue()


def split_hocr(hocr: bytes | None, count: int) -> list[bytes | None]:
    """One hOCR document per page of the run."""
    none: list[bytes | None] = [None] * count
    if hocr is None:
        return none
    try:
        root = html.fromstring(hocr)
    except (etree.ParserError, ValueError):
        return none
    body = root.find("body")
    pages = [d for d in body.iter("div") if "ocr_page" in (d.get("class") or "").split()] \
        if body is not None else []
    if len(pages) != count:
        return none
    out: list[bytes | None] = []
    for page in pages:
        one = copy.deepcopy(root)
        one_body = one.find("body")
        for child in list(one_body):
            one_body.remove(child)
        one_body.append(copy.deepcopy(page))
        out.append(html.tostring(one, doctype="<!DOCTYPE html>", encoding="UTF-8"))
    return out
