"""The notes API again, on FastAPI: validation problems and documented problems in /docs.

Run it with ``make demo-fastapi`` and open http://127.0.0.1:8000/docs. The token is
``demo-token``.
"""

from __future__ import annotations

import itertools
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from asgi_problems import Conflict, NotFound, Unauthorized, install, problem_responses

TOKEN = "demo-token"


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=5)


class Note(NoteIn):
    id: int
    version: int = 1


class VersionConflict(Conflict):
    """Raised when a client edits a note from an outdated version."""

    type = "https://notes.example/problems/version-conflict"
    title = "The note was changed by someone else."
    current_version: int  # an extension member, documented in OpenAPI


class NoteLocked(Conflict):
    """Raised when a client edits a note that someone else holds locked."""

    type = "https://notes.example/problems/note-locked"
    title = "Someone else is editing the note."
    locked_by: str


class NoteMissing(LookupError):
    """The storage layer's own error: it knows nothing of HTTP."""


class Store:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.notes: dict[int, Note] = {}
        self.locks: dict[int, str] = {}  # note id -> who holds it

    def add(self, note: NoteIn) -> Note:
        stored = Note(id=next(self._ids), **note.model_dump())
        self.notes[stored.id] = stored
        return stored

    def get(self, note_id: int) -> Note:
        try:
            return self.notes[note_id]
        except KeyError:
            raise NoteMissing(f"note {note_id} is not in table notes") from None


store = Store()
store.add(NoteIn(text="Buy milk"))
store.locks[store.add(NoteIn(text="Plan the trip")).id] = "ada"


bearer = HTTPBearer(auto_error=False, description="Use the token demo-token.")


def require_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    if credentials is None or credentials.credentials != TOKEN:
        raise Unauthorized(
            "Send 'Authorization: Bearer demo-token'.",
            headers={"WWW-Authenticate": 'Bearer realm="notes"'},
        )


app = FastAPI(
    title="Notes",
    dependencies=[Depends(require_token)],
    responses=problem_responses(Unauthorized),
)
app.add_middleware(CORSMiddleware, allow_origins=["*"])


@app.get("/notes", response_model=list[Note])
async def list_notes(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[Note]:
    return list(store.notes.values())[:limit]


@app.post("/notes", status_code=201, response_model=Note)
async def create_note(note: NoteIn, response: Response) -> Note:
    stored = store.add(note)
    response.headers["Location"] = f"/notes/{stored.id}"
    return stored


@app.get("/notes/{note_id}", response_model=Note, responses=problem_responses(NotFound))
async def get_note(note_id: int) -> Note:
    return store.get(note_id)


@app.put(
    "/notes/{note_id}",
    response_model=Note,
    # Two problems of one status: a oneOf that clients tell apart by its type.
    responses=problem_responses(NotFound, VersionConflict, NoteLocked),
)
async def update_note(
    note_id: int, note: NoteIn, if_match: Annotated[int | None, Header()] = None
) -> Note:
    current = store.get(note_id)
    if note_id in store.locks:
        raise NoteLocked(f"Note {note_id} is locked.", locked_by=store.locks[note_id])
    if if_match != current.version:
        raise VersionConflict(
            f"Note {note_id} is at version {current.version}; send it in If-Match.",
            current_version=current.version,
        )
    updated = current.model_copy(update={**note.model_dump(), "version": current.version + 1})
    store.notes[note_id] = updated
    return updated


# response_model=None: FastAPI before 0.116 reads the string "None" that postponed
# annotations make of "-> None" as a body model, which a 204 must not have.
@app.delete(
    "/notes/{note_id}",
    status_code=204,
    response_model=None,
    responses=problem_responses(NotFound),
)
async def delete_note(note_id: int) -> None:
    store.get(note_id)
    del store.notes[note_id]


install(app, mapping={NoteMissing: lambda exc: NotFound("No note with that id.")})
