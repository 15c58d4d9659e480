"""A crash storm over HTTP: ``make bench-storm``.

Each app of ``storm_apps.py`` is served by uvicorn (one worker, its log to a file, as
in production) and loaded with wrk over 127.0.0.1, in interleaved rounds:

- /crash and /missing alone, in requests per second;
- /ok's 99th percentile latency beside a load of /crash, and beside the same load of
  /missing;
- the log the app wrote, per crash, over the whole storm (first tracebacks, summaries
  and all), read after the server shut down (uvicorn runs the lifespan's shutdown).

Needs wrk (``apt-get install wrk``; the make target installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APPS = ("bare", "hand", "ours")
HERE = Path(__file__).parent
SECONDS = 3
ROUNDS = 2
CONNECTIONS = 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(name: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", f"storm_apps:{name}", "--app-dir", str(HERE),
               "--port", str(port), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{name} did not start: {log.read_text()[-2000:]}")


def wrk(url: str, *, connections: int = CONNECTIONS, latency: bool = False) -> str:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{SECONDS}s", "--timeout", "10s"]
    if latency:
        command.append("--latency")
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def requests_per_second(output: str) -> float:
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]


def requests_done(output: str) -> int:
    return int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]


def p99_ms(output: str) -> float:
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def beside(base: str, load: str) -> tuple[float, int]:
    """/ok's p99 while ``load`` is hammered by another wrk, and the load's requests."""
    loader = subprocess.Popen(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS + 1}s", base + load],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)
    probe = wrk(base + "/ok", connections=2, latency=True)
    loaded, _ = loader.communicate()
    return p99_ms(probe), requests_done(loaded)


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (make bench-storm does)")
    work = Path(tempfile.mkdtemp(prefix="storm-"))
    servers = {name: serve(name, work / f"{name}.log") for name in APPS}
    results: dict[str, dict[str, list[float]]] = {name: {} for name in APPS}
    crashes = dict.fromkeys(APPS, 0)
    try:
        for _, base in servers.values():
            wrk(base + "/ok")  # warm up
        for _ in range(ROUNDS):
            for name, (_, base) in servers.items():
                found = results[name]
                crashed = wrk(base + "/crash")
                crashes[name] += requests_done(crashed)
                found.setdefault("crash", []).append(requests_per_second(crashed))
                found.setdefault("missing", []).append(requests_per_second(wrk(base + "/missing")))
                p99, loaded = beside(base, "/crash")
                crashes[name] += loaded
                found.setdefault("ok_crash", []).append(p99)
                found.setdefault("ok_missing", []).append(beside(base, "/missing")[0])
    finally:
        for server, _ in servers.values():
            server.send_signal(signal.SIGINT)  # uvicorn shuts down: lifespan, summaries
        for server, _ in servers.values():
            server.wait(timeout=30)
    log_bytes = {name: (work / f"{name}.log").stat().st_size for name in APPS}
    report(results, crashes, log_bytes)


def report(
    results: dict[str, dict[str, list[float]]], crashes: dict[str, int], log_bytes: dict[str, int]
) -> None:
    med = {name: {key: statistics.median(values) for key, values in found.items()}
           for name, found in results.items()}  # fmt: skip
    print(f"Crash storm, {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores; uvicorn, 1 worker; wrk -c{CONNECTIONS}, {SECONDS} s, "
          f"medians of {ROUNDS} interleaved rounds")  # fmt: skip
    print()
    print("| app | /crash req/s | /missing req/s | crash/404 | log per crash | "
          "/ok p99 beside crashes / beside 404s |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    per_crash = {}
    for name in APPS:
        m = med[name]
        # Every crash of the storm: the /crash runs, and the loads beside /ok.
        per_crash[name] = log_bytes[name] / max(crashes[name], 1)
        print(f"| {name} | {m['crash']:.0f} | {m['missing']:.0f} | "
              f"{m['crash'] / m['missing']:.2f} | {per_crash[name]:.1f} B | "
              f"{m['ok_crash']:.2f} / {m['ok_missing']:.2f} ms "
              f"({m['ok_crash'] / m['ok_missing']:.2f}x) |")  # fmt: skip
    ours, hand = med["ours"], med["hand"]
    checks = [
        ("/crash vs our own /missing", ours["crash"] / ours["missing"], ">=", 0.7),
        ("/crash vs the hand-written handler's", ours["crash"] / hand["crash"], ">=", 5.0),
        ("log bytes per crash", per_crash["ours"], "<=", 100.0),
        ("/ok p99 beside crashes vs beside 404s", ours["ok_crash"] / ours["ok_missing"], "<=", 1.3),
    ]
    print()
    print("Targets (asgi-problems):")
    for label, value, sense, limit in checks:
        met = value >= limit if sense == ">=" else value <= limit
        print(f"  {label:42} {value:8.2f}  (target {sense} {limit:g}) {'ok' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
