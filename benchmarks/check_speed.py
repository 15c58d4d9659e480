"""How long ``python -m asgi_problems check`` takes on a FastAPI app of many routes.

    python benchmarks/check_speed.py [ROUTES]   # 200 by default

It writes an app of ROUTES routes to a temporary package: ten modules of routes, each
route with a dependency and a call two functions down into a shared service module
(half of them raising a problem there), then times check_app() on it, cold (the
first check in the process: every file parsed) and warm.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from asgi_problems.check import check_app

SERVICE = """
from asgi_problems import Conflict, NotFound


def find(item_id: int) -> dict[str, int]:
    return load(item_id)


def load(item_id: int) -> dict[str, int]:
    if item_id < 0:
        raise NotFound()
    return {"id": item_id}


def reserve(item_id: int) -> None:
    if item_id == 0:
        raise Conflict()
"""

ROUTES_HEAD = """
from typing import Annotated

from fastapi import APIRouter, Depends

from asgi_problems import Unauthorized, problem_responses

from . import service

router = APIRouter()


def user(token: str = "") -> str:
    if not token:
        raise Unauthorized()
    return token
"""

ROUTE = """

@router.get("/{module}/items{number}/{{item_id}}", responses=problem_responses(401, 404))
def item{number}(item_id: int, who: Annotated[str, Depends(user)]) -> dict[str, int]:
    {body}
"""


def write_app(folder: Path, routes: int) -> str:
    package = folder / "bench_check_app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "service.py").write_text(SERVICE)
    modules = 10
    for module in range(modules):
        text = ROUTES_HEAD
        for number in range(module, routes, modules):
            body = (
                "service.reserve(item_id)\n    return service.find(item_id)"
                if number % 2
                else "return service.find(item_id)"
            )
            text += ROUTE.format(module=module, number=number, body=body)
        (package / f"routes{module}.py").write_text(textwrap.dedent(text))
    imports = "\n".join(f"from .routes{m} import router as r{m}" for m in range(modules))
    includes = "\n".join(f"app.include_router(r{m})" for m in range(modules))
    (package / "main.py").write_text(
        f"from fastapi import FastAPI\n\nfrom asgi_problems import install\n\n{imports}\n\n"
        f"app = FastAPI()\n{includes}\ninstall(app)\n"
    )
    return "bench_check_app.main"


def main(routes: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, folder)
        app = importlib.import_module(write_app(Path(folder), routes)).app
        started = time.perf_counter()
        cold = check_app(app)
        cold_seconds = time.perf_counter() - started
        started = time.perf_counter()
        check_app(app)
        warm_seconds = time.perf_counter() - started
    found = len(cold.undocumented)
    print(
        f"check of {len(cold.routes)} operations: {cold_seconds:.2f} s cold, "
        f"{warm_seconds:.2f} s warm; {found} undocumented (the {routes // 2} Conflicts)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
