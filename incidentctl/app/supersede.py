"""Superseded deliveries: once an incident moved on, only a channel's latest message matters.

A channel that was down while the incident went from investigating to resolved must not get
the stale stages in order when it comes back: `retry` sends the latest delivery per channel and
incident, and marks the earlier ones `superseded` (not sent). On a channel that threads, the
latest then opens the thread if no earlier message did (a Statuspage incident is created with
the latest stage's text).
"""

from __future__ import annotations

from collections.abc import Iterable

from incidentctl.app.workspace import Workspace
from incidentctl.model.records import Delivery, DeliveryState


def latest_per_channel(deliveries: Iterable[Delivery]) -> dict[str, Delivery]:
    """Channel -> its latest delivery (highest id) among `deliveries` not already superseded."""
    latest: dict[str, Delivery] = {}
    for delivery in deliveries:
        if delivery.state is DeliveryState.SUPERSEDED:
            continue
        current = latest.get(delivery.channel)
        if current is None or (delivery.id or 0) > (current.id or 0):
            latest[delivery.channel] = delivery
    return latest


def supersede(ws: Workspace, delivery: Delivery, later: Delivery, *, maybe_out: bool) -> None:
    """Record that `later` replaces `delivery`, which is not sent (again); `maybe_out`: an
    earlier attempt may have delivered it, which the note keeps saying."""
    delivery.state = DeliveryState.SUPERSEDED
    delivery.error = f"superseded by the later {later.stage.value} message" + (
        "; it may have gone out before" if maybe_out else ": not sent"
    )
    delivery.updated_at = ws.now()
    ws.store.update_delivery(delivery)
