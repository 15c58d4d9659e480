"""The docs stay true: the README's two commands come first and it stays short, the
status-code page matches the registry, and every link between the docs leads somewhere."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from asgi_problems import STATUSES

ROOT = Path(__file__).parent.parent


def gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_status_codes_doc_is_in_sync() -> None:
    doc = (ROOT / "docs" / "status-codes.md").read_text(encoding="utf-8")
    assert gen_docs().status_doc() == doc, "run: python scripts/gen_docs.py"
    for code, info in STATUSES.items():
        assert f"| {code} | {info.title} |" in doc and info.description in doc


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line for line in lines[:15] if line.startswith("make ")]
    assert [c.split()[1] for c in commands] == ["demo", "test"]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert [line for line in ci.splitlines() if line and not line.startswith("#")][-1] == (
        "make test"
    )


def test_readme_is_short_and_links_into_docs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    for page in ("guide", "options", "fastapi", "httpx", "guarantees", "performance"):
        assert f"(docs/{page}.md)" in readme


def test_links_between_the_docs_lead_to_files() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(
            r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")
        ):
            assert (doc.parent / target).is_file(), (doc.name, target)


# Every Python block of the README and docs/ runs as shown, in order within its file
# (later blocks see what earlier ones defined), with top-level await allowed:
# - a statement followed by a comment "# -> VALUE" must give that value (a Python
#   literal or JSON, else its str());
# - a top-level "raise X(...)" must raise X;
# - a statement followed by "# SomeError: text" must raise SomeError, its message
#   starting with that text.
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line number, source) of each ```python block."""
    blocks: list[tuple[int, str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    start: int | None = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if start is None and stripped == "```python":
            start = number + 1
            indent = len(line) - len(line.lstrip())
        elif start is not None and stripped == "```":
            body = [text[indent:] for text in lines[start - 1 : number - 1]]
            blocks.append((start, "\n".join(body) + "\n"))
            start = None
    return blocks


def _expected(text: str) -> Any:
    for parse in (ast.literal_eval, json.loads):
        try:
            return parse(text)
        except (ValueError, SyntaxError):
            pass
    return text


def _comment_after(source_lines: list[str], node: ast.stmt) -> tuple[str, str] | None:
    """The marker that follows a statement: ("->", value) or (error name, message)."""
    end = node.end_lineno or node.lineno
    line = source_lines[end - 1]
    match = re.search(r"#\s*->\s*(.+)$", line)
    if match:
        return "->", match.group(1).strip()
    following = source_lines[end] if end < len(source_lines) else ""
    match = re.match(
        r"\s*#\s*(\w+(?:Error|Exception|Warning)|\w+Problem|[A-Z]\w+):\s*(.*)$", following
    )
    if match:
        return match.group(1), match.group(2).strip()
    return None


async def run_block(source: str, namespace: dict[str, Any], where: str) -> None:
    tree = ast.parse(source)
    lines = source.splitlines()
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for node in tree.body:
        marker = _comment_after(lines, node)
        if isinstance(node, ast.Expr) and marker and marker[0] == "->":
            code = compile(ast.Expression(node.value), where, "eval", flags=flags)
            value = eval(code, namespace)
            if inspect.isawaitable(value):
                value = await value
            wanted = _expected(marker[1])
            shown = value if not isinstance(wanted, str) else str(value)
            assert shown == wanted or repr(value) == marker[1], f"{where}:{node.lineno}: {value!r}"
            continue
        code = compile(ast.Module([node], []), where, "exec", flags=flags)
        expected_error = marker[0] if marker and marker[0] != "->" else None
        if isinstance(node, ast.Raise) and expected_error is None:
            expected_error = "BaseException"
        try:
            result = eval(code, namespace)
            if inspect.isawaitable(result):
                await result
        except BaseException as error:
            if expected_error is None:
                raise AssertionError(f"{where}:{node.lineno} raised {error!r}") from error
            names = [cls.__name__ for cls in type(error).__mro__]
            assert expected_error in names, f"{where}:{node.lineno}: {error!r}"
            if marker and marker[1]:
                assert str(error).startswith(marker[1]), f"{where}:{node.lineno}: {error}"
        else:
            assert expected_error is None, f"{where}:{node.lineno} did not raise {expected_error}"


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
async def test_every_python_block_runs_as_shown(
    path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    # A module of its own, as a user's file would be: frameworks look names up there.
    module = ModuleType(f"docs_{path.stem}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = vars(module)
    for line, source in python_blocks(path):
        await run_block(source, namespace, f"{path.name}:{line}")


def test_the_docs_have_python_blocks() -> None:
    counted = sum(len(python_blocks(path)) for path in DOC_FILES)
    assert counted >= 17
