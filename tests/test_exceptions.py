"""The class of each 4xx/5xx status: one per code, named after its reason phrase, and
the keywords that set their headers."""

from __future__ import annotations

import builtins
import re
from datetime import datetime, timedelta, timezone

import pytest

import asgi_problems
from asgi_problems import (
    STATUSES,
    MethodNotAllowed,
    NotImplementedProblem,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
)


def class_name(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[\s\-]+", title.replace("'", "")))


ERROR_CODES = [code for code in STATUSES if code >= 400]


@pytest.mark.parametrize("code", ERROR_CODES)
def test_one_exported_class_per_error_code(code: int) -> None:
    name = "NotImplementedProblem" if code == 501 else class_name(STATUSES[code].title)
    cls = getattr(asgi_problems, name)
    assert issubclass(cls, Problem)
    assert cls.status == code
    assert Problem.from_status(code).__class__ is cls
    assert name in asgi_problems.__all__


def test_seed_error_class_names() -> None:
    for name, code in [
        ("BadRequest", 400), ("Unauthorized", 401), ("Forbidden", 403), ("NotFound", 404),
        ("InternalServerError", 500), ("BadGateway", 502), ("ServiceUnavailable", 503),
        ("GatewayTimeout", 504),
    ]:  # fmt: skip
        assert getattr(asgi_problems, name).status == code


def test_501_does_not_shadow_the_builtin() -> None:
    assert NotImplementedProblem.status == 501
    assert not hasattr(asgi_problems, "NotImplemented")
    assert builtins.NotImplemented is not NotImplementedProblem


def test_retry_after_seconds_and_date() -> None:
    assert ServiceUnavailable(retry_after=30).headers == {"Retry-After": "30"}
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert TooManyRequests(retry_after=when).headers == {
        "Retry-After": "Fri, 02 Jan 2026 03:04:05 GMT"
    }
    offset = when.astimezone(timezone(timedelta(hours=2)))
    assert TooManyRequests(retry_after=offset).headers["Retry-After"].endswith("03:04:05 GMT")
    for bad in (-1, 1.5, datetime(2026, 1, 1), True):
        with pytest.raises(ValueError, match="retry_after"):
            ServiceUnavailable(retry_after=bad)  # type: ignore[arg-type]


def test_allow_header_of_405() -> None:
    exc = MethodNotAllowed(allow=["GET", "POST"], headers={"X-Trace": "1"})
    assert exc.headers == {"X-Trace": "1", "Allow": "GET, POST"}
