"""Problem -> (status, headers, body): RFC 9457 JSON, or XML or HTML. Pure; knows no ASGI."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import Enum
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from ._formats import encode_html, encode_xml
from ._headers import RawHeaders
from ._memo import Memo
from ._negotiate import HTML, JSON, XML
from ._problem import Problem, as_text

# A problem response: status, raw headers, body.
Answer = tuple[int, RawHeaders, bytes]

CONTENT_TYPE = b"application/problem+json"
STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
# Deeper structures than this are cut: a hostile or cyclic extension must not
# cost more than a bounded amount of work on the error path.
_MAX_DEPTH = 32
# And no more values than this in one member (or in all, for XML): past it, "...".
_MAX_NODES = 10_000
# Longer ints are written as a note of their size: str() refuses ints of more than
# sys.get_int_max_str_digits() digits (4300 by default), and they mean nothing here.
_MAX_INT_BITS = 10_000


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
    try:
        return str(value)
    except Exception:  # a broken __str__ must not cost the client its problem response
        return f"<unprintable {type(value).__name__}>"


# Only ever given the output of _safe(): plain JSON types, finite floats, no cycles,
# so it needs neither a default hook nor a circular-reference check.
_encode = json.JSONEncoder(
    ensure_ascii=True,  # escapes non-ASCII and lone surrogates, so the bytes are always valid
    separators=(",", ":"),
    allow_nan=False,
    check_circular=False,
).encode


def _safe(value: Any, depth: int, seen: frozenset[int], budget: list[int]) -> Any:
    """A copy of ``value`` that json can always encode: no NaN, no cycles, bounded depth,
    and at most ``budget[0]`` containers and values in all (structures that share parts
    would otherwise be walked once per path to each part)."""
    budget[0] -= 1
    if budget[0] < 0:
        return "..."
    if isinstance(value, str):
        return value if type(value) is str else as_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        bits = value.bit_length()
        return value if bits <= _MAX_INT_BITS else f"<an integer of {bits} bits>"
    if depth >= _MAX_DEPTH or id(value) in seen:
        return "..."
    inner = seen | {id(value)}
    if isinstance(value, Mapping):
        return {str(k): _safe(v, depth + 1, inner, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v, depth + 1, inner, budget) for v in value]
    return _safe(_default(value), depth + 1, inner, budget)


def json_text(value: Any) -> str:
    """JSON text of one member value; the usual types skip the general encoder."""
    kind = type(value)
    if kind is str:
        return _quote(value)
    if kind is int and value.bit_length() <= _MAX_INT_BITS:
        return int.__repr__(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    # Everything else goes through _safe: bounded depth and no cycles whatever the
    # Python version's json module would tolerate, so that clients can parse it too.
    return _encode(_safe(value, 0, frozenset(), [_MAX_NODES]))


def _head(key: tuple[Any, Any, Any]) -> str:
    type_, title, status = key
    return (
        f'{{"type":{json_text(type_)},"title":{json_text(title)},'
        f'"status":{json_text(status)},"detail":'
    )


# The start of the body up to the detail's value, per (type, title, status): few
# and constant in an app, so each is written once.
_heads: Memo[tuple[Any, Any, Any], str] = Memo(_head, weight=lambda key, head: len(head))


def _prefix(key: Any) -> str:
    # "" for the standard members, which an extension may not replace.
    name = key if type(key) is str else str(key)
    return "" if name in STANDARD_MEMBERS else f",{_quote(name)}:"


# ',"name":' of each extension name: names are few and fixed in code. Only str keys
# are kept: keys such as 1 and True are equal, but their names are not.
_prefixes: Memo[str, str] = Memo(_prefix, weight=lambda key, prefix: len(prefix))


def encode_body(
    problem: Problem,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
    type_uri: str | None = None,
) -> bytes:
    """The JSON body: standard members first; extensions never replace them.

    Written member by member, which is several times faster than encoding a dict.
    """
    detail = problem.detail
    if type_uri is None:
        type_uri = problem.type
    title, status = problem.title, problem.status
    head_key = (type_uri, title, status)
    body = _heads.get(head_key) or _heads(head_key)
    body += _quote(detail) if type(detail) is str else json_text(detail)
    if problem.instance is not None:
        instance = problem.instance
    if instance is not None:
        body += ',"instance":' + json_text(instance)
    extensions = problem.extensions
    for key, value in extensions.items():
        prefix = _prefixes.get(key)
        if prefix is None:
            prefix = _prefixes(key) if type(key) is str else _prefix(key)
        if prefix:
            kind = type(value)
            body += prefix
            if kind is str:
                body += _quote(value)
            elif kind is int:
                try:
                    body += str(value)  # its decimal form, and faster than int.__repr__
                except ValueError:  # more digits than str() will write
                    body += json_text(value)
            else:
                body += json_text(value)
    if extra:
        for name, value in extra.items():
            if name not in STANDARD_MEMBERS and name not in extensions:
                body += f",{_quote(name)}:{json_text(value)}"
    body += "}"
    return body.encode("ascii")


# Responses of problems that hold nothing but their four members and headers, the
# usual case for the router's 404 and 405 and for NotFound(): encoded once, then
# reused.
_plain: Memo[tuple[Any, ...], Answer] = Memo(weight=lambda key, response: len(response[2]))


def _members(
    problem: Problem, instance: str | None, extra: Mapping[str, Any] | None, type_uri: str
) -> dict[str, Any]:
    """The members in order, JSON-safe, for the forms that are not JSON."""
    members: dict[str, Any] = {
        "type": type_uri,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
    }
    instance = problem.instance if problem.instance is not None else instance
    if instance is not None:
        members["instance"] = instance
    for source in (problem.extensions, extra or {}):
        for key, value in source.items():
            members.setdefault(str(key), value)
    safe: dict[str, Any] = _safe(members, 0, frozenset(), [_MAX_NODES])
    return safe


def render(
    problem: Problem,
    instance: str | None = None,
    extra: Mapping[str, Any] | None = None,
    form: str = JSON,
    type_uri: str | None = None,
    vary: bool = False,
    language: str = "en",
) -> Answer:
    """Encode ``problem`` as an HTTP response: status, raw headers and body bytes.

    ``form`` is JSON, XML or HTML (see _negotiate); ``type_uri`` replaces the
    problem's type; ``vary`` adds ``Vary: Accept`` for negotiated responses;
    ``language`` is the HTML page's (its Content-Language is among the problem's
    headers).
    """
    if type_uri is None:
        type_uri = problem.type
    plain = not problem.extensions and problem.instance is None and instance is None and not extra
    if plain:
        key = (
            type_uri,
            problem.title,
            problem.status,
            problem.detail,
            problem.raw_headers,
            form,
            vary,
            language,
        )
        cached = _plain.get(key)
        if cached is not None:
            return cached
    if form == JSON:
        body = encode_body(problem, instance, extra, type_uri)
    elif form == XML:
        body = encode_xml(_members(problem, instance, extra, type_uri))
    else:
        body = encode_html(problem.status, str(problem.title), str(problem.detail), language)
    length = len(body)
    sized_key = (form, vary, length)
    headers = _sized.get(sized_key) or _sized(sized_key)
    if problem.raw_headers:
        headers += problem.raw_headers
    result = problem.status, headers, body
    if plain:
        _plain.keep(key, result)
    return result


_VARY = (b"vary", b"Accept")
# The page shows text only; tell the browser to run and fetch nothing from it.
HTML_PAGE_POLICY = (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'")
# form -> (its headers without Vary, with Vary), indexed by ``vary``; Content-Length
# and the problem's own headers follow.
_FIXED_HEADERS: dict[str, tuple[RawHeaders, RawHeaders]] = {
    form: (fixed, (*fixed, _VARY))
    for form, fixed in (
        (JSON, ((b"content-type", CONTENT_TYPE),)),
        (XML, ((b"content-type", b"application/problem+xml"),)),
        (HTML, ((b"content-type", b"text/html; charset=utf-8"), HTML_PAGE_POLICY)),
    )
}


def _sized_headers(key: tuple[str, bool, int]) -> RawHeaders:
    form, vary, length = key
    return _FIXED_HEADERS[form][vary] + ((b"content-length", b"%d" % length),)


# (form, vary, body length) -> the headers before the problem's own: bodies come in
# few lengths, so each tuple is built once.
_sized: Memo[tuple[str, bool, int], RawHeaders] = Memo(_sized_headers)
