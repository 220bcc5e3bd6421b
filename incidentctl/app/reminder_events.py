"""Telling a reminder's deliveries from an incident's messages.

A reminder (`incidentctl remind`) is a delivery to an internal channel like any other, so
`retry` re-sends it when it failed; but it is not part of the incident's story: it does not make
its channel one that "was told" (and keeps getting updates), and a later update on the channel
does not supersede it, nor it the update.
"""

from __future__ import annotations

from collections.abc import Iterable

from incidentctl.model.records import Delivery, EventKind, TimelineEvent


def reminder_event_ids(events: Iterable[TimelineEvent]) -> set[int]:
    """The ids of the reminder events among `events`."""
    return {e.id for e in events if e.kind is EventKind.REMINDER and e.id is not None}


def is_reminder(delivery: Delivery, reminder_events: set[int]) -> bool:
    return delivery.event_id in reminder_events
