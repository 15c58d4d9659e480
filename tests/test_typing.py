"""Type checkers see what the runtime does: mypy --strict and pyright (strict) on
tests/typing/, whose lines marked ``# E: <words>`` must be flagged (naming those
words) and whose other lines must pass."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api as mypy

HERE = Path(__file__).parent / "typing"
FILES = sorted(HERE.glob("*.py"))


def expected(path: Path) -> dict[int, str]:
    """Line number -> the words its error must name."""
    lines = path.read_text().splitlines()
    return {
        number: match.group(1)
        for number, line in enumerate(lines, 1)
        if (match := re.search(r"  # E: (\w+)$", line))
    }


def check(path: Path, found: dict[int, list[str]]) -> None:
    wanted = expected(path)
    assert wanted, f"{path.name} marks no expected error"
    assert sorted(found) == sorted(wanted), f"flagged {sorted(found)}, marked {sorted(wanted)}"
    for line, words in wanted.items():
        assert any(words in message for message in found[line]), (line, found[line])


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_mypy_strict(path: Path) -> None:
    out, err, _ = mypy.run(["--strict", "--no-incremental", "--hide-error-context", str(path)])
    found: dict[int, list[str]] = {}
    for line in out.splitlines():
        match = re.match(rf"(?:.*/)?{re.escape(path.name)}:(\d+): error: (.*)", line)
        if match:
            found.setdefault(int(match.group(1)), []).append(match.group(2))
        else:
            assert line.startswith(("Found ", "Success")), line
    assert not err, err
    check(path, found)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pyright_strict(path: Path) -> None:
    pyright = Path(sys.executable).parent / "pyright"
    done = subprocess.run(
        [str(pyright), "--outputjson", "--pythonpath", sys.executable, str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.stdout, done.stderr
    report = json.loads(done.stdout)
    found: dict[int, list[str]] = {}
    for diagnostic in report["generalDiagnostics"]:
        assert diagnostic["severity"] == "error", diagnostic
        line = diagnostic["range"]["start"]["line"] + 1
        found.setdefault(line, []).append(diagnostic["message"])
    check(path, found)
