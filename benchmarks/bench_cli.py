"""A breakdown, not the benchmark: start-up times one command after another, and the sending
step of a fan-out timed in-process (warm, without start-up, rendering or exit).

The figures a user meets, and issue 9's targets, come from `benchmarks/bench_e2e.py` (whole
processes, interleaved, paired); this script only helps to see where the time of one goes.

Run: python benchmarks/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "playbooks" / "example-en.yaml"


def median_ms(cmd: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


class SlowHandler(BaseHTTPRequestHandler):
    delay = 0.2

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def slow_server(delay: float) -> ThreadingHTTPServer:
    handler = type("Handler", (SlowHandler,), {"delay": delay})
    # the default listen backlog of 5 drops some of 10 simultaneous connects (1 s SYN retry)
    server_class = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 64})
    server: ThreadingHTTPServer = server_class(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def fan_out_playbook(folder: Path, port: int, channels: int) -> Path:
    names = [f"hook{i}" for i in range(channels)]
    lines = [
        "organization: {name: Bench, timezone: UTC}",
        "severities:",
        "  - id: sev1",
        "    name: Critical",
        f"    notify: {{all: [{', '.join(names)}]}}",
        "channels:",
    ]
    for name in names:
        lines += [f"  {name}:", "    type: webhook", f"    url: http://127.0.0.1:{port}/{name}"]
    path = folder / "incidentctl.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def fan_out(runs: int, channels: int, delay: float, env: dict[str, str], cwd: Path) -> None:
    import httpx

    from incidentctl.app.declare import commit_declare, plan_declare
    from incidentctl.app.send import make_engine, send_deliveries
    from incidentctl.app.workspace import Workspace, load_checked_playbook
    from incidentctl.store import open_store

    server = slow_server(delay)
    port = server.server_address[1]
    folder = Path(tempfile.mkdtemp(dir=cwd))
    loaded, checked = load_checked_playbook(fan_out_playbook(folder, port, channels))
    single, fanned = [], []
    with httpx.Client() as client:
        for _ in range(runs):
            start = time.perf_counter()
            client.post(f"http://127.0.0.1:{port}/one", json={})
            single.append(time.perf_counter() - start)
    for index in range(runs):
        ws = Workspace(
            loaded=loaded,
            store=open_store(folder / "state", env),
            env=env,
            state_dir=folder / "state",
            channels=checked,
        )
        incident = commit_declare(ws, plan_declare(ws, "sev1", f"bench {index}"))
        plan_deliveries = ws.store.deliveries(incident_id=incident.id)
        start = time.perf_counter()
        report = send_deliveries(ws, incident, plan_deliveries, make_engine(ws))
        fanned.append(time.perf_counter() - start)
        assert not report.failed, [d.error for d in report.failed]
        ws.store.close()
    server.shutdown()
    one, many = statistics.median(single) * 1000, statistics.median(fanned) * 1000
    print(
        f"breakdown, in-process: sending step to {channels} webhooks answering after "
        f"{delay * 1000:.0f} ms: {many:.0f} ms vs one call {one:.0f} ms -> {many / one:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # an installed wheel has its bytecode compiled by pip; an editable checkout under
    # PYTHONDONTWRITEBYTECODE would recompile every module on every run instead
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "incidentctl")], check=False
    )
    exe = shutil.which("incidentctl")
    base = [exe] if exe else [sys.executable, "-m", "incidentctl"]
    work = Path(tempfile.mkdtemp(prefix="incidentctl-bench-"))
    env = {**os.environ, "INCIDENTCTL_HOME": str(work / "state")}
    shutil.copy(EXAMPLE, work / "incidentctl.yaml")
    subprocess.run(
        [*base, "declare", "sev3", "--title", "bench", "--yes"],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    py = sys.executable
    typer_ms = median_ms([py, "-c", "import typer"], args.runs, env, work)
    print(f"python -c pass:          {median_ms([py, '-c', 'pass'], args.runs, env, work):6.0f} ms")
    print(f"python -c 'import typer': {typer_ms:6.0f} ms (reference)")
    commands = [
        ("--help", ["--help"]),
        ("list", ["list"]),
        ("status", ["status"]),
        ("lint example-en", ["lint", str(EXAMPLE)]),
    ]
    # one after another, not interleaved: the targets are bench_e2e.py's
    for label, cmd in commands:
        ms = median_ms([*base, *cmd], args.runs, env, work)
        print(f"incidentctl {label:16s} {ms:6.0f} ms -> {ms / typer_ms:.2f}x the typer import")
    fan_out(args.runs, 5, 0.2, env, work)
    fan_out(args.runs, 10, 0.3, env, work)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
