"""The SQLite side of the schema: how a connection is set up, and the inserts shared by the
store's writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from incidentctl.model.records import Delivery, Incident, TimelineEvent
from incidentctl.store.dialects import SQLITE
from incidentctl.store.migrations import migrate
from incidentctl.store.rows import (
    DELIVERY_COLUMNS,
    EVENT_COLUMNS,
    INCIDENT_COLUMNS,
    delivery_values,
    event_values,
)

BUSY_TIMEOUT_MS = 30_000  # a responder waits for another one rather than fail

INCIDENT_FIELDS = ", ".join(INCIDENT_COLUMNS)
INCIDENT_MARKS = SQLITE.params(len(INCIDENT_COLUMNS))
INCIDENT_ASSIGNMENTS = ", ".join(f"{name} = {SQLITE.mark}" for name in INCIDENT_COLUMNS)
_EVENT_FIELDS = ", ".join(EVENT_COLUMNS)
_EVENT_MARKS = SQLITE.params(len(EVENT_COLUMNS))
_DELIVERY_FIELDS = ", ".join(DELIVERY_COLUMNS)
_DELIVERY_MARKS = SQLITE.params(len(DELIVERY_COLUMNS))


def connect(path: Path) -> sqlite3.Connection:
    """Open `path` in autocommit mode, WAL, with a busy timeout and foreign keys, migrated.

    Raises `sqlite3.Error` or `OSError`; the connection is closed then.
    """
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch journal mode to WAL ({mode})")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, dialect=SQLITE)
    except BaseException:
        conn.close()
        raise
    return conn


def insert_events(
    conn: sqlite3.Connection, incident: Incident, events: Sequence[TimelineEvent]
) -> None:
    """Append `incident`'s events, setting their ids."""
    for event in events:
        cursor = conn.execute(
            f"INSERT INTO events ({_EVENT_FIELDS}) VALUES ({_EVENT_MARKS})",
            event_values(incident.id, event),
        )
        event.incident_id = incident.id
        event.id = cursor.lastrowid


def insert_deliveries(
    conn: sqlite3.Connection,
    incident: Incident,
    event: TimelineEvent | None,
    deliveries: Sequence[Delivery],
) -> None:
    """Insert deliveries; unset `event_id`/timestamps come from `event` (or the incident)."""
    default_time = event.at if event is not None else incident.updated_at
    for delivery in deliveries:
        if delivery.event_id is None:
            if event is None:
                raise ValueError("a delivery recorded without events needs its event_id")
            delivery.event_id = event.id
        delivery.incident_id = incident.id
        created = delivery.created_at = delivery.created_at or default_time
        updated = delivery.updated_at = delivery.updated_at or created
        cursor = conn.execute(
            f"INSERT INTO deliveries ({_DELIVERY_FIELDS}) VALUES ({_DELIVERY_MARKS})",
            delivery_values(delivery, created, updated),
        )
        delivery.id = cursor.lastrowid
