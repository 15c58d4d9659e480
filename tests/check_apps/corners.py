"""A FastAPI app of the less usual ways to reach a raise, for tests/test_check.py."""

from __future__ import annotations

import functools
from typing import Annotated, Optional

from fastapi import Depends, FastAPI, HTTPException

from asgi_problems import (
    Conflict,
    Forbidden,
    Gone,
    Locked,
    NotFound,
    PaymentRequired,
    Problem,
    install,
)

from .store import Store


class Stale(Exception):
    """Mapped to a callable whose answer cannot be read."""


class Moved(Exception):
    """Mapped to a lambda."""


def answer_for_stale(exc: Stale) -> Problem:
    chosen = pick(exc)
    return chosen


def pick(exc: Exception) -> Problem:
    return Conflict()


app = FastAPI()
install(app, mapping={Stale: answer_for_stale, Moved: lambda exc: Gone("Moved away.")})


class Helper:
    @staticmethod
    def static() -> None:
        raise Locked()

    @classmethod
    def klass(cls) -> None:
        raise PaymentRequired()

    @property
    def size(self) -> int:
        return 1

    def check(self) -> None:
        super().__init__()
        self.size  # noqa: B018 - a property: nothing to follow
        Helper.static()


class Cart:
    def __init__(self) -> None:
        raise Conflict("The cart is locked.")


class RoleChecker:
    def __init__(self, role: str) -> None:
        self.role = role

    def __call__(self) -> None:
        raise Forbidden(f"Only for {self.role}.")


def check_role(role: str, level: int = 0) -> None:
    if level < 1:
        raise NotFound()


def make_error() -> Exception:
    return Gone()


def maybe_store() -> Optional[Store]:  # noqa: UP045 - Optional on purpose
    return None


def unresolvable(value: Undefined) -> None:  # type: ignore[name-defined]  # noqa: F821
    """Its annotation names nothing: read without annotations."""
    raise Locked()


@app.get("/methods")
def methods(name: str, store: Annotated[Optional[Store], Depends(maybe_store)]) -> None:  # noqa: UP045
    Helper.klass()
    unresolvable(1)
    if store is not None:
        store.get(1)
    Helper().check()
    Cart()
    items: list[int] = []
    items.append(1)
    name.upper()
    {"a": 1}.get("a")
    if (found := len(items)) > 5:
        print(found)
    for item in items:
        print(item)
    with open(__file__) as source:
        source.read()


@app.get("/dependencies")
def dependencies(
    role: Annotated[None, Depends(RoleChecker("admin"))],
    level: Annotated[None, Depends(functools.partial(check_role, "admin"))],
) -> None:
    return None


@app.get("/computed")
def computed(code: int) -> None:
    if code == 1:
        raise Problem(status=code)
    if code == 2:
        raise HTTPException(status_code=code)
    if code == 3:
        raise make_error()
    if code == 4:
        raise Problem(status=451)
    if code == 5:
        raise HTTPException(418)
    raise Stale()


@app.get("/caught")
def caught() -> None:
    try:
        check_role("x")
    except (NotFound, Gone):
        raise
    try:
        raise Moved()
    except Moved as moved:
        raise moved from None
