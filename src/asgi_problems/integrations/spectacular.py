"""drf-spectacular: the problems each Django REST framework view can answer, in the
OpenAPI document it generates::

    REST_FRAMEWORK = {
        "EXCEPTION_HANDLER": "asgi_problems.integrations.drf.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "asgi_problems.integrations.spectacular.ProblemAutoSchema",
    }

Each operation gets, unless it documents the status itself: 400 and 415 where it
takes a body, 401 where its first authenticator names a scheme and 403 where it has
permissions to check (DRF answers a 403 where no scheme is named), 404 on a path with
parameters, 429 where it throttles, and 500. Error responses documented as JSON
(``@extend_schema(responses={409: OutOfStock})``, a Problem class of the app's
included) are documented as ``application/problem+json``, which is what is sent.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny

from .._openapi import (
    BAD_REQUEST_SCHEMA,
    PROBLEM_SCHEMA,
    bad_request_schema,
    class_schema,
    problem_details_schema,
    problem_response,
)
from .._problem import Problem

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_REF = "#/components/schemas/"


class ProblemAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, documenting the problems each view can answer."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        _register(self.registry, PROBLEM_SCHEMA, problem_details_schema())
        _register(self.registry, BAD_REQUEST_SCHEMA, bad_request_schema())
        responses: dict[str, Any] = operation.setdefault("responses", {})
        for code, response in list(responses.items()):
            if _is_error(code):
                responses[code] = _as_problem(int(code), response)
        for status in self.problem_statuses():
            if str(status) not in responses:
                schema = BAD_REQUEST_SCHEMA if status == 400 else PROBLEM_SCHEMA
                responses[str(status)] = problem_response(status, {"$ref": _REF + schema})
        return operation

    def problem_statuses(self) -> list[int]:
        """The statuses this operation can answer with a problem, as its view is set up;
        a subclass may add its own."""
        view, method = self.view, self.method
        statuses = []
        if method in _BODY_METHODS:
            statuses += [400, 415]
        permissions = getattr(view, "permission_classes", ())
        if any(permission is not AllowAny for permission in permissions):
            authenticators = getattr(view, "authentication_classes", ())
            if authenticators and _names_a_scheme(authenticators[0]):
                statuses.append(401)
            statuses.append(403)
        if "{" in self.path:
            statuses.append(404)
        if getattr(view, "throttle_classes", ()):
            statuses.append(429)
        statuses.append(500)
        return statuses


def _names_a_scheme(authenticator: type[BaseAuthentication]) -> bool:
    # DRF sends a 401 with the first authenticator's WWW-Authenticate, and a 403 where
    # that says nothing (the base class's, which session authentication keeps).
    return authenticator.authenticate_header is not BaseAuthentication.authenticate_header


def _is_error(code: str) -> bool:
    return len(code) == 3 and code[0] in "45" and code[1:].isdigit()


def _as_problem(code: int, response: dict[str, Any]) -> dict[str, Any]:
    """An error response as the problem that is sent: its schema where that is a
    problem's (a Problem class's component), else the status's, with its headers."""
    content = response.get("content") or {}
    schema = next(
        (
            media["schema"]
            for media in content.values()
            if isinstance(media, dict) and "schema" in media
        ),
        None,
    )
    if not (isinstance(schema, dict) and schema.get("$ref") in _PROBLEM_COMPONENTS):
        schema = {"$ref": _REF + (BAD_REQUEST_SCHEMA if code == 400 else PROBLEM_SCHEMA)}
    documented = problem_response(code, schema, response.get("description") or None)
    if "headers" in response:
        documented["headers"] = {**documented.get("headers", {}), **response["headers"]}
    return documented


# The components made of Problem classes (by ProblemClassSchema), by reference.
_PROBLEM_COMPONENTS: set[str] = set()


def _register(registry: Any, name: str, schema: dict[str, Any]) -> None:
    component = ResolvedComponent(  # type: ignore[no-untyped-call]
        name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
    )
    registry.register_on_missing(component)


class ProblemClassSchema(OpenApiSerializerExtension):  # type: ignore[no-untyped-call]
    """A Problem class named where drf-spectacular takes a serializer
    (``@extend_schema(responses={409: OutOfStock})``): its schema, under its name."""

    target_class = Problem
    match_subclasses = True

    def get_name(self, auto_schema: Any, direction: str) -> str:
        name: str = self.target.__name__
        _PROBLEM_COMPONENTS.add(_REF + name)
        return name

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        _register(auto_schema.registry, PROBLEM_SCHEMA, problem_details_schema())
        return class_schema(self.target)
