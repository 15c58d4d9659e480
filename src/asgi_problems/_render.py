"""Problem -> (status, headers, body): the RFC 9457 JSON encoding. Pure; knows no ASGI."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from ._headers import RawHeaders
from ._problem import Problem

CONTENT_TYPE = b"application/problem+json"
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
# Deeper structures than this are cut: a hostile or cyclic extension must not
# cost more than a bounded amount of work on the error path.
_MAX_DEPTH = 32

_encode = json.JSONEncoder(
    ensure_ascii=True,  # escapes non-ASCII and lone surrogates, so the bytes are always valid
    separators=(",", ":"),
    allow_nan=False,
    check_circular=True,
).encode


def _default(value: Any) -> Any:
    """JSON form of a value json cannot encode natively (the documented fallbacks)."""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    return str(value)


def _safe(value: Any, depth: int, seen: frozenset[int]) -> Any:
    """A copy of ``value`` that json can always encode: no NaN, no cycles, bounded depth."""
    if isinstance(value, str) or value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value
    if depth >= _MAX_DEPTH or id(value) in seen:
        return "..."
    inner = seen | {id(value)}
    if isinstance(value, Mapping):
        return {str(k): _safe(v, depth + 1, inner) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v, depth + 1, inner) for v in value]
    return _safe(_default(value), depth + 1, inner)


def problem_document(problem: Problem, instance: str | None = None) -> dict[str, Any]:
    """The members of the body, standard ones first; extensions never replace them."""
    doc: dict[str, Any] = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.instance is not None:
        doc["instance"] = problem.instance
    elif instance is not None:
        doc["instance"] = instance
    for key, value in problem.extensions.items():
        if key not in STANDARD_MEMBERS:
            doc[str(key)] = value
    return doc


def encode_document(doc: dict[str, Any]) -> bytes:
    """JSON bytes of a problem document, falling back to safe forms for odd values."""
    try:
        return _encode_with_default(doc)
    except (ValueError, TypeError, RecursionError):
        return _encode(_safe(doc, 0, frozenset())).encode("ascii")


def _encode_with_default(doc: dict[str, Any]) -> bytes:
    return json.dumps(
        doc, ensure_ascii=True, separators=(",", ":"), allow_nan=False, default=_default
    ).encode("ascii")


def render(
    problem: Problem, *, instance: str | None = None, extra: Mapping[str, Any] | None = None
) -> tuple[int, RawHeaders, bytes]:
    """Encode ``problem`` as an HTTP response: status, raw headers and body bytes."""
    doc = problem_document(problem, instance)
    if extra:
        for key, value in extra.items():
            doc.setdefault(key, value)
    body = encode_document(doc)
    headers: RawHeaders = (
        (b"content-type", CONTENT_TYPE),
        (b"content-length", str(len(body)).encode("ascii")),
        *problem._raw_headers,
    )
    return problem.status, headers, body
