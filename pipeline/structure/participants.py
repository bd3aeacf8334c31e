"""Participants: the people on a header's list, their sides and roles, linked to the gazetteer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.model import Line, Page
from pipeline.structure.furniture import Slot
from pipeline.structure.text import MentionIndex
from pipeline.structure.tree import LineRef, Participant
from pipeline.structure.vocabulary import ROLE_WORDS


def _side_columns(labels: list[LineRef], pages: Sequence[Page]) -> list[float] | None:
    """The left edges of the side labels, when they stand side by side on a scanned page."""
    boxes = [pages[r.page].lines[r.line].box for r in labels]
    if len(boxes) < 2 or any(b is None for b in boxes):
        return None
    lefts = [b.x0 for b in boxes]  # type: ignore[union-attr]
    page = pages[labels[0].page]
    if max(lefts) - min(lefts) < 0.2 * (page.width or 1):
        return None  # labels one above the other: not columns
    return [float(x) for x in lefts]


def _nearest_column(columns: list[float], pages: Sequence[Page], ref: LineRef) -> int:
    box = pages[ref.page].lines[ref.line].box
    if box is None:
        return 0
    return min(range(len(columns)), key=lambda c: abs(columns[c] - box.x0))


def participants(
    entries: list[tuple[int, LineRef]],
    labels: list[LineRef],
    sides: list[str],
    flow: list[Slot],
    pages: Sequence[Page],
    index: MentionIndex,
) -> list[Participant]:
    """Participants with role and side; names linked to gazetteer entities where they match."""
    slot_of = {(s.page, s.line): s for s in flow if s.line >= 0}
    labelled = [(seen, ref) for seen, ref in entries]
    columns = _side_columns(labels, pages) if len(sides) > 1 else None
    if columns is not None:
        # Two columns on a scan: each name belongs to the label above it.
        labelled = [(_nearest_column(columns, pages, ref) + 1, ref) for _, ref in entries]
    elif sides and all(seen == len(sides) for seen, _ in entries) and len(sides) > 1:
        # Column labels first, then one run of names per label: two columns flattened by OCR.
        run, labelled = 0, []
        for n, (_, ref) in enumerate(entries):
            if n and slot_of[(ref.page, ref.line)].para_break:
                run += 1
            labelled.append((min(run, len(sides) - 1) + 1, ref))
    result: list[Participant] = []
    taken: set[str] = set()
    for seen, ref in labelled:
        side = sides[seen - 1] if sides and seen >= 1 else None
        person = _participant(pages[ref.page].lines[ref.line], ref, index, side)
        if person is None:
            continue
        base, n = person.id, 2
        while person.id in taken:
            person.id = f"{base}-{n}"
            n += 1
        taken.add(person.id)
        result.append(person)
    return result


def _participant(
    line: Line, ref: LineRef, index: MentionIndex, side: str | None
) -> Participant | None:
    text = " ".join(w.text for w in line.words[ref.start : ref.end]).strip().rstrip(",;")
    text = text.lstrip("‘’'\"`.,-_ ")  # a speck before the entry is not part of it
    if not text:
        return None
    mention = next(
        (
            m
            for m in index.in_line(ref.page, ref.line, ref.start)
            if m.entity_type == "person" and m.entity_id
        ),
        None,
    )
    roles: list[str] = []
    name = text
    if "," in text:
        name, _, after = text.partition(",")
        if after.strip():
            roles.append(after.strip())
    for title in sorted(ROLE_WORDS, key=len, reverse=True):
        for prefix in (title + " ", "The " + title + " ", "the " + title + " "):
            if name.startswith(prefix) and len(name) > len(prefix):
                roles.insert(0, title)
                name = name[len(prefix) :]
                break
        else:
            continue
        break
    if name.lower() in ("the president", "the secretary", "the vice president"):
        roles = [name.split(" ", 1)[1]]  # named by title alone
    entity_id = mention.entity_id if mention else None
    pid = entity_id or "person-" + _slug(name)
    return Participant(pid, name.strip(), side, entity_id, ref, text, tuple(roles))


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unnamed"


# --- body -------------------------------------------------------------------------------

