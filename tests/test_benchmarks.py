"""The benchmark harness measures what it says: each scenario gets the status it names.

No timing is asserted here (this machine is too noisy); `make bench` does the timing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.asyncio  # the harness drives apps on asyncio, as its script does

ROOT = Path(__file__).resolve().parent.parent


def load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


run = load_run()


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
    for cost, size in timed.values():
        assert cost > 0 and size >= 50
