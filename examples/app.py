"""A small notes API on Starlette whose every error is an RFC 9457 problem.

Run it with ``make demo`` and try the curl lines it prints. The token is
``demo-token``.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_problems import BadRequest, Conflict, Problem, Unauthorized, UnprocessableContent, install

TOKEN = "demo-token"


class VersionConflict(Conflict):
    """Raised when a client edits a note from an outdated version."""

    type = "https://notes.example/problems/version-conflict"
    title = "The note was changed by someone else."


class NoteMissing(LookupError):
    """The storage layer's own error: it knows nothing of HTTP."""


@dataclass
class Note:
    id: int
    text: str
    version: int = 1


class Store:
    """In-memory storage that raises its own exceptions, as a database layer would."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self._notes: dict[int, Note] = {}

    def add(self, text: str) -> Note:
        note = Note(next(self._ids), text)
        self._notes[note.id] = note
        return note

    def get(self, note_id: int) -> Note:
        try:
            return self._notes[note_id]
        except KeyError:
            raise NoteMissing(f"note {note_id} is not in table notes") from None

    def remove(self, note_id: int) -> None:
        self.get(note_id)
        del self._notes[note_id]

    def all(self) -> list[Note]:
        return list(self._notes.values())


store = Store()
store.add("Buy milk")


def require_token(request: Request) -> None:
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        raise Unauthorized(
            "Send 'Authorization: Bearer demo-token'.",
            headers={"WWW-Authenticate": 'Bearer realm="notes"'},
        )


async def read_text(request: Request) -> str:
    try:
        body: Any = await request.json()
    except ValueError:
        raise BadRequest("The request body is not valid JSON.") from None
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise UnprocessableContent(
            "The note needs some text.",
            errors=[{"pointer": "#/text", "detail": "must be a non-empty string"}],
        )
    return text


class Notes(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        require_token(request)
        return JSONResponse([asdict(note) for note in store.all()])

    async def post(self, request: Request) -> Response:
        require_token(request)
        note = store.add(await read_text(request))
        headers = {"Location": f"/notes/{note.id}"}
        return JSONResponse(asdict(note), status_code=201, headers=headers)


class OneNote(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        require_token(request)
        return JSONResponse(asdict(store.get(request.path_params["note_id"])))

    async def put(self, request: Request) -> Response:
        require_token(request)
        note = store.get(request.path_params["note_id"])
        if request.headers.get("if-match") != str(note.version):
            raise VersionConflict(
                f"Note {note.id} is at version {note.version}; send it in If-Match.",
                current_version=note.version,
            )
        note.text = await read_text(request)
        note.version += 1
        return JSONResponse(asdict(note))

    async def delete(self, request: Request) -> Response:
        require_token(request)
        store.remove(request.path_params["note_id"])
        return Response(status_code=204)


async def crash(request: Request) -> Response:
    raise RuntimeError("connection to postgres://admin:hunter2@db failed")


def missing_note(exc: NoteMissing) -> Problem:
    # The storage message names a table; the client gets a message of its own.
    return Problem.from_status(404, "No note with that id.")


app = Starlette(
    routes=[
        Route("/notes", Notes),
        Route("/notes/{note_id:int}", OneNote),
        Route("/crash", crash),
    ],
    middleware=[Middleware(CORSMiddleware, allow_origins=["*"])],
)
install(app, mapping={NoteMissing: missing_note}, instance=True)
