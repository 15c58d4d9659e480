"""Content negotiation: which form of a problem a request's Accept header asks for.

JSON (``application/problem+json``) unless the client prefers XML (RFC 9457
appendix B) or HTML (a browser) by a strictly higher quality value.
"""

from __future__ import annotations

from collections.abc import Iterable

JSON, XML, HTML = "json", "xml", "html"

# What we can send, most preferred first on a tie, with the media types that ask for it.
_OFFERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (JSON, ("application/problem+json", "application/json")),
    (XML, ("application/problem+xml", "application/xml")),
    (HTML, ("text/html",)),
)


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each media range; malformed ones are skipped."""
    parsed = []
    for item in accept.split(","):
        media, *params = item.split(";")
        kind, _, sub = media.strip().lower().partition("/")
        if not kind or not sub:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        parsed.append((kind, sub, q))
    return parsed


def _quality(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    """The q of the most specific range that matches ``media_type`` (-1: none does)."""
    kind, _, sub = media_type.partition("/")
    best, specificity = -1.0, -1
    for range_kind, range_sub, q in ranges:
        if range_kind == kind and range_sub == sub:
            level = 2
        elif range_kind == kind and range_sub == "*":
            level = 1
        elif range_kind == "*" and range_sub == "*":
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def choose(accept: bytes) -> str:
    """JSON, XML or HTML for an Accept header value."""
    if not accept:
        return JSON
    ranges = _ranges(accept.decode("latin-1"))
    best, best_q = JSON, 0.0
    for form, media_types in _OFFERS:
        q = max(_quality(media_type, ranges) for media_type in media_types)
        if q > best_q:
            best, best_q = form, q
    # Nothing acceptable (Accept: image/png): an error is still best told in JSON.
    return best


# Accept value -> form. Clients send few distinct values, so each is parsed once;
# bounded, as the values come from requests.
_CACHE_SIZE = 256
_forms: dict[bytes, str] = {}


def form_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The form a request's raw headers ask for (its first Accept header decides)."""
    for name, value in headers:
        if name == b"accept":
            form = _forms.get(value)
            if form is None:
                form = choose(value)
                if len(_forms) < _CACHE_SIZE:
                    _forms[value] = form
            return form
    return JSON
