from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import asgi_problems


def isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions and dunders.
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, name


def test_all_is_sorted_and_importable() -> None:
    assert asgi_problems.__all__ == sorted(asgi_problems.__all__, key=isort_key)
    assert len(set(asgi_problems.__all__)) == len(asgi_problems.__all__)
    for name in asgi_problems.__all__:
        assert getattr(asgi_problems, name) is not None


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(asgi_problems).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)  # submodules
    }
    assert public == set(asgi_problems.__all__) - {"__version__"}
    assert {"STATUSES", "StatusInfo", "Problem", "ProblemMiddleware", "install"} <= public


def test_ships_py_typed() -> None:
    assert (Path(asgi_problems.__file__).parent / "py.typed").is_file()


def test_importing_does_not_import_optional_extras() -> None:
    code = "import sys, asgi_problems; print(sorted(m for m in ('fastapi', 'httpx', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_exported_names_say_where_to_import_them_from() -> None:
    for name in asgi_problems.__all__:
        value = getattr(asgi_problems, name)
        if isinstance(value, type) or callable(value):
            assert value.__module__ == "asgi_problems", name
    assert repr(asgi_problems.NotFound) == "<class 'asgi_problems.NotFound'>"


def test_problems_still_pickle_by_their_exported_name() -> None:
    import pickle

    problem = pickle.loads(pickle.dumps(asgi_problems.NotFound("gone", hint="x")))
    assert type(problem) is asgi_problems.NotFound
    assert (problem.detail, problem.extensions) == ("gone", {"hint": "x"})


def test_the_submodules_say_what_they_export() -> None:
    import asgi_problems.client
    import asgi_problems.testing

    assert asgi_problems.testing.__all__ == ["assert_problem", "only_documented_problems"]
    assert asgi_problems.client.__all__ == [
        "UPSTREAM_KEY", "async_event_hooks", "event_hooks", "raise_for_problem",
    ]  # fmt: skip
    for module in (asgi_problems.testing, asgi_problems.client):
        public = {n for n in vars(module) if not n.startswith("_") and n not in ("annotations",)}
        defined = {
            n for n in public if getattr(getattr(module, n), "__module__", None) == module.__name__
        }
        assert defined <= set(module.__all__), defined
