"""Responders at once on one incident: P processes × N updates each, whole processes.

    python benchmarks/bench_concurrency.py [--processes 8] [--updates 25]

Each process runs `incidentctl update` N times in a loop (the CLI entry point, in-process, so
the figure is the store's and the use case's, not N interpreter start-ups), each update setting
one of five components to a state. Prints the wall time, updates per second, per-update p50/p99,
how many updates were beaten by another writer and made again, errors (must be 0), and whether
the incident's final state equals its timeline replayed (it must).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

COMPONENTS = ("api", "portal", "db", "dns", "mail")
STATES = ("operational", "degraded_performance", "partial_outage", "major_outage")

PLAYBOOK = """\
organization: {name: Bench, timezone: Europe/Paris, language: en,
               status_page_url: "https://status.bench.example"}
severities:
  - id: sev2
    name: Major
    criteria: [A core journey is down for some customers]
    update_every: 1h
    notify: {all: [outbox]}
roles:
  commander: {name: Incident commander, responsibilities: [Decides]}
components: {api: {name: API}, portal: {name: Portal}, db: {name: DB}, dns: {name: DNS},
             mail: {name: Mail}}
channels:
  outbox: {type: outbox, audience: public}
"""

RESPONDER = textwrap.dedent(
    """
    import contextlib, io, json, random, sys, time
    from incidentctl.cli.app import run

    worker, incident, updates = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    components, states = sys.argv[4].split(","), sys.argv[5].split(",")
    rng = random.Random(worker)
    times, codes, beaten = [], [], 0
    for n in range(updates):
        spec = f"{rng.choice(components)}={rng.choice(states)}"
        out = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = run(["update", incident, "-m", f"r{worker} u{n} {spec}", "--component", spec,
                        "--yes", "--json"])
        times.append(time.perf_counter() - start)
        codes.append(code)
        if code == 0 and json.loads(out.getvalue())["notes"]:
            beaten += 1
    print(json.dumps({"times": times, "codes": codes, "beaten": beaten}))
    """
)


def run_responders(
    env: dict[str, str], incident: str, processes: int, updates: int
) -> tuple[float, list[dict[str, Any]]] | None:
    """Run the responders at once; the wall time and each one's result (None: one failed)."""
    extra = [str(updates), ",".join(COMPONENTS), ",".join(STATES)]
    start = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", RESPONDER, str(n), incident, *extra],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate()
        if worker.returncode != 0:
            print(err, file=sys.stderr)
            return None
        results.append(json.loads(out.strip().splitlines()[-1]))
    return time.perf_counter() - start, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--updates", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "incidentctl.yaml").write_text(PLAYBOOK, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTCTL_")}
        env.update(
            INCIDENTCTL_HOME=str(root / "state"),
            INCIDENTCTL_PLAYBOOK=str(root / "incidentctl.yaml"),
            NO_COLOR="1",
        )
        declared = subprocess.run(
            [sys.executable, "-m", "incidentctl", "declare", "sev2", "-t", "Bench", "-y", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        incident = json.loads(declared.stdout)["id"]
        ran = run_responders(env, incident, args.processes, args.updates)
        if ran is None:
            return 1
        wall, results = ran
        times = sorted(t for r in results for t in r["times"])
        errors = sum(1 for r in results for c in r["codes"] if c != 0)
        beaten = sum(r["beaten"] for r in results)
        exact = _replays_exactly(root / "state" / "incidentctl.db", incident)
    total = args.processes * args.updates
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{args.processes} processes x {args.updates} updates on one incident (SQLite)")
    print(f"  wall {wall:.2f} s, {total / wall:.1f} updates/s, load {os.getloadavg()[0]:.2f}")
    print(f"  per update p50 {statistics.median(times) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(f"  beaten by another writer and made again: {beaten} of {total}; errors: {errors}")
    print(f"  final state equals the timeline replayed: {exact}")
    return 0 if errors == 0 and exact else 1


def _replays_exactly(db: Path, incident: str) -> bool:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind, data FROM events WHERE incident_id = ? ORDER BY at, id", (incident,)
        ).fetchall()
        (stored,) = conn.execute(
            "SELECT components FROM incidents WHERE id = ?", (incident,)
        ).fetchone()
    state: dict[str, str] = {}
    for kind, data in rows:
        change = json.loads(data)
        if kind == "component_change":
            if change["from"] != state.get(change["component"]):
                return False
            state[change["component"]] = change["to"]
    return bool(json.loads(stored) == state)


if __name__ == "__main__":
    raise SystemExit(main())
