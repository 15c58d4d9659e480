"""install(): wire asgi-problems into a Starlette or FastAPI application."""

from __future__ import annotations

import dataclasses
import gettext
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from ._error_path import ErrorPath
from ._frameworks import integration_for
from ._options import NO_RERAISE, OnProblem, Options
from ._starlette import INSTALLED, wire
from ._translate import MappingTarget
from ._type_pages import add_type_pages, folder_of


def install(
    app: Any,
    *,
    debug: bool | None = None,
    mapping: Mapping[type[BaseException], MappingTarget] | None = None,
    instance: bool = False,
    on_problem: OnProblem | None = None,
    reraise: bool = False,
    pass_upstream_detail: bool = False,
    negotiate: bool = True,
    type_base: str | None = None,
    correlation_id: bool | str = False,
    log_repeats: float = 10.0,
    locales: Sequence[str] = (),
    translations: Mapping[str, gettext.NullTranslations] | None = None,
    serve_types: bool = False,
) -> None:
    """Make every error of ``app`` an RFC 9457 problem response: a Starlette, FastAPI,
    Litestar or Quart app, a ``falcon.asgi.App`` or a Django Ninja ``NinjaAPI``.

    Call it once, before the app serves its first request. The options are those of
    ``Options`` (docs/options.md says what each does), and ``serve_types`` (Starlette
    and FastAPI only): serve a documentation page for each problem type under the path
    of ``type_base``.
    """
    options = Options.among(locals())
    if debug is None and isinstance(getattr(app, "debug", None), bool):
        # FastAPI(debug=True), Starlette's, Litestar's and Quart's alike.
        options = dataclasses.replace(options, debug=app.debug)
    if not isinstance(app, Starlette):
        integration = integration_for(app)
        if integration is None:
            raise TypeError(
                f"install() takes a Starlette, FastAPI, Litestar or Quart app, a "
                f"falcon.asgi.App or a NinjaAPI, not {type(app).__name__}; for Django, add "
                "'asgi_problems.integrations.django.ProblemMiddleware' to MIDDLEWARE; "
                "wrap any other ASGI app in ProblemMiddleware(app)"
            )
        if serve_types:
            raise ValueError("serve_types serves its pages from Starlette and FastAPI apps only")
        if reraise:
            raise ValueError(NO_RERAISE.format(type(app).__name__))
        integration.install(app, ErrorPath(options))
        return
    if serve_types:
        folder_of(type_base)  # refuse a type_base without a folder before changing the app
    wire(app, ErrorPath(options))
    if serve_types:
        add_type_pages(app, type_base, options.languages)


def language_of(conn: HTTPConnection) -> str:
    """The language this request's problems go out in: the best of the app's
    ``locales`` that its Accept-Language takes, else (and without ``locales``) "en".

    For a detail worded per request, in the app's own catalog::

        raise NotFound(catalogs[language_of(request)].gettext("No user %(id)s") % {...})
    """
    error_path = getattr(conn.scope.get("app"), INSTALLED, None)
    languages = error_path.options.languages if isinstance(error_path, ErrorPath) else None
    return "en" if languages is None else languages.choose(conn.scope.get("headers", ()))
