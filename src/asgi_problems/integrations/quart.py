"""Quart: every error of a Quart app as a problem.

Quart looks a handler up for each exception a request raises, by status for
werkzeug's HTTP exceptions and by class along the MRO. install() registers one for
``Exception``, which covers ``abort()``, the router's 404 and 405, the app's
problems and its crashes. Quart's redirects (``RoutingException``) never reach it.
An error on a websocket is left to Quart, which closes the socket.
"""

from __future__ import annotations

from typing import Any

from quart import Quart, Response, has_websocket_context, request, websocket
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException

from .._error_path import ErrorPath
from .._problem import Problem
from .._translate import Translator, foreign_problem

# Quart writes these itself, from the body it is given.
_ITS_OWN = frozenset({b"content-length"})


def accepts(app: Any) -> bool:
    return isinstance(app, Quart)


def install(app: Quart, error_path: ErrorPath) -> None:
    error_path = error_path.with_defaults(default_mapping())

    async def handle(exc: Exception) -> Response | None:
        if has_websocket_context():
            # Recorded as any error (a crash logged once, trackers told, on_problem);
            # but a socket takes no response: Quart closes it, as it does without us.
            await error_path.prepare(dict(websocket.scope), exc)
            return None
        status, headers, body = await error_path.prepare(dict(request.scope), exc)
        kept = Headers(
            [
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in headers
                if name not in _ITS_OWN
            ]
        )
        return Response(body, status=status, headers=kept)

    # Quart's types want a response; None is what it takes for "nothing to send".
    app.register_error_handler(Exception, handle)  # type: ignore[arg-type]


def default_mapping() -> dict[type[BaseException], Translator]:
    return {HTTPException: http_problem}


def http_problem(exc: HTTPException) -> Problem:
    """werkzeug's HTTP exceptions (``abort(404)``, the router's): their status, the
    description given to them, and their headers (``Allow``, ``WWW-Authenticate``,
    ``Retry-After``). werkzeug's own default description gives way to ours."""
    description = exc.description
    if description == type(exc).description:
        description = None
    headers = dict(exc.get_headers())  # Content-Type is dropped: it is ours to write
    return foreign_problem(exc.code or 500, description, headers)
