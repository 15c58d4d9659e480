"""The shop's storage: raises two calls down from the routes, in another module."""

from __future__ import annotations

from asgi_problems import Gone, NotFound, TooManyRequests


class OutOfStock(Exception):
    """Not a problem: the app's mapping makes it a 410."""


class Reserved(Exception):
    """Mapped to a callable that returns a Conflict."""


def load_item(item_id: int) -> dict[str, int]:
    return fetch_item(item_id)


def fetch_item(item_id: int) -> dict[str, int]:
    if item_id == 0:
        raise Gone("Item 0 was withdrawn.")
    if item_id < 0:
        raise OutOfStock()
    return {"id": item_id}


class Store:
    def get(self, item_id: int) -> dict[str, int]:
        return self._find(item_id)

    def _find(self, item_id: int) -> dict[str, int]:
        raise NotFound(f"No item {item_id}")


def get_store() -> Store:
    return Store()


def recursive(n: int) -> int:
    if n > 100:
        raise TooManyRequests()
    return recursive(n + 1)
