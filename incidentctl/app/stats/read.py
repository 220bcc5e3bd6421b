"""Reading what the figures need from the store, in a few queries whatever the history's size:
the organization's incident rows, then the timelines and first public deliveries of only the
incidents the report measures, and the timelines of those the availability windows touch."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from incidentctl.app.site.record import public_channels
from incidentctl.app.site.uptime import Segment, local_midnight, maintenance_segments, segments
from incidentctl.app.stats.aggregate import months_between
from incidentctl.app.stats.availability import WINDOWS, component_availability
from incidentctl.app.stats.figures import Rules, measure
from incidentctl.app.stats.report import Report, build_report
from incidentctl.model.records import EventKind, Incident, Moment, TimelineEvent
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store
from incidentctl.store.rows import from_text


def read_report(
    store: Store,
    playbook: Playbook,
    now: datetime,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Report:
    """The figures of the incidents whose impact started in [`since`, `until`), and the
    availability over the windows ending at `until` (else now)."""
    org = playbook.organization.name
    tz = playbook.organization.tz
    end = min(until, now) if until is not None else now
    rules = Rules.of(playbook)
    rows = store.list_incidents(organization=org)
    chosen = [
        i
        for i in rows
        if (since is None or i.impact_start >= since) and (until is None or i.impact_start < until)
    ]
    # availability counts what the status site counts: incidents told on a public channel
    today = (end - timedelta(microseconds=1)).astimezone(tz).date()
    horizon = local_midnight(today - timedelta(days=max(WINDOWS) - 1), tz)
    public = public_channels(playbook)
    told = {incident_id for incident_id, _, _ in store.announced(public, organization=org)}
    touching = [
        i
        for i in rows
        if i.id in told
        and i.impact_start < end
        and (i.resolved_at is None or i.resolved_at > horizon)
    ]
    timelines = store.moments({i.id for i in chosen} | {i.id for i in touching})
    first_public = store.first_sent(public, [i.id for i in chosen])
    figures = [
        measure(i, timelines.get(i.id, []), first_public.get(i.id), rules, end) for i in chosen
    ]
    found: list[Segment] = []
    for incident in touching:
        found += segments(incident, _segment_events(timelines.get(incident.id, [])), end)
    # planned works as the site counts them: maintenance, and only their overrun as an outage
    found += maintenance_segments(store.list_maintenances(organization=org), end)
    return build_report(
        playbook,
        figures,
        _months(chosen, since, end, rules),
        component_availability(playbook, found, today, end),
        generated_at=now,
        since=since,
        until=until,
    )


def _months(
    chosen: list[Incident], since: datetime | None, end: datetime, rules: Rules
) -> list[str]:
    """Every month of the window: from `since` (else the first impact start) to its end."""
    starts = [i.impact_start for i in chosen]
    first = since if since is not None else min(starts, default=None)
    if first is None:
        return []
    last = max([end - timedelta(microseconds=1), *starts])
    return months_between(first.astimezone(rules.tz).date(), last.astimezone(rules.tz).date())


# what `segments` reads: the declared components, their changes and the resolution
SEGMENT_KINDS = {
    kind.value: kind
    for kind in (EventKind.DECLARED, EventKind.COMPONENT_CHANGE, EventKind.RESOLVED)
}


def _segment_events(moments: list[Moment]) -> list[TimelineEvent]:
    """The events `segments` reads, from the moments: a few per incident."""
    found: list[TimelineEvent] = []
    for moment in moments:
        kind = SEGMENT_KINDS.get(moment.kind)
        if kind is None:
            continue
        data: dict[str, object] = {}
        if moment.components is not None:
            data["components"] = json.loads(moment.components)
        if moment.component is not None:
            data["component"], data["to"] = moment.component, moment.to
        at = from_text(moment.at)
        found.append(TimelineEvent(moment.incident_id, kind, at, data=data))
    return found
