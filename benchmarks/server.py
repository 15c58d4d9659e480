"""The same apps as run.py, each under a real uvicorn server, timed from an httpx client.

    python benchmarks/server.py [--quick]   # after: pip install -e '.[test]'

Each app runs in a uvicorn process of its own on 127.0.0.1; one client sends each
scenario's requests over one kept-alive connection, in rounds that interleave the
apps, and the table shows each app's fastest round and its ratio to bare Starlette.
Here the network stack, HTTP parsing and the client cost far more than any error
handling, which is what a deployed app sees. The crash scenario is left out: what a
500 costs under a server is what its logging is configured to cost.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
APPS = {
    "bare starlette": "bare_app",
    "hand-written": "handwritten_app",
    "asgi-problems": "ours_app",
}
sys.path.insert(0, str(HERE))  # run.py, whose apps and scenarios these are

from run import SCENARIOS as IN_PROCESS  # noqa: E402

SCENARIOS = [scenario for scenario in IN_PROCESS if scenario[3] != 500]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def uvicorn(factory: str) -> Iterator[str]:
    """Serve run.py's ``factory()`` app in a uvicorn process; yield its base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", f"run:{factory}", "--factory",
        "--app-dir", str(HERE), "--port", str(port),
        "--log-level", "critical", "--no-access-log",
        # Each client's connection may idle while the other pairs are timed: longer than
        # uvicorn's 5 s on a busy machine, which then closes it as the client reuses it.
        "--timeout-keep-alive", "300",
    ]  # fmt: skip
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start {factory}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def measure(urls: dict[str, str], requests: int, rounds: int) -> dict[tuple[str, str], float]:
    """µs per request of each (scenario, app): its fastest round of ``requests``."""
    best: dict[tuple[str, str], float] = {}
    clients = {name: httpx.Client(base_url=url) for name, url in urls.items()}
    try:
        # Each pair is timed only if the app answers as the scenario says (bare
        # Starlette can't answer a raised Problem: that is a 500 there).
        pairs = [
            (scenario, method, path, name, client)
            for scenario, method, path, status in SCENARIOS
            for name, client in clients.items()
            if client.request(method, path).status_code == status
        ]
        for r in range(rounds):
            order = pairs[r % len(pairs) :] + pairs[: r % len(pairs)]
            for scenario, method, path, name, client in order:
                start = time.perf_counter()
                for _ in range(requests):
                    client.request(method, path)
                cost = (time.perf_counter() - start) / requests * 1e6
                best[scenario, name] = min(best.get((scenario, name), cost), cost)
    finally:
        for client in clients.values():
            client.close()
    return best


def main(quick: bool) -> None:
    requests, rounds = (100, 3) if quick else (500, 7)
    with contextlib.ExitStack() as stack:
        urls = {name: stack.enter_context(uvicorn(factory)) for name, factory in APPS.items()}
        best = measure(urls, requests, rounds)
    print(f"Under uvicorn, one httpx client, fastest of {rounds} rounds x {requests} requests")
    print()
    print(f"| {'scenario':34} | {'app':16} | {'µs/req':>7} | {'vs bare':>7} |")
    print(f"|{'-' * 36}|{'-' * 18}|{'-' * 9}|{'-' * 9}|")
    for scenario, *_ in SCENARIOS:
        bare = best.get((scenario, "bare starlette"))
        for name in APPS:
            value = best.get((scenario, name))
            if value is None:
                continue
            ratio = f"{value / bare:.2f}" if bare else "-"
            print(f"| {scenario:34} | {name:16} | {value:7.1f} | {ratio:>7} |")


if __name__ == "__main__":
    main("--quick" in sys.argv)
