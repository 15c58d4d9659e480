"""Typed members: declared as annotations, real attributes, checked at the raise,
sent in the body; free extension members where a class declares none."""

from __future__ import annotations

import copy
import enum
import logging
import pickle
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timezone
from typing import Any, ClassVar, Literal

import jsonschema
import pytest
from _support import client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ServiceUnavailable,
    install,
    problem_responses,
)
from asgi_problems.testing import assert_problem


class OutOfCredit(Forbidden):
    """The account's balance does not cover the purchase."""

    type = "https://example.com/probs/out-of-credit"
    balance: int
    code: Literal["out-of-credit"] = "out-of-credit"
    note: str | None = None
    cache: ClassVar[dict[str, int]] = {}
    _private: int


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Overloaded(ServiceUnavailable):
    type = "https://example.com/probs/overloaded"
    queue: int


def test_members_are_attributes_and_keywords() -> None:
    credit = OutOfCredit("Balance too low", balance=30)
    assert credit.balance == 30 and type(credit.balance) is int
    assert credit.code == "out-of-credit"
    assert credit.note is None
    assert credit.detail == "Balance too low"
    # Declared order, defaults included: that is what the body sends.
    assert credit.extensions == {"balance": 30, "code": "out-of-credit", "note": None}
    assert OutOfCredit(balance=5, note="top up").note == "top up"
    # A class attribute that is not a member stays one.
    assert OutOfCredit.cache == {} and "cache" not in credit.extensions


def test_the_rfc_members_keep_working_beside_them() -> None:
    credit = OutOfCredit(
        "x", balance=1, status=402, title="t", instance="/i", headers={"X-Trace": "1"}
    )
    assert (credit.status, credit.title, credit.instance) == (402, "t", "/i")
    assert credit.headers == {"X-Trace": "1"}
    busy = Overloaded(queue=3, retry_after=30)
    assert busy.queue == 3 and busy.headers == {"Retry-After": "30"}


async def test_members_and_defaults_are_sent() -> None:
    async def buy(request: Request) -> Response:
        raise OutOfCredit("Your balance is 30.", balance=30)

    app = Starlette(routes=[Route("/buy", buy)])
    install(app)
    async with client(app) as c:
        response = await c.get("/buy")
    body = assert_problem(response, OutOfCredit, balance=30, code="out-of-credit", note=None)
    assert list(body)[-3:] == ["balance", "code", "note"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, r"OutOfCredit\(\) needs the member 'balance' \(int\)"),
        ({"balance": "thirty"}, r"OutOfCredit: the member 'balance' takes int, not str"),
        ({"balance": True}, r"the member 'balance' takes int, not bool"),
        ({"balance": 1.5}, r"the member 'balance' takes int, not float"),
        ({"balance": 1, "code": "other"}, r"the member 'code' takes one of 'out-of-credit'"),
        ({"balance": 1, "balnce": 2}, r"has no member 'balnce' \(did you mean 'balance'\?\)"),
        ({"balance": 1, "detial": "x"}, r"has no member 'detial' \(did you mean 'detail'\?\)"),
    ],
)
def test_a_broken_raise_is_a_type_error_naming_class_and_member(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        OutOfCredit(**kwargs)


def test_the_error_names_the_type_of_a_bad_value_never_the_value() -> None:
    # The value may be what a client sent; it must not reach the log.
    with pytest.raises(TypeError) as caught:
        OutOfCredit(balance="\r\nFORGED log line")
    assert "FORGED" not in str(caught.value)


async def test_a_broken_raise_never_reaches_the_wire(caplog: pytest.LogCaptureFixture) -> None:
    async def buy(request: Request) -> Response:
        raise OutOfCredit(balance=request.query_params["balance"])  # a str: a bug

    app = Starlette(routes=[Route("/buy", buy)])
    install(app)
    with caplog.at_level(logging.ERROR, logger="asgi_problems"):
        async with client(app) as c:
            response = await c.get("/buy?balance=30")
    # A crash, answered as one: nothing that breaks the published schema goes out.
    assert_problem(response, 500)
    assert "balance" not in response.text
    assert "the member 'balance' takes int, not str" in caplog.text


def test_setting_a_member_checks_it_and_changes_the_body() -> None:
    credit = OutOfCredit(balance=1)
    credit.balance = 7
    assert credit.extensions["balance"] == 7
    with pytest.raises(TypeError, match="'balance' takes int, not str"):
        credit.balance = "seven"  # type: ignore[assignment]
    assert credit.balance == 7


def test_subclasses_inherit_members_and_may_give_new_defaults() -> None:
    class Overdrawn(OutOfCredit):
        limit: int = 100
        note = "over the limit"  # a new default for an inherited member

    overdrawn = Overdrawn(balance=-5)
    assert overdrawn.extensions == {
        "balance": -5,
        "code": "out-of-credit",
        "note": "over the limit",
        "limit": 100,
    }
    assert OutOfCredit(balance=1).note is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("x", False),
        (datetime(2026, 1, 1, tzinfo=timezone.utc), True),
        (datetime(2026, 1, 1), False),  # naive: no offset to send
    ],
)
def test_datetimes_need_a_timezone(value: Any, ok: bool) -> None:
    class Late(Conflict):
        due: datetime

    if ok:
        assert Late(due=value).due == value
    else:
        with pytest.raises(TypeError, match="due"):
            Late(due=value)


def test_the_kinds_of_members() -> None:
    class Many(Conflict):
        colour: Colour
        tags: list[str]
        scores: dict[str, float]
        day: date
        id: uuid.UUID
        either: int | str
        anything: Any
        seq: Sequence[int] = ()

    many = Many(
        colour=Colour.RED,
        tags=["a"],
        scores={"x": 1.5, "y": 2},
        day=date(2026, 1, 2),
        id=uuid.UUID(int=1),
        either="x",
        anything=object,
    )
    assert many.colour is Colour.RED and many.seq == ()
    for bad in (
        {"colour": "red"},
        {"tags": ["a", 1]},
        {"scores": {"x": float("nan")}},
        {"day": datetime(2026, 1, 1, tzinfo=timezone.utc)},
        {"either": 1.5},
    ):
        name = next(iter(bad))
        with pytest.raises(TypeError, match=f"member '{name}'"):
            Many(**{**many.extensions, **bad})


def test_bad_declarations_fail_at_definition() -> None:
    with pytest.raises(TypeError, match=r"Bad\.when: .*no JSON form"):

        class Bad(Conflict):
            when: complex

    with pytest.raises(TypeError, match=r"Worse\.tags: a mutable default"):

        class Worse(Conflict):
            tags: list[str] = []  # noqa: RUF012

    with pytest.raises(
        TypeError, match=r"Wrong\.count: the default is str, but the member takes int"
    ):

        class Wrong(Conflict):
            count: int = "three"  # type: ignore[assignment]

    with pytest.raises(TypeError, match=r"Keyed\.by_id: .*use dict\[str, \.\.\.\]"):

        class Keyed(Conflict):
            by_id: dict[int, str]


def test_classes_without_members_take_free_extension_members() -> None:
    assert NotFound("x", user_id=42).extensions == {"user_id": 42}
    assert Problem(status=409, current_version=3).extensions == {"current_version": 3}

    class Stale(Conflict, init=False):
        type = "https://example.com/probs/stale"

    assert Stale(current_version=3).extensions == {"current_version": 3}
    with pytest.raises(TypeError, match="init=False"):

        class Mixed(Conflict, init=False):
            version: int


@pytest.mark.parametrize(
    "name", ["detial", "Detail", "stauts", "tpye", "titel", "instnace", "header"]
)
def test_a_misspelt_rfc_member_is_caught_where_members_are_free(name: str) -> None:
    with pytest.raises(TypeError, match=f"got '{name}', a misspelt RFC 9457 member"):
        NotFound(**{name: "x"})


@pytest.mark.parametrize("name", ["details", "status_code", "types", "errors", "code", "hint"])
def test_names_that_only_extend_an_rfc_member_are_free(name: str) -> None:
    assert NotFound(**{name: "x"}).extensions == {name: "x"}


def test_copies_and_pickles_keep_the_members() -> None:
    credit = OutOfCredit("low", balance=30, headers={"X-A": "1"})
    for clone in (copy.copy(credit), copy.deepcopy(credit), pickle.loads(pickle.dumps(credit))):
        assert type(clone) is OutOfCredit
        assert (clone.balance, clone.detail, clone.headers) == (30, "low", {"X-A": "1"})


def test_a_required_member_read_from_the_class_is_no_value() -> None:
    # Defaults read from the class as they would from a dataclass; required ones
    # have none to give.
    assert OutOfCredit.code == "out-of-credit"
    assert not isinstance(OutOfCredit.balance, int)


# JSON values, with no float that is a whole number: JSON Schema counts 2.0 as an
# integer, Python and type checkers do not, and the check sides with them.
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
    | st.text(max_size=5)
)
_JSON = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
_HINTS: list[Any] = [
    int, float, str, bool, int | None, list[int], dict[str, str], Literal["a", 1],
    list[int | str], dict[str, list[float]], Any,
]  # fmt: skip


def _body_schema(cls: type[Problem]) -> dict[str, Any]:
    from asgi_problems._openapi import problem_details_schema

    schema = problem_responses(cls)[cls.status]["content"]["application/problem+json"]["schema"]
    return {**schema, "components": {"schemas": {"ProblemDetails": problem_details_schema()}}}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hint=st.sampled_from(_HINTS), value=_JSON)
def test_the_check_at_the_raise_agrees_with_the_published_schema(hint: Any, value: Any) -> None:
    cls = type("Checked", (Conflict,), {"__annotations__": {"value": hint}, "__module__": __name__})
    try:
        cls(value=value)
    except TypeError:
        accepted = False
    else:
        accepted = True
    body = {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "d",
        "value": value,
    }
    schema = _body_schema(cls)
    valid = jsonschema.Draft202012Validator(schema).is_valid(body)
    assert accepted == valid, (hint, value)
