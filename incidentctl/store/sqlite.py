"""The SQLite state store (stdlib `sqlite3`, WAL, one `BEGIN IMMEDIATE` per write)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from types import TracebackType

from incidentctl.errors import IncidentChanged, IncidentIdTaken, IncidentNotFound, StateError
from incidentctl.model.records import Delivery, DeliveryState, Incident, Stage, TimelineEvent
from incidentctl.model.reminders import ReminderKind, ReminderMark
from incidentctl.store.rows import (
    STAGES,
    delivery_from_row,
    dumps,
    event_from_row,
    event_from_values,
    from_text,
    incident_from_row,
    incident_values,
    opt_text,
    to_text,
)
from incidentctl.store.sqlite_maintenance import SQLiteMaintenance
from incidentctl.store.sqlite_schema import (
    INCIDENT_ASSIGNMENTS,
    INCIDENT_FIELDS,
    INCIDENT_MARKS,
    connect,
    insert_deliveries,
    insert_events,
)

CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)
URL_PREFIX = "sqlite:///"
# past this many incidents asked for, one walk of a table beats statements of ids in slices
MANY = 2000


def sqlite_url(path: Path) -> str:
    """The store URL of a database file: `sqlite:///` then the path as written."""
    return URL_PREFIX + str(path)


def open_url(url: str) -> SQLiteStore:
    """The backend opener of `sqlite:///PATH` URLs (`sqlite:////abs/path.db` is absolute)."""
    prefix, path = url[: len(URL_PREFIX)], url[len(URL_PREFIX) :]
    if prefix.lower() != URL_PREFIX or not path:
        raise StateError("a SQLite state store URL is sqlite:///PATH (four slashes if absolute)")
    return SQLiteStore(Path(path))


class SQLiteStore(SQLiteMaintenance):
    """`Store` backed by one SQLite file; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            conn = connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StateError(f"cannot open state database {self.path}: {detail}") from exc
        self._conn: sqlite3.Connection | None = conn
        # inside `exclusive`: the write transaction is already open
        self._held = False

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
        """One `BEGIN IMMEDIATE` … `COMMIT` transaction (`exclusive`), rolled back on any
        error; inside `exclusive`, part of its transaction."""
        with self.exclusive(), self._guarded() as conn:
            yield conn

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the database's write lock: what is read and written inside is one transaction
        that no other writer can interleave with (others wait, up to the busy timeout)."""
        with self._guarded() as conn:
            if self._held:
                yield
                return
            conn.execute("BEGIN IMMEDIATE")
            self._held = True
            try:
                yield
                conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._held = False

    # -- incidents --------------------------------------------------------------------------

    def next_sequence(self, day: date) -> int:
        """One more than the day's highest sequence number (the `(day, seq)` index answers)."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = ?", (day.isoformat(),)
            ).fetchone()
        return int(row[0])

    def create_incident(
        self,
        incident: Incident,
        event: TimelineEvent,
        deliveries: Sequence[Delivery],
        *,
        day: date,
        seq: int,
    ) -> Incident:
        """Store incident, event and deliveries at once; `IncidentIdTaken` if the id is taken."""
        with self._write() as conn:
            try:
                conn.execute(
                    f"INSERT INTO incidents (id, day, seq, {INCIDENT_FIELDS}) "
                    f"VALUES (?, ?, ?, {INCIDENT_MARKS})",
                    (incident.id, day.isoformat(), seq, *incident_values(incident)),
                )
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" not in str(exc):
                    raise
                raise IncidentIdTaken(f"state database {self.path}: {exc}") from exc
            insert_events(conn, incident, [event])
            insert_deliveries(conn, incident, event, deliveries)
        return incident

    def numbering(self, incident_id: str) -> tuple[date, int] | None:
        """The `(day, seq)` the incident's id was made from, or None."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT day, seq FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
        return None if row is None else (date.fromisoformat(row["day"]), int(row["seq"]))

    def import_incident(
        self,
        incident: Incident,
        events: Sequence[TimelineEvent],
        deliveries: Sequence[Delivery],
        *,
        day: date,
        seq: int,
    ) -> None:
        """Store an exported incident as it was; see `Store.import_incident`."""
        with self._write() as conn:
            try:
                conn.execute(
                    f"INSERT INTO incidents (id, day, seq, version, {INCIDENT_FIELDS}) "
                    f"VALUES (?, ?, ?, ?, {INCIDENT_MARKS})",
                    (
                        incident.id,
                        day.isoformat(),
                        seq,
                        incident.version,
                        *incident_values(incident),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                if "UNIQUE" not in str(exc):
                    raise
                raise IncidentIdTaken(f"state database {self.path}: {exc}") from exc
            insert_events(conn, incident, events)
            stored = [event.id for event in events]
            for delivery in deliveries:
                position = delivery.event_id
                if position is None or not 1 <= position <= len(stored):
                    raise ValueError(f"delivery names event {position} of {len(stored)}")
                delivery.event_id = stored[position - 1]
            insert_deliveries(conn, incident, None, deliveries)

    def record(
        self, incident: Incident, events: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
    ) -> None:
        """Update the incident, append events and their deliveries in one transaction.

        Only when the stored row is still at `incident.version` (then raised by one, and
        `incident.version` with it); otherwise nothing is stored and `IncidentChanged` raised.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT threads, version FROM incidents WHERE id = ?", (incident.id,)
            ).fetchone()
            if row is None:
                raise IncidentNotFound(f"no incident {incident.id}")
            if row["version"] != incident.version:
                raise IncidentChanged(
                    f"{incident.id} was changed by another responder after it was read "
                    f"(version {incident.version}, now {row['version']}); nothing was stored"
                )
            # threads recorded meanwhile by set_thread win over this possibly stale copy
            incident.threads = {**incident.threads, **json.loads(row["threads"])}
            conn.execute(
                f"UPDATE incidents SET {INCIDENT_ASSIGNMENTS}, version = version + 1 "
                "WHERE id = ? AND version = ?",
                (*incident_values(incident), incident.id, incident.version),
            )
            insert_events(conn, incident, events)
            insert_deliveries(conn, incident, events[-1] if events else None, deliveries)
        incident.version += 1

    def get_incident(self, incident_id: str) -> Incident | None:
        """The incident with this id, or None."""
        with self._guarded() as conn:
            row = conn.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        return None if row is None else incident_from_row(row)

    def list_incidents(
        self,
        *,
        open_only: bool = False,
        organization: str | None = None,
        severity: str | None = None,
        declared_since: datetime | None = None,
        seq: int | None = None,
        resolved_only: bool = False,
        limit: int | None = None,
    ) -> list[Incident]:
        """Matching incidents, most recently declared first (most recently resolved first with
        `resolved_only`); at most `limit`. See `Store.list_incidents`."""
        where, params = _incident_filter(
            open_only, organization, severity, declared_since, seq, resolved_only
        )
        order = (
            "resolved_at DESC, declared_at DESC"
            if resolved_only
            else "declared_at DESC, day DESC, seq DESC"
        )
        sql = f"SELECT * FROM incidents {where} ORDER BY {order}"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(max(0, limit))
        with self._guarded() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [incident_from_row(row) for row in rows]

    def count_incidents(
        self,
        *,
        open_only: bool = False,
        organization: str | None = None,
        severity: str | None = None,
        declared_since: datetime | None = None,
    ) -> int:
        """How many incidents `list_incidents` with the same filters and no limit would give."""
        where, params = _incident_filter(
            open_only, organization, severity, declared_since, None, False
        )
        with self._guarded() as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM incidents {where}", params).fetchone()
        return int(row[0])

    def find_open_incident(self, title: str, *, declared_after: datetime) -> Incident | None:
        """The newest open incident titled `title` declared after `declared_after`, or None."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT * FROM incidents WHERE status != ? AND title = ? AND declared_at > ? "
                "ORDER BY declared_at DESC, day DESC, seq DESC LIMIT 1",
                (Stage.RESOLVED.value, title, to_text(declared_after)),
            ).fetchone()
        return None if row is None else incident_from_row(row)

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
                "UPDATE incidents SET threads = ? WHERE id = ?", (dumps(threads), incident_id)
            )

    # -- events -----------------------------------------------------------------------------

    def timeline(self, incident_id: str) -> list[TimelineEvent]:
        """Oldest first."""
        with self._guarded() as conn:
            rows = conn.execute(
                "SELECT * FROM events WHERE incident_id = ? ORDER BY at, id", (incident_id,)
            ).fetchall()
        return [event_from_row(row) for row in rows]

    def timelines(self, incident_ids: Collection[str]) -> dict[str, list[TimelineEvent]]:
        """Incident id -> its timeline, oldest first, for each of `incident_ids` (one with no
        event is absent): a site build or `stats` reads thousands in a few statements, not one
        each, as plain tuples grouped per incident."""
        ids = list(dict.fromkeys(incident_ids))
        found: dict[str, list[TimelineEvent]] = {}
        query = "SELECT incident_id, kind, at, message, data, id FROM events"
        order = "ORDER BY incident_id, at, id"
        with self._guarded() as conn:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples: thousands of rows, read once
            if len(ids) > MANY:
                # most of the history (a whole site build): one walk of the timeline index
                wanted = set(ids)
                cursor.execute(f"{query} {order}")
                for incident_id, rows in groupby(cursor, itemgetter(0)):
                    if incident_id in wanted:
                        found[incident_id] = [event_from_values(*values) for values in rows]
                return found
            for chunk in _slices(ids):
                marks = ", ".join("?" for _ in chunk)
                cursor.execute(f"{query} WHERE incident_id IN ({marks}) {order}", chunk)
                for incident_id, rows in groupby(cursor, itemgetter(0)):
                    found[incident_id] = [event_from_values(*values) for values in rows]
        return found

    # -- deliveries -------------------------------------------------------------------------

    def first_sent(
        self, channels: Collection[str], incident_ids: Collection[str]
    ) -> dict[str, datetime]:
        """Incident id -> earliest `sent_at` of a `sent` delivery to one of `channels`."""
        wanted = list(channels)
        found: dict[str, datetime] = {}
        if not wanted:
            return found
        query = (
            "SELECT incident_id, MIN(sent_at) FROM deliveries WHERE state = ? AND "
            f"sent_at IS NOT NULL AND channel IN ({', '.join('?' for _ in wanted)})"
        )
        ids = set(incident_ids)
        with self._guarded() as conn:
            if len(ids) > MANY:
                # most of the history: one pass over the sent deliveries beats many lookups
                rows = conn.execute(f"{query} GROUP BY incident_id", (SENT, *wanted)).fetchall()
                rows = [row for row in rows if row[0] in ids]
            else:
                rows = []
                for chunk in _slices(ids):
                    marks = ", ".join("?" for _ in chunk)
                    rows += conn.execute(
                        f"{query} AND incident_id IN ({marks}) GROUP BY incident_id",
                        (SENT, *wanted, *chunk),
                    ).fetchall()
        return {str(row[0]): from_text(row[1]) for row in rows}

    def deliveries(
        self,
        *,
        incident_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
        organization: str | None = None,
    ) -> list[Delivery]:
        """Oldest first, optionally only one incident's, only some states, and/or only those of
        an organization's incidents (and of incidents recorded before they had one)."""
        clauses: list[str] = []
        params: list[str] = []
        if incident_id is not None:
            clauses.append("incident_id = ?")
            params.append(incident_id)
        if organization is not None:
            clauses.append(
                "incident_id IN (SELECT id FROM incidents WHERE organization IN (?, ''))"
            )
            params.append(organization)
        if states is not None:
            wanted = [DeliveryState(state).value for state in states]
            if not wanted:
                return []
            clauses.append(f"state IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._guarded() as conn:
            rows = conn.execute(f"SELECT * FROM deliveries {where} ORDER BY id", params).fetchall()
        return [delivery_from_row(row) for row in rows]

    def announced(
        self,
        channels: Collection[str],
        *,
        organization: str | None = None,
        incidents: Collection[str] | None = None,
    ) -> list[tuple[str, int, Stage]]:
        """(incident id, event id, stage) of the deliveries to `channels`, oldest first."""
        wanted = list(channels)
        if not wanted or (incidents is not None and not incidents):
            return []
        where = f"channel IN ({', '.join('?' for _ in wanted)}) AND event_id IS NOT NULL"
        params = list(wanted)
        if organization is not None:
            where += " AND incident_id IN (SELECT id FROM incidents WHERE organization IN (?, ''))"
            params.append(organization)
        query = f"SELECT incident_id, event_id, stage, id FROM deliveries WHERE {where}"
        with self._guarded() as conn:
            if incidents is None or len(incidents) > MANY:
                rows = conn.execute(query, params).fetchall()
                if incidents is not None:
                    asked = set(incidents)
                    rows = [row for row in rows if row[0] in asked]
            else:
                ids = list(incidents)
                rows = []
                # in slices: SQLite limits the number of parameters of one statement
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    marks = ", ".join("?" for _ in chunk)
                    clause = f"{query} AND incident_id IN ({marks})"
                    rows += conn.execute(clause, [*params, *chunk]).fetchall()
        rows.sort(key=lambda row: row[3])
        return [(str(row[0]), int(row[1]), STAGES.get(row[2]) or Stage(row[2])) for row in rows]

    def update_delivery(self, delivery: Delivery) -> None:
        """Persist state, attempts, remote id, link, error and timestamps of one delivery."""
        if delivery.id is None:
            raise ValueError("update_delivery needs a stored delivery (id is None)")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, remote_id = ?, link = ?, "
                "error = ?, created_at = COALESCE(?, created_at), "
                "updated_at = COALESCE(?, updated_at), sent_at = ?, progress = ? WHERE id = ?",
                (
                    DeliveryState(delivery.state).value,
                    delivery.attempts,
                    delivery.remote_id,
                    delivery.link,
                    delivery.error,
                    opt_text(delivery.created_at),
                    opt_text(delivery.updated_at),
                    opt_text(delivery.sent_at),
                    dumps(delivery.progress),
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
        return [delivery_from_row(row) for row in rows]

    # -- reminders --------------------------------------------------------------------------

    def record_reminder(
        self,
        mark: ReminderMark,
        incident: Incident,
        events: Sequence[TimelineEvent],
        deliveries: Sequence[Delivery],
    ) -> bool:
        """Store `mark`, the events and their deliveries at once; False when the mark's
        (incident, kind, slot) is taken: nothing is stored then."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO reminders (incident_id, kind, slot, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (incident_id, kind, slot) DO NOTHING",
                (mark.incident_id, mark.kind.value, to_text(mark.slot), to_text(mark.at)),
            )
            if cursor.rowcount != 1:
                return False
            insert_events(conn, incident, events)
            insert_deliveries(conn, incident, events[-1] if events else None, deliveries)
        return True

    def reminded(self, incident_id: str) -> list[ReminderMark]:
        """The incident's stored reminders, oldest first."""
        with self._guarded() as conn:
            rows = conn.execute(
                "SELECT incident_id, kind, slot, at FROM reminders WHERE incident_id = ? "
                "ORDER BY id",
                (incident_id,),
            ).fetchall()
        return [
            ReminderMark(row[0], ReminderKind(row[1]), from_text(row[2]), from_text(row[3]))
            for row in rows
        ]


# SQLite limits the number of parameters of one statement
SLICE = 500
SENT = DeliveryState.SENT.value


def _slices(ids: Collection[str]) -> Iterator[list[str]]:
    items = list(dict.fromkeys(ids))  # each id once: a timeline is read whole, once
    for start in range(0, len(items), SLICE):
        yield items[start : start + SLICE]


def _incident_filter(
    open_only: bool,
    organization: str | None,
    severity: str | None,
    declared_since: datetime | None,
    seq: int | None,
    resolved_only: bool,
) -> tuple[str, list[object]]:
    """The WHERE clause (or "") and parameters of the incident filters."""
    clauses: list[str] = []
    params: list[object] = []
    if open_only:
        clauses.append("status != ?")
        params.append(Stage.RESOLVED.value)
    if resolved_only:
        clauses.append("resolved_at IS NOT NULL")
    if organization is not None:
        # `+`: not by the organization index: SQLite would then sort every incident of the
        # organization to return the newest few; walking the declared_at index stops at them
        clauses.append("+organization IN (?, '')")
        params.append(organization)
    if severity is not None:
        clauses.append("severity = ?")
        params.append(severity)
    if declared_since is not None:
        clauses.append("declared_at >= ?")
        params.append(to_text(declared_since))
    if seq is not None:
        clauses.append("seq = ?")
        params.append(seq)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params
