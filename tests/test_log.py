"""The log step: once per request, repeats of a crash counted, structured records, and
groups of many crashes as one record."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from _support import SERVER_ERROR_DETAIL, assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from asgi_problems import ProblemMiddleware, ServiceUnavailable, install

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import ExceptionGroup


def _connect(host: str) -> None:
    raise ConnectionRefusedError(f"connection refused by {host}")


async def crash(request: Request) -> Response:
    # Three frames deep, with a message that differs each time: the same kind.
    _connect(f"db-{request.query_params.get('n', '0')}")
    raise AssertionError("unreachable")


async def other_crash(request: Request) -> Response:
    raise KeyError("another kind")


def make_app(**options: Any) -> Starlette:
    app = Starlette(routes=[Route("/crash", crash), Route("/other", other_crash)])
    install(app, **options)
    return app


def ours(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in logs.records if r.name == "asgi_problems" and r.levelno >= logging.ERROR]


async def test_repeats_are_counted_and_summarized_at_shutdown(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    app = make_app(log_repeats=3600)
    with TestClient(app, raise_server_exceptions=False) as c:  # runs the lifespan
        for n in range(50):
            assert c.get(f"/crash?n={n}").status_code == 500
        c.get("/other")
        c.get("/other")
        records = ours(problem_logs)
        # The first of each kind in full, with its traceback; the repeats not yet.
        assert [r.exc_info is not None for r in records] == [True, True]
        assert "ConnectionRefusedError" in problem_logs.text
    # The lifespan's shutdown: one summary per kind, the counts exact.
    summaries = [r for r in ours(problem_logs) if hasattr(r, "count")]
    assert sorted((r.kind, r.count) for r in summaries) == [
        ("ConnectionRefusedError", 49),
        ("KeyError", 1),
    ]
    crash_summary = next(r for r in summaries if r.kind == "ConnectionRefusedError")
    assert crash_summary.exc_info is None and crash_summary.status == 500
    assert "GET /crash (49)" in crash_summary.getMessage()
    assert "db-7" not in crash_summary.getMessage()  # the message never makes the kind


async def test_a_window_ends_at_the_next_crash_after_it(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    app = make_app(log_repeats=3)
    async with client(app) as c:
        for _ in range(3):
            await c.get("/crash")
        await anyio.sleep(3.2)  # asyncio or trio, as the pass runs
        await c.get("/crash")  # a new window: logged in full, after the old one's summary
    records = ours(problem_logs)
    assert [("count" in vars(r), r.exc_info is not None) for r in records] == [
        (False, True),
        (True, False),
        (False, True),
    ]
    assert records[1].count == 2 and records[1].window >= 3


async def test_log_repeats_0_logs_every_crash_in_full(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    async with client(make_app(log_repeats=0)) as c:
        for _ in range(5):
            await c.get("/crash")
    assert [r.exc_info is not None for r in ours(problem_logs)] == [True] * 5


async def test_the_table_of_kinds_is_bounded_and_drops_nothing(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    # 300 kinds: each raised from code of a file name of its own.
    raisers = []
    for number in range(300):
        namespace: dict[str, Any] = {}
        exec(
            compile("def fail():\n    raise RuntimeError('x')\n", f"<kind {number}>", "exec"),
            namespace,
        )
        raisers.append(namespace["fail"])

    async def many(request: Request) -> Response:
        raisers[int(request.query_params["k"])]()
        raise AssertionError("unreachable")

    app = Starlette(routes=[Route("/many", many)])
    install(app, log_repeats=3600)
    async with client(app) as c:
        for _ in range(2):
            for number in range(300):
                await c.get(f"/many?k={number}")
    full = [r for r in ours(problem_logs) if r.exc_info is not None]
    # 256 kinds are counted; the 44 beyond the bound are logged in full each time.
    assert len(full) == 300 + 44


async def test_deliberate_5xx_problems_are_logged_each_time(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    async def maintenance(request: Request) -> Response:
        raise ServiceUnavailable(retry_after=30)

    app = Starlette(routes=[Route("/m", maintenance)])
    install(app)
    async with client(app) as c:
        for _ in range(3):
            await c.get("/m")
    assert len(ours(problem_logs)) == 3


# --- once per request, not once per exception object ---------------------------------

SHARED = RuntimeError("the pool's stored error")


async def shared(request: Request) -> Response:
    raise SHARED


async def shared_late(request: Request) -> Response:
    async def body() -> Any:
        yield b"partial"
        raise SHARED

    from starlette.responses import StreamingResponse

    return StreamingResponse(body())


@pytest.mark.parametrize("reraise", [False, True])
async def test_a_shared_exception_is_logged_once_per_request(
    problem_logs: pytest.LogCaptureFixture, reraise: bool
) -> None:
    app = Starlette(routes=[Route("/shared", shared)])
    install(app, reraise=reraise, log_repeats=0)
    async with client(app) as c:
        for _ in range(3):
            response = await c.get("/shared")
            assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert len(ours(problem_logs)) == 3


async def test_a_shared_exception_after_the_start_is_logged_in_each_request(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    app = Starlette(routes=[Route("/late", shared_late)])
    install(app, log_repeats=0)
    async with client(app, raise_app_exceptions=True) as c:
        for _ in range(3):
            # Starlette before 0.41 streams from a task group: the error comes wrapped.
            with pytest.raises((RuntimeError, ExceptionGroup)):
                await c.get("/late")
    late = [r for r in ours(problem_logs) if "after the response started" in r.getMessage()]
    assert len(late) == 3


# --- groups ------------------------------------------------------------------------------


async def test_a_group_of_many_crashes_is_one_record(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ExceptionGroup(
            "workers",
            [RuntimeError(f"worker {n}") for n in range(20_000)] + [KeyError("k")],
        )

    async with client(ProblemMiddleware(app)) as c:
        response = await c.get("/")
    assert_problem(response, 500)
    (record,) = ours(problem_logs)
    message = record.getMessage()
    assert "the group held 20000 more: RuntimeError x19999, KeyError x1" in message
    assert message.count("Also raised with it:") == 3


async def test_a_group_nested_3000_deep_is_answered_and_logged(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    def nested() -> BaseException:
        group: BaseException = ExceptionGroup("bottom", [RuntimeError("deep"), KeyError("k")])
        for _ in range(3000):
            group = ExceptionGroup("level", [group])
        return group

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise nested()

    async with client(ProblemMiddleware(app)) as c:
        response = await c.get("/")
    assert_problem(response, 500)
    (record,) = ours(problem_logs)
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


async def test_a_mapping_result_whose_repr_raises_is_still_logged(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    async def lookup(request: Request) -> Response:
        raise LookupError("x")

    app = Starlette(routes=[Route("/x", lookup)])
    install(app, mapping={LookupError: lambda exc: Broken()})
    async with client(app) as c:
        assert_problem(await c.get("/x"), 500)
    messages = [r.getMessage() for r in ours(problem_logs)]
    assert any("returned a Broken, not a Problem" in m for m in messages)


# --- structured records ------------------------------------------------------------------


@pytest.fixture
def json_lines() -> Iterator[tuple[logging.Handler, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("asgi_problems")
    logger.addHandler(handler)
    yield handler, stream
    logger.removeHandler(handler)


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def _storm(options: dict[str, Any]) -> None:
    with TestClient(make_app(**options), raise_server_exceptions=False) as c:
        for _ in range(3):
            c.get("/crash", headers={"X-Request-ID": "0123456789abcdef0123"})


async def test_python_json_logger_gets_every_fact(
    json_lines: tuple[logging.Handler, io.StringIO],
) -> None:
    from pythonjsonlogger.json import JsonFormatter

    handler, stream = json_lines
    handler.setFormatter(JsonFormatter())
    await _storm({"correlation_id": "X-Request-ID"})
    first, summary = _records(stream)
    assert first["status"] == 500 and first["problem_type"] == "InternalServerError"
    assert (first["method"], first["path"]) == ("GET", "/crash")
    assert first["title"] == "Internal Server Error"
    assert first["correlation_id"] == "0123456789abcdef0123"
    assert "ConnectionRefusedError" in first["exc_info"]
    assert (summary["count"], summary["kind"], summary["status"]) == (
        2,
        "ConnectionRefusedError",
        500,
    )
    assert summary["window"] >= 0


async def test_structlog_gets_every_fact(json_lines: tuple[logging.Handler, io.StringIO]) -> None:
    import structlog

    handler, stream = json_lines
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ExtraAdder(),
                structlog.processors.format_exc_info,
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    await _storm({})
    first, summary = _records(stream)
    assert (first["status"], first["method"], first["path"]) == (500, "GET", "/crash")
    assert first["problem_type"] == "InternalServerError"
    assert "ConnectionRefusedError" in first["exception"]
    assert summary["count"] == 2 and "exception" not in summary


def test_counts_left_at_interpreter_exit_are_logged(tmp_path: Any) -> None:
    # No lifespan (a framework without one, a script): the summary comes at exit.
    script = tmp_path / "storm.py"
    script.write_text(
        "import asyncio, logging, sys\n"
        "import httpx\n"
        "from starlette.applications import Starlette\n"
        "from starlette.routing import Route\n"
        "from asgi_problems import install\n"
        "logging.basicConfig(stream=sys.stderr, format='%(message)s')\n"
        "async def crash(request):\n"
        "    raise ConnectionRefusedError('db down')\n"
        "app = Starlette(routes=[Route('/crash', crash)])\n"
        "install(app)\n"
        "async def main():\n"
        "    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)\n"
        "    async with httpx.AsyncClient(transport=transport, base_url='http://t') as c:\n"
        "        for _ in range(4):\n"
        "            await c.get('/crash')\n"
        "asyncio.run(main())\n"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Traceback") == 1
    assert "Repeated 3 times" in done.stderr and "GET /crash (3)" in done.stderr
