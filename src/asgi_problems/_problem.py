"""The Problem exception: an HTTP error that knows how to describe itself (RFC 9457).

The one subclass per status code lives in ``_exceptions.py``.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from ._headers import RawHeaders, encode_headers
from ._status import STATUSES, UNREGISTERED


def _check_status(status: object) -> int:
    if (
        not isinstance(status, int)
        or isinstance(status, bool)
        or not 400 <= status <= 599
        or status not in STATUSES
    ):
        raise ValueError(
            f"invalid problem status {status!r}: use an int from 400 to 599 "
            "that is in asgi_problems.STATUSES"
        )
    return status


class Problem(Exception):
    """An HTTP error response as an exception; raise it from any handler.

    Positional ``detail`` and the keyword-only RFC 9457 members override the
    defaults of the class; any other keyword argument becomes an extension member.
    Subclasses may fix ``status``, ``type``, ``title`` and ``detail`` as class
    attributes; those they leave out come from the registry entry of their status.
    """

    status: int = 500
    type: str = "about:blank"
    title: str | None = None
    detail: str | None = None
    instance: str | None = None

    #: The httpx.Response that asgi_problems.client read this problem from, if any.
    response: Any = None
    #: For a problem read from an upstream's response by asgi_problems.client, the
    #: upstream's name ("" if unnamed): a gateway does not pass its 5xx on as its own.
    upstream: str | None = None
    #: ``headers`` as sent: checked, lower-case (name, value) byte pairs.
    raw_headers: RawHeaders = ()

    # The title and detail a class sets itself (None: its status's), which apply
    # when an instance is given another status.
    _own: ClassVar[tuple[str | None, str | None]] = (None, None)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Catch a bad class definition at import time, not on the first request.
        _check_status(cls.status)
        _fill_defaults(cls)

    def __init__(
        self,
        detail: str | None = None,
        *,
        status: int | None = None,
        type: str | None = None,
        title: str | None = None,
        instance: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        # What is not given stays with the class, whose attributes hold the resolved
        # defaults: a bare NotFound() sets one attribute, which keeps raising cheap.
        self.extensions: dict[str, Any] = extensions
        if status is not None:
            cls = self.__class__
            self.status = _check_status(status)
            if status != cls.status:
                info = STATUSES[status]
                own_title, own_detail = cls._own
                if title is None:
                    title = info.title if own_title is None else own_title
                if detail is None:
                    detail = info.description if own_detail is None else own_detail
        # Members are text; the checks skip str() for what already is (the usual case).
        if detail is not None:
            self.detail = detail if builtins.type(detail) is str else str(detail)
        if title is not None:
            self.title = title if builtins.type(title) is str else str(title)
        if type is not None:
            self.type = type if builtins.type(type) is str else str(type)
        if instance is not None:
            self.instance = str(instance)
        if headers:
            self.headers = dict(headers)
            self.raw_headers = encode_headers(headers, strict=True)

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        """The problem's own response headers (set them with ``headers=``)."""
        return {}

    @classmethod
    def from_status(cls, code: int, detail: str | None = None, **kwargs: Any) -> Problem:
        """Return an instance of the built-in subclass for ``code`` (e.g. NotFound for 404)."""
        target = _BY_STATUS.get(_check_status(code), Problem)
        if target is Problem:
            kwargs["status"] = code
        return target(detail, **kwargs)

    def __str__(self) -> str:
        return str(self.detail)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(status={self.status!r}, detail={self.detail!r})"


# status -> the class of _exceptions.py for it, filled by register().
_BY_STATUS: dict[int, builtins.type[Problem]] = {}


def register(*classes: builtins.type[Problem]) -> None:
    """Make these the classes that ``from_status()`` gives for their statuses."""
    _BY_STATUS.update((cls.status, cls) for cls in classes)


def class_for_status(code: int) -> builtins.type[Problem] | None:
    """The registered class of a status (NotFound for 404), if there is one."""
    return _BY_STATUS.get(code)


def for_any_status(code: int, detail: str | None = None) -> Problem:
    """A problem for a 4xx/5xx code from outside (a foreign exception, an upstream):
    a registered code gets its class, any other a generic Problem of that code."""
    if code in STATUSES:
        return Problem.from_status(code, detail)
    title, description = UNREGISTERED[code // 100]
    problem = Problem(detail if detail is not None else description, title=title)
    problem.status = code
    return problem


def own_title(cls: builtins.type[Problem]) -> str | None:
    """The title a class sets itself (None: it takes its status's)."""
    return cls._own[0]


def _fill_defaults(cls: builtins.type[Problem]) -> None:
    """Give ``cls`` the title and detail of its status where it sets none itself."""
    own = tuple(_explicit(cls, name) for name in ("title", "detail"))
    cls._own = own  # type: ignore[assignment]
    info = STATUSES[cls.status]
    cls.title = info.title if own[0] is None else own[0]
    cls.detail = info.description if own[1] is None else own[1]


def _explicit(cls: builtins.type[Problem], name: str) -> str | None:
    # The nearest value set in a class body: ancestors that are Problems know theirs.
    index = ("title", "detail").index(name)
    for klass in cls.__mro__:
        if "_own" in klass.__dict__:
            explicit: str | None = klass.__dict__["_own"][index]
            return explicit
        if name in klass.__dict__:
            value: str | None = klass.__dict__[name]
            return value
    return None  # pragma: no cover - Problem is in every MRO here


_fill_defaults(Problem)
