"""The static contract check: what each route can raise, read from the code, against
what its OpenAPI operation documents (the apps are in tests/check_apps/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from check_apps import complete, corners, plain, shop, store

from asgi_problems.check import RouteCheck, check_app, main

TESTS = Path(__file__).parent
STORE = str(Path(store.__file__))
SHOP = str(Path(shop.__file__))


def undocumented(app: object, depth: int = 5) -> set[tuple[str, str, str, int]]:
    return {
        (route.method, route.path, raised.name, raised.status)
        for route, raised in check_app(app, depth=depth).undocumented
    }


def route(app: object, path: str, method: str = "GET") -> RouteCheck:
    return next(r for r in check_app(app).routes if (r.path, r.method) == (path, method))


def test_every_undocumented_problem_is_found() -> None:
    assert undocumented(shop.app) == {
        # Two calls down, in another module; a mapped exception among them.
        ("GET", "/deep/{item_id}", "Gone", 410),
        ("GET", "/deep/{item_id}", "OutOfStock", 410),
        # Dependencies: the router's (sync), async, a class's __init__.
        ("GET", "/dependencies", "Unauthorized", 401),
        ("GET", "/dependencies", "Forbidden", 403),
        ("GET", "/dependencies", "BadRequest", 400),
        ("GET", "/dependencies", "Locked", 423),  # a Security() dependency
        # A mapping to a callable: the class it returns.
        ("GET", "/mapped", "Reserved", 409),
        # A re-raise of what was caught (and what the call in the try raised).
        ("GET", "/reraise", "Gone", 410),
        ("GET", "/reraise", "OutOfStock", 410),
        ("GET", "/http", "HTTPException", 409),
        # A method of an annotated dependency, through self.
        ("GET", "/method/{item_id}", "NotFound", 404),
        ("GET", "/recursive", "TooManyRequests", 429),
    }


def test_where_and_through_which_calls() -> None:
    deep = route(shop.app, "/deep/{item_id}")
    gone = next(r for r in deep.raised if r.name == "Gone")
    assert (gone.file, gone.chain) == (STORE, ("deep", "load_item", "fetch_item"))
    assert Path(gone.file).read_text().splitlines()[gone.line - 1].strip().startswith("raise Gone(")
    mapped = next(r for r in deep.raised if r.name == "OutOfStock")
    assert mapped.problem == "Gone"  # the app's mapping: OutOfStock -> Gone
    method = route(shop.app, "/method/{item_id}")
    assert method.raised[0].chain == ("method", "Store.get", "Store._find")


def test_a_yield_dependency_and_the_apps_own_are_read() -> None:
    # Both raise 503, which every route documents: found, and not reported.
    found = {(r.name, r.status, r.chain[0]) for r in route(shop.app, "/dependencies").raised}
    assert ("ServiceUnavailable", 503, "yield_dependency") in found
    assert ("ServiceUnavailable", 503, "app_wide") in found


def test_a_complete_route_is_not_reported() -> None:
    assert not any(path == "/complete/{item_id}" for _, path, _, _ in undocumented(shop.app))
    assert check_app(complete.app).undocumented == []


def test_a_stale_declaration_is_a_warning() -> None:
    report = check_app(shop.app)
    assert route(shop.app, "/stale").stale == ["400", "409", "422"]
    assert "warning: GET /stale documents 409, which nothing raises" in list(report.lines())
    # 503 is raised by the app's dependency: not stale anywhere. A 422 where FastAPI
    # validates parameters is FastAPI's to answer, not stale.
    assert all("503" not in r.stale for r in report.routes)
    assert route(shop.app, "/complete/{item_id}").stale == []
    assert "422" in (route(shop.app, "/complete/{item_id}").documented or ())


def test_what_is_not_followed_is_listed() -> None:
    unknown = route(shop.app, "/unknown")
    lookup = route(shop.app, "/lookup")
    assert [g.what for g in unknown.gaps] == [
        "a raise of error, whose class is known only at run time"
    ]
    assert [(g.what, g.file) for g in lookup.gaps] == [
        ("a call to handler, which is known only at run time", SHOP)
    ]
    lines = list(check_app(shop.app).lines())
    assert any(line.startswith("not followed: GET /unknown: a raise of error") for line in lines)


def test_the_depth_is_bounded() -> None:
    shallow = undocumented(shop.app, depth=1)
    assert ("GET", "/deep/{item_id}", "Gone", 410) not in shallow
    gaps = route_at_depth(1, "/deep/{item_id}")
    assert any("deeper than the depth read" in g for g in gaps)


def route_at_depth(depth: int, path: str) -> list[str]:
    report = check_app(shop.app, depth=depth)
    return [g.what for r in report.routes if r.path == path for g in r.gaps]


def test_starlette_routes_are_listed_without_a_document() -> None:
    report = check_app(plain.app)
    found = {
        (r.method, r.path): sorted((x.name, x.status) for x in r.raised) for r in report.routes
    }
    assert found == {
        ("GET", "/items/{item_id}"): [("Gone", 410), ("NotFound", 404)],
        ("GET", "/shop/orders"): [],
        # reserve() raises NotFound, but the except around the call swallows it.
        ("POST", "/shop/orders"): [("Conflict", 409)],
    }
    assert report.undocumented == []  # nothing to compare with
    assert "POST /shop/orders can raise: Conflict (409) (no OpenAPI operation)" in list(
        report.lines()
    )


def test_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "check_apps.shop:app"]) == 1
    out = capsys.readouterr().out
    assert "GET /deep/{item_id}: Gone (410) is not documented; raised at " in out
    assert "(via deep -> load_item -> fetch_item)" in out
    assert main(["check", "check_apps.complete:app"]) == 0
    assert main(["check", "check_apps.nowhere:app"]) == 2
    assert main(["check", "no-colon"]) == 2
    assert "MODULE:APP" in capsys.readouterr().err


def test_json_for_ci_tools(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "check_apps.shop:app", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    deep = next(r for r in data["routes"] if r["path"] == "/deep/{item_id}")
    assert {(u["class"], u["status"]) for u in deep["undocumented"]} == {
        ("Gone", 410),
        ("OutOfStock", 410),
    }
    assert deep["undocumented"][0]["chain"] == ["deep", "load_item", "fetch_item"]


@pytest.mark.parametrize("command", [[sys.executable, "-m", "asgi_problems"], ["asgi-problems"]])
def test_the_command_and_the_console_script(command: list[str]) -> None:
    if command == ["asgi-problems"]:
        command = [str(Path(sys.executable).parent / "asgi-problems")]
    failing = subprocess.run(
        [*command, "check", "check_apps.shop:app"],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    passing = subprocess.run(
        [*command, "check", "check_apps.complete:app"],
        cwd=TESTS,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failing.returncode == 1, failing.stderr
    assert "is not documented" in failing.stdout
    assert passing.returncode == 0, passing.stderr
    assert passing.stdout.strip().endswith("0 undocumented problem(s)")


def test_the_less_usual_ways_to_a_raise() -> None:
    report = check_app(corners.app)
    found = {(r.path, x.name, x.status, x.chain) for r in report.routes for x in r.raised}
    assert found >= {
        ("/methods", "PaymentRequired", 402, ("methods", "Helper.klass")),  # a classmethod
        ("/methods", "Locked", 423, ("methods", "unresolvable")),  # annotations unreadable
        ("/methods", "NotFound", 404, ("methods", "Store.get", "Store._find")),  # Optional[Store]
        ("/methods", "Conflict", 409, ("methods", "Cart.__init__")),  # a class constructed
        ("/dependencies", "NotFound", 404, ("check_role",)),  # a functools.partial
        ("/dependencies", "Forbidden", 403, ("RoleChecker.__call__",)),  # a callable instance
        ("/computed", "Problem", 451, ("computed",)),  # Problem(status=451)
        ("/computed", "HTTPException", 418, ("computed",)),  # a positional status
        ("/caught", "Gone", 410, ("caught",)),  # a bare raise in except (NotFound, Gone)
        ("/caught", "Moved", 410, ("caught",)),  # raise moved, mapped to a lambda's Gone
    }


def test_what_the_less_usual_ways_leave_unknown() -> None:
    computed = route(corners.app, "/computed")
    assert {g.what for g in computed.gaps} == {
        "a Problem whose status is set at run time",
        "a HTTPException whose status is set at run time",
        "a raise of make_error, whose class is known only at run time",
        "the mapping of Stale, a callable whose answer is known only at run time",
    }
    methods = route(corners.app, "/methods")
    # Calls on values whose class is unknown are kept, not guessed; plain data
    # (a dict literal's .get, a str parameter's .upper) is not listed.
    unknown = sorted(g.what for g in methods.gaps)
    assert any("Helper().check" in what for what in unknown)
    assert not any(".upper" in what or ".get)" in what for what in unknown)


def test_the_docs_show_what_the_check_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # docs/contracts.md quotes lines of the check on tests/check_apps/shop.py.
    root = TESTS.parent
    monkeypatch.chdir(root)  # paths are shown relative to the current directory
    main(["check", "check_apps.shop:app"])
    printed = capsys.readouterr().out.splitlines()
    doc = (root / "docs" / "contracts.md").read_text(encoding="utf-8")
    sample = doc.split("## Checked before deploy", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    quoted = sample.strip().splitlines()
    assert quoted and all(line in printed for line in quoted), set(quoted) - set(printed)
