"""Regenerate docs/status-codes.md from the registry.

python scripts/gen_docs.py          # rewrite docs/status-codes.md
python scripts/gen_docs.py --check  # exit 1 if it is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import asgi_problems
from asgi_problems import STATUSES, Problem

ROOT = Path(__file__).resolve().parent.parent
STATUS_DOC = ROOT / "docs" / "status-codes.md"


def class_names() -> dict[int, str]:
    names = {}
    for name in asgi_problems.__all__:
        obj = getattr(asgi_problems, name)
        if isinstance(obj, type) and issubclass(obj, Problem) and obj is not Problem:
            names[obj.status] = name
    return names


def status_doc() -> str:
    """docs/status-codes.md: every code of the registry, grouped by class."""
    names = class_names()
    groups = {
        1: "1xx Informational",
        2: "2xx Successful",
        3: "3xx Redirection",
        4: "4xx Client Error",
        5: "5xx Server Error",
    }
    lines = [
        "# Status codes",
        "",
        "Every code in `asgi_problems.STATUSES`, with its title (the RFC 9110 reason phrase),",
        "the `Problem` subclass raised for it (4xx and 5xx only) and its description.",
        "Generated from the registry by `scripts/gen_docs.py`; a test keeps it in sync.",
    ]
    for group, heading in groups.items():
        lines += ["", f"## {heading}", "", "| Code | Title | Class | Description |"]
        lines.append("| --- | --- | --- | --- |")
        for code, info in STATUSES.items():
            if code // 100 == group:
                cls = f"`{names[code]}`" if code in names else "-"
                lines.append(f"| {code} | {info.title} | {cls} | {info.description} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    wanted = {STATUS_DOC: status_doc()}
    stale = [
        path
        for path, text in wanted.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python scripts/gen_docs.py")
        return 1 if stale else 0
    STATUS_DOC.parent.mkdir(exist_ok=True)
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
