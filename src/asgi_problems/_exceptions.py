"""One Problem subclass per 4xx/5xx status code of the registry.

Class tree::

    Exception
    └── Problem                      status 500 unless given
        ├── BadRequest               400
        ├── Unauthorized             401
        ├── ...                      one class per 4xx code
        ├── InternalServerError      500
        ├── NotImplementedProblem    501 (``NotImplemented`` is a builtin)
        └── ...                      one class per 5xx code

Names are the RFC 9110 reason phrases in CamelCase. Subclass any of them to fix
``type``, ``title`` or ``detail`` for a problem type of your own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from ._members import field
from ._problem import Problem, register


def _retry_after(value: int | datetime) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(
                "retry_after datetime must be timezone-aware, e.g. datetime.now(timezone.utc)"
            )
        return format_datetime(value.astimezone(timezone.utc), usegmt=True)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"invalid retry_after {value!r}: use whole seconds (int >= 0) or an aware datetime"
        )
    return str(value)


def _with(
    headers: Mapping[str, str] | None, name: str, value: str | None
) -> Mapping[str, str] | None:
    if value is None:
        return headers
    return {**(headers or {}), name: value}


class _RetryAfterMixin(Problem, init=False):
    # Not a registered status class itself: shares the ``retry_after`` keyword.
    if TYPE_CHECKING:  # the keyword, for the constructors type checkers make of subclasses
        retry_after_given: int | datetime | None = field(default=None, alias="retry_after")

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: int | datetime | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        value = None if retry_after is None else _retry_after(retry_after)
        super().__init__(detail, headers=_with(headers, "Retry-After", value), **kwargs)


class BadRequest(Problem, init=False):
    """400 Bad Request: raise it when the request is malformed or its parameters are invalid."""

    status = 400


class Unauthorized(Problem, init=False):
    """401 Unauthorized: raise it when credentials are missing or invalid; pass ``WWW-Authenticate`` in ``headers``."""

    status = 401


class PaymentRequired(Problem, init=False):
    """402 Payment Required: raise it when the request needs a payment, credit or subscription the client lacks."""

    status = 402


class Forbidden(Problem, init=False):
    """403 Forbidden: raise it when the client is known but not allowed to do this."""

    status = 403


class NotFound(Problem, init=False):
    """404 Not Found: raise it when nothing exists at the requested URI."""

    status = 404


class MethodNotAllowed(Problem, init=False):
    """405 Method Not Allowed: raise it when the resource does not support the request method; ``allow`` lists the ones it does."""

    status = 405
    if TYPE_CHECKING:  # the keyword, for the constructors type checkers make of subclasses
        allow_given: Iterable[str] | None = field(default=None, alias="allow")

    def __init__(
        self,
        detail: str | None = None,
        *,
        allow: Iterable[str] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        value = None if allow is None else ", ".join(allow)
        super().__init__(detail, headers=_with(headers, "Allow", value), **kwargs)


class NotAcceptable(Problem, init=False):
    """406 Not Acceptable: raise it when no representation matches the request's Accept headers."""

    status = 406


class ProxyAuthenticationRequired(Problem, init=False):
    """407 Proxy Authentication Required: raise it when the client must first authenticate with a proxy."""

    status = 407


class RequestTimeout(Problem, init=False):
    """408 Request Timeout: raise it when the client took too long to send its request."""

    status = 408


class Conflict(Problem, init=False):
    """409 Conflict: raise it when the request conflicts with the current state of the resource."""

    status = 409


class Gone(Problem, init=False):
    """410 Gone: raise it when the resource was removed for good."""

    status = 410


class LengthRequired(Problem, init=False):
    """411 Length Required: raise it when the request must carry a Content-Length."""

    status = 411


class PreconditionFailed(Problem, init=False):
    """412 Precondition Failed: raise it when a conditional header (If-Match, ...) evaluated to false."""

    status = 412


class ContentTooLarge(Problem, init=False):
    """413 Content Too Large: raise it when the request body is too large."""

    status = 413


class URITooLong(Problem, init=False):
    """414 URI Too Long: raise it when the request URI is too long."""

    status = 414


class UnsupportedMediaType(Problem, init=False):
    """415 Unsupported Media Type: raise it when the request body is in a format the resource does not accept."""

    status = 415


class RangeNotSatisfiable(Problem, init=False):
    """416 Range Not Satisfiable: raise it when the requested range lies outside the resource."""

    status = 416


class ExpectationFailed(Problem, init=False):
    """417 Expectation Failed: raise it when the request's Expect header cannot be met."""

    status = 417


class ImATeapot(Problem, init=False):
    """418 I'm a Teapot: raise it when the server is a teapot (RFC 9110 reserves the code as unused)."""

    status = 418


class MisdirectedRequest(Problem, init=False):
    """421 Misdirected Request: raise it when the request reached a server that cannot answer for its URI."""

    status = 421


class UnprocessableContent(Problem, init=False):
    """422 Unprocessable Content: raise it when the request body is well-formed but fails validation."""

    status = 422


class Locked(Problem, init=False):
    """423 Locked: raise it when the resource is locked (WebDAV)."""

    status = 423


class FailedDependency(Problem, init=False):
    """424 Failed Dependency: raise it when an action this request depended on failed (WebDAV)."""

    status = 424


class TooEarly(Problem, init=False):
    """425 Too Early: raise it when the request might be replayed from TLS early data."""

    status = 425


class UpgradeRequired(Problem, init=False):
    """426 Upgrade Required: raise it when the client must switch to another protocol first."""

    status = 426


class PreconditionRequired(Problem, init=False):
    """428 Precondition Required: raise it when the request must be conditional to prevent lost updates."""

    status = 428


class TooManyRequests(_RetryAfterMixin, init=False):
    """429 Too Many Requests: raise it when the client is rate limited; ``retry_after`` sets Retry-After."""

    status = 429


class RequestHeaderFieldsTooLarge(Problem, init=False):
    """431 Request Header Fields Too Large: raise it when the request's header fields are too large."""

    status = 431


class UnavailableForLegalReasons(Problem, init=False):
    """451 Unavailable For Legal Reasons: raise it when a legal demand blocks access to the resource."""

    status = 451


class InternalServerError(Problem, init=False):
    """500 Internal Server Error: raise it when the server failed unexpectedly."""

    status = 500


class NotImplementedProblem(Problem, init=False):
    """501 Not Implemented: raise it when the server does not support what the request asks for."""

    status = 501


class BadGateway(Problem, init=False):
    """502 Bad Gateway: raise it when an upstream server answered with an invalid response."""

    status = 502


class ServiceUnavailable(_RetryAfterMixin, init=False):
    """503 Service Unavailable: raise it when the service is overloaded or down for maintenance; ``retry_after`` sets Retry-After."""

    status = 503


class GatewayTimeout(Problem, init=False):
    """504 Gateway Timeout: raise it when an upstream server did not answer in time."""

    status = 504


class HTTPVersionNotSupported(Problem, init=False):
    """505 HTTP Version Not Supported: raise it when the request's HTTP version is not supported."""

    status = 505


class VariantAlsoNegotiates(Problem, init=False):
    """506 Variant Also Negotiates: raise it when content negotiation is misconfigured on the server."""

    status = 506


class InsufficientStorage(Problem, init=False):
    """507 Insufficient Storage: raise it when the server ran out of storage (WebDAV)."""

    status = 507


class LoopDetected(Problem, init=False):
    """508 Loop Detected: raise it when the server found an infinite loop (WebDAV)."""

    status = 508


class NotExtended(Problem, init=False):
    """510 Not Extended: raise it when the request needs further extensions (obsolete)."""

    status = 510


class NetworkAuthenticationRequired(Problem, init=False):
    """511 Network Authentication Required: raise it when the client must authenticate to get network access."""

    status = 511


register(
    *(
        cls
        for cls in list(globals().values())
        if isinstance(cls, type)
        and issubclass(cls, Problem)
        and cls.__name__[0] != "_"
        and cls is not Problem
    )
)
