"""Step 5 of the error path with an app's options: what they add to a problem's
response (the request's path as ``instance``, debug members, the correlation id, type
URIs under ``type_base``) before ``_render.py`` encodes it."""

from __future__ import annotations

import re
import traceback
import uuid
from typing import Any
from urllib.parse import quote, quote_from_bytes

from starlette.types import Scope

from ._i18n import Languages
from ._memo import Memo
from ._options import Options
from ._problem import Problem
from ._render import Answer, render
from ._report import trace_id
from ._status import class_slug, type_slug


def render_with_options(
    options: Options,
    scope: Scope,
    exc: BaseException,
    problem: Problem,
    crashed: bool,
    form: str,
    correlation: str | None,
    language: str | None = None,
) -> Answer:
    """The response of ``problem`` as this app answers it; in the request's language
    when the app serves several (``locales``), ``language`` once that is chosen."""
    languages = options.languages
    if languages is not None and language is None:
        return _in_language(languages, options, scope, exc, problem, crashed, form, correlation)
    extra: dict[str, Any] | None = None
    if correlation is not None or (crashed and options.debug):
        extra = {} if correlation is None else {"correlation_id": correlation}
        if crashed and options.debug:
            extra.update(_debug_members(exc))
    type_base = options.type_base
    return render(
        problem,
        instance_of(scope) if options.instance else None,
        extra,
        form,
        None
        if type_base is None or problem.type != "about:blank"
        else type_base + derived_slug(problem),
        options.negotiate,
        language or "en",
    )


def _in_language(
    languages: Languages,
    options: Options,
    scope: Scope,
    exc: BaseException,
    problem: Problem,
    crashed: bool,
    form: str,
    correlation: str | None,
) -> Answer:
    """The response in the request's language. The answer to a problem with nothing of
    its own to the request (no members, instance or correlation id) is made once per
    language and form, then reused: translating costs more than rendering. (Apart from
    render_with_options, so that an app without ``locales`` pays no call for it.)"""
    language = languages.choose(scope.get("headers", ()))
    key = None
    if (
        not problem.extensions
        and problem.instance is None
        and not options.instance
        and correlation is None
        and not (crashed and options.debug)
    ):
        key = (
            type(problem), problem.type, problem.title, problem.status, problem.detail,
            problem.raw_headers, form, language,
        )  # fmt: skip
        answer = languages.answers.get(key)
        if answer is not None:
            return answer
    worded = languages.localized(problem, language)
    answer = render_with_options(options, scope, exc, worded, crashed, form, correlation, language)
    if key is not None:
        languages.answers.keep(key, answer)
    return answer


# A request id header is only taken when it looks like an id (a UUID, nginx's
# $request_id): it goes into the problem and the log.
_REQUEST_ID = re.compile(rb"[0-9A-Fa-f][0-9A-Fa-f-]{15,63}")


def correlation_id(scope: Scope, trusted_header: str | None = None) -> str:
    """The id that ties a 5xx to its log record: the trace's (OpenTelemetry), else the
    request id in ``trusted_header`` (a header your own proxy sets, named by the
    ``correlation_id`` option), else a new random one. A client's header is never
    taken unless named: it could repeat another crash's id."""
    found = trace_id()
    if found is not None:
        return found
    if trusted_header is not None:
        wanted = trusted_header.lower().encode("latin-1")
        for name, value in scope.get("headers", ()):
            if name == wanted and _REQUEST_ID.fullmatch(value):
                return bytes(value).decode("ascii")
    return uuid.uuid4().hex


# Characters a path keeps as they are: RFC 3986's pchar and "/", and "%" for the
# escapes the client already made.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def derived_slug(problem: Problem) -> str:
    """The last segment of the type URI that ``type_base`` gives a problem without a type
    of its own: its class's name for a class of the app's ("out-of-credit"), else its
    status's ("not-found")."""
    cls = type(problem)
    slug = _class_slugs.get(cls)
    if slug is None:
        slug = _class_slugs(cls)
    return slug or type_slug(problem.status)


# Class -> its slug, "" for the classes of this package (they go by status).
_class_slugs: Memo[type[Problem], str] = Memo(
    lambda cls: "" if cls.__module__.split(".")[0] == "asgi_problems" else class_slug(cls.__name__)
)


def instance_of(scope: Scope) -> str:
    """The request's path as the client sent it, a URI reference: percent-encoded, and
    without the query (which may carry secrets)."""
    raw = scope.get("raw_path")
    if raw:
        return quote_from_bytes(bytes(raw).partition(b"?")[0], safe=_PATH_SAFE)
    return quote(scope.get("path", ""), safe=_PATH_SAFE)


def _debug_members(exc: BaseException) -> dict[str, Any]:
    return {
        "debug": {
            "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": str(exc),
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
        }
    }
