"""Example bodies for the problem responses of an OpenAPI document: what Swagger UI
and other viewers show under each response. Pure data over schemas."""

from __future__ import annotations

from typing import Any

from ._status import title_and_description

_REF = "#/components/schemas/"

# Values that fit a member's schema when it has neither a fixed value nor a default.
_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
_TYPES: dict[str, Any] = {
    "string": "string",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
    "null": None,
}

# What the shared subtypes add to the RFC members.
_SHARED: dict[str, dict[str, Any]] = {
    "ValidationProblem": {
        "detail": "1 field failed validation.",
        "errors": [{"pointer": "#/query/limit", "detail": "Field required", "type": "missing"}],
    },
    "ServerProblem": {"correlation_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
}


def example_body(code: int, schema: dict[str, Any]) -> dict[str, Any]:
    """A body of status ``code`` that fits ``schema`` (a ``$ref`` to a shared schema, or
    a class's ``allOf`` of ProblemDetails and what the class adds)."""
    title, description = title_and_description(code)
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": code}
    body["detail"] = description
    ref = schema.get("$ref", "")
    body.update(_SHARED.get(ref.removeprefix(_REF), {}))
    for part in schema.get("allOf", [])[1:]:
        for name, member in part.get("properties", {}).items():
            body[name] = value_of(member)
    return body


def value_of(schema: dict[str, Any]) -> Any:
    """A value that fits a member's schema."""
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return value_of(schema[key][0])
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    if schema.get("type") == "object" and "properties" in schema:
        required = schema.get("required", [])
        return {name: value_of(schema["properties"][name]) for name in required}
    return _TYPES.get(schema.get("type", "null"))


def with_examples(code: int, media: dict[str, Any]) -> dict[str, Any]:
    """``media`` (a problem+json media type object) with an example body per alternative."""
    schema = media.get("schema", {})
    options = schema.get("oneOf") or schema.get("anyOf")
    if not options:
        return {**media, "example": example_body(code, schema)}
    examples = {}
    for number, option in enumerate(options, 1):
        name = option.get("title") or option.get("$ref", "").removeprefix(_REF) or str(number)
        examples[name] = {"value": example_body(code, option)}
    return {**media, "examples": examples}
