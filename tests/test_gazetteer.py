"""Loading gazetteers: CSV, TEI and plain lists; clear errors for malformed files; XXE refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import gazetteer as gz
from pipeline.exceptions import BadGazetteer, UsageError
from pipeline.gazetteer import Entity, Gazetteer

HEADER = "id,name,type,variants\n"
SMALL = (
    HEADER
    + "reagan-ronald,Ronald Reagan,person,Reagan|R. Reagan\n"
    + "regan-donald,Donald T. Regan,person,Regan|Donald Regan\n"
    + 'washington,Washington,place,"Washington, D.C.|Washington DC"\n'
    + "nsc,National Security Council,org,NSC\n"
)
TEI_NS = "http://www.tei-c.org/ns/1.0"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def bad(paths: list[Path]) -> str:
    """The message of the BadGazetteer that loading raises."""
    with pytest.raises(BadGazetteer) as info:
        Gazetteer.load(paths)
    return str(info.value)


# -- CSV ------------------------------------------------------------------------------------


def test_csv_entities_in_file_order_with_forms(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", SMALL)
    g = Gazetteer.load([path])
    assert list(g.entities) == ["reagan-ronald", "regan-donald", "washington", "nsc"]
    reagan = g.entities["reagan-ronald"]
    assert reagan == Entity(
        "reagan-ronald", "Ronald Reagan", "person", ("Reagan", "R. Reagan"), str(path)
    )
    assert g.entities["washington"].variants == ("Washington, D.C.", "Washington DC")
    assert [e.id for e in g.forms("Regan")] == ["regan-donald"]
    assert [e.id for e in g.forms("Reagan")] == ["reagan-ronald"]
    assert g.forms("reagan") == []  # exact: case matters
    assert g.forms("National Security Council")[0].type == "org"


def test_csv_variants_are_cleaned_and_deduplicated(tmp_path: Path) -> None:
    path = write(
        tmp_path, "g.csv", HEADER + "x,Yuri  Dubinin,person, Dubinin ||Dubinin|Yuri Dubinin\n"
    )
    e = Gazetteer.load([path]).entities["x"]
    assert e.name == "Yuri Dubinin"
    assert e.variants == ("Dubinin",)


def test_csv_columns_in_another_order_and_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "name,id,variants,type\n\nMoscow,moscow,Moskva,place\n\n")
    assert Gazetteer.load([path]).entities["moscow"].variants == ("Moskva",)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "\ufeff" + SMALL)
    assert len(Gazetteer.load([path])) == 4


def test_crlf_line_ends_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", SMALL.replace("\n", "\r\n").encode("utf-8"))
    assert Gazetteer.load([path]).entities["nsc"].variants == ("NSC",)


def test_duplicate_id_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", SMALL + "regan-donald,Someone Else,person,\n")
    message = bad([path])
    assert f"{path}:6:" in message
    assert "duplicate id 'regan-donald'" in message
    assert f"{path}:3" in message  # where it was first defined


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", SMALL)
    second = write(tmp_path, "b.csv", HEADER + "moscow,Moscow,place,\nnsc,NSC,org,\n")
    message = bad([first, second])
    assert f"{second}:3:" in message and f"{first}:5" in message


def test_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "id,name,variants\nx,X,\n")
    message = bad([path])
    assert f"{path}:1:" in message and "'type'" in message


def test_unknown_column(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "id,name,type,varients\nx,X,person,\n")
    message = bad([path])
    assert f"{path}:1:" in message and "varients" in message


def test_empty_name(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", SMALL + "nobody,  ,person,\n")
    message = bad([path])
    assert f"{path}:6:" in message and "empty name" in message


def test_invalid_type(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", HEADER + "x,Xanadu,city,\n")
    message = bad([path])
    assert f"{path}:2:" in message and "invalid type 'city'" in message


def test_invalid_id(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", HEADER + "1st,First,person,\n")
    message = bad([path])
    assert f"{path}:2:" in message and "xml:id" in message


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", HEADER + "washington,Washington, D.C.,place,\n")
    message = bad([path])
    assert f"{path}:2:" in message and "5 fields" in message


def test_line_of_a_record_after_a_quoted_newline(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", HEADER + 'a,"A\nB",person,\nb,B,planet,\n')
    assert f"{path}:4:" in bad([path])


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "g.csv", (SMALL + "walesa,Lech Wa\xb3\xeasa,person,\n").encode("latin-1")
    )
    message = bad([path])
    assert f"{path}:6:" in message and "UTF-8" in message


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    message = bad([missing])
    assert f"{missing}:1:" in message and "cannot read" in message
    assert f"{tmp_path}:1:" in bad([tmp_path])  # a folder


def test_oversized_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "g.csv", SMALL)
    monkeypatch.setattr(gz, "MAX_BYTES", 100)
    message = bad([path])
    assert f"{path}:1:" in message and "larger than" in message and "MB" in message


def test_error_is_a_usage_error_and_a_value_error(tmp_path: Path) -> None:
    path = write(tmp_path, "g.csv", "nothing useful\n")
    with pytest.raises(UsageError):
        Gazetteer.load([write(tmp_path, "h.csv", "id,name\n")])
    with pytest.raises(ValueError):
        Gazetteer.load([path.with_suffix(".csv")])


# -- TEI ------------------------------------------------------------------------------------

TEI = f"""<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="{TEI_NS}">
  <teiHeader><fileDesc><titleStmt><title>names</title></titleStmt>
  <publicationStmt><p/></publicationStmt><sourceDesc><p/></sourceDesc></fileDesc></teiHeader>
  <standOff>
    <listPerson>
      <person xml:id="dubinin-yuri">
        <persName><forename>Yuri</forename> <surname>Dubinin</surname></persName>
        <persName>Y. V. Dubinin</persName>
      </person>
      <person xml:id="regan-donald"><persName>Donald Regan</persName></person>
    </listPerson>
    <listPlace>
      <place xml:id="geneva"><placeName>Geneva</placeName><placeName>Genf</placeName></place>
    </listPlace>
    <listOrg>
      <org xml:id="nsc"><orgName>National Security Council</orgName><orgName>NSC</orgName></org>
    </listOrg>
  </standOff>
</TEI>
"""


def test_tei_lists(tmp_path: Path) -> None:
    g = Gazetteer.load([write(tmp_path, "names.xml", TEI)])
    assert list(g.entities) == ["dubinin-yuri", "regan-donald", "geneva", "nsc"]
    dubinin = g.entities["dubinin-yuri"]
    assert dubinin.name == "Yuri Dubinin" and dubinin.type == "person"
    assert dubinin.variants == ("Y. V. Dubinin", "Dubinin")  # the surname alone too
    assert g.entities["geneva"].variants == ("Genf",)
    assert g.entities["nsc"].type == "org"


def test_tei_without_namespace_and_sniffed_by_content(tmp_path: Path) -> None:
    text = (
        '<lists><listPlace><place xml:id="moscow"><placeName>Moscow</placeName></place>'
        "</listPlace></lists>"
    )
    g = Gazetteer.load([write(tmp_path, "places.names", text)])
    assert g.entities["moscow"].type == "place"


def test_tei_not_well_formed_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "names.tei", TEI.replace("</listPlace>", "</listPlaces>"))
    message = bad([path])
    assert f"{path}:15:" in message and "not well-formed" in message


def test_tei_entry_without_id(tmp_path: Path) -> None:
    path = write(tmp_path, "names.xml", TEI.replace(' xml:id="geneva"', ""))
    message = bad([path])
    assert f"{path}:14:" in message and "xml:id" in message


def test_tei_without_lists(tmp_path: Path) -> None:
    path = write(tmp_path, "names.xml", f'<TEI xmlns="{TEI_NS}"><text/></TEI>')
    assert f"{path}:1:" in bad([path])


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE TEI [<!ENTITY secret SYSTEM "file://{secret}">]>',
        '<!DOCTYPE TEI [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
        '<!DOCTYPE TEI SYSTEM "file://{secret}">',
    ],
)
def test_tei_external_entities_are_refused_and_never_read(tmp_path: Path, doctype: str) -> None:
    secret = write(tmp_path, "secret.txt", "TOP-SECRET-CONTENT-42")
    text = TEI.replace("<TEI ", doctype.format(secret=secret) + "\n<TEI ", 1)
    text = text.replace("<persName>Donald Regan</persName>", "<persName>&secret;</persName>")
    path = write(tmp_path, "evil.xml", text)
    with pytest.raises(BadGazetteer) as info:
        Gazetteer.load([path])
    message = str(info.value)
    assert f"{path}:2:" in message and ("entit" in message or "DTD" in message)
    assert "TOP-SECRET" not in message
    assert "TOP-SECRET" not in repr(info.value.__cause__)


def test_tei_internal_entity_is_refused(tmp_path: Path) -> None:
    text = TEI.replace("<TEI ", '<!DOCTYPE TEI [<!ENTITY dr "Donald Regan">]>\n<TEI ', 1)
    assert "entities" in bad([write(tmp_path, "e.xml", text)])


def test_parser_would_not_expand_entities_either(tmp_path: Path) -> None:
    """The second line of defence: the parser settings resolve no entity and load no DTD."""
    from lxml import etree

    secret = write(tmp_path, "secret.txt", "TOP-SECRET-CONTENT-42")
    data = f'<!DOCTYPE r [<!ENTITY e SYSTEM "file://{secret}">]><r>&e;</r>'.encode()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(data, parser)
    assert b"TOP-SECRET" not in etree.tostring(root)


# -- plain lists and several files --------------------------------------------------------


def test_plain_list_ids_are_made_valid_and_unique(tmp_path: Path) -> None:
    csv_path = write(tmp_path, "g.csv", HEADER + "yuri-dubinin,Yuri Dubinin,person,Dubinin\n")
    plain = write(
        tmp_path,
        "names.txt",
        "# people and places\nYuri Dubinin\n\n1st Army\tor\u0067\nCamp David\tplace\nLech Wałęsa\n",
    )
    g = Gazetteer.load([csv_path, plain])
    assert list(g.entities) == [
        "yuri-dubinin",
        "yuri-dubinin-2",
        "n-1st-army",
        "camp-david",
        "lech-walesa",
    ]
    assert g.entities["yuri-dubinin-2"].variants == ("Dubinin",)  # a person's surname alone
    assert g.entities["camp-david"].type == "place" and g.entities["camp-david"].variants == ()
    assert g.entities["n-1st-army"].type == "org"
    assert g.entities["lech-walesa"].source == str(plain)


def test_plain_list_bad_type(tmp_path: Path) -> None:
    path = write(tmp_path, "names.txt", "Moscow\tcity\n")
    assert f"{path}:1:" in bad([path])


def test_sniffing_a_csv_without_the_extension(tmp_path: Path) -> None:
    g = Gazetteer.load([write(tmp_path, "names.list", SMALL)])
    assert "regan-donald" in g


def test_fingerprint_depends_on_content_only(tmp_path: Path) -> None:
    a = write(tmp_path, "a.csv", SMALL)
    (tmp_path / "other").mkdir()
    b = write(tmp_path / "other", "b.csv", SMALL)
    c = write(tmp_path, "c.csv", SMALL.replace("Reagan|R. Reagan", "Reagan"))
    fa, fb, fc = (Gazetteer.load([p]).fingerprint() for p in (a, b, c))
    assert fa == fb and fa != fc and len(fa) == 64
    assert Gazetteer.load([a]).fingerprint() == fa  # stable


def test_constructor_checks_entities() -> None:
    e = Entity("x", "X", "person", (), "test")
    with pytest.raises(BadGazetteer):
        Gazetteer([e, e])
    with pytest.raises(BadGazetteer):
        Gazetteer([Entity("x", "X", "ship", (), "test")])


def test_large_generated_gazetteer_loads(tmp_path: Path) -> None:
    from corpus.generate import generate

    g = Gazetteer.load([generate(tmp_path / "big.csv", 5_000)])
    assert len(g) == 5_000
    assert all(e.type in gz.TYPES for e in g.entities.values())


# -- the default gazetteer ----------------------------------------------------------------


def test_default_gazetteer() -> None:
    path = Gazetteer.default_path()
    g = Gazetteer.load([])
    assert len(g) >= 450
    assert all(e.source == str(path) for e in g.entities.values())
    assert [e.id for e in g.forms("Regan")] == ["regan-donald"]
    assert [e.id for e in g.forms("Reagan")] == ["reagan-ronald"]
    assert [e.id for e in g.forms("Dubinin")] == ["dubinin-yuri"]
    assert g.fingerprint() == Gazetteer.load([path]).fingerprint()


# -- dates of people --------------------------------------------------------------------------


def test_csv_floruit_column_is_optional(tmp_path: Path) -> None:
    text = (
        "id,name,type,variants,floruit\n"
        "allen-richard,Richard V. Allen,person,Allen,1968-1982\n"
        "stalin-joseph,Joseph Stalin,person,Stalin,1917–1953\n"
        "moscow,Moscow,place,,\n"
        "dubinin-yuri,Yuri Dubinin,person,Dubinin,1986\n"
    )
    g = Gazetteer.load([write(tmp_path, "g.csv", text)])
    assert g["allen-richard"].floruit == (1968, 1982)
    assert g["stalin-joseph"].floruit == (1917, 1953)  # an en dash too
    assert g["moscow"].floruit is None
    assert g["dubinin-yuri"].floruit == (1986, 1986)
    # a gazetteer without dates keeps its fingerprint; dates change it
    plain = Gazetteer.load([write(tmp_path, "p.csv", SMALL)])
    assert plain.fingerprint() == Gazetteer.load([write(tmp_path, "q.csv", SMALL)]).fingerprint()
    undated = text.replace("1968-1982", "")
    assert g.fingerprint() != Gazetteer.load([write(tmp_path, "u.csv", undated)]).fingerprint()


@pytest.mark.parametrize("value", ["1980s", "1989-1981", "soon"])
def test_csv_bad_floruit_names_the_line(tmp_path: Path, value: str) -> None:
    text = f"id,name,type,variants,floruit\nallen-richard,Richard Allen,person,Allen,{value}\n"
    path = write(tmp_path, "g.csv", text)
    message = bad([path])
    assert f"{path}:2:" in message and "floruit" in message


def test_tei_floruit_birth_and_death(tmp_path: Path) -> None:
    text = f"""<TEI xmlns="{TEI_NS}"><text><body><listPerson>
      <person xml:id="allen-richard"><persName>Richard V. Allen</persName>
        <floruit from="1968" to="1982"/></person>
      <person xml:id="stalin-joseph"><persName>Joseph Stalin</persName>
        <birth when="1878-12-18"/><death when="1953-03-05"/></person>
      <person xml:id="nobody"><persName>Nobody</persName></person>
    </listPerson></body></text></TEI>"""
    g = Gazetteer.load([write(tmp_path, "people.xml", text)])
    assert g["allen-richard"].floruit == (1968, 1982)
    assert g["stalin-joseph"].floruit == (1898, 1953)  # from age 20 to death
    assert g["nobody"].floruit is None


def test_default_gazetteer_dates_its_people() -> None:
    g = Gazetteer.load([])
    people = [e for e in g.entities.values() if e.type == "person"]
    dated = [e for e in people if e.floruit is not None]
    assert len(dated) >= 0.99 * len(people)
    assert all(1850 < e.floruit[0] <= e.floruit[1] <= 2030 for e in dated if e.floruit)
    assert g["allen-richard"].floruit is not None and g["allen-richard"].floruit[0] > 1963
    assert all(e.floruit is None for e in g.entities.values() if e.type != "person")
