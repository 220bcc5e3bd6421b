"""A store with a long history, built through the store API and cached by the code's version.

The history is 9,999 resolved incidents of 10 events each (declared, 8 updates, resolved) with a
webhook delivery for the declared event, the last update and the resolution, 10 a day over the
days before `SUBJECT_DAY`; then the one open incident every measured command works on
(`subject_id()`, 10 events too). The small store holds that incident alone, so the two stores
differ only by the history.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.store.base import Store

ROOT = Path(__file__).resolve().parents[2]
SUBJECT_DAY = date(2026, 1, 1)
PER_DAY = 10
EVENTS_PER_INCIDENT = 10
CHANNEL = "hook0"


def subject_id() -> str:
    from incidentctl.playbook.schema import DEFAULT_ID_FORMAT

    return DEFAULT_ID_FORMAT.format(date=SUBJECT_DAY, seq=1)


def code_version() -> str:
    """A digest of what decides the stored bytes: the store, the records and this builder."""
    digest = hashlib.sha256()
    sources = [
        *sorted((ROOT / "incidentctl" / "store").glob("*.py")),
        *sorted((ROOT / "incidentctl" / "model").glob("*.py")),
        Path(__file__),
    ]
    for source in sources:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _add_incident(store: Store, day: date, seq: int, *, resolved: bool) -> None:
    from incidentctl.model import records
    from incidentctl.playbook.schema import DEFAULT_ID_FORMAT

    declared = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(minutes=seq)
    incident = records.Incident(
        id=DEFAULT_ID_FORMAT.format(date=day, seq=seq),
        title=f"History {day:%Y%m%d} {seq}: checkout errors in EU",
        severity="sev1",
        status=records.Stage.INVESTIGATING,
        declared_at=declared,
        updated_at=declared,
        impact="Some customers cannot pay at checkout.",
        next_update_due=declared + timedelta(minutes=30),
        uid=f"bench-{day:%Y%m%d}-{seq}",
        organization="Bench",
        timezone="UTC",
    )

    def delivery(stage: records.Stage, at: datetime, text: str) -> records.Delivery:
        return records.Delivery(
            incident_id=incident.id,
            channel=CHANNEL,
            channel_type="webhook",
            stage=stage,
            message=records.RenderedMessage(text=text, subject=incident.title),
            payload_hash=hashlib.sha256(text.encode()).hexdigest(),
            state=records.DeliveryState.SENT,
            attempts=1,
            remote_id=f"bench-{CHANNEL}",
            created_at=at,
            updated_at=at,
            sent_at=at,
        )

    declared_event = records.TimelineEvent(
        incident.id,
        records.EventKind.DECLARED,
        declared,
        message=incident.impact,
        data={"severity": "sev1", "roles": {}, "components": {}, "data_safe": None},
    )
    text = f"Investigating: {incident.impact}"
    store.create_incident(
        incident,
        declared_event,
        [delivery(records.Stage.INVESTIGATING, declared, text)],
        day=day,
        seq=seq,
    )
    # the updates in one write (their one delivery goes with the last): three transactions an
    # incident instead of ten keep the build near a minute
    updates = EVENTS_PER_INCIDENT - (2 if resolved else 1)
    events = []
    for n in range(1, updates + 1):
        at = declared + timedelta(minutes=10 * n)
        message = f"Update {n}: still investigating the payment provider's errors."
        events.append(
            records.TimelineEvent(incident.id, records.EventKind.UPDATE, at, message=message)
        )
    incident.updated_at = events[-1].at
    incident.next_update_due = events[-1].at + timedelta(minutes=30)
    last = delivery(records.Stage.INVESTIGATING, events[-1].at, events[-1].message)
    store.record(incident, events, [last])
    if resolved:
        at = declared + timedelta(minutes=10 * (updates + 1))
        incident.status = records.Stage.RESOLVED
        incident.updated_at = incident.resolved_at = at
        incident.next_update_due = None
        event = records.TimelineEvent(incident.id, records.EventKind.RESOLVED, at, message="Fixed.")
        store.record(incident, [event], [delivery(records.Stage.RESOLVED, at, "Resolved: fixed.")])


def build(home: Path, history: int) -> None:
    """Write `history` resolved incidents, then the open subject, into a new store in `home`."""
    from incidentctl.store import open_store

    store = open_store(home, {})
    try:
        first = SUBJECT_DAY - timedelta(days=-(-history // PER_DAY))
        for index in range(history):
            day = first + timedelta(days=index // PER_DAY)
            _add_incident(store, day, index % PER_DAY + 1, resolved=True)
        _add_incident(store, SUBJECT_DAY, 1, resolved=False)
    finally:
        store.close()


def cached_store(cache: Path, history: int) -> Path:
    """The state folder of a store with `history` past incidents, built once per code version."""
    folder = cache / f"history-{code_version()}-{history}"
    if (folder / "incidentctl.db").exists():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"  building a store of {history + 1:,} incidents in {folder} …", flush=True)
    # built in memory where there is a tmpfs: a commit there costs no fsync
    shm = Path("/dev/shm")
    scratch = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() else cache, prefix="incidentctl-"))
    try:
        build(scratch, history)
        partial = Path(tempfile.mkdtemp(dir=cache, prefix="copying-"))
        shutil.copytree(scratch, partial, dirs_exist_ok=True)
        os.replace(partial, folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def fresh_copy(folder: Path, into: Path) -> Path:
    """A copy of the state folder a mutating command may change (the cached one stays)."""
    shutil.copytree(folder, into)
    return into
