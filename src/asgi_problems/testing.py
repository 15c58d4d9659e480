"""Helpers for the tests of an app that answers problems.

``assert_problem(response, NotFound, detail=...)`` checks one response: status, media
type, members, and the body against the schema the class documents.
``only_documented_problems(app)`` wraps a FastAPI app for a test client and fails the
test when a route answers a problem status that its OpenAPI operation does not list.

Both need jsonschema (``pip install 'asgi-problems[testing]'``) only for the schema
check of ``assert_problem``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._openapi import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_SCHEMA,
    class_schema,
    is_users_class,
    problem_details_schema,
    validation_problem_schema,
)
from ._problem import Problem
from ._render import HTML_PAGE_POLICY

__all__ = ["assert_problem", "only_documented_problems"]


class _Response(Protocol):
    # What httpx.Response (and so Starlette's TestClient) offers.
    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Any: ...
    @property
    def content(self) -> bytes: ...


def assert_problem(
    response: _Response, expected: type[Problem] | int, **members: Any
) -> dict[str, Any]:
    """Assert that ``response`` is the problem ``expected`` (a Problem class or a status)
    with the given members, e.g. ``detail="No user with id 42"``; return its body.

    Checked: the status, the ``application/problem+json`` media type, a Content-Length
    that matches the body, the body's ``status``, each member given, and the body
    against the JSON Schema of the class (for a class of yours: its fixed ``type``
    and ``title`` and its annotated members; else the RFC 9457 members). A response
    in another language than English (its Content-Language) may word the title its way.
    """
    status = expected if isinstance(expected, int) else expected.status
    body_text = response.content.decode("utf-8", "replace")
    if response.status_code != status:
        raise AssertionError(f"status {response.status_code}, expected {status}: {body_text}")
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if media_type != PROBLEM_MEDIA_TYPE:
        raise AssertionError(f"media type {media_type!r}, expected {PROBLEM_MEDIA_TYPE!r}")
    length = response.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) != len(response.content)):
        raise AssertionError(f"Content-Length {length}, but the body has {len(response.content)}")
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        raise AssertionError(f"the body is not JSON we can read: {body_text[:200]!r}") from None
    if not isinstance(body, dict):
        raise AssertionError(f"the body is not a JSON object: {body_text!r}")
    if body.get("status") != status:
        raise AssertionError(f"member status is {body.get('status')!r}, expected {status}")
    for name, value in members.items():
        if name not in body:
            raise AssertionError(f"member {name!r} is missing from {body!r}")
        if body[name] != value:
            raise AssertionError(f"member {name!r} is {body[name]!r}, expected {value!r}")
    language = response.headers.get("content-language", "en")
    _validate(body, expected, localized=language.lower() not in ("en", ""))
    return body


def _validate(body: dict[str, Any], expected: type[Problem] | int, localized: bool = False) -> None:
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - the test extra has it
        raise ImportError(
            "assert_problem() checks bodies with jsonschema: pip install 'asgi-problems[testing]'"
        ) from None
    if isinstance(expected, type) and is_users_class(expected):
        schema = class_schema(expected)
        if localized:
            # A class's own title goes out in the request's language (``locales``).
            schema["allOf"][1]["properties"].pop("title", None)
            schema["allOf"][1]["required"] = [
                name for name in schema["allOf"][1]["required"] if name != "title"
            ]
    else:  # a built-in class or a status: what every problem is
        schema = {"$ref": "#/components/schemas/" + PROBLEM_SCHEMA}
    components = {
        PROBLEM_SCHEMA: problem_details_schema(),
        "ValidationProblem": validation_problem_schema(),
    }
    try:
        jsonschema.validate(body, {**schema, "components": {"schemas": components}})
    except jsonschema.ValidationError as error:
        path = "".join(f"[{part!r}]" for part in error.absolute_path)
        raise AssertionError(
            f"the body does not match its schema at {path}: {error.message}"
        ) from None


@contextmanager
def only_documented_problems(app: Any) -> Iterator[ASGIApp]:
    """Wrap the FastAPI ``app`` for a test client; on leaving the block, fail if a route
    answered a problem whose status its OpenAPI operation does not document::

        with only_documented_problems(app) as checked:
            client = httpx.AsyncClient(transport=httpx.ASGITransport(checked))
            ...

    A documented ``4XX``/``5XX`` range or ``default`` counts; answers that no
    operation gives (the router's 404 and 405) are not checked.
    """
    if not callable(getattr(app, "openapi", None)):
        raise TypeError(f"only_documented_problems() takes a FastAPI app, not {type(app).__name__}")
    checked = _DocumentedOnly(app)
    yield checked
    if checked.undocumented:
        lines = "\n".join(f"  {line}" for line in dict.fromkeys(checked.undocumented))
        raise AssertionError("problems that the OpenAPI document does not list:\n" + lines)


def _is_a_problem(headers: Any) -> bool:
    """Whether a response is a problem in any form it is negotiated into: JSON, XML, or
    the HTML page (told by the policy header only our pages carry)."""
    found = {bytes(name).lower(): bytes(value) for name, value in headers}
    media_type = found.get(b"content-type", b"").split(b";")[0].strip()
    if media_type in (PROBLEM_MEDIA_TYPE.encode(), b"application/problem+xml"):
        return True
    name, policy = HTML_PAGE_POLICY
    return media_type == b"text/html" and found.get(name) == policy


class _DocumentedOnly:
    """An ASGI app that notes each problem answer whose status its operation lacks."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.undocumented: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operation = self._operation(scope)

        async def send_noting(message: Message) -> None:
            if message["type"] == "http.response.start" and operation is not None:
                self._note(operation, message)
            await send(message)

        await self.app(scope, receive, send_noting)

    def _operation(self, scope: Scope) -> tuple[str, str, dict[str, Any]] | None:
        """The method, path and OpenAPI operation that ``scope`` is routed to, if any."""
        method = "get" if scope["method"] == "HEAD" else scope["method"].lower()
        paths = self.app.openapi().get("paths", {})
        for route in _flat_routes(self.app.routes):
            match, _ = route.matches(dict(scope))
            if match is Match.FULL:
                path: str = getattr(route, "path_format", "")
                operation: dict[str, Any] | None = paths.get(path, {}).get(method)
                return None if operation is None else (method.upper(), path, operation)
        return None

    def _note(self, operation: tuple[str, str, dict[str, Any]], start: Message) -> None:
        status = start["status"]
        if status < 400 or not _is_a_problem(start.get("headers", [])):
            return
        method, path, spec = operation
        documented = {str(code).upper() for code in spec.get("responses", {})}
        if documented & {str(status), f"{status // 100}XX", "DEFAULT"}:
            return
        listed = ", ".join(sorted(documented)) or "nothing"
        self.undocumented.append(f"{method} {path} answered {status}; it documents {listed}")


def _flat_routes(routes: list[Any]) -> list[Any]:
    """A FastAPI app's routes, with those of included routers among them: FastAPI 0.165
    and later keep an included router whole, as one route of the app's."""
    if not any(hasattr(route, "effective_route_contexts") for route in routes):
        return routes
    from fastapi.routing import iter_route_contexts

    return list(iter_route_contexts(routes))
