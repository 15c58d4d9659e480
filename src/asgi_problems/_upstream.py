"""What a gateway answers for an upstream's error: in its own words, passing on only
what the client needs (the headers the status requires, the upstream's name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._exceptions import BadGateway
from ._headers import encode_headers
from ._problem import Problem, for_any_status

# Headers an answer of these statuses must carry (RFC 9110): the only ones of an
# upstream's answer that a gateway passes on.
_REQUIRED_HEADERS = {401: "www-authenticate", 405: "allow", 407: "proxy-authenticate"}


def upstream_problem(
    status: int,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    upstream: str | None = None,
) -> Problem:
    """Our answer to an upstream's error: a 5xx is our bad gateway, a 4xx keeps its
    status (the client's request can't be served here either). Nothing of the
    upstream's answer passes unless given here: ``detail`` (``pass_upstream_detail``),
    the headers its status requires, and the upstream's name, if the user chose one.
    """
    named: dict[str, Any] = {"upstream": upstream} if upstream else {}
    if status >= 500:
        return BadGateway(detail, **named)
    problem = for_any_status(status, detail)
    problem.extensions = named
    required = _REQUIRED_HEADERS.get(status)
    value = None if required is None or headers is None else headers.get(required)
    if required is not None and value is not None:
        # Cleaned, not refused, as for any foreign header.
        problem.headers = {required: value}
        problem.raw_headers = encode_headers(problem.headers, strict=False)
    return problem
