"""Typed members of Problem classes: declared as annotations, checked at the raise.

    class OutOfCredit(Forbidden):
        balance: int                  # required: OutOfCredit(balance=30)
        code: str = "out-of-credit"   # sent with its default unless given

Each member's annotation becomes a Shape (``_shapes.py``), whose JSON Schema is the
one OpenAPI publishes and whose check is the one made here.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._memo import SIZE
from ._shapes import Shape, Unsupported, shape_of

MISSING: Any = object()
"""A member with no default: it is required."""

# The RFC 9457 members and the constructor's keywords: never extension members.
RESERVED = frozenset(
    {"type", "title", "status", "detail", "instance", "headers", "extensions", "response"}
    | {"upstream", "raw_headers"}
)
# Keywords a typo of which is caught even where free extension members are allowed.
_KEYWORDS = ("detail", "status", "type", "title", "instance", "headers")


def field(
    *,
    default: Any = MISSING,
    init: bool = True,
    kw_only: bool = True,
    alias: str | None = None,
) -> Any:
    """Tells type checkers how a member of Problem takes its value (PEP 681); at run
    time it is just the default."""
    return None if default is MISSING else default


@dataclass(frozen=True)
class Member:
    """One declared member: its name, its shape and its default (MISSING: required)."""

    name: str
    shape: Shape
    default: Any


class Members:
    """The declared members of one Problem class, in order, and the check at the raise."""

    def __init__(self, owner: str, members: Iterable[Member]) -> None:
        self.owner = owner
        self.members = {member.name: member for member in members}
        # (name, exact type, check, default) per member: what take() walks.
        self._plan = tuple(
            (m.name, m.shape.exact, m.shape.check, m.default) for m in self.members.values()
        )

        self.take: Callable[[dict[str, Any]], dict[str, Any]] = self._compiled_take()

    def take_slowly(self, given: dict[str, Any]) -> dict[str, Any]:
        """The members' values from the constructor's keywords, defaults filled in;
        TypeError for a missing member, a value of the wrong type or an unknown name."""
        values: dict[str, Any] = {}
        found = 0
        for name, exact, check, default in self._plan:
            value = given.get(name, MISSING)
            if value is MISSING:
                if default is MISSING:
                    raise TypeError(
                        f"{self.owner}() needs the member {name!r} "
                        f"({self.members[name].shape.name})"
                    )
                value = default
            else:
                found += 1
                if value.__class__ is not exact and not check(value):
                    raise self.mismatch(name, value)
            values[name] = value
        if found != len(given):
            raise self._unknown(given)
        return values

    def _compiled_take(self) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """take_slowly() with a fast path for the usual raise, which gives every member:
        the keywords are then the values, each checked in a line of its own. Written
        out as dataclasses write their __init__: a loop over the members cost a custom
        problem 1% of its whole request in make bench."""
        lines = [f"    if len(given) == {len(self._plan)}:", "        try:"]
        lines += [f"            v{i} = given[{name!r}]" for i, (name, *_) in enumerate(self._plan)]
        lines += ["        except KeyError:", "            return slowly(given)"]
        for i, (name, *_) in enumerate(self._plan):
            lines.append(f"        if v{i}.__class__ is not e{i} and not c{i}(v{i}):")
            lines.append(f"            raise mismatch({name!r}, v{i})")
        lines += ["        return given", "    return slowly(given)"]
        names: dict[str, Any] = {"slowly": self.take_slowly, "mismatch": self.mismatch}
        for i, (_, exact, check, _) in enumerate(self._plan):
            names[f"e{i}"], names[f"c{i}"] = exact, check
        source = "def take(given):\n" + "\n".join(lines)
        exec(source, names)
        take: Callable[[dict[str, Any]], dict[str, Any]] = names["take"]
        return take

    def mismatch(self, name: str, value: Any) -> TypeError:
        # The value's type, never the value: it may be what a client sent.
        return TypeError(
            f"{self.owner}: the member {name!r} takes {self.members[name].shape.name}, "
            f"not {type(value).__name__}"
        )

    def _unknown(self, given: Mapping[str, Any]) -> TypeError:
        name = next(str(key) for key in given if key not in self.members)
        hint = _near(name, list(self.members) + list(_KEYWORDS))
        return TypeError(
            f"{self.owner}() has no member {name!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; it declares {', '.join(self.members)}"
        )

    def schemas(self) -> dict[str, tuple[dict[str, Any], Any]]:
        """Name -> (JSON Schema, default or MISSING), in order."""
        return {name: (m.shape.schema, m.default) for name, m in self.members.items()}


def misspelt_keyword(names: Iterable[str]) -> str | None:
    """The first of ``names`` that looks like a typo of an RFC member's keyword
    ("detial"), for a class that takes free extension members."""
    for name in names:
        if name not in FINE_NAMES:
            if _near(str(name), _KEYWORDS) is not None:
                return name
            if len(FINE_NAMES) < SIZE:
                FINE_NAMES.add(name)
    return None


# Extension names found to be no typo. They are few and written in code, so each is
# judged once; the constructor looks here before it calls misspelt_keyword().
FINE_NAMES: set[str] = set()


def _near(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate one typo away from ``name``: a letter swapped with the next,
    changed, missing or added inside, or a change of case. A name that only extends
    one ("details", "status_code") is a name of its own."""
    lowered = name.lower()
    for candidate in candidates:
        if lowered == candidate and name != candidate:
            return candidate
        if (
            lowered != candidate
            and not lowered.startswith(candidate)
            and _one_edit(lowered, candidate)
        ):
            return candidate
    return None


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


# ---------------------------------------------------------------------------------------
# Declaring them: what Problem.__init_subclass__ calls


def members_of(cls: Any) -> Members | None:
    """The members a Problem class declares (None: it takes free ones instead)."""
    members: Members | None = cls._members
    return members


class MemberAttribute:
    """A declared member as an attribute: its value lives in ``extensions``, the one
    place the body is written from, and a new value is checked as at the raise."""

    def __init__(self, name: str, default: Any) -> None:
        self.name = name
        self.default = default

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self if self.default is MISSING else self.default
        try:
            return instance.extensions[self.name]
        except KeyError:  # an instance made without its constructor
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        members = members_of(type(instance))
        assert members is not None, "only classes with members have member attributes"
        if not members.members[self.name].shape.check(value):
            raise members.mismatch(self.name, value)
        instance.extensions[self.name] = value


def declare_members(cls: Any, *, free: bool, scope: Mapping[str, Any]) -> Members | None:
    """The members of a new Problem class: its base's, then its own annotations
    (``scope``: the names where the class is defined, for annotations that name local
    types). None for a class that takes free extension members instead."""
    inherited: Members | None = cls._members
    own = _own_annotations(cls, scope)
    if free:
        if own or inherited is not None:
            raise TypeError(
                f"{cls.__qualname__} is declared init=False, which keeps free extension "
                "members: it can neither declare members nor extend a class that does"
            )
        return None
    members = dict(inherited.members) if inherited is not None else {}
    # A member a base declared may get a new default in a subclass, annotated or not.
    for name in members.keys() - own.keys():
        if name in cls.__dict__ and not isinstance(cls.__dict__[name], MemberAttribute):
            own[name] = members[name].shape
    if not members and not own:
        return None
    for name, hint in own.items():
        where = f"{cls.__qualname__}.{name}"
        shape = hint if isinstance(hint, Shape) else _shape(hint, where)
        default = cls.__dict__.get(name, MISSING)
        if default is not MISSING:
            if isinstance(default, (list, dict, set)):
                raise TypeError(
                    f"{where}: a mutable default would be shared by every instance; "
                    "use a tuple (declare the member Sequence[...]) or None"
                )
            if not shape.check(default):
                raise TypeError(
                    f"{where}: the default is {type(default).__name__}, "
                    f"but the member takes {shape.name}"
                )
        members[name] = Member(name, shape, default)
        setattr(cls, name, MemberAttribute(name, default))
    return Members(cls.__qualname__, members.values())


def _shape(hint: Any, where: str) -> Shape:
    try:
        return shape_of(hint)
    except Unsupported as error:
        raise TypeError(f"{where}: {error}") from None


def _own_annotations(cls: Any, scope: Mapping[str, Any]) -> dict[str, Any]:
    """The annotations of the members ``cls`` itself declares, resolved."""
    raw = inspect.get_annotations(cls)
    names = [name for name in raw if not name.startswith("_") and name not in RESERVED]
    if not names:
        return {}
    try:
        hints = inspect.get_annotations(cls, eval_str=True, locals={**scope, **vars(cls)})
    except Exception as error:
        raise TypeError(
            f"{cls.__qualname__}: cannot resolve the annotations of its members ({error}); "
            "define the types they name before the class"
        ) from None
    return {name: hints[name] for name in names if not _is_class_var(hints[name])}


def _is_class_var(hint: Any) -> bool:
    return hint is typing.ClassVar or typing.get_origin(hint) is typing.ClassVar
