"""Validation problems: a 422 with one ``errors`` entry per failing field, the same
shape for every framework (FastAPI's pydantic errors, Litestar's msgspec ones)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._exceptions import UnprocessableContent
from ._problem import Problem

# What a validator's message becomes when it quotes what was sent.
INPUT_QUOTED = "The value sent here is not valid."


def json_pointer(location: Sequence[Any]) -> str:
    """``("query", "limit")`` -> ``"#/query/limit"`` (RFC 6901 escaping of ``~`` and ``/``)."""
    parts = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#/" + "/".join(parts)


def fields_problem(errors: Iterable[Mapping[str, str]]) -> Problem:
    """A 422 problem listing ``errors`` (each with ``pointer``, ``detail`` and ``type``).

    Its detail is a count ("2 fields failed validation."), never what was sent.
    """
    entries = [dict(error) for error in errors]
    count = len(entries)
    noun = "field" if count == 1 else "fields"
    return UnprocessableContent(f"{count} {noun} failed validation.", errors=entries)
