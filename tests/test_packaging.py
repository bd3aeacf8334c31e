"""What an installed tei-pipeline carries: every package it runs and its schemas, no test code."""

from __future__ import annotations

from fnmatch import fnmatch

import pytest
from setuptools import find_packages

from tests.conftest import REPO


def test_the_install_takes_every_package_and_its_schemas() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    found = config["setuptools"]["packages"]["find"]
    packages = set(find_packages(str(REPO), include=found["include"]))
    on_disk = {
        ".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "pipeline").rglob("__init__.py")
    }
    assert packages == on_disk  # subpackages too (pipeline.structure.profiles)
    data = config["setuptools"]["package-data"]["pipeline"]
    for shipped in ("schema/tei_all.rng", "schema/tei-pipeline.rng", "schema/tei-pipeline.sch",
                    "data/gazetteer.csv", "data/words.txt", "templates/review.html.j2",
                    "templates/review.js", "templates/review.css"):
        assert (REPO / "pipeline" / shipped).is_file()
        assert any(fnmatch(shipped, pattern) for pattern in data), shipped
    assert not (REPO / "pipeline" / "synthetic.py").exists()  # the renderer is test code
