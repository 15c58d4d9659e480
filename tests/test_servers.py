"""Other ASGI servers serve an installed app as uvicorn does: hypercorn and granian,
each run as its users run it, from the command line, with the example app."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
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


# How each server is started, and what it writes when an app lets an exception out.
SERVERS = {
    "hypercorn": (["-m", "hypercorn", "examples.app:app", "--bind", "127.0.0.1:{port}"],
                  b"Error in ASGI Framework"),
    "granian": (["-m", "granian", "--interface", "asgi", "--host", "127.0.0.1",
                 "--port", "{port}", "--workers", "1", "examples.app:app"],
                b"Application callable raised an exception"),
}  # fmt: skip


@pytest.mark.parametrize("server", list(SERVERS))
def test_other_servers_serve_the_example_app(server: str) -> None:
    arguments, error_line = SERVERS[server]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, *(argument.format(port=port) for argument in arguments)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
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
        output, _ = process.communicate(timeout=30)
    assert_problem(missing, 404, detail=NOT_FOUND_DETAIL)
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert again.status_code == 404
    # Answered and logged by us, once: the server saw no exception of its own.
    assert error_line not in output
    assert output.count(b"Traceback") == 1, output.decode(errors="replace")
