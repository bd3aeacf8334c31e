"""Name correction: each kind of OCR damage, each guard, the seed memcon, the injected corpus."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline.correction import (
    NameCorrector,
    affixes,
    cert_for,
    cryptonym,
    english_words,
    skeleton,
    span,
    split_word,
)
from pipeline.gazetteer import Entity, Gazetteer
from pipeline.model import Cert, Line, Mention, Page, PageSource, Word, WordRef
from tests.conftest import SEED

ENTRIES = [
    ("reagan-ronald", "Ronald Reagan", "person", ("Reagan", "R. Reagan")),
    ("regan-donald", "Donald T. Regan", "person", ("Regan", "Donald Regan")),
    ("dubinin-yuri", "Yuri Dubinin", "person", ("Dubinin", "Y. Dubinin")),
    ("gorbachev-mikhail", "Mikhail Gorbachev", "person", ("Gorbachev", "M. Gorbachev")),
    ("gorbacheva-raisa", "Raisa Gorbacheva", "person", ("Gorbacheva",)),
    ("dobrynin-anatoly", "Anatoly Dobrynin", "person", ("Dobrynin",)),
    ("shultz-george", "George P. Shultz", "person", ("Shultz", "George Shultz")),
    ("poindexter-john", "John M. Poindexter", "person", ("Poindexter",)),
    ("matlock-jack", "Jack F. Matlock Jr.", "person", ("Matlock", "Jack Matlock")),
    ("simons-thomas", "Thomas W. Simons Jr.", "person", ("Simons", "T. W. Simons")),
    ("zarechnak-dimitri", "Dimitri Zarechnak", "person", ("Zarechnak", "D. Zarechnak")),
    ("baker-james", "James A. Baker III", "person", ("Baker", "James Baker")),
    ("baker-howard", "Howard H. Baker Jr.", "person", ("Baker", "Howard Baker")),
    ("haig-alexander", "Alexander M. Haig Jr.", "person", ("Haig",)),
    ("bush-george", "George H. W. Bush", "person", ("Bush",)),
    ("gromyko-andrei", "Andrei Gromyko", "person", ("Gromyko",)),
    ("sokolov-sergei", "Sergei Sokolov", "person", ("Sokolov",)),
    ("andropov-yuri", "Yuri Andropov", "person", ("Andropov",)),
    ("camp-david", "Camp David", "place", ()),
    ("geneva", "Geneva", "place", ()),
    ("soviet-union", "Soviet Union", "place", ("USSR",)),
    ("united-states", "United States", "place", ("U.S.", "America")),
    ("nsc", "National Security Council", "org", ("NSC",)),
    ("security-council", "Security Council", "org", ()),
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(Entity(i, n, t, v, "test") for i, n, t, v in ENTRIES)


@pytest.fixture(scope="module")
def corrector(gazetteer: Gazetteer) -> NameCorrector:
    return NameCorrector(gazetteer)


def pages_of(*lines: str, conf: float | None = None) -> list[Page]:
    """One page per form feed, one Line per text line, words split on spaces."""
    pages: list[Page] = []
    for number, text in enumerate("\n".join(lines).split("\f"), start=1):
        page_lines = [
            Line(tuple(Word(w, conf=conf) for w in line.split())) for line in text.split("\n")
        ]
        pages.append(Page(number, PageSource("test.txt", number - 1), page_lines))
    return pages


def find(corrector: NameCorrector, *lines: str, conf: float | None = None) -> list[Mention]:
    pages = pages_of(*lines, conf=conf)
    mentions = corrector.find_mentions(pages)
    for m in mentions:  # the invariant a TEI writer relies on
        prefix, suffix = affixes(m, pages)
        words = _words(m, pages)
        assert words[0].startswith(prefix) and words[-1].endswith(suffix)
    return mentions


def _words(m: Mention, pages: Sequence[Page]) -> list[str]:
    return [pages[r.page].lines[r.line].words[r.word].text for r in span(m, pages)]


def only(mentions: list[Mention]) -> Mention:
    assert len(mentions) == 1, mentions
    return mentions[0]


# -- character confusions and case --------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "form", "entity"),
    [
        ("DUbinin", "Dubinin", "dubinin-yuri"),
        ("Gorbachey", "Gorbachev", "gorbachev-mikhail"),
        ("Doprynin", "Dobrynin", "dobrynin-anatoly"),
        ("ZareChnak", "Zarechnak", "zarechnak-dimitri"),
        ("Re@gan", "Reagan", "reagan-ronald"),
        ("Reag4n", "Reagan", "reagan-ronald"),
        ("G0rbachev", "Gorbachev", "gorbachev-mikhail"),
        ("Gorbacliev", "Gorbachev", "gorbachev-mikhail"),  # h read as li
        ("Poindcxter", "Poindexter", "poindexter-john"),
        ("5hultz", "Shultz", "shultz-george"),
        ("dubinin", "Dubinin", "dubinin-yuri"),  # lowercase initial
    ],
)
def test_damaged_word_is_corrected_to_the_form_it_came_from(
    corrector: NameCorrector, damaged: str, form: str, entity: str
) -> None:
    m = only(find(corrector, f"He said that {damaged} would come."))
    assert (m.original, m.corrected, m.entity_id) == (damaged, form, entity)
    assert m.entity_type == "person" and not m.review
    assert m.first == m.last == WordRef(0, 0, 3)


def test_all_capitals_name_is_tagged_not_corrected(corrector: NameCorrector) -> None:
    mentions = find(corrector, "GENERAL SECRETARY GORBACHEV MET SECRETARY SHULTZ IN GENEVA")
    assert [(m.original, m.corrected, m.entity_id) for m in mentions] == [
        ("GORBACHEV", None, "gorbachev-mikhail"),
        ("SHULTZ", None, "shultz-george"),
        ("GENEVA", None, "geneva"),
    ]


def test_damaged_capitals_stay_capitals(corrector: NameCorrector) -> None:
    m = only(find(corrector, "GORBACHEY SAID NO"))
    assert m.corrected == "GORBACHEV"
    m = only(find(corrector, "GORBaCHEV SAID NO"))
    assert m.corrected == "GORBACHEV"


# -- split, merged, hyphenated ------------------------------------------------------------


def test_split_word_is_joined(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Dubin in concluded by saying"))
    assert (m.first, m.last) == (WordRef(0, 0, 0), WordRef(0, 0, 1))
    assert (m.original, m.corrected, m.entity_id) == ("Dubin in", "Dubinin", "dubinin-yuri")
    assert m.cert is Cert.high


def test_split_inside_a_multi_word_name(corrector: NameCorrector) -> None:
    m = only(find(corrector, "We met Yu ri Dubinin there."))
    assert (m.original, m.corrected, m.entity_id) == (
        "Yu ri Dubinin",
        "Yuri Dubinin",
        "dubinin-yuri",
    )


def test_merged_word_is_split(corrector: NameCorrector) -> None:
    m = only(find(corrector, "and PresidentReagan said"))
    assert m.first == m.last == WordRef(0, 0, 1)
    assert (m.original, m.corrected, m.entity_id) == (
        "PresidentReagan",
        "President Reagan",
        "reagan-ronald",
    )


def test_merged_word_with_a_damaged_name(corrector: NameCorrector) -> None:
    m = only(find(corrector, "talks withGorbachey ended"))
    assert (m.corrected, m.entity_id) == ("with Gorbachev", "gorbachev-mikhail")


def test_merged_word_before_a_multi_word_name(corrector: NameCorrector) -> None:
    m = only(find(corrector, "AmbassadorJack Matlock said"))
    assert (m.first, m.last) == (WordRef(0, 0, 0), WordRef(0, 0, 1))
    assert m.corrected == "Ambassador Jack Matlock" and m.entity_id == "matlock-jack"


def test_glued_initials_are_a_convention_and_stay(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Cleared: EUR:TWSimons, Jr."))
    assert (m.original, m.corrected, m.entity_id) == ("Simons", None, "simons-thomas")


def test_hyphenation_at_a_line_end_is_one_mention_not_a_correction(
    corrector: NameCorrector,
) -> None:
    m = only(find(corrector, "the letter from Gorba-", "chev was read"))
    assert (m.first, m.last) == (WordRef(0, 0, 3), WordRef(0, 1, 0))
    assert (m.original, m.corrected, m.entity_id) == ("Gorba-chev", None, "gorbachev-mikhail")


def test_hyphenation_across_a_page_break(corrector: NameCorrector) -> None:
    m = only(find(corrector, "the letter from Gorba-\fchev was read"))
    assert (m.first, m.last) == (WordRef(0, 0, 3), WordRef(1, 0, 0))


def test_hyphenated_and_damaged(corrector: NameCorrector) -> None:
    m = only(find(corrector, "the letter from Gorba-", "chey, it said"))
    assert (m.original, m.corrected) == ("Gorba-chey", "Gorbachev")


def test_a_real_hyphen_at_a_line_end_is_left_alone(corrector: NameCorrector) -> None:
    assert find(corrector, "improving Soviet-", "American relations") == []


# -- suffixes and possessives -------------------------------------------------------------


def test_stray_letter_is_corrected(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Dubinina said that"))
    assert (m.original, m.corrected, m.entity_id) == ("Dubinina", "Dubinin", "dubinin-yuri")


def test_possessive_is_tagged_not_corrected(corrector: NameCorrector) -> None:
    pages = pages_of("Dubinin's letter and Reagan's speech.")
    mentions = corrector.find_mentions(pages)
    assert [(m.original, m.corrected) for m in mentions] == [("Dubinin", None), ("Reagan", None)]
    assert affixes(mentions[1], pages) == ("", "'s")


def test_damaged_possessive_keeps_the_possessive_outside(corrector: NameCorrector) -> None:
    pages = pages_of("(Dubinina's letter)")
    m = only(corrector.find_mentions(pages))
    assert (m.original, m.corrected) == ("Dubinina", "Dubinin")
    assert affixes(m, pages) == ("(", "'s")


def test_plural_is_tagged_not_corrected(corrector: NameCorrector) -> None:
    m = only(find(corrector, "dinner with the Reagans."))
    assert (m.original, m.corrected, m.entity_id) == ("Reagan", None, "reagan-ronald")


def test_form_plus_letter_that_is_another_form_is_not_changed(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Gorbacheva arrived"))
    assert (m.corrected, m.entity_id) == (None, "gorbacheva-raisa")


# -- guards -------------------------------------------------------------------------------


def test_exact_forms_are_never_changed(corrector: NameCorrector) -> None:
    mentions = find(corrector, "Chief of Staff Regan and President Reagan")
    assert [(m.original, m.corrected, m.entity_id) for m in mentions] == [
        ("Regan", None, "regan-donald"),
        ("Reagan", None, "reagan-ronald"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Began the talks at noon.",  # a dictionary word, capitalised
        "He began the talks.",
        "BEGAN THE TALKS",
        "Bcgan the talks.",  # a damaged dictionary word
        "the vast rnajority agreed",
        "American and Soviet experts",  # a proper adjective is not America
        "the Americ an delegation",  # a split ordinary word
        "the g@tes were open",
    ],
)
def test_ordinary_words_are_never_turned_into_names(corrector: NameCorrector, text: str) -> None:
    assert [m for m in find(corrector, text) if m.corrected] == []


def test_dictionary_words_are_in_the_word_list() -> None:
    words = english_words()
    assert {"began", "baker", "summit", "reiterated"} <= words
    assert "reagan" not in words and "gorbachev" not in words


def test_short_words_need_a_higher_score(corrector: NameCorrector) -> None:
    assert only(find(corrector, "General Halg spoke")).corrected == "Haig"  # one confusion
    # one plain edit in four letters: only with support from the context, else review
    hoig = only(find(corrector, "The Hoig report arrived"))
    assert hoig.corrected is None and hoig.review and hoig.entity_id is None
    assert hoig.reason is not None


@pytest.mark.parametrize(
    ("text", "original"),
    [
        ("President Bnsh spoke", "Bnsh"),  # a title before it
        ("Mr. Bussh agreed", "Bussh"),
        ("George Bnsh agreed", "Bnsh"),  # one of his given names
        ("Bush arrived. Later Bnsh agreed", "Bnsh"),  # the same person named elsewhere
    ],
)
def test_short_name_with_one_slip_and_support(
    corrector: NameCorrector, text: str, original: str
) -> None:
    (m,) = [m for m in find(corrector, text) if m.original == original]
    assert m.corrected == "Bush" and m.entity_id == "bush-george" and not m.review
    assert m.slip == "typist"  # no letter-shape confusion explains it


def test_short_name_without_support_is_for_review(corrector: NameCorrector) -> None:
    m = only(find(corrector, "the Bnsh plan"))
    assert m.review and m.corrected is None and m.candidates == ("bush-george",)
    assert find(corrector, "the Bush plan")[0].corrected is None  # exact: never changed
    # an English word one letter off a short name is left alone
    assert [m for m in find(corrector, "President Rush spoke") if m.corrected] == []


@pytest.mark.parametrize(
    ("text", "original", "corrected", "entity"),
    [
        # the given name decides between the two Bakers
        ("Frank Carlucci; Howard Baaker, Chief of Staff", "Howard Baaker", "Howard Baker",
         "baker-howard"),
        # the other words of the form, exact, are the context
        ("They drove to Camp Dvid on Friday", "Camp Dvid", "Camp David", "camp-david"),
        # "Jemes" shares a skeleton with "jerries" (ri/n then rn/m): no bar beside "Baker"
        ("Secretary Jemes Baker; Brent", "Jemes Baker", "James Baker", "baker-james"),
        # the same person named elsewhere; "Bakr" shares a skeleton with "baler" only
        ("James Baker arrived. Later Bakr said", "Bakr", "Baker", "baker-james"),
        # a name in capitals after a title (acronyms aside)
        ("PRESIDENT BNSH SAID", "BNSH", "BUSH", "bush-george"),
    ],
)
def test_short_name_with_a_slip_and_context(
    corrector: NameCorrector, text: str, original: str, corrected: str, entity: str
) -> None:
    (m,) = [m for m in find(corrector, text) if m.original == original]
    assert (m.corrected, m.entity_id, m.review) == (corrected, entity, False)


def test_two_different_slips_of_one_short_name_support_each_other(
    corrector: NameCorrector,
) -> None:
    mentions = find(corrector, "the Bnsh plan and the Bussh budget")
    assert [(m.corrected, m.entity_id) for m in mentions] == [
        ("Bush", "bush-george"), ("Bush", "bush-george"),
    ]
    # one spelling twice may be another name, not in the gazetteer: review
    mentions = find(corrector, "the Bnsh plan and the Bnsh budget")
    assert len(mentions) == 2 and all(m.review and m.corrected is None for m in mentions)


@pytest.mark.parametrize(
    "text",
    [
        "the Baaker plan",  # two Bakers, nothing to choose between them
        "the Bnsh plan",  # one Bush, but nothing in the document supports him
        "Mr. Baker met. The Bnsh plan",  # another person named is no support
    ],
)
def test_short_name_with_a_slip_and_no_context_is_for_review(
    corrector: NameCorrector, text: str
) -> None:
    (m,) = [m for m in find(corrector, text) if m.original in ("Baaker", "Bnsh")]
    assert m.review and m.corrected is None and m.entity_id is None and m.reason


def test_a_title_supports_a_person_not_a_place() -> None:
    corrector = NameCorrector(Gazetteer([
        Entity("rome", "Rome", "place", (), "test"),
        Entity("bush-george", "George H. W. Bush", "person", ("Bush",), "test"),
    ]))
    # "FROM:" with a stray E, after a title at the end of the line before
    assert [m.corrected for m in find(corrector, "MEMORANDUM FOR THE PRESIDENT", "FROME: J.")] == []
    assert [m for m in find(corrector, "THE PRESIDENT FROME SAID") if m.corrected] == []
    assert [m.corrected for m in find(corrector, "PRESIDENT BNSH SAID")] == ["BUSH"]


def test_a_word_hyphenated_at_a_line_end_is_no_name(corrector: NameCorrector) -> None:
    # a listed word's plural, or the plural damaged: not "America"
    for tail in ("ans to state", "@ns to state"):
        assert [m for m in find(corrector, "he asked the Americ-", tail) if m.corrected] == []


def test_an_acronym_gets_no_slip(corrector: NameCorrector) -> None:
    assert find(corrector, "PRESIDENT NSX SAID") == []
    assert [m.corrected for m in find(corrector, "the NSX staff")] == []


@pytest.mark.parametrize(
    "text",
    [
        "the Reggan plan",  # Regan doubled a g, or Reagan changed a letter: review
        "Ronald Reagan and Donald Regan met. Reggan said",  # both named: review
    ],
)
def test_regan_and_reagan_are_never_swapped(corrector: NameCorrector, text: str) -> None:
    mentions = find(corrector, text)
    (m,) = [m for m in mentions if m.original == "Reggan"]
    assert m.review and m.corrected is None
    assert {"reagan-ronald", "regan-donald"} <= set(m.candidates)
    for exact in ("Regan", "Reagan"):  # exact forms are never changed
        assert all(x.corrected is None for x in mentions if x.original == exact)


def test_the_document_decides_regan_or_reagan(corrector: NameCorrector) -> None:
    (m,) = [m for m in find(corrector, "Donald Regan said. Reggan agreed")
            if m.original == "Reggan"]
    assert (m.corrected, m.entity_id) == ("Regan", "regan-donald")
    (m,) = [m for m in find(corrector, "Ronald Reagan said. Reggan agreed")
            if m.original == "Reggan"]
    assert (m.corrected, m.entity_id) == ("Reagan", "reagan-ronald")


def test_a_short_slip_one_confusion_from_a_word_is_only_for_review(
    corrector: NameCorrector,
) -> None:
    # "Bater" is Baker with one slip, or "hater" read with b for h: review, never corrected
    (m,) = [m for m in find(corrector, "James Baker met. Bater said") if m.original == "Bater"]
    assert m.review and m.corrected is None


def test_numbers_and_markings_are_not_candidates(corrector: NameCorrector) -> None:
    assert find(corrector, "NLRR FOI 714/5 #8479 BY AI NARA DATE 11/29/07 DECL: OADR") == []


def test_struck_words_are_not_names(corrector: NameCorrector) -> None:
    page = Page(1, PageSource("t"), [Line((Word("Dubinin", struck=True), Word("said")))])
    assert corrector.find_mentions([page]) == []


def test_titles_are_not_part_of_the_name(corrector: NameCorrector) -> None:
    mentions = find(corrector, "Ambassador Dubinin met General Secretary Gorbachev")
    assert [(m.original, m.first.word) for m in mentions] == [("Dubinin", 1), ("Gorbachev", 5)]


def test_longest_exact_span_wins(corrector: NameCorrector) -> None:
    mentions = find(
        corrector, "the National Security Council and the Security Council met at Camp David"
    )
    assert [(m.original, m.entity_id) for m in mentions] == [
        ("National Security Council", "nsc"),
        ("Security Council", "security-council"),
        ("Camp David", "camp-david"),
    ]


def test_abbreviation_keeps_its_period(corrector: NameCorrector) -> None:
    pages = pages_of("relations with the U.S. were good")
    m = only(corrector.find_mentions(pages))
    assert (m.original, m.entity_id) == ("U.S.", "united-states")
    assert affixes(m, pages) == ("", "")


def test_damaged_word_of_a_multi_word_name(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Yurl Dubinin came"))
    assert (m.original, m.corrected, m.entity_id) == (
        "Yurl Dubinin",
        "Yuri Dubinin",
        "dubinin-yuri",
    )


# -- ties and review ----------------------------------------------------------------------


def test_shared_form_is_sent_for_review(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Baker said no."))
    assert m.review and m.entity_id is None and m.corrected is None
    assert set(m.candidates) == {"baker-james", "baker-howard"}


def test_damaged_shared_form_is_sent_for_review_uncorrected(corrector: NameCorrector) -> None:
    m = only(find(corrector, "Bakcr said no."))
    assert m.review and m.entity_id is None and m.corrected is None and m.original == "Bakcr"


def test_the_document_decides_a_shared_form(corrector: NameCorrector) -> None:
    mentions = find(
        corrector, "Secretary James Baker arrived.", "Later Bakcr said no, and Baker left."
    )
    assert [(m.original, m.corrected, m.entity_id, m.review) for m in mentions] == [
        ("James Baker", None, "baker-james", False),
        ("Bakcr", "Baker", "baker-james", False),
        ("Baker", None, "baker-james", False),
    ]


def test_a_surname_after_another_persons_initial_is_not_that_person(
    corrector: NameCorrector,
) -> None:
    """'J. Reagan' is not Ronald Reagan, 'J. Dubinina' not Yuri Dubinin.

    Review, no link, no correction; the person's own initials still link.
    """
    other, damaged, own, bare = find(
        corrector, "J. Reagan wrote,", "and J. Dubinina replied to R. Reagan", "and Reagan."
    )
    assert (other.original, other.entity_id, other.review) == ("Reagan", None, True)
    assert other.candidates == ("reagan-ronald",)
    assert (damaged.original, damaged.corrected, damaged.entity_id) == ("Dubinina", None, None)
    assert own.entity_id == "reagan-ronald" and not own.review
    assert bare.entity_id == "reagan-ronald" and not bare.review
    # Initials the person has, in any order, are his.
    assert only(find(corrector, "M. P. Shultz")).review
    assert only(find(corrector, "P. Shultz")).entity_id == "shultz-george"


def test_a_surname_after_another_persons_given_name_is_not_that_person(
    corrector: NameCorrector,
) -> None:
    """'Archibald Shultz' is not George P. Shultz: review, no link, no correction."""
    for lines in (["was Archibald SHULTZ, Jr."], ["met Theodore Shultz"], ["ARCHIBALD SHULTZ"],
                  ["contact was Archibald", "Shultz, Jr."]):
        m = only(find(corrector, *lines))
        assert (m.original.upper(), m.entity_id, m.review) == ("SHULTZ", None, True), lines
        assert m.candidates == ("shultz-george",) and m.corrected is None
    # His own given name (or its initial), and words before a surname that are no given
    # names, leave the link alone.
    for text in ("Ron Reagan", "Gerry Shultz", "Frank Shultz", "In Geneva Dubinin said",
                 "On Monday Reagan", "The Reagan years", "American Reagan", "AMBASSADOR DUBININ",
                 "said Reagan", "Mr. Reagan", "(Archibald) Shultz", "Reagan",
                 # titles and words the OCR damaged
                 "Secretarv Shultz", "Ministcr Dubinin", "MEETINGL SHULTZ", "NISTER DUBININ"):
        m = find(corrector, text)[-1]
        assert m.entity_id is not None and not m.review, text


def test_archibald_roosevelt_is_not_franklin_roosevelt() -> None:
    """Found on a real JFK record: 'Archibald ROOSEVELT, Jr.' was linked to FDR."""
    corrector = NameCorrector(Gazetteer.load([]))
    m = only(find(corrector, "was Archibald ROOSEVELT, Jr. ,"))
    assert m.review and m.entity_id is None and m.candidates == ("roosevelt-franklin",)
    assert only(find(corrector, "President Roosevelt")).entity_id == "roosevelt-franklin"


def test_two_entities_within_the_margin_are_a_tie() -> None:
    g = Gazetteer(
        [
            Entity("kostenko-a", "A. Kostenko", "person", ("Kostenko",), "t"),
            Entity("kostanko-b", "B. Kostanko", "person", ("Kostanko",), "t"),
        ]
    )
    m = only(NameCorrector(g).find_mentions(pages_of("then Kostinko said")))
    assert m.review and m.corrected is None and m.entity_id is None
    assert set(m.candidates) == {"kostenko-a", "kostanko-b"}


# -- evidence -----------------------------------------------------------------------------


def test_cert_comes_from_score_and_ocr_confidence(corrector: NameCorrector) -> None:
    assert only(find(corrector, "Gorbachey said", conf=92)).cert is Cert.high
    assert only(find(corrector, "Gorbachey said", conf=30)).cert is Cert.medium
    assert only(find(corrector, "Doprynin said")).cert is Cert.medium
    assert cert_for(96) is Cert.high and cert_for(90) is Cert.medium and cert_for(82) is Cert.low
    assert cert_for(90, [95, 20]) is Cert.low


def test_no_correct_still_tags(gazetteer: Gazetteer) -> None:
    plain = NameCorrector(gazetteer, correct=False)
    mentions = plain.find_mentions(pages_of("Dubinina met Reagan and Dubin in"))
    assert [(m.original, m.corrected, m.entity_id) for m in mentions] == [
        ("Dubinina", None, "dubinin-yuri"),
        ("Reagan", None, "reagan-ronald"),
        ("Dubin in", None, "dubinin-yuri"),
    ]


def test_document_order_across_pages_and_reuse(corrector: NameCorrector) -> None:
    pages = pages_of("Reagan spoke.", "Then Shultz.\fDubinina replied to Regan.")
    first = corrector.find_mentions(pages)
    assert [m.first for m in first] == [
        WordRef(0, 0, 0),
        WordRef(0, 1, 1),
        WordRef(1, 0, 0),
        WordRef(1, 0, 3),
    ]
    assert corrector.find_mentions(pages) == first


def test_split_word_and_skeleton_helpers() -> None:
    assert split_word("(\"Dubinin's,")[1:] == ("Dubinin", "'s,")
    assert split_word("Gorba-") == ("", "Gorba", "-")
    assert skeleton("Gorbachey") == skeleton("G0rbachev") == skeleton("Gorbachev")
    assert skeleton("Regan") != skeleton("Reagan")


# -- the seed memcon ----------------------------------------------------------------------


def seed_pages() -> list[Page]:
    lines = [line for line in SEED.read_text(encoding="utf-8").split("\n") if line.split()]
    return [
        Page(
            1, PageSource(str(SEED)), [Line(tuple(Word(w) for w in line.split())) for line in lines]
        )
    ]


def check_seed(corrector: NameCorrector) -> None:
    pages = seed_pages()
    mentions = corrector.find_mentions(pages)
    words = [(m.original, m.corrected, m.entity_id) for m in mentions]
    text = SEED.read_text(encoding="utf-8")
    assert words.count(("Dubinina", "Dubinin", "dubinin-yuri")) == text.count("Dubinina") == 11
    assert ("Dubin in", "Dubinin", "dubinin-yuri") in words
    assert ("Regan", None, "regan-donald") in words
    assert ("Reagan", None, "reagan-ronald") in words
    assert ("Zarechnak", None, "zarechnak-dimitri") in words or (
        "D. Zarechnak",
        None,
        "zarechnak-dimitri",
    ) in words
    corrected = [m for m in mentions if m.corrected]
    assert {(m.original, m.corrected) for m in corrected} == {
        ("Dubinina", "Dubinin"),
        ("Dubin in", "Dubinin"),
    }
    for m in mentions:  # possessives are tagged, never corrected
        prefix, suffix = affixes(m, pages)
        if suffix.startswith("'s"):
            assert m.corrected is None
    assert sum(1 for m in mentions if affixes(m, pages)[1].startswith("'s")) >= 3


def test_seed_with_a_small_gazetteer(corrector: NameCorrector) -> None:
    check_seed(corrector)


def test_seed_with_the_default_gazetteer() -> None:
    check_seed(NameCorrector(Gazetteer.load([])))


# -- the error-injection corpus -----------------------------------------------------------

CORPUS_SEEDS = (0, 1, 2)


def corpus_result(gazetteer_path: Path):  # type: ignore[no-untyped-def]
    from corpus.evaluate import damaged_corpus, evaluate

    corrector = NameCorrector(Gazetteer.load([gazetteer_path]))
    return evaluate(corrector, damaged_corpus(gazetteer_path, CORPUS_SEEDS))


def assert_goals(result) -> None:  # type: ignore[no-untyped-def]
    assert result.name_events >= 300, result.summary()
    assert result.recall >= 0.98, result.summary() + "\n" + "\n".join(result.missed)
    assert result.precision >= 0.995, result.summary() + "\n" + "\n".join(result.wrong)
    assert result.exact_changed == 0 and result.dictionary_changed == 0, result.wrong
    assert result.other_changed == 0 and result.misnamed == 0, result.wrong
    assert result.intact_tagged == result.intact_names, result.summary()
    lines = "\n".join(result.case_lines())
    assert {"length", "compound", "glued", "short"} <= set(result.cases), lines
    for op, (events, fixed, corrections, right, reviewed) in result.cases.items():
        assert corrections == 0 or right / corrections >= 0.995, (op, lines)
        if op in ("length", "compound", "glued"):
            assert fixed / events >= 0.98, (op, lines)
        if op == "short":  # corrected with support, else for review: never wrong
            assert fixed + reviewed >= 0.6 * events, (op, lines)


def test_corpus_goals_with_the_corpus_gazetteer() -> None:
    from corpus.evaluate import CORPUS_GAZETTEER

    assert_goals(corpus_result(CORPUS_GAZETTEER))


def test_corpus_goals_with_the_default_gazetteer() -> None:
    assert_goals(corpus_result(Gazetteer.default_path()))


def test_injector_is_deterministic_and_injects_every_kind() -> None:
    from corpus.evaluate import CORPUS_GAZETTEER, oracle
    from corpus.inject import inject, memo_paths

    is_form, is_word, entity_of = oracle(Gazetteer.load([CORPUS_GAZETTEER]))
    paths = memo_paths()
    assert len(paths) >= 8

    def run(seed: int) -> list[str]:
        docs = [
            inject(p, seed=seed, is_form=is_form, is_word=is_word, entity_of=entity_of)
            for p in paths
        ]
        return [w.text for d in docs for page in d.pages for line in page.lines for w in line.words]

    assert run(7) == run(7)
    assert run(7) != run(8)
    docs = [inject(p, seed=0, is_form=is_form, is_word=is_word, entity_of=entity_of) for p in paths]
    ops = {e.op for d in docs for e in d.events}
    assert {"confusion", "case", "split", "merge", "suffix", "hyphen"} <= ops
    assert {"length", "compound", "short", "glued"} <= ops  # Names II
    assert any(not e.on_name for d in docs for e in d.events)  # ordinary words damaged too
    assert all(len(p.read_text().split()) >= 300 for p in paths)


def test_injector_short_slips_with_and_without_support() -> None:
    from corpus.evaluate import CORPUS_GAZETTEER, damaged_corpus

    docs = damaged_corpus(CORPUS_GAZETTEER, (0, 1), "short")
    events = [e for d in docs for e in d.events if e.on_name]
    assert {e.op for e in events} == {"short", "short-bare"}
    assert sum(e.op == "short" for e in events) >= 20
    # acronyms the gazetteer writes in capitals get no slip ("NARO" could be any other)
    assert not [e for e in events if e.clean.strip(".,;:()") in {"NATO", "USSR", "SALT"}]


# -- Names II: compounds, length-changing confusions, glued s, dates, names to add ---------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shulz/Gromyko", [("Shulz", "Shultz"), ("Gromyko", None)]),
        ("Shultz-Gr0myko", [("Shultz", None), ("Gr0myko", "Gromyko")]),
        ("Bush-Andropoy", [("Bush", None), ("Andropoy", "Andropov")]),
        ("(Shu1tz-Gromyko)", [("Shu1tz", "Shultz"), ("Gromyko", None)]),
    ],
)
def test_compound_names_split_punctuation_kept(
    corrector: NameCorrector, text: str, expected: list[tuple[str, str | None]]
) -> None:
    mentions = find(corrector, f"the {text} talks")
    assert [(m.original, m.corrected) for m in mentions] == expected
    word = f"{text}"
    rebuilt, at = "", 0
    for m in mentions:  # each name at its place in the word, the rest of the word kept
        assert m.offset is not None and word[m.offset : m.offset + len(m.original)] == m.original
        rebuilt += word[at : m.offset] + (m.corrected or m.original)
        at = m.offset + len(m.original)
    assert "-" in rebuilt + word[at:] or "/" in rebuilt + word[at:]


def test_compound_of_ordinary_words_is_left_alone(corrector: NameCorrector) -> None:
    assert find(corrector, "a long-standing Soviet-American question") == [
        m for m in find(corrector, "a long-standing Soviet-American question") if not m.corrected
    ]


@pytest.mark.parametrize(
    ("damaged", "form"),
    [
        ("Solcolov", "Sokolov"),  # lc for k
        ("Gromylco", "Gromyko"),
        ("Gromyico", "Gromyko"),  # ic for k
        ("Gorbaehev", "Gorbachev"),
        ("Zarechnalc", "Zarechnak"),  # lc for k at the end
        ("Matloclc", "Matlock"),  # ck read as clc
    ],
)
def test_length_changing_confusions(corrector: NameCorrector, damaged: str, form: str) -> None:
    m = only(find(corrector, f"Then {damaged} spoke"))
    assert m.corrected == form and m.slip == "ocr"


def test_glued_s_on_a_damaged_name(corrector: NameCorrector) -> None:
    m = only(find(corrector, "the Dobryinins arrived"))
    assert (m.original, m.corrected, m.entity_id) == ("Dobryinin", "Dobrynin", "dobrynin-anatoly")
    prefix, suffix = affixes(m, pages_of("the Dobryinins arrived"))
    assert (prefix, suffix) == ("", "s")
    assert only(find(corrector, "the Dobrynins arrived")).corrected is None


def test_ocr_slip_or_typists_error(corrector: NameCorrector) -> None:
    assert only(find(corrector, "Gorbachcv said")).slip == "ocr"  # e/c: a letter shape
    assert only(find(corrector, "Shulz said")).slip == "typist"  # a letter left out
    # the OCR itself was unsure: its slip, whatever the edit
    assert only(find(corrector, "Shulz said", conf=30.0)).slip == "ocr"


def test_a_person_not_active_in_the_documents_year_is_for_review() -> None:
    allen = Entity(
        "allen-richard", "Richard V. Allen", "person", ("Allen", "Richard Allen"), "t",
        floruit=(1968, 1982),
    )
    corrector = NameCorrector(Gazetteer([allen]))
    mentions = corrector.find_mentions(pages_of("a column of Allen and Scott"))
    (m,) = corrector.check_dates(mentions, (1963, 1963))
    assert m.review and m.entity_id is None and m.candidates == ("allen-richard",)
    assert m.reason is not None and "1968-1982" in m.reason and "1963" in m.reason
    assert corrector.check_dates(mentions, (1981, 1981)) == mentions
    assert corrector.check_dates(mentions, None) == mentions
    # named in full in the same document: the surname is his
    full = corrector.find_mentions(pages_of("Richard Allen said. Allen added"))
    assert corrector.check_dates(full, (1963, 1963)) == full


def test_names_after_a_title_are_tagged_without_entity(corrector: NameCorrector) -> None:
    mentions = find(corrector, "Ambassador Kvitsinsky met Mr. Abram Chayes and Mr. President")
    unknown = [m for m in mentions if m.unknown]
    assert [m.original for m in unknown] == ["Kvitsinsky", "Abram Chayes"]
    assert all(m.entity_id is None and m.corrected is None for m in unknown)
    # a name of the gazetteer after a title is the gazetteer's
    assert not any(m.unknown for m in find(corrector, "Mr. Shultz said"))


def test_capitals_surnames_in_a_cia_record(corrector: NameCorrector) -> None:
    lines = [
        "The CIA files show that Abram CHAYES was granted clearance on the OSWALD case.",
        "Samuel WISE was named as a friend of the subject (AEACTIVE) in New York.",
        "WISE was a student at Columbia University whose address was known.",
        "HUMAN EVENTS reported as follows with reference to the new regulations.",
    ]
    unknown = [m.original for m in find(corrector, *lines) if m.unknown]
    assert unknown == ["Abram CHAYES", "OSWALD", "Samuel WISE", "WISE"]
    # not a CIA or FBI record: capitals are left alone
    assert not any(m.unknown for m in find(corrector, *lines[2:]))


def test_a_cia_record_files_a_person_surname_first(corrector: NameCorrector) -> None:
    """"SUBJECT: TARASOFF, Anna": the agencies' file form, on a line of no running text."""
    lines = [
        "MEMORANDUM FOR: Chief, CIA Cover Support Desk",
        "SUBJECT: TARASOFF, Anna",
        "SUBJECT: OSWALD, Lee Harvey #35116",
        "SUBJECT: NOFORN, Handle Via Channels",  # a caveat, no surname
        "SUBJECT: REPORT, The Station",  # an English word, and no given name after it
    ]
    unknown = [m.original for m in find(corrector, *lines) if m.unknown]
    assert unknown == ["TARASOFF, Anna", "OSWALD, Lee Harvey"]
    # not a CIA or FBI record: the form is not read
    assert not any(m.unknown for m in find(corrector, "SUBJECT: TARASOFF, Anna"))


@pytest.mark.parametrize(("word", "shaped"), [
    ("AMLASH", True), ("MHAPRON", True), ("ZRRIFLE", True), ("JMWAVE", True),
    ("CHAYES", False),  # "ch" + "ayes": a name that starts as English words do
    ("TARASOFF", False), ("AMlash", False), ("YOBITE", False),  # "yob" starts words
])
def test_cryptonym_shape(word: str, shaped: bool) -> None:
    assert cryptonym(word) is shaped


def test_names_to_add_keep_given_names_and_particles(corrector: NameCorrector) -> None:
    lines = [
        "Mr. O'Neal of the CIA had visited her husband BORIS D. TARASOFF in Mexico.",
        "The file on ANTHONY ADAMOVICZ was sent on (AEACTIVE) as requested before.",
    ]
    unknown = [m.original for m in find(corrector, *lines) if m.unknown]
    assert unknown == ["O'Neal", "BORIS D. TARASOFF", "ANTHONY ADAMOVICZ"]


def test_names_to_add_leave_acronyms_and_caveats(corrector: NameCorrector) -> None:
    lines = [
        "The CIA cable on the ICBM and SACEUR plans was NOFORN and went to Colonel Oliver",
        "North today. Mr. Vlasenko. The office of the station was told of it.",
    ]
    unknown = [m.original for m in find(corrector, *lines) if m.unknown]
    assert unknown == ["Oliver", "Vlasenko"]  # a name is not joined across lines
    assert [m.original for m in find(corrector, "and Colonel Oliver North said") if m.unknown] == [
        "Oliver North"
    ]
