"""Upstream failures of httpx or httpx2 as gateway problems: 504 for timeouts, 502
for the rest, and what a gateway answers for an upstream's error status.

Loaded by the core the first time an exception of either package reaches it, for
that package: the core never imports an HTTP client itself. httpx2, the maintained
fork, keeps httpx's exception classes under the same names.
"""

from __future__ import annotations

import importlib
from typing import Any

from .._exceptions import BadGateway, GatewayTimeout
from .._problem import Problem
from .._upstream import upstream_problem
from ..client import UPSTREAM_KEY


def _upstream_name(exc: Any) -> dict[str, Any]:
    # Only a name the user chose: never the URL, host or query of the request.
    try:
        name = exc.request.extensions.get(UPSTREAM_KEY)
    except RuntimeError:  # an exception raised without its request
        return {}
    return {"upstream": name} if isinstance(name, str) and name else {}


def timeout_problem(exc: Exception) -> Problem:
    return GatewayTimeout(**_upstream_name(exc))


def transport_problem(exc: Exception) -> Problem:
    return BadGateway(**_upstream_name(exc))


def status_problem(exc: Any) -> Problem:
    """``response.raise_for_status()``: 502 for an upstream 5xx, the same 4xx otherwise."""
    # The message names the URL; the client gets the documented description only.
    name = _upstream_name(exc).get("upstream")
    return upstream_problem(exc.response.status_code, None, exc.response.headers, name)


def default_mapping(package: str) -> dict[type[BaseException], Any]:
    """The translations of ``package``'s exceptions (``"httpx"`` or ``"httpx2"``)."""
    client = importlib.import_module(package)
    return {
        client.TimeoutException: timeout_problem,
        client.RequestError: transport_problem,
        client.HTTPStatusError: status_problem,
    }
