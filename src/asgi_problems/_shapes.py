"""What a member's annotation allows, as one description that gives both the JSON
Schema OpenAPI publishes and the check made at the raise.

An annotation becomes a ``Shape``: its schema, a check of a Python value against
it, and the reading of a JSON value back (for asgi_problems.client). Each kind of
annotation builds its schema and its check side by side, from the same parts, so
that the two cannot drift apart.
"""

from __future__ import annotations

import builtins
import enum
import math
import typing
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Shape:
    """What an annotation allows: its JSON Schema, a check of a Python value, and the
    reading of a JSON value (ValueError when it does not fit)."""

    name: str
    schema: dict[str, Any]
    check: Callable[[Any], bool]
    load: Callable[[Any], Any]
    # A type whose every instance fits, tested first with ``type(v) is exact``: the
    # usual int or str member then costs no call.
    exact: builtins.type | None = None


def _fits(check: Callable[[Any], bool]) -> Callable[[Any], Any]:
    def load(value: Any) -> Any:
        if not check(value):
            raise ValueError("does not fit")
        return value

    return load


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    # JSON has no NaN or infinity: a float that can't be sent as a number isn't one.
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _is_bool(value: Any) -> bool:
    return value is True or value is False


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _anything(value: Any) -> bool:
    return True


def _is_aware(value: Any) -> bool:
    # RFC 3339 date-times carry an offset; a naive datetime would be sent without one.
    return isinstance(value, datetime) and value.utcoffset() is not None


def _is_date(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _load_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a string")
    parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    if parsed.utcoffset() is None:
        raise ValueError("no offset")
    return parsed


def _load_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return date.fromisoformat(value)


def _load_uuid(value: Any) -> uuid.UUID:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return uuid.UUID(value)


_SIMPLE: dict[Any, Shape] = {
    str: Shape("str", {"type": "string"}, _is_str, _fits(_is_str), str),
    int: Shape("int", {"type": "integer"}, _is_int, _fits(_is_int), int),
    float: Shape("float", {"type": "number"}, _is_number, lambda v: float(_fits(_is_number)(v))),
    bool: Shape("bool", {"type": "boolean"}, _is_bool, _fits(_is_bool), bool),
    type(None): Shape("None", {"type": "null"}, lambda v: v is None, _fits(lambda v: v is None)),
    Any: Shape("Any", {}, _anything, lambda v: v),
    object: Shape("object", {}, _anything, lambda v: v),
    datetime: Shape(
        "datetime (with a timezone)",
        {"type": "string", "format": "date-time"},
        _is_aware,
        _load_datetime,
    ),
    date: Shape("date", {"type": "string", "format": "date"}, _is_date, _load_date, date),
    uuid.UUID: Shape(
        "UUID",
        {"type": "string", "format": "uuid"},
        lambda v: isinstance(v, uuid.UUID),
        _load_uuid,
        uuid.UUID,
    ),
}
_SIMPLE[None] = _SIMPLE[type(None)]


class Unsupported(TypeError):
    """An annotation that has no JSON form we can both document and check."""


def shape_of(hint: Any) -> Shape:
    """The shape of a resolved annotation; Unsupported if it has none."""
    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    simple = _SIMPLE.get(hint) if _hashable(hint) else None
    if simple is not None:
        return simple
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return _literal(args)
    if origin is typing.Union or (hasattr(builtins.type(hint), "__or__") and _is_union(hint)):
        return _union([shape_of(arg) for arg in args])
    if isinstance(hint, builtins.type) and issubclass(hint, enum.Enum):
        return _enum(hint)
    if hint in (list, tuple, Sequence) or origin in (list, Sequence) or _any_tuple(hint):
        return _array(
            shape_of(args[0]) if args else _SIMPLE[Any], tuple if _is_tuple(hint) else list
        )
    if hint in (dict, Mapping) or origin in (dict, Mapping):
        if args and args[0] is not str:
            raise Unsupported(f"{_name(hint)}: JSON object keys are strings, use dict[str, ...]")
        return _object(shape_of(args[1]) if args else _SIMPLE[Any])
    model = _pydantic_model(hint)
    if model is not None:
        return model
    raise Unsupported(
        f"{_name(hint)} has no JSON form that can be documented and checked; use str, int, "
        "float, bool, None, a Literal, an Enum, datetime, date, UUID, list[...], "
        "dict[str, ...], a union of these, or a pydantic model"
    )


def _hashable(hint: Any) -> bool:
    try:
        hash(hint)
    except TypeError:
        return False
    return True


def _is_union(hint: Any) -> bool:
    import types

    return isinstance(hint, types.UnionType)


def _is_tuple(hint: Any) -> bool:
    return hint is tuple or typing.get_origin(hint) is tuple


def _any_tuple(hint: Any) -> bool:
    # tuple[T, ...]; fixed-length tuples are not supported.
    args = typing.get_args(hint)
    return typing.get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis


def _name(hint: Any) -> str:
    if isinstance(hint, builtins.type) and not typing.get_args(hint):
        return hint.__name__
    return repr(hint).replace("typing.", "")


def _typed(values: Sequence[Any]) -> dict[str, Any]:
    # A "type" next to the enum helps generators pick the base type of the literal.
    kinds = {builtins.type(value) for value in values}
    for kind, name in ((str, "string"), (bool, "boolean"), (int, "integer")):
        if kinds == {kind}:
            return {"type": name, "enum": list(values)}
    return {"enum": list(values)}


def _literal(values: tuple[Any, ...]) -> Shape:
    for value in values:
        if not (value is None or builtins.type(value) in (str, int, bool)):
            raise Unsupported(f"Literal values must be str, int, bool or None, not {value!r}")

    def check(value: Any) -> bool:
        # 1 == True, but they are different JSON values.
        return any(builtins.type(value) is builtins.type(v) and value == v for v in values)

    return Shape(f"one of {', '.join(map(repr, values))}", _typed(values), check, _fits(check))


def _enum(cls: builtins.type[enum.Enum]) -> Shape:
    values = [member.value for member in cls]
    for value in values:
        if builtins.type(value) not in (str, int):
            raise Unsupported(f"{cls.__name__}: the values of an Enum member must be str or int")

    def load(value: Any) -> enum.Enum:
        if builtins.type(value) not in (str, int):
            raise ValueError("not a value of the enum")
        return cls(value)

    return Shape(cls.__name__, _typed(values), lambda v: isinstance(v, cls), load, cls)


def _union(shapes: list[Shape]) -> Shape:
    def check(value: Any) -> bool:
        return any(shape.check(value) for shape in shapes)

    def load(value: Any) -> Any:
        for shape in shapes:
            try:
                return shape.load(value)
            except ValueError:
                pass
        raise ValueError("fits none of the union")

    schema = {"anyOf": [shape.schema for shape in shapes]}
    return Shape(" | ".join(shape.name for shape in shapes), schema, check, load)


def _array(item: Shape, kind: builtins.type) -> Shape:
    def check(value: Any) -> bool:
        return isinstance(value, (list, tuple)) and all(item.check(v) for v in value)

    def load(value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError("not an array")
        return kind(item.load(v) for v in value)

    schema: dict[str, Any] = {"type": "array"}
    if item.schema:
        schema["items"] = item.schema
    return Shape(f"a list of {item.name}", schema, check, load)


def _object(value_shape: Shape) -> Shape:
    def check(value: Any) -> bool:
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and value_shape.check(v) for k, v in value.items()
        )

    def load(value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("not an object")
        return {k: value_shape.load(v) for k, v in value.items()}

    schema: dict[str, Any] = {"type": "object"}
    if value_shape.schema:
        schema["additionalProperties"] = value_shape.schema
    return Shape(f"a dict of {value_shape.name}", schema, check, load)


def _pydantic_model(hint: Any) -> Shape | None:
    """A pydantic model (FastAPI's), documented by pydantic's own schema, inlined."""
    try:
        from pydantic import BaseModel, ValidationError
    except ImportError:  # pragma: no cover - pydantic is FastAPI's
        return None
    if not (isinstance(hint, builtins.type) and issubclass(hint, BaseModel)):
        return None
    model: builtins.type[BaseModel] = hint
    schema = _inlined(model.model_json_schema(mode="serialization"))

    def load(value: Any) -> BaseModel:
        try:
            return model.model_validate(value)
        except ValidationError as error:
            raise ValueError("does not fit the model") from error

    return Shape(model.__name__, schema, lambda v: isinstance(v, model), load, model)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its ``$defs`` written in place: a problem's member schema lives
    inside the problem's, where ``#/$defs/...`` would point nowhere."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:
                    raise Unsupported(f"{name} refers to itself; a member's schema must be finite")
                return resolve(defs[name], seen | {name})
            return {key: resolve(value, seen) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema, frozenset())
    return resolved
