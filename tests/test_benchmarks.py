"""The benchmark harness measures what it says: each scenario gets the status it names.

No timing is asserted here (this machine is too noisy); `make bench` does the timing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", ROOT / "benchmarks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[f"bench_{name}"] = module
    spec.loader.exec_module(module)
    return module


run = load("run")
server = load("server")


@pytest.mark.parametrize(("scenario", "method", "path", "status"), run.SCENARIOS)
async def test_every_scenario_answers_with_its_status(
    scenario: str, method: str, path: str, status: int
) -> None:
    for app in (run.ours_app(), run.handwritten_app()):
        assert await run.Driver(app, method, path).once() == status, scenario
    if path != "/not-found" and path != "/custom":  # bare Starlette can't answer a Problem
        assert await run.Driver(run.bare_app(), method, path).once() == status, scenario


async def test_measure_times_every_driver() -> None:
    app = run.ours_app()
    drivers = {name: run.Driver(app, "GET", path) for name, path in [("a", "/ok"), ("b", "/x/y")]}
    timed = await run.measure(drivers, 1.0, 2)
    assert set(timed) == {"a", "b"}
    for cost, median, size in timed.values():
        assert 0 < cost <= median and size >= 50


def test_the_server_benchmark_times_every_app_under_uvicorn() -> None:
    with server.uvicorn("ours_app") as ours, server.uvicorn("bare_app") as bare:
        best = server.measure({"asgi-problems": ours, "bare starlette": bare}, 2, 1)
    scenarios = [scenario for scenario, *_ in server.SCENARIOS]
    assert {scenario for scenario, app in best if app == "asgi-problems"} == set(scenarios)
    # Bare Starlette answers a raised Problem with a 500, so those pairs are left out.
    assert {scenario for scenario, app in best if app == "bare starlette"} == set(scenarios) - {
        "raised NotFound()",
        "custom problem, 2 members",
    }
    assert all(cost > 0 for cost in best.values())


def run_script(name: str, *arguments: str) -> str:
    """What a benchmark script prints, run in a process of its own (the Django one makes
    a Django project of its own, the check one a package)."""
    import subprocess

    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def test_the_django_benchmark_compares_each_api_framework_with_itself() -> None:
    output = run_script("django_apis", "--quick")
    rows = [line.split() for line in output.splitlines() if line.startswith(("drf ", "ninja "))]
    found = {(row[0], next(word for word in row if word.startswith("["))) for row in rows}
    assert found == {
        ("drf", "[200]"),
        ("drf", "[404]"),
        ("drf", "[400]"),
        ("ninja", "[200]"),
        ("ninja", "[404]"),
        ("ninja", "[422]"),
    }
    assert all(row[-1].endswith("x") and float(row[-1][:-1]) > 0 for row in rows)


def test_the_check_benchmark_checks_the_app_it_writes() -> None:
    output = run_script("check_speed", "20")
    assert "check of 20 operations:" in output
    assert "; 10 undocumented (the 10 Conflicts)" in output
