from __future__ import annotations

import json
import math
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from asgi_problems import NotFound, Problem
from asgi_problems._memo import SIZE
from asgi_problems._negotiate import XML
from asgi_problems._render import render


def body_of(problem: Problem, **kwargs: Any) -> dict[str, Any]:
    status, headers, body = render(problem, **kwargs)
    assert status == problem.status
    assert dict(headers)[b"content-length"] == str(len(body)).encode()
    assert dict(headers)[b"content-type"] == b"application/problem+json"
    parsed: dict[str, Any] = json.loads(body)  # strict JSON: NaN would fail here
    return parsed


def test_standard_members_come_first_in_order() -> None:
    problem = Problem(status=409, detail="d", instance="/i", zeta=1, alpha=2)
    assert list(body_of(problem)) == [
        "type", "title", "status", "detail", "instance", "zeta", "alpha",
    ]  # fmt: skip


def test_instance_is_absent_unless_given() -> None:
    assert "instance" not in body_of(NotFound())
    assert body_of(NotFound(), instance="/users/42")["instance"] == "/users/42"
    assert body_of(NotFound(instance="/mine"), instance="/path")["instance"] == "/mine"


def test_extensions_never_replace_standard_members() -> None:
    problem = NotFound("real")
    problem.extensions.update(status=200, type="x", title="t", detail="fake", instance="/i", ok=1)
    assert body_of(problem) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "real",
        "ok": 1,
    }


class Color(Enum):
    RED = "red"


class Opaque:
    def __str__(self) -> str:
        return "opaque!"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "2026-01-02T03:04:05+00:00"),
        (date(2026, 1, 2), "2026-01-02"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (Decimal("1.10"), "1.10"),
        (b"bytes\xff", "bytes\ufffd"),
        ({3, 1, 2}, [1, 2, 3]),
        (Color.RED, "red"),
        (Opaque(), "opaque!"),
        (math.nan, "nan"),
        (math.inf, "inf"),
        ((1, 2), [1, 2]),
    ],
)
def test_values_json_cannot_encode_fall_back(value: Any, expected: Any) -> None:
    assert body_of(NotFound(value=value))["value"] == expected


def test_cyclic_and_deep_extensions_stay_valid() -> None:
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    deep: Any = "bottom"
    for _ in range(5000):
        deep = {"d": deep}
    body = body_of(NotFound(cyclic=cyclic, deep=deep, nan=math.nan))
    assert body["cyclic"] == [1, "..."]
    assert body["nan"] == "nan"
    depth, node = 0, body["deep"]
    while isinstance(node, dict):
        node, depth = node["d"], depth + 1
    assert depth < 40


def test_non_ascii_is_escaped_and_round_trips() -> None:
    problem = NotFound("Ünïcödé ✓ 🚀 \ud800", who="人")
    _status, _headers, body = render(problem)
    assert body.isascii()
    parsed = json.loads(body)
    assert parsed["detail"] == "Ünïcödé ✓ 🚀 \ud800"
    assert parsed["who"] == "人"


def test_problem_headers_follow_the_content_headers() -> None:
    _, headers, _ = render(NotFound(headers={"X-Trace": "abc"}))
    assert headers[2:] == ((b"x-trace", b"abc"),)


def test_more_distinct_problems_than_are_kept_each_render_right() -> None:
    # Past the memos' bounds (tests/test_memo.py), answers are computed afresh.
    for n in range(SIZE + 100):
        _, headers, body = render(NotFound(f"No user with id {n}"))
        assert json.loads(body)["detail"] == f"No user with id {n}"
        _, headers, body = render(NotFound(title=f"Lost {n}", **{f"n{n}": "x" * n}))
        assert json.loads(body)[f"n{n}"] == "x" * n
        assert dict(headers)[b"content-length"] == str(len(body)).encode()
    # Lengths past the bound still get their own, right Content-Length.
    _, headers, body = render(NotFound("y" * 5000, extra="z"))
    assert dict(headers)[b"content-length"] == str(len(body)).encode()
    # A cached body is the same as a fresh one.
    fresh = render(NotFound("No user with id 0"), instance=None)
    assert json.loads(fresh[2])["detail"] == "No user with id 0"


def test_extension_names_that_are_not_text_keep_their_own_names() -> None:
    problem = NotFound()
    problem.extensions.update({1: "one"})
    assert json.loads(render(problem)[2])["1"] == "one"
    problem.extensions.clear()
    problem.extensions.update({True: "yes"})  # equal to 1, but named "True"
    assert json.loads(render(problem)[2])["True"] == "yes"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10**5000, "<an integer of 16610 bits>"),
        ([1, 10**5000], [1, "<an integer of 16610 bits>"]),
        (Unprintable(), "<unprintable Unprintable>"),
        ({"inner": Unprintable()}, {"inner": "<unprintable Unprintable>"}),
        (-(10**100), -(10**100)),  # long, but within what str() writes
    ],
    ids=["huge-int", "huge-int-nested", "unprintable", "unprintable-nested", "long-int"],
)
def test_values_json_cannot_write_still_give_the_problem(value: Any, expected: Any) -> None:
    status, _, body = render(NotFound("x", value=value))
    assert status == 404
    assert json.loads(body)["value"] == expected
    xml_status, _, xml_body = render(NotFound("x", value=value), form=XML)
    assert xml_status == 404 and xml_body.startswith(b"<?xml")
