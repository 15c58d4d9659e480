"""A FastAPI app whose routes raise problems in every way the check reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Security, status

from asgi_problems import (
    BadRequest,
    Conflict,
    Forbidden,
    Gone,
    Locked,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    install,
    problem_responses,
)

from . import store
from .store import OutOfStock, Reserved, Store, get_store


def app_wide() -> None:
    """An app-level dependency: every route can answer its 503."""
    if not OPEN:
        raise ServiceUnavailable()


OPEN = True
app = FastAPI(dependencies=[Depends(app_wide)])
install(app, mapping={OutOfStock: Gone, Reserved: lambda exc: Conflict("Reserved.")})
ALL = problem_responses(503)


@app.get("/complete/{item_id}", responses={**ALL, **problem_responses(404)})
def complete(item_id: int) -> dict[str, int]:
    if item_id == 0:
        raise NotFound()
    return {"id": item_id}


@app.get("/deep/{item_id}", responses=ALL)
def deep(item_id: int) -> dict[str, int]:
    return store.load_item(item_id)


def sync_dependency() -> None:
    raise Unauthorized(headers={"WWW-Authenticate": "Bearer"})


async def async_dependency() -> None:
    raise Forbidden()


def yield_dependency() -> Iterator[int]:
    yield 1
    raise ServiceUnavailable("Closing the session failed.")


def scoped() -> None:
    raise Locked("The account is frozen.")


class Pager:
    def __init__(self, page: int = 1) -> None:
        if page < 1:
            raise BadRequest("Pages start at 1.")
        self.page = page


router = APIRouter(dependencies=[Depends(sync_dependency)])


@router.get("/dependencies", responses=ALL)
def dependencies(
    pager: Annotated[Pager, Depends()],
    forbidden: Annotated[None, Depends(async_dependency)],
    session: Annotated[int, Depends(yield_dependency)],
    scopes: Annotated[None, Security(scoped, scopes=["orders:read"])],
) -> dict[str, int]:
    return {"page": pager.page}


app.include_router(router)


@app.get("/mapped", responses={**ALL, **problem_responses(410)})
def mapped(reserved: bool = False) -> None:
    if reserved:
        raise Reserved()
    raise OutOfStock()


@app.get("/stale", responses={**ALL, **problem_responses(400, 409, 422)})
def stale() -> dict[str, bool]:
    # No parameters and no body: a documented 400 or 422 is as stale as the 409.
    return {"ok": True}


HANDLERS: dict[str, Any] = {}


@app.get("/unknown", responses=ALL)
def unknown(name: str) -> None:
    error = HANDLERS[name]
    raise error


@app.get("/lookup", responses=ALL)
def lookup(name: str) -> None:
    handler = HANDLERS[name]
    handler()


@app.get("/reraise", responses=ALL)
def reraise() -> None:
    try:
        store.fetch_item(0)
    except Gone:
        raise


@app.get("/http", responses=ALL)
def http() -> None:
    raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Taken.")


@app.get("/method/{item_id}", responses=ALL)
def method(item_id: int, shop: Annotated[Store, Depends(get_store)]) -> dict[str, int]:
    return shop.get(item_id)


@app.get("/recursive", responses=ALL)
def recursive() -> int:
    return store.recursive(0)
