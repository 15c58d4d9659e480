"""Compile the gettext catalogs: src/asgi_problems/locales/*/LC_MESSAGES/*.po -> .mo.

    python scripts/compile_catalogs.py   # after editing a .po (make catalogs)

The .mo files are committed, so that the wheel and an editable install carry them;
tests/test_i18n.py fails when one is older than its .po. Translators edit the .po
files with the tools they use (Poedit, Weblate, Babel); asgi_problems.pot is the
template a new language starts from.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "src" / "asgi_problems" / "locales"


def compiled(po: Path) -> bytes:
    """The .mo bytes of one .po file."""
    from io import BytesIO

    with po.open("rb") as source:
        catalog = read_po(source)
    target = BytesIO()
    write_mo(target, catalog, use_fuzzy=False)
    return target.getvalue()


def main() -> int:
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(f"compiled {po.relative_to(LOCALES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
