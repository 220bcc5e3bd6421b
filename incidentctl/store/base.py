"""The one small interface every state backend implements (SQLite now, PostgreSQL later)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from incidentctl.model.records import (
    Delivery,
    DeliveryState,
    Incident,
    IncidentHead,
    Moment,
    Stage,
    TimelineEvent,
)
from incidentctl.model.reminders import ReminderMark

if TYPE_CHECKING:  # in the maintenance methods' signatures only
    from incidentctl.model.maintenance import Maintenance, MaintenanceNotice, MaintenanceStatus

# an import's events naming its deliveries by place: given them stored, the events rewritten
Relink = Callable[[Sequence[Delivery]], Sequence[TimelineEvent]]


class Store(Protocol):
    """State backend. Every write is one transaction: incident, event and deliveries together."""

    def next_sequence(self, day: date) -> int:
        """The day's next sequence number (1-based): one more than the highest stored for `day`.

        Nothing is reserved: a concurrent declare may store it first (see `create_incident`).
        """
        ...

    def create_incident(
        self,
        incident: Incident,
        event: TimelineEvent,
        deliveries: Sequence[Delivery],
        *,
        day: date,
        seq: int,
    ) -> Incident:
        """Store the finished incident, its event and its deliveries in one transaction.

        `incident.id` is made from `day` and `seq`; when another incident holds that id or that
        `(day, seq)`, nothing is stored and `IncidentIdTaken` is raised. Sets
        `event.incident_id`/`event.id` and each delivery's ids; returns the incident.
        """
        ...

    def record(
        self, incident: Incident, events: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
    ) -> None:
        """Save the incident's new state with new events and their deliveries in one transaction.

        A versioned write: only when the stored row is still at `incident.version`, which is then
        raised by one; otherwise nothing is stored and `IncidentChanged` is raised (read the
        incident again and re-apply the change). Threads recorded meanwhile are kept. Deliveries
        attach to the last event in `events` unless their `event_id` is already set.
        """
        ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Hold the store's write lock for a read-modify-write that must not be beaten: reads
        and writes inside are one transaction no other writer interleaves with. For a change
        that lost the optimistic race once (`app.versioned`); keep it short."""
        ...

    def get_incident(self, incident_id: str) -> Incident | None: ...

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
        """Most recently declared first (with `resolved_only`, only resolved ones, most recently
        resolved first), at most `limit`. With `organization`, only that organization's (and
        those recorded before incidents had one); `severity`, declared at or after
        `declared_since`, with the day's sequence number `seq`. Filtered by the backend, so its
        cost follows what is returned, not the history's size."""
        ...

    def incident_heads(
        self,
        *,
        organization: str | None = None,
        changed_after: int | None = None,
        resolved_after: datetime | None = None,
        declared_between: tuple[datetime, datetime] | None = None,
        ids: Collection[str] = (),
        open_now: bool = False,
    ) -> list[IncidentHead]:
        """Incidents (of `organization`, as `list_incidents` filters it) as their heads, in
        `list_incidents`' order: a few columns of each row, nothing of its timeline. With no
        other filter, every incident; else those that any filter given matches: written after
        revision `changed_after` (`incident_revision`); open, or resolved after
        `resolved_after`; open (`open_now`); declared in `[start, end)`; among `ids`."""
        ...

    def incident_revision(self) -> int:
        """The highest revision of an incident row: every incident written from now on gets a
        higher one (0 in a store with no incident yet)."""
        ...

    def incidents(self, incident_ids: Collection[str]) -> dict[str, Incident]:
        """Id -> incident, for the ids asked that exist."""
        ...

    def count_incidents(
        self,
        *,
        open_only: bool = False,
        organization: str | None = None,
        severity: str | None = None,
        declared_since: datetime | None = None,
    ) -> int:
        """How many incidents `list_incidents` with these filters and no limit returns."""
        ...

    def find_open_incident(self, title: str, *, declared_after: datetime) -> Incident | None:
        """The most recently declared open incident with exactly this title, declared after
        `declared_after`, if any."""
        ...

    def timeline(self, incident_id: str) -> list[TimelineEvent]:
        """Oldest first."""
        ...

    def timelines(self, incident_ids: Collection[str]) -> dict[str, list[TimelineEvent]]:
        """Incident id -> its timeline (oldest first) for each of `incident_ids` that has
        events: many timelines read together, as `timeline` reads one."""
        ...

    def moments(self, incident_ids: Collection[str]) -> dict[str, list[Moment]]:
        """Incident id -> its timeline (oldest first) as `Moment`s: kinds, times and the few
        data keys the figures read, unparsed, for each of `incident_ids` that has events."""
        ...

    def last_event_ids(self, incident_ids: Collection[str]) -> dict[str, int]:
        """Incident id -> the id of its last event (ids only grow: a timeline whose last event
        id is unchanged is unchanged), for each of `incident_ids` that has events."""
        ...

    def digests(self, name: str, incident_ids: Collection[str]) -> dict[str, tuple[int, str]]:
        """Incident id -> (through, body) of what `keep_digests` kept under `name`, for each
        of `incident_ids` that has one: `through` is the last event id it was made from."""
        ...

    def keep_digests(self, name: str, digests: Mapping[str, tuple[int, str]]) -> None:
        """Keep, per incident id, (through, body) under `name` in one transaction, replacing
        what was kept: a reader's fold of the timeline as of its event `through`. A cache: a
        store copy leaves it behind."""
        ...

    def deliveries(
        self,
        *,
        incident_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
        organization: str | None = None,
    ) -> list[Delivery]:
        """Oldest first; only one incident's, some states, and/or an organization's incidents'
        (with those recorded before incidents had one)."""
        ...

    def announced(
        self,
        channels: Collection[str],
        *,
        organization: str | None = None,
        incidents: Collection[str] | None = None,
    ) -> list[tuple[str, int, Stage]]:
        """(incident id, event id, stage) of every delivery to one of `channels` (of an
        organization's incidents, with those recorded before incidents had one; of the
        `incidents` listed): which events were told where, without reading the messages (the
        status site's public updates)."""
        ...

    def update_delivery(self, delivery: Delivery, *, thread: bool = False) -> None:
        """Persist state, attempts, remote id, link, error and timestamps of one delivery;
        with `thread`, its remote id also becomes its channel's thread for its incident unless
        one is set (`set_thread`), in the same transaction."""
        ...

    def set_thread(self, incident_id: str, channel: str, remote_id: str) -> None:
        """Remember a channel's first remote id for an incident, unless one is already set."""
        ...

    def claim_deliveries(self, ids: Sequence[int], now: datetime) -> list[Delivery]:
        """Atomically move `pending`/`failed` deliveries to `sending`; return those claimed."""
        ...

    def mark_interrupted(self, ids: Sequence[int], error: str) -> list[int]:
        """Of these deliveries, move those still `sending` whose sender is gone (its process
        ended before recording the outcome) to `uncertain` with `error`; return their ids.
        One another live process is sending right now (it holds its claim until it records
        the outcome) is left as it is; this store's own claims count as interrupted."""
        ...

    def numbering(self, incident_id: str) -> tuple[date, int] | None:
        """The `(day, seq)` the incident's id was made from; None when there is no such incident
        (what an export keeps, so an import numbers the day's next incidents after it)."""
        ...

    def import_incident(
        self,
        incident: Incident,
        events: Sequence[TimelineEvent],
        deliveries: Sequence[Delivery],
        *,
        day: date,
        seq: int,
        relink: Relink | None = None,
    ) -> None:
        """Store an incident read back from an export as it was, in one transaction: its id,
        version and threads, its events in this order, its deliveries with their states.

        Each delivery's `event_id` is the 1-based position of its event in `events`; it is
        replaced by the stored event's id, as the events' and deliveries' ids are set. When
        another incident holds the id or `(day, seq)`, nothing is stored and `IncidentIdTaken`
        is raised. `relink(deliveries)`, called once they are stored, returns the events whose
        data it made name them by their stored ids; that data is stored.
        """
        ...

    def record_reminder(
        self,
        mark: ReminderMark,
        incident: Incident,
        events: Sequence[TimelineEvent],
        deliveries: Sequence[Delivery],
    ) -> bool:
        """Remember `mark` with the reminder's events and their deliveries in one transaction
        (the incident row is not written); False, and nothing stored, when a reminder of the
        same incident, kind and slot is stored already: another run sent it."""
        ...

    def reminded(self, incident_id: str) -> list[ReminderMark]:
        """The reminders stored for an incident, oldest first."""
        ...

    def first_sent(
        self, channels: Collection[str], incident_ids: Collection[str]
    ) -> dict[str, datetime]:
        """Incident id -> the earliest `sent_at` of its deliveries in state `sent` to one of
        `channels` (when its first public message was accepted); incidents without one are
        absent."""
        ...

    def close(self) -> None: ...

    def reopened(self) -> Store:
        """A new connection to the same database, for a forked process: a connection a fork
        inherited must not be used there (nor closed: PostgreSQL would end the parent's
        session)."""
        ...

    # -- scheduled maintenance (migration m007) ----------------------------------------------

    def next_maintenance_sequence(self, day: date) -> int:
        """The day's next maintenance sequence number (1-based), as `next_sequence`."""
        ...

    def create_maintenance(
        self,
        item: Maintenance,
        notices: Sequence[MaintenanceNotice],
        *,
        day: date,
        seq: int,
    ) -> Maintenance:
        """Store a new window and its notices in one transaction; `IncidentIdTaken` when another
        window holds its id or `(day, seq)`. Sets each notice delivery's ids."""
        ...

    def record_maintenance(self, item: Maintenance, notices: Sequence[MaintenanceNotice]) -> None:
        """Save the window's new state with new notices in one transaction, versioned like
        `record` (`IncidentChanged` when another writer stored a newer version)."""
        ...

    def get_maintenance(self, maintenance_id: str) -> Maintenance | None: ...

    def list_maintenances(
        self,
        *,
        organization: str | None = None,
        statuses: Collection[MaintenanceStatus] | None = None,
    ) -> list[Maintenance]:
        """Soonest start first; an organization's (with those recorded without one), some
        statuses only."""
        ...

    def maintenance_notices(
        self,
        *,
        maintenance_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
    ) -> list[MaintenanceNotice]:
        """Oldest first: one window's, some delivery states."""
        ...

    def update_maintenance_delivery(self, delivery: Delivery) -> None:
        """`update_delivery` for a notice's delivery."""
        ...

    def claim_maintenance_notices(
        self, ids: Sequence[int], now: datetime
    ) -> list[MaintenanceNotice]:
        """`claim_deliveries` for notices' deliveries."""
        ...

    def set_maintenance_thread(self, maintenance_id: str, channel: str, remote_id: str) -> None:
        """`set_thread` for a window."""
        ...
