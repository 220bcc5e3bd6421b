"""`incidentctl stats` at scale: 10,000 incidents and 100,000 events over three years on 20
components (declared with the message snapshot the commands store, status changes, updates,
component changes, resolution, postmortems), 30,000 deliveries; then `stats`, `stats --json`
and `stats --html` as whole processes, several runs each, the median and the spread, with the
load average beside them (the machine is shared: read the figures with it).

`stats` keeps what it folded out of each timeline in the store (a digest per incident, valid
while the timeline's last event stays its last) and folds again only the incidents with new
events. The figures against the target are those of a kept history; the first run after the
history was written (an upgrade, an import) folds every timeline and is printed apart, as
"no digest kept", from runs whose digests were dropped just before.

The store is written with `executemany` in one transaction through the same row encoders the
SQLite backend uses, after `open_store` created and migrated it.

Run: python benchmarks/bench_stats.py [--incidents 10000] [--runs 5] [--keep DIR] [--check]
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
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
EVENTS_PER_INCIDENT = 10
TARGET_SECONDS = 1.0


def playbook(folder: Path) -> Path:
    lines = [
        "organization: {name: Bench, timezone: Europe/Paris}",
        "severities:",
        "  - {id: sev1, name: Critical, update_every: 30m, postmortem_required: true,",
        "     notify: {all: [outbox, room]}}",
        "  - {id: sev2, name: Major, update_every: 1h, notify: {all: [outbox, room]}}",
        "  - {id: sev3, name: Minor, update_every: 2h, notify: {all: [room]}}",
        "components:",
        *[f"  {c}: {{name: Component {c}}}" for c in COMPONENTS],
        "channels:",
        "  outbox: {type: outbox, audience: public}",
        "  room: {type: console, audience: internal}",
        "targets: {mttr: 60m, first_communication: 15m, majors_per_month: 2, availability: 99.5}",
    ]
    path = folder / "incidentctl.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def populate(state: Path, incidents: int, now: datetime) -> tuple[int, int]:
    """Write the history; return (events, deliveries) written."""
    from incidentctl.model.records import (
        ComponentStatus,
        Delivery,
        DeliveryState,
        EventKind,
        Incident,
        RenderedMessage,
        Stage,
        TimelineEvent,
    )
    from incidentctl.store import open_store
    from incidentctl.store.rows import (
        DELIVERY_COLUMNS,
        EVENT_COLUMNS,
        INCIDENT_COLUMNS,
        delivery_values,
        event_values,
        incident_values,
    )

    open_store(state, {}).close()  # created and migrated by the backend itself
    span = timedelta(days=3 * 365)
    start = now - span
    step = span / incidents
    snapshot = {"title": "x" * 60, "impact": "Some requests fail " * 10, "components": {}}
    incident_rows, event_rows, delivery_rows = [], [], []
    event_id = 0
    for n in range(incidents):
        at = start + step * n
        component = COMPONENTS[n % len(COMPONENTS)]
        status = ComponentStatus(STATUSES[n % 3])
        severity = f"sev{1 + n % 3}"
        minutes = 20 + n % 90
        incident = Incident(
            f"INC-{at:%Y%m%d}-{n:05d}", f"Incident {n} on {component}", severity,
            Stage.RESOLVED, at, at + timedelta(minutes=minutes), impact="Some requests fail",
            components={component: ComponentStatus.OPERATIONAL},
            resolved_at=at + timedelta(minutes=minutes), uid=str(uuid.uuid4()),
            organization="Bench", timezone="Europe/Paris",
            impact_started_at=at - timedelta(minutes=n % 7),
        )  # fmt: skip
        incident_rows.append((incident.id, f"{at:%Y-%m-%d}", n, *incident_values(incident)))

        def event(
            kind: EventKind,
            offset: float,
            data: dict[str, object],
            incident_id: str = incident.id,
            at: datetime = at,
        ) -> int:
            nonlocal event_id
            event_id += 1
            moment = at + timedelta(minutes=offset)
            row = event_values(incident_id, TimelineEvent(incident_id, kind, moment, "m", data))
            event_rows.append((event_id, *row))
            return event_id

        third = minutes / 3
        told = event(
            EventKind.DECLARED,
            0,
            {"severity": severity, "components": {component: status.value}, "snapshot": snapshot},
        )
        event(EventKind.STATUS_CHANGE, third, {"from": "investigating", "to": "identified"})
        event(EventKind.UPDATE, third, {})
        event(
            EventKind.COMPONENT_CHANGE,
            third,
            {"component": component, "to": "degraded_performance"},
        )
        event(EventKind.UPDATE, third * 1.5, {})
        event(EventKind.STATUS_CHANGE, third * 2, {"from": "identified", "to": "monitoring"})
        event(EventKind.UPDATE, third * 2, {})
        event(EventKind.UPDATE, third * 2.5, {})
        resolved = event(EventKind.RESOLVED, minutes, {})
        event(EventKind.POSTMORTEM_WRITTEN, minutes + 60 * 24 * (n % 8), {"path": "pm.md"})
        for channel, about, stage in (
            ("outbox", told, Stage.INVESTIGATING),
            ("room", told, Stage.INVESTIGATING),
            ("outbox", resolved, Stage.RESOLVED),
        ):
            if channel == "outbox" and severity == "sev3":
                continue
            sent = at + timedelta(minutes=1 + n % 13)
            item = Delivery(
                incident.id, channel, "outbox" if channel == "outbox" else "console", stage,
                RenderedMessage("We are on it."), "h", DeliveryState.SENT, event_id=about,
                sent_at=sent,
            )  # fmt: skip
            delivery_rows.append(delivery_values(item, sent, sent))
    conn = sqlite3.connect(state / "incidentctl.db", isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")  # setting the scene only
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO incidents (id, day, seq, {', '.join(INCIDENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * (len(INCIDENT_COLUMNS) + 3))})",
        incident_rows,
    )
    conn.executemany(
        f"INSERT INTO events (id, {', '.join(EVENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * (len(EVENT_COLUMNS) + 1))})",
        event_rows,
    )
    conn.executemany(
        f"INSERT INTO deliveries ({', '.join(DELIVERY_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(DELIVERY_COLUMNS))})",
        delivery_rows,
    )
    conn.execute("COMMIT")
    conn.close()
    return len(event_rows), len(delivery_rows)


def drop_digests(state: Path) -> None:
    """Forget what `stats` kept: its next run folds every timeline again."""
    conn = sqlite3.connect(state / "incidentctl.db")
    with conn:
        conn.execute("DELETE FROM digests")
    conn.close()


def whole_process(folder: Path, state: Path, *args: str) -> tuple[float, float]:
    """Seconds of one `incidentctl …` process from exec to exit: wall clock, and CPU (user +
    system), which a busy machine inflates less than the wall clock."""
    env = {"INCIDENTCTL_HOME": str(state), "PATH": "/usr/bin:/bin", "HOME": str(folder)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "incidentctl", *args],
        cwd=folder, env=env, check=True, capture_output=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path)
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when a median is over {TARGET_SECONDS} s"
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-stats-"))
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / "state"
    state.mkdir(exist_ok=True)
    playbook(folder)
    if not (state / "incidentctl.db").exists():
        started = time.perf_counter()
        events, deliveries = populate(state, args.incidents, datetime.now(UTC))
        print(
            f"populated {args.incidents:,} incidents, {events:,} events, {deliveries:,} "
            f"deliveries in {time.perf_counter() - started:.1f} s"
        )
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    html = folder / "report.html"
    commands = {
        "stats, no digest kept": ("stats",),
        "stats": ("stats",),
        "stats --json": ("stats", "--json"),
        "stats --html": ("stats", "--html", str(html)),
        "list (start-up reference)": ("list",),
    }
    whole_process(folder, state, "stats")  # warm the page cache and the bytecode
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):  # interleaved: a burst of load hits every command alike
        for name, command in commands.items():
            if name.endswith("no digest kept"):
                drop_digests(state)
            times[name].append(whole_process(folder, state, *command))
    over = False
    for name, found in times.items():
        walls = [w for w, _ in found]
        median = statistics.median(walls)
        cpu = statistics.median(c for _, c in found)
        print(
            f"{name:28} median {median:.2f} s wall, {cpu:.2f} s CPU  "
            f"(wall min {min(walls):.2f}, max {max(walls):.2f}, {len(found)} runs)"
        )
        over |= name.startswith("stats") and "no digest" not in name and median > TARGET_SECONDS
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"target: every stats median under {TARGET_SECONDS:.0f} s, whole process, on a kept "
        "history (the run with no digest kept is once per upgrade or import)"
    )
    if args.check and over:
        sys.exit(1)


if __name__ == "__main__":
    main()
