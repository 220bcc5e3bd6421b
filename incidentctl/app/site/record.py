"""What the status site shows, read from the store: public incidents and their public updates.

An update is public when one of its deliveries went to a channel whose audience is `public`:
an update sent only to internal channels never reaches the site, nor does an incident none of
whose messages went to a public channel (its component history included).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Collection, Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from incidentctl.app.site.uptime import Segment, segments
from incidentctl.model.maintenance import Maintenance, MaintenanceStatus
from incidentctl.model.records import (
    ComponentStatus,
    EventKind,
    Incident,
    IncidentHead,
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


class SiteIncident:
    """A public incident as the site shows it: read from its timeline, or from its digest
    (`details`), whose parts are parsed only when a page asks for them. What every page asks
    of every incident (its id, version, state, times of declaration and resolution, the
    components it touched) comes from its head."""

    def __init__(
        self,
        head: IncidentHead,
        incident: Incident | None,
        updates: list[PublicUpdate] | None,
        segments: list[Segment] | None,
        postmortem_url: str | None = None,
        postmortem: str | None = None,
        *,
        detailed: bool = True,
        details: Details | None = None,
    ) -> None:
        self.head = head
        self._incident = incident
        self._updates = updates  # oldest first
        self._segments = segments
        self._postmortem_url = postmortem_url
        # the public postmortem (Markdown), once published on a public channel
        self._postmortem = postmortem
        # False: read for its line on a history page only (its page is kept)
        self.detailed = detailed
        self.details = details
        # the head's times, once parsed
        self._declared: datetime | None = None
        self._resolved: datetime | None = None

    @property
    def id(self) -> str:
        return self.head.id

    @property
    def incident(self) -> Incident:
        if self._incident is None:
            if self.details is None:
                raise ValueError(f"{self.head.id}: neither its row nor its digest was read")
            self._incident = self.details.row
        return self._incident

    @property
    def title(self) -> str:
        return self._incident.title if self._incident is not None else self.head.title

    @property
    def stage(self) -> Stage:
        if self._incident is not None:
            return self._incident.status
        return STAGES[self.head.stage]

    @property
    def version(self) -> int:
        return self._incident.version if self._incident is not None else self.head.version

    @property
    def is_open(self) -> bool:
        return self._incident.is_open if self._incident is not None else self.head.open

    @property
    def declared_at(self) -> datetime:
        if self._incident is not None:
            return self._incident.declared_at
        if self._declared is None:  # asked of each incident by every row of the index
            self._declared = from_text(self.head.declared_at)
        return self._declared

    @property
    def resolved_at(self) -> datetime | None:
        if self._incident is not None:
            return self._incident.resolved_at
        if self._resolved is None and self.head.resolved_at is not None:
            self._resolved = from_text(self.head.resolved_at)
        return self._resolved

    @property
    def updates(self) -> list[PublicUpdate]:
        if self._updates is None:
            self._updates = self.details.updates if self.details is not None else []
        return self._updates

    @property
    def segments(self) -> list[Segment]:
        if self._segments is None:
            self._segments = self.details.segments if self.details is not None else []
        return self._segments

    @property
    def postmortem_url(self) -> str | None:
        return self.details.postmortem_url if self.details is not None else self._postmortem_url

    @property
    def postmortem(self) -> str | None:
        return self.details.postmortem if self.details is not None else self._postmortem

    @property
    def updated_at(self) -> datetime:
        if self._updates is None and self.details is not None:
            return self.details.last or self.incident.updated_at
        return self.updates[-1].at if self.updates else self.incident.updated_at

    @property
    def touched(self) -> list[str]:
        """The components its segments touch, sorted (from its digest's first line when its
        segments are not read)."""
        if self._segments is None and self.details is not None:
            return list(self.details.touched)
        return sorted({g.component for g in self.segments})

    @property
    def components(self) -> set[str]:
        if self._incident is None:
            names = set(self.head.components)
        else:
            names = set(self._incident.components)
        if self._segments is None and self.details is not None:
            return set(self.details.touched) | names
        return {s.component for s in self.segments} | names


@dataclass
class SiteRecord:
    """Everything a build reads, taken once so every page agrees."""

    playbook: Playbook
    now: datetime
    # most recently declared first
    incidents: list[SiteIncident] = field(default_factory=list)
    # the organization's maintenance windows, soonest first
    maintenances: list[Maintenance] = field(default_factory=list)
    # the incident revision this record was read up to (`Store.incident_revision`)
    mark: int = 0
    # the incidents read again because they changed since the last build (or are open)
    changed: set[str] = field(default_factory=set)
    # "" (the whole site) and each component -> its latest public incidents, newest first
    latest: dict[str, list[str]] = field(default_factory=dict)
    # the history's months (`2026-11`) with a public incident, newest first
    listing: list[str] = field(default_factory=list)
    # the months whose every incident the record holds (None: every month)
    held: set[str] | None = None
    # the latest public update of every incident (None: there is none): of those read from
    # their timelines for this build, and of the others as the last build saw them
    updated: datetime | None = None
    # the resolved incidents the next build may show unchanged, for the manifest (`_window`),
    # and the cut of the 90 days it was taken at
    window: dict[str, Sequence[Any]] = field(default_factory=dict)
    cut: str = ""
    # reads at once the details of those incidents that the pages will ask for
    details: Callable[[Collection[str]], None] | None = None

    def read_details(self, incident_ids: Collection[str]) -> None:
        if self.details is not None:
            self.details(incident_ids)

    @cached_property
    def active(self) -> list[SiteIncident]:
        return [i for i in self.incidents if i.is_open]

    @cached_property
    def by_component(self) -> dict[str, list[SiteIncident]]:
        """Component id -> the incidents that touched it, most recently declared first."""
        found: dict[str, list[SiteIncident]] = {}
        for item in self.incidents:
            for name in item.components:
                found.setdefault(name, []).append(item)
        return found

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


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SpoiltDigest(ValueError):
    """A digest whose header read well but whose body does not: no build wrote it."""


class Details:
    """What a build read of a resolved incident beyond its row — its public updates, its
    component segments, its postmortem — kept in the store (a digest, named after the
    playbook's public channels) at the incident's version: a later build needs neither its
    timeline nor its deliveries again while the version stays the same. Its first line (the
    last public update's time, the components its segments touch) is read at once, the rest
    only when a page asks for it: a build shows thousands of incidents' bars, from a few
    dozen of them recomputed, and the updates of a few hundred."""

    def __init__(
        self,
        incident_id: str,
        version: int,
        touched: tuple[str, ...],
        rest: str | None,
        source: Callable[[str], str] | None = None,
        last: str | None = None,
    ) -> None:
        self.incident_id = incident_id
        self.version = version
        # the components its segments touch
        self.touched = touched
        # the rest, a JSON text per line, read when asked: the last public update's time and
        # the incident as the site shows it (its row at that version: a build reads no row of
        # an unchanged incident); its postmortem and segments; its public updates. None: not
        # read from the store yet, `source` reads it (a rebuild takes from the store only the
        # digests its pages read: the components they touch are in the last build's manifest)
        self._rest = rest
        self._source = source
        # the last public update's time as the manifest wrote it (no need to read the rest)
        self.last_text = last

    @cached_property
    def _lines(self) -> tuple[str, str, str]:
        rest = self._rest
        if rest is None:
            if self._source is None:
                raise SpoiltDigest(f"digest of {self.incident_id}: not read")
            rest = self._source(self.incident_id)
        # (`of_text` and `_Reader.fetch` take only a rest of three lines)
        second, body, told = rest.split("\n", 2)
        return second, body, told

    @property
    def second(self) -> str:
        return self._lines[0]

    @property
    def body(self) -> str:
        return self._lines[1]

    @property
    def told(self) -> str:
        return self._lines[2]

    @cached_property
    def _summary(self) -> tuple[datetime | None, Incident]:
        try:
            last, row = json.loads(self.second)
            (
                title, severity, status, declared, updated, resolved, impact, workaround, eta,
                components, uid, organization, timezone,
            ) = row  # fmt: skip
            incident = Incident(
                self.incident_id, str(title), str(severity), STAGES[status],
                datetime.fromisoformat(declared), datetime.fromisoformat(updated),
                impact=str(impact), workaround=str(workaround), eta=str(eta),
                components={str(k): STATUSES[v] for k, v in components.items()},
                resolved_at=None if resolved is None else datetime.fromisoformat(resolved),
                uid=str(uid), organization=str(organization), timezone=str(timezone),
                version=self.version,
            )  # fmt: skip
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise SpoiltDigest(f"digest of {self.incident_id}: {exc}") from None
        return None if last is None else datetime.fromisoformat(last), incident

    @property
    def last(self) -> datetime | None:
        """The last public update's time."""
        if self.last_text is not None:
            try:
                return datetime.fromisoformat(self.last_text)
            except ValueError:
                raise SpoiltDigest(f"window entry of {self.incident_id}: its last update") from None
        return self._summary[0]

    @property
    def row(self) -> Incident:
        return self._summary[1]

    @cached_property
    def _parts(self) -> tuple[str | None, list[Segment], str | None]:
        try:
            postmortem_url, found, postmortem = json.loads(self.body)
            segments = [
                Segment(str(g[0]), datetime.fromisoformat(g[1]), datetime.fromisoformat(g[2]),
                        STATUSES[g[3]], self.incident_id)
                for g in found
            ]  # fmt: skip
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise SpoiltDigest(f"digest of {self.incident_id}: {exc}") from None
        return (
            None if postmortem_url is None else str(postmortem_url),
            segments,
            None if postmortem is None else str(postmortem),
        )

    @property
    def postmortem_url(self) -> str | None:
        return self._parts[0]

    @property
    def segments(self) -> list[Segment]:
        return list(self._parts[1])

    @property
    def postmortem(self) -> str | None:
        return self._parts[2]

    @cached_property
    def updates(self) -> list[PublicUpdate]:
        try:
            return [
                PublicUpdate(
                    int(u[0]), datetime.fromisoformat(u[1]), STAGES[u[2]], str(u[3]),
                    tuple(Change(str(c[0]), STATUSES[c[1]], STATUSES[c[2]]) for c in u[4]),
                )
                for u in json.loads(self.told)
            ]  # fmt: skip
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise SpoiltDigest(f"digest of {self.incident_id}: {exc}") from None

    @staticmethod
    def text(item: SiteIncident) -> str:
        """The digest of `item`, read in full from the store."""
        told = [
            [u.id, u.at.isoformat(), u.stage.value, u.message,
             [[c.component, c.old.value, c.new.value] for c in u.changes]]
            for u in item.updates
        ]  # fmt: skip
        last = item.updates[-1].at.isoformat() if item.updates else None
        i = item.incident
        row = [
            i.title, i.severity, i.status.value, i.declared_at.isoformat(),
            i.updated_at.isoformat(), i.resolved_at.isoformat() if i.resolved_at else None,
            i.impact, i.workaround, i.eta, {k: v.value for k, v in i.components.items()},
            i.uid, i.organization, i.timezone,
        ]  # fmt: skip
        segments = [
            [g.component, g.start.isoformat(), g.end.isoformat(), g.status.value]
            for g in item.segments
        ]
        # four lines: compact JSON writes a newline inside a string as `\n`
        return "\n".join(
            [
                _compact(item.touched),
                _compact([last, row]),
                _compact([item.postmortem_url, segments, item.postmortem]),
                _compact(told),
            ]
        )

    @classmethod
    def of_text(cls, incident_id: str, version: int, text: str) -> Details:
        """Its first line read; raises ValueError, KeyError, TypeError or IndexError on one
        no build wrote (what is read later raises `SpoiltDigest`)."""
        first, rest = text.split("\n", 1)
        if rest.count("\n") < 2:
            raise ValueError("a digest has four lines")
        if first == "[]":
            names: tuple[str, ...] = ()
        elif first[:2] == '["' and first[-2:] == '"]' and "\\" not in first:
            # component ids (`[a-z0-9_-]`) as compact JSON writes them: split, not parsed (a
            # rebuild reads 2,000 of them); a quote in a name would have come with a backslash
            names = tuple(first[2:-2].split('","'))
        else:
            touched = json.loads(first)
            if not isinstance(touched, list):
                raise TypeError("touched")
            names = tuple(str(name) for name in touched)
        return cls(incident_id, version, names, rest)


# the digest of an incident none of whose messages went to a public channel, and of one
# that is public, kept no further (neither shown by the index, the feeds or the API)
PRIVATE = "private"
PUBLIC = "public"
STAGES = {stage.value: stage for stage in Stage}


def digest_name(playbook: Playbook) -> str:
    """The name of the site's digests: what they hold depends on the public channels."""
    import zlib

    channels = ",".join(sorted(public_channels(playbook)))
    return f"site-2-{zlib.crc32(channels.encode()):08x}"


# the index shows 90 days, the feeds and the API the latest 50 incidents: an unchanged
# incident outside both needs only its row
WINDOW = timedelta(days=91)
LATEST = 50


class Previous(NamedTuple):
    """What the site in the folder was built from, for a rebuild."""

    # the incident revision it was read up to: an incident written since has a higher one
    mark: int
    # "" and each component -> the latest public incidents it listed
    latest: Mapping[str, Sequence[str]]
    # its history months, newest first, and those whose page is in the folder
    months: Sequence[str]
    month_pages: Collection[str]
    # the latest public update it told of
    updated: datetime | None = None
    # the resolved incidents it showed (`SiteRecord.window`) and the cut it took them from
    window: Mapping[str, Sequence[Any]] | None = None
    cut: str = ""


class Received(NamedTuple):
    """What another process read of the incidents a whole build gave it (`Apart`)."""

    # id -> (version, the components its segments touch; None: private) of each of them
    incidents: dict[str, tuple[int, tuple[str, ...] | None]]
    # the latest public update among them (None: none was public)
    updated: datetime | None


class Apart(Protocol):
    """Another process sharing a whole build: it reads some of the resolved incidents from
    its own connection and writes their pages, while this one reads the others. It tells
    this one only what every page asks of each (whether public, the components it touched):
    one the index, a feed or the API shows is read here again."""

    def start(self, heads: Sequence[IncidentHead]) -> Collection[str]:
        """Give some of the resolved `heads` to the other process; their ids (none: it did
        not start, this process reads them all)."""
        ...

    def meanwhile(self, items: Sequence[SiteIncident]) -> None:
        """What this process does with the public incidents it read while the other reads."""
        ...

    def received(self) -> Received | None:
        """What the other process read of its incidents, once it has; None: it stopped
        before telling (this process then reads them itself)."""
        ...


def read_apart(
    store: Store, playbook: Playbook, now: datetime, heads: Sequence[IncidentHead]
) -> tuple[list[SiteIncident], Received]:
    """The public incidents of `heads` read from their timelines, and what a whole build's
    other process tells of them (`Apart`)."""
    reader = _Reader(store, playbook, now)
    reader.heads = {h.id: h for h in heads}
    rows = reader.fresh(list(reader.heads))
    told: dict[str, tuple[int, tuple[str, ...] | None]] = {}
    items: list[SiteIncident] = []
    for incident_id, incident in rows.items():
        item = reader.read.get(incident_id)
        if item is None:
            told[incident_id] = (incident.version, None)
        else:
            told[incident_id] = (item.version, tuple(item.touched))
            items.append(item)
    return items, Received(told, _latest_update(reader, None))


def month_of(at: datetime, tz: ZoneInfo) -> str:
    """`2026-11`: the month of the organization's calendar `at` falls in."""
    local = at.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"  # no strftime: thousands of them


def month_span(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The month's first moment and the next month's, in the organization's calendar."""
    year, number = int(month[:4]), int(month[5:])
    after = (year + 1, 1) if number == 12 else (year, number + 1)
    return datetime(year, number, 1, tzinfo=tz), datetime(*after, 1, tzinfo=tz)


class _Reader:
    """Reads incidents for one build: from the store's digests when they hold them at their
    version, else from their timelines (and then keeps their digest)."""

    def __init__(self, store: Store, playbook: Playbook, now: datetime) -> None:
        self.store = store
        self.playbook = playbook
        self.now = now
        self.name = digest_name(playbook)
        # id -> the head of every incident read
        self.heads: dict[str, IncidentHead] = {}
        # id -> its item read from its timeline; None: private
        self.read: dict[str, SiteIncident | None] = {}
        # id -> what its digest holds, taken from the store
        self.details: dict[str, Details] = {}
        # the public incidents whose digest holds only that (`PUBLIC`)
        self.marked: set[str] = set()
        # the digests to keep: id -> (version, text); `keep` adds those of public ones
        self.kept: dict[str, tuple[int, str]] = {}
        # those whose details came from the manifest, not read from the store yet; the rest
        # of the digests read since (all but their first line)
        self.unread: set[str] = set()
        # their entries in the manifest's window, written again as they are
        self.entries: dict[str, Sequence[Any]] = {}
        self.rests: dict[str, str] = {}
        # the public incidents another process read (`take`) and their versions
        self.taken: dict[str, int] = {}
        # and the latest public update among them
        self.taken_updated: datetime | None = None

    def fresh(self, incident_ids: Collection[str]) -> dict[str, Incident]:
        """Read the rows of `incident_ids`, then those incidents from their timelines; the
        rows read."""
        rows = self.store.incidents(incident_ids) if incident_ids else {}
        incidents = list(rows.values())
        org = self.playbook.organization.name
        said = _announced(self.store, org, public_channels(self.playbook), incidents)
        timelines = self.store.timelines([i.id for i in incidents if i.id in said])
        for incident in incidents:
            events = timelines.get(incident.id, [])
            head = self.heads[incident.id]
            item = _item(head, incident, events, said.get(incident.id, {}), self.now)
            self.read[incident.id] = item
            if item is None and not incident.is_open:  # an open one is read at every build
                self.kept[incident.id] = (incident.version, PRIVATE)
        return rows

    def take(self, told: Received) -> None:
        """Hold what another process read of its incidents as if read here: whether public
        and the components each touched; the rest of one is read only if a page asks."""
        for incident_id, (version, touched) in told.incidents.items():
            if touched is None:
                self.read[incident_id] = None
                self.kept[incident_id] = (version, PRIVATE)
            else:
                self.details[incident_id] = Details(
                    incident_id, version, touched, None, self.rest_of
                )
                self.unread.add(incident_id)
                self.taken[incident_id] = version
        self.taken_updated = told.updated

    def digested(self, heads: Sequence[IncidentHead]) -> list[str]:
        """Take what the store's digests hold of `heads` at their version; the ids of the
        others, which `fresh` must read."""
        asked = [
            h
            for h in heads
            if h.id not in self.read and h.id not in self.details and h.id not in self.marked
        ]
        found = self.store.digests(self.name, [h.id for h in asked]) if asked else {}
        missing: list[str] = []
        for head in asked:
            through, text = found.get(head.id, (None, ""))
            if through != head.version:
                missing.append(head.id)
            elif text == PRIVATE:
                self.read[head.id] = None
            elif text == PUBLIC:
                self.marked.add(head.id)
            else:
                try:
                    self.details[head.id] = Details.of_text(head.id, head.version, text)
                except (ValueError, KeyError, TypeError, IndexError):
                    missing.append(head.id)
        return missing

    def remembered(
        self, window: Mapping[str, Sequence[Any]], heads: Sequence[IncidentHead]
    ) -> None:
        """Take from the last build's manifest what it knew of `heads` (unchanged since):
        private, or public with the components it touched; the rest of their digests is
        read only when a page asks for it (`fetch` reads those the pages will ask for)."""
        for head in heads:
            touched, last = window[head.id][WINDOW_KIND:]  # as `window_head` checked them
            if touched is None:
                self.read[head.id] = None
                continue
            names = tuple(touched)
            self.details[head.id] = Details(head.id, head.version, names, None, self.rest_of, last)
            self.unread.add(head.id)
            self.entries[head.id] = window[head.id]

    def fetch(self, incident_ids: Collection[str]) -> None:
        """Read from the store the digests of those of `incident_ids` not read yet, at once;
        one the store no longer holds at its version is made again from its timeline."""
        asked = [i for i in incident_ids if i in self.unread]
        if not asked:
            return
        found = self.store.digests(self.name, asked)
        again: list[str] = []
        for incident_id in asked:
            through, text = found.get(incident_id, (None, ""))
            rest = text.partition("\n")[2]
            if through != self.heads[incident_id].version or rest.count("\n") < 2:
                again.append(incident_id)
            else:
                self.rests[incident_id] = rest
        if again:  # a store that refused to keep it, or lost it: read from the timeline
            self.fresh(again)
            for incident_id in again:
                item = self.read.pop(incident_id, None)
                if item is None:
                    raise SpoiltDigest(f"digest of {incident_id}: no public update any more")
                self.rests[incident_id] = Details.text(item).partition("\n")[2]
        self.unread.difference_update(asked)

    def rest_of(self, incident_id: str) -> str:
        """All but the first line of the incident's digest (read alone when no `fetch` had)."""
        if incident_id not in self.rests:
            self.fetch([incident_id])
        return self.rests[incident_id]

    def public(self, head: IncidentHead) -> bool:
        found = self.read.get(head.id) is not None
        return found or head.id in self.details or head.id in self.marked

    def keep(self, shown: Container[str]) -> None:
        """Keep the digests of what was read from timelines: in full for the resolved ones
        the site shows, else only that they are public (10,000 digests in full cost a whole
        build a tenth more). A store that refuses the write only reads them again next time."""
        from incidentctl.errors import StateError

        for incident_id, item in self.read.items():
            if item is None or item.incident.is_open or incident_id in self.kept:
                continue
            text = Details.text(item) if incident_id in shown else PUBLIC
            self.kept[incident_id] = (item.incident.version, text)
        for incident_id, version in self.taken.items():  # those shown were read here again
            self.kept.setdefault(incident_id, (version, PUBLIC))
        if self.kept:
            with contextlib.suppress(StateError):
                self.store.keep_digests(self.name, self.kept)


def read_record(
    store: Store,
    playbook: Playbook,
    now: datetime,
    previous: Previous | None = None,
    mark: int | None = None,
    apart: Apart | None = None,
) -> SiteRecord:
    """The public part of the organization's history, as the site shows it.

    With `previous` (a rebuild), only some heads are read (`Store.incident_heads`): the
    incidents written since `previous.mark`, the open ones, those resolved in the last 90 days
    and those the feeds listed (the latest of a component only change by what changed). The
    record then holds what this build renders: what changed, what the index, a feed or the API
    shows, and every incident of the history months written again. `mark`: the store's
    incident revision, read before anything else (by default, here). `apart`: in a whole
    build, another process that reads some of the incidents meanwhile."""
    org = playbook.organization.name
    tz = playbook.organization.tz
    if mark is None:  # before any read: what is written meanwhile is read again
        mark = store.incident_revision()
    cut = now - WINDOW
    cut_text = to_text(cut)
    reader = _Reader(store, playbook, now)
    remembered: list[IncidentHead] = []
    away: Collection[str] = ()
    if previous is None:
        heads = store.incident_heads(organization=org)
        if apart is not None:
            away = set(apart.start(heads))
    else:
        listed = {i for ids in previous.latest.values() for i in ids}
        window = previous.window
        if window is not None and previous.cut <= cut_text:
            # the resolved incidents the last build showed, as its manifest keeps them: the
            # store is asked only for those written since and the open ones
            heads = store.incident_heads(
                organization=org, changed_after=previous.mark, open_now=True
            )
            fresh_ids = {h.id for h in heads}
            try:
                known = [window_head(i, entry) for i, entry in window.items()]
            except (ValueError, TypeError) as exc:
                raise SpoiltDigest(f"the manifest's window: {exc}") from None
            remembered = [
                head
                for head in known
                if head.id not in fresh_ids
                and head.revision <= previous.mark
                and ((head.resolved_at or "") > cut_text or head.id in listed)
            ]
            heads = sorted([*heads, *remembered], key=lambda h: h.rank, reverse=True)
        else:
            heads = store.incident_heads(
                organization=org, changed_after=previous.mark, resolved_after=cut, ids=listed
            )
    reader.heads = {h.id: h for h in heads}
    if remembered:
        assert previous is not None and previous.window is not None
        reader.remembered(previous.window, remembered)
    changed = [h for h in heads if previous is None or h.revision > previous.mark or h.open]
    rows = reader.fresh([h.id for h in changed if h.id not in away])
    if away:
        assert apart is not None
        apart.meanwhile([item for item in reader.read.values() if item is not None])
        told = apart.received()
        if told is None:  # the other process stopped: read its share here
            rows |= reader.fresh(list(away))
            away = ()
        else:
            reader.take(told)
    rows |= reader.fresh(reader.digested([h for h in heads if h.id not in rows]))
    # the latest public incidents of the site and of each component, and the last 90 days
    counts: dict[str, int] = {}
    latest: dict[str, list[str]] = {}
    shown: list[IncidentHead] = []  # held: shown, or changed (its page is written)
    displayed: set[str] = set()  # what the index, a feed or the API shows
    for head in heads:
        if not reader.public(head):
            continue
        listed_here = False
        for name in ("", *head.components):
            seen = counts.get(name, 0)
            if seen < LATEST:
                latest.setdefault(name, []).append(head.id)
                listed_here = True
            counts[name] = seen + 1
        if listed_here or head.resolved_at is None or head.resolved_at > cut_text:
            displayed.add(head.id)
        if head.id in displayed or head.id in rows or head.id in away:
            shown.append(head)
    # those shown whose digest said only that they are public: read in full now
    # (and those another process read that the index, a feed or the API shows)
    rows |= reader.fresh(
        [
            h.id
            for h in shown
            if h.id not in reader.read
            and (h.id not in reader.details or (h.id in reader.taken and h.id in displayed))
        ]
    )
    # the rows of those another process read: their history lines need them (their
    # digests hold no more than the components they touched)
    taken = [h.id for h in shown if h.id in reader.taken and h.id not in reader.read]
    rows |= store.incidents(taken) if taken else {}
    items: dict[str, SiteIncident] = {}
    for head in shown:
        item = reader.read.get(head.id)
        if item is None:
            kept = reader.details[head.id]
            item = SiteIncident(head, rows.get(head.id), None, None, details=kept)
        items[head.id] = item
    # the history months: those with a public incident that changed are written again (all of
    # them when a month appears: each lists the others)
    months = {h.id: month_of(from_text(h.declared_at), tz) for h in changed}
    listing = {months[h.id] for h in changed if reader.public(h)}
    held: set[str] | None = None
    if previous is not None:
        listing |= set(previous.months)
        if sorted(listing, reverse=True) == list(previous.months):
            held = set(months.values())
            held |= {m for m in listing if m not in previous.month_pages}
            held &= listing
        if held is None or held:
            spans: list[tuple[datetime, datetime] | None] = (
                [month_span(m, tz) for m in held] if held is not None else [None]
            )
            seen_ids = {h.id for h in heads}
            extra: dict[str, IncidentHead] = {}  # the months' incidents not held yet
            for span in spans:
                for head in store.incident_heads(organization=org, declared_between=span):
                    if head.id not in items:
                        extra[head.id] = head
            reader.heads |= extra
            rows |= reader.fresh(reader.digested(list(extra.values())))
            heads += [h for h in extra.values() if h.id not in seen_ids]
            heads.sort(key=lambda h: h.rank, reverse=True)
            # a line needs the row, which a digest that says only `public` does not hold
            bare = [i for i in extra if i in reader.marked and i not in rows]
            rows |= store.incidents(bare) if bare else {}
            for head in extra.values():
                fresh = reader.read.get(head.id)
                digest = reader.details.get(head.id)
                row = fresh.incident if fresh is not None else rows.get(head.id)
                if fresh is not None or digest is not None or head.id in reader.marked:
                    items[head.id] = SiteIncident(head, row, [], [], detailed=False, details=digest)
    reader.keep(displayed)
    listed_now = {i for ids in latest.values() for i in ids}
    record = SiteRecord(
        playbook,
        now,
        maintenances=store.list_maintenances(organization=org),
        mark=mark,
        changed={h.id for h in changed},
        latest=latest,
        listing=sorted(listing, reverse=True),
        held=held,
        updated=_latest_update(reader, previous),
        window=_window(reader, heads, cut_text, listed_now),
        cut=cut_text,
        details=reader.fetch,
    )
    record.incidents = [items[h.id] for h in heads if h.id in items]
    return record


# an entry of the manifest's window: the fields of its `IncidentHead` but the id, then the
# components the incident's segments touch (None: private) and its last public update's time
WINDOW_KIND = len(IncidentHead._fields) - 1


def window_head(incident_id: str, entry: Sequence[Any]) -> IncidentHead:
    """An incident's head as the manifest's window keeps it (raises TypeError on one no build
    wrote)."""
    if len(entry) != WINDOW_KIND + 2:
        raise TypeError(f"{incident_id}: not a window entry")
    version, is_open, declared, resolved, components, day, seq, revision, title, stage = entry[
        :WINDOW_KIND
    ]
    touched, last = entry[WINDOW_KIND:]
    if touched is not None and not (
        type(touched) is list and all(type(name) is str for name in touched)
    ):
        raise TypeError(f"{incident_id}: touched")
    if last is not None and type(last) is not str:
        raise TypeError(f"{incident_id}: last update")
    if not (
        type(version) is int
        and type(revision) is int
        and type(seq) is int
        and type(declared) is str
        and (resolved is None or type(resolved) is str)
        and type(title) is str
        and type(stage) is str
        and type(day) is str
    ):
        raise TypeError(f"{incident_id}: not a head")
    names = tuple(components)
    if not all(type(name) is str for name in names):
        raise TypeError(f"{incident_id}: components")
    return IncidentHead(
        incident_id, version, bool(is_open), declared, resolved, names, day, seq, revision,
        title, stage,
    )  # fmt: skip


def _window(
    reader: _Reader, heads: Sequence[IncidentHead], cut: str, listed: Container[str]
) -> dict[str, Sequence[Any]]:
    """The resolved incidents the next build may show without their having changed (resolved
    after the cut, or among the latest listed), as the manifest keeps them: each head, the
    components it touched (None: private) and its last public update's time. A rebuild and a
    whole build keep the same."""
    window: dict[str, Sequence[Any]] = {}
    for head in heads:
        if head.open or not ((head.resolved_at or "") > cut or head.id in listed):
            continue
        kept = reader.entries.get(head.id)
        if kept is not None:  # unchanged since the last build, which wrote it so
            window[head.id] = kept
            continue
        item = reader.read.get(head.id, False)
        last: datetime | None = None
        if item is None:
            touched: list[str] | None = None
        elif item is not False:
            assert isinstance(item, SiteIncident)
            touched = item.touched
            last = item.updated_at
        elif head.id in reader.details:
            details = reader.details[head.id]
            touched, last = list(details.touched), details.last
        else:
            continue  # public, its digest read only as such: known to the next build by it
        told = None if last is None else last.isoformat()
        window[head.id] = [*head[1:], touched, told]
    return window


def _latest_update(reader: _Reader, previous: Previous | None) -> datetime | None:
    """Every incident held from a digest is unchanged since the last build, whose latest
    public update counted it: only those read from their timelines can be later."""
    found = [i.updated_at for i in reader.read.values() if i is not None]
    if previous is not None and previous.updated is not None:
        found.append(previous.updated)
    if reader.taken_updated is not None:
        found.append(reader.taken_updated)
    return max(found, default=None)


def _item(
    head: IncidentHead,
    incident: Incident,
    events: Sequence[TimelineEvent],
    told: dict[int, Stage],
    now: datetime,
) -> SiteIncident | None:
    """The incident as its public updates tell it (None: none was public)."""
    updates = public_updates(events, told, {})
    if not updates:
        return None
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
            if e.kind is EventKind.POSTMORTEM_PUBLISHED and e.id in told and e.data.get("document")
        ),
        None,
    )
    found = segments(incident, events, now)
    return SiteIncident(head, incident, updates, found, postmortem, document)


def _announced(
    store: Store, organization: str, public: set[str], incidents: Sequence[Incident]
) -> dict[str, dict[int, Stage]]:
    """Incident id -> (event id -> stage) of the events that went to a public channel."""
    said: dict[str, dict[int, Stage]] = {}
    told = store.announced(public, organization=organization, incidents=[i.id for i in incidents])
    for incident_id, event_id, stage in told:
        said.setdefault(incident_id, {})[event_id] = stage
    return said
