"""Which deliveries of a correction replace a message in place, as its event records it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace

from incidentctl.model.records import Delivery, EventKind, TimelineEvent

# a correction's event data: channel -> {"remote_id": the message edited in place,
# "delivery": the delivery that first sent it} — its row id in a store, its place among the
# incident's deliveries in a record file
EDITS_KEY = "edits"


def edited_message(event: TimelineEvent | None, channel: str) -> str | None:
    """The remote id of the message a delivery of `event` to `channel` replaces, if it does."""
    if event is None or event.kind is not EventKind.CORRECTION:
        return None
    edit = (event.data.get(EDITS_KEY) or {}).get(channel)
    remote = edit.get("remote_id") if isinstance(edit, dict) else None
    return str(remote) if remote else None


def _relinked(
    timeline: Sequence[TimelineEvent], relink: Callable[[object], int | None]
) -> list[TimelineEvent]:
    """The corrections of `timeline` whose edits name a delivery, each edit's `delivery`
    replaced by `relink(delivery)`, in place."""
    changed: list[TimelineEvent] = []
    for event in timeline:
        edits = event.data.get(EDITS_KEY) if event.kind is EventKind.CORRECTION else None
        if not isinstance(edits, dict):
            continue
        named = [edit for edit in edits.values() if isinstance(edit, dict) and "delivery" in edit]
        for edit in named:
            edit["delivery"] = relink(edit["delivery"])
        if named:
            changed.append(event)
    return changed


def edits_by_place(
    timeline: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
) -> list[TimelineEvent]:
    """The timeline for a record file: an edit names the delivery that first sent the message
    by its 1-based place among `deliveries`, as row ids are per store."""
    places = {d.id: n for n, d in enumerate(deliveries, start=1) if d.id is not None}
    copies = [replace(event, data=copy.deepcopy(event.data)) for event in timeline]
    _relinked(copies, lambda row: places.get(row) if isinstance(row, int) else None)
    return copies


def edits_by_id(
    timeline: Sequence[TimelineEvent], deliveries: Sequence[Delivery]
) -> list[TimelineEvent]:
    """Back from a record file: each edit's delivery place made the stored delivery's id (the
    deliveries stored, in the file's order); the events changed are returned."""

    def stored_id(place: object) -> int | None:
        if isinstance(place, int) and 1 <= place <= len(deliveries):
            return deliveries[place - 1].id
        return None

    return _relinked(timeline, stored_id)
