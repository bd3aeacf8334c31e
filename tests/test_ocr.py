"""The OCR stage's own logic: columns, struck words; and a two-column participants list."""

from __future__ import annotations

from pipeline.model import Box, InputKind, Line, Page, PageSource, Word
from pipeline.ocr import flag_struck, split_columns
from pipeline.structure import analyse


def words(*spec: tuple[str, int, int], y: int = 100) -> tuple[Word, ...]:
    return tuple(Word(text, Box(x0, y, x1, y + 40), 90.0) for text, x0, x1 in spec)


def test_split_columns_at_wide_gaps_keeps_specks_with_their_neighbour() -> None:
    line = Line(
        words(
            ("Washington,", 933, 1252),
            ("D.C.", 1295, 1401),
            ("20520", 1449, 1588),
            ("—", 1609, 1641),
            ("DECLASSIFIED", 2049, 2300),
        )
    )
    speck = Line(words((";", 1300, 1310), ("31", 1416, 1466)))
    plain = Line(words(("after", 300, 420), ("initial", 455, 600)))
    parts = split_columns([line, speck, plain], 2550)
    assert [p.text for p in parts] == [
        "Washington, D.C. 20520 —",
        "DECLASSIFIED",
        "; 31",
        "after initial",
    ]
    assert parts[1].box == Box(2049, 100, 2300, 140)


def test_flag_struck_marks_words_crossed_through_the_middle() -> None:
    line = Line(words(("SECRET/", 1031, 1222), ("SENSITIVE", 1243, 1504), ("MEMO", 1600, 1700)))
    (flagged,) = flag_struck([line], [Box(1013, 118, 1523, 127)])
    assert [w.struck for w in flagged.words] == [True, True, False]
    assert not flag_struck([line], [Box(1013, 300, 1523, 310)])[0].words[0].struck


def test_participants_in_two_columns_take_the_side_of_their_column() -> None:
    rows = [
        words(("MEMORANDUM", 300, 600), ("OF", 620, 680), ("CONVERSATION", 700, 1000), y=400),
        words(("US", 300, 360), ("Participants:", 380, 700), y=500),
        words(("Soviet", 1450, 1600), ("Participants:", 1620, 1950), y=500),
        words(("President", 300, 560), ("Reagan", 590, 760), y=550),
        words(("Ambassador", 1450, 1730), ("Dubinin", 1760, 1950), y=550),
        words(
            ("Chief", 300, 420), ("of", 450, 500), ("Staff", 530, 660), ("Regan", 690, 850), y=600
        ),
        words(
            ("The", 300, 380),
            ("meeting", 410, 600),
            ("began", 630, 780),
            ("at", 800, 850),
            ("once", 880, 990),
            ("with", 1010, 1120),
            ("greetings", 1150, 1400),
            ("and", 1420, 1500),
            ("then", 1530, 1640),
            ("went", 1660, 1780),
            ("on.", 1800, 1880),
            y=750,
        ),
    ]
    page = Page(
        1,
        PageSource("p.png", 0, InputKind.images),
        [Line(w, w[0].box.union(w[-1].box)) for w in rows],
        2550,
        3300,
    )
    structure = analyse([page], [])
    people = {p.name: p.side for p in structure.header.participants}
    assert people == {"Reagan": "US", "Dubinin": "Soviet", "Regan": "US"}
