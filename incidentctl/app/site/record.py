"""What the status site shows, read from the store: public incidents and their public updates.

An update is public when one of its deliveries went to a channel whose audience is `public`:
an update sent only to internal channels never reaches the site, nor does an incident none of
whose messages went to a public channel (its component history included).
"""

from __future__ import annotations

from collections.abc import Collection, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

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
from incidentctl.store.rows import from_text, to_text

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
    # the incidents the index, a feed or the API shows (not only their own page)
    shown: set[str] = field(default_factory=set)
    # the organization's maintenance windows, soonest first
    maintenances: list[Maintenance] = field(default_factory=list)
    # every incident of the history, held here or not: its version, and whether public
    versions: dict[str, Known] = field(default_factory=dict)
    # the history's months (`2026-11`) with a public incident, newest first
    listing: list[str] = field(default_factory=list)
    # the months whose every incident the record holds (None: every month)
    held: set[str] | None = None
    # the latest public update of the incidents a rebuild does not hold (the last build's)
    updated_before: datetime | None = None

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


class Previous(NamedTuple):
    """What the site in the folder was built from and holds, for a rebuild."""

    # every incident of the history as the last build recorded it (its manifest)
    incidents: Mapping[str, Known]
    # what it read of the resolved incidents it showed in full
    details: Mapping[str, Details]
    # the incidents whose page is in the folder
    pages: Collection[str]
    # its history months, newest first, and those whose page is in the folder
    months: Sequence[str]
    month_pages: Collection[str]
    # the latest public update it told of
    updated: datetime | None = None


def month_of(at: datetime, tz: ZoneInfo) -> str:
    """`2026-11`: the month of the organization's calendar `at` falls in."""
    local = at.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"  # no strftime: thousands of them


def month_span(month: str, tz: ZoneInfo) -> tuple[str, str]:
    """The month's first and next month's first moment, as stored text (UTC)."""
    year, number = int(month[:4]), int(month[5:])
    after = (year + 1, 1) if number == 12 else (year, number + 1)
    start = datetime(year, number, 1, tzinfo=tz)
    return to_text(start), to_text(datetime(*after, 1, tzinfo=tz))


def read_record(
    store: Store, playbook: Playbook, now: datetime, previous: Previous | None = None
) -> SiteRecord:
    """The public part of the organization's history, as the site shows it.

    With `previous` (a rebuild), the record holds only what this build renders: the incidents
    that changed, those the index, a feed or the API shows, those whose page is missing, and
    every incident of the history months written again. Of the others only their head is read
    (`Store.incident_heads`). An unchanged resolved incident shown in full is taken from
    `previous.details` when they hold it at its version."""
    org = playbook.organization.name
    tz = playbook.organization.tz
    heads = store.incident_heads(organization=org)
    known: Mapping[str, Known] = previous.incidents if previous else {}
    details: Mapping[str, Details] = previous.details if previous else {}
    pages: Container[str] = previous.pages if previous else ()
    cut = to_text(now - WINDOW)
    # first what changed since the last build (everything, on a first build), read in full:
    # whether each is public is known before the latest of each component are counted
    changed_ids = []
    changed: set[str] = set()  # their months
    for head in heads:
        before = known.get(head.id)
        if before is None or before.version != head.version or head.open:
            changed_ids.append(head.id)
            if previous is not None:
                changed.add(month_of(from_text(head.declared_at), tz))
    rows = store.incidents(changed_ids)
    items = _read_full(store, playbook, now, list(rows.values()), details, known)
    versions: dict[str, Known] = {}
    counts: dict[str, int] = {}
    full: list[str] = []  # the unchanged this build reads in full, in the history's order
    shown: set[str] = set()
    for head in heads:
        if head.id in rows:
            public = head.id in items
            versions[head.id] = Known(rows[head.id].version, public)
            if not public:
                continue
        else:
            before = known[head.id]
            versions[head.id] = before
            if not before.public:
                continue
        recent = head.resolved_at is None or head.resolved_at > cut
        listed = False
        for name in ("", *head.components):
            seen = counts.get(name, 0)
            listed = listed or seen < LATEST
            counts[name] = seen + 1
        if recent or listed:
            shown.add(head.id)
            if head.id not in rows:
                full.append(head.id)
        elif head.id not in rows and head.id not in pages:
            full.append(head.id)  # its page is missing
    more = store.incidents(full)
    rows |= more
    items |= _read_full(store, playbook, now, list(more.values()), details, known)
    listing = {month_of(i.incident.declared_at, tz) for i in items.values()}
    held: set[str] | None = None
    if previous is not None:
        listing |= set(previous.months)
        if sorted(listing, reverse=True) == list(previous.months):
            held = changed | {m for m in listing if m not in previous.month_pages}
    # every incident of the months written again, read for its line there
    spans = [month_span(m, tz) for m in held] if held is not None else None
    extra = [
        head.id
        for head in heads
        if head.id not in items
        and versions[head.id].public
        and (spans is None or any(lo <= head.declared_at < hi for lo, hi in spans))
    ]
    more = store.incidents([i for i in extra if i not in rows]) if extra else {}
    for incident_id in extra:
        incident = rows.get(incident_id) or more.get(incident_id)
        if incident is not None:
            items[incident_id] = SiteIncident(incident, [], [], detailed=False)
    record = SiteRecord(
        playbook,
        now,
        maintenances=store.list_maintenances(organization=org),
        shown=shown,
        versions=versions,
        listing=sorted(listing, reverse=True),
        held=held,
        updated_before=previous.updated if previous else None,
    )
    record.incidents = [items[head.id] for head in heads if head.id in items]
    return record


def _read_full(
    store: Store,
    playbook: Playbook,
    now: datetime,
    incidents: Sequence[Incident],
    details: Mapping[str, Details],
    known: Mapping[str, Known],
) -> dict[str, SiteIncident]:
    """Id -> the public incidents of `incidents` read in full, from `details` when they hold
    an unchanged resolved one at its version, else from the store (the private ones left out)."""
    org = playbook.organization.name
    found: dict[str, SiteIncident] = {}
    fresh: list[Incident] = []
    for incident in incidents:
        kept = details.get(incident.id)
        if (
            kept is not None
            and kept.version == incident.version
            and not incident.is_open
            and known.get(incident.id) == Known(incident.version, True)
        ):
            item = SiteIncident(
                incident, kept.updates, kept.segments, kept.postmortem_url, kept.postmortem
            )
            item.details = kept
            found[incident.id] = item
        else:
            fresh.append(incident)
    said = _announced(store, org, public_channels(playbook), fresh)
    timelines = store.timelines([i.id for i in fresh if i.id in said])
    for incident in fresh:
        events = timelines.get(incident.id, [])
        told = said.get(incident.id, {})
        updates = public_updates(events, told, {})
        if not updates:
            continue
        postmortem = next(
            (
                str(e.data["url"])
                for e in reversed(events)
                if e.kind is EventKind.POSTMORTEM_WRITTEN and e.data.get("url")
            ),
            None,
        )
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
        found[incident.id] = SiteIncident(
            incident, updates, segments(incident, events, now), postmortem, document
        )
    return found


def _announced(
    store: Store, organization: str, public: set[str], incidents: Sequence[Incident]
) -> dict[str, dict[int, Stage]]:
    """Incident id -> (event id -> stage) of the events that went to a public channel."""
    said: dict[str, dict[int, Stage]] = {}
    told = store.announced(public, organization=organization, incidents=[i.id for i in incidents])
    for incident_id, event_id, stage in told:
        said.setdefault(incident_id, {})[event_id] = stage
    return said
