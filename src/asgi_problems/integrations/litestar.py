"""Litestar: every error of a Litestar app as a problem.

Litestar catches every exception itself and looks its handler up in
``app.exception_handlers`` by class (along the MRO) and status. install() adds a
handler for ``Exception`` there, which covers Litestar's own HTTP exceptions (the
router's 404 and 405 among them), the app's problems and its crashes.

Litestar calls exception handlers without awaiting them and then sends the
Response's ASGI form; so the handler is plain, and the error path runs when the
answer is sent, as for Starlette.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from .._error_path import ErrorPath
from .._problem import Problem
from .._translate import Translator, foreign_problem
from .._validation import INPUT_QUOTED, fields_problem, json_pointer


def accepts(app: Any) -> bool:
    return isinstance(app, Litestar)


def install(app: Litestar, error_path: ErrorPath) -> None:
    error_path = error_path.with_defaults(default_mapping())
    app.exception_handlers[Exception] = _handler(error_path)


def default_mapping() -> dict[type[BaseException], Translator]:
    return {ValidationException: validation_problem, HTTPException: http_problem}


def http_problem(exc: HTTPException) -> Problem:
    """Litestar's HTTPException (``NotFoundException``, the router's 405, ...): its
    status, detail and headers. ``extra`` stays out: it may hold what was sent."""
    return foreign_problem(exc.status_code, exc.detail, exc.headers)


def validation_problem(exc: ValidationException) -> Problem:
    """A request that fails validation: a 422 problem with one entry per field, as for
    FastAPI (Litestar's own answer is a 400 whose detail names the path)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    return fields_problem(_entry(error) for error in extra if isinstance(error, Mapping))


def _entry(error: Mapping[str, Any]) -> dict[str, str]:
    source = error.get("source")
    source = getattr(source, "value", source) or "body"
    key = str(error.get("key") or "")
    # msgspec writes nested locations as "$.items[0].name".
    parts = [
        part
        for part in key.removeprefix("$.").replace("[", ".").replace("]", "").split(".")
        if part
    ]
    message = str(error.get("message", ""))
    # msgspec quotes code in backticks; a message with other quotes may quote what was sent.
    if "'" in message or '"' in message:
        message = INPUT_QUOTED
    return {"pointer": json_pointer([str(source), *parts]), "detail": message, "type": "invalid"}


class _Answer(Response[bytes]):
    """A Response whose ASGI form runs the error path when Litestar sends it."""

    def __init__(self, error_path: ErrorPath, exc: Exception) -> None:
        super().__init__(content=b"", status_code=500)
        self._error_path = error_path
        self._exc = exc

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        error_path, exc = self._error_path, self._exc
        return lambda scope, receive, send: error_path.answer(scope, send, exc)


def _handler(error_path: ErrorPath) -> Any:
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
        return _Answer(error_path, exc)

    return handle
