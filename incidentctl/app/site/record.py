"""What the status site shows, read from the store: public incidents and their public updates.

An update is public when one of its deliveries went to a channel whose audience is `public`:
an update sent only to internal channels never reaches the site, nor does an incident none of
whose messages went to a public channel (its component history included).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from incidentctl.app.site.uptime import Segment, segments
from incidentctl.model.maintenance import Maintenance, MaintenanceStatus
from incidentctl.model.records import (
    ComponentStatus,
    EventKind,
    Incident,
    Stage,
    TimelineEvent,
)
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store

SPOKEN = (
    EventKind.DECLARED,
    EventKind.UPDATE,
    EventKind.RESOLVED,
    EventKind.REOPENED,
    EventKind.POSTMORTEM_PUBLISHED,
)
STATUSES = {status.value: status for status in ComponentStatus}


class Change(NamedTuple):
    """A component's status as one update moved it."""

    component: str
    old: ComponentStatus
    new: ComponentStatus


class PublicUpdate(NamedTuple):
    """An update told on a public channel (tuples: a large build makes 100,000s)."""

    id: int
    at: datetime
    stage: Stage
    message: str
    changes: tuple[Change, ...] = ()


@dataclass
class SiteIncident:
    incident: Incident
    # oldest first
    updates: list[PublicUpdate]
    segments: list[Segment]
    postmortem_url: str | None = None
    # the public postmortem (Markdown), once published on a public channel
    postmortem: str | None = None
    # read from the store for this build (False: unchanged since the last build and outside
    # what the index, feeds and API show; only its row was read, its page is kept)
    detailed: bool = True
    # what the last build read of it, when taken from there rather than from the store
    details: Details | None = None

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def updated_at(self) -> datetime:
        return self.updates[-1].at if self.updates else self.incident.updated_at

    @property
    def components(self) -> set[str]:
        return {s.component for s in self.segments} | set(self.incident.components)


@dataclass
class SiteRecord:
    """Everything a build reads, taken once so every page agrees."""

    playbook: Playbook
    now: datetime
    # most recently declared first
    incidents: list[SiteIncident] = field(default_factory=list)
    # id -> version of the incidents none of whose messages went to a public channel
    private: dict[str, int] = field(default_factory=dict)
    # the incidents the index, a feed or the API shows (not only their own page)
    shown: set[str] = field(default_factory=set)
    # the organization's maintenance windows, soonest first
    maintenances: list[Maintenance] = field(default_factory=list)

    @cached_property
    def active(self) -> list[SiteIncident]:
        return [i for i in self.incidents if i.incident.is_open]

    @cached_property
    def by_component(self) -> dict[str, list[SiteIncident]]:
        """Component id -> the incidents that touched it, most recently declared first."""
        found: dict[str, list[SiteIncident]] = {}
        for item in self.incidents:
            for name in item.components:
                found.setdefault(name, []).append(item)
        return found

    def details(self) -> dict[str, Details]:
        """What the next build may take from this one instead of the store: the details read
        of every resolved incident that the index, a feed or the API shows (the others are
        read in full again only when they change, and then from the store)."""
        return {
            i.id: i.details
            or Details(i.incident.version, i.updates, i.segments, i.postmortem_url, i.postmortem)
            for i in self.incidents
            if i.detailed and not i.incident.is_open and i.id in self.shown
        }

    def current_status(self) -> dict[str, ComponentStatus]:
        """Every playbook component's status now: the worst an open incident gives it."""
        from incidentctl.app.site.uptime import worst

        working = {
            c
            for m in self.maintenances
            if m.status is MaintenanceStatus.IN_PROGRESS
            for c in m.components
        }
        return {
            name: worst(
                [
                    *(
                        i.incident.components.get(name, ComponentStatus.OPERATIONAL)
                        for i in self.active
                    ),
                    *([ComponentStatus.UNDER_MAINTENANCE] if name in working else []),
                ]
            )
            for name in self.playbook.components
        }


def public_channels(playbook: Playbook) -> set[str]:
    return {name for name, c in playbook.channels.items() if c.audience == "public"}


def public_updates(
    events: Sequence[TimelineEvent], said: dict[int, Stage], before: dict[str, ComponentStatus]
) -> list[PublicUpdate]:
    """The events that went to a public channel (`said`: event id -> the stage it announced),
    with the component changes recorded with them."""
    found: list[PublicUpdate] = []
    status = dict(before)
    pending: list[Change] = []
    for event in events:
        if event.kind is EventKind.DECLARED:
            for name, value in (event.data.get("components") or {}).items():
                new = ComponentStatus(value)
                pending.append(Change(str(name), ComponentStatus.OPERATIONAL, new))
                status[str(name)] = new
        elif event.kind is EventKind.COMPONENT_CHANGE:
            name = str(event.data["component"])
            new = ComponentStatus(event.data["to"])
            pending.append(Change(name, status.get(name, ComponentStatus.OPERATIONAL), new))
            status[name] = new
        elif event.kind is EventKind.RESOLVED:
            for name, old in status.items():
                if old is not ComponentStatus.OPERATIONAL:
                    pending.append(Change(name, old, ComponentStatus.OPERATIONAL))
            status = dict.fromkeys(status, ComponentStatus.OPERATIONAL)
        if event.kind is EventKind.CORRECTION and found and event.id in said:
            # `correct` replaced the wording of the latest public message
            found[-1] = found[-1]._replace(message=event.message)
        if event.kind in SPOKEN:
            if event.id is not None and event.id in said:
                found.append(
                    PublicUpdate(event.id, event.at, said[event.id], event.message, tuple(pending))
                )
            pending = []
    return found


class Known(NamedTuple):
    """What the previous build recorded of an incident (the site's manifest; a tuple: a
    rebuild reads one per incident of the history)."""

    version: int
    public: bool


@dataclass(frozen=True)
class Details:
    """What a build read of a resolved incident beyond its row — its public updates, its
    component segments, its postmortem link — kept for the next build, which needs neither
    its timeline nor its deliveries again while the incident's version stays the same."""

    version: int
    updates: list[PublicUpdate]
    segments: list[Segment]
    postmortem_url: str | None
    postmortem: str | None = None
    # what `from_json` read: written back as it was, not encoded again
    source: Any = field(default=None, compare=False, repr=False)

    def to_json(self) -> Any:
        if self.source is not None:
            return self.source
        return [
            self.version,
            self.postmortem_url,
            [
                [u.id, u.at.isoformat(), u.stage.value, u.message,
                 [[c.component, c.old.value, c.new.value] for c in u.changes]]
                for u in self.updates
            ],
            [
                [g.component, g.start.isoformat(), g.end.isoformat(), g.status.value]
                for g in self.segments
            ],
            *([self.postmortem] if self.postmortem is not None else []),
        ]  # fmt: skip

    @classmethod
    def from_json(cls, incident_id: str, value: Any) -> Details:
        """Raises ValueError, KeyError, TypeError or IndexError on what no build wrote."""
        version, postmortem, updates, found, *document = value
        return cls(
            int(version),
            [
                PublicUpdate(
                    int(u[0]), datetime.fromisoformat(u[1]), Stage(u[2]), str(u[3]),
                    tuple(Change(str(c[0]), STATUSES[c[1]], STATUSES[c[2]]) for c in u[4]),
                )
                for u in updates
            ],
            [
                Segment(str(g[0]), datetime.fromisoformat(g[1]), datetime.fromisoformat(g[2]),
                        STATUSES[g[3]], incident_id)
                for g in found
            ],
            None if postmortem is None else str(postmortem),
            str(document[0]) if document else None,
            value,
        )  # fmt: skip


# the index shows 90 days, the feeds and the API the latest 50 incidents: an unchanged
# incident outside both needs only its row
WINDOW = timedelta(days=91)
LATEST = 50


def read_record(
    store: Store,
    playbook: Playbook,
    now: datetime,
    known: Mapping[str, Known] | None = None,
    details: Mapping[str, Details] | None = None,
) -> SiteRecord:
    """The public part of the organization's history, as the site shows it. With `known`
    (the previous build's manifest), an unchanged resolved incident is read in full only when
    the index, a feed or the API shows it, and then from `details` (what the previous build
    read of it) when they hold it at its version."""
    known = known or {}
    details = details or {}
    org = playbook.organization.name
    public = public_channels(playbook)
    incidents = store.list_incidents(organization=org)
    counts: dict[str, int] = {}
    wanted: list[Incident] = []
    plan: list[tuple[Incident, bool]] = []
    private: dict[str, int] = {}
    shown: set[str] = set()
    for incident in incidents:
        before = known.get(incident.id)
        unchanged = (
            before is not None and before.version == incident.version and not incident.is_open
        )
        if unchanged and before is not None and not before.public:
            private[incident.id] = incident.version
            continue
        recent = incident.resolved_at is None or now - incident.resolved_at < WINDOW
        listed = any(counts.get(c, 0) < LATEST for c in ["", *incident.components])
        for name in ["", *incident.components]:
            counts[name] = counts.get(name, 0) + 1
        full = not unchanged or recent or listed
        if recent or listed:
            shown.add(incident.id)
        plan.append((incident, full))
        cached = details.get(incident.id)
        if full and not (unchanged and cached is not None and cached.version == incident.version):
            wanted.append(incident)
    said = _announced(store, org, public, wanted)
    timelines = store.timelines([i.id for i in wanted if i.id in said])
    record = SiteRecord(
        playbook,
        now,
        private=private,
        maintenances=store.list_maintenances(organization=org),
        shown=shown,
    )
    asked = {i.id for i in wanted}
    for incident, full in plan:
        if not full:
            record.incidents.append(SiteIncident(incident, [], [], detailed=False))
            continue
        if incident.id not in asked:  # unchanged since the last build, which read it
            kept = details[incident.id]
            item = SiteIncident(
                incident, kept.updates, kept.segments, kept.postmortem_url, kept.postmortem
            )
            item.details = kept
            record.incidents.append(item)
            continue
        events = timelines.get(incident.id, [])
        updates = public_updates(events, said.get(incident.id, {}), {})
        if not updates:
            record.private[incident.id] = incident.version
            continue
        postmortem = next(
            (
                str(e.data["url"])
                for e in reversed(events)
                if e.kind is EventKind.POSTMORTEM_WRITTEN and e.data.get("url")
            ),
            None,
        )
        told = said.get(incident.id, {})
        document = next(
            (
                str(e.data["document"])
                for e in reversed(events)
                if e.kind is EventKind.POSTMORTEM_PUBLISHED
                and e.id in told
                and e.data.get("document")
            ),
            None,
        )
        record.incidents.append(
            SiteIncident(incident, updates, segments(incident, events, now), postmortem, document)
        )
    return record


def _announced(
    store: Store, organization: str, public: set[str], incidents: Sequence[Incident]
) -> dict[str, dict[int, Stage]]:
    """Incident id -> (event id -> stage) of the events that went to a public channel."""
    said: dict[str, dict[int, Stage]] = {}
    told = store.announced(public, organization=organization, incidents=[i.id for i in incidents])
    for incident_id, event_id, stage in told:
        said.setdefault(incident_id, {})[event_id] = stage
    return said
