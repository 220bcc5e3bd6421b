"""The one small interface every state backend implements (SQLite now, PostgreSQL later)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

from incidentctl.model.records import Delivery, DeliveryState, Incident, TimelineEvent

# Builds an incident id from the day and that day's sequence number (1-based).
IdFactory = Callable[[date, int], str]


class Store(Protocol):
    """State backend. Every write is one transaction: incident, event and deliveries together."""

    def create_incident(
        self,
        make_id: IdFactory,
        day: date,
        incident: Incident,
        event: TimelineEvent,
        deliveries: Sequence[Delivery],
    ) -> Incident:
        """Allocate the next id for `day`, then store incident + event + deliveries atomically.

        Sets `incident.id`, `event.incident_id`/`event.id` and each delivery's ids; returns the
        incident.
        """
        ...

    def record(
        self, incident: Incident, events: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
    ) -> None:
        """Save the incident's new state with new events and their deliveries in one transaction.

        Deliveries attach to the last event in `events` unless their `event_id` is already set.
        """
        ...

    def get_incident(self, incident_id: str) -> Incident | None: ...

    def list_incidents(self, *, open_only: bool = False) -> list[Incident]:
        """Most recently declared first."""
        ...

    def timeline(self, incident_id: str) -> list[TimelineEvent]:
        """Oldest first."""
        ...

    def deliveries(
        self,
        *,
        incident_id: str | None = None,
        states: Iterable[DeliveryState] | None = None,
    ) -> list[Delivery]:
        """Oldest first."""
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

    def close(self) -> None: ...
