"""OpenAPI documentation of problem responses: schemas, a helper for routes, a patcher.

Pure data over dicts: nothing here imports FastAPI.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

from ._problem import Problem
from ._status import STATUSES

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA = "ProblemDetails"
VALIDATION_SCHEMA = "ValidationProblem"
_REF = "#/components/schemas/"


def problem_details_schema() -> dict[str, Any]:
    """JSON Schema of an RFC 9457 problem details object as asgi-problems sends it."""
    return {
        "title": PROBLEM_SCHEMA,
        "description": "An RFC 9457 problem details object.",
        "type": "object",
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "description": "A URI reference that identifies the problem type.",
                "default": "about:blank",
            },
            "title": {"type": "string", "description": "A short summary of the problem type."},
            "status": {
                "type": "integer",
                "minimum": 400,
                "maximum": 599,
                "description": "The HTTP status code of this occurrence.",
            },
            "detail": {"type": "string", "description": "What went wrong this time."},
            "instance": {
                "type": "string",
                "format": "uri-reference",
                "description": "A URI reference that identifies this occurrence.",
            },
        },
        "required": ["type", "title", "status", "detail"],
        "additionalProperties": True,
    }


def validation_problem_schema() -> dict[str, Any]:
    """JSON Schema of the 422 problem sent for a request that fails validation."""
    return {
        "title": VALIDATION_SCHEMA,
        "description": "A 422 problem listing every request field that failed validation.",
        "allOf": [{"$ref": _REF + PROBLEM_SCHEMA}],
        "type": "object",
        "properties": {
            "status": {"type": "integer", "const": 422},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "pointer": {
                            "type": "string",
                            "description": 'Where the value is, e.g. "#/query/limit".',
                        },
                        "detail": {"type": "string", "description": "What is wrong with it."},
                        "type": {"type": "string", "description": "The validator's error type."},
                    },
                    "required": ["pointer", "detail", "type"],
                },
            },
        },
        "required": ["errors"],
    }


def _response(code: int, schema: str) -> dict[str, Any]:
    return {
        "description": STATUSES[code].description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _REF + schema}}},
    }


def problem_responses(*problems: int | type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for a route's ``responses=``: ``problem_responses(404, Conflict)``.

    Each is documented as ``application/problem+json`` with the status's description.
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for item in problems:
        if isinstance(item, type) and issubclass(item, Problem):
            code = item.status
        elif isinstance(item, int) and not isinstance(item, bool) and 400 <= item <= 599:
            if item not in STATUSES:
                raise ValueError(f"status {item!r} is not in asgi_problems.STATUSES")
            code = item
        else:
            raise TypeError(
                f"problem_responses() takes status codes or Problem classes, not {item!r}"
            )
        responses[code] = _response(code, VALIDATION_SCHEMA if code == 422 else PROBLEM_SCHEMA)
    return responses


def patch_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a FastAPI OpenAPI document so that it describes the problems we send."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(PROBLEM_SCHEMA, problem_details_schema())
    schemas.setdefault(VALIDATION_SCHEMA, validation_problem_schema())
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                _patch_responses(operation["responses"])
    # FastAPI's own validation schemas go once nothing points to them any more.
    if _REF + "HTTPValidationError" not in json.dumps(document.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        if _REF + "ValidationError" not in json.dumps(document):
            schemas.pop("ValidationError", None)
    return document


def _patch_responses(responses: MutableMapping[str, Any]) -> None:
    for code, response in responses.items():
        content = response.get("content", {})
        json_schema = content.get("application/json", {}).get("schema")
        if code == "422" and json_schema == {"$ref": _REF + "HTTPValidationError"}:
            responses[code] = _response(422, VALIDATION_SCHEMA)
        elif PROBLEM_MEDIA_TYPE in content and json_schema == {}:
            # FastAPI adds an empty application/json entry to every extra response.
            del content["application/json"]
