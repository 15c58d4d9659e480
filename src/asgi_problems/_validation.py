"""Validation problems: one ``errors`` entry per failing field, the same shape for
every framework (FastAPI's and Django Ninja's pydantic errors, Litestar's msgspec
ones, Django REST framework's serializer errors)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._exceptions import BadRequest, UnprocessableContent
from ._problem import Problem, for_any_status

# What a validator's message becomes when it quotes what was sent.
INPUT_QUOTED = "The value sent here is not valid."
NOT_JSON = "The request body is not valid JSON."
# The detail of a problem that lists its fields (gettext's msgids; see _i18n.py).
COUNT_SINGULAR = "%(count)d field failed validation."
COUNT_PLURAL = "%(count)d fields failed validation."
# How many submitted values a message is compared with, at most.
_LEAVES = 200


def json_pointer(location: Sequence[Any]) -> str:
    """``("query", "limit")`` -> ``"#/query/limit"`` (RFC 6901 escaping of ``~`` and ``/``);
    ``()`` -> ``"#"``, the whole document."""
    parts = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#" + "".join("/" + part for part in parts)


def fields_problem(errors: Iterable[Mapping[str, str]], status: int = 422) -> Problem:
    """A problem of ``status`` (422; DRF's 400) listing ``errors`` (each with
    ``pointer``, ``detail`` and ``type``).

    Its detail is a count ("2 fields failed validation."), never what was sent.
    """
    entries = [dict(error) for error in errors]
    count = len(entries)
    detail = counted_detail(count)
    if status == 422:
        return UnprocessableContent(detail, errors=entries)
    problem = for_any_status(status, detail)
    problem.extensions["errors"] = entries
    return problem


def counted_detail(count: int) -> str:
    """The detail of a problem listing ``count`` fields, in English."""
    return (COUNT_SINGULAR if count == 1 else COUNT_PLURAL) % {"count": count}


def pydantic_problem(errors: Sequence[Mapping[str, Any]], submitted: Any = None) -> Problem:
    """A 422 problem for pydantic's errors (FastAPI's, Django Ninja's): one entry per
    error, its messages never echoing what was sent (each error's ``input``, else
    ``submitted``), which may be passwords or tokens.

    A body that is not JSON at all is a 400: there are no fields to point to (pydantic's
    location for it is a character offset).
    """
    if any(error.get("type") == "json_invalid" for error in errors):
        return BadRequest(NOT_JSON)
    return fields_problem(
        {
            "pointer": json_pointer(error.get("loc", ())),
            "detail": without_input(str(error.get("msg", "")), error.get("input", submitted)),
            "type": str(error.get("type", "")),
        }
        for error in errors
    )


def without_input(message: str, submitted: Any) -> str:
    """``message``, unless it quotes one of the values in ``submitted`` (a tagged union's
    tag, a validator's f-string, DRF's ``"x" is not a valid choice``): then
    INPUT_QUOTED, and the error's type says more."""
    for leaf in leaves(submitted):
        if f"'{leaf}'" in message or f'"{leaf}"' in message or (len(leaf) >= 4 and leaf in message):
            return INPUT_QUOTED
    return message


def leaves(value: Any, budget: int = _LEAVES) -> list[str]:
    """The text of the scalar values in ``value`` (a submitted body: nested dicts and
    lists), at most ``budget`` of them."""
    found: list[str] = []
    pending = [value]
    while pending and len(found) < budget:
        item = pending.pop()
        if isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool) and item != "":
            found.append(str(item))
    return found
