"""The Problem exception: an HTTP error that knows how to describe itself (RFC 9457).

The one subclass per status code lives in ``_exceptions.py``.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any, ClassVar

from ._headers import RawHeaders, encode_headers
from ._status import STATUSES

# Descriptions for codes in a valid range that no registry entry covers (a foreign
# HTTPException(499), an upstream's 599): honest, and no more specific than we know.
_UNREGISTERED = {
    4: (
        "Client Error",
        "The request could not be processed because of an error on the client's side.",
    ),
    5: ("Server Error", "The server failed to fulfill a request that appears to be valid."),
}


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
    attributes.
    """

    status: int = 500
    type: str = "about:blank"
    title: str | None = None
    detail: str | None = None
    instance: str | None = None

    # The httpx.Response that asgi_problems.client read this problem from, if any.
    response: Any = None
    # Set by asgi_problems.client on problems read from an upstream's response (its
    # name, or ""), so that a gateway does not pass an upstream's 5xx on as its own.
    _upstream: str | None = None

    # Filled in by the subclasses of _exceptions.py: status -> class.
    _by_status: ClassVar[dict[int, builtins.type[Problem]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Catch a bad class definition at import time, not on the first request.
        _check_status(cls.status)

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
        cls = self.__class__
        status = cls.status if status is None else _check_status(status)
        info = STATUSES[status]
        if detail is None:
            detail = cls.detail if cls.detail is not None else info.description
        if title is None:
            title = cls.title if cls.title is not None else info.title
        if type is None:
            type = cls.type
        self.status = status
        # Members are text; the checks skip str() for what already is (the usual case).
        self.type = type if builtins.type(type) is str else str(type)
        self.title = title if builtins.type(title) is str else str(title)
        self.detail = detail if builtins.type(detail) is str else str(detail)
        self.instance = None if instance is None else str(instance)
        self.extensions: dict[str, Any] = extensions
        if headers:
            self.headers: dict[str, str] = dict(headers)
            self._raw_headers: RawHeaders = encode_headers(headers, strict=True)
        else:
            self.headers = {}
            self._raw_headers = ()
        self.args = (self.detail,)

    @classmethod
    def from_status(cls, code: int, detail: str | None = None, **kwargs: Any) -> Problem:
        """Return an instance of the built-in subclass for ``code`` (e.g. NotFound for 404)."""
        target = Problem._by_status.get(_check_status(code), Problem)
        if target is Problem:
            kwargs["status"] = code
        return target(detail, **kwargs)

    @classmethod
    def _for_any_status(cls, code: int, detail: str | None = None) -> Problem:
        # For codes that come from outside (foreign exceptions, upstream responses):
        # registered codes get their class, other 4xx/5xx codes a generic Problem.
        if code in STATUSES:
            return cls.from_status(code, detail)
        title, description = _UNREGISTERED[code // 100]
        problem = Problem(detail if detail is not None else description, title=title)
        problem.status = code
        return problem

    def __str__(self) -> str:
        return str(self.detail)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(status={self.status!r}, detail={self.detail!r})"
