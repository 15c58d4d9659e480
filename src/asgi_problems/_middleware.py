"""ProblemMiddleware: the error path around any ASGI app."""

from __future__ import annotations

import gettext
from collections.abc import Mapping, Sequence

from starlette.applications import Starlette
from starlette.types import ASGIApp

from ._entrances import ErrorLayer
from ._error_path import ErrorPath
from ._options import OnProblem, Options
from ._starlette import adopt
from ._status_pages import StatusPages, StatusPagesMode
from ._translate import MappingTarget


class ProblemMiddleware(ErrorLayer):
    """Pure ASGI middleware that answers every exception of ``app`` with a problem.

    Requests and websockets that succeed, and lifespan scopes, pass through
    untouched. If the app fails after it started its response, nothing more can
    be sent: the exception is logged once and re-raised so the server closes the
    connection. Wrapping a Starlette or FastAPI app also installs into it, as
    ``install()`` does, so that its own error handling answers with problems too.

    Besides the options of ``install()``: ``status_pages`` ("empty" or "all", off by
    default) rewrites error responses the app sends without a problem (see
    _status_pages.py); ``leave_html_to_browsers`` leaves HTML error pages to clients
    that prefer HTML; ``status_pages_limit`` bounds how much of a replaced body is
    taken in before the app is stopped.
    """

    def __init__(
        self,
        app: ASGIApp,
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
        status_pages: StatusPagesMode | None = None,
        leave_html_to_browsers: bool = False,
        status_pages_limit: int = 65536,
    ) -> None:
        error_path = ErrorPath(Options.among(locals()))
        if isinstance(app, Starlette):
            adopt(app, error_path)
        if status_pages is not None:
            app = StatusPages(
                app,
                error_path,
                status_pages,
                html_for_browsers=leave_html_to_browsers,
                limit=status_pages_limit,
            )
        super().__init__(app, error_path)
