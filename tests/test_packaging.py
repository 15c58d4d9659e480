"""The built distributions: valid metadata, and a wheel that works with only starlette."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import asgi_problems

ROOT = Path(__file__).parent.parent

SMOKE = """
import asyncio, importlib.util, json
assert importlib.util.find_spec("httpx") is None and importlib.util.find_spec("fastapi") is None
import asgi_problems
from starlette.applications import Starlette
app = Starlette()
asgi_problems.install(app)
sent = []
async def receive():
    return {"type": "http.request", "body": b""}
async def send(message):
    sent.append(message)
scope = {"type": "http", "method": "GET", "path": "/nowhere", "headers": [], "query_string": b""}
asyncio.run(app(scope, receive, send))
body = json.loads(sent[1]["body"])
assert sent[0]["status"] == 404 and body["detail"] == asgi_problems.STATUSES[404].description
# The compiled catalogs ship in the wheel.
german = Starlette()
asgi_problems.install(german, locales=["de", "fr", "es"])
sent.clear()
asyncio.run(german({**scope, "headers": [(b"accept-language", b"de")]}, receive, send))
assert json.loads(sent[1]["body"])["title"] == "Nicht gefunden", sent
print("ok", asgi_problems.__version__)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def test_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    files = sorted(p.name for p in dist.iterdir())
    version = asgi_problems.__version__
    assert files == [f"asgi_problems-{version}-py3-none-any.whl", f"asgi_problems-{version}.tar.gz"]
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_contents(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "asgi_problems/py.typed" in names
    assert "asgi_problems/integrations/fastapi.py" in names
    for language in ("de", "es", "fr"):
        for kind in ("po", "mo"):
            assert f"asgi_problems/locales/{language}/LC_MESSAGES/asgi_problems.{kind}" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "asgi-problems = asgi_problems.check:console"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )
    assert not any(name.startswith(("tests/", "examples/")) for name in names)
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Dist: starlette>=" in text
    runtime = [
        line
        for line in text.splitlines()
        if line.startswith("Requires-Dist") and "extra" not in line
    ]
    assert len(runtime) == 1, runtime


def test_wheel_installs_and_works_with_only_starlette(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    result = subprocess.run([str(python), "-c", SMOKE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {asgi_problems.__version__}"
