"""Validation and encoding of the extra header fields a problem carries.

Header values reach us from application code and, through HTTPException, from
other libraries; a CR or LF in one would let it start a header of its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

RawHeaders = tuple[tuple[bytes, bytes], ...]

# RFC 9110 section 5.6.2: a field name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Field values may hold visible characters, space and tab; every other control
# character (CR and LF above all) could split the header block.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# These describe the body, which the renderer writes itself: a copy from the caller
# could only disagree with it (and a Transfer-Encoding beside our Content-Length
# would leave the client unsure where the response ends).
_OWNED = frozenset({"content-type", "content-length", "transfer-encoding", "content-encoding"})

# The headers that describe a representation. When a problem replaces a response that
# had them, they go: kept, they would make browsers download the problem
# (Content-Disposition), fail integrity checks (digests), or let caches and range
# requests take it for the page (ETag, Last-Modified, ranges).
REPRESENTATION_HEADERS = _OWNED | {
    "content-disposition", "content-language", "content-location", "content-md5",
    "content-digest", "repr-digest", "digest", "etag", "last-modified", "accept-ranges",
    "content-range",
}  # fmt: skip


def encode_headers(headers: Mapping[str, str] | None, *, strict: bool) -> RawHeaders:
    """Turn a header mapping into ASGI raw headers.

    With ``strict`` a bad name or value raises ValueError that says what to fix
    (used for headers given to a Problem); otherwise bad names are dropped and bad
    characters removed (used for headers taken over from foreign exceptions).
    """
    if not headers:
        return ()
    raw: list[tuple[bytes, bytes]] = []
    for name, value in headers.items():
        value = str(value)
        lower = str(name).lower()
        if not _TOKEN.fullmatch(lower) or lower in _OWNED:
            if strict:
                if lower in _OWNED:
                    raise ValueError(
                        f"header {name!r} describes the body, which asgi-problems renders "
                        "itself; remove it"
                    )
                raise ValueError(
                    f"invalid header name {name!r}: use letters, digits and !#$%&'*+-.^_`|~ only"
                )
            continue
        if _CONTROL.search(value):
            if strict:
                raise ValueError(
                    f"header {name!r} has a control character (such as CR or LF) in its "
                    f"value {value!r}; remove it, it could inject headers"
                )
            value = _CONTROL.sub("", value)
        try:
            encoded = value.strip(" \t").encode("latin-1")
        except UnicodeEncodeError:
            if strict:
                raise ValueError(
                    f"header {name!r} has a value that is not latin-1: {value!r}; "
                    "percent-encode it (RFC 8187) or use ASCII"
                ) from None
            encoded = value.strip(" \t").encode("latin-1", "replace")
        raw.append((lower.encode("ascii"), encoded))
    return tuple(raw)


def retry_after_of(wait: object) -> dict[str, str]:
    """``Retry-After`` for a rate limiter's wait in seconds (a float, maybe): whole
    seconds, rounded up so that a client does not come back too early; none when the
    wait is unknown."""
    if not isinstance(wait, (int, float)) or isinstance(wait, bool):
        return {}
    return {"Retry-After": str(max(0, math.ceil(wait)))}
