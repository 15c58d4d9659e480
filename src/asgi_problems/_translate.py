"""Which Problem stands for an exception: the built-in translations, the user's
mapping along the MRO, and the ones loaded for httpx when its exceptions show up."""

from __future__ import annotations

import builtins
import copy
import http.client
import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from ._exceptions import BadGateway, BadRequest, InternalServerError
from ._headers import RawHeaders, encode_headers
from ._problem import Problem
from ._render import json_text

logger = logging.getLogger("asgi_problems")

Translator = Callable[[Any], Problem]
MappingTarget = type[Problem] | Callable[[Any], Problem]

# A builtin from Python 3.11 on; 3.10 has the backport that anyio (and so
# Starlette) already depends on there.
Group: type[BaseException] = getattr(builtins, "BaseExceptionGroup", None) or (
    importlib.import_module("exceptiongroup").BaseExceptionGroup
)

_UNSEEN = object()
# The translation of the problems raised in this app: themselves.
ITSELF: Translator = lambda exc: exc  # noqa: E731


def unwrap(exc: Exception) -> Exception:
    """A group of one (anyio task groups, some middleware) stands for its member."""
    while isinstance(exc, Group):
        members: tuple[BaseException, ...] = getattr(exc, "exceptions", ())
        if len(members) != 1 or not isinstance(members[0], Exception):
            break
        exc = members[0]
    return exc


def leaves(group: BaseException) -> Iterator[Exception]:
    """The exceptions of a (nested) group, in order."""
    for member in getattr(group, "exceptions", ()):
        if isinstance(member, Group):
            yield from leaves(member)
        elif isinstance(member, Exception):
            yield member


def from_http_exception(exc: HTTPException) -> Problem:
    """Starlette's (and FastAPI's) HTTPException as a problem, keeping detail and headers.

    FastAPI lets a detail be any JSON value. A dict's members become the problem's:
    ``type``, ``title``, ``detail`` and ``instance`` as those, the others as extension
    members (``status`` is the response's). Lists are written as JSON text, and
    other values with ``str()``: never as a Python repr.
    """
    code = exc.status_code
    detail: Any = exc.detail
    members: dict[str, Any] = {}
    if isinstance(detail, Mapping):
        members = {str(name): value for name, value in detail.items()}
        members.pop("status", None)  # the response's status is the one that holds
        detail = members.pop("detail", None)
    # Starlette fills an omitted detail with the reason phrase; ours says more.
    if not detail or detail == http.client.responses.get(code):
        detail = None
    elif not isinstance(detail, str):
        detail = _text(detail)
    cls = Problem._by_status.get(code)
    problem = cls(detail) if cls is not None else Problem._for_any_status(code, detail)
    if members:
        for name in ("type", "title", "instance"):
            value = members.pop(name, None)
            if value is not None:
                setattr(problem, name, _text(value))
        problem.extensions = members
    if exc.headers:
        # Foreign headers are cleaned, not refused: refusing would turn a 401 into a crash.
        try:
            problem._raw_headers = _cleaned(tuple(exc.headers.items()))
        except TypeError:  # an unhashable value; clean it uncached
            problem._raw_headers = encode_headers(exc.headers, strict=False)
        problem.headers = dict(exc.headers)
    return problem


def _text(value: Any) -> str:
    # A member that must be text: structured values as JSON, never a Python repr.
    if isinstance(value, str):
        return value
    return json_text(value) if isinstance(value, (Mapping, list, tuple)) else str(value)


def from_client_disconnect(exc: ClientDisconnect) -> Problem:
    """A request body cut short by the client: its error, not a crash of ours.

    Servers drop an answer to a client that has gone, but a 4xx keeps the log free of
    tracebacks, and middleware such as BaseHTTPMiddleware still gets its response.
    """
    return BadRequest("The client disconnected before it had sent the whole request body.")


# The same few header sets (Allow of a route, WWW-Authenticate) come back on every
# request; cleaning each once is enough. Bounded, and only short sets are kept: a
# header value may carry request data.
_CLEANED_SIZE = 256
_cleaned_headers: dict[tuple[tuple[str, str], ...], RawHeaders] = {}


def _cleaned(items: tuple[tuple[str, str], ...]) -> RawHeaders:
    cleaned = _cleaned_headers.get(items)
    if cleaned is None:
        cleaned = encode_headers(dict(items), strict=False)
        size = sum(len(str(name)) + len(str(value)) for name, value in items)
        if len(_cleaned_headers) < _CLEANED_SIZE and size <= 1024:
            _cleaned_headers[items] = cleaned
    return cleaned


# Headers an answer of these statuses must carry (RFC 9110): the only ones of an
# upstream's answer that a gateway passes on.
_REQUIRED_HEADERS = {401: "www-authenticate", 405: "allow", 407: "proxy-authenticate"}


def upstream_problem(
    status: int,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    upstream: str | None = None,
) -> Problem:
    """Our answer to an upstream's error: a 5xx is our bad gateway, a 4xx keeps its
    status (the client's request can't be served here either). Nothing of the
    upstream's answer passes unless given here: ``detail`` (``pass_upstream_detail``),
    the headers its status requires, and the upstream's name, if the user chose one.
    """
    named: dict[str, Any] = {"upstream": upstream} if upstream else {}
    if status >= 500:
        return BadGateway(detail, **named)
    problem = Problem._for_any_status(status, detail)
    problem.extensions = named
    required = _REQUIRED_HEADERS.get(status)
    value = None if required is None or headers is None else headers.get(required)
    if required is not None and value is not None:
        # Cleaned, not refused, as for any foreign header.
        problem.headers = {required: value}
        problem._raw_headers = encode_headers(problem.headers, strict=False)
    return problem


def _translator(target: MappingTarget) -> Translator:
    if isinstance(target, type):
        if issubclass(target, Problem):
            problem_class = target
            return lambda exc: problem_class()
    elif callable(target):
        return target
    raise TypeError(
        f"mapping values must be a Problem subclass or a callable exc -> Problem, not {target!r}"
    )


class Translations:
    """Exception class -> Problem, looked up along the MRO and cached per class."""

    def __init__(
        self,
        mapping: Mapping[type[BaseException], MappingTarget] | None = None,
        *,
        pass_upstream_detail: bool = False,
    ) -> None:
        self.pass_upstream_detail = pass_upstream_detail
        self._table: dict[type[BaseException], Translator] = {
            Problem: ITSELF,
            HTTPException: from_http_exception,
            ClientDisconnect: from_client_disconnect,
        }
        for key, target in (mapping or {}).items():
            if not (isinstance(key, type) and issubclass(key, BaseException)):
                raise TypeError(f"mapping keys must be exception classes, not {key!r}")
            self._table[key] = _translator(target)
        self._httpx_loaded = False
        # Exception class -> translator found along its MRO (None: a crash).
        self.known: dict[type[BaseException], Translator | None] = {}

    def _from_upstream(self, exc: Problem) -> Problem:
        # A problem an upstream answered with, re-raised here (raise_for_problem).
        detail = exc.detail if self.pass_upstream_detail else None
        upstream_headers = getattr(exc.response, "headers", None)
        return upstream_problem(exc.status, detail, upstream_headers, exc._upstream)

    def handled_types(self) -> tuple[type[BaseException], ...]:
        """The classes with a translation (Problem, HTTPException, mapped), ``Exception`` aside."""
        return tuple(
            key for key in self._table if issubclass(key, Exception) and key is not Exception
        )

    def with_defaults(self, defaults: Mapping[type[BaseException], Translator]) -> Translations:
        """A copy that also translates ``defaults``, where the user's mapping does not."""
        if all(key in self._table for key in defaults):
            return self
        twin = copy.copy(self)
        twin._table = {**defaults, **self._table}
        twin.known = {}
        return twin

    def _lookup(self, exc_type: type[BaseException]) -> Translator | None:
        if not self._httpx_loaded and exc_type.__module__.partition(".")[0] == "httpx":
            # First httpx exception: learn its mapping now, so that the core never
            # has to import httpx for apps that don't use it.
            self._httpx_loaded = True
            from .integrations.httpx import default_mapping

            for key, translator in default_mapping().items():
                self._table.setdefault(key, translator)
        found = next((self._table[cls] for cls in exc_type.__mro__ if cls in self._table), None)
        self.known[exc_type] = found
        return found

    def rule(self, exc_type: type[BaseException]) -> Translator | None:
        """The translator of ``exc_type``: ITSELF for problems, None for crashes."""
        translator = self.known.get(exc_type, _UNSEEN)
        if translator is _UNSEEN:
            return self._lookup(exc_type)
        return translator  # type: ignore[return-value]

    def __call__(self, exc: BaseException) -> tuple[Problem, bool]:
        """The problem for ``exc`` and whether it was an unexpected crash."""
        translator: Translator | None = self.rule(type(exc))
        if translator is ITSELF and isinstance(exc, Problem):
            return (exc if exc._upstream is None else self._from_upstream(exc)), False
        if translator is None:
            return InternalServerError(), True
        try:
            problem = translator(exc)
        except Exception:
            logger.exception("the mapping for %s raised; answering 500", type(exc).__name__)
            return InternalServerError(), True
        if not isinstance(problem, Problem):
            logger.error(
                "the mapping for %s returned %r, not a Problem; answering 500",
                type(exc).__name__,
                problem,
            )
            return InternalServerError(), True
        return problem, False
