"""The documentation of problem types (``serve_types=True``): a page per type URI, an
index page and a JSON index, all under the path of ``type_base``.

RFC 9457 asks that a type URI lead to a description of the problem. Documented are
the registry's statuses, the codes it lacks (``client-error``, ``server-error``) and
every Problem subclass of the user's whose ``type`` lies under ``type_base``.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from ._exceptions import NotFound
from ._formats import TYPE_PAGE_WORDS, encode_type_index, encode_type_page
from ._i18n import Languages
from ._openapi import extension_members, is_users_class
from ._problem import Problem
from ._status import (
    STATUSES,
    UNREGISTERED,
    class_slug,
    slug,
    title_and_description,
    type_slug,
)

_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class TypeDoc:
    """What the page of one problem type says."""

    type: str
    status: int | None  # None: any code of a class the registry lacks
    label: str  # "404", "4xx"
    title: str
    description: str
    # Extension members: name -> (JSON Schema, required).
    members: dict[str, tuple[dict[str, Any], bool]]


def folder_of(type_base: str | None) -> str:
    """The path that the pages of ``type_base``'s types live under."""
    path = urlsplit(type_base or "").path
    if not path.startswith("/") or not path.endswith("/") or path == "/":
        raise ValueError(
            f"serve_types needs a type_base whose path is a folder of its own, such as "
            f"'https://api.example.com/problems/', not {type_base!r}"
        )
    return path


def documented_types(type_base: str) -> dict[str, TypeDoc]:
    """Each documented type by its path below the folder: "not-found", "out-of-credit".

    Worked out once for each set of classes (new classes make a new set): the pages
    are public and unauthenticated, and building them per request made every GET
    under the folder cost as much as 500 router 404s with 300 classes.
    """
    classes = tuple(_users_classes())
    key = (type_base, classes)
    docs = _documented.get(key)
    if docs is None:
        if len(_documented) >= 8:
            _documented.clear()
        docs = _documented[key] = _build(type_base, classes)
    return docs


# (type_base, the classes of the app's) -> the documented types.
_documented: dict[tuple[str, tuple[type[Problem], ...]], dict[str, TypeDoc]] = {}


def _build(type_base: str, classes: tuple[type[Problem], ...]) -> dict[str, TypeDoc]:
    docs = {
        type_slug(code): TypeDoc(
            type_base + type_slug(code), code, str(code), info.title, info.description, {}
        )
        for code, info in STATUSES.items()
        if code >= 400
    }
    for group, (title, description) in UNREGISTERED.items():
        docs[slug(title)] = TypeDoc(
            type_base + slug(title), None, f"{group}xx", title, description, {}
        )
    folder = folder_of(type_base)
    for cls in classes:
        # An absolute type under type_base, or a reference relative to this host.
        for prefix in (type_base, folder):
            if cls.type.startswith(prefix) and len(cls.type) > len(prefix):
                docs.setdefault(cls.type[len(prefix) :], _class_doc(cls, cls.type))
    for cls in classes:
        if cls.type == "about:blank":
            # A class without a type of its own is sent with one after its name,
            # unless a type of that name is documented already.
            path = class_slug(cls.__name__)
            docs.setdefault(path, _class_doc(cls, type_base + path))
    return docs


def _users_classes() -> list[type[Problem]]:
    # Walked at each request, not at install(): classes may be defined later.
    found: dict[type[Problem], None] = {}  # ordered, and a set for the look-up
    todo = list(Problem.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if is_users_class(cls):
            found[cls] = None
    return list(found)


def _class_doc(cls: type[Problem], type_uri: str) -> TypeDoc:
    title, description = title_and_description(cls.status)
    if isinstance(cls.__doc__, str) and cls.__doc__:  # a class may set anything there
        description = inspect.cleandoc(cls.__doc__)
    return TypeDoc(
        type_uri, cls.status, str(cls.status), cls.title or title, description,
        extension_members(cls),
    )  # fmt: skip


def _kind(schema: dict[str, Any]) -> str:
    """A JSON Schema said in a few words: "integer", "array of string"."""
    kind = schema.get("type")
    if kind == "array":
        return "array of " + _kind(schema.get("items", {}))
    if isinstance(kind, str):
        return kind
    if "anyOf" in schema:
        return " or ".join(_kind(option) for option in schema["anyOf"])
    return "any"


def add_type_pages(
    app: Starlette, type_base: str | None, languages: Languages | None = None
) -> None:
    folder = folder_of(type_base)
    base = type_base or ""  # not None: folder_of() refuses that

    async def page(request: Request) -> Response:
        doc = documented_types(base).get(request.path_params["path"])
        if doc is None:  # gone between the match and now (classes come and go)
            raise NotFound("There is no problem type of that name.")
        say = _Wording(languages, request)
        members = {
            name: (_kind(schema), say.note(schema)) for name, (schema, _) in doc.members.items()
        }
        body = encode_type_page(
            doc.label,
            say(doc.title),
            say(doc.description),
            members,
            [say(word) for word in TYPE_PAGE_WORDS],
            say.language,
        )
        return Response(body, media_type=_HTML, headers=say.headers)

    async def index(request: Request) -> Response:
        say = _Wording(languages, request)
        links = {
            folder + path: f"{doc.label} {say(doc.title)}"
            for path, doc in documented_types(base).items()
        }
        body = encode_type_index(say("Problem types"), links, say.language)
        return Response(body, media_type=_HTML, headers=say.headers)

    async def index_json(request: Request) -> Response:
        return JSONResponse([_entry(doc) for doc in documented_types(base).values()])

    app.router.routes += [
        Route(folder, index, methods=["GET"], include_in_schema=False),
        Route(folder + "index.json", index_json, methods=["GET"], include_in_schema=False),
        _TypePage(base, folder + "{path:path}", page, methods=["GET"], include_in_schema=False),
    ]


class _Wording:
    """The words of one request's type page, in its language (``locales``)."""

    def __init__(self, languages: Languages | None, request: Request) -> None:
        self.languages = languages
        self.language = "en" if languages is None else languages.choose(request.headers.raw)
        self.headers = (
            {}
            if languages is None
            else {"Content-Language": self.language, "Vary": "Accept-Language"}
        )

    def __call__(self, english: str) -> str:
        if self.languages is None:
            return english
        return self.languages.text(self.language, english)

    def note(self, schema: dict[str, Any]) -> str:
        # Every declared member is in every body; one with a default is sent with it.
        if "default" in schema:
            return self("always sent, by default %(value)s") % {
                "value": json.dumps(schema["default"])
            }
        return self("always sent")


class _TypePage(Route):
    """The route of the type pages: it matches the names of documented types only, so
    that routes of the app's under the same folder, added after install(), still
    answer (a catch-all would shadow them)."""

    def __init__(self, type_base: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type_base = type_base

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE:
            name = child.get("path_params", {}).get("path")
            if name not in documented_types(self.type_base):
                return Match.NONE, {}
        return match, child


def _entry(doc: TypeDoc) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": doc.type, "title": doc.title}
    if doc.status is not None:
        entry["status"] = doc.status
    entry["description"] = doc.description
    if doc.members:
        entry["members"] = {
            name: {"schema": schema, "required": needed}
            for name, (schema, needed) in doc.members.items()
        }
    return entry
