"""The maintenance tables of the SQL stores (SQLite and PostgreSQL share this SQL): windows
and the deliveries of their notices."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from incidentctl.errors import IncidentChanged, IncidentIdTaken, IncidentNotFound, StateError
from incidentctl.model.records import Delivery, DeliveryState
from incidentctl.store.dialects import SQLITE
from incidentctl.store.maintenance_rows import (
    MAINTENANCE_COLUMNS,
    NOTICE_COLUMNS,
    maintenance_from_row,
    maintenance_values,
    notice_from_row,
    notice_values,
)
from incidentctl.store.rows import dumps, opt_text, to_text

if TYPE_CHECKING:
    from incidentctl.model.maintenance import Maintenance, MaintenanceNotice, MaintenanceStatus

_FIELDS = ", ".join(MAINTENANCE_COLUMNS)
_MARKS = SQLITE.params(len(MAINTENANCE_COLUMNS))
_ASSIGNMENTS = ", ".join(f"{name} = ?" for name in MAINTENANCE_COLUMNS)
_NOTICE_FIELDS = ", ".join(NOTICE_COLUMNS)
_NOTICE_MARKS = SQLITE.params(len(NOTICE_COLUMNS))
_CLAIMABLE = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)


class MaintenanceTables:
    """The maintenance part of `SQLStore` (which provides the connection, the transactions and
    how its driver tells a unique violation)."""

    driver_error: type[Exception]
    # appended to the claim's SELECT: rows another claimer holds are skipped, not waited for
    claim_suffix: str

    def _guarded(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _write(self, *, incident_lock: bool = True) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def _is_unique_violation(self, exc: Exception) -> bool:
        raise NotImplementedError

    def _failure(self, exc: Exception) -> StateError:
        raise NotImplementedError

    def next_maintenance_sequence(self, day: date) -> int:
        """One more than the day's highest maintenance sequence number."""
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM maintenances WHERE day = ?",
                (day.isoformat(),),
            ).fetchone()
        return int(row[0])

    def create_maintenance(
        self,
        item: Maintenance,
        notices: Sequence[MaintenanceNotice],
        *,
        day: date,
        seq: int,
    ) -> Maintenance:
        """Store the window and its first notices at once; `IncidentIdTaken` if the id is."""
        with self._write() as conn:
            try:
                conn.execute(
                    f"INSERT INTO maintenances (id, day, seq, {_FIELDS}) "
                    f"VALUES (?, ?, ?, {_MARKS})",
                    (item.id, day.isoformat(), seq, *maintenance_values(item)),
                )
            except self.driver_error as exc:
                if not self._is_unique_violation(exc):
                    raise
                raise IncidentIdTaken(str(self._failure(exc))) from exc
            _insert_notices(conn, item, notices)
        return item

    def record_maintenance(self, item: Maintenance, notices: Sequence[MaintenanceNotice]) -> None:
        """Save the window's new state and new notices, if still at `item.version`."""
        with self._write() as conn:
            row = conn.execute(
                "SELECT threads, version FROM maintenances WHERE id = ?", (item.id,)
            ).fetchone()
            if row is None:
                raise IncidentNotFound(f"no maintenance {item.id}")
            if row["version"] != item.version:
                raise IncidentChanged(
                    f"{item.id} was changed by someone else after it was read; nothing was stored"
                )
            item.threads = {**item.threads, **json.loads(row["threads"])}
            conn.execute(
                f"UPDATE maintenances SET {_ASSIGNMENTS}, version = version + 1 "
                "WHERE id = ? AND version = ?",
                (*maintenance_values(item), item.id, item.version),
            )
            _insert_notices(conn, item, notices)
        item.version += 1

    def get_maintenance(self, maintenance_id: str) -> Maintenance | None:
        with self._guarded() as conn:
            row = conn.execute(
                "SELECT * FROM maintenances WHERE id = ?", (maintenance_id,)
            ).fetchone()
        return None if row is None else maintenance_from_row(row)

    def list_maintenances(
        self,
        *,
        organization: str | None = None,
        statuses: Collection[MaintenanceStatus] | None = None,
    ) -> list[Maintenance]:
        """Soonest start first; only an organization's (and those without one), some statuses."""
        from incidentctl.model.maintenance import MaintenanceStatus

        where, params = _where(
            ("organization IN (?, '')", None if organization is None else [organization]),
            (
                "status IN ({})",
                None if statuses is None else [MaintenanceStatus(s) for s in statuses],
            ),
        )
        if where is None:
            return []
        with self._guarded() as conn:
            rows = conn.execute(
                f"SELECT * FROM maintenances {where} ORDER BY scheduled_for, day, seq", params
            ).fetchall()
        return [maintenance_from_row(row) for row in rows]

    def maintenance_notices(
        self,
        *,
        maintenance_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
    ) -> list[MaintenanceNotice]:
        """Oldest first; only one window's and/or some states."""
        where, params = _where(
            ("maintenance_id = ?", None if maintenance_id is None else [maintenance_id]),
            ("state IN ({})", None if states is None else [DeliveryState(s) for s in states]),
        )
        if where is None:
            return []
        with self._guarded() as conn:
            rows = conn.execute(
                f"SELECT * FROM maintenance_deliveries {where} ORDER BY id", params
            ).fetchall()
        return [notice_from_row(row) for row in rows]

    def update_maintenance_delivery(self, delivery: Delivery) -> None:
        """Persist state, attempts, remote id, link, error, timestamps and progress."""
        if delivery.id is None:
            raise ValueError("update_maintenance_delivery needs a stored delivery")
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE maintenance_deliveries SET state = ?, attempts = ?, remote_id = ?, "
                "link = ?, error = ?, updated_at = COALESCE(?, updated_at), sent_at = ?, "
                "progress = ? WHERE id = ?",
                (
                    DeliveryState(delivery.state).value,
                    delivery.attempts,
                    delivery.remote_id,
                    delivery.link,
                    delivery.error,
                    opt_text(delivery.updated_at),
                    opt_text(delivery.sent_at),
                    dumps(delivery.progress),
                    delivery.id,
                ),
            )
            if cursor.rowcount != 1:
                raise StateError("no such maintenance delivery in the state database")

    def claim_maintenance_notices(
        self, ids: Sequence[int], now: datetime
    ) -> list[MaintenanceNotice]:
        """Atomically move `pending`/`failed` notices' deliveries to `sending`."""
        if not ids:
            return []
        marks = SQLITE.params(len(ids))
        with self._write() as conn:
            rows = conn.execute(
                f"SELECT id FROM maintenance_deliveries WHERE id IN ({marks}) AND state IN (?, ?)"
                f"{self.claim_suffix}",
                (*ids, *_CLAIMABLE),
            ).fetchall()
            claimed = [int(row["id"]) for row in rows]
            if not claimed:
                return []
            marks = SQLITE.params(len(claimed))
            conn.execute(
                "UPDATE maintenance_deliveries SET state = ?, updated_at = ? "
                f"WHERE id IN ({marks})",
                (DeliveryState.SENDING.value, to_text(now), *claimed),
            )
            rows = conn.execute(
                f"SELECT * FROM maintenance_deliveries WHERE id IN ({marks}) ORDER BY id", claimed
            ).fetchall()
        return [notice_from_row(row) for row in rows]

    def set_maintenance_thread(self, maintenance_id: str, channel: str, remote_id: str) -> None:
        """Remember a channel's first remote id for a window, unless one is already set."""
        with self._write() as conn:
            first_thread(conn, "maintenances", maintenance_id, channel, remote_id)


def first_thread(conn: Any, table: str, row_id: str, channel: str, remote_id: str) -> None:
    """In the `threads` of row `row_id` of `table` (`incidents`, `maintenances`), `remote_id`
    as `channel`'s thread, unless it has one; inside the caller's transaction."""
    row = conn.execute(f"SELECT threads FROM {table} WHERE id = ?", (row_id,)).fetchone()
    if row is None:
        what = "incident" if table == "incidents" else "maintenance"
        raise IncidentNotFound(f"no {what} {row_id}")
    threads: dict[str, str] = json.loads(row["threads"])
    if channel in threads:
        return
    threads[channel] = remote_id
    conn.execute(f"UPDATE {table} SET threads = ? WHERE id = ?", (dumps(threads), row_id))


def _where(*filters: tuple[str, Sequence[str] | None]) -> tuple[str | None, list[str]]:
    """The WHERE clause of the filters given (a value list each, None: no filter; `{}` in a
    clause takes as many marks as values), and its parameters; None when a filter's list is
    empty (nothing matches)."""
    clauses: list[str] = []
    params: list[str] = []
    for clause, values in filters:
        if values is None:
            continue
        if not values:
            return None, []
        clauses.append(clause.replace("{}", SQLITE.params(len(values))))
        params.extend(str(v) for v in values)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _insert_notices(conn: Any, item: Maintenance, notices: Sequence[MaintenanceNotice]) -> None:
    for notice in notices:
        notice.delivery.incident_id = item.id
        notice.delivery.created_at = notice.delivery.created_at or item.updated_at
        notice.delivery.updated_at = notice.delivery.updated_at or notice.delivery.created_at
        row = conn.execute(
            f"INSERT INTO maintenance_deliveries ({_NOTICE_FIELDS}) VALUES ({_NOTICE_MARKS}) "
            "RETURNING id",
            notice_values(notice),
        ).fetchone()
        notice.delivery.id = int(row[0])
