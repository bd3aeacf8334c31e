"""Check TEI documents against the project schema (RELAX NG + Schematron) or a full TEI schema."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from lxml import etree, isoschematron


@dataclass(frozen=True)
class Problem:
    """One validation error: where, and what."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def _schema_file(name: str) -> Path:
    return Path(str(resources.files("pipeline") / "schema" / name))


def tei_all_schema() -> Path:
    """The full TEI schema (tei_all, TEI P5 4.12.0, RELAX NG) that ships with the package."""
    return _schema_file("tei_all.rng")


class Validator:
    """A compiled schema; build once (per worker), then validate many documents."""

    def __init__(self, rng: Path | None = None, *, schematron: bool = True) -> None:
        self.name = str(rng) if rng else "tei-pipeline"
        grammar = etree.parse(str(rng or _schema_file("tei-pipeline.rng")))
        self.relaxng = etree.RelaxNG(grammar)
        # The element names the schema knows: an element of another name is wrong anywhere.
        self.elements = frozenset(grammar.xpath(
            "//rng:element/@name", namespaces={"rng": "http://relaxng.org/ns/structure/1.0"}
        ))
        self.schematron = (
            isoschematron.Schematron(
                etree.parse(str(_schema_file("tei-pipeline.sch"))), store_report=True
            )
            if schematron and rng is None
            else None
        )

    def problems(self, doc: etree._Element | etree._ElementTree, file: str = "-") -> list[Problem]:
        """Every error the schema reports, not only the last."""
        return [problem for problem, _ in self.located(doc, file)]

    def located(
        self, doc: etree._Element | etree._ElementTree, file: str = "-"
    ) -> list[tuple[Problem, etree._Element | None]]:
        """Every error with the element it is about (None when the schema does not say)."""
        tree = doc if isinstance(doc, etree._ElementTree) else doc.getroottree()
        found: list[tuple[Problem, etree._Element | None]] = []
        if not self.relaxng.validate(tree):
            found += [
                (Problem(file, e.line, e.message), _element_at(tree, e.path))
                for e in self.relaxng.error_log
            ]
        if self.schematron is not None and not self.schematron.validate(tree):
            report = self.schematron.validation_report
            ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
            for failed in report.iterfind(".//svrl:failed-assert", ns):
                text = " ".join("".join(failed.itertext()).split())
                location = failed.get("location", "")
                element = _element_at(tree, location)
                line = element.sourceline or 0 if element is not None else 0
                found.append((Problem(file, line, f"{text} ({location})"), element))
        return found


def _element_at(tree: etree._ElementTree, location: str | None) -> etree._Element | None:
    if not location:
        return None
    try:
        hits = tree.xpath(location)
    except etree.XPathError:
        return None
    return hits[0] if hits and isinstance(hits, list) and isinstance(hits[0], etree._Element) \
        else None


MAX_REDUCTIONS = 50  # elements reduced to text in one document before it counts as failed


@dataclass(frozen=True)
class Reduction:
    """Markup of a document that failed the schema and was reduced to plain text."""

    element: str  # its local name
    line: int
    problem: str  # what the schema said

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem}: {self.element} reduced to plain text"


def reduce_to_valid(
    tree: etree._ElementTree, validator: Validator, file: str = "-"
) -> tuple[list[Reduction], list[Problem]]:
    """Turn the markup the schema refuses into plain text, in place, until the tree is valid.

    Our own writer's output should always validate; when it does not (a bug), the document is
    not lost: the element the schema names first loses the markup inside it, and if that is
    not enough, its own tags (its text and the text after it stay where they were). Return what
    was reduced, and the problems left when it did not help (then the document fails).
    """
    reduced: list[Reduction] = []
    first = validator.located(tree, file)
    if not first:
        return reduced, []
    unknown = [el for el in tree.getroot().iter(etree.Element)
               if etree.QName(el).localname not in validator.elements][:MAX_REDUCTIONS]
    for element in unknown:  # named by no rule: the schema refuses it wherever it stands
        if element.getparent() is not None:
            said = next((p.message for p, e in first if e is element),
                         f"element {etree.QName(element).localname} is not in the schema")
            reduced.append(Reduction(etree.QName(element).localname, element.sourceline or 0,
                                     said))
            _unwrap(element)
    for _ in range(MAX_REDUCTIONS):
        found = validator.located(tree, file)
        if not found:
            return reduced, []
        problem, element = next(((p, e) for p, e in found if e is not None), found[0])
        if element is None or element.getparent() is None:
            break
        name = etree.QName(element).localname
        reduced.append(Reduction(name, problem.line, problem.message))
        if len(element):
            etree.strip_tags(element, "*")
        else:
            _unwrap(element)
    return reduced, validator.problems(tree, file)


def _unwrap(element: etree._Element) -> None:
    """Replace an element by its content (text and children), joined to what stands around."""
    parent = element.getparent()
    before = element.getprevious()
    if before is not None:
        before.tail = (before.tail or "") + (element.text or "")
    else:
        parent.text = (parent.text or "") + (element.text or "")
    for child in list(element):
        element.addprevious(child)  # moves it, its tail with it
    last = element.getprevious()
    tail = element.tail or ""
    element.tail = None
    parent.remove(element)
    if last is not None:
        last.tail = (last.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def parse_own(xml: bytes) -> etree._ElementTree:
    """Parse the TEI our writer made, to validate it: no entities, no network, no size limit.

    libxml2 refuses a text node over 10 MB unless told (huge_tree); our own bytes, with no
    DTD, cannot hold an entity bomb, so the limit only failed long documents.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True)
    return etree.ElementTree(etree.fromstring(xml, parser))


def check_file(path: Path, validators: list[Validator]) -> list[Problem]:
    """Parse a file safely (no DTD, no entities, no network) and validate it with every validator.

    A DOCTYPE or an entity reference is itself a problem: TEI we write has neither, and a
    schema checks the tree as parsed, so an entity left unexpanded (or expanded by another
    reader into markup the schema forbids, or into a file) would pass unseen.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    if path.exists() and not path.is_file():
        return [Problem(str(path), 0, "not a regular file (a folder, named pipe or device)")]
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as e:
        return [Problem(str(path), e.lineno or 0, f"not well-formed XML: {e.msg}")]
    except OSError as e:
        return [Problem(str(path), 0, f"cannot read: {e.strerror or e}")]
    problems = _declarations(tree, str(path))
    if problems:
        return problems
    for validator in validators:
        problems += validator.problems(tree, str(path))
    return problems


def _declarations(tree: etree._ElementTree, file: str) -> list[Problem]:
    """A DOCTYPE (internal subset or external DTD) and every entity reference, as problems."""
    found: list[Problem] = []
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        found.append(Problem(file, 1, "a DOCTYPE is not allowed: it can declare entities that "
                                      "expand to markup the schema never sees"))
    for entity in tree.iter(etree.Entity):
        found.append(Problem(file, entity.sourceline or 0,
                             f"entity reference {entity.text} is not allowed"))
    return found
