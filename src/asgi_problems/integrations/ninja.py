"""Django Ninja: every error of a ``NinjaAPI`` as a problem, documented in its OpenAPI.

Ninja answers the exceptions of its operations itself, with the handler of the
nearest class in the exception's MRO (``api.add_exception_handler``). install()
puts the error path in place of Ninja's own handlers for ``Exception``, ``Http404``,
``HttpError`` (its authentication, authorization and throttling errors are
HttpErrors) and ``ValidationError``; a handler the app registered itself stays.
Crashes are answered here too, logged once: Ninja does not raise them on to the
Django middleware when it has a handler for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from .._error_path import ErrorPath
from .._exceptions import Unauthorized
from .._headers import retry_after_of
from .._i18n import Languages
from .._openapi import PROBLEM_SCHEMA, VALIDATION_SCHEMA, patch_openapi, problem_response
from .._problem import Problem
from .._translate import Translator, foreign_problem
from .._validation import pydantic_problem
from . import django

_REF = "#/components/schemas/"
# The request bodies read for what a validation message may quote, at most.
_MAX_READ = 1 << 20


def accepts(app: Any) -> bool:
    return isinstance(app, NinjaAPI)


def install(api: NinjaAPI, error_path: ErrorPath) -> None:
    path = error_path.with_defaults({**django.default_mapping(), **default_mapping()})

    def answer(request: HttpRequest, exc: Any) -> HttpResponse:
        submitted = _submitted(request) if isinstance(exc, ValidationError) else None
        return django.answer_now(request, exc, path, submitted)

    # Ninja keeps its handlers in this dict; a public getter it has not. Its own
    # defaults differ by version (AuthenticationError had one before it was an HttpError).
    handlers: dict[type[Exception], Callable[..., Any]] = getattr(api, "_exception_handlers", {})
    for exc_class in {Exception, Http404, HttpError, ValidationError, *handlers}:
        if _is_ninjas_own(handlers.get(exc_class)):
            api.add_exception_handler(exc_class, answer)
    languages = error_path.options.languages
    _document_problems(
        api,
        correlation_id=bool(error_path.options.correlation_id),
        languages=languages,
    )


def _is_ninjas_own(handler: Callable[..., Any] | None) -> bool:
    # Ninja registers its defaults as partials of functions of ninja.errors.
    function = getattr(handler, "func", handler)
    return handler is None or getattr(function, "__module__", None) == "ninja.errors"


def default_mapping() -> dict[type[BaseException], Translator]:
    mapping: dict[type[BaseException], Translator] = {
        HttpError: http_problem,
        ValidationError: validation_problem,
    }
    if not issubclass(AuthenticationError, HttpError):  # Ninja before 1.4
        mapping[AuthenticationError] = lambda exc: Unauthorized()
    return mapping


def http_problem(exc: HttpError) -> Problem:
    """Ninja's HttpError: its status and message (unless that is only the reason phrase,
    as for its authentication and authorization errors), and for its throttling
    error the wait as ``Retry-After``."""
    headers = retry_after_of(getattr(exc, "wait", None))
    detail = None if exc.message == _THROTTLED else exc.message
    return foreign_problem(exc.status_code, detail, headers)


_THROTTLED = "Too many requests."  # Ninja's words for a 429, which say no more than the title


def validation_problem(exc: ValidationError) -> Problem:
    """A 422 with one ``errors`` entry per failing field, as for FastAPI (Ninja leaves
    pydantic's ``input`` out; the request's values stand in for it)."""
    return pydantic_problem(exc.errors, django.SUBMITTED.get())


def _submitted(request: HttpRequest) -> Any:
    # What a validation message might quote: the query, the form and a JSON body.
    sent: list[Any] = [dict(request.GET), dict(request.POST)]
    body = request.body if len(request.body) <= _MAX_READ else b""
    if body:
        try:
            sent.append(json.loads(body))
        except ValueError:  # not JSON: its text is what could be quoted
            sent.append(body.decode("utf-8", "replace"))
    return sent


# OpenAPI: what Ninja's document says of errors, and what it leaves out.


def _document_problems(api: NinjaAPI, *, correlation_id: bool, languages: Languages | None) -> None:
    """Make ``api.get_openapi_schema()`` (which Ninja's docs and ``openapi.json``
    views call) document problem responses."""
    build = api.get_openapi_schema

    def get_openapi_schema(*args: Any, **kwargs: Any) -> Any:
        document = build(*args, **kwargs)
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    _add_ninjas_errors(operation)
        patch_openapi(document, correlation_id=correlation_id, languages=languages)
        return document

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]


def _add_ninjas_errors(operation: dict[str, Any]) -> None:
    # Ninja keys responses by int; OpenAPI (and patch_openapi) by str.
    responses = {str(code): value for code, value in operation["responses"].items()}
    operation["responses"] = responses
    if operation.get("parameters") or "requestBody" in operation:
        responses.setdefault("422", problem_response(422, {"$ref": _REF + VALIDATION_SCHEMA}))
    if operation.get("security"):
        responses.setdefault("401", problem_response(401, {"$ref": _REF + PROBLEM_SCHEMA}))
