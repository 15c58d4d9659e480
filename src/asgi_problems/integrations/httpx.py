"""Upstream failures of httpx as gateway problems: 504 for timeouts, 502 for the rest.

Loaded by the core the first time an httpx exception reaches it, so that the
core never imports httpx itself.
"""

from __future__ import annotations

from typing import Any

import httpx

from .._exceptions import BadGateway, GatewayTimeout
from .._problem import Problem
from .._upstream import upstream_problem
from ..client import UPSTREAM_KEY


def _upstream_name(exc: httpx.HTTPError) -> dict[str, Any]:
    # Only a name the user chose: never the URL, host or query of the request.
    try:
        name = exc.request.extensions.get(UPSTREAM_KEY)
    except RuntimeError:  # an exception raised without its request
        return {}
    return {"upstream": name} if isinstance(name, str) and name else {}


def timeout_problem(exc: httpx.TimeoutException) -> Problem:
    return GatewayTimeout(**_upstream_name(exc))


def transport_problem(exc: httpx.RequestError) -> Problem:
    return BadGateway(**_upstream_name(exc))


def status_problem(exc: httpx.HTTPStatusError) -> Problem:
    """``response.raise_for_status()``: 502 for an upstream 5xx, the same 4xx otherwise."""
    # The message names the URL; the client gets the documented description only.
    name = _upstream_name(exc).get("upstream")
    return upstream_problem(exc.response.status_code, None, exc.response.headers, name)


def default_mapping() -> dict[type[BaseException], Any]:
    return {
        httpx.TimeoutException: timeout_problem,
        httpx.RequestError: transport_problem,
        httpx.HTTPStatusError: status_problem,
    }
