"""ProblemMiddleware around raw ASGI apps, over the wire through httpx."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, client
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import ExceptionGroup

from asgi_problems import (
    BadRequest,
    Conflict,
    NotFound,
    Problem,
    ProblemMiddleware,
    ServiceUnavailable,
)

SECRET = "password=hunter2"


def raising(exc: BaseException) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    return app


async def test_problem_becomes_problem_response() -> None:
    app = ProblemMiddleware(raising(NotFound()))
    async with client(app) as c:
        response = await c.get("/users/42")
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": NOT_FOUND_DETAIL,
    }
    assert_problem(response, 404)


async def test_crash_is_500_without_internal_text(problem_logs: pytest.LogCaptureFixture) -> None:
    app = ProblemMiddleware(raising(RuntimeError(SECRET)))
    async with client(app) as c:
        response = await c.get("/x?token=abc")
    body = assert_problem(response, 500, detail=SERVER_ERROR_DETAIL, title="Internal Server Error")
    assert SECRET not in response.text and "RuntimeError" not in response.text
    assert set(body) == {"type", "title", "status", "detail"}
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].name == "asgi_problems"
    assert errors[0].exc_info is not None and errors[0].exc_info[1].args == (SECRET,)
    assert "GET /x" in errors[0].getMessage()
    assert "token" not in errors[0].getMessage()


async def test_4xx_is_not_logged_as_error(problem_logs: pytest.LogCaptureFixture) -> None:
    app = ProblemMiddleware(raising(BadRequest()))
    async with client(app) as c:
        assert (await c.get("/")).status_code == 400
    assert [r.levelno for r in problem_logs.records if r.name == "asgi_problems"] == [logging.DEBUG]


async def test_success_passes_messages_through_unchanged() -> None:
    sent: list[Message] = [
        {"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]},
        {"type": "http.response.body", "body": b"he", "more_body": True},
        {"type": "http.response.body", "body": b"llo"},
    ]
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in sent:
            await send(message)

    async def recorder(scope: Scope, receive: Receive, send: Send) -> None:
        async def record(message: Message) -> None:
            seen.append(message)
            await send(message)

        await ProblemMiddleware(app)(scope, receive, record)

    async with client(recorder) as c:
        response = await c.get("/")
    assert response.text == "hello"
    assert seen == sent
    assert all(a is b for a, b in zip(seen, sent, strict=True))


async def test_head_gets_headers_but_no_body() -> None:
    app = ProblemMiddleware(raising(NotFound()))
    async with client(app) as c:
        get, head = await c.get("/"), await c.head("/")
    assert head.status_code == 404
    assert head.content == b""
    assert head.headers["content-type"] == "application/problem+json"
    assert head.headers["content-length"] == get.headers["content-length"]


async def test_lifespan_passes_through() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            events.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return

    incoming = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    outgoing: list[Message] = []

    async def receive() -> Message:
        return next(incoming)

    async def send(message: Message) -> None:
        outgoing.append(message)

    await ProblemMiddleware(app)({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert events == ["lifespan.startup", "lifespan.shutdown"]
    assert outgoing == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]


async def test_lifespan_failure_passes_through_unchanged() -> None:
    app = ProblemMiddleware(raising(ValueError("startup broke")))

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        raise AssertionError(f"nothing may be sent, got {message}")

    with pytest.raises(ValueError, match="startup broke"):
        await ProblemMiddleware(app)({"type": "lifespan"}, receive, send)


async def test_mapping_along_the_mro() -> None:
    class StorageError(Exception):
        pass

    class RowMissing(StorageError, LookupError):
        pass

    app = ProblemMiddleware(
        raising(RowMissing("table users, id 42")),
        mapping={LookupError: NotFound, StorageError: Conflict},
    )
    async with client(app) as c:
        response = await c.get("/")
    # RowMissing's MRO reaches StorageError before LookupError.
    assert_problem(response, 409, title="Conflict")
    assert "users" not in response.text


async def test_mapping_to_a_callable() -> None:
    app = ProblemMiddleware(
        raising(KeyError("k")),
        mapping={KeyError: lambda exc: NotFound(f"No such key {exc.args[0]}", key=exc.args[0])},
    )
    async with client(app) as c:
        response = await c.get("/")
    assert_problem(response, 404, detail="No such key k", key="k")


@pytest.mark.parametrize("target", [lambda exc: "not a problem", lambda exc: 1 / 0])
async def test_broken_mapping_answers_500(target: Any, problem_logs: Any) -> None:
    app = ProblemMiddleware(raising(KeyError("k")), mapping={KeyError: target})
    async with client(app) as c:
        response = await c.get("/")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert any(r.levelno == logging.ERROR for r in problem_logs.records)


def test_bad_mapping_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match="mapping keys"):
        ProblemMiddleware(raising(KeyError()), mapping={"KeyError": NotFound})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="mapping values"):
        ProblemMiddleware(raising(KeyError()), mapping={KeyError: 404})  # type: ignore[dict-item]


@pytest.mark.parametrize("is_async", [False, True])
async def test_on_problem_sees_every_problem_before_it_is_sent(is_async: bool) -> None:
    seen: list[tuple[str, int]] = []
    sent_first: list[bool] = []

    def record(request: Request, problem: Problem) -> None:
        seen.append((request.url.path, problem.status))

    async def arecord(request: Request, problem: Problem) -> None:
        record(request, problem)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise NotFound() if scope["path"] == "/a" else RuntimeError("b")

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        async def check(message: Message) -> None:
            sent_first.append(bool(seen))
            await send(message)

        await inner(scope, receive, check)

    inner = ProblemMiddleware(app, on_problem=arecord if is_async else record)
    async with client(guard) as c:
        await c.get("/a")
        await c.get("/b")
    assert seen == [("/a", 404), ("/b", 500)]
    assert all(sent_first)


async def test_failing_on_problem_still_sends_the_problem(problem_logs: Any) -> None:
    def broken(request: Request, problem: Problem) -> None:
        raise ValueError("metrics down")

    app = ProblemMiddleware(raising(NotFound()), on_problem=broken)
    async with client(app) as c:
        assert_problem(await c.get("/"), 404)
    assert any("on_problem" in r.getMessage() for r in problem_logs.records)


async def test_debug_adds_exception_and_traceback() -> None:
    app = ProblemMiddleware(raising(RuntimeError(SECRET)), debug=True)
    async with client(app) as c:
        response = await c.get("/")
    body = assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert body["debug"]["exception"] == "builtins.RuntimeError"
    assert body["debug"]["message"] == SECRET
    assert any("raise exc" in line for line in body["debug"]["traceback"])


async def test_instance_option_fills_the_path() -> None:
    app = ProblemMiddleware(raising(NotFound()), instance=True)
    async with client(app) as c:
        response = await c.get("/users/42?q=1")
    assert_problem(response, 404, instance="/users/42")


async def test_reraise_sends_the_500_then_raises() -> None:
    statuses: list[int] = []

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        async def spy(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        await ProblemMiddleware(raising(RuntimeError("boom")), reraise=True)(scope, receive, spy)

    with pytest.raises(RuntimeError, match="boom"):
        async with client(outer, raise_app_exceptions=True) as c:
            await c.get("/")
    assert statuses == [500]


async def test_reraise_does_not_apply_to_problems() -> None:
    app = ProblemMiddleware(raising(NotFound()), reraise=True)
    async with client(app, raise_app_exceptions=True) as c:
        assert (await c.get("/")).status_code == 404


async def test_reused_problem_instance_does_not_grow_a_traceback() -> None:
    shared = NotFound()
    app = ProblemMiddleware(raising(shared))
    async with client(app) as c:
        for _ in range(3):
            await c.get("/")
    assert shared.__traceback__ is None


async def test_exception_group_of_one_is_its_member() -> None:
    group = ExceptionGroup("wrapped", [Conflict("inner")])
    app = ProblemMiddleware(raising(group))
    async with client(app) as c:
        assert_problem(await c.get("/"), 409, detail="inner")


async def test_response_is_valid_json_of_declared_length() -> None:
    app = ProblemMiddleware(raising(NotFound("Ünïcode 🚀", data={"n": float("nan")})))
    async with client(app) as c:
        response = await c.get("/")
    assert int(response.headers["content-length"]) == len(response.content)
    assert json.loads(response.content)["detail"] == "Ünïcode 🚀"
    assert isinstance(response, httpx.Response)


async def test_deliberate_5xx_is_logged_each_time(problem_logs: pytest.LogCaptureFixture) -> None:
    shared = ServiceUnavailable(retry_after=5)
    app = ProblemMiddleware(raising(shared))
    async with client(app) as c:
        for _ in range(2):
            response = await c.get("/maintenance")
            assert_problem(response, 503, title="Service Unavailable")
            assert response.headers["retry-after"] == "5"
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2
    assert all("ServiceUnavailable (503) on GET /maintenance" in r.getMessage() for r in errors)
