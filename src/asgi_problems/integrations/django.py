"""Django: every error of a Django app as a problem.

Django apps are not objects that install() could take. Instead::

    # settings.py
    MIDDLEWARE = ["asgi_problems.integrations.django.ProblemMiddleware", ...]
    ASGI_PROBLEMS = {"mapping": {...}, "instance": True}   # the options, if any

The middleware answers what views raise (Django calls ``process_exception`` for
that) and turns the 405s of ``HttpResponseNotAllowed`` into problems. For what Django
catches itself (the router's 404, ``PermissionDenied`` and ``SuspiciousOperation``
from other middleware, crashes outside views, which Django logs on
``django.request``), it makes the four handlers below the defaults of every URLconf
that names none of its own (``handler404 = ...`` in urls.py wins).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync, iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import Resolver404

from .._error_path import ErrorPath, awaited
from .._exceptions import BadRequest as BadRequestProblem
from .._exceptions import Forbidden, InternalServerError, MethodNotAllowed, NotFound
from .._headers import REPRESENTATION_HEADERS
from .._log import mark_logged
from .._options import NO_RERAISE, Options
from .._render import Answer
from .._translate import Translator

_error_path: ErrorPath | None = None


def error_path() -> ErrorPath:
    """The error path of this Django project, with the options of ``ASGI_PROBLEMS``."""
    global _error_path
    if _error_path is None:
        options = Options(**getattr(settings, "ASGI_PROBLEMS", {}))
        if options.reraise:
            raise ValueError(NO_RERAISE.format("Django"))
        _error_path = ErrorPath(options).with_defaults(default_mapping())
    return _error_path


def default_mapping() -> dict[type[BaseException], Translator]:
    return {
        Http404: lambda exc: NotFound(_message(exc)),
        # The router's: its message lists the URL patterns tried.
        Resolver404: lambda exc: NotFound(),
        PermissionDenied: lambda exc: Forbidden(_message(exc)),
        # Their messages often quote the request (a bad Host header): not passed on.
        SuspiciousOperation: lambda exc: BadRequestProblem(),
        BadRequest: lambda exc: BadRequestProblem(),
    }


def _message(exc: BaseException) -> str | None:
    return str(exc) or None


class ProblemMiddleware:
    """Django middleware that answers views' exceptions and 405s with problems."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        _answer_what_django_catches()
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self._acall(request)
        response = self.get_response(request)
        not_allowed = _not_allowed(response)
        if not_allowed is None:
            return response
        return _keeping(response, answer_now(request, not_allowed))

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        response = await self.get_response(request)
        not_allowed = _not_allowed(response)
        if not_allowed is None:
            return response
        answer = await error_path().prepare(_scope_of(request), not_allowed)
        return _keeping(response, response_of(answer))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        # Django calls it synchronously, in async projects too (from a thread).
        return answer_now(request, exception)


def _keeping(replaced: HttpResponse, answer: HttpResponse) -> HttpResponse:
    """``answer`` with what other middleware put on the response it replaces (cookies,
    CORS and other headers), but for what described that response's body."""
    for name, value in replaced.items():
        if name.lower() not in REPRESENTATION_HEADERS and not answer.has_header(name):
            answer[name] = value
    answer.cookies = replaced.cookies
    return answer


def _not_allowed(response: HttpResponse) -> MethodNotAllowed | None:
    """The problem for Django's own 405 (``HttpResponseNotAllowed``), keeping its Allow."""
    if not isinstance(response, HttpResponseNotAllowed):
        return None
    allowed = [method.strip() for method in response.get("Allow", "").split(",")]
    return MethodNotAllowed(allow=[method for method in allowed if method])


# What the request sent (its parsed body, its query), for the translators of validation
# errors to keep out of their messages: set around the error path by answer_now().
SUBMITTED: ContextVar[Any] = ContextVar("asgi_problems_submitted", default=None)


def answer_now(
    request: HttpRequest,
    exc: Exception,
    path: ErrorPath | None = None,
    submitted: Any = None,
    scope: dict[str, Any] | None = None,
) -> HttpResponse:
    """The problem response for ``exc`` from synchronous code: a view's thread, or the
    thread of a running event loop (Django Ninja calls its exception handlers there
    from async operations). ``path``: the project's error path unless given."""
    token = SUBMITTED.set(submitted)
    try:
        answer = (path or error_path()).prepare_now(scope or _scope_of(request), exc, None, _finish)
    finally:
        SUBMITTED.reset(token)
    return response_of(answer)


def _finish(awaitable: Awaitable[Any]) -> None:
    """An async on_problem, awaited from a view's thread: asgiref runs it on the
    server's event loop under ASGI (where what it uses was made), on a loop of its
    own under WSGI."""
    async_to_sync(awaited)(awaitable)


def response_of(answer: Answer) -> HttpResponse:
    status, headers, body = answer
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name.decode("latin-1")] = value.decode("latin-1")
    return response


def _scope_of(request: HttpRequest) -> dict[str, Any]:
    """The request's ASGI scope, or one made from a WSGI request's environ."""
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        return scope
    headers = [
        (name.lower().encode("latin-1"), str(value).encode("latin-1", "replace"))
        for name, value in request.headers.items()
    ]
    path, meta = request.path, request.META
    return {
        "type": "http",
        "method": request.method or "GET",
        "scheme": request.scheme or "http",
        "path": path,
        "raw_path": meta.get("PATH_INFO", path).encode("latin-1", "replace"),
        "root_path": meta.get("SCRIPT_NAME", ""),
        "query_string": meta.get("QUERY_STRING", "").encode("latin-1", "replace"),
        "headers": headers,
        "server": (meta.get("SERVER_NAME", ""), _port(meta.get("SERVER_PORT"))),
        "client": (meta.get("REMOTE_ADDR", ""), _port(meta.get("REMOTE_PORT"))),
    }


def _port(value: object) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() else 0


# The handlers Django calls for what it catches itself (handler400 ... in urls.py).


def _answer_what_django_catches() -> None:
    """Make ours the error handlers of URLconfs that name none of their own.

    Django looks for ``handler404`` & co. in the URLconf, then takes the defaults of
    ``django.conf.urls``. Those defaults become ours (unless changed already), so that
    the MIDDLEWARE entry alone answers the router's 404 and what Django catches
    outside views as problems; a URLconf's own handlers still win.
    """
    from django.conf import urls
    from django.views import defaults

    for code, default, ours in (
        (400, defaults.bad_request, bad_request),
        (403, defaults.permission_denied, permission_denied),
        (404, defaults.page_not_found, not_found),
        (500, defaults.server_error, server_error),
    ):
        if getattr(urls, f"handler{code}", None) is default:
            setattr(urls, f"handler{code}", ours)


def _caught(request: HttpRequest, exception: Exception) -> HttpResponse:
    return answer_now(request, exception)


bad_request = permission_denied = not_found = _caught


def server_error(request: HttpRequest) -> HttpResponse:
    # Django logged the crash already, and error trackers heard of it from Django: this
    # 500 is no crash of its own, so it is neither reported nor logged again. The
    # problem says only the documented words.
    problem, scope = InternalServerError(), _scope_of(request)
    mark_logged(problem, scope)
    return answer_now(request, problem, scope=scope)
