"""The real-scan bench's definition of junk (bench/bench_real.py), where it is its own."""

from __future__ import annotations

import sys

import pytest

from pipeline.gazetteer import Gazetteer
from tests.conftest import REPO


@pytest.fixture(scope="module")
def junk():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import bench_real
    finally:
        sys.path.remove(str(REPO / "bench"))
    return bench_real.Junk(Gazetteer.load([]))


def test_a_short_cryptonym_beside_another_on_its_line_is_no_junk(junk) -> None:
    """"YOBITE" (YO and bite: English words start "yob") on a slug line with AMLASH."""
    slug = ["TYPIC", "YOBITE", "AMLASH", "MHAPRON"]
    assert not junk("YOBITE", agency=True, line=slug)
    assert junk("YOBITE", agency=True, line=["YOBITE", "SAID"])  # no cryptonym beside it
    assert junk("YOBITE", agency=False, line=slug)  # no agency record: no cryptonyms
    assert junk("QXBZTS", agency=True, line=slug)  # no word after its digraph
