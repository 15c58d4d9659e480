"""Which integration installs into an app of a framework other than Starlette.

Each integration module has ``accepts(app)`` and ``install(app, error_path)``. It is
imported only when its framework is: an app of a framework can only exist once the
framework is imported.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

# The package whose import turns an integration on, and that integration.
_FRAMEWORKS = (
    ("litestar", "asgi_problems.integrations.litestar"),
    ("quart", "asgi_problems.integrations.quart"),
    ("falcon", "asgi_problems.integrations.falcon"),
    ("ninja", "asgi_problems.integrations.ninja"),
)


def integration_for(app: Any) -> ModuleType | None:
    """The integration that installs into ``app``, if one does."""
    for package, name in _FRAMEWORKS:
        if package in sys.modules:
            integration = importlib.import_module(name)
            if integration.accepts(app):
                return integration
    return None
