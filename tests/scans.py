"""Test scans made in code: the seed memorandum (and other memos) typed on rendered pages."""

from __future__ import annotations

from pathlib import Path

from tests.render import render_document, save_compact

STAMP = "DECLASSIFIED\nNLRR FOI 714/5 #8479\nBY AI NARA DATE 11/29/07"


def seed_two_pages(seed_text: str) -> list[str]:
    """The seed's first page, and a second page with its last paragraphs (test data only).

    Page one ends where the original does ("...the Soviet Union"); page two carries the
    "Dubinina" and "Dubin in" errors and the drafting block, so both pages hold names to fix.
    """
    start = seed_text.index("United States Department of State")
    cut = seed_text.index("Dubinin continued that")
    first = (
        seed_text[start:cut]
        .replace("NLRR FOI 714/5 #8479\n", "")
        .replace("BY AI NARA DATE 11/29/07\n", "")
    )
    said = seed_text.index("Dubinina said that in his letter")
    handed_end = seed_text.index("President Reagan thanked the Ambassador")
    last = seed_text.index("Dubin in concluded")
    second = (
        seed_text[said:handed_end] + "\n" + seed_text[last:].replace("~~SECRET/SENSITIVE~~", "")
    )
    return [
        "~~SECRET/SENSITIVE~~\n\n"
        + first.rstrip()
        + "\n@@BOTTOM\n~~SECRET/SENSITIVE~~\nDECL: OADR\n",
        "@@RIGHT 31\n@@CENTER - 2 -\n~~SECRET/SENSITIVE~~\n\n"
        + second.strip()
        + "\n@@BOTTOM\n~~SECRET/SENSITIVE~~\n",
    ]


def write_scan(pages: list[str], folder: Path, *, seed: int = 7, stamp: str | None = STAMP) -> Path:
    """Render page texts into folder/page-N.png."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, image in enumerate(render_document(pages, seed=seed, stamp_on_first=stamp), start=1):
        save_compact(image, folder / f"page-{n}.png")
    return folder


def pages_of(text: str, page_marker: str = "- 2 -") -> list[str]:
    """Split a memo written for the tests into page texts at its typed page number."""
    head, _, tail = text.partition(page_marker)
    if not tail:
        return [text]
    bottom_start = head.rstrip().rfind("\n~~")
    first = head[:bottom_start] + "\n@@BOTTOM" + head[bottom_start:]
    return [first, "@@CENTER " + page_marker + tail]
