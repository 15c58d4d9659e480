"""Reading problems back on the client side, for users of httpx or httpx2.

    from asgi_problems.client import raise_for_problem

    response = await client.get("/users/42")
    raise_for_problem(response)          # raises NotFound(...) for a 404

Or once per client, with event hooks that raise for every error response::

    httpx.AsyncClient(event_hooks=async_event_hooks(upstream="users"))

Works with responses of httpx and of httpx2 (its maintained fork) alike; needs
neither itself: the ``httpx`` or ``httpx2`` extra installs the one you use.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Protocol

import anyio

from ._members import members_of
from ._problem import Problem, classes_of_type, for_any_status
from ._render import STANDARD_MEMBERS

__all__ = ["UPSTREAM_KEY", "async_event_hooks", "event_hooks", "raise_for_problem"]

UPSTREAM_KEY = "asgi_problems.upstream"
"""The httpx request extension that names the upstream a request goes to."""


class _Response(Protocol):
    """What raise_for_problem() reads of a response: httpx's and httpx2's both offer it."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def content(self) -> bytes: ...
    def read(self) -> bytes: ...


class _Request(Protocol):
    """What the event hooks touch of a request."""

    @property
    def extensions(self) -> dict[str, Any]: ...


def _is_json(content_type: str) -> tuple[bool, bool]:
    """(is JSON at all, is problem+json) for a Content-Type header value."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    problem = media_type == "application/problem+json"
    return problem or media_type == "application/json", problem


def _parse(response: _Response, content: bytes | None = None) -> dict[str, Any] | None:
    """The problem members of an error body (``content``, else the response's), or None
    if it is not a problem."""
    is_json, is_problem = _is_json(response.headers.get("content-type", ""))
    if not is_json:
        return None
    try:
        body = json.loads(response.content if content is None else content)
    except (ValueError, RecursionError):  # bad JSON or UTF-8; nesting too deep to read
        return None
    if not isinstance(body, dict):
        return None
    # Plain JSON counts only when it carries RFC 9457 members.
    if not is_problem and not STANDARD_MEMBERS.intersection(body):
        return None
    return body


def raise_for_problem(
    response: _Response,
    *,
    upstream: str | None = None,
    types: Iterable[type[Problem]] | None = None,
) -> None:
    """Raise the Problem subclass of an error response; return None for 1xx-3xx.

    A body whose ``type`` is the type URI of one Problem class defined in the process
    (of one of ``types``, if given) is raised as that class, its typed members set;
    members that fail its checks give the status's class instead. Otherwise type,
    title, detail, instance and extension members come from a problem body
    (``application/problem+json``, or ``application/json`` with RFC 9457 members);
    a body that is not a problem, or is malformed, gives the status's class with
    its documented description. The response is kept as ``exc.response``.
    ``upstream`` names the service for a gateway's problems (see ``install()``).
    """
    _raise(response, None, upstream, types)


def _raise(
    response: _Response,
    content: bytes | None,
    upstream: str | None,
    types: Iterable[type[Problem]] | None,
) -> None:
    status = response.status_code
    if status < 400:
        return
    if status > 599:
        # Not an HTTP status (httpx takes 600-999): the upstream answered nonsense,
        # which a gateway reports as such, never as a crash of its own.
        bad_gateway = for_any_status(502)
        bad_gateway.response = response
        bad_gateway.upstream = upstream or ""
        raise bad_gateway
    try:
        body = _parse(response, content) or {}
    except RuntimeError:  # ResponseNotRead, in httpx and httpx2
        # A streamed response nobody read: read it here when we can (sync streams);
        # an async one must be read first (``await response.aread()``).
        try:
            response.read()
        except RuntimeError:  # StreamError and its kin
            body = {}
        else:
            body = _parse(response) or {}

    def text(name: str) -> str | None:
        value = body.get(name)
        return value if isinstance(value, str) else None

    problem = _as_its_class(status, body, text("detail"), types) or for_any_status(
        status, text("detail")
    )
    for name in ("type", "title", "instance"):
        value = text(name)
        if value is not None:
            setattr(problem, name, value)
    # Set after construction: a member named like a keyword argument ("headers")
    # must stay an extension.
    problem.extensions.update(
        (k, v) for k, v in body.items() if k not in STANDARD_MEMBERS and k not in problem.extensions
    )
    problem.response = response
    problem.upstream = upstream or ""
    raise problem


def _as_its_class(
    status: int,
    body: dict[str, Any],
    detail: str | None,
    types: Iterable[type[Problem]] | None,
) -> Problem | None:
    """The problem as an instance of the one class its type URI names, its members
    read from JSON and checked; None when no one class fits."""
    type_uri = body.get("type")
    if not isinstance(type_uri, str) or type_uri == "about:blank":
        return None
    if types is None:
        candidates = classes_of_type(type_uri)
    else:
        candidates = [cls for cls in types if cls.type == type_uri]
    if len(candidates) != 1 or candidates[0].status != status:
        return None
    cls = candidates[0]
    members = members_of(cls)
    values: dict[str, Any] = {}
    try:
        if members is not None:
            for name, member in members.members.items():
                if name in body:
                    values[name] = member.shape.load(body[name])
        return cls(detail, **values)
    except (TypeError, ValueError, RecursionError):
        # A hostile or newer upstream: the status's class, the members as extensions.
        return None


def _stamp(upstream: str | None) -> Callable[[_Request], None]:
    def stamp(request: _Request) -> None:
        if upstream:
            request.extensions[UPSTREAM_KEY] = upstream

    return stamp


# What the hooks read of an error body at most: a problem is a few hundred bytes, and an
# upstream's 400 MiB error page, or one that trickles in forever, must not cost more.
MAX_ERROR_BODY = 64 * 1024
ERROR_BODY_SECONDS = 5.0


def event_hooks(
    *,
    upstream: str | None = None,
    max_body: int = MAX_ERROR_BODY,
    body_timeout: float = ERROR_BODY_SECONDS,
) -> dict[str, list[Callable[..., Any]]]:
    """Event hooks for ``httpx.Client`` (or httpx2's): every 4xx/5xx response raises
    its Problem. Of an error body, at most ``max_body`` bytes are read, for at most
    ``body_timeout`` seconds (checked between the chunks that come)."""

    def check(response: Any) -> None:
        if response.status_code >= 400:
            parts: list[bytes] = []
            size, deadline = 0, time.monotonic() + body_timeout
            try:
                for chunk in response.iter_bytes():
                    parts.append(chunk)
                    size += len(chunk)
                    if size > max_body or time.monotonic() > deadline:
                        break
            finally:
                response.close()
            _raise(response, b"".join(parts)[:max_body], upstream, None)

    return {"request": [_stamp(upstream)], "response": [check]}


def async_event_hooks(
    *,
    upstream: str | None = None,
    max_body: int = MAX_ERROR_BODY,
    body_timeout: float = ERROR_BODY_SECONDS,
) -> dict[str, list[Callable[..., Awaitable[None]]]]:
    """Event hooks for ``httpx.AsyncClient`` (or httpx2's): every 4xx/5xx response
    raises its Problem. Of an error body, at most ``max_body`` bytes are read, for at
    most ``body_timeout`` seconds."""
    stamp = _stamp(upstream)

    async def astamp(request: _Request) -> None:
        stamp(request)

    async def check(response: Any) -> None:
        if response.status_code >= 400:
            parts: list[bytes] = []
            size = 0
            try:
                # aclosing: the stream left half read is closed now, not when collected.
                with anyio.move_on_after(body_timeout):
                    async with contextlib.aclosing(response.aiter_bytes()) as chunks:
                        async for chunk in chunks:
                            parts.append(chunk)
                            size += len(chunk)
                            if size > max_body:
                                break
            finally:
                await response.aclose()
            _raise(response, b"".join(parts)[:max_body], upstream, None)

    return {"request": [astamp], "response": [check]}
