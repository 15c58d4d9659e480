"""A gateway that calls an upstream service with httpx, and the upstream itself.

``make demo-gateway`` serves the upstream on 127.0.0.1:8001 and the gateway on
127.0.0.1:8000. Try:

    curl -i localhost:8000/quotes/apple     # 200, priced by the upstream
    curl -i localhost:8000/quotes/kiwi      # 404, told in the gateway's words
    curl -i localhost:8000/quotes/broken    # 502, the upstream failed
    curl -i localhost:8000/quotes/slow      # 504, the upstream took too long

Stop the upstream and any quote is a 502: it cannot be reached.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_problems import NotFound, install
from asgi_problems.client import async_event_hooks

PRICES = {"apple": 120, "pear": 95}


# The upstream: a price service with a slow and a broken item.
async def price(request: Request) -> Response:
    sku = request.path_params["sku"]
    if sku == "slow":
        await asyncio.sleep(5)
    if sku == "broken":
        raise RuntimeError("price table is locked by job 7")
    if sku not in PRICES:
        raise NotFound(f"No price for {sku!r}.", sku=sku)
    return JSONResponse({"sku": sku, "cents": PRICES[sku]})


upstream = Starlette(routes=[Route("/prices/{sku}", price)])
install(upstream)


# The gateway: quotes prices it asks the upstream for.
def make_gateway(upstream_url: str, timeout: float = 1.0) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            base_url=upstream_url,
            timeout=timeout,
            # Every 4xx/5xx of the upstream raises its problem; "prices" names the
            # upstream in our 502/504 problems (never its URL).
            event_hooks=async_event_hooks(upstream="prices"),
        ) as client:
            app.state.prices = client
            yield

    async def quote(request: Request) -> Response:
        sku = request.path_params["sku"]
        try:
            response = await request.app.state.prices.get(f"/prices/{sku}")
        except NotFound:
            # Nothing of an upstream's answer is passed on unless we say so: here,
            # that this SKU has no price, in our words and with the SKU we were asked.
            raise NotFound(f"No price for {sku!r}.", sku=sku) from None
        cents = response.json()["cents"]
        return JSONResponse({"sku": sku, "price": f"{cents / 100:.2f}", "currency": "EUR"})

    app = Starlette(routes=[Route("/quotes/{sku}", quote)], lifespan=lifespan)
    install(app, instance=True)
    return app


app = make_gateway(os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8001"))
