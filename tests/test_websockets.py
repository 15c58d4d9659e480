"""Problems on websocket routes: denial responses, close codes and reasons."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgi_problems import Forbidden, Problem, ProblemMiddleware, ServiceUnavailable, install


class Hostile(Problem):
    status = 400
    title = "Ü" * 200  # 400 bytes of UTF-8: far over a close reason's 123


async def refuse_before_accept(websocket: WebSocket) -> None:
    raise Forbidden("No sockets for you.")


async def crash_before_accept(websocket: WebSocket) -> None:
    raise RuntimeError("secret-dsn")


async def fail_after_accept(websocket: WebSocket) -> None:
    await websocket.accept()
    kind = await websocket.receive_text()
    if kind == "4xx":
        raise Hostile()
    raise ServiceUnavailable()


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


def make_app(**options: Any) -> Starlette:
    app = Starlette(
        routes=[
            WebSocketRoute("/refuse", refuse_before_accept),
            WebSocketRoute("/crash", crash_before_accept),
            WebSocketRoute("/after", fail_after_accept),
            WebSocketRoute("/echo", echo),
        ]
    )
    install(app, **options)
    return app


def test_on_problem_sees_websocket_problems() -> None:
    seen: list[tuple[str, int]] = []
    app = make_app(on_problem=lambda conn, problem: seen.append((conn.url.path, problem.status)))
    with TestClient(app) as tc:
        with pytest.raises(WebSocketDenialResponse), tc.websocket_connect("/refuse"):
            pass
        with tc.websocket_connect("/after") as ws:
            ws.send_text("5xx")
            with pytest.raises(WebSocketDisconnect):
                ws.receive_text()
    assert seen == [("/refuse", 403), ("/after", 503)]


def test_problem_before_accept_is_a_denial_response() -> None:
    with TestClient(make_app()) as tc:
        with pytest.raises(WebSocketDenialResponse) as denied, tc.websocket_connect("/refuse"):
            pass
        with pytest.raises(WebSocketDenialResponse) as crashed, tc.websocket_connect("/crash"):
            pass
    assert denied.value.status_code == 403
    assert denied.value.headers["content-type"] == "application/problem+json"
    assert denied.value.json()["detail"] == "No sockets for you."
    assert crashed.value.status_code == 500
    assert "secret-dsn" not in crashed.value.text


@pytest.mark.parametrize(
    ("kind", "code", "reason"), [("4xx", 1008, "Ü" * 61), ("5xx", 1011, "Service Unavailable")]
)
def test_problem_after_accept_closes_with_code_and_title(kind: str, code: int, reason: str) -> None:
    with TestClient(make_app()) as tc, tc.websocket_connect("/after") as ws:
        ws.send_text(kind)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == code
    assert closed.value.reason == reason
    assert len(closed.value.reason.encode()) <= 123


def test_successful_websockets_are_untouched() -> None:
    with TestClient(make_app()) as tc, tc.websocket_connect("/echo") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"


async def run_raw(app: Any, incoming: list[Message]) -> list[Message]:
    """Drive a websocket scope whose server does not offer the denial extension."""
    sent: list[Message] = []
    queue = iter(incoming)

    async def receive() -> Message:
        return next(queue)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "extensions": {}}
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(("exc", "code"), [(Forbidden(), 1008), (RuntimeError("x"), 1011)])
async def test_without_the_denial_extension_the_handshake_is_closed(
    exc: Exception, code: int
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise exc

    sent = await run_raw(ProblemMiddleware(app), [{"type": "websocket.connect"}])
    assert sent == [{"type": "websocket.close", "code": code}]


async def test_error_after_close_sends_nothing_more() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})
        raise Forbidden()

    sent = await run_raw(ProblemMiddleware(app), [{"type": "websocket.connect"}])
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]


async def test_client_disconnect_propagates_untouched() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise WebSocketDisconnect(1001)

    with pytest.raises(WebSocketDisconnect):
        await run_raw(ProblemMiddleware(app), [])
