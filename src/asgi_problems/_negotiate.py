"""Content negotiation: which form of a problem a request's Accept header asks for.

JSON (``application/problem+json``) unless the client prefers XML (RFC 9457
appendix B) or HTML (a browser) by a strictly higher quality value.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._memo import Memo

JSON, XML, HTML = "json", "xml", "html"

# What we can send, most preferred first on a tie: the media type each form is sent
# as, and the ones that ask for it too.
_OFFERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (JSON, "application/problem+json", ("application/json",)),
    (XML, "application/problem+xml", ("application/xml",)),
    (HTML, "text/html", ()),
)
# Accept is client input of any size: only so much of it is read, which a real
# client's header never reaches, so that parsing it costs a bounded amount of work.
MAX_ACCEPT_BYTES = 4096
MAX_RANGES = 32


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each media range; malformed ones are skipped."""
    parsed = []
    for item in accept.split(",", MAX_RANGES)[:MAX_RANGES]:
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


def _quality(sent_as: str, aliases: tuple[str, ...], ranges: list[tuple[str, str, float]]) -> float:
    """The q of the most specific range that matches a form (-1: none does).

    A range naming the type the form is sent as is the most specific, then one
    naming an alias, then ``type/*``, then ``*/*``: so ``application/problem+json;q=0``
    refuses JSON problems even where ``application/json`` or ``*/*`` would take them.
    """
    kind = sent_as.partition("/")[0]
    best, specificity = -1.0, -1
    for range_kind, range_sub, q in ranges:
        media = f"{range_kind}/{range_sub}"
        if media == sent_as:
            level = 3
        elif media in aliases:
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
    if len(accept) > MAX_ACCEPT_BYTES:
        # Cut at the last whole media range within the bound.
        accept = accept[:MAX_ACCEPT_BYTES].rpartition(b",")[0]
    ranges = _ranges(accept.decode("latin-1"))
    best, best_q = JSON, 0.0
    for form, sent_as, aliases in _OFFERS:
        q = _quality(sent_as, aliases, ranges)
        if q > best_q:
            best, best_q = form, q
    # Nothing acceptable (Accept: image/png): an error is still best told in JSON.
    return best


# Accept value -> form. Clients send few distinct values, so each is parsed once.
_forms: Memo[bytes, str] = Memo(choose, weight=lambda accept, form: len(accept))


def form_of(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The form a request's raw headers ask for. Several Accept headers are one list."""
    accept = None
    for name, value in headers:
        if name == b"accept":
            if accept is None:
                accept = value
            elif len(accept) <= MAX_ACCEPT_BYTES:
                # Joined only while under the bound that choose() reads: 100,000 short
                # lines would otherwise cost quadratic copying before it applies.
                accept = accept + b"," + value
    if accept is None:
        return JSON
    return _forms.get(accept) or _forms(accept)
