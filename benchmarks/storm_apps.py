"""The apps of ``make bench-storm``: a dependency is down, and /crash fails three frames
deep each time; /missing is a plain 404 and /ok a success. Each app logs to stderr, as
in production, and the bench sends that to a file to weigh it.

    bare   Starlette as it comes
    hand   a hand-written Exception handler that logs and answers a JSON problem
    ours   install(app), with its defaults
"""

from __future__ import annotations

import logging
import sys

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_problems import install

logging.basicConfig(
    stream=sys.stderr,
    level=logging.INFO,
    format="%(asctime)s %(levelname)s %(name)s %(message)s",
)


def _query(sql: str) -> None:
    raise ConnectionRefusedError("[Errno 111] connection refused by db.internal:5432")


def _load_user(user_id: int) -> None:
    _query(f"SELECT * FROM users WHERE id = {user_id}")


async def crash(request: Request) -> Response:
    _load_user(42)
    return JSONResponse({})  # pragma: no cover - never reached


async def missing(request: Request) -> Response:
    raise HTTPException(404)


async def ok(request: Request) -> Response:
    return JSONResponse({"id": 42, "name": "Ada"})


def routes() -> list[Route]:
    return [Route("/crash", crash), Route("/missing", missing), Route("/ok", ok)]


bare = Starlette(routes=routes())


async def on_crash(request: Request, exc: Exception) -> Response:
    logging.getLogger("app").exception("Unhandled error on %s", request.url.path)
    body = {"type": "about:blank", "title": "Internal Server Error", "status": 500,
            "detail": "The server encountered an unexpected condition."}  # fmt: skip
    return JSONResponse(body, status_code=500, media_type="application/problem+json")


hand = Starlette(routes=routes(), exception_handlers={Exception: on_crash})

ours = Starlette(routes=routes())
install(ours)
