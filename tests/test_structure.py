"""Document structure: furniture, header, participants, paragraphs and speakers."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.exceptions import ExitCode
from tests.conftest import NS, REPO, SEED, assert_tei_all_valid, body_text, run_batch, text_of

MEMOS = REPO / "tests" / "resources" / "memos"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, etree._ElementTree]:
    out = tmp_path_factory.mktemp("structure")
    code, report = run_batch([SEED, MEMOS], out)
    assert code == ExitCode.ok, report
    return {d["id"]: etree.parse(str(out / d["output"])) for d in report["documents"]}


def speakers(tree: etree._ElementTree) -> list[tuple[str | None, str]]:
    """(who, first words) of every body paragraph, dialogue included."""
    found = []
    for el in tree.iterfind(".//t:body/t:div/*", NS):
        if el.tag.endswith("}sp"):
            found.append((el.get("who"), text_of(el)[:40]))
        elif el.tag.endswith("}p"):
            said = el.find("t:said", NS)
            found.append((said.get("who") if said is not None else None, text_of(el)[:40]))
    return found


def test_seed_participants_with_roles_and_sides(outputs) -> None:
    tree = outputs["memcon-1986-06-23.ocr"]
    people = tree.findall(".//t:particDesc/t:listPerson/t:person", NS)
    written = {text_of(p.find("t:persName[@type='asWritten']", NS)): p for p in people}
    assert set(written) == {
        "President Reagan",
        "Chief of Staff Regan",
        "VADM Poindexter",
        "Ambassador Matlock",
        "Deputy Assistant Secretary Simons",
        "D. Zarechnak, Interpreter",  # word for word, the role where it stands
        "Ambassador Dubinin",
    }
    roles = {n: [text_of(r) for r in p.iterfind(".//t:roleName", NS)] for n, p in written.items()}
    assert roles["D. Zarechnak, Interpreter"] == ["Interpreter"]
    assert roles["Chief of Staff Regan"] == ["Chief of Staff"]
    sides = {name: text_of(p.find("t:affiliation", NS)) for name, p in written.items()}
    assert sides["Ambassador Dubinin"] == "Soviet"
    assert {v for k, v in sides.items() if k != "Ambassador Dubinin"} == {"US"}
    ids = {name: p.get(XML_ID) for name, p in written.items()}
    assert (
        ids["President Reagan"] == "reagan-ronald" and ids["Chief of Staff Regan"] == "regan-donald"
    )
    items = tree.findall(".//t:list[@type='participants']/t:item", NS)
    assert len(items) == 7
    assert all(item.find(".//t:persName", NS).get("ref")[1:] in ids.values() for item in items)


def test_seed_date_time_and_title(outputs) -> None:
    tree = outputs["memcon-1986-06-23.ocr"]
    assert tree.find(".//t:opener//t:date", NS).get("when") == "1986-06-23"
    time = tree.find(".//t:opener//t:time", NS)
    assert (time.get("from"), time.get("to")) == ("16:55:00", "17:35:00")
    title = text_of(tree.find(".//t:titleStmt/t:title", NS))
    assert (
        title == "Memorandum of Conversation: President Reagan and Ambassador Dubinin, 1986-06-23"
    )


def test_seed_markings_stamp_and_page_numbers(outputs) -> None:
    tree = outputs["memcon-1986-06-23.ocr"]
    markings = tree.findall(".//t:fw[@type='classification']", NS)
    assert len(markings) == 4
    assert all(
        m.find("t:del[@rend='strikethrough']/t:stamp", NS).get("n") == "SECRET/SENSITIVE"
        for m in markings
    )
    stamp = tree.find(".//t:fw[@type='declassification']/t:stamp", NS)
    assert text_of(stamp.find("t:idno", NS)) == "NLRR FOI 714/5 #8479"
    assert stamp.find("t:date", NS).get("when") == "2007-11-29"
    bibl = tree.find(".//t:sourceDesc/t:bibl", NS)
    assert text_of(bibl.find("t:idno[@type='declassification']", NS)) == "NLRR FOI 714/5 #8479"
    assert [pb.get("n") for pb in tree.iterfind(".//t:pb", NS)] == ["1", "2", "5"]
    assert text_of(tree.find(".//t:fw[@type='pageNum']", NS)) == "- 5 -"
    assert text_of(tree.find(".//t:fw[@type='declassInstruction']", NS)) == "DECL: OADR"


def test_seed_speakers(outputs) -> None:
    found = speakers(outputs["memcon-1986-06-23.ocr"])
    attributed = [who for who, _ in found if who]
    assert len(attributed) >= 0.9 * len(found)
    for who, start in found:
        if who is None:
            continue
        expected = "#reagan-ronald" if "President" in start.split(" ", 2)[:2] else "#dubinin-yuri"
        assert who == expected, start


def test_seed_paragraph_split_by_page_break_stays_one(outputs) -> None:
    tree = outputs["memcon-1986-06-23.ocr"]
    paragraph = next(
        p for p in tree.iterfind(".//t:body//t:p", NS) if "to look at regional" in text_of(p)
    )
    assert paragraph.find(".//t:pb", NS) is not None
    plain = body_text(tree)
    assert "realism. The Soviet Union considers that each country" in plain


def test_seed_closer(outputs) -> None:
    closer = outputs["memcon-1986-06-23.ocr"].find(".//t:closer/t:note[@type='drafting']", NS)
    assert text_of(closer).startswith("Drafted by D. Zarechnak")


def test_dialogue_and_reported_speech(outputs) -> None:
    found = speakers(outputs["memcon-1987-geneva-dialogue"])
    expected = [
        (None, "1. (S) Summary."),
        ("#shevardnadze-eduard", "Shevardnadze: The Soviet side"),
        ("#shultz-george", "Shultz: We welcome that."),
        ("#shevardnadze-eduard", "Shevardnadze The General Secretary"),
        ("#bessmertnykh-aleksandr", "Bessmertnykh added that"),
        (None, "He said that the schedule"),  # a pronoun: never guessed
        ("#shultz-george", "The Secretary said that"),
        ("#nitze-paul", "Nitze noted that"),
        (None, "The Ambassador said that"),  # two ambassadors present
    ]
    assert len(found) == len(expected)
    for (who, start), (want_who, want_start) in zip(found, expected):
        assert start.startswith(want_start) and who == want_who, (start, who)
    tree = outputs["memcon-1987-geneva-dialogue"]
    speaker = tree.find(".//t:sp/t:speaker", NS)
    assert text_of(speaker) == "Shevardnadze:"
    assert text_of(tree.find(".//t:seg[@type='portionMarking']", NS)) == "(S)"
    assert [pb.get("n") for pb in tree.iterfind(".//t:pb", NS)] == ["1", "2"]


def test_white_house_layout(outputs) -> None:
    tree = outputs["memo-1989-reported-speech"]
    people = {p.get(XML_ID): p for p in tree.iterfind(".//t:particDesc//t:person", NS)}
    assert len(people) == 6
    scowcroft = people["scowcroft-brent"]
    assert text_of(scowcroft.find(".//t:roleName", NS)).startswith("Assistant to the President")
    date = tree.find(".//t:opener//t:date", NS)
    assert date.get("when") == "1989-09-21"
    assert date.find("t:time", NS).get("from") == "11:00:00"
    found = dict((start[:12], who) for who, start in speakers(tree))
    assert found["The Presiden"] == "#person-the-president"
    assert found["Shevardnadze"] == "#shevardnadze-eduard"
    assert found["Baker indica"] is not None
    assert found["The Ambassad"] is None
    assert found["It was agree"] is None


def test_markings_never_inside_paragraph_text(outputs) -> None:
    for tree in outputs.values():
        plain = body_text(tree)
        for furniture in ("SECRET", "CONFIDENTIAL", "DECL:", "NLRR", "- 2 -", "- 5 -"):
            assert furniture not in plain


def test_memos_valid_tei(outputs, tei_all, tmp_path: Path) -> None:
    for name, tree in outputs.items():
        path = tmp_path / f"{name}.xml"
        tree.write(str(path))
        assert_tei_all_valid(tei_all, path)


def test_telegram(outputs) -> None:
    tree = outputs["telegram-1986-moscow"]
    assert tree.find(".//t:body/t:div", NS).get("type") == "telegram"
    assert text_of(tree.find(".//t:titleStmt/t:title", NS)).startswith(
        "Telegram MOSCOW 11873: SHEVARDNADZE ON THE SUMMIT"
    )
    assert tree.find(".//t:opener//t:date", NS).get("when") == "1986-06-23"
    assert {s.get("type") for s in tree.iterfind(".//t:opener/t:seg", NS)} >= {
        "from",
        "to",
        "subject",
        "ref",
    }
    stamps = [s.get("n") for s in tree.iterfind(".//t:fw[@type='classification']//t:stamp", NS)]
    assert stamps == ["SECRET", "SECRET", "NODIS"]
    assert text_of(tree.find(".//t:fw[@type='pageNum']", NS)).startswith("PAGE 01")
    assert [who for who, _ in speakers(tree)][:3] == [
        None,
        "#shevardnadze-eduard",
        "#karpov-viktor",
    ]


def test_participants_under_side_sublabels(outputs) -> None:
    tree = outputs["memcon-1985-moscow-sides"]
    sides = {
        text_of(p.find("t:persName[@type='asWritten']", NS)): text_of(p.find("t:affiliation", NS))
        for p in tree.iterfind(".//t:particDesc//t:person", NS)
    }
    assert sides["Ambassador Hartman"] == "U.S."
    assert sides["General Secretary Gorbachev"] == "Soviet"
    assert len(sides) == 6
    found = speakers(tree)
    assert [who for who, _ in found] == [
        "#gorbachev-mikhail", "#person-the-secretary", "#shevardnadze-eduard",
        "#gorbachev-mikhail", "#shultz-george",
    ]


def test_an_executive_order_has_its_title_in_the_opener_and_its_text_in_the_body(outputs) -> None:
    tree = outputs["order-1962-no-header-fields"]
    assert tree.find(".//t:body/t:div", NS).get("type") == "executiveOrder"
    opener = tree.find(".//t:opener", NS)
    assert [s.get("type") for s in opener.iterfind("t:seg", NS)] == [
        "docType", "subject", "subject",
    ]
    assert "WHEREAS" not in text_of(opener)
    paragraphs = [text_of(p) for p in tree.iterfind(".//t:body//t:p", NS)]
    assert paragraphs[0].startswith("WHEREAS") and len(paragraphs) == 4
    title = text_of(tree.find(".//t:titleStmt/t:title", NS))
    assert title.startswith("Executive Order: PROVIDING FOR THE COORDINATION")


def test_running_text_first_means_no_opener(outputs) -> None:
    tree = outputs["letter-1975-no-heading"]
    assert tree.find(".//t:opener", NS) is None
    assert tree.find(".//t:body/t:div", NS).get("type") == "letter"
    assert text_of(tree.find(".//t:body//t:p", NS)).startswith("Dear Mr. Ambassador")


def test_a_records_form_keeps_every_labelled_line_in_the_opener(outputs) -> None:
    tree = outputs["record-form-1999-identification"]
    opener = tree.find(".//t:opener", NS)
    fields = {s.get("n"): text_of(s) for s in opener.iterfind("t:seg[@type='field']", NS)}
    assert fields["RECORD NUMBER"] == "RECORD NUMBER : 119-10021-10330"
    assert fields["DATE OF LAST REVIEW"] == "DATE OF LAST REVIEW : 6/4/1999"
    assert set(fields) >= {"AGENCY", "ORIGINATOR", "TITLE", "PAGES", "CURRENT STATUS", "COMMENTS"}
    assert fields["SUBJECTS"] == "SUBJECTS : |"  # a form's label, not a damaged SUBJECT
    assert opener.find("t:seg[@type='to']", NS) is not None
    assert opener.find("t:dateline/t:date", NS).get("when") == "1985-11-21"
    assert tree.find(".//t:creation/t:date", NS).get("when") == "1985-11-21"
    title = text_of(tree.find(".//t:titleStmt/t:title", NS))
    assert title == "Record Identification Form: Telegram on the Geneva talks, 1985-11-21"
    (paragraph,) = tree.findall(".//t:body//t:p", NS)
    assert text_of(paragraph).startswith("The Ambassador met")


def test_labels_in_capitals_make_no_form_in_a_memo(outputs) -> None:
    """A memo's known labels and a telegram's are not a form: nothing becomes a form field."""
    for name in ("memcon-1987-geneva-dialogue", "telegram-1986-moscow", "memcon-1986-06-23.ocr"):
        assert outputs[name].find(".//t:seg[@type='field']", NS) is None, name


def one_memo(tmp_path: Path, text: str) -> etree._ElementTree:
    """The TEI of one memo given as text (`tmp_path` made if need be)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    memo = tmp_path / "memo.txt"
    memo.write_text(text, encoding="utf-8")
    code, report = run_batch([memo], tmp_path / "out")
    assert code == ExitCode.ok, report
    return etree.parse(str(tmp_path / "out" / report["documents"][0]["output"]))


def test_one_warning_line_above_the_heading_does_not_hide_the_header(tmp_path: Path) -> None:
    """Running text is two lines of prose: a warning line alone above the heading is not."""
    tree = one_memo(
        tmp_path,
        "NATIONAL SECURITY INFORMATION Unauthorized disclosure subject to criminal sanctions\n\n"
        "MEMORANDUM OF CONVERSATION\n\nSUBJECT: Arms control\n\nDATE: May 2, 1983\n\n"
        "The Secretary opened the meeting and said that the talks would go on.\n",
    )
    assert tree.find(".//t:opener/t:seg[@type='docType']", NS) is not None
    assert tree.find(".//t:opener//t:date", NS).get("when") == "1983-05-02"


def portion_marks(tree: etree._ElementTree) -> list[str]:
    return [text_of(s) for s in tree.iterfind(".//t:seg[@type='portionMarking']", NS)]


def test_a_third_item_lettered_c_is_no_confidential_portion_marking(tmp_path: Path) -> None:
    """"(A) ... (B) ... (C)" letters items; "(C)" alone, and "(S)" anywhere, mark portions."""
    listed = one_memo(
        tmp_path / "listed",
        "MEMORANDUM FOR THE PRESIDENT\n\nSUBJECT: Arms control\n\n"
        "The directive asks three things of the agencies:\n"
        "(A) a review of compliance;\n(B) a plan for the talks;\n"
        "(C) a report by May 1.\n\n(S) The Soviet side has not answered.\n",
    )
    assert portion_marks(listed) == ["(S)"]
    assert "(C) a report by May 1." in body_text(listed)
    marked = one_memo(
        tmp_path / "marked",
        "MEMORANDUM FOR THE PRESIDENT\n\nSUBJECT: Arms control\n\n"
        "(C) The talks will resume in May.\n\n(S) The Soviet side has not answered.\n",
    )
    assert portion_marks(marked) == ["(C)", "(S)"]


def test_a_telegrams_marking_of_its_entire_text_is_a_portion_marking(tmp_path: Path) -> None:
    """"1. (C - ENTIRE TEXT)" as typed and as OCR reads it; "the entire text" in prose is not."""
    typed = one_memo(
        tmp_path / "typed",
        "MEMORANDUM FOR THE SECRETARY\n\nSUBJECT: The summit\n\n"
        "1. (LOU - ENTIRE TEXT)\n\n"
        "2. THE EMBASSY SENDS THE ENTIRE TEXT OF THE SPEECH BELOW.\n",
    )
    assert portion_marks(typed) == ["(LOU - ENTIRE TEXT)"]
    read = one_memo(
        tmp_path / "read",
        "MEMORANDUM FOR THE SECRETARY\n\nSUBJECT: The summit\n\n"
        "1, © - ENTIRE TEXT.\n\n2. (C-ENTIRE TEXT) THE TALKS WENT ON.\n",
    )
    assert portion_marks(read) == ["© - ENTIRE TEXT.", "(C-ENTIRE TEXT)"]
    assert "(C-ENTIRE TEXT) THE TALKS WENT ON." in body_text(read)


def test_a_copyright_sign_is_no_confidential_portion_marking(tmp_path: Path) -> None:
    tree = one_memo(
        tmp_path,
        "MEMORANDUM FOR THE SECRETARY\n\nSUBJECT: Press coverage\n\n"
        "(C) The attached article reached the Department today.\n\n"
        "Copyright (C) The Washington Post. All rights reserved.\n\n"
        "(C) 1986 The New York Times Company.\n",
    )
    assert portion_marks(tree) == ["(C)"]
    assert "Copyright (C) The Washington Post" in body_text(tree)


def test_damaged_header_labels_are_read_once_the_header_has_begun(tmp_path: Path) -> None:
    tree = one_memo(
        tmp_path,
        "MEMORANDUM OF CONVERSATION\n\nSUBJFCT: Arms Control Talks\n\nDATF: May 2, 1983\n"
        "TlME: 10:00 - 11:30 a.m.\n\n"
        "The Secretary opened the meeting and said that the talks would go on.\n",
    )
    opener = tree.find(".//t:opener", NS)
    subject = opener.find("t:seg[@type='subject']", NS)
    assert subject.findtext("t:app/t:lem", namespaces=NS) == "SUBJECT"  # mended, recorded
    assert subject.findtext("t:app/t:rdg", namespaces=NS) == "SUBJFCT"
    assert text_of(subject).endswith("SUBJFCT: Arms Control Talks")
    assert opener.find(".//t:date", NS).get("when") == "1983-05-02"
    assert opener.find(".//t:time", NS).get("from") == "10:00:00"
    assert text_of(tree.find(".//t:titleStmt/t:title", NS)).startswith(
        "Memorandum of Conversation: Arms Control Talks"
    )
    paragraphs = [text_of(p) for p in tree.iterfind(".//t:body//t:p", NS)]
    assert paragraphs == ["The Secretary opened the meeting and said that the talks would go on."]


def test_a_memo_and_its_attachment_are_two_divs(tmp_path: Path, tei_all) -> None:
    """A document that begins on a later page gets a div of its own, its page break first."""
    tree = one_memo(
        tmp_path,
        "SECRET\n\nMEMORANDUM FOR THE PRESIDENT\n\nFROM: George P. Shultz\n\n"
        "SUBJECT: Your Meeting with the Soviet Ambassador\n\n"
        "1. The Ambassador will raise the date of the summit.\n\n"
        "2. I recommend that you agree to the date he proposes.\n\nSECRET\n\f"
        "SECRET\n\nMEMORANDUM FOR THE SECRETARY\n\nFROM: Rozanne L. Ridgway\n\n"
        "SUBJECT: Talking Points for the President\n\n"
        "The points below were cleared with the NSC staff.\n\nSECRET\n",
    )
    divs = tree.findall(".//t:body/t:div", NS)
    assert [d.get("type") for d in divs] == ["memorandum", "memorandum"]
    subjects = [text_of(d.find("t:opener/t:seg[@type='subject']", NS)) for d in divs]
    assert subjects == ["SUBJECT: Your Meeting with the Soviet Ambassador",
                        "SUBJECT: Talking Points for the President"]
    second = list(divs[1])
    assert second[0].tag == f"{{{NS['t']}}}pb" and second[0].get("n") == "2"
    assert "cleared with the NSC staff" in text_of(divs[1])
    assert "Talking Points" not in text_of(divs[0])
    # the document is the first memo: its title
    assert "Your Meeting with the Soviet Ambassador" in text_of(
        tree.find(".//t:titleStmt/t:title", NS))
    path = tmp_path / "two.xml"
    tree.write(str(path))
    assert_tei_all_valid(tei_all, path)


FILED = REPO / "tests" / "resources" / "filed"
# Each file's divs: one per document it holds (tests/resources/README.md says what each is).
FILED_DIVS = {
    "telegram-and-reply": ["telegram", "telegram"],
    "memo-with-a-memo-and-a-telegram": ["memorandum", "memorandum", "telegram"],
    "cover-note-then-memo": ["document", "memorandum"],
    "memo-drafted-then-attachment": ["memorandum", "memorandum"],
    "memo-and-attachment-no-page-feeds": ["memorandum", "memorandum"],
    "memcon-header-runs-onto-page-2": ["memorandumOfConversation"],
    "telegram-page-2-repeats-its-labels": ["telegram"],
    "memo-quotes-a-header": ["memorandum"],
    "telegram-repeats-a-telegram": ["telegram"],
    "cover-memo-and-memo-same-subject": ["memorandum", "memorandum"],
    "memo-page-2-repeats-its-header": ["memorandum"],
    "telegram-page-2-number-misread": ["telegram"],
    "telegram-quotes-after-begin-text": ["telegram"],
    "telegram-page-2-opens-with-begin-text": ["telegram"],
    "memo-then-transmittal-form": ["memorandum"],
    "memo-then-routing-slip": ["memorandum"],
    "nsc-memo-and-tab-i-memo-for-the-secretary": ["memorandum", "memorandum"],
    "nsc-memo-and-secretarys-memo-same-day": ["memorandum", "memorandum"],
    "memo-and-staff-memo-with-log-number": ["memorandum", "memorandum"],
    "memo-page-ends-attachments-then-tab": ["memorandum", "memorandum"],
    "telegram-four-pages-page-of": ["telegram"],
    "two-sessions-same-subject-same-day": ["memorandumOfConversation",
                                           "memorandumOfConversation"],
}


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, etree._ElementTree],
                                                             dict[str, list[str]]]:
    out = tmp_path_factory.mktemp("filed")
    code, report = run_batch([FILED], out)
    assert code == ExitCode.ok, report
    trees = {d["id"]: etree.parse(str(out / d["output"])) for d in report["documents"]}
    return trees, {d["id"]: d["notes"] for d in report["documents"]}


@pytest.mark.parametrize("name", sorted(FILED_DIVS))
def test_each_document_filed_together_is_a_div_and_no_other_page_is(filed, name, tei_all,
                                                                     tmp_path: Path) -> None:
    trees, notes = filed
    tree = trees[name]
    divs = tree.findall(".//t:body/t:div", NS)
    assert [d.get("type") for d in divs] == FILED_DIVS[name]
    assert all(d.find("t:opener", NS) is not None for d in divs[1:])
    begins = [n for n in notes[name] if "another document begins here" in n]
    assert len(begins) == len(divs) - 1
    path = tmp_path / f"{name}.xml"
    tree.write(str(path))
    assert_tei_all_valid(tei_all, path)


def test_a_document_filed_before_another_keeps_its_closer_and_its_text(filed) -> None:
    trees, notes = filed
    first, second = trees["memo-drafted-then-attachment"].findall(".//t:body/t:div", NS)
    assert first.find("t:closer/t:note[@type='drafting']", NS) is not None
    assert second.find("t:closer", NS) is None
    quoted = trees["memo-quotes-a-header"].find(".//t:body/t:div", NS)
    assert "3. The duty officer's note to the Division" in text_of(quoted)
    # the page counted as the TEI counts it: a page break inferred in a text file too
    assert notes["memo-and-attachment-no-page-feeds"][0].startswith("page 2: ")
