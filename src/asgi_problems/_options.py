"""The options of one app's error path: defined once, here.

``install()`` and ``ProblemMiddleware`` spell them out in their signatures, so that
IDEs and type checkers show each; a test keeps those signatures in step with
``Options``.
"""

from __future__ import annotations

import dataclasses
import gettext
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from starlette.requests import HTTPConnection

from ._i18n import Languages
from ._problem import Problem
from ._translate import MappingTarget

NO_RERAISE = (
    "reraise is for Starlette and FastAPI, whose ServerErrorMiddleware lets a crash out "
    "to the server (and to TestClient(raise_server_exceptions=True)); {} answers every "
    "exception itself and never lets one out, and neither does install() on it"
)

OnProblem = Callable[[HTTPConnection, Problem], Awaitable[None] | None]


@dataclasses.dataclass(frozen=True)
class Options:
    """How an app answers its errors (the README's "Options" lists what each does)."""

    #: A 500 problem carries the exception and its traceback (never in production);
    #: None: as the app's own ``debug`` (``FastAPI(debug=True)``), else off.
    debug: bool | None = None
    #: Foreign exception classes -> a Problem class or a callable ``exc -> Problem``.
    mapping: Mapping[type[BaseException], MappingTarget] | None = None
    #: Problems carry the request's path as ``instance``.
    instance: bool = False
    #: Called with the connection and the problem before each problem is sent.
    on_problem: OnProblem | None = None
    #: Re-raise a crash after its 500 problem is sent (for test clients).
    reraise: bool = False
    #: Let an upstream's 4xx detail through to the client (gateways).
    pass_upstream_detail: bool = False
    #: Answer in XML or HTML when the client asks for it.
    negotiate: bool = True
    #: Problems without a type of their own get ``type_base`` + their status's slug.
    type_base: str | None = None
    #: 5xx problems carry a ``correlation_id`` that is also on their log record; a
    #: header's name (``"X-Request-ID"``): your proxy's request id there is trusted.
    correlation_id: bool | str = False
    #: Seconds in which the repeats of a crash are counted, not logged in full (0: all).
    log_repeats: float = 10.0
    #: Languages served besides English (``["de", "fr"]``): problems go out in the
    #: best one the request's Accept-Language takes.
    locales: Sequence[str] = ()
    #: The app's own gettext catalogs by language, consulted before ours.
    translations: Mapping[str, gettext.NullTranslations] | None = None
    #: What ``locales`` and ``translations`` make: None when ``locales`` is empty.
    languages: Languages | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # A wrong type is refused here, at install(), not found out at the first error:
        # debug="no" would otherwise be true.
        for option in _given(self):
            value = getattr(self, option.name)
            wanted, fits = _KINDS[option.name]
            if not (value is None and option.default is None) and not fits(value):
                raise TypeError(
                    f"the option {option.name} takes {wanted}, not {type(value).__name__}"
                )

        if self.locales:
            # Unknown tags and languages without a catalog are refused here too.
            object.__setattr__(self, "languages", Languages(self.locales, self.translations))

    @property
    def trusted_request_id(self) -> str | None:
        """The header whose request id is trusted as the correlation id, if named."""
        return self.correlation_id if isinstance(self.correlation_id, str) else None

    @classmethod
    def among(cls, arguments: Mapping[str, Any]) -> Options:
        """The options among a call's arguments: ``Options.among(locals())``."""
        return cls(**{field.name: arguments[field.name] for field in _given(cls)})


def _given(options: Any) -> list[dataclasses.Field[Any]]:
    """The fields of Options that are options (not what they make)."""
    return [field for field in dataclasses.fields(options) if field.init]


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


# What each option takes, said and checked (None too, where None is its default).
_KINDS: dict[str, tuple[str, Callable[[object], bool]]] = {
    "debug": ("True or False", _is_bool),
    "mapping": ("a mapping of exception classes", lambda v: isinstance(v, Mapping)),
    "instance": ("True or False", _is_bool),
    "on_problem": ("a function", callable),
    "reraise": ("True or False", _is_bool),
    "pass_upstream_detail": ("True or False", _is_bool),
    "negotiate": ("True or False", _is_bool),
    "type_base": ("a str", lambda v: isinstance(v, str)),
    "correlation_id": (
        "True, False or a header's name",
        lambda v: _is_bool(v) or (isinstance(v, str) and _TOKEN.fullmatch(v) is not None),
    ),
    "log_repeats": ("seconds, a number >= 0", lambda v: _is_number(v) and v >= 0),  # type: ignore[operator]
    "locales": (
        "a list of language tags",
        lambda v: isinstance(v, (list, tuple)) and all(isinstance(tag, str) for tag in v),
    ),
    "translations": (
        "a mapping of language tags to gettext translations",
        lambda v: (
            isinstance(v, Mapping)
            and all(isinstance(t, gettext.NullTranslations) for t in v.values())
        ),
    ),
}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
