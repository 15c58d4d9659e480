"""Memo: a bounded table of values computed once per key.

The error path sees the same few inputs again and again: the titles of a handful
of statuses, the Accept values of a few clients, the Allow header of each route.
Each is worked out once and kept. The keys can carry request data, so a memo keeps
at most ``size`` entries, and only those whose ``weight`` is at most
``KEEP_AT_MOST``: a detail built from 1 MB of request data is computed each time
and never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Every memo's entries are at most this heavy (characters, bytes), and at most
# SIZE of them: all the memos together hold well under 2 MiB.
KEEP_AT_MOST = 1024
SIZE = 512


class Memo(Generic[K, V]):
    """``memo.get(key)`` looks a value up (None, or the default given, if not kept);
    ``memo(key)`` computes it with ``build`` and keeps it while there is room;
    ``memo.keep(key, value)`` keeps a value computed elsewhere.

    Look-up and computing are separate so that the usual case, a value already
    kept, costs one dict look-up: ``memo.get(key) or memo(key)``.
    """

    __slots__ = ("_build", "_size", "_table", "_weight", "get")

    def __init__(
        self,
        build: Callable[[K], V] | None = None,
        *,
        weight: Callable[[K, V], int] | None = None,
        size: int = SIZE,
    ) -> None:
        self._build = build
        self._weight = weight
        self._size = size
        self._table: dict[K, V] = {}
        self.get = self._table.get

    def __call__(self, key: K) -> V:
        assert self._build is not None, "a memo without build only keeps values"
        return self.keep(key, self._build(key))

    def keep(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key`` if there is room and it is light enough; return it."""
        if len(self._table) < self._size and (
            self._weight is None or self._weight(key, value) <= KEEP_AT_MOST
        ):
            self._table[key] = value
        return value

    def __len__(self) -> int:
        return len(self._table)
