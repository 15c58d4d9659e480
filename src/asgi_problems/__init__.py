"""asgi-problems: RFC 9457 problem details for every error of a Starlette or FastAPI app."""

from ._error_path import ErrorPath
from ._exceptions import (
    BadGateway,
    BadRequest,
    Conflict,
    ContentTooLarge,
    ExpectationFailed,
    FailedDependency,
    Forbidden,
    GatewayTimeout,
    Gone,
    HTTPVersionNotSupported,
    ImATeapot,
    InsufficientStorage,
    InternalServerError,
    LengthRequired,
    Locked,
    LoopDetected,
    MethodNotAllowed,
    MisdirectedRequest,
    NetworkAuthenticationRequired,
    NotAcceptable,
    NotExtended,
    NotFound,
    NotImplementedProblem,
    PaymentRequired,
    PreconditionFailed,
    PreconditionRequired,
    ProxyAuthenticationRequired,
    RangeNotSatisfiable,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    TooEarly,
    TooManyRequests,
    Unauthorized,
    UnavailableForLegalReasons,
    UnprocessableContent,
    UnsupportedMediaType,
    UpgradeRequired,
    URITooLong,
    VariantAlsoNegotiates,
)
from ._install import install, language_of
from ._middleware import ProblemMiddleware
from ._openapi import problem_responses
from ._options import Options
from ._problem import Problem
from ._status import STATUSES, StatusInfo

__version__ = "0.1.0"

__all__ = [
    "STATUSES",
    "BadGateway",
    "BadRequest",
    "Conflict",
    "ContentTooLarge",
    "ErrorPath",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InsufficientStorage",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "LoopDetected",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NetworkAuthenticationRequired",
    "NotAcceptable",
    "NotExtended",
    "NotFound",
    "NotImplementedProblem",
    "Options",
    "PaymentRequired",
    "PreconditionFailed",
    "PreconditionRequired",
    "Problem",
    "ProblemMiddleware",
    "ProxyAuthenticationRequired",
    "RangeNotSatisfiable",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "ServiceUnavailable",
    "StatusInfo",
    "TooEarly",
    "TooManyRequests",
    "URITooLong",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "UpgradeRequired",
    "VariantAlsoNegotiates",
    "__version__",
    "install",
    "language_of",
    "problem_responses",
]

# Exported names say where to import them from, as httpx's do: asgi_problems.NotFound,
# not asgi_problems._exceptions.NotFound (in reprs, docs and tracebacks).
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, type) or callable(_value):
        _value.__module__ = __name__
del _name, _value
