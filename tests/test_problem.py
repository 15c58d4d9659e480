from __future__ import annotations

import copy
import pickle
import re
from typing import Any

import pytest

from asgi_problems import (
    STATUSES,
    BadRequest,
    Forbidden,
    NotFound,
    Problem,
    Unauthorized,
)


def test_defaults_come_from_the_registry() -> None:
    exc = NotFound()
    assert (exc.status, exc.type, exc.title) == (404, "about:blank", "Not Found")
    assert exc.detail == STATUSES[404].description
    assert exc.instance is None
    assert exc.headers == {}
    assert exc.extensions == {}
    assert isinstance(exc, Exception)


def test_detail_str_and_repr() -> None:
    exc = NotFound("No user with id 42")
    assert exc.detail == "No user with id 42"
    assert str(exc) == "No user with id 42"
    assert repr(exc) == "NotFound(status=404, detail='No user with id 42')"


def test_all_members_and_extensions() -> None:
    exc = Problem(
        status=409,
        detail="Version mismatch",
        type="https://example.com/probs/version",
        instance="/orders/7",
        current_version=3,
    )
    assert exc.status == 409
    assert exc.title == "Conflict"
    assert exc.type == "https://example.com/probs/version"
    assert exc.instance == "/orders/7"
    assert exc.extensions == {"current_version": 3}


def test_plain_problem_defaults_to_500() -> None:
    assert Problem().status == 500
    assert Problem().detail == STATUSES[500].description


@pytest.mark.parametrize("bad", [399, 200, 600, 999, -1, "404", 404.0, True])
def test_invalid_status_raises_value_error_naming_it(bad: Any) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        Problem(status=bad)
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        Problem.from_status(bad)


@pytest.mark.parametrize(("code", "title"), [(499, "Client Error"), (599, "Server Error")])
def test_any_code_of_400_to_599_is_a_problem_as_for_http_exceptions(code: int, title: str) -> None:
    # Codes without a registry entry take the title and description of their class.
    for problem in (Problem(status=code), Problem.from_status(code)):
        assert (problem.status, problem.title) == (code, title)
    assert Problem(status=499).detail == (
        "The request could not be processed because of an error on the client's side."
    )

    class ClientClosed(Problem):
        status = 499

    assert (ClientClosed().status, ClientClosed().title) == (499, "Client Error")


def test_bad_status_on_a_subclass_fails_at_definition() -> None:
    with pytest.raises(ValueError, match="799"):

        class Broken(Problem):
            status = 799


def test_user_subclass_fixes_type_title_and_detail() -> None:
    class OutOfCredit(Forbidden):
        type = "https://example.com/probs/out-of-credit"
        title = "You do not have enough credit."
        detail = "Top up your account."

    exc = OutOfCredit(balance=30)
    assert (exc.status, exc.type, exc.title, exc.detail) == (
        403,
        "https://example.com/probs/out-of-credit",
        "You do not have enough credit.",
        "Top up your account.",
    )
    assert exc.extensions == {"balance": 30}
    assert OutOfCredit("Your balance is 30.").detail == "Your balance is 30."
    assert isinstance(exc, Forbidden)


def test_class_defaults_follow_each_class_status() -> None:
    class Custom(NotFound):
        title = "No such thing"

    class GoneToo(NotFound):  # a new status and nothing else: all of 410's defaults
        status = 410

    class CustomGone(Custom):  # keeps the title it inherits, takes 410's detail
        status = 410

    class Titled:
        title = "From a mixin"

    class Mixed(Titled, NotFound):
        pass

    assert (GoneToo().title, GoneToo().detail) == ("Gone", STATUSES[410].description)
    assert (CustomGone().title, CustomGone().detail) == ("No such thing", STATUSES[410].description)
    assert Mixed().title == "From a mixin"
    # A status given per instance brings its own defaults, but not over the class's.
    assert (NotFound(status=410).title, NotFound(status=410).detail) == (
        "Gone",
        STATUSES[410].description,
    )
    assert Custom(status=410).title == "No such thing"
    given = NotFound("Moved on.", status=410, title="Gone for good")
    assert (given.status, given.title, given.detail) == (410, "Gone for good", "Moved on.")
    assert NotFound(status=404).title == "Not Found"
    # The classes themselves show the defaults their instances get.
    assert (NotFound.title, NotFound.detail) == ("Not Found", STATUSES[404].description)
    assert (Problem.title, Problem.status) == ("Internal Server Error", 500)


def test_each_problem_has_its_own_headers_and_extensions() -> None:
    first, second = NotFound(), NotFound()
    first.headers["X-Trace"] = "1"
    first.extensions["hint"] = "x"
    assert second.headers == {} and second.extensions == {}
    assert NotFound().headers == {}


def test_problems_copy_and_pickle() -> None:
    for exc in (NotFound(), NotFound("gone", hint="x"), Unauthorized(headers={"X-A": "1"})):
        for twin in (copy.copy(exc), pickle.loads(pickle.dumps(exc))):
            assert type(twin) is type(exc)
            assert (twin.status, twin.title, twin.detail) == (exc.status, exc.title, exc.detail)
            assert (twin.extensions, twin.headers) == (exc.extensions, exc.headers)
            assert twin.raw_headers == exc.raw_headers


def test_from_status_passes_keywords() -> None:
    exc = Problem.from_status(404, "gone fishing", instance="/x", reason="fish")
    assert isinstance(exc, NotFound)
    assert (exc.detail, exc.instance, exc.extensions) == ("gone fishing", "/x", {"reason": "fish"})


def test_headers_are_kept() -> None:
    exc = Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="api"'})
    assert exc.headers == {"WWW-Authenticate": 'Bearer realm="api"'}


@pytest.mark.parametrize(
    "headers",
    [
        {"X-A": "ok\r\nSet-Cookie: evil=1"},
        {"X-A": "line\nbreak"},
        {"X-A": "nul\x00"},
        {"Bad Name": "v"},
        {"X-A\r\nX-B": "v"},
        {"X-A": "snow\u2603man"},
        {"Content-Length": "0"},
        {"Transfer-Encoding": "chunked"},
        {"Content-Encoding": "gzip"},
    ],
)
def test_unsafe_headers_raise_value_error(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="header"):
        BadRequest(headers=headers)


def test_non_str_detail_is_turned_into_text() -> None:
    assert NotFound(42).detail == "42"  # type: ignore[arg-type]
