"""Team mode: P processes × N updates on one incident on SQLite and on PostgreSQL, and the
start-up of `incidentctl list` on PostgreSQL against its floor.

    python benchmarks/bench_team.py [--processes 8] [--updates 200] [--url postgresql://…]

Without `--url`, a throwaway PostgreSQL cluster is started from Debian's server binaries (as
the tests do, `tests/pg_cluster.py`; run from the repository). Prints per backend the wall
time, updates per second, per-update p50/p99, updates beaten and made again, errors (must be
0); then the median of `incidentctl list` on PostgreSQL beside `python -c "import typer"` plus
one round trip to the server (target: at most 1.6 times that floor).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.bench_concurrency import PLAYBOOK, run_responders

REPO = Path(__file__).resolve().parent.parent


def _run_backend(label: str, env: dict[str, str], processes: int, updates: int) -> int:
    declared = subprocess.run(
        [sys.executable, "-m", "incidentctl", "declare", "sev2", "-t", "Bench", "-y", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    if declared.returncode != 0:
        print(declared.stderr, file=sys.stderr)
        return 1
    incident = json.loads(declared.stdout)["id"]
    ran = run_responders(env, incident, processes, updates)
    if ran is None:
        return 1
    wall, results = ran
    times = sorted(t for r in results for t in r["times"])
    errors = sum(1 for r in results for c in r["codes"] if c != 0)
    beaten = sum(r["beaten"] for r in results)
    total = processes * updates
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{processes} processes x {updates} updates on one incident ({label})")
    print(f"  wall {wall:.2f} s, {total / wall:.1f} updates/s, load {os.getloadavg()[0]:.2f}")
    print(f"  per update p50 {statistics.median(times) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    print(f"  beaten by another writer and made again: {beaten} of {total}; errors: {errors}")
    return 0 if errors == 0 else 1


def _median_s(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _list_against_floor(env: dict[str, str], url: str, runs: int) -> None:
    floor = [
        sys.executable,
        "-c",
        f"import typer, psycopg; psycopg.connect({url!r}).execute('SELECT 1').fetchone()",
    ]
    listing = [sys.executable, "-m", "incidentctl", "list"]
    # interleaved, so a busy machine slows both alike
    floors, lists = [], []
    for _ in range(runs):
        floors.append(_median_s(floor, env, 1))
        lists.append(_median_s(listing, env, 1))
    low, mine = statistics.median(floors), statistics.median(lists)
    print(
        f"incidentctl list on PostgreSQL: {mine * 1000:.0f} ms; import typer + one round trip: "
        f"{low * 1000:.0f} ms; ratio {mine / low:.2f} (target <= 1.6), "
        f"load {os.getloadavg()[0]:.2f}"
    )


@contextmanager
def _postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    sys.path.insert(0, str(REPO))
    from tests.pg_cluster import running_cluster

    with running_cluster() as cluster:
        yield cluster.url()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9, help="runs of the start-up comparison")
    parser.add_argument("--url", help="an empty PostgreSQL database to use instead of a cluster")
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch, _postgres(args.url) as url:
        root = Path(scratch)
        (root / "incidentctl.yaml").write_text(PLAYBOOK, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTCTL_")}
        env.update(
            INCIDENTCTL_HOME=str(root / "state"),
            INCIDENTCTL_PLAYBOOK=str(root / "incidentctl.yaml"),
            NO_COLOR="1",
        )
        failed |= _run_backend("SQLite", env, args.processes, args.updates)
        team = {**env, "INCIDENTCTL_DATABASE_URL": url}
        subprocess.run([sys.executable, "-m", "incidentctl", "db", "upgrade"], env=team, check=True)
        failed |= _run_backend("PostgreSQL", team, args.processes, args.updates)
        _list_against_floor(team, url, args.runs)
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
