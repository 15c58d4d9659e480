"""Which Problem stands for an exception: the built-in translations, the user's
mapping along the MRO, and the ones loaded for httpx when its exceptions show up."""

from __future__ import annotations

import builtins
import copy
import http.client
import importlib
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.types import Scope

from ._exceptions import BadRequest, InternalServerError
from ._headers import RawHeaders, encode_headers
from ._members import MISSING, members_of
from ._memo import Memo
from ._problem import Problem, as_text, class_for_status, for_any_status
from ._render import json_text
from ._upstream import upstream_problem

logger = logging.getLogger("asgi_problems")

# The HTTP clients whose failures are gateway problems by default (integrations/httpx.py).
HTTP_CLIENTS = ("httpx", "httpx2")

Translator = Callable[[Any], Problem]
# An exception, the problem that answers it, and whether it was a crash.
Resolved = tuple[Exception, Problem, bool]
# The same, and what else a group held with it.
Translated = tuple[Exception, Problem, bool, list[Resolved]]
_NONE: list[Resolved] = []  # nothing else; never changed
# A Problem class, or a callable ``exc -> Problem`` or ``(exc, request) -> Problem``.
MappingTarget = type[Problem] | Callable[..., Problem]

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
    """The exceptions of a (nested) group, in order; without recursion, so that a group
    nested thousands deep costs no RecursionError."""
    pending: list[Iterator[BaseException]] = [iter(getattr(group, "exceptions", ()))]
    while pending:
        member = next(pending[-1], None)
        if member is None:
            pending.pop()
        elif isinstance(member, Group):
            pending.append(iter(getattr(member, "exceptions", ())))
        elif isinstance(member, Exception):
            yield member


def from_http_exception(exc: HTTPException) -> Problem:
    """Starlette's (and FastAPI's) HTTPException as a problem, keeping detail and headers.

    FastAPI lets a detail be any JSON value. A dict's members become the problem's:
    ``type``, ``title``, ``detail`` and ``instance`` as those, the others as extension
    members (``status`` is the response's). Lists are written as JSON text, and
    other values with ``str()``: never as a Python repr.
    """
    detail: Any = exc.detail
    members: dict[str, Any] = {}
    if isinstance(detail, Mapping):
        members = {str(name): value for name, value in detail.items()}
        members.pop("status", None)  # the response's status is the one that holds
        detail = members.pop("detail", None)
    problem = foreign_problem(exc.status_code, detail, exc.headers)
    if members:
        for name in ("type", "title", "instance"):
            value = members.pop(name, None)
            if value is not None:
                setattr(problem, name, _text(value))
        problem.extensions = members
    return problem


def foreign_problem(status: int, detail: Any, headers: Mapping[str, str] | None) -> Problem:
    """A framework's HTTP error (Starlette's, Litestar's, werkzeug's, Falcon's, Django's)
    as a problem: its status, its detail as text unless it only repeats the reason
    phrase (frameworks fill an omitted detail with it; ours says more), its headers."""
    if not 400 <= status <= 599:
        return InternalServerError()  # an "error" of another status is a bug of the app's
    if not detail or detail == http.client.responses.get(status):
        detail = None
    elif type(detail) is not str:
        detail = _text(detail)
    cls = class_for_status(status)
    problem = cls(detail) if cls is not None else for_any_status(status, detail)
    if headers:
        # Foreign headers are cleaned, not refused: refusing would turn a 401 into a crash.
        try:
            items = tuple(headers.items())
            problem.raw_headers = _cleaned.get(items) or _cleaned(items)
        except TypeError:  # an unhashable value; clean it uncached
            problem.raw_headers = encode_headers(headers, strict=False)
        problem.headers = dict(headers)
    return problem


def _text(value: Any) -> str:
    # A member that must be text: structured values as JSON, never a Python repr.
    if isinstance(value, (Mapping, list, tuple)):
        return json_text(value)
    return as_text(value)


def _describe(value: object) -> str:
    # Its type only: a repr() may raise, or say what the client sent.
    return f"a {type(value).__name__}"


def _request(scope: Scope | None) -> HTTPConnection | None:
    # A Request for HTTP; a websocket's scope gives the HTTPConnection both share.
    if scope is None:
        return None
    return Request(scope) if scope["type"] == "http" else HTTPConnection(scope)


def from_client_disconnect(exc: ClientDisconnect) -> Problem:
    """A request body cut short by the client: its error, not a crash of ours.

    Servers drop an answer to a client that has gone, but a 4xx keeps the log free of
    tracebacks, and middleware such as BaseHTTPMiddleware still gets its response.
    """
    return BadRequest("The client disconnected before it had sent the whole request body.")


def _clean(items: tuple[tuple[str, str], ...]) -> RawHeaders:
    return encode_headers(dict(items), strict=False)


# The same few header sets (Allow of a route, WWW-Authenticate) come back on every
# request; cleaning each once is enough.
_cleaned: Memo[tuple[tuple[str, str], ...], RawHeaders] = Memo(
    _clean, weight=lambda items, raw: sum(len(name) + len(value) for name, value in raw)
)


class UsersMapping:
    """A mapping callable of the app's: ``exc -> Problem`` or ``(exc, request) -> Problem``.

    It may hand out one shared instance; each answer gets its own copy, so that its
    ``__cause__`` is its own request's exception (another request's, under load).
    """

    def __init__(self, function: Callable[..., Problem]) -> None:
        self.function = function
        self.takes_request = _takes_request(function)

    def __call__(self, exc: Any, request: Any = None) -> Problem:
        made = self.function(exc, request) if self.takes_request else self.function(exc)
        return copy.copy(made) if isinstance(made, Problem) else made


def _takes_request(function: Callable[..., Problem]) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: exc only
        return False
    positional = [
        p for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]  # fmt: skip
    return len(positional) >= 2


class ToClass:
    """The translation of a mapping to a Problem class: a new instance of it."""

    __slots__ = ("problem_class",)

    def __init__(self, problem_class: type[Problem]) -> None:
        self.problem_class = problem_class

    def __call__(self, exc: Any) -> Problem:
        return self.problem_class()


def _translator(target: MappingTarget) -> Translator:
    if isinstance(target, type):
        if issubclass(target, Problem):
            members = members_of(target)
            required = (
                [m.name for m in members.members.values() if m.default is MISSING]
                if members
                else []
            )
            if required:
                # Known now, not at the first request: nothing gives the member a value.
                raise TypeError(
                    f"{target.__qualname__} needs the member {required[0]!r}, which a "
                    "mapping to the class cannot give: map to a callable, "
                    f"lambda exc: {target.__name__}(..., {required[0]}=...)"
                )
            return ToClass(target)
    elif callable(target):
        return UsersMapping(target)
    raise TypeError(
        "mapping values must be a Problem subclass or a callable exc -> Problem "
        f"(or (exc, request) -> Problem), not {target!r}"
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
        self._clients_loaded: set[str] = set()
        # Exception class -> the translator found along its MRO (None: a crash). Use
        # rule(); rules.get() is for a look-up that may miss (None: not looked up yet).
        self.rules: Memo[type[BaseException], Translator | None] = Memo(self._lookup)

    def _from_upstream(self, exc: Problem) -> Problem:
        # A problem an upstream answered with, re-raised here (raise_for_problem).
        detail = exc.detail if self.pass_upstream_detail else None
        upstream_headers = getattr(exc.response, "headers", None)
        return upstream_problem(exc.status, detail, upstream_headers, exc.upstream)

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
        twin._clients_loaded = set(self._clients_loaded)
        twin.rules = Memo(twin._lookup)
        return twin

    def _lookup(self, exc_type: type[BaseException]) -> Translator | None:
        package = exc_type.__module__.partition(".")[0]
        if package in HTTP_CLIENTS and package not in self._clients_loaded:
            # The first exception of httpx or httpx2: learn its mapping now, so that
            # the core never imports an HTTP client for apps that use none.
            self._clients_loaded.add(package)
            from .integrations.httpx import default_mapping

            for key, translator in default_mapping(package).items():
                self._table.setdefault(key, translator)
        return next((self._table[cls] for cls in exc_type.__mro__ if cls in self._table), None)

    def rule(self, exc_type: type[BaseException]) -> Translator | None:
        """The translator of ``exc_type``: ITSELF for problems, None for crashes."""
        translator = self.rules.get(exc_type, _UNSEEN)
        if translator is _UNSEEN:
            return self.rules(exc_type)
        return translator  # type: ignore[return-value]

    def decide(self, exc: Exception, scope: Scope | None = None) -> Translated:
        """The exception that decides the answer, its problem, whether it was a crash,
        and the others that an exception group held with it. ``scope`` is the request's,
        for the mapping callables that take the request.

        A group of one stands for its member; a group of several is answered with its
        most severe member (the first 5xx, else the first one).
        """
        if self.rules.get(type(exc)) is ITSELF and exc.upstream is None:  # type: ignore[attr-defined]
            return exc, exc, False, _NONE  # type: ignore[return-value] # a Problem: the usual case
        if isinstance(exc, Group):
            exc = unwrap(exc)
        if not isinstance(exc, Group):
            problem, crashed = self(exc, scope)
            return exc, problem, crashed, _NONE
        results = [(member, *self(member, scope)) for member in leaves(exc)]
        chosen = max(results, key=lambda result: result[1].status >= 500)
        others = [result for result in results if result[0] is not chosen[0]]
        return (*chosen, others)

    def __call__(self, exc: BaseException, scope: Scope | None = None) -> tuple[Problem, bool]:
        """The problem for ``exc`` and whether it was an unexpected crash."""
        translator: Translator | None = self.rule(type(exc))
        if translator is ITSELF and isinstance(exc, Problem):
            return (exc if exc.upstream is None else self._from_upstream(exc)), False
        if translator is None:
            return InternalServerError(), True
        try:
            if type(translator) is UsersMapping:
                problem = translator(exc, _request(scope) if translator.takes_request else None)
            else:
                problem = translator(exc)
        except Exception:
            logger.exception("the mapping for %s raised; answering 500", type(exc).__name__)
            return InternalServerError(), True
        if not isinstance(problem, Problem):
            logger.error(
                "the mapping for %s returned %s, not a Problem; answering 500",
                type(exc).__name__,
                _describe(problem),
            )
            return InternalServerError(), True
        return problem, False
