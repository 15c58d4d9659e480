"""FastAPI: validation errors as 422 problems, and OpenAPI that documents problems.

Imported by install() only for FastAPI apps, so the core never imports FastAPI.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from .._i18n import Languages
from .._openapi import patch_openapi
from .._problem import Problem
from .._translate import Translator
from .._validation import pydantic_problem


def validation_problem(exc: RequestValidationError) -> Problem:
    """A 422 problem with one ``errors`` entry per failing field (a 400 for a body that
    is not JSON at all, as the OpenAPI document says); see ``pydantic_problem``."""
    return pydantic_problem(exc.errors())


def default_mapping() -> dict[type[BaseException], Translator]:
    return {RequestValidationError: validation_problem}


def install_openapi(
    app: FastAPI, *, correlation_id: bool = False, languages: Languages | None = None
) -> None:
    """Make ``app.openapi()`` document problem responses (see ``patch_openapi``)."""
    build = app.openapi
    patched: list[bool] = []

    def openapi() -> dict[str, Any]:
        document = build()
        if not patched:
            patch_openapi(document, correlation_id=correlation_id, languages=languages)
            patched.append(True)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
