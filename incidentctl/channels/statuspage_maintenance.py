"""Statuspage scheduled incidents: a maintenance window is one scheduled incident, created
when it is scheduled and patched at each stage (in progress, extended, completed, cancelled).

Created with `scheduled_for`/`scheduled_until`, `scheduled_remind_prior` (Statuspage then
reminds its subscribers itself: our reminder notices are not posted there) and
`scheduled_auto_in_progress`/`scheduled_auto_completed` (the playbook's
`maintenance.statuspage_auto_transitions`, off by default: `maintenance start` and `complete`
move it). Its components go `under_maintenance` while it runs and, after, back to an open
incident's status (else `operational`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from incidentctl.channels.base import Outgoing, SendResult
from incidentctl.model.maintenance import MaintenanceSnapshot, NoticeStage
from incidentctl.model.records import ComponentStatus

if TYPE_CHECKING:
    from incidentctl.channels.statuspage import StatuspageChannel

# our notice stage -> the scheduled incident's status on Statuspage
SCHEDULED_STATUS = {
    NoticeStage.SCHEDULED: "scheduled",
    NoticeStage.REMINDER: "scheduled",
    NoticeStage.IN_PROGRESS: "in_progress",
    NoticeStage.EXTENDED: "in_progress",
    NoticeStage.COMPLETED: "completed",
    NoticeStage.CANCELLED: "completed",
    NoticeStage.RESCHEDULED: "scheduled",
}
RUNNING = (NoticeStage.IN_PROGRESS, NoticeStage.EXTENDED)


def _utc(shot: MaintenanceSnapshot) -> tuple[str, str]:
    def stamp(moment: Any) -> str:
        return str(moment.isoformat()).replace("+00:00", "Z")

    return stamp(shot.scheduled_for), stamp(shot.scheduled_until)


def scheduled_fields(
    channel: StatuspageChannel, outgoing: Outgoing, shot: MaintenanceSnapshot
) -> dict[str, Any]:
    """The request's `incident` object for this notice."""
    start, end = _utc(shot)
    fields: dict[str, Any] = {
        "status": SCHEDULED_STATUS[shot.stage],
        "body": outgoing.message.text,
        "impact_override": "maintenance",
        "scheduled_for": start,
        "scheduled_until": end,
    }
    known = channel.settings.components
    mapped = {known[c]: c for c in shot.components if c in known}
    if mapped:
        fields["component_ids"] = list(mapped)
        if shot.stage is not NoticeStage.SCHEDULED:
            # after the works: back to what an open incident says, else operational
            fields["components"] = {
                remote: "under_maintenance"
                if shot.stage in RUNNING
                else shot.after.get(ours, ComponentStatus.OPERATIONAL).value
                for remote, ours in mapped.items()
            }
    if channel.settings.deliver_notifications is not None:
        fields["deliver_notifications"] = channel.settings.deliver_notifications
    return fields


def send_scheduled(
    channel: StatuspageChannel, outgoing: Outgoing, shot: MaintenanceSnapshot
) -> SendResult:
    """Create the scheduled incident, or patch it; a reminder is Statuspage's own job."""
    from incidentctl.channels.statuspage import METADATA_KEY, incident_name

    if shot.stage is NoticeStage.REMINDER and outgoing.thread is not None:
        return SendResult(remote_id=outgoing.thread, notes=("Statuspage sends its own reminders",))
    fields = scheduled_fields(channel, outgoing, shot)
    if outgoing.thread is None:
        fields["name"] = incident_name(outgoing.incident)
        fields["metadata"] = {METADATA_KEY: {"maintenance_id": shot.id, "uid": shot.uid}}
        fields["scheduled_remind_prior"] = shot.reminds
        fields["scheduled_auto_in_progress"] = shot.auto_transitions
        fields["scheduled_auto_completed"] = shot.auto_transitions
    return channel.write_incident(outgoing, fields)
