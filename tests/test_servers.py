"""Other ASGI servers serve an installed app as uvicorn does: hypercorn, run as
its users run it, from the command line, with the example app."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    # Generous: a busy 2-core machine can take seconds to start a server.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start in time")


def test_hypercorn_serves_the_example_app() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hypercorn", "examples.app:app", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/nowhere", process)
        with httpx.Client(base_url=base, timeout=10) as c:
            missing = c.get("/nowhere")
            crashed = c.get("/crash", headers={"Authorization": "Bearer demo-token"})
            again = c.get("/nowhere")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert_problem(missing, 404, detail=NOT_FOUND_DETAIL)
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert again.status_code == 404
    # Answered and logged by us, once: hypercorn saw no exception of its own.
    assert b"Error in ASGI Framework" not in stderr
