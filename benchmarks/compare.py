"""What each problem-details library sends for the same errors of a small FastAPI app.

    python benchmarks/compare.py   # after: pip install -e '.[test,bench]'

Prints one row per library: the content type of the router's 404, of a validation
error and of a crash, whether a crash leaks its message, whether 405 keeps Allow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

SECRET = "password=hunter2"


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        if item_id == 0:
            raise RuntimeError(SECRET)
        return {"id": item_id}

    return app


def ours(app: FastAPI) -> None:
    from asgi_problems import install

    install(app)


def setups() -> dict[str, Callable[[FastAPI], Any]]:
    found: dict[str, Callable[[FastAPI], Any]] = {"asgi-problems": ours}
    with contextlib.suppress(ImportError):
        import fastapi_problem.handler as fp

        found["fastapi-problem"] = lambda app: fp.add_exception_handler(
            app, fp.new_exception_handler()
        )
    with contextlib.suppress(ImportError):
        import fastapi_problem_details as fpd

        found["fastapi-problem-details"] = fpd.init_app
    with contextlib.suppress(ImportError):
        from fastapi_rfc9457.integration import add_problem_handlers

        found["fastapi-rfc9457"] = add_problem_handlers
    return found


async def probe(name: str, setup: Callable[[FastAPI], Any]) -> list[str]:
    app = make_app()
    setup(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        missing = await c.get("/nowhere")
        invalid = await c.get("/items/abc")
        crash = await c.get("/items/0")
        wrong = await c.post("/items/1")
    return [
        name,
        missing.headers.get("content-type", "-"),
        invalid.headers.get("content-type", "-"),
        f"{crash.status_code} {crash.headers.get('content-type', '-')}",
        "yes" if SECRET in crash.text else "no",
        "yes" if "allow" in wrong.headers else "no",
    ]


async def main() -> None:
    logging.disable(logging.CRITICAL)
    header = ["library", "router 404", "validation 422", "crash", "leaks crash text", "405 Allow"]
    rows = [header] + [await probe(name, setup) for name, setup in setups().items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    asyncio.run(main())
