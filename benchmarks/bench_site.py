"""Status site at scale: a store of 10,000 incidents and 100,000 updates over two years on 20
components, written through the store API; then the full build's time and peak memory, the
rebuild after one `update`, and `declare` with and without the statussite channel.

Run: python benchmarks/bench_site.py [--incidents 10000] [--updates 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

COMPONENTS = [f"c{i:02d}" for i in range(20)]
STATUSES = ("degraded_performance", "partial_outage", "major_outage")


def playbook(folder: Path, with_site: bool) -> Path:
    notify = "[site, outbox]" if with_site else "[outbox]"
    lines = [
        "organization: {name: Bench, timezone: Europe/Paris, "
        "status_page_url: 'https://status.bench.example'}",
        "severities:",
        "  - {id: sev1, name: Critical, notify: {all: " + notify + "}}",
        "  - {id: sev2, name: Major, notify: {all: " + notify + "}}",
        "  - {id: sev3, name: Minor, notify: {all: " + notify + "}}",
        "components:",
        *[f"  {c}: {{name: Component {c}, group: G{int(c[1:]) % 4}}}" for c in COMPONENTS],
        "channels:",
        "  outbox: {type: outbox, audience: public}",
    ]
    if with_site:
        lines.append("  site: {type: statussite, audience: public, out: site}")
    path = folder / "incidentctl.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def populate(state: Path, incidents: int, updates: int, now: datetime, days: int = 730) -> None:
    from incidentctl.model.records import (
        ComponentStatus,
        Delivery,
        EventKind,
        Incident,
        RenderedMessage,
        Stage,
        TimelineEvent,
    )
    from incidentctl.store import open_store

    store = open_store(state, {})
    # setting the scene only: 110,000 transactions need no fsync each (the build reads them)
    from incidentctl.store.sqlite import SQLiteStore

    if isinstance(store, SQLiteStore) and store._conn is not None:  # a test may use PG
        store._conn.execute("PRAGMA synchronous=OFF")
    start = now - timedelta(days=days)
    step = timedelta(days=days) / incidents
    stages = [Stage.INVESTIGATING, Stage.IDENTIFIED, Stage.MONITORING]

    def delivery(incident_id: str, stage: Stage, text: str) -> Delivery:
        return Delivery(
            incident_id, "outbox", "outbox", stage, RenderedMessage(text), "h", created_at=now
        )

    for n in range(incidents):
        at = start + step * n
        component = COMPONENTS[n % len(COMPONENTS)]
        status = ComponentStatus(STATUSES[n % 3])
        incident = Incident(
            "", f"Incident {n} on {component}", f"sev{1 + n % 3}", Stage.INVESTIGATING, at, at,
            impact="Some requests fail", components={component: status}, uid=str(uuid.uuid4()),
            organization="Bench", timezone="Europe/Paris",
        )  # fmt: skip
        day = at.date()
        incident.id = f"INC-{day:%Y%m%d}-{n:05d}"
        declared = TimelineEvent(
            incident.id, EventKind.DECLARED, at, "Some requests fail",
            {"components": {component: status.value}},
        )  # fmt: skip
        store.create_incident(
            incident, declared, [delivery(incident.id, Stage.INVESTIGATING, "x")], day=day, seq=n
        )
        incident = store.get_incident(incident.id) or incident
        for u in range(updates):
            moment = at + timedelta(minutes=12 * (u + 1))
            events = []
            last = u == updates - 1
            if last:
                incident.status = Stage.RESOLVED
                incident.resolved_at = moment
                incident.components = dict.fromkeys(
                    incident.components, ComponentStatus.OPERATIONAL
                )
                events.append(TimelineEvent(incident.id, EventKind.RESOLVED, moment, "Fixed."))
            else:
                if u == updates // 2:
                    incident.components[component] = ComponentStatus.DEGRADED_PERFORMANCE
                    events.append(TimelineEvent(
                        incident.id, EventKind.COMPONENT_CHANGE, moment,
                        data={"component": component, "from": status.value,
                              "to": "degraded_performance"},
                    ))  # fmt: skip
                incident.status = stages[min(u * 3 // updates, 2)]
                events.append(TimelineEvent(incident.id, EventKind.UPDATE, moment, f"Update {u}"))
            incident.updated_at = moment
            store.record(incident, events, [delivery(incident.id, incident.status, "x")])
    store.close()


def measure_build(folder: Path, state: Path, out: Path) -> dict[str, float]:
    """One build into `out` in a fresh process: seconds and peak resident memory (a full
    build when `out` holds no earlier build)."""
    code = f"""
import json, resource, sys, time
from pathlib import Path
from datetime import datetime, UTC
from incidentctl.app.workspace import load_checked_playbook
from incidentctl.app.site.build import build_site
from incidentctl.store import open_store
loaded, _ = load_checked_playbook(Path({str(folder / "incidentctl.yaml")!r}))
store = open_store(Path({str(state)!r}), {{}})
start = time.perf_counter()
done = build_site(store, loaded.playbook, Path({str(out)!r}), datetime.now(UTC))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "files": done.files,
                  "mb": done.bytes / 1e6}}))
"""
    built = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(built.stdout)
    return result


def cli_seconds(folder: Path, state: Path, *args: str) -> float:
    env = {"INCIDENTCTL_HOME": str(state), "PATH": "/usr/bin:/bin", "HOME": str(folder)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from incidentctl.cli.app import main; main()", *args, "--yes"],
        cwd=folder, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=9, help="declare pairs (>= 9)")
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-site-"))
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / "state"
    now = datetime.now(UTC)
    if not (state / "incidentctl.db").exists():
        started = time.perf_counter()
        populate(state, args.incidents, args.updates, now)
        print(f"populated {args.incidents} incidents x {args.updates} updates "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    playbook(folder, with_site=True)
    fulls = []
    built = []
    for _ in range(3):  # removed only after the three: deleting 10,000 files slows the next
        out = Path(tempfile.mkdtemp(dir=folder)) / "site"
        fulls.append(measure_build(folder, state, out))
        built.append(out.parent)
    for done in built:
        shutil.rmtree(done)
    full = sorted(fulls, key=lambda f: f["seconds"])[1]
    print(f"full build (median of 3, in a fresh process, from the store's open to the last "
          f"file): {full['seconds']:.2f} s, peak {max(f['peak_mb'] for f in fulls):.0f} MB, "
          f"{full['files']:.0f} files, {full['mb']:.1f} MB (targets < 5 s, < 300 MB)")  # fmt: skip
    out = Path(tempfile.mkdtemp(dir=folder)) / "site"
    measure_build(folder, state, out)
    rebuilds = []
    for n in range(5):
        # the channel rebuilds its own folder meanwhile; `out` is rebuilt after the update
        cli_seconds(folder, state, "declare", "sev3", "--title", f"Bench rebuild {n}")
        cli_seconds(folder, state, "update", "-m", "still looking")
        rebuilds.append(measure_build(folder, state, out))
        cli_seconds(folder, state, "resolve", "-m", "done")
    rebuild = statistics.median(r["seconds"] for r in rebuilds)
    print(f"rebuild after one update (median of 5, in a fresh process): {rebuild:.2f} s, peak "
          f"{max(r['peak_mb'] for r in rebuilds):.0f} MB (target < 0.5 s)")  # fmt: skip
    # whole `declare` processes, start to exit, with and without the channel, interleaved: the
    # channel's folder holds an earlier build, as it does after the first incident
    pairs: list[tuple[float, float]] = []
    updates: list[tuple[float, float]] = []
    for n in range(args.rounds):
        seconds = {}
        for with_site in (False, True) if n % 2 else (True, False):
            playbook(folder, with_site)
            declared = cli_seconds(folder, state, "declare", "sev3", "--title", f"Bench {n}")
            updated = cli_seconds(folder, state, "update", "-m", "still looking")
            cli_seconds(folder, state, "resolve", "-m", "done")
            seconds[with_site] = (declared, updated)
        pairs.append((seconds[True][0], seconds[False][0]))
        updates.append((seconds[True][1], seconds[False][1]))
    load = os.getloadavg()[0]
    for name, found in (("declare", pairs), ("update", updates)):
        ratio = statistics.median(a / b for a, b in found)
        print(
            f"{name} with statussite {statistics.median(a for a, _ in found):.3f} s, without "
            f"{statistics.median(b for _, b in found):.3f} s: paired ratio {ratio:.2f}x "
            f"(median of {len(found)}{'; target <= 1.3x' if name == 'declare' else ''})"
        )
    print(f"machine load (1 min): {load:.2f}")


if __name__ == "__main__":
    main()
