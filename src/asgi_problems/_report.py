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
_SENTRY = ("sentry_sdk", "asgi_problems.integrations.sentry")
_OPENTELEMETRY = ("opentelemetry.trace", "asgi_problems.integrations.opentelemetry")
_REPORTERS = (_SENTRY, _OPENTELEMETRY)


def _integration(package: str, integration: str) -> ModuleType | None:
    """The integration for ``package`` if the app imported it, else None."""
    if package not in sys.modules:
        return None
    return sys.modules.get(integration) or importlib.import_module(integration)


def report(exc: BaseException, problem: Problem, crashed: bool) -> None:
    """Report a server error: ``exc`` was answered with ``problem``; ``crashed`` says
    it was unexpected (an unhandled exception), not a 5xx the app chose."""
    for package, name in _REPORTERS:
        integration = _integration(package, name)
        if integration is None:
            continue
        try:
            integration.report(exc, problem, crashed)
        except Exception:
            # A broken tracker must not cost the client its answer.
            logger.exception("reporting to %s failed", name)


def trace_id() -> str | None:
    """The id of the trace the request is part of, where a tracer knows one."""
    opentelemetry = _integration(*_OPENTELEMETRY)
    found: str | None = None if opentelemetry is None else opentelemetry.trace_id()
    return found
