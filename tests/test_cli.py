"""The command line, in-process and as a subprocess: exit codes and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.exceptions import ExitCode
from tests.conftest import REPO, SEED


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert "tei-pipeline" in capsys.readouterr().out


def test_usage_error_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["run", str(tmp_path / "missing"), "-o", str(tmp_path / "out"), "-q"])
        == ExitCode.usage_error
    )
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err
    assert main(["run"]) == ExitCode.usage_error


def test_bad_gazetteer_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "g.csv"
    bad.write_text("id,name\nx,Y\n", encoding="utf-8")
    code = main(["run", str(SEED), "-o", str(tmp_path / "out"), "--gazetteer", str(bad), "-q"])
    assert code == ExitCode.usage_error
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


def test_unwritable_output_is_exit_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["run", str(SEED), "-o", str(blocker / "out"), "-q", "--executor", "serial"])
    assert code == ExitCode.output_not_writable
    assert "cannot write" in capsys.readouterr().err


def test_missing_tesseract_is_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    Image.new("L", (50, 50), 255).save(tmp_path / "page.png")
    monkeypatch.setenv("TESSERACT_CMD", str(tmp_path / "no-tesseract-here"))
    code = main(["run", str(tmp_path / "page.png"), "-o", str(tmp_path / "out"), "-q"])
    assert code == ExitCode.missing_dependency
    assert "apt-get install" in capsys.readouterr().err


def test_run_in_process_and_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(SEED), "-o", str(out), "-q", "--executor", "serial"]) == 0
    assert main(["validate", str(out / "memcon-1986-06-23.ocr.xml")]) == 0
    broken = tmp_path / "broken.xml"
    broken.write_text("<TEI xmlns='http://www.tei-c.org/ns/1.0'><text/></TEI>")
    assert main(["validate", str(broken)]) == ExitCode.documents_failed
    out_text = capsys.readouterr().out
    assert f"{broken}:1:" in out_text


def test_subprocess_run_writes_output_and_summary(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "run",
            str(SEED),
            "-o",
            str(tmp_path / "out"),
            "-j",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "memcon-1986-06-23.ocr.xml").is_file()
    assert "1 documents (1 ok" in result.stderr
    assert result.stdout == ""


@pytest.mark.slow
def test_validate_against_full_tei(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--tei-all` with no path takes the tei_all schema that ships in the package."""
    out = tmp_path / "out"
    assert main(["run", str(SEED), "-o", str(out), "-q", "--executor", "serial"]) == 0
    good = out / "memcon-1986-06-23.ocr.xml"
    bad = tmp_path / "bad.xml"
    bad.write_text(
        good.read_text(encoding="utf-8").replace("<body>", "<body><bogus/>", 1), encoding="utf-8"
    )
    assert (
        main(["validate", str(good), str(bad), "--tei-all"]) == ExitCode.documents_failed
    )
    printed = capsys.readouterr().out.splitlines()
    assert printed and all(line.startswith(f"{bad}:") for line in printed)
    assert any("bogus" in line for line in printed)
    # another schema by its path: one that wants a root element the TEI file does not have
    other = tmp_path / "other.rng"
    other.write_text(
        '<element name="other" xmlns="http://relaxng.org/ns/structure/1.0"><empty/></element>',
        encoding="utf-8",
    )
    assert main(["validate", "--tei-all", str(other), str(good)]) == ExitCode.documents_failed
    assert "other" in capsys.readouterr().out


@pytest.mark.parametrize("module", ["pipeline.cli", "argparse"])
def test_ctrl_c_while_the_program_loads_is_an_interruption_not_a_traceback(module: str) -> None:
    """The command's own module (and what it loads) is loaded inside the command."""
    code = (
        "import sys\n"
        "sys.modules.pop('argparse', None)\n"
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "from pipeline.__main__ import console\n"
        "console()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, "run", "x", "-o", "y"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == ExitCode.interrupted
    assert proc.stderr == "tei-pipeline: interrupted; rerun the same command to finish the batch\n"
