"""Django REST framework: its errors as problems, documented by drf-spectacular.

DRF answers the exceptions of its views itself, before any middleware sees them,
through the ``EXCEPTION_HANDLER`` of its settings::

    # settings.py
    MIDDLEWARE = ["asgi_problems.integrations.django.ProblemMiddleware", ...]
    REST_FRAMEWORK = {
        "EXCEPTION_HANDLER": "asgi_problems.integrations.drf.exception_handler",
        # with drf-spectacular: the problems in the generated OpenAPI document
        "DEFAULT_SCHEMA_CLASS": "asgi_problems.integrations.drf.ProblemAutoSchema",
    }

The handler sends what it can translate (DRF's APIExceptions, Django's Http404 and
PermissionDenied, the app's problems, what ``mapping`` names) through the project's
error path, with the options of ``ASGI_PROBLEMS``. A crash it leaves to DRF, which
raises it on to the middleware: answered and logged once, as in any Django view.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from .._error_path import ErrorPath
from .._headers import retry_after_of
from .._problem import Problem
from .._translate import Translator, foreign_problem
from .._validation import NOT_JSON, fields_problem, json_pointer, without_input
from . import django

_error_path: ErrorPath | None = None


def error_path() -> ErrorPath:
    """The Django project's error path, which also translates DRF's exceptions."""
    global _error_path
    if _error_path is None:
        _error_path = django.error_path().with_defaults(default_mapping())
    return _error_path


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> HttpResponse | None:
    """DRF's ``EXCEPTION_HANDLER``: the problem response for ``exc``, or None for a crash
    (DRF then raises it on, to the middleware)."""
    path = error_path()
    if path.translations.rule(type(exc)) is None:
        return None
    set_rollback()  # as DRF's own handler does: the request's atomic block is undone
    request = context.get("request")
    submitted = _submitted(request) if isinstance(exc, exceptions.ValidationError) else None
    return django.answer_now(getattr(request, "_request", request), exc, path, submitted)


def _submitted(request: Any) -> Any:
    # What the client sent, for validation messages to be checked against: the body
    # DRF parsed already, and the query.
    try:
        return [request.data, dict(request.query_params)]
    except Exception:  # an unparsable body: nothing of it can be quoted
        return None


def default_mapping() -> dict[type[BaseException], Translator]:
    return {exceptions.APIException: api_problem}


def api_problem(exc: exceptions.APIException) -> Problem:
    """An APIException as a problem: its status (a 401 DRF made a 403 included), its
    detail unless that is only DRF's default wording, ``WWW-Authenticate`` (the
    authenticator's, which DRF sets on 401s) and ``Retry-After`` (throttling); a
    detail of fields (a ValidationError's) as one ``errors`` entry per message."""
    headers = retry_after_of(getattr(exc, "wait", None))
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    if not isinstance(exc.detail, (dict, list)):
        return foreign_problem(exc.status_code, _own_detail(exc), headers)
    listed = fields_problem(_field_errors(exc.detail, (), django.SUBMITTED.get()), exc.status_code)
    if not headers:
        return listed
    problem = foreign_problem(listed.status, listed.detail, headers)
    problem.extensions = listed.extensions
    return problem


# The words DRF's parsers put before the parser's own message, which may quote the
# request (a multipart boundary): what the problem says instead.
_PARSE_ERRORS = {
    "JSON parse error": NOT_JSON,
    "Multipart form parse error": "The request body is not valid multipart form data.",
}


def _own_detail(exc: exceptions.APIException) -> str | None:
    """The detail to send: None where DRF's is only its default wording (the documented
    description says more), which for 405 and 415 quotes the request's method or
    media type."""
    detail = str(exc.detail)
    if isinstance(exc, exceptions.ParseError):
        for start, instead in _PARSE_ERRORS.items():
            if detail.startswith(start):
                return instead
    default = str(type(exc).default_detail)
    head, brace, rest = default.partition("{")
    if brace:  # "Method \"{method}\" not allowed."
        tail = rest.partition("}")[2]
        if detail.startswith(head) and detail.endswith(tail):
            return None
    elif detail == default or (
        isinstance(exc, exceptions.Throttled) and detail.startswith(default)
    ):
        return None  # Throttled adds the wait, which Retry-After says
    return detail


def _field_errors(
    detail: Any, location: tuple[Any, ...], submitted: Any
) -> Iterator[dict[str, str]]:
    """One entry per message of a (nested) DRF error detail: a JSON pointer into the
    request body, the message (unless it quotes what was sent), and DRF's code.

    Nested serializers are dicts; a ListField's errors are a dict by index; a list of
    nested objects (``many=True``) has an entry per object, empty for valid ones.
    """
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            yield from _field_errors(value, (*location, key), submitted)
        return
    if isinstance(detail, list) and not all(isinstance(item, str) for item in detail):
        for index, item in enumerate(detail):
            yield from _field_errors(item, (*location, index), submitted)
        return
    messages = detail if isinstance(detail, list) else [detail]
    # Errors of the object itself ("non_field_errors") point at the object.
    where = location[:-1] if location[-1:] == (api_settings.NON_FIELD_ERRORS_KEY,) else location
    sent = _value_at(submitted, where)
    for message in messages:
        yield {
            "pointer": json_pointer(where),
            "detail": without_input(str(message), sent),
            "type": str(getattr(message, "code", "invalid")),
        }


def _value_at(submitted: Any, location: tuple[Any, ...]) -> Any:
    """What was sent at ``location`` in the body, else all that was sent."""
    if not isinstance(submitted, list) or not submitted:
        return submitted
    value = submitted[0]
    for part in location:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return submitted
    return value
