"""Apply a reviewer's decisions (the review page's JSON file) to the TEI of a batch.

An accepted correction keeps its corrected form, now the reviewer's (``@resp``) with
``@cert="high"``; a rejected one goes back to the reading; an edit becomes a new corrected form
(and entity). Each document reviewed gets one ``change`` in ``revisionDesc`` and the status
"candidate", is validated again and written atomically; the report, the resume journal and
corrections.csv follow. docs/ENCODING.md ("Review") describes the markup.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from pipeline.exceptions import InvalidOutput, UsageError
from pipeline.publication import processing_day
from pipeline.report import CORRECTION_COLUMNS, DocumentEntry, OutputFolder, Review
from pipeline.review_items import (
    ENTITY_TYPES,
    NS,
    ItemKind,
    ReviewItem,
    declared_entities,
    find_items,
)
from pipeline.tei import ENTITY_TAG, TEI_NS, XML_ID, E, parse
from pipeline.validate import Validator

FORMAT = "tei-pipeline review decisions"
ACTIONS = ("accept", "reject", "edit")
REVIEW_RESP = "review of name corrections and unclear readings"
UNREVIEWED = "tei-pipeline (unreviewed machine transcription)"
REVIEWED = "tei-pipeline (machine transcription, corrections reviewed by a person)"
MAX_BYTES = 50 * 1024 * 1024  # a decisions file larger than this is not one


@dataclass(frozen=True)
class Entity:
    """The entity a reviewer chose for a name: its id, name and type."""

    id: str
    name: str
    type: str  # person, place, org


@dataclass(frozen=True)
class Decision:
    """One decision on one review item."""

    document: str
    item: int
    kind: ItemKind
    reading: str
    proposed: str
    action: str  # accept, reject, edit
    form: str | None = None  # edit: the right form
    entity: Entity | None = None  # edit: the entity (None: no entity)


@dataclass(frozen=True)
class DecisionsFile:
    """A decisions file: the documents as they were when the page was made, the decisions."""

    digests: dict[str, str]  # document id -> SHA-256 of its TEI when the page was made
    outputs: dict[str, str]  # document id -> its TEI's path in the batch
    decisions: list[Decision]


@dataclass(frozen=True)
class Applied:
    """What apply did."""

    documents: int
    accepted: int
    rejected: int
    edited: int


def read_decisions(path: Path) -> DecisionsFile:
    """Read and check a decisions file; UsageError saying what is wrong."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UsageError(f"{path}: larger than {MAX_BYTES} bytes: not a decisions file")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: cannot read the decisions: {e}") from e
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UsageError(f"{path}: not a decisions file saved from tei-pipeline's review page")
    try:
        documents = data["documents"]
        digests = {str(k): str(v["digest"]) for k, v in documents.items()}
        outputs = {str(k): str(v["output"]) for k, v in documents.items()}
        decisions = [_decision(d) for d in data["decisions"]]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise UsageError(f"{path}: damaged decisions file ({type(e).__name__}: {e})") from e
    seen: set[tuple[str, int]] = set()
    for d in decisions:
        if d.document not in digests:
            raise UsageError(f"{path}: a decision on {d.document!r}, a document it does not list")
        if (d.document, d.item) in seen:
            raise UsageError(f"{path}: two decisions on item {d.item} of {d.document}")
        seen.add((d.document, d.item))
    return DecisionsFile(digests, outputs, decisions)


def _decision(data: dict) -> Decision:
    action = data["decision"]
    if action not in ACTIONS:
        raise ValueError(f"unknown decision {action!r}")
    entity = data.get("entity")
    chosen = None
    if action == "edit" and entity:
        if entity["type"] not in ENTITY_TAG or not re.fullmatch(r"[A-Za-z_][\w.-]*", entity["id"]):
            raise ValueError(f"not an entity: {entity!r}")
        chosen = Entity(str(entity["id"]), str(entity["name"]), str(entity["type"]))
    form = data.get("form")
    if action == "edit" and not (isinstance(form, str) and form.strip()):
        raise ValueError("an edit without a form")
    return Decision(str(data["document"]), int(data["item"]), ItemKind(data["kind"]),
                    str(data["reading"]), str(data["proposed"]), action,
                    " ".join(form.split()) if isinstance(form, str) else None, chosen)


def apply(decisions_path: Path, batch: Path, reviewer: str) -> Applied:
    """Apply the decisions in `decisions_path` to the batch in `batch`, as `reviewer`."""
    reviewer = " ".join(reviewer.split())
    if not reviewer:
        raise UsageError("--reviewer: give the reviewer's name")
    decisions = read_decisions(decisions_path)
    by_document: dict[str, list[Decision]] = {}
    for d in decisions.decisions:
        by_document.setdefault(d.document, []).append(d)
    day = processing_day().isoformat()
    validator = Validator()
    with OutputFolder(batch) as out:
        journal = out.journal_entries()
        report = _read_report(batch)
        rows = _read_corrections(batch)
        written: dict[str, tuple[bytes, Review, list[list[str]], tuple[int, list[str]]]] = {}
        for doc_id, decided in by_document.items():
            name = decisions.outputs[doc_id]
            path = batch / name
            try:
                data = path.read_bytes()
            except OSError as e:
                raise UsageError(f"{path}: cannot read it: {e.strerror or e}") from e
            if hashlib.sha256(data).hexdigest() != decisions.digests[doc_id]:
                raise UsageError(
                    f"{path} has changed since the review page was made (a run or an apply "
                    "since?): make the page again with 'tei-pipeline review' and review it there"
                )
            tree = parse(data)
            before = {item.number: item for item, _ in find_items(tree.getroot())}
            review = apply_to_tree(tree.getroot(), decided, reviewer, day)
            problems = validator.problems(tree, name)
            if problems:
                raise InvalidOutput(
                    f"{name}: the reviewed document does not validate (nothing was written; a "
                    f"bug, please report it): {problems[0]}"
                )
            xml = serialize(tree.getroot())
            doc_rows = _corrections(rows.get(doc_id, []), decided, before, reviewer)
            remaining = find_items(tree.getroot())
            written[doc_id] = (xml, review, doc_rows, _left(remaining))
        if written:  # the schema the documents name, as this version has it
            from pipeline.driver import write_schema

            write_schema(out)
        for doc_id, (xml, review, doc_rows, (review_count, _)) in written.items():
            out.write(decisions.outputs[doc_id], xml)
            # the journal tells a rerun that the document is reviewed; a batch without one (a
            # copy of a folder) gets its entry from the report
            entry = journal.get(doc_id) or _entry_from_report(report, doc_id)
            if entry is not None:
                _update_entry(entry, xml, review, doc_rows, review_count, decided_notes(
                    by_document[doc_id]))
                out.record(entry)
            rows[doc_id] = doc_rows
        _write_report(out, report, written, by_document, rows)
    counts = [w[1] for w in written.values()]
    return Applied(len(written), sum(r.accepted for r in counts),
                   sum(r.rejected for r in counts), sum(r.edited for r in counts))


def _left(items: list[tuple[ReviewItem, etree._Element]]) -> tuple[int, list[str]]:
    names = [i for i, _ in items if i.kind is ItemKind.name]
    return len(names), [i.reading for i in names]


def decided_notes(decided: list[Decision]) -> set[str]:
    """The readings of the names decided: their review notes go."""
    return {d.reading for d in decided if d.kind is ItemKind.name}


# --- the TEI ------------------------------------------------------------------------------


def apply_to_tree(root: etree._Element, decided: list[Decision], reviewer: str,
                  day: str) -> Review:
    """Apply one document's decisions to its tree, in place; what was done.

    UsageError when a decision is about an item the document does not have (as it was when
    the page was made).
    """
    items = {item.number: (item, element) for item, element in find_items(root)}
    resp = "#" + reviewer_id(root, reviewer)
    declared = declared_entities(root)
    ids = {el.get(XML_ID) for el in root.iter() if el.get(XML_ID)}
    counts = {a: 0 for a in ACTIONS}
    for d in decided:
        found = items.get(d.item)
        if found is None or (found[0].kind, found[0].reading, found[0].proposed) != (
                d.kind, d.reading, d.proposed):
            raise UsageError(f"{d.document}: item {d.item} ({d.reading!r}) is not in the "
                             "document as the decisions file saw it")
        item, element = found
        if d.entity is not None and d.entity.id not in declared:
            if d.entity.id in ids:
                raise UsageError(f"{d.document}: item {d.item}: {d.entity.id!r} is the id of "
                                 "something in the document that is no person, place or org")
            _declare(root, d.entity)
            ids.add(d.entity.id)
            declared[d.entity.id] = (d.entity.name, d.entity.type)
        _APPLY[item.kind](element, d, resp)
        counts[d.action] += 1
    _add_change(root, resp, reviewer, day, counts)
    return Review(reviewer, day, counts["accept"], counts["reject"], counts["edit"])


def _correction(element: etree._Element, d: Decision, resp: str) -> None:
    """An app (OCR slip) or choice (typist's error) inside a name, or an ordinary word's app."""
    ours, theirs = (("lem", "rdg") if d.kind is ItemKind.ocr else ("corr", "sic"))
    corrected = element.find(f"tei:{ours}", NS)
    reading = element.find(f"tei:{theirs}", NS)
    assert corrected is not None and reading is not None  # find_items found both
    parent = element.getparent()
    assert parent is not None
    name = parent if etree.QName(parent).localname in ENTITY_TYPES else None
    if d.action == "accept":
        corrected.set("cert", "high")
        corrected.set("resp", resp)
        return
    if d.action == "reject":
        if name is not None:
            name.attrib.pop("ref", None)
        _splice(element, reading)
        return
    if name is not None:
        _set_entity(name, d.entity)
    if d.form == d.reading:
        _splice(element, reading)
        return
    corrected.text = d.form
    corrected.set("cert", "high")
    corrected.set("resp", resp)


def _name(element: etree._Element, d: Decision, resp: str) -> None:
    """A name tagged for review (@cert="low")."""
    if d.action == "reject":  # not the name it was taken for: the words as plain text
        _splice(element, element)
        return
    element.attrib.pop("cert", None)
    if d.action == "edit":
        element = _set_entity(element, d.entity)
        if d.form != d.reading:  # the reviewer's reading of the image, the OCR's kept
            rdg = E("rdg", cause="ocr")
            rdg.text, element.text = element.text, None
            for child in list(element):
                rdg.append(child)
            element.append(E("app", E("lem", d.form, cert="high", resp=resp), rdg, type="ocr"))
            return
    element.set("cert", "high")
    element.set("resp", resp)


def _unclear(element: etree._Element, d: Decision, resp: str) -> None:
    """A line wrapped in unclear."""
    if d.action == "accept":  # it cannot be read better
        element.set("resp", resp)
        element.set("cert", "high")
        return
    if d.action == "reject" or d.form == d.reading:  # read right after all
        _splice(element, element)
        return
    app = E("app", E("lem", d.form, cert="high", resp=resp),
            E("rdg", element.text or "", cause="ocr"), type="ocr")
    app.tail = element.tail
    parent = element.getparent()
    assert parent is not None
    parent.replace(element, app)


_APPLY = {ItemKind.ocr: _correction, ItemKind.typist: _correction, ItemKind.name: _name,
          ItemKind.unclear: _unclear}


def _set_entity(name: etree._Element, entity: Entity | None) -> etree._Element:
    """Point a name at the entity chosen (or at none); its tag follows the entity's type."""
    if entity is None:
        name.attrib.pop("ref", None)
        return name
    name.set("ref", f"#{entity.id}")
    local = etree.QName(name).localname
    if ENTITY_TYPES.get(local) != entity.type:
        name.tag = f"{{{TEI_NS}}}{ENTITY_TAG[entity.type]}"
    return name


def _splice(target: etree._Element, source: etree._Element) -> None:
    """Put `source`'s content (text and children) where `target` stands; `target` goes.

    `source` is `target` itself (unwrap) or a child of it (a reading going back).
    """
    parent = target.getparent()
    assert parent is not None
    index = parent.index(target)
    text, children, tail = source.text or "", list(source), target.tail or ""
    _append_text(parent, index - 1, text)
    parent.remove(target)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    _append_text(parent, index + len(children) - 1, tail)


def _append_text(parent: etree._Element, after: int, text: str) -> None:
    """Add text after the child at index `after` (-1: at the start of the parent's text)."""
    if not text:
        return
    if after < 0:
        parent.text = (parent.text or "") + text
    else:
        child = parent[after]
        child.tail = (child.tail or "") + text


# --- the header ---------------------------------------------------------------------------


def reviewer_id(root: etree._Element, reviewer: str) -> str:
    """The reviewer's xml:id, declared in titleStmt as a respStmt's name when it is new."""
    title_stmt = root.find("tei:teiHeader/tei:fileDesc/tei:titleStmt", NS)
    if title_stmt is None:
        raise UsageError("not a tei-pipeline document: it has no titleStmt")
    for name in title_stmt.iterfind("tei:respStmt/tei:name", NS):
        if name.get(XML_ID) and name.text == reviewer:
            return name.get(XML_ID, "")
    base = "reviewer-" + (re.sub(r"[^a-z0-9]+", "-", reviewer.lower()).strip("-") or "person")
    taken = {el.get(XML_ID) for el in root.iter() if el.get(XML_ID)}
    xml_id = base
    if xml_id in taken:
        xml_id = f"{base}-{hashlib.sha256(reviewer.encode()).hexdigest()[:8]}"
    statements = title_stmt.findall("tei:respStmt", NS)
    statement = E("respStmt", E("resp", REVIEW_RESP), E("name", reviewer, xml_id=xml_id))
    _insert_indented(title_stmt, title_stmt.index(statements[-1]) + 1, statement)
    return xml_id


def _declare(root: etree._Element, entity: Entity) -> None:
    """Declare an entity the reviewer chose in standOff (made when there is none)."""
    stand_off = root.find("tei:standOff", NS)
    if stand_off is None:
        stand_off = E("standOff")
        header = root.find("tei:teiHeader", NS)
        assert header is not None
        _insert_indented(root, root.index(header) + 1, stand_off)
    order = ("person", "place", "org")
    list_tag = {"person": "listPerson", "place": "listPlace", "org": "listOrg"}[entity.type]
    listing = stand_off.find(f"tei:{list_tag}", NS)
    if listing is None:
        listing = E(list_tag)
        at = sum(1 for child in stand_off
                 if etree.QName(child).localname in
                 [f"list{k.capitalize()}" for k in order[:order.index(entity.type)]])
        _insert_indented(stand_off, at, listing)
    element = E(entity.type, E(ENTITY_TAG[entity.type], entity.name), xml_id=entity.id)
    _insert_indented(listing, len(listing), element)


def _add_change(root: etree._Element, resp: str, reviewer: str, day: str,
                counts: dict[str, int]) -> None:
    header = root.find("tei:teiHeader", NS)
    assert header is not None
    revision = header.find("tei:revisionDesc", NS)
    if revision is None:
        raise UsageError("not a tei-pipeline document: it has no revisionDesc")
    if revision.get("status") == "draft":
        revision.set("status", "candidate")
    text = (f"Corrections reviewed by {reviewer} with tei-pipeline review: "
            f"{counts['accept']} accepted, {counts['reject']} rejected, "
            f"{counts['edit']} edited.")
    _insert_indented(revision, 0, E("change", text, when=day, who=resp))  # the latest first
    authority = header.find("tei:fileDesc/tei:publicationStmt/tei:authority", NS)
    if authority is not None and authority.text == UNREVIEWED:
        authority.text = REVIEWED


def _insert_indented(parent: etree._Element, index: int, child: etree._Element) -> None:
    """Insert `child` (and what is in it) with the indentation of the pretty-printed file."""
    depth = sum(1 for _ in parent.iterancestors()) + 1
    _indent(child, depth)
    if len(parent) == 0:
        parent.text = "\n" + "  " * depth
        child.tail = "\n" + "  " * (depth - 1)
    elif index >= len(parent):
        last = parent[-1]
        child.tail = last.tail
        last.tail = "\n" + "  " * depth
    else:
        child.tail = "\n" + "  " * depth
    parent.insert(index, child)


def _indent(element: etree._Element, depth: int) -> None:
    children = list(element)
    if not children or (element.text or "").strip():
        return
    element.text = "\n" + "  " * (depth + 1)
    for child in children:
        _indent(child, depth + 1)
        child.tail = "\n" + "  " * (depth + 1)
    children[-1].tail = "\n" + "  " * depth


# --- report, journal, corrections.csv -----------------------------------------------------


def serialize(root: etree._Element) -> bytes:
    """The document's bytes as `run` writes them: declaration, xml-model lines, the tree."""
    head = [b"<?xml version='1.0' encoding='UTF-8'?>\n"]
    for node in reversed(list(root.itersiblings(preceding=True))):
        head.append(etree.tostring(node, encoding="UTF-8").rstrip() + b"\n")
    return b"".join(head) + etree.tostring(root, encoding="UTF-8") + b"\n"


def _read_corrections(batch: Path) -> dict[str, list[list[str]]]:
    rows: dict[str, list[list[str]]] = {}
    try:
        text = (batch / "corrections.csv").read_text(encoding="utf-8")
    except OSError:
        return rows
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    for row in reader:
        if row:
            rows.setdefault(row[0], []).append(row + [""] * (len(CORRECTION_COLUMNS) - len(row)))
    return rows


def _corrections(rows: list[list[str]], decided: list[Decision], items: dict[int, ReviewItem],
                 reviewer: str) -> list[list[str]]:
    """The document's rows of corrections.csv after the decisions (`items`: as they were)."""
    rows = [list(r) for r in rows]
    gone: set[int] = set()
    added: list[list[str]] = []
    column = {c: i for i, c in enumerate(CORRECTION_COLUMNS)}
    for d in decided:
        item = items[d.item]
        where = ["", ""] if item.page is None else [str(item.page), str(item.line)]
        if d.kind in (ItemKind.ocr, ItemKind.typist):
            at = next((i for i, r in enumerate(rows) if i not in gone and
                       (item.page is None or r[column["page"]:column["line"] + 1] == where) and
                       r[column["original"]] == d.reading and
                       r[column["correction"]] == d.proposed and r[column["reviewer"]] == ""),
                      None)
            if at is None:
                continue
            row = rows[at]
            if d.action == "reject" or (d.action == "edit" and d.form == d.reading):
                gone.add(at)
                continue
            if d.action == "edit":
                row[column["correction"]] = d.form or ""
                row[column["entity_id"]] = d.entity.id if d.entity else ""
            row[column["cert"]] = "high"
            row[column["reviewer"]] = reviewer
        elif d.kind is ItemKind.name and d.action == "edit" and d.form != d.reading:
            row = [""] * len(CORRECTION_COLUMNS)
            row[column["document"]] = d.document
            row[column["page"]], row[column["line"]] = where
            row[column["original"]], row[column["correction"]] = d.reading, d.form or ""
            row[column["entity_id"]] = d.entity.id if d.entity else ""
            row[column["cert"]], row[column["error"]] = "high", "ocr"
            row[column["reviewer"]] = reviewer
            added.append(row)
    return [r for i, r in enumerate(rows) if i not in gone] + added


def _update_entry(entry: DocumentEntry, xml: bytes, review: Review, rows: list[list[str]],
                  review_count: int, decided_names: set[str]) -> None:
    entry.digest = hashlib.sha256(xml).hexdigest()
    entry.correction_rows = rows
    entry.corrections = len(rows)
    entry.review = review_count
    entry.review_notes = [n for n in entry.review_notes if not _note_for(n, decided_names)]
    entry.reviews.append(review)


def _note_for(note: str, names: set[str]) -> bool:
    """A review note ("page 1 line 22: Allen: why") about one of these names."""
    parts = note.split(": ", 2)
    return len(parts) == 3 and parts[1] in names


def _read_report(batch: Path) -> dict | None:
    try:
        report = json.loads((batch / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def _entry_from_report(report: dict | None, doc_id: str) -> DocumentEntry | None:
    for doc in (report or {}).get("documents", []):
        if isinstance(doc, dict) and doc.get("id") == doc_id:
            try:
                return DocumentEntry.from_dict(doc)
            except ValueError:
                return None
    return None


def _write_report(out: OutputFolder, report: dict | None, written: dict, by_document: dict,
                  rows: dict[str, list[list[str]]]) -> None:
    """report.json's entries of the documents reviewed, and corrections.csv, brought up to date."""
    if report is not None:
        for doc in report.get("documents", []):
            if doc.get("id") not in written:
                continue
            _, review, doc_rows, (review_count, _) = written[doc["id"]]
            doc["corrections"] = len(doc_rows)
            doc["review"] = review_count
            names = decided_notes(by_document[doc["id"]])
            doc["review_notes"] = [n for n in doc.get("review_notes", [])
                                   if not _note_for(n, names)]
            doc.setdefault("reviews", []).append(review.public())
        summary = report.get("summary")
        if isinstance(summary, dict):
            summary["corrections"] = sum(d.get("corrections", 0)
                                         for d in report.get("documents", []))
        out.write("report.json", json.dumps(report, indent=2, ensure_ascii=False)
                  .encode("utf-8", "backslashreplace") + b"\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CORRECTION_COLUMNS)
    order = [d.get("id") for d in report.get("documents", [])] if report is not None else []
    for doc_id in [*[o for o in order if o in rows], *[k for k in rows if k not in order]]:
        writer.writerows(rows[doc_id])
    out.write("corrections.csv", buffer.getvalue().encode("utf-8"))
