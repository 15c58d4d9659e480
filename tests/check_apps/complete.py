"""A FastAPI app that documents every problem its routes raise."""

from __future__ import annotations

from fastapi import FastAPI

from asgi_problems import NotFound, install, problem_responses

from .store import load_item

app = FastAPI()
install(app)


@app.get("/items/{item_id}", responses=problem_responses(404, 410))
def item(item_id: int) -> dict[str, int]:
    if item_id > 100:
        raise NotFound()
    return load_item(item_id)
