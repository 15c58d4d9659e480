"""The docs stay true: the README's two commands come first and it stays short, the
status-code page matches the registry, and every link between the docs leads somewhere."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

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
