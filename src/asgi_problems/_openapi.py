"""OpenAPI documentation of problem responses: schemas, a helper for routes, a patcher.

Pure data over dicts: nothing here imports FastAPI.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping, Sequence
from typing import Any

from ._i18n import Languages
from ._members import MISSING, members_of
from ._openapi_examples import with_examples
from ._problem import Problem, own_title
from ._render import json_text
from ._status import STATUSES, title_and_description

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA = "ProblemDetails"
VALIDATION_SCHEMA = "ValidationProblem"
BAD_REQUEST_SCHEMA = "BadRequestProblem"
SERVER_SCHEMA = "ServerProblem"
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
                "description": "A URI reference that identifies the problem type "
                '("about:blank" when it is just the status).',
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
        # Extension members are allowed without saying so: "additionalProperties:
        # true" would make generated TypeScript type every member of a subtype as
        # unknown, even after an `in` check.
        "required": ["type", "title", "status", "detail"],
    }


def validation_problem_schema() -> dict[str, Any]:
    """JSON Schema of the 422 problem sent for a request that fails validation."""
    return _extending(
        title=VALIDATION_SCHEMA,
        description="A 422 problem listing every request field that failed validation.",
        properties={"status": _fixed("integer", 422), "errors": _errors_schema()},
        required=["status", "errors"],
    )


def bad_request_schema() -> dict[str, Any]:
    """JSON Schema of a 400 that lists the fields that failed validation when that is
    why (Django REST framework validates with a 400)."""
    return _extending(
        title=BAD_REQUEST_SCHEMA,
        description="A 400 problem; when the request failed validation, errors lists "
        "every field that did.",
        properties={"status": _fixed("integer", 400), "errors": _errors_schema()},
        required=["status"],
    )


def _errors_schema() -> dict[str, Any]:
    return {
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
    }


def _extending(
    *,
    properties: dict[str, Any],
    required: list[str],
    title: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """A subtype of ProblemDetails: what it adds as a second object of an ``allOf``.

    Not as properties next to a lone ``$ref``, which generators such as
    openapi-python-client read as a mere alias of ProblemDetails, dropping them.
    """
    added: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        added["required"] = required
    schema: dict[str, Any] = {}
    if title is not None:
        schema["title"] = title
    if description is not None:
        schema["description"] = description
    schema["allOf"] = [_ref(PROBLEM_SCHEMA), added]
    return schema


def _fixed(json_type: str, value: object) -> dict[str, Any]:
    # One-value enum rather than const: generators merge it with the base type.
    return {"type": json_type, "enum": [value]}


# Headers a problem of these statuses carries (when given), documented on its response.
_HEADERS = {
    401: ("WWW-Authenticate", "How to authenticate, when the server says."),
    405: ("Allow", "The methods the resource supports."),
    429: ("Retry-After", "Seconds (or an HTTP date) to wait before trying again, when known."),
    503: ("Retry-After", "Seconds (or an HTTP date) to wait before trying again, when known."),
}


def problem_response(
    code: int, schema: dict[str, Any], description: str | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description or title_and_description(code)[1],
        "content": {PROBLEM_MEDIA_TYPE: with_examples(code, {"schema": schema})},
    }
    if code in _HEADERS:
        name, description = _HEADERS[code]
        response["headers"] = {name: {"description": description, "schema": {"type": "string"}}}
    return response


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": _REF + name}


def class_schema(cls: type[Problem]) -> dict[str, Any]:
    """The schema of one Problem class: the base schema, narrowed by what the class fixes.

    A subclass of yours documents its ``type`` and ``title`` as constants, and the
    members it declares (``balance: int``) as extension members.
    """
    if cls.status == 422 and not is_users_class(cls):
        return _ref(VALIDATION_SCHEMA)
    if not is_users_class(cls):
        return _ref(PROBLEM_SCHEMA)
    properties: dict[str, Any] = {"status": _fixed("integer", cls.status)}
    if cls.type != "about:blank":
        properties["type"] = _fixed("string", cls.type)
    title = own_title(cls)  # only a title the class sets; instances may change the default
    if title is not None:
        properties["title"] = _fixed("string", title)
    # Fixed members are required here too, though the base requires them: generated
    # TypeScript then types them as the fixed values (status: 409), not optional.
    required = list(properties)
    for name, (schema, needed) in extension_members(cls).items():
        properties[name] = schema
        if needed:
            required.append(name)
    description = " ".join(cls.__doc__.split()) if cls.__doc__ else None
    return _extending(
        title=cls.__name__, description=description, properties=properties, required=required
    )


def is_users_class(cls: type[Problem]) -> bool:
    # Ours say "asgi_problems" (exported) or "asgi_problems._exceptions".
    return cls.__module__ != "asgi_problems" and not cls.__module__.startswith("asgi_problems.")


def extension_members(cls: type[Problem]) -> dict[str, tuple[dict[str, Any], bool]]:
    """Name -> (JSON Schema, required) of each member a class declares.

    The schema is the one the constructor checks values against (``_shapes.py``). A
    member with a default is sent with it, so it is required here too; the default is
    documented. Built-in classes and those of yours that declare none have none.
    """
    members = members_of(cls)
    if members is None:
        return {}
    documented: dict[str, tuple[dict[str, Any], bool]] = {}
    for name, (schema, default) in members.schemas().items():
        if default is not MISSING:
            schema = {**schema, "default": json.loads(json_text(default))}
        documented[name] = (schema, True)
    return documented


def problem_responses(*problems: int | type[Problem]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for a route's ``responses=``: ``problem_responses(404, OutOfCredit)``.

    Each is documented as ``application/problem+json`` with the status's description,
    the headers such problems carry, and for a class of yours its type, title and
    annotated extension members. Several classes of one status are alternatives.
    """
    alternatives: dict[int, list[tuple[dict[str, Any], type[Problem] | None]]] = {}
    for item in problems:
        if isinstance(item, type) and issubclass(item, Problem):
            alternatives.setdefault(item.status, []).append((class_schema(item), item))
        elif isinstance(item, int) and not isinstance(item, bool) and 400 <= item <= 599:
            if item not in STATUSES:
                raise ValueError(f"status {item!r} is not in asgi_problems.STATUSES")
            schema = _ref(VALIDATION_SCHEMA if item == 422 else PROBLEM_SCHEMA)
            alternatives.setdefault(item, []).append((schema, None))
        else:
            raise TypeError(
                f"problem_responses() takes status codes or Problem classes, not {item!r}"
            )
    return {code: problem_response(code, _one_of(found)) for code, found in alternatives.items()}


def _one_of(found: list[tuple[dict[str, Any], type[Problem] | None]]) -> dict[str, Any]:
    """The schema of one status's alternatives. Classes of yours with type URIs of
    their own exclude each other (their schemas fix ``type``): a ``oneOf``, which
    patch_openapi() discriminates on ``type`` once each is a named component. Any
    other mix may overlap: an ``anyOf``."""
    schemas = [schema for schema, _ in found]
    if len(schemas) == 1:
        return schemas[0]
    uris = [cls.type if cls is not None and is_users_class(cls) else None for _, cls in found]
    if None not in uris and "about:blank" not in uris and len(set(uris)) == len(uris):
        return {"oneOf": schemas}
    return {"anyOf": schemas}


def server_problem_schema() -> dict[str, Any]:
    """A 5xx problem with the ``correlation_id`` member (``correlation_id=True``)."""
    return _extending(
        title=SERVER_SCHEMA,
        properties={
            "correlation_id": {
                "type": "string",
                "description": "Ties this answer to the server's log record: the "
                "trace id, else the request's X-Request-ID, else a new id.",
            }
        },
        required=["correlation_id"],
    )


def patch_openapi(
    document: dict[str, Any], *, correlation_id: bool = False, languages: Languages | None = None
) -> dict[str, Any]:
    """Rewrite a FastAPI OpenAPI document so that it describes the problems we send;
    ``languages``: those served (``locales``): each problem's Content-Language, and a
    class's own title in each."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(PROBLEM_SCHEMA, problem_details_schema())
    schemas.setdefault(VALIDATION_SCHEMA, validation_problem_schema())
    crash_schema = PROBLEM_SCHEMA
    if correlation_id:
        schemas.setdefault(SERVER_SCHEMA, server_problem_schema())
        crash_schema = SERVER_SCHEMA
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                _patch_responses(operation["responses"], schemas)
                _add_generic(operation, crash_schema)
    if languages is not None:
        _add_content_language(document, languages.served)
        _localize_titles(schemas, languages)
    # FastAPI's own validation schemas go once nothing points to them any more.
    if _REF + "HTTPValidationError" not in json.dumps(document.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        if _REF + "ValidationError" not in json.dumps(document):
            schemas.pop("ValidationError", None)
    return document


def _add_content_language(document: dict[str, Any], languages: Sequence[str]) -> None:
    """Document Content-Language on every problem response (the English text stays the
    example: it is what a client that asks for no language gets)."""
    header = {
        "description": "The language of the title and detail: the best of those served "
        "that Accept-Language takes, else English.",
        "schema": {"type": "string", "enum": list(languages)},
    }
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                if PROBLEM_MEDIA_TYPE in response.get("content", {}):
                    response.setdefault("headers", {}).setdefault("Content-Language", header)


def _localize_titles(schemas: dict[str, Any], languages: Languages) -> None:
    """A class's fixed title, as each served language words it."""
    for schema in schemas.values():
        parts = schema.get("allOf") if isinstance(schema, dict) else None
        if not (isinstance(parts, list) and len(parts) == 2 and parts[0] == _ref(PROBLEM_SCHEMA)):
            continue
        title = parts[1].get("properties", {}).get("title")
        if (
            isinstance(title, dict)
            and isinstance(title.get("enum"), list)
            and len(title["enum"]) == 1
        ):
            title["enum"] = languages.titles(title["enum"][0])


def _add_generic(operation: dict[str, Any], crash_schema: str) -> None:
    # What any operation can answer, unless the route documents it itself: a crash
    # (500, documented exactly rather than as a catch-all "default" or "5XX", which
    # would hide every undocumented problem from validators and generated clients)
    # and, with a request body, FastAPI's 400 for a body it cannot parse.
    responses = operation["responses"]
    if "requestBody" in operation:
        responses.setdefault("400", problem_response(400, _ref(PROBLEM_SCHEMA)))
    responses.setdefault("500", problem_response(500, _ref(crash_schema)))


def _patch_responses(responses: MutableMapping[str, Any], schemas: dict[str, Any]) -> None:
    for code, response in responses.items():
        content = response.get("content", {})
        if PROBLEM_MEDIA_TYPE in content:
            media = content[PROBLEM_MEDIA_TYPE]
            media["schema"] = _named(media.get("schema", {}), schemas)
        json_schema = content.get("application/json", {}).get("schema")
        if code == "422" and json_schema == {"$ref": _REF + "HTTPValidationError"}:
            responses[code] = problem_response(422, _ref(VALIDATION_SCHEMA))
        elif (
            _is_error(code)
            and PROBLEM_MEDIA_TYPE not in content
            and (json_schema is not None or not content)
        ):
            # The app's own error documented as JSON (responses={400: {"model": ...}}),
            # or with no body: raised, it is answered as a problem, so that is what the
            # document says.
            responses[code] = _problem_response(code, response)
        elif PROBLEM_MEDIA_TYPE in content and json_schema == {}:
            # FastAPI adds an empty application/json entry to every extra response.
            del content["application/json"]


def _discriminated(options: list[dict[str, Any]], schemas: dict[str, Any]) -> dict[str, Any]:
    """Alternatives that fix distinct type URIs, told apart by ``type``: generated
    clients then give a union that narrows on it."""
    mapping: dict[str, str] = {}
    for option in options:
        ref = option.get("$ref", "")
        component = schemas.get(ref.removeprefix(_REF)) if ref.startswith(_REF) else None
        if component is None:  # left inline (its name was taken): no mapping to it
            return {"oneOf": options}
        mapping[component["allOf"][1]["properties"]["type"]["enum"][0]] = ref
    return {"oneOf": options, "discriminator": {"propertyName": "type", "mapping": mapping}}


def _is_error(code: str) -> bool:
    return len(code) == 3 and code[0] in "45" and (code[1:].isdigit() or code[1:] == "XX")


def _problem_response(code: str, documented: dict[str, Any]) -> dict[str, Any]:
    """A problem response in place of the one documented for ``code``, keeping its
    description and headers."""
    status = int(code) if code.isdigit() else int(code[0]) * 100
    schema = _ref(VALIDATION_SCHEMA if status == 422 else PROBLEM_SCHEMA)
    response = problem_response(status, schema, documented.get("description"))
    if "headers" in documented:
        response["headers"] = {**response.get("headers", {}), **documented["headers"]}
    return response


def _named(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Move the schema of a problem class of the user's into the components, by its
    class name, so that generated clients name its model after it (not the route)."""
    if "anyOf" in schema:
        return {**schema, "anyOf": [_named(item, schemas) for item in schema["anyOf"]]}
    if "oneOf" in schema:
        return _discriminated([_named(item, schemas) for item in schema["oneOf"]], schemas)
    name = schema.get("title")
    if not isinstance(name, str) or schema.get("allOf", [None])[0] != _ref(PROBLEM_SCHEMA):
        return schema
    if schemas.setdefault(name, schema) != schema:
        return schema  # another schema has that name: this one stays where it is
    return _ref(name)
