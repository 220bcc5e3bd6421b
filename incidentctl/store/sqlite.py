"""The SQLite state store (stdlib `sqlite3`, WAL, one `BEGIN IMMEDIATE` per write)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from incidentctl.errors import IncidentNotFound, StateError
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
from incidentctl.store.base import IdFactory
from incidentctl.store.migrations import migrate

BUSY_TIMEOUT_MS = 5000
CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)

_INCIDENT_FIELDS = (
    "title, severity, status, category, impact, workaround, eta, components, roles, threads, "
    "declared_at, updated_at, next_update_due, resolved_at"
)
_DELIVERY_FIELDS = (
    "event_id, incident_id, channel, channel_type, stage, message, payload_hash, state, "
    "attempts, remote_id, link, error, created_at, updated_at, sent_at"
)


def to_text(value: datetime) -> str:
    """UTC ISO-8601 text with microseconds (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(value: str) -> datetime:
    """Parse stored ISO-8601 text into a timezone-aware UTC datetime."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _opt_text(value: datetime | None) -> str | None:
    return None if value is None else to_text(value)


def _opt_time(value: str | None) -> datetime | None:
    return None if value is None else from_text(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SQLiteStore:
    """`Store` backed by one SQLite file; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                str(self.path),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot switch journal mode to WAL ({mode})")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)
        except (sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StateError(f"cannot open state database {self.path}: {detail}") from exc
        self._conn: sqlite3.Connection | None = conn

    # -- plumbing ---------------------------------------------------------------------------

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; closing twice is harmless."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    @contextmanager
    def _guarded(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and turn SQLite errors into `StateError`."""
        with self._lock:
            if self._conn is None:
                raise StateError(f"state database {self.path} is closed")
            try:
                yield self._conn
            except sqlite3.Error as exc:
                raise StateError(f"state database {self.path}: {exc}") from exc

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One `BEGIN IMMEDIATE` … `COMMIT` transaction, rolled back on any error."""
        with self._guarded() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise

    # -- incidents --------------------------------------------------------------------------

    def create_incident(
        self,
        make_id: IdFactory,
        day: date,
        incident: Incident,
        event: TimelineEvent,
        deliveries: Sequence[Delivery],
    ) -> Incident:
        """Allocate the day's next sequence and store incident, event and deliveries at once."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = ?", (day.isoformat(),)
            ).fetchone()
            seq = int(row[0])
            new_id = make_id(day, seq)
            conn.execute(
                f"INSERT INTO incidents (id, day, seq, {_INCIDENT_FIELDS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_id, day.isoformat(), seq, *self._incident_values(incident)),
            )
            incident.id = new_id
            self._insert_events(conn, incident, [event])
            self._insert_deliveries(conn, incident, event, deliveries)
        return incident

    def record(
        self, incident: Incident, events: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
    ) -> None:
        """Update the incident, append events and their deliveries in one transaction."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT threads FROM incidents WHERE id = ?", (incident.id,)
            ).fetchone()
            if row is None:
                raise IncidentNotFound(f"no incident {incident.id}")
            # threads recorded meanwhile by set_thread win over this possibly stale copy
            incident.threads = {**incident.threads, **json.loads(row["threads"])}
            assignments = ", ".join(f"{name} = ?" for name in _INCIDENT_FIELDS.split(", "))
            conn.execute(
                f"UPDATE incidents SET {assignments} WHERE id = ?",
                (*self._incident_values(incident), incident.id),
            )
            self._insert_events(conn, incident, events)
            self._insert_deliveries(conn, incident, events[-1] if events else None, deliveries)

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident with this id, or None."""
        with self._guarded() as conn:
            row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return None if row is None else self._incident(row)

    def list_incidents(self, *, open_only: bool = False) -> list[Incident]:
        """Most recently declared first."""
        where = "WHERE status != ?" if open_only else ""
        params = (Stage.RESOLVED.value,) if open_only else ()
        with self._guarded() as conn:
            rows = conn.execute(
                f"SELECT * FROM incidents {where} ORDER BY declared_at DESC, day DESC, seq DESC",
                params,
            ).fetchall()
        return [self._incident(row) for row in rows]

    def set_thread(self, incident_id: str, channel: str, remote_id: str) -> None:
        """Remember a channel's first remote id for an incident, unless one is already set."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT threads FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
            if row is None:
                raise IncidentNotFound(f"no incident {incident_id}")
            threads: dict[str, str] = json.loads(row["threads"])
            if channel in threads:
                return
            threads[channel] = remote_id
            conn.execute(
                "UPDATE incidents SET threads = ? WHERE id = ?", (_dumps(threads), incident_id)
            )

    # -- events -----------------------------------------------------------------------------

    def timeline(self, incident_id: str) -> list[TimelineEvent]:
        """Oldest first."""
        with self._guarded() as conn:
            rows = conn.execute(
                "SELECT * FROM events WHERE incident_id = ? ORDER BY at, id", (incident_id,)
            ).fetchall()
        return [
            TimelineEvent(
                incident_id=row["incident_id"],
                kind=EventKind(row["kind"]),
                at=from_text(row["at"]),
                message=row["message"],
                data=json.loads(row["data"]),
                id=row["id"],
            )
            for row in rows
        ]

    # -- deliveries -------------------------------------------------------------------------

    def deliveries(
        self,
        *,
        incident_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
    ) -> list[Delivery]:
        """Oldest first, optionally only one incident's and/or only some states."""
        clauses: list[str] = []
        params: list[str] = []
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        if states is not None:
            wanted = [DeliveryState(state).value for state in states]
            if not wanted:
                return []
            clauses.append(f"state IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._guarded() as conn:
            rows = conn.execute(f"SELECT * FROM deliveries {where} ORDER BY id", params).fetchall()
        return [self._delivery(row) for row in rows]

    def update_delivery(self, delivery: Delivery) -> None:
        """Persist state, attempts, remote id, link, error and timestamps of one delivery."""
        if delivery.id is None:
            raise ValueError("update_delivery needs a stored delivery (id is None)")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, remote_id = ?, link = ?, "
                "error = ?, created_at = COALESCE(?, created_at), "
                "updated_at = COALESCE(?, updated_at), sent_at = ? WHERE id = ?",
                (
                    DeliveryState(delivery.state).value,
                    delivery.attempts,
                    delivery.remote_id,
                    delivery.link,
                    delivery.error,
                    _opt_text(delivery.created_at),
                    _opt_text(delivery.updated_at),
                    _opt_text(delivery.sent_at),
                    delivery.id,
                ),
            )
            if cursor.rowcount != 1:
                raise StateError(f"state database {self.path}: no delivery {delivery.id}")

    def claim_deliveries(self, ids: Sequence[int], now: datetime) -> list[Delivery]:
        """Atomically move `pending`/`failed` deliveries to `sending`; return those claimed."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT id FROM deliveries WHERE id IN ({marks}) AND state IN (?, ?)",
                (*ids, *CLAIMABLE),
            ).fetchall()
            claimed = [int(row["id"]) for row in rows]
            if not claimed:
                return []
            marks = ", ".join("?" for _ in claimed)
            conn.execute(
                f"UPDATE deliveries SET state = ?, updated_at = ? WHERE id IN ({marks})",
                (DeliveryState.SENDING.value, to_text(now), *claimed),
            )
            rows = conn.execute(
                f"SELECT * FROM deliveries WHERE id IN ({marks}) ORDER BY id", claimed
            ).fetchall()
        return [self._delivery(row) for row in rows]

    # -- row mapping ------------------------------------------------------------------------

    @staticmethod
    def _incident_values(incident: Incident) -> tuple[Any, ...]:
        return (
            incident.title,
            incident.severity,
            Stage(incident.status).value,
            incident.category,
            incident.impact,
            incident.workaround,
            incident.eta,
            _dumps({k: ComponentStatus(v).value for k, v in incident.components.items()}),
            _dumps(incident.roles),
            _dumps(incident.threads),
            to_text(incident.declared_at),
            to_text(incident.updated_at),
            _opt_text(incident.next_update_due),
            _opt_text(incident.resolved_at),
        )

    @staticmethod
    def _incident(row: sqlite3.Row) -> Incident:
        return Incident(
            id=row["id"],
            title=row["title"],
            severity=row["severity"],
            status=Stage(row["status"]),
            declared_at=from_text(row["declared_at"]),
            updated_at=from_text(row["updated_at"]),
            impact=row["impact"],
            workaround=row["workaround"],
            eta=row["eta"],
            category=row["category"],
            components={k: ComponentStatus(v) for k, v in json.loads(row["components"]).items()},
            roles=json.loads(row["roles"]),
            next_update_due=_opt_time(row["next_update_due"]),
            resolved_at=_opt_time(row["resolved_at"]),
            threads=json.loads(row["threads"]),
        )

    @staticmethod
    def _insert_events(
        conn: sqlite3.Connection, incident: Incident, events: Sequence[TimelineEvent]
    ) -> None:
        for event in events:
            cursor = conn.execute(
                "INSERT INTO events (incident_id, kind, at, message, data) VALUES (?, ?, ?, ?, ?)",
                (
                    incident.id,
                    EventKind(event.kind).value,
                    to_text(event.at),
                    event.message,
                    _dumps(event.data),
                ),
            )
            event.incident_id = incident.id
            event.id = cursor.lastrowid

    @staticmethod
    def _insert_deliveries(
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
            delivery.created_at = delivery.created_at or default_time
            delivery.updated_at = delivery.updated_at or delivery.created_at
            cursor = conn.execute(
                f"INSERT INTO deliveries ({_DELIVERY_FIELDS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    delivery.event_id,
                    incident.id,
                    delivery.channel,
                    delivery.channel_type,
                    Stage(delivery.stage).value,
                    _dumps(delivery.message.as_dict()),
                    delivery.payload_hash,
                    DeliveryState(delivery.state).value,
                    delivery.attempts,
                    delivery.remote_id,
                    delivery.link,
                    delivery.error,
                    to_text(delivery.created_at),
                    to_text(delivery.updated_at),
                    _opt_text(delivery.sent_at),
                ),
            )
            delivery.id = cursor.lastrowid

    @staticmethod
    def _delivery(row: sqlite3.Row) -> Delivery:
        message = json.loads(row["message"])
        return Delivery(
            incident_id=row["incident_id"],
            channel=row["channel"],
            channel_type=row["channel_type"],
            stage=Stage(row["stage"]),
            message=RenderedMessage(
                text=message["text"], subject=message.get("subject"), html=message.get("html")
            ),
            payload_hash=row["payload_hash"],
            state=DeliveryState(row["state"]),
            attempts=row["attempts"],
            remote_id=row["remote_id"],
            link=row["link"],
            error=row["error"],
            event_id=row["event_id"],
            id=row["id"],
            created_at=_opt_time(row["created_at"]),
            updated_at=_opt_time(row["updated_at"]),
            sent_at=_opt_time(row["sent_at"]),
        )
