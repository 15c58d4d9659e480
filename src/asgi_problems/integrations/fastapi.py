"""FastAPI: validation errors as 422 problems, and OpenAPI that documents problems.

Imported by install() only for FastAPI apps, so the core never imports FastAPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from .._exceptions import UnprocessableContent
from .._openapi import patch_openapi
from .._problem import Problem
from .._translate import Translator


def json_pointer(location: Sequence[Any]) -> str:
    """``("query", "limit")`` -> ``"#/query/limit"`` (RFC 6901 escaping of ``~`` and ``/``)."""
    parts = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#/" + "/".join(parts)


def validation_problem(exc: RequestValidationError) -> Problem:
    """A 422 problem with one ``errors`` entry per failing field.

    The detail is a count ("2 fields failed validation."); the entries never echo
    the submitted values, which may be passwords or tokens.
    """
    errors = [
        {
            "pointer": json_pointer(error.get("loc", ())),
            "detail": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]
    count = len(errors)
    noun = "field" if count == 1 else "fields"
    return UnprocessableContent(f"{count} {noun} failed validation.", errors=errors)


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
