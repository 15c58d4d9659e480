"""Property tests: whatever a problem holds, the response is sound."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from _support import client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from asgi_problems import STATUSES, Problem, ProblemMiddleware

ERROR_CODES = sorted(code for code in STATUSES if code >= 400)
SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary()
    | st.datetimes() | st.uuids() | st.decimals(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4)
    | st.frozensets(st.integers(), max_size=4),
    max_leaves=12,
)  # fmt: skip
# The standard members and ``headers`` are Problem's own keyword arguments.
KEYWORDS = {"type", "title", "status", "detail", "instance", "headers"}
extension_names = st.text(min_size=1, max_size=12).filter(
    lambda name: name.isidentifier() and name not in KEYWORDS
)


async def fetch(exc: BaseException, *, debug: bool = False) -> httpx.Response:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    async with client(ProblemMiddleware(app, debug=debug)) as c:
        return await c.get("/")


def check_sound(response: httpx.Response) -> dict[str, Any]:
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = json.loads(
        response.content, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c))
    )
    assert body["status"] == response.status_code
    assert list(body)[:4] == ["type", "title", "status", "detail"]
    return body


@SETTINGS
@given(
    code=st.sampled_from(ERROR_CODES),
    detail=st.text(),
    extensions=st.dictionaries(extension_names, json_values, max_size=5),
)
async def test_any_problem_renders_valid_json(
    code: int, detail: str, extensions: dict[str, Any]
) -> None:
    response = await fetch(Problem(detail, status=code, **extensions))
    body = check_sound(response)
    assert body["detail"] == detail
    assert set(extensions) <= set(body)


@SETTINGS
@given(name=st.text(min_size=1, max_size=20), value=st.text(max_size=40))
async def test_no_header_injection(name: str, value: str) -> None:
    try:
        problem = Problem(status=400, headers={name: value})
    except ValueError:
        # Refused at construction; the same header from a foreign exception is cleaned.
        response = await fetch(HTTPException(401, headers={name: value}))
    else:
        response = await fetch(problem)
    check_sound(response)
    for raw_name, raw_value in response.headers.raw:
        assert re.fullmatch(rb"[!#$%&'*+\-.^_`|~0-9a-z]+", raw_name)
        assert not re.search(rb"[\x00-\x08\x0a-\x1f\x7f]", raw_value)


@SETTINGS
@given(status=st.one_of(st.integers(), st.text(), st.floats(), st.none(), st.booleans()))
def test_invalid_status_never_constructs(status: Any) -> None:
    # Any code of 400-599 is taken, registered or not, as HTTPException's are.
    valid = isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599
    try:
        problem = Problem(status=status)
    except ValueError as error:
        assert not valid and repr(status) in str(error)
    else:
        assert valid or status is None
        assert 400 <= problem.status <= 599


@SETTINGS
@given(secret=st.text(alphabet=st.characters(categories=["L", "N"]), min_size=12, max_size=40))
async def test_no_internal_text_without_debug(secret: str) -> None:
    for exc_type in (RuntimeError, KeyError, ValueError, OSError, ZeroDivisionError, TypeError):
        response = await fetch(exc_type(secret))
        body = check_sound(response)
        assert response.status_code == 500
        assert secret not in response.text
        assert exc_type.__name__ not in response.text
        assert set(body) == {"type", "title", "status", "detail"}
        debug = check_sound(await fetch(exc_type(secret), debug=True))
        assert secret in debug["debug"]["message"]
