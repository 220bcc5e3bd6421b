"""The one small interface every state backend implements (SQLite now, PostgreSQL later)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol

from incidentctl.model.records import Delivery, DeliveryState, Incident, Stage, TimelineEvent


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

    def update_delivery(self, delivery: Delivery) -> None:
        """Persist state, attempts, remote id, link, error and timestamps of one delivery."""
        ...

    def set_thread(self, incident_id: str, channel: str, remote_id: str) -> None:
        """Remember a channel's first remote id for an incident, unless one is already set."""
        ...

    def claim_deliveries(self, ids: Sequence[int], now: datetime) -> list[Delivery]:
        """Atomically move `pending`/`failed` deliveries to `sending`; return those claimed."""
        ...

    def timelines(self, incident_ids: Collection[str]) -> dict[str, list[TimelineEvent]]:
        """The timelines of many incidents at once, each oldest first (an incident without
        events is absent): `stats` reads thousands."""
        ...

    def first_sent(
        self, channels: Collection[str], incident_ids: Collection[str]
    ) -> dict[str, datetime]:
        """Incident id -> the earliest `sent_at` of its deliveries in state `sent` to one of
        `channels` (when its first public message was accepted); incidents without one are
        absent."""
        ...

    def close(self) -> None: ...
