"""A Starlette app (no OpenAPI document): the check lists what each route can raise."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from asgi_problems import Conflict, NotFound, install

from .store import load_item


async def item(request: Request) -> JSONResponse:
    item_id = int(request.path_params["item_id"])
    if item_id > 100:
        raise NotFound()
    return JSONResponse(load_item(item_id))


class Orders(HTTPEndpoint):
    async def get(self, request: Request) -> JSONResponse:
        return JSONResponse([])

    async def post(self, request: Request) -> JSONResponse:
        try:
            self.reserve()
        except NotFound:
            return JSONResponse({"reserved": False})  # caught: not an answer
        raise Conflict("The order was placed twice.")

    def reserve(self) -> None:
        raise NotFound()


app = Starlette(
    routes=[
        Route("/items/{item_id:int}", item),
        Mount("/shop", routes=[Route("/orders", Orders)]),
    ]
)
install(app)
