"""ProblemMiddleware(app, status_pages=...): error responses sent without a problem
become one; everything else passes as it is."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import pytest
from _support import NOT_FOUND_DETAIL, assert_problem, client
from starlette.types import Receive, Scope, Send

from asgi_problems import STATUSES, ProblemMiddleware

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def responding(
    status: int,
    headers: Iterable[tuple[bytes, bytes]] = (),
    chunks: Iterable[bytes] = (b"",),
) -> Any:
    """A plain ASGI app that answers every request with this status, headers and body."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        parts = list(chunks)
        for index, chunk in enumerate(parts):
            more = index < len(parts) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
HTML = [(b"content-type", b"text/html; charset=utf-8")]


async def test_off_by_default() -> None:
    async with client(ProblemMiddleware(responding(404, TEXT, [b"nope"]))) as c:
        response = await c.get("/")
    assert (response.status_code, response.text) == (404, "nope")


@pytest.mark.parametrize("mode", ["empty", "all"])
async def test_an_empty_error_becomes_a_problem_keeping_status_and_headers(mode: str) -> None:
    headers = [
        (b"allow", b"GET, HEAD"),
        (b"www-authenticate", b"Bearer"),
        (b"retry-after", b"30"),
        (b"set-cookie", b"seen=1"),
        (b"access-control-allow-origin", b"https://web.example"),
        (b"vary", b"Origin"),
        (b"content-length", b"0"),
    ]
    app = ProblemMiddleware(responding(405, headers), status_pages=mode)  # type: ignore[arg-type]
    async with client(app) as c:
        response = await c.post("/")
        head = await c.head("/")
    assert_problem(response, 405, detail=STATUSES[405].description)
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["retry-after"] == "30"
    assert response.headers["set-cookie"] == "seen=1"
    assert response.headers["access-control-allow-origin"] == "https://web.example"
    assert response.headers["vary"] == "Origin, Accept"
    assert head.status_code == 405 and head.content == b""
    assert head.headers["content-length"] == response.headers["content-length"]


async def test_empty_mode_keeps_error_bodies_all_mode_replaces_them() -> None:
    page = responding(404, TEXT, [b"Not here, ", b"sorry."])
    async with client(ProblemMiddleware(page, status_pages="empty")) as c:
        kept = await c.get("/")
    async with client(ProblemMiddleware(page, status_pages="all")) as c:
        replaced = await c.get("/")
    assert (kept.status_code, kept.text) == (404, "Not here, sorry.")
    assert kept.headers["content-type"].startswith("text/plain")
    assert_problem(replaced, 404, detail=NOT_FOUND_DETAIL)
    assert "sorry" not in replaced.text


async def test_an_empty_body_in_pieces_is_still_empty() -> None:
    app = ProblemMiddleware(responding(404, TEXT, [b"", b"", b""]), status_pages="empty")
    async with client(app) as c:
        assert_problem(await c.get("/"), 404)


@pytest.mark.parametrize("status", [200, 201, 204, 301, 304])
async def test_successes_and_redirects_pass_unchanged(status: int) -> None:
    headers = [(b"location", b"/elsewhere"), *TEXT]
    app = ProblemMiddleware(responding(status, headers, [b"a", b"b"]), status_pages="all")
    async with client(app) as c:
        response = await c.get("/", follow_redirects=False)
    assert (response.status_code, response.content) == (status, b"ab")  # as the app sent it


async def test_problems_pass_unchanged() -> None:
    body = b'{"type":"about:blank","title":"Gone","status":410,"detail":"Mine."}'
    headers = [(b"content-type", b"application/problem+json")]
    app = ProblemMiddleware(responding(410, headers, [body]), status_pages="all")
    async with client(app) as c:
        response = await c.get("/")
    assert response.content == body


async def test_html_error_pages_can_be_left_to_browsers() -> None:
    page = responding(404, HTML, [b"<h1>Lost</h1>"])
    app = ProblemMiddleware(page, status_pages="all", leave_html_to_browsers=True)
    async with client(app) as c:
        browser = await c.get("/", headers={"Accept": BROWSER})
        api = await c.get("/", headers={"Accept": "application/json"})
    assert browser.text == "<h1>Lost</h1>"
    assert_problem(api, 404)


async def test_an_endless_error_stream_does_not_hang_the_client() -> None:
    sent = 0

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal sent
        await send({"type": "http.response.start", "status": 500, "headers": TEXT})
        while True:  # ends only when its send raises
            await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
            sent += 1

    app = ProblemMiddleware(endless, status_pages="all", status_pages_limit=10 * 1024)
    async with client(app) as c:
        response = await c.get("/")
    assert_problem(response, 500)
    assert sent == 10  # stopped right after the limit


async def test_a_rewritten_page_is_not_logged_as_a_crash(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    seen: list[int] = []
    app = ProblemMiddleware(
        responding(503, TEXT, [b"down"]),
        status_pages="all",
        on_problem=lambda conn, problem: seen.append(problem.status),
    )
    async with client(app) as c:
        assert_problem(await c.get("/"), 503)
    assert seen == [503]
    assert not [r for r in problem_logs.records if r.levelno >= logging.ERROR]


def test_a_bad_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="'some'"):
        ProblemMiddleware(responding(404), status_pages="some")  # type: ignore[arg-type]


@pytest.mark.asyncio  # Falcon's ASGI app runs on asyncio only
async def test_a_framework_we_do_not_ship_gets_problems_from_its_status_pages() -> None:
    # Falcon stands in for any framework without an integration: its own JSON errors
    # ({"title": "404 Not Found"}) become problems, its successes pass.
    import falcon
    import falcon.asgi

    class Ok:
        async def on_get(self, req: Any, resp: Any) -> None:
            resp.media = {"ok": True}

    inner = falcon.asgi.App()
    inner.add_route("/ok", Ok())
    async with client(ProblemMiddleware(inner, status_pages="all")) as c:
        ok = await c.get("/ok")
        missing = await c.get("/nowhere")
        wrong = await c.post("/ok")
    assert ok.json() == {"ok": True}
    assert_problem(missing, 404, detail=NOT_FOUND_DETAIL)
    assert_problem(wrong, 405)
    assert "GET" in wrong.headers["allow"]


# --- round three of the hardening ---------------------------------------------------


async def test_the_replaced_pages_representation_headers_go_with_it() -> None:
    page = [
        *TEXT,
        (b"content-disposition", b'attachment; filename="error.txt"'),
        (b"etag", b'"abc"'),
        (b"last-modified", b"Wed, 02 Dec 2026 10:00:00 GMT"),
        (b"content-digest", b"sha-256=:xyz=:"),
        (b"content-md5", b"Q2hlY2s="),
        (b"digest", b"SHA-256=xyz"),
        (b"content-language", b"de"),
        (b"content-location", b"/errors/404.txt"),
        (b"accept-ranges", b"bytes"),
        (b"set-cookie", b"session=1"),  # not about the body: kept
    ]
    app = ProblemMiddleware(responding(404, page, [b"Nicht gefunden"]), status_pages="all")
    async with client(app) as c:
        response = await c.get("/")
    assert_problem(response, 404)
    assert set(response.headers) == {"content-type", "content-length", "set-cookie", "vary"}


async def test_headers_given_as_an_iterator_are_read_once_and_kept() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = iter([(b"x-trace", b"7"), (b"content-type", b"text/plain")])
        await send({"type": "http.response.start", "status": 404, "headers": headers})
        await send({"type": "http.response.body", "body": b"Not Found"})

    async with client(ProblemMiddleware(app, status_pages="all")) as c:
        response = await c.get("/")
    assert_problem(response, 404)
    assert response.headers["x-trace"] == "7"


@pytest.mark.parametrize("status", [600, 799])
async def test_a_status_beyond_599_passes_as_it_is(
    status: int, problem_logs: pytest.LogCaptureFixture
) -> None:
    app = ProblemMiddleware(responding(status, TEXT, [b"odd"]), status_pages="all")
    async with client(app) as c:
        response = await c.get("/")
    assert (response.status_code, response.text) == (status, "odd")
    assert not [r for r in problem_logs.records if r.levelno >= logging.ERROR]


async def test_a_zero_content_length_written_oddly_is_still_empty() -> None:
    app = ProblemMiddleware(
        responding(405, [(b"content-length", b"00")], [b""]), status_pages="empty"
    )
    async with client(app) as c:
        assert_problem(await c.post("/"), 405)


@pytest.mark.parametrize("kind", ["http.response.pathsend", "http.response.zerocopysend"])
async def test_a_held_start_goes_out_before_a_file_body(kind: str) -> None:
    sent: list[Any] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": TEXT})
        await send({"type": kind, "path": "/srv/404.txt", "file": None})

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    await ProblemMiddleware(app, status_pages="empty")(scope, receive, send)
    assert [m["type"] for m in sent] == ["http.response.start", kind]
    assert sent[0]["status"] == 404


async def test_a_too_big_last_message_leaves_the_background_task_to_run() -> None:
    from starlette.background import BackgroundTask
    from starlette.responses import Response

    ran: list[bool] = []
    page = Response(b"x" * 200_000, status_code=500, background=BackgroundTask(ran.append, True))
    app = ProblemMiddleware(page, status_pages="all", status_pages_limit=1024)
    async with client(app) as c:
        assert_problem(await c.get("/"), 500)
    assert ran == [True]


async def test_an_endless_stream_of_empty_chunks_is_stopped() -> None:
    sent = 0

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal sent
        await send({"type": "http.response.start", "status": 500, "headers": TEXT})
        while True:  # ends only when its send raises
            await send({"type": "http.response.body", "body": b"", "more_body": True})
            sent += 1

    app = ProblemMiddleware(endless, status_pages="all")
    async with client(app) as c:
        assert_problem(await c.get("/"), 500)
    assert 0 < sent <= 1024


async def test_a_stop_through_a_task_group_is_quiet(problem_logs: pytest.LogCaptureFixture) -> None:
    import anyio

    async def grouped(scope: Scope, receive: Receive, send: Send) -> None:
        # Sends from a task group, as streaming responses do: the stop comes wrapped.
        async def stream() -> None:
            await send({"type": "http.response.start", "status": 500, "headers": TEXT})
            while True:
                await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})

        async with anyio.create_task_group() as group:
            group.start_soon(stream)

    app = ProblemMiddleware(grouped, status_pages="all", status_pages_limit=4096)
    async with client(app, raise_app_exceptions=True) as c:
        response = await c.get("/")
    assert_problem(response, 500)
    assert not [r for r in problem_logs.records if r.levelno >= logging.ERROR]


async def test_a_stop_through_a_litestar_stream_is_quiet(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    from litestar import Litestar

    inner = Litestar(route_handlers=[_endless_litestar_stream()])
    app = ProblemMiddleware(inner, status_pages="all", status_pages_limit=4096)
    async with client(app, raise_app_exceptions=True) as c:
        response = await c.get("/stream")
    assert_problem(response, 500)
    ours = [r for r in problem_logs.records if r.name == "asgi_problems" and r.levelno >= 40]
    assert ours == []


def _endless_litestar_stream() -> Any:
    from litestar import get
    from litestar.response import Stream

    class Forever:
        # An iterator, not an async generator: nothing left to collect when stopped.
        def __aiter__(self) -> Any:
            return self

        async def __anext__(self) -> bytes:
            return b"x" * 1024

    @get("/stream", signature_namespace={"Stream": Stream})
    async def stream() -> Stream:
        return Stream(Forever(), status_code=500, media_type="text/plain")

    return stream
