"""FastAPI: validation errors as 422 problems, and OpenAPI that documents problems.

Imported by install() only for FastAPI apps, so the core never imports FastAPI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from .._exceptions import BadRequest
from .._openapi import patch_openapi
from .._problem import Problem
from .._translate import Translator
from .._validation import INPUT_QUOTED, fields_problem, json_pointer


def validation_problem(exc: RequestValidationError) -> Problem:
    """A 422 problem with one ``errors`` entry per failing field; the entries never
    echo the submitted values, which may be passwords or tokens.

    A body that is not JSON at all is a 400: there are no fields to point to (pydantic's
    location for it is a character offset), and the OpenAPI document says 400.
    """
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return BadRequest(NOT_JSON)
    return fields_problem(
        [
            {
                "pointer": json_pointer(error.get("loc", ())),
                "detail": _message(error),
                "type": str(error.get("type", "")),
            }
            for error in errors
        ]
    )


# Pydantic's messages are kept, except those that quote what was sent (a tagged
# union's tag, a validator's f-string): those get INPUT_QUOTED, and pydantic's type
# says more.
def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", ""))
    for leaf in _leaves(error.get("input"), 200):
        if f"'{leaf}'" in message or (len(leaf) >= 4 and leaf in message):
            return INPUT_QUOTED
    return message


NOT_JSON = "The request body is not valid JSON."


def _leaves(value: Any, budget: int) -> list[str]:
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


def default_mapping() -> dict[type[BaseException], Translator]:
    return {RequestValidationError: validation_problem}


def install_openapi(app: FastAPI, *, correlation_id: bool = False) -> None:
    """Make ``app.openapi()`` document problem responses (see ``patch_openapi``)."""
    build = app.openapi
    patched: list[bool] = []

    def openapi() -> dict[str, Any]:
        document = build()
        if not patched:
            patch_openapi(document, correlation_id=correlation_id)
            patched.append(True)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
