"""A IIIF Presentation 3 manifest per document: its pages as canvases, the text lines on them.

Made with iiif-prezi3: a canvas per page image with the image painted on it, the OCR'd lines as
supplementing annotations on their regions, the TEI (and any sidecars) as ``seeAlso``; label,
rights and metadata from what the header says.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import quote, urljoin

from pipeline import orientation
from pipeline.model import Page
from pipeline.tei import MIME_TYPES, DocumentMeta


def manifest(
    meta: DocumentMeta,
    pages: Sequence[Page],
    title: str,
    date: str | None,
    kind: str,
    see_also: Sequence[tuple[str, str, str]] = (),
    rendering: str | None = None,
) -> str:
    """The manifest as JSON; `see_also` is (file name beside the TEI, format, label)."""
    import iiif_prezi3 as iiif  # pydantic models: loaded by the workers that make manifests

    folder = meta.document_uri.rsplit("/", 1)[0] + "/"
    name = PurePosixPath(meta.id).name
    own = folder + quote(name)
    metadata = [("Kind", kind), ("Identifier", meta.id)]
    if date:
        metadata.append(("Date", date))
    if meta.publication.publisher:
        metadata.append(("Publisher", meta.publication.publisher))
    document = iiif.Manifest(
        id=f"{own}.manifest.json",
        label={"en": [title]},
        rights=meta.publication.licence,
        requiredStatement=iiif.KeyValueString(
            label={"en": ["Licence"]}, value={"en": [meta.publication.licence_label]}
        ),
        metadata=[
            iiif.KeyValueString(label={"en": [label]}, value={"none": [value]})
            for label, value in metadata
        ],
        seeAlso=[
            iiif.LinkedResource(id=f"{own}.xml", type="Dataset", format="application/tei+xml",
                                profile="http://www.tei-c.org/ns/1.0", label={"en": ["TEI"]}),
            *[
                iiif.LinkedResource(id=folder + quote(file), type="Dataset", format=format_,
                                    label={"en": [label]})
                for file, format_, label in see_also
            ],
        ],
    )
    if rendering:
        document.rendering = [iiif.LinkedResource(
            id=folder + quote(rendering), type="Text", format="application/pdf",
            label={"en": ["Searchable PDF"]},
        )]
    for p, page in enumerate(pages):
        if not page.has_image or not page.width or not page.height:
            continue
        canvas_id = f"{own}/canvas/p{p + 1}"
        # the canvas is the image as stored; a page read turned upright is turned back
        sideways = page.rotation in (90, 270)
        width, height = (page.height, page.width) if sideways else (page.width, page.height)
        canvas = document.make_canvas(
            id=canvas_id, label={"none": [str(page.number)]}, width=width, height=height,
        )
        image = urljoin(folder, meta.image_urls.get(page.source.path, page.source.path))
        suffix = PurePosixPath(page.source.path).suffix.lower()
        canvas.add_image(
            image_url=image, anno_page_id=f"{canvas_id}/page", anno_id=f"{canvas_id}/image",
            format=MIME_TYPES.get(suffix, "image/png"), width=width, height=height,
        )
        annotations = []
        for i, line in enumerate(page.lines):
            if line.box is None or not line.text.strip():
                continue
            b = orientation.image_box(line.box, page.rotation, page.width, page.height)
            annotations.append(iiif.Annotation(
                id=f"{canvas_id}/line/{i + 1}",
                motivation="supplementing",
                body=iiif.TextualBody(type="TextualBody", value=line.text, format="text/plain"),
                target=f"{canvas_id}#xywh={b.x0},{b.y0},{b.width},{b.height}",
            ))
        if annotations:
            # validated once as a list: the library's add_item validates the whole list again
            # on every item (a page of 60 lines took 15 ms)
            canvas.annotations = [iiif.AnnotationPage(id=f"{canvas_id}/lines",
                                                      items=annotations)]
    return document.json(indent=1)
