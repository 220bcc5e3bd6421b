"""Which deliveries of a correction replace a message in place, as its event records it."""

from __future__ import annotations

from incidentctl.model.records import EventKind, TimelineEvent

# a correction's event data: channel -> {"remote_id": the message edited in place,
# "delivery": the delivery that first sent it}
EDITS_KEY = "edits"


def edited_message(event: TimelineEvent | None, channel: str) -> str | None:
    """The remote id of the message a delivery of `event` to `channel` replaces, if it does."""
    if event is None or event.kind is not EventKind.CORRECTION:
        return None
    edit = (event.data.get(EDITS_KEY) or {}).get(channel)
    remote = edit.get("remote_id") if isinstance(edit, dict) else None
    return str(remote) if remote else None
