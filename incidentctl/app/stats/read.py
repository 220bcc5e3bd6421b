"""Reading what the figures need from the store, in a few queries whatever the history's size:
the organization's incident rows, then the timelines and first public deliveries of only the
incidents the report measures, and the timelines of those the availability windows touch."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import suppress
from datetime import datetime, timedelta

from incidentctl.app.site.record import public_channels
from incidentctl.app.site.uptime import Segment, local_midnight, maintenance_segments
from incidentctl.app.stats.aggregate import months_between
from incidentctl.app.stats.availability import WINDOWS, component_availability
from incidentctl.app.stats.facts import Facts, fold, segments_of
from incidentctl.app.stats.figures import Rules, measure
from incidentctl.app.stats.report import Report, build_report
from incidentctl.errors import StateError
from incidentctl.model.records import Incident
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store


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
    facts = read_facts(store, {i.id for i in chosen} | {i.id for i in touching})
    first_public = store.first_sent(public, [i.id for i in chosen])
    figures = [measure(i, facts[i.id], first_public.get(i.id), rules, end) for i in chosen]
    found: list[Segment] = []
    for incident in touching:
        found += segments_of(facts[incident.id], incident, end)
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


# the name `stats` keeps its digests under: a new fold, a new name (the old ones are ignored)
DIGEST = "stats-facts-1"
NO_EVENTS = fold([])


def read_facts(store: Store, incident_ids: Collection[str]) -> dict[str, Facts]:
    """Incident id -> the facts of its timeline, for each of `incident_ids`: the digest kept
    for it while its last event is the one it was folded through, else folded from its
    moments and kept for the next run. A store that refuses the write (read-only) costs the
    fold again next time, nothing else."""
    last = store.last_event_ids(incident_ids)  # read first: an event added meanwhile is refolded
    found: dict[str, Facts] = {}
    for incident_id, (through, body) in store.digests(DIGEST, incident_ids).items():
        facts = Facts.from_text(body) if last.get(incident_id) == through else None
        if facts is not None:
            found[incident_id] = facts
    stale = [i for i in incident_ids if i not in found]
    if not stale:
        return found
    moments = store.moments(stale)
    fresh = {i: fold(moments[i]) if i in moments else NO_EVENTS for i in stale}
    found.update(fresh)
    kept = {i: (last[i], facts.to_text()) for i, facts in fresh.items() if i in last}
    with suppress(StateError):
        store.keep_digests(DIGEST, kept)
    return found
