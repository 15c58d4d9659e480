"""Tell the error trackers and tracers that the app already uses about a 5xx.

None of them is a dependency: each has an integration module, imported the first
time a server error happens while its library is imported, and nothing is done
for apps that use none of them.
"""

from __future__ import annotations

import importlib
import logging
import sys
from types import ModuleType

from ._problem import Problem

logger = logging.getLogger("asgi_problems")

# The package whose presence turns an integration on, and that integration. Each
# integration module has report(exc, problem, crashed).
_REPORTERS = (
    ("sentry_sdk", "asgi_problems.integrations.sentry"),
    ("opentelemetry.trace", "asgi_problems.integrations.opentelemetry"),
)


def _loaded() -> list[ModuleType]:
    return [
        importlib.import_module(integration)
        for package, integration in _REPORTERS
        if package in sys.modules
    ]


def report(exc: BaseException, problem: Problem, crashed: bool) -> None:
    """Report a server error: ``exc`` was answered with ``problem``; ``crashed`` says
    it was unexpected (an unhandled exception), not a 5xx the app chose."""
    for integration in _loaded():
        try:
            integration.report(exc, problem, crashed)
        except Exception:
            # A broken tracker must not cost the client its answer.
            logger.exception("reporting to %s failed", integration.__name__)


def trace_id() -> str | None:
    """The id of the trace the request is part of, where a tracer knows one."""
    if "opentelemetry.trace" not in sys.modules:
        return None
    opentelemetry = importlib.import_module("asgi_problems.integrations.opentelemetry")
    found: str | None = opentelemetry.trace_id()
    return found
