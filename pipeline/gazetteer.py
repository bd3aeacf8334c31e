"""Load gazetteers (CSV, TEI lists, plain lists) of the people, places and organisations to tag."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.exceptions import BadGazetteer

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["Entity", "Gazetteer", "MAX_BYTES", "TYPES", "paused_gc"]

#: The entity types a gazetteer may use; they become persName, placeName and orgName.
TYPES = ("person", "place", "org")

#: A gazetteer file larger than this is refused before it is read (a mistake, or an attack).
MAX_BYTES = 50 * 1024 * 1024

#: The CSV columns, in the order the default gazetteer writes them.
CSV_COLUMNS = ("id", "name", "type", "variants")
#: Optional CSV columns: ``floruit``, the years a person was active ("1981-1989", "1962").
CSV_OPTIONAL = ("floruit",)

#: From a TEI ``birth`` alone, or with ``death``: the years a person is taken to be active.
ACTIVE_FROM_AGE = 20
ACTIVE_TO_AGE = 90

_YEARS = re.compile(r"^\s*(\d{3,4})\s*(?:[-\u2013/]\s*(\d{3,4})\s*)?$")
_YEAR = re.compile(r"^\s*-?(\d{3,4})")

#: Separator of the forms in the CSV ``variants`` column.
VARIANT_SEPARATOR = "|"

#: An XML NCName restricted to what a reader can type: what ``xml:id`` accepts, ASCII or not.
_NCNAME = re.compile(r"^[^\W\d.\-·][\w.\-·]*$", re.UNICODE)
#: An ASCII id that is an NCName (and ``#id`` a URI) for libxml2 too: no need to ask it.
_ASCII_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")

_TEI_NS = "http://www.tei-c.org/ns/1.0"
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
#: TEI list element -> (entry element, name element, entity type).
_TEI_LISTS = {
    "listPerson": ("person", "persName", "person"),
    "listPlace": ("place", "placeName", "place"),
    "listOrg": ("org", "orgName", "org"),
}

# Leading ENTITY or DOCTYPE with an internal subset or an external id, found before parsing.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


@dataclass(frozen=True)
class Entity:
    """One gazetteer entry: a person, place or organisation and every form that names it."""

    id: str  # a valid xml:id
    name: str  # canonical full name
    type: str  # "person" | "place" | "org"
    variants: tuple[str, ...]  # other forms (surname alone, initials, romanisations); not name
    source: str  # the gazetteer file it came from
    floruit: tuple[int, int] | None = None  # first and last year the person was active

    @property
    def forms(self) -> tuple[str, ...]:
        """The name and its variants: every form as written."""
        return (self.name, *self.variants)


class Gazetteer:
    """Entities by id, in file order, with an exact-form lookup.

    Build one with :meth:`load`; the constructor takes entities already made and checks that
    their ids are unique and valid.
    """

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities: dict[str, Entity] = {}
        self._ids_by_form: dict[str, tuple[str, ...]] | None = None  # built on first use
        for entity in entities:
            if entity.id in self.entities:
                raise BadGazetteer(
                    f"{entity.source}: duplicate id '{entity.id}' "
                    f"(also in {self.entities[entity.id].source})"
                )
            _check_entity(entity)
            self._add(entity)

    def _add(self, entity: Entity) -> None:
        self.entities[entity.id] = entity
        self._ids_by_form = None

    # -- loading ---------------------------------------------------------------------------

    @classmethod
    def default_path(cls) -> Path:
        """The gazetteer shipped in the package."""
        return Path(__file__).resolve().parent / "data" / "gazetteer.csv"

    @classmethod
    def load(cls, paths: Sequence[Path]) -> Gazetteer:
        """Load and merge gazetteer files; no paths means the default shipped gazetteer.

        The format is chosen by extension: ``.csv`` is the ``id,name,type,variants`` table,
        ``.xml`` and ``.tei`` are TEI files with ``listPerson``/``listPlace``/``listOrg``,
        anything else is sniffed (a file starting with ``<`` is TEI, one whose first line is
        the CSV header is CSV) and otherwise read as a plain list, one name per line.
        Ids must be unique across all the files. Any problem raises :class:`BadGazetteer`
        naming the file and line.
        """
        with paused_gc():
            return cls._load([Path(p) for p in paths] or [cls.default_path()])

    @classmethod
    def _load(cls, files: list[Path]) -> Gazetteer:
        gazetteer = cls(())
        where: dict[str, tuple[Path, int]] = {}  # id -> file and line of its first definition
        for path in files:
            text = _read(path)
            kind = _format_of(path, text)
            if kind == "csv":
                rows = _parse_csv(path, text)
            elif kind == "tei":
                rows = _parse_tei(path, text)
            else:
                rows = _parse_plain(path, text, taken=gazetteer.entities.keys())
            for line, entity in rows:
                if entity.id in gazetteer.entities:
                    first, first_line = where[entity.id]
                    raise BadGazetteer(
                        f"{path}:{line}: duplicate id '{entity.id}' "
                        f"(first defined at {first}:{first_line})"
                    )
                where[entity.id] = (path, line)
                gazetteer._add(entity)
        return gazetteer

    # -- queries ---------------------------------------------------------------------------

    def forms(self, text: str) -> list[Entity]:
        """The entities that have ``text`` as their name or a variant, exactly as written.

        The lookup is case-sensitive ("Regan" is not "regan"); matching all-capitals text
        and damaged text is the corrector's work (pipeline.correction).
        """
        return [self.entities[i] for i in self.ids_by_form().get(text, ())]

    def ids_by_form(self) -> dict[str, tuple[str, ...]]:
        """Every form (as written) -> the ids of the entities that have it, in file order.

        Built on first use and kept (the corrector builds its indexes from it).
        """
        if self._ids_by_form is None:
            table: dict[str, tuple[str, ...]] = {}
            get = table.get
            for entity in self.entities.values():
                own = (entity.id,)
                for form in (entity.name, *entity.variants):
                    ids = get(form)
                    if ids is None:
                        table[form] = own
                    elif entity.id not in ids:
                        table[form] = (*ids, entity.id)
            self._ids_by_form = table
        return self._ids_by_form

    def all_forms(self) -> Iterator[tuple[str, Entity]]:
        """Every (form, entity) pair, entities in file order."""
        for entity in self.entities.values():
            for form in entity.forms:
                yield form, entity

    def fingerprint(self) -> str:
        """A sha256 of the entries (ids, names, types, variants, in order), not of file paths.

        Stable across runs and machines: equal when the content is equal, so a batch can
        tell whether documents tagged with an earlier gazetteer must be redone.
        """
        digest = hashlib.sha256(b"tei-pipeline gazetteer 1\n")
        for e in self.entities.values():
            fields: list[object] = [e.id, e.name, e.type, list(e.variants)]
            if e.floruit is not None:  # only then: fingerprints of gazetteers without dates stay
                fields.append(list(e.floruit))
            record = json.dumps(fields, ensure_ascii=False)
            digest.update(record.encode("utf-8"))
            digest.update(b"\n")
        return digest.hexdigest()

    def __len__(self) -> int:
        return len(self.entities)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.entities

    def __getitem__(self, entity_id: str) -> Entity:
        return self.entities[entity_id]

    def __repr__(self) -> str:
        return f"Gazetteer({len(self.entities)} entities)"


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a large index of small objects is built.

    Building one allocates hundreds of thousands of tuples, lists and dicts and no cycles;
    every collection on the way walks all of them again, and so would every full collection
    afterwards, while pages are read (at 100,000 entries that doubled the time to load a
    gazetteer and to index it). So the collector is paused, and at the end what was built
    is frozen (``gc.freeze``: moved where the collector no longer looks; reference counting
    still frees it when it is dropped) and the collector runs again as before.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.freeze()
            gc.enable()


# -- reading files ------------------------------------------------------------------------


def _read(path: Path) -> str:
    """The file's text: size-checked, UTF-8 (a byte-order mark is dropped), newlines unified."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe would hang the run, /dev/zero never end
            raise BadGazetteer(
                f"{path}:1: not a regular file (a pipe, device or folder); give a gazetteer file"
            )
        if info.st_size > MAX_BYTES:
            raise BadGazetteer(
                f"{path}:1: file is {info.st_size:,} bytes, larger than the "
                f"{MAX_BYTES // (1024 * 1024)} MB limit for a gazetteer; split it into parts"
            )
        # O_NONBLOCK: a pipe put in its place since the check does not block the open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)  # never more, whatever the file claims
    except BadGazetteer:
        raise
    except OSError as e:
        raise BadGazetteer(f"{path}:1: cannot read the gazetteer: {e.strerror or e}") from e
    if len(data) > MAX_BYTES:  # grew between stat and read
        raise BadGazetteer(f"{path}:1: file is larger than the gazetteer limit")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise BadGazetteer(
            f"{path}:{line}: not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "save the gazetteer as UTF-8"
        ) from e
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _format_of(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".xml", ".tei"):
        return "tei"
    head = text.lstrip()
    if head.startswith("<"):
        return "tei"
    first = head.split("\n", 1)[0].strip().lower().replace(" ", "")
    if first.startswith("id,name,"):
        return "csv"
    return "plain"


def _parse_csv(path: Path, text: str) -> Iterator[tuple[int, Entity]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadGazetteer(
            f"{path}:1: empty file; expected the header id,name,type,variants"
        ) from None
    except csv.Error as e:
        raise BadGazetteer(f"{path}:1: unreadable CSV header: {e}") from e
    columns = [c.strip().lower() for c in header]
    for c in columns:
        if c not in CSV_COLUMNS and c not in CSV_OPTIONAL:
            raise BadGazetteer(
                f"{path}:1: unknown column '{c}' in the header; expected id,name,type,variants"
                " and optionally floruit"
            )
    for c in CSV_COLUMNS:
        if c not in columns:
            raise BadGazetteer(
                f"{path}:1: header has no '{c}' column; expected id,name,type,variants"
            )
    if len(set(columns)) != len(columns):
        raise BadGazetteer(f"{path}:1: a column is named twice in the header")
    i_id, i_name, i_type, i_variants = (columns.index(c) for c in CSV_COLUMNS)
    i_floruit = columns.index("floruit") if "floruit" in columns else None
    width = len(columns)
    source = str(path)
    previous_end = reader.line_num
    try:
        for row in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if len(row) != width:
                if not row or not "".join(row).strip():
                    continue  # blank line
                raise BadGazetteer(
                    f"{path}:{start}: {len(row)} fields, expected {width} "
                    f"({','.join(columns)}); quote a field that contains a comma"
                )
            variants = row[i_variants]
            floruit = None
            if i_floruit is not None and row[i_floruit].strip():
                floruit = _years(path, start, row[i_floruit])
            yield (
                start,
                _entity(
                    path,
                    start,
                    row[i_id].strip(),
                    _clean(row[i_name]),
                    row[i_type].strip(),
                    variants.split(VARIANT_SEPARATOR) if variants else (),
                    source,
                    floruit,
                    cleaned=_is_clean(variants),
                ),
            )
    except csv.Error as e:
        raise BadGazetteer(f"{path}:{previous_end + 1}: malformed CSV: {e}") from e


def _parse_plain(path: Path, text: str, taken: Iterable[str]) -> Iterator[tuple[int, Entity]]:
    """One name per line; ``#`` starts a comment; an optional tab and type after the name.

    Ids are made from the names (``Yuri Dubinin`` -> ``yuri-dubinin``), unique across the
    files loaded so far. Without a type a name is a person, and a person's last word (when
    the name has several) becomes a variant: the surname alone.
    """
    used = set(taken)
    source = str(path)
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        name_part, _, kind = raw.partition("\t")
        name = _clean(name_part)
        kind = kind.strip() or "person"
        if not name:
            raise BadGazetteer(f"{path}:{number}: empty name")
        variants: list[str] = []
        words = name.split()
        if kind == "person" and len(words) > 1 and len(words[-1]) > 2 and words[-1][0].isupper():
            variants.append(words[-1])
        entity_id = _unique_id(_slug(name), used)
        used.add(entity_id)
        yield number, _entity(path, number, entity_id, name, kind, variants, source)


def _parse_tei(path: Path, text: str) -> Iterator[tuple[int, Entity]]:
    """``listPerson/person/persName`` and the like; ``@xml:id`` is the id.

    Parsed without entity expansion, DTD loading or network access; a document that declares
    entities or names an external DTD is refused, so no file or URL is ever read through it.
    """
    from lxml import etree  # only TEI gazetteers need it

    data = text.encode("utf-8")
    for pattern, what in ((_ENTITY_DECL, "declares entities"), (_DOCTYPE, "has a DOCTYPE")):
        found = pattern.search(data)
        if found is not None and (what == "declares entities" or _dangerous_doctype(data)):
            line = data.count(b"\n", 0, found.start()) + 1
            raise BadGazetteer(
                f"{path}:{line}: the TEI gazetteer {what}; entities and external DTDs are "
                "refused (they could read local files or the network): remove the DOCTYPE"
            )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line = e.lineno or 1
        raise BadGazetteer(f"{path}:{line}: TEI gazetteer is not well-formed XML: {e.msg}") from e
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and (list(dtd.entities()) or tree.docinfo.system_url):
        raise BadGazetteer(f"{path}:1: the TEI gazetteer declares entities; remove the DOCTYPE")
    for node in root.iter(etree.Entity):
        raise BadGazetteer(
            f"{path}:{node.sourceline or 1}: entity reference {node.text} in the TEI gazetteer; "
            "write the character itself"
        )
    source = str(path)
    found_any = False
    for element in root.iter(etree.Element):
        local = etree.QName(element).localname
        if local not in _TEI_LISTS:
            continue
        entry_tag, name_tag, kind = _TEI_LISTS[local]
        for entry in element:
            if not isinstance(entry.tag, str) or etree.QName(entry).localname != entry_tag:
                continue
            found_any = True
            line = entry.sourceline or 1
            names = [
                n for n in entry if isinstance(n.tag, str) and etree.QName(n).localname == name_tag
            ]
            if not names:
                raise BadGazetteer(f"{path}:{line}: <{entry_tag}> without a <{name_tag}>")
            entity_id = entry.get(_XML_ID) or names[0].get(_XML_ID) or ""
            if not entity_id:
                raise BadGazetteer(f"{path}:{line}: <{entry_tag}> without an xml:id")
            forms = [_clean(" ".join(n.itertext())) for n in names]
            variants = forms[1:]
            floruit = None
            if kind == "person":
                for n in names:
                    for s in n.iter(f"{{{_TEI_NS}}}surname", "surname"):
                        variants.append(_clean(" ".join(s.itertext())))
                floruit = _tei_floruit(path, entry)
            yield line, _entity(path, line, entity_id, forms[0], kind, variants, source, floruit)
    if not found_any:
        raise BadGazetteer(
            f"{path}:1: no <person>, <place> or <org> entries in listPerson, listPlace or listOrg"
        )


def _years(path: Path, line: int, text: str) -> tuple[int, int]:
    """``floruit`` of the CSV: "1981-1989" or one year."""
    m = _YEARS.match(text)
    if m is None:
        raise BadGazetteer(
            f"{path}:{line}: floruit '{text.strip()}' is not a year or a range of years "
            "(write it as 1981-1989)"
        )
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else first
    if last < first:
        raise BadGazetteer(f"{path}:{line}: floruit '{text.strip()}' ends before it starts")
    return first, last


def _tei_floruit(path: Path, person: etree._Element) -> tuple[int, int] | None:
    """A TEI person's active years, from ``floruit``, else ``birth`` and ``death``.

    ``floruit`` gives them by ``@when``, ``@from``/``@to`` or ``@notBefore``/``@notAfter``;
    from ``birth`` a person is taken to be active from age ACTIVE_FROM_AGE to death (or to
    age ACTIVE_TO_AGE).
    """
    from lxml import etree

    found: dict[str, list[int]] = {}
    for child in person:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local not in ("floruit", "birth", "death"):
            continue
        years = []
        for attr in ("when", "from", "notBefore", "to", "notAfter"):
            value = child.get(attr)
            if value and (m := _YEAR.match(value)):
                years.append(int(m.group(1)))
        if years:
            found.setdefault(local, []).extend(years)
    if "floruit" in found:
        return min(found["floruit"]), max(found["floruit"])
    if "birth" in found:
        born = min(found["birth"])
        died = max(found["death"]) if "death" in found else born + ACTIVE_TO_AGE
        return born + ACTIVE_FROM_AGE, max(died, born + ACTIVE_FROM_AGE)
    if "death" in found:
        died = max(found["death"])
        return died - (ACTIVE_TO_AGE - ACTIVE_FROM_AGE), died
    return None


def _dangerous_doctype(data: bytes) -> bool:
    """A DOCTYPE with an internal subset or an external identifier (SYSTEM/PUBLIC)."""
    start = _DOCTYPE.search(data)
    if start is None:
        return False
    end = data.find(b">", start.end())
    head = data[start.end() : end if end >= 0 else len(data)]
    return b"[" in head or b"SYSTEM" in head.upper() or b"PUBLIC" in head.upper()


# -- entries ------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Whitespace folded, Unicode NFC."""
    if not text.isascii():
        return unicodedata.normalize("NFC", " ".join(text.split()))
    if "  " in text or text[:1].isspace() or text[-1:].isspace() or not text.isprintable():
        return " ".join(text.split())
    return text


def _is_clean(field: str) -> bool:
    """Every form of a CSV ``variants`` field is as :func:`_clean` would leave it.

    Checked once for the field (most are plain ASCII), not form by form.
    """
    return (
        field.isascii() and field.isprintable() and "  " not in field
        and " |" not in field and "| " not in field
        and field[:1] != " " and field[-1:] != " "
    )


def _entity(
    path: Path,
    line: int,
    entity_id: str,
    name: str,
    kind: str,
    variants: Iterable[str],
    source: str,
    floruit: tuple[int, int] | None = None,
    *,
    cleaned: bool = False,
) -> Entity:
    if not entity_id or not is_xml_id(entity_id):
        if not entity_id:
            raise BadGazetteer(f"{path}:{line}: empty id")
        raise BadGazetteer(
            f"{path}:{line}: id '{entity_id}' is not an XML name, so it cannot be an xml:id "
            "(start with a letter or '_'; then letters, digits, '-', '_', '.')"
        )
    if not name:
        raise BadGazetteer(f"{path}:{line}: empty name for id '{entity_id}'")
    if kind not in TYPES:
        raise BadGazetteer(
            f"{path}:{line}: invalid type '{kind}' for id '{entity_id}'; use person, place or org"
        )
    forms = list(variants) if cleaned else [_clean(v) for v in variants]
    if "" in forms or name in forms or len(set(forms)) != len(forms):
        seen = {name, ""}
        kept: list[str] = []
        for form in forms:
            if form not in seen:
                seen.add(form)
                kept.append(form)
        forms = kept
    return Entity(entity_id, name, kind, tuple(forms), source, floruit)


_ID_CHECK = b"""<element name="x" xmlns="http://relaxng.org/ns/structure/1.0"
  datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <attribute name="id"><data type="NCName"/></attribute>
  <attribute name="ref"><data type="anyURI"/></attribute>
</element>"""


@cache
def _id_schema() -> etree.RelaxNG:
    from lxml import etree

    return etree.RelaxNG(etree.fromstring(_ID_CHECK))


def is_xml_id(text: str) -> bool:
    """Whether `text` can be an ``xml:id`` (and ``#text`` a pointer) in our output.

    Checked by the same engine (libxml2) that validates the output: its XML names are those
    of XML 1.0's fourth edition, narrower than Python's letters (``a²`` or ``aⅰ`` are not).
    """
    if _ASCII_ID.fullmatch(text):
        return True
    if not _NCNAME.match(text):
        return False
    from lxml import etree  # (not loaded for the ASCII ids of most gazetteers)

    return bool(_id_schema().validate(etree.Element("x", id=text, ref=f"#{text}")))


def _check_entity(entity: Entity) -> None:
    if not is_xml_id(entity.id):
        raise BadGazetteer(
            f"{entity.source}: id '{entity.id}' is not an XML name, so it cannot be an xml:id; "
            "use letters, digits, '-', '_' and '.', beginning with a letter"
        )
    if not entity.name:
        raise BadGazetteer(f"{entity.source}: empty name for id '{entity.id}'")
    if entity.type not in TYPES:
        raise BadGazetteer(f"{entity.source}: invalid type '{entity.type}' for id '{entity.id}'")


#: Letters that Unicode decomposition does not reduce to ASCII.
_TRANSLITERATE = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip


def _slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATE))
    ascii_name = folded.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"n-{slug}" if slug else "n"
    return slug


def _unique_id(base: str, used: set[str]) -> str:
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"
