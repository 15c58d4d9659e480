"""Memo: the bounded tables the error path keeps what it worked out in."""

from __future__ import annotations

from asgi_problems._memo import KEEP_AT_MOST, SIZE, Memo


def test_a_value_is_built_once_then_looked_up() -> None:
    built: list[int] = []

    def square(n: int) -> int:
        built.append(n)
        return n * n

    memo: Memo[int, int] = Memo(square)
    assert memo.get(3) is None
    assert [memo.get(3) or memo(3) for _ in range(3)] == [9, 9, 9]
    assert built == [3]
    assert memo.get(4, -1) == -1  # a default, for values that may be falsy


def test_it_keeps_at_most_size_entries_and_still_answers_past_them() -> None:
    memo: Memo[int, str] = Memo(str)
    for n in range(SIZE + 100):
        assert memo(n) == str(n)
    assert len(memo) == SIZE
    assert memo.get(SIZE + 50) is None and memo(SIZE + 50) == str(SIZE + 50)
    small: Memo[int, str] = Memo(str, size=2)
    small(1), small(2), small(3)
    assert len(small) == 2


def test_heavy_values_are_never_kept() -> None:
    memo: Memo[str, str] = Memo(str.upper, weight=lambda key, value: len(value))
    light, heavy = "a" * KEEP_AT_MOST, "b" * (KEEP_AT_MOST + 1)
    assert memo(light) == light.upper() and memo(heavy) == heavy.upper()
    assert memo.get(light) == light.upper()
    assert memo.get(heavy) is None


def test_values_computed_elsewhere_can_be_kept() -> None:
    memo: Memo[str, int] = Memo(weight=lambda key, value: value)
    assert memo.keep("small", 3) == 3 and memo.get("small") == 3
    assert memo.keep("big", KEEP_AT_MOST + 1) == KEEP_AT_MOST + 1
    assert memo.get("big") is None
