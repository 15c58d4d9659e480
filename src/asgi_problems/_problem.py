"""The Problem exception: an HTTP error that knows how to describe itself (RFC 9457).

The one subclass per status code lives in ``_exceptions.py``; the typed members a
class of yours declares, in ``_members.py``.
"""

from __future__ import annotations

import builtins
import functools
import sys
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ._headers import RawHeaders, encode_headers
from ._members import FINE_NAMES, Members, declare_members, field, misspelt_keyword
from ._status import title_and_description

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:  # pragma: no cover - Starlette requires typing_extensions before 3.13
    from typing_extensions import dataclass_transform


def as_text(value: object) -> str:
    """A value as text: a str subclass (a ``(str, Enum)`` error code) by its value,
    which its str() is not; anything else by str()."""
    if isinstance(value, str):
        return str.__str__(value)
    return str(value)


def _check_status(status: object) -> int:
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise ValueError(f"invalid problem status {status!r}: use an int from 400 to 599")
    return status


if TYPE_CHECKING:

    @dataclass_transform(kw_only_default=True, eq_default=False, field_specifiers=(field,))
    class ProblemType(type):
        """Tells type checkers (PEP 681) that the members a subclass of Problem annotates
        are keyword arguments of its constructor, as ``Problem.__init_subclass__`` makes
        them at run time."""

else:
    # At run time Problem's class is plain ``type``: with a metaclass of its own, every
    # isinstance(exc, Problem) would look __instancecheck__ up and call it, which cost
    # the error path 2% of its instructions (callgrind, raised NotFound()).
    ProblemType = type


class Problem(Exception, metaclass=ProblemType):
    """An HTTP error response as an exception; raise it from any handler.

    Positional ``detail`` and the keyword-only RFC 9457 members override the
    defaults of the class. Subclasses may fix ``status``, ``type``, ``title`` and
    ``detail`` as class attributes; those they leave out come from their status.

    A subclass's annotated attributes are its typed members (``balance: int``):
    constructor keywords, required unless given a default, checked at the raise and
    sent in the body. A class that declares none (``NotFound``, ``Problem``, or one of
    yours declared ``init=False``) takes any other keyword as an extension member.
    """

    status: int = 500
    type: str = "about:blank"
    title: str | None = None
    detail: str | None = field(default=None, kw_only=False)
    instance: str | None = None

    #: The httpx.Response that asgi_problems.client read this problem from, if any.
    response: Any = field(default=None, init=False)
    #: For a problem read from an upstream's response by asgi_problems.client, the
    #: upstream's name ("" if unnamed): a gateway does not pass its 5xx on as its own.
    upstream: str | None = field(default=None, init=False)
    #: ``headers`` as sent: checked, lower-case (name, value) byte pairs.
    raw_headers: RawHeaders = field(default=(), init=False)

    if TYPE_CHECKING:
        # What type checkers see of the rest of the constructor (the attribute
        # ``headers`` is a dict, the keyword takes any mapping).
        extensions: dict[str, Any] = field(init=False)
        headers_given: Mapping[str, str] | None = field(default=None, alias="headers")

    # The title and detail a class sets itself (None: its status's), which apply
    # when an instance is given another status.
    _own: ClassVar[tuple[str | None, str | None]] = (None, None)
    # The members a class declares (None: it takes free extension members instead).
    _members: ClassVar[Members | None] = None

    def __init_subclass__(cls, *, init: bool = True, **kwargs: Any) -> None:
        """``init=False``: the class keeps taking free extension members, for type
        checkers too, and declares none of its own."""
        super().__init_subclass__(**kwargs)
        # Catch a bad class definition at import time, not on the first request.
        _check_status(cls.status)
        _fill_defaults(cls)
        cls._members = declare_members(cls, free=not init, scope=sys._getframe(1).f_locals)
        if "type" in cls.__dict__ and cls.type != "about:blank":
            _WITH_TYPE.add(cls)

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
        members = self._members
        if members is not None:
            extensions = members.take(extensions)
        elif extensions:
            for name in extensions:
                if name not in FINE_NAMES and misspelt_keyword(extensions) is not None:
                    raise _misspelt(self, extensions)
        self.extensions: dict[str, Any] = extensions
        if status is not None:
            cls = self.__class__
            self.status = _check_status(status)
            if status != cls.status:
                info_title, description = title_and_description(status)
                own_title, own_detail = cls._own
                if title is None:
                    title = info_title if own_title is None else own_title
                if detail is None:
                    detail = description if own_detail is None else own_detail
        # Members are text; the checks skip as_text() for what already is (the usual case).
        if detail is not None:
            self.detail = detail if builtins.type(detail) is str else as_text(detail)
        if title is not None:
            self.title = title if builtins.type(title) is str else as_text(title)
        if type is not None:
            self.type = type if builtins.type(type) is str else as_text(type)
        if instance is not None:
            self.instance = as_text(instance)
        if headers:
            self.headers = dict(headers)
            self.raw_headers = encode_headers(headers, strict=True)

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles skip the constructor, whose required members the
        # exception's args do not carry.
        return _restore, (self.__class__, self.args, self.__dict__)

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        """The problem's own response headers (set them with ``headers=``)."""
        return {}

    @classmethod
    def from_status(cls, code: int, detail: str | None = None, **kwargs: Any) -> Problem:
        """Return an instance of the built-in subclass for ``code`` (e.g. NotFound for 404);
        a code of 400-599 with no class of its own gives a Problem of that status."""
        target = _BY_STATUS.get(_check_status(code), Problem)
        if target is Problem:
            kwargs["status"] = code
        return target(detail, **kwargs)

    def __str__(self) -> str:
        return str(self.detail)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(status={self.status!r}, detail={self.detail!r})"


def _restore(cls: builtins.type[Problem], args: tuple[Any, ...], state: dict[str, Any]) -> Problem:
    problem = Exception.__new__(cls, *args)
    problem.__dict__.update(state)
    return problem


def _misspelt(problem: Problem, extensions: Mapping[str, Any]) -> TypeError:
    name = misspelt_keyword(extensions)
    return TypeError(
        f"{problem.__class__.__name__}() got {name!r}, a misspelt RFC 9457 member? "
        "Extension members may not be named one typo away from detail, status, type, "
        "title, instance or headers."
    )


# The Problem classes that set a type URI of their own, for the client to find the
# class of a problem it reads back; weak, as classes may come and go (tests, plugins).
_WITH_TYPE: weakref.WeakSet[builtins.type[Problem]] = weakref.WeakSet()


def classes_of_type(type_uri: str) -> list[builtins.type[Problem]]:
    """The classes that set ``type_uri`` as their type."""
    return [cls for cls in list(_WITH_TYPE) if cls.type == type_uri]


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
    return Problem.from_status(code, detail)


def own_title(cls: builtins.type[Problem]) -> str | None:
    """The title a class sets itself (None: it takes its status's)."""
    return cls._own[0]


def _fill_defaults(cls: builtins.type[Problem]) -> None:
    """Give ``cls`` the title and detail of its status where it sets none itself."""
    own = tuple(_explicit(cls, name) for name in ("title", "detail"))
    cls._own = own  # type: ignore[assignment]
    title, description = title_and_description(cls.status)
    cls.title = title if own[0] is None else own[0]
    cls.detail = description if own[1] is None else own[1]


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
