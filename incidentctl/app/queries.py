"""Read-only views: list, status, show — plain data for tables and `--json`.

Times are shown in the incident's own organization's timezone (recorded when it was declared),
else the current playbook's, else UTC. `list` and `status` show only the current playbook's
organization's incidents unless asked for every organization.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidentctl.model.durations import format_duration
from incidentctl.model.records import (
    Delivery,
    DeliveryState,
    EventKind,
    Incident,
    TimelineEvent,
)
from incidentctl.playbook.identity import Identity, read_identity
from incidentctl.render.relative import ago
from incidentctl.store import open_store
from incidentctl.store.base import Store

# a delivery still pending or sending after this long is stuck: nothing is moving it along
STUCK_AFTER = timedelta(minutes=5)
NEEDS_ATTENTION = (DeliveryState.FAILED, DeliveryState.UNCERTAIN)
IN_FLIGHT = (DeliveryState.PENDING, DeliveryState.SENDING)


def zone(name: str | None, fallback: tzinfo) -> tzinfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return fallback


def local_time(moment: datetime, tz: tzinfo, now: datetime) -> str:
    """`14:05 CET` today in that zone, `Tue 2 Dec 00:13 CET` on another day."""
    local = moment.astimezone(tz)
    name = local.tzname() or str(tz)
    if local.date() == now.astimezone(tz).date():
        return f"{local:%H:%M} {name}"
    return f"{local:%a} {local.day} {local:%b %H:%M} {name}"


def countdown(delta: timedelta) -> str:
    """Whole minutes, rounded up: "in 30m" right after sending, not "in 29m"."""
    return format_duration(timedelta(minutes=math.ceil(delta.total_seconds() / 60)))


@dataclass(frozen=True)
class UpdateTiming:
    """When an incident's next update is due (None once resolved), and whether it is late."""

    due: datetime | None
    overdue: bool


def update_timing(incident: Incident, now: datetime) -> UpdateTiming:
    """The cadence as `status --check` and `remind` judge it."""
    due = incident.next_update_due if incident.is_open else None
    return UpdateTiming(due, due is not None and now > due)


def incident_row(incident: Incident, now: datetime, tz: tzinfo = UTC) -> dict[str, Any]:
    # never negative: an update stamped by a clock a little ahead of this one
    since = max(now - incident.updated_at, timedelta(0))
    timing = update_timing(incident, now)
    due, overdue = timing.due, timing.overdue
    shown = zone(incident.timezone, tz)
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "category": incident.category or None,
        "organization": incident.organization or None,
        "timezone": str(shown),
        "impact": incident.impact,
        "workaround": incident.workaround,
        "eta": incident.eta,
        "declared_at": incident.declared_at.isoformat(),
        "declared_local": f"{incident.declared_at.astimezone(shown):%Y-%m-%d %H:%M %Z}",
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "last_update_at": incident.updated_at.isoformat(),
        "since_last_update": format_duration(since),
        "last_update_ago": ago(
            incident.updated_at, now, local_time(incident.updated_at, shown, now)
        ),
        "next_update_due": (
            incident.next_update_due.isoformat() if incident.next_update_due else None
        ),
        "next_update_local": local_time(due, shown, now) if due else None,
        "next_update_in": countdown(due - now) if due and not overdue else None,
        "overdue": overdue,
        "overdue_by": format_duration(now - due) if overdue and due else None,
        "components": {k: v.value for k, v in incident.components.items()},
        "roles": dict(incident.roles),
        "impact_started_at": (
            incident.impact_started_at.isoformat() if incident.impact_started_at else None
        ),
        "impact_started_local": (
            f"{incident.impact_started_at.astimezone(shown):%Y-%m-%d %H:%M %Z}"
            if incident.impact_started_at
            else None
        ),
    }


def event_row(event: TimelineEvent, tz: tzinfo) -> dict[str, Any]:
    data = {k: v for k, v in event.data.items() if k not in ("snapshot", "event")}
    return {
        "at": event.at.isoformat(),
        "local_time": event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "kind": event.kind.value,
        "message": event.message,
        "data": data,
    }


def report_row(event: TimelineEvent, tz: tzinfo) -> dict[str, Any]:
    """A customer report the support desk linked (`incidentctl report`)."""
    return {
        "ticket": str(event.data.get("ticket") or event.message),
        "customer": str(event.data.get("customer") or ""),
        "channel": str(event.data.get("via") or ""),
        "at": event.at.isoformat(),
        "local_time": event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
    }


def delivery_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "channel": delivery.channel,
        "type": delivery.channel_type,
        "stage": delivery.stage.value,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        "remote_id": delivery.remote_id,
        "link": delivery.link,
        "error": delivery.error,
        "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
    }


def current_identity(env: Mapping[str, str], playbook: Path | None = None) -> Identity | None:
    """The organization of the playbook the command would use, if there is one to read."""
    from incidentctl.playbook.location import find_playbook

    return read_identity(find_playbook(playbook, env))


def is_stuck(delivery: Delivery, now: datetime) -> bool:
    if delivery.state in NEEDS_ATTENTION:
        return True
    since = delivery.updated_at or delivery.created_at
    return delivery.state in IN_FLIGHT and since is not None and now - since > STUCK_AFTER


def open_named_store(env: Mapping[str, str], playbook: Path | None = None) -> Store:
    """The store the command's playbook (or `$INCIDENTCTL_DATABASE_URL`) names."""
    from incidentctl.app.database import resolve_database_url

    identity = current_identity(env, playbook)
    written = identity.database_url if identity is not None else None
    return open_store(None, env, database_url=resolve_database_url(written, env))


def _viewer(env: Mapping[str, str], every_organization: bool) -> tuple[str | None, tzinfo]:
    """Whose incidents `list` and `status` show (None: everyone's) and in which timezone."""
    identity = None if every_organization else current_identity(env)
    return (
        identity.organization if identity else None,
        zone(identity.timezone if identity else None, UTC),
    )


# `list` shows this many of the newest incidents unless asked for every one
LIST_LIMIT = 50


@dataclass(frozen=True)
class Listing:
    """`list`: the rows shown and how many incidents match in all."""

    rows: list[dict[str, Any]]
    total: int


def parse_since(text: str, tz: tzinfo, now: datetime, option: str = "--since") -> datetime:
    """`--since` (or `option`): `7d`, `12h`, `90m` ago, or a date or time (`2026-11-30`,
    `2026-11-30 08:00`, ISO 8601 with offset); without an offset, in the organization's
    timezone."""
    from incidentctl.errors import UsageError
    from incidentctl.model.durations import parse_duration

    value = text.strip()
    try:
        return now - parse_duration(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: give a duration (7d, 12h, 90m) or a date or time "
            "(2026-11-30, 2026-11-30 08:00, 2026-11-30T08:00+01:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def list_view(
    env: Mapping[str, str],
    *,
    open_only: bool = False,
    every_organization: bool = False,
    severity: str | None = None,
    since: str | None = None,
    limit: int | None = LIST_LIMIT,
    now: datetime | None = None,
) -> Listing:
    """`list`: the newest `limit` incidents (all with None) matching the filters, which the
    store applies: the cost follows what is shown, not the size of the history."""
    organization, tz = _viewer(env, every_organization)
    moment = now or datetime.now(UTC)
    filters: dict[str, Any] = {
        "open_only": open_only,
        "organization": organization,
        "severity": severity.strip() if severity else None,
        "declared_since": parse_since(since, tz, moment) if since else None,
    }
    store = open_named_store(env)
    incidents = store.list_incidents(**filters, limit=None if limit is None else limit + 1)
    total = len(incidents)
    if not incidents and filters["severity"]:
        _check_severity(env, filters["severity"])
    if limit is not None and total > limit:
        incidents = incidents[:limit]
        total = store.count_incidents(**filters)
    return Listing([incident_row(i, moment, tz) for i in incidents], total)


def _check_severity(env: Mapping[str, str], severity: str) -> None:
    """`--severity` matched nothing: refused when the playbook has no such severity (read
    only then: `list` does not validate the playbook otherwise)."""
    from incidentctl.app.export import playbook_severities
    from incidentctl.errors import UsageError

    known = playbook_severities(env, None)
    if known and severity not in known:
        raise UsageError(
            f"--severity {severity!r}: not a severity of the playbook (known: {', '.join(known)})"
        )


def status_rows(
    env: Mapping[str, str],
    *,
    every_organization: bool = False,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """`status`: the open incidents as rows, most recent first (no playbook validation), each
    with its deliveries that failed, are uncertain or have not moved for `STUCK_AFTER`
    (`stuck`)."""
    organization, tz = _viewer(env, every_organization)
    store = open_named_store(env)
    moment = now or datetime.now(UTC)
    incidents = store.list_incidents(open_only=True, organization=organization)
    rows = [incident_row(i, moment, tz) for i in incidents]
    stuck: dict[str, list[dict[str, Any]]] = {}
    states = (*NEEDS_ATTENTION, *IN_FLIGHT)
    for delivery in store.deliveries(states=states, organization=organization):
        if is_stuck(delivery, moment):
            stuck.setdefault(delivery.incident_id, []).append(delivery_row(delivery))
    for row in rows:
        row["stuck"] = stuck.get(row["id"], [])
    return rows


# `status` looks this far back for public postmortems still owed
POSTMORTEM_LOOKBACK = 50


def postmortems_owed(
    env: Mapping[str, str], *, every_organization: bool = False, now: datetime | None = None
) -> list[dict[str, Any]]:
    """`status`: the latest resolved incidents whose severity requires a public postmortem
    (recorded on their resolution) not published yet, with how long since they were resolved."""
    from incidentctl.model.records import EventKind

    organization, tz = _viewer(env, every_organization)
    store = open_store(None, env)
    moment = now or datetime.now(UTC)
    resolved = store.list_incidents(
        resolved_only=True, organization=organization, limit=POSTMORTEM_LOOKBACK
    )
    # the events' kinds and the one key read, not their data parsed (50 timelines: 7 ms)
    timelines = store.moments([i.id for i in resolved])
    owed = []
    for incident in resolved:
        events = timelines.get(incident.id, [])
        required = any(e.kind == EventKind.RESOLVED and e.requires_postmortem for e in events)
        published = any(e.kind == EventKind.POSTMORTEM_PUBLISHED for e in events)
        if required and not published and incident.resolved_at is not None:
            owed.append(
                {
                    "id": incident.id,
                    "severity": incident.severity,
                    "title": incident.title,
                    "resolved_local": local_time(incident.resolved_at, tz, moment),
                    "since_resolved": format_duration(
                        max(moment - incident.resolved_at, timedelta(0))
                    ),
                }
            )
    return owed


def needs_attention(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """`status --check`: one line per incident overdue for an update or with a stuck delivery."""
    lines = []
    for row in rows:
        reasons = []
        if row["overdue"]:
            reasons.append(f"update overdue by {row['overdue_by']}")
        stuck = row.get("stuck") or []
        if stuck:
            channels = ", ".join(f"{d['channel']} {d['state']}" for d in stuck)
            reasons.append(f"deliveries not confirmed: {channels}")
        if reasons:
            lines.append(f"{row['id']}: {'; '.join(reasons)}")
    return lines


def incident_details(
    env: Mapping[str, str], incident_id: str, playbook: Path | None, now: datetime | None = None
) -> dict[str, Any]:
    """`show`: the incident with its timeline and its deliveries.

    Times are in the incident's recorded timezone, else the playbook's (a broken playbook given
    explicitly is an error), else UTC.
    """
    from incidentctl.app.lookup import find_incident

    store = open_named_store(env, playbook)
    identity = current_identity(env, playbook)
    incident = find_incident(
        store,
        incident_id,
        open_only=False,
        # a full id names any incident (reading is harmless); a short one searches our own
        organization=None,
    )
    fallback: tzinfo = ZoneInfo("UTC")
    if playbook is not None:  # given explicitly: a broken one is an error
        from incidentctl.playbook.loader import load_playbook
        from incidentctl.playbook.location import find_playbook

        fallback = load_playbook(find_playbook(playbook, env)).playbook.organization.tz
    elif identity is not None:
        fallback = zone(identity.timezone, fallback)
    tz = zone(incident.timezone, fallback)
    data = incident_row(incident, now or datetime.now(UTC), tz)
    timeline = store.timeline(incident.id)
    data["timeline"] = [event_row(e, tz) for e in timeline]
    data["customer_reports"] = [
        report_row(e, tz) for e in timeline if e.kind is EventKind.CUSTOMER_REPORT
    ]
    data["deliveries"] = [delivery_row(d) for d in store.deliveries(incident_id=incident.id)]
    return data
