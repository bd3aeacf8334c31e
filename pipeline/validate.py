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
        self.relaxng = etree.RelaxNG(etree.parse(str(rng or _schema_file("tei-pipeline.rng"))))
        self.schematron = (
            isoschematron.Schematron(
                etree.parse(str(_schema_file("tei-pipeline.sch"))), store_report=True
            )
            if schematron and rng is None
            else None
        )

    def problems(self, doc: etree._Element | etree._ElementTree, file: str = "-") -> list[Problem]:
        """Every error the schema reports, not only the last."""
        tree = doc if isinstance(doc, etree._ElementTree) else doc.getroottree()
        found: list[Problem] = []
        if not self.relaxng.validate(tree):
            found += [Problem(file, e.line, e.message) for e in self.relaxng.error_log]
        if self.schematron is not None and not self.schematron.validate(tree):
            report = self.schematron.validation_report
            ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
            for failed in report.iterfind(".//svrl:failed-assert", ns):
                text = " ".join("".join(failed.itertext()).split())
                location = failed.get("location", "")
                found.append(Problem(file, _line_of(tree, location), f"{text} ({location})"))
        return found


def _line_of(tree: etree._ElementTree, location: str) -> int:
    try:
        hits = tree.xpath(location)
    except etree.XPathError:
        return 0
    return hits[0].sourceline or 0 if hits and isinstance(hits[0], etree._Element) else 0


def check_file(path: Path, validators: list[Validator]) -> list[Problem]:
    """Parse a file safely (no entities, no network) and validate it with every validator."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as e:
        return [Problem(str(path), e.lineno or 0, f"not well-formed XML: {e.msg}")]
    except OSError as e:
        return [Problem(str(path), 0, f"cannot read: {e.strerror or e}")]
    problems: list[Problem] = []
    for validator in validators:
        problems += validator.problems(tree, str(path))
    return problems
