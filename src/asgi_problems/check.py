"""Contracts checked before deploy: the problems each route can raise that its OpenAPI
operation does not document, found by reading the code, without running it::

    python -m asgi_problems check myapp.main:app        # or: asgi-problems check ...

or from a test::

    from asgi_problems.check import check_app
    assert check_app(app).undocumented == []

For every route it reads the endpoint and, for FastAPI, its dependencies (``Depends``,
``Security``, the router's and the app's), and follows calls into the project's own
code (see ``_raises.py``). Each problem found is compared with the statuses the
operation documents, counted as ``only_documented_problems`` counts them at run time
(a ``4XX`` range or ``default`` covers its statuses). The router's own 404/405/422 and
crashes (500) are not the route's business.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from ._raises import CALL_INTO, METHOD_OF_A_VALUE, Gap, Method, Raised, Reader, in_project
from ._translate import Translations


@dataclasses.dataclass(frozen=True)
class RouteCheck:
    """What one operation can raise, and how that compares with its documentation."""

    method: str
    path: str
    raised: tuple[Raised, ...]
    gaps: tuple[Gap, ...]
    documented: frozenset[str] | None  # its documented codes; None: no OpenAPI operation
    # Documented statuses its own code need not raise: a crash (500), and what the
    # framework answers for it (422 where it validates, 400 for a body that is not JSON).
    frameworks: frozenset[str] = frozenset({"500"})

    @property
    def undocumented(self) -> list[Raised]:
        if self.documented is None:
            return []
        return [r for r in self.raised if not _covers(self.documented, r.status)]

    @property
    def stale(self) -> list[str]:
        """Documented error statuses that nothing found raises."""
        if self.documented is None:
            return []
        raised = {r.status for r in self.raised}
        return sorted(
            code
            for code in self.documented
            if code.isdigit() and code[0] in "45" and code not in self.frameworks
            and int(code) not in raised
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Report:
    """The result of check_app(): one RouteCheck per operation."""

    routes: tuple[RouteCheck, ...]

    @property
    def undocumented(self) -> list[tuple[RouteCheck, Raised]]:
        return [(route, raised) for route in self.routes for raised in route.undocumented]

    def lines(self) -> Iterator[str]:
        """The report as text: undocumented problems, then warnings, then what was not
        followed; for routes without an OpenAPI operation, what each can raise."""
        for route, raised in self.undocumented:
            yield (
                f"{route.method} {route.path}: {raised.name} ({raised.status}) is not "
                f"documented; raised at {_place(raised)}{_via(raised.chain)}"
            )
        for route in self.routes:
            for code in route.stale:
                yield f"warning: {route.method} {route.path} documents {code}, which nothing raises"
        for route in self.routes:
            if route.documented is None:
                found = sorted({(r.status, r.name) for r in route.raised})
                listed = ", ".join(f"{name} ({status})" for status, name in found) or "nothing"
                yield f"{route.method} {route.path} can raise: {listed} (no OpenAPI operation)"
        for route in self.routes:
            yield from _gap_lines(route)

    def as_data(self) -> dict[str, Any]:
        """The report as JSON-ready data, for CI tools (``--json``)."""
        return {
            "ok": not self.undocumented,
            "routes": [
                {
                    "method": route.method,
                    "path": route.path,
                    "documented": sorted(route.documented)
                    if route.documented is not None
                    else None,
                    "raises": [_raised_data(r) for r in route.raised],
                    "undocumented": [_raised_data(r) for r in route.undocumented],
                    "stale": route.stale,
                    "not_followed": [
                        {"what": g.what, "where": _place(g), "chain": list(g.chain)}
                        for g in route.gaps
                    ],
                }
                for route in self.routes
            ],
        }


def _gap_lines(route: RouteCheck) -> Iterator[str]:
    """What was not followed for ``route``: each raise and call known only at run time;
    calls of methods on values of unknown class, and calls into other packages, counted
    in one line each (``--json`` lists them all)."""
    label = f"not followed: {route.method} {route.path}:"
    methods = [gap for gap in route.gaps if gap.what.startswith(METHOD_OF_A_VALUE)]
    packages = [gap for gap in route.gaps if gap.what.startswith(CALL_INTO)]
    for gap in route.gaps:
        if gap not in methods and gap not in packages:
            yield f"{label} {gap.what} at {_place(gap)}{_via(gap.chain)}"
    if methods:
        yield f"{label} {len(methods)} call(s) of {METHOD_OF_A_VALUE}, first at {_place(methods[0])}"
    if packages:
        names = sorted({gap.what.removeprefix(CALL_INTO).split()[0] for gap in packages})
        yield f"{label} {len(packages)} call(s) into other packages ({', '.join(names)})"


def _raised_data(raised: Raised) -> dict[str, Any]:
    return {
        "class": raised.name,
        "problem": raised.problem,
        "status": raised.status,
        "where": _place(raised),
        "chain": list(raised.chain),
    }


def _place(found: Raised | Gap) -> str:
    """file:line, the file relative to the current directory when it is inside it."""
    file = found.file
    relative = os.path.relpath(file)
    if not relative.startswith(".."):
        file = relative
    return f"{file}:{found.line}"


def _via(chain: tuple[str, ...]) -> str:
    return f" (via {' -> '.join(chain)})" if chain else ""


def _covers(documented: frozenset[str], status: int) -> bool:
    return bool(documented & {str(status), f"{status // 100}XX", "DEFAULT"})


def check_app(app: Any, *, depth: int = 5) -> Report:
    """Read what each route of ``app`` (FastAPI or Starlette) can raise and compare it
    with its OpenAPI document; ``depth``: how many calls deep to follow."""
    error_path = getattr(app, "_asgi_problems_error_path", None)
    translations = error_path.translations if error_path is not None else Translations()
    reader = Reader(translations, depth)
    operations = _operations(app)
    checks = []
    for path, route in _routes(getattr(app, "routes", []), ""):
        if not in_project(inspect.unwrap(route.endpoint)):
            continue  # the framework's own (FastAPI's /docs), or this library's
        for method, targets in _targets(route):
            raised: list[Raised] = []
            gaps: list[Gap] = []
            for target in targets:
                found = reader.read(target)
                raised += found.raised
                gaps += found.gaps
            documented, frameworks = None, frozenset({"500"})
            if operations is not None:
                operation = operations.get(path, {}).get(method.lower())
                if isinstance(operation, dict):
                    documented = frozenset(
                        str(code).upper() for code in operation.get("responses", {})
                    )
                    frameworks = _frameworks_own(operation)
            checks.append(
                RouteCheck(method, path, _shortest(raised), _shortest(gaps), documented, frameworks)
            )
    return Report(tuple(checks))


def _frameworks_own(operation: dict[str, Any]) -> frozenset[str]:
    own = {"500"}
    if operation.get("parameters") or "requestBody" in operation:
        own.add("422")
    if "requestBody" in operation:
        own.add("400")
    return frozenset(own)


def _shortest(found: list[Any]) -> tuple[Any, ...]:
    """Each finding once (the same raise reached by several chains of calls: by the
    shortest), in the order found."""
    kept: dict[Any, Any] = {}
    for item in found:
        key = dataclasses.replace(item, chain=())
        if key not in kept or len(item.chain) < len(kept[key].chain):
            kept[key] = item
    return tuple(kept.values())


def _operations(app: Any) -> dict[str, Any] | None:
    openapi = getattr(app, "openapi", None)
    if not callable(openapi):
        return None
    document = openapi()
    paths = document.get("paths") if isinstance(document, dict) else None
    return paths if isinstance(paths, dict) else None


def _routes(routes: Sequence[BaseRoute], prefix: str) -> Iterator[tuple[str, Any]]:
    """(path, route) of each HTTP route; the routes of an included FastAPI router as
    FastAPI sees them (from 0.165 on, include_router() keeps the router whole)."""
    for route in routes:
        if isinstance(route, Mount):
            yield from _routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path_format, route
        elif hasattr(route, "effective_route_contexts"):
            from fastapi.routing import iter_route_contexts

            for context in iter_route_contexts([route]):
                if isinstance(context.original_route, Route):
                    yield prefix + str(context.path_format), context


_HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _targets(route: Any) -> Iterator[tuple[str, list[Any]]]:
    """Each method of ``route`` and what runs for it: the endpoint (an HTTPEndpoint's
    method of that name) and, for FastAPI, every dependency."""
    methods = [m for m in sorted(route.methods or ()) if m != "HEAD"]
    endpoint = route.endpoint
    dependencies = list(_dependencies(getattr(route, "dependant", None)))
    if isinstance(endpoint, type):  # an HTTPEndpoint: one method per HTTP method
        for method in _HTTP_METHODS:
            handler = getattr(endpoint, method.lower(), None)
            if inspect.isfunction(handler):
                yield method, [Method(handler, endpoint)]
        return
    for method in methods or ["GET"]:
        yield method, [endpoint, *dependencies]


def _dependencies(dependant: Any) -> Iterator[Any]:
    """The callables of a FastAPI dependency tree (sub-dependencies included)."""
    pending = list(getattr(dependant, "dependencies", ()))
    seen: set[int] = set()
    while pending:
        dependency = pending.pop()
        call = getattr(dependency, "call", None)
        if call is not None and id(call) not in seen:
            seen.add(id(call))
            yield call
        pending.extend(getattr(dependency, "dependencies", ()))


def load_app(reference: str) -> Any:
    """The app named ``MODULE:ATTRIBUTE`` (the current directory importable, as for
    uvicorn)."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"name the app as MODULE:APP, e.g. myapp.main:app, not {reference!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    found: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """``check MODULE:APP [--json] [--depth N]``: exit 1 when a problem is undocumented."""
    parser = argparse.ArgumentParser(
        prog="python -m asgi_problems",
        description="Find the problems each route can raise that its OpenAPI does not document.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check an app's routes against its OpenAPI document")
    check.add_argument("app", help="the app, as MODULE:APP (e.g. myapp.main:app)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.add_argument("--depth", type=int, default=5, help="how many calls deep to follow (5)")
    arguments = parser.parse_args(argv)
    try:
        app = load_app(arguments.app)
    except (ImportError, AttributeError, ValueError) as error:
        print(f"cannot load {arguments.app}: {error}", file=sys.stderr)
        return 2
    report = check_app(app, depth=arguments.depth)
    if arguments.json:
        print(json.dumps(report.as_data(), indent=2))
    else:
        for line in report.lines():
            print(line)
        count = len(report.undocumented)
        print(f"{len(report.routes)} operations checked, {count} undocumented problem(s)")
    return 1 if report.undocumented else 0


def console() -> None:
    """The ``asgi-problems`` console script."""
    sys.exit(main())
