"""Falcon: every error of a ``falcon.asgi.App`` as a problem.

Falcon picks the error handler of the nearest class in an exception's MRO. install()
registers one for ``Exception`` and one for ``falcon.HTTPError`` (which Falcon's own
default handler would otherwise keep), so that ``HTTPError`` and its subclasses (the
router's 404 and 405 among them), the app's problems and its crashes are problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import falcon
import falcon.asgi

from .._error_path import ErrorPath
from .._headers import REPRESENTATION_HEADERS
from .._problem import Problem
from .._translate import Translator, foreign_problem


def accepts(app: Any) -> bool:
    return isinstance(app, falcon.asgi.App)


def install(app: falcon.asgi.App[Any, Any], error_path: ErrorPath) -> None:
    error_path = error_path.with_defaults(default_mapping())

    async def handle(
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        exc: Exception,
        params: dict[str, Any],
        ws: Any = None,
    ) -> None:
        if ws is not None:
            raise exc  # a websocket: Falcon closes it (there is no response to send)
        status, headers, body = await error_path.prepare(req.scope, exc)
        for described in REPRESENTATION_HEADERS:
            # What the responder said of its own body (gzip, a file name, an ETag)
            # would be false of the problem.
            resp.delete_header(described)
        resp.status = status
        resp.data = body
        for name, value in headers:
            if name == b"content-type":
                resp.content_type = value.decode("latin-1")
            elif name != b"content-length":  # Falcon writes it from the body
                resp.append_header(name.decode("latin-1"), value.decode("latin-1"))

    app.add_error_handler(Exception, handle)
    app.add_error_handler(falcon.HTTPError, handle)


def default_mapping() -> dict[type[BaseException], Translator]:
    return {falcon.HTTPError: http_problem}


def http_problem(exc: falcon.HTTPError) -> Problem:
    """Falcon's HTTPError: its status, its description (the detail; Falcon's title is
    the status line) and its headers (``Allow`` of the router's 405, ...)."""
    headers = exc.headers
    items = headers.items() if isinstance(headers, Mapping) else (headers or ())
    # Falcon 3 has the status as a line ("404 Not Found") only; 4 as a number too.
    return foreign_problem(falcon.http_status_to_code(exc.status), exc.description, dict(items))
