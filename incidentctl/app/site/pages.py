"""The HTML pages of the status site, from Jinja templates under `templates/site/`.

Every value is escaped (autoescape on, strict undefined, sandboxed): a `<script>` typed in a
message shows as text. Pages link each other relatively, so the site works from `file://`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Container, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any, NamedTuple

from markupsafe import Markup, escape

from incidentctl.app.site.maintenance import listed
from incidentctl.app.site.record import SiteIncident, SiteRecord, month_of, month_span
from incidentctl.app.site.uptime import (
    BY_RANK,
    Day,
    Segment,
    availability,
    days_of,
    local_midnight,
    maintenance_segments,
    worst,
)
from incidentctl.app.site.wording import percent, words
from incidentctl.model.records import ComponentStatus
from incidentctl.render.labels import COMPONENT_STATUS_LABELS, STATUS_LABELS
from incidentctl.render.punctuation import mark
from incidentctl.render.times import LocalTimes, readable_duration

WINDOW = 90
PAST_DAYS = 15
# the index lists at most this many of them (the history has every one)
PAST_LINES = 30
# how a day bar's title names its incidents, from the most words to the fewest: how many it
# names and the characters each keeps (none: it counts them). A component's strip takes the
# most words that fit its share of the index's bars, so a busy history keeps the page light
BAR_LEVELS = ((2, 40), (1, 24), (0, 0))
# the bytes of all of the index's bars, shared equally by its components: the rest of a page
# under 100 KB (header, active incidents, the latest past incidents) keeps a quarter of it
BARS_BUDGET = 75_000
# what today's bar may add to the finished days' strip, which decides the level
TODAY_ROOM = 120
# the CSS class of each status: short, since a page has 90 bars per component
CLASS = dict(zip(BY_RANK, ("o", "m", "d", "p", "x"), strict=True))


# tuples, not dataclasses: a module the statussite channel imports at every send is built
# faster of them


class Bar(NamedTuple):
    day: date
    css: str
    head: str  # its title before the incidents: `5 Sep: 99.31 %`, a quiet day's date alone
    incidents: Sequence[SiteIncident] = ()


class ComponentRow(NamedTuple):
    id: str
    name: str
    description: str
    status: ComponentStatus
    # the bars as the index prints them (90 per component, joined here, not by the template),
    # the availability over 30 and 90 days, and the days with an incident as the component's
    # page lists them (newest first, `<li>` lines) and how many
    strip: str
    pct30: str
    pct90: str
    meets_target: bool | None
    days: str
    day_count: int


class PastDays(NamedTuple):
    # (day, its incidents) newest first, and how many more the index leaves to the history
    days: list[tuple[str, list[SiteIncident]]]
    more: int


class Group(NamedTuple):
    name: str | None
    rows: list[ComponentRow]

    @property
    def status(self) -> ComponentStatus:
        return worst(r.status for r in self.rows)


def _environment() -> Any:
    import jinja2

    from incidentctl.render.environment import bytecode_cache
    from incidentctl.render.markdown import markdown_html
    from incidentctl.render.paths import builtin_templates_dir

    # the site's templates are built-in files only (a playbook cannot replace them), so they
    # need no sandbox, which would cost a third of a large build; values are still escaped
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(builtin_templates_dir() / "site"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # compiled once, not at every build: the statussite channel builds at every send
        bytecode_cache=bytecode_cache(),
    )
    env.filters["markdown"] = markdown_html
    return env


class Pages:
    """Renders the pages of one site record."""

    def __init__(
        self,
        record: SiteRecord,
        base_url: str,
        pasts: Mapping[str, list[Any]] | None = None,
    ) -> None:
        self.record = record
        self.playbook = record.playbook
        org = self.playbook.organization
        self.language = org.language
        self.words = words(self.language)
        self.times = LocalTimes(org.tz, self.language, record.now)
        self.tz = org.tz
        self.base_url = base_url
        self.env = _environment()
        self.weights = {
            ComponentStatus(k): v for k, v in self.playbook.site.weights.by_status().items()
        }
        self.today = record.now.astimezone(self.tz).date()
        self.days = [self.today - timedelta(days=WINDOW - 1 - i) for i in range(WINDOW)]
        self.by_id = {i.id: i for i in record.incidents}
        self._labels: dict[date, str] = {}
        self._short_labels: dict[date, str] = {}
        self._past_keys: dict[str, str | None] = {}
        # each day's start, in UTC
        self.starts = [local_midnight(day, self.tz) for day in self.days]
        # component -> its 89 finished days as the last build printed them, and as this one
        # does (`_past_key`, the bars, the minutes counted and down over 29 and 89 days, the
        # list of those with an incident and how many)
        self.pasts_before: Mapping[str, list[Any]] = pasts or {}
        self.pasts_now: dict[str, list[Any]] = {}
        # the language's colon and semicolon, for the templates: `Impact : …` in French
        self.colon = mark(":", self.language)
        self.semicolon = mark(";", self.language)

    # helpers the templates call

    def w(self, key: str, **values: Any) -> str:
        return self.words[key].format(**values)

    def stage(self, value: str) -> str:
        return STATUS_LABELS[self.language][value]

    def component_status(self, status: ComponentStatus) -> str:
        return COMPONENT_STATUS_LABELS[self.language][status.value]

    def component_name(self, name: str) -> str:
        spec = self.playbook.components.get(name)
        return spec.name if spec else name

    def timeline(self, item: SiteIncident) -> Markup:
        """The incident's public updates, newest first, as the items of its page's timeline:
        joined here, not by a template loop (a whole build prints 100,000 of them)."""
        labels = self._stage_labels
        statuses = COMPONENT_STATUS_LABELS[self.language]
        dated = self.times.dated
        between = f"{self.semicolon} "
        parts = []
        for update in reversed(item.updates):
            stage = update.stage.value
            changes = between.join(
                f"{self.component_name(c.component)}{self.colon} {statuses[c.new.value]}"
                for c in update.changes
            )
            parts.append(
                f'<li><p class="stage stage-{stage}">{labels[stage]} · '
                f'<time datetime="{update.at.isoformat()}">{html(dated(update.at))}</time></p>\n'
                f'<p class="message">{html(update.message)}</p>\n'
                + (f'<p class="muted">{html(changes)}</p>' if changes else "")
                + "</li>\n"
            )
        return Markup("".join(parts))

    def lines(self, items: Sequence[SiteIncident], root: str) -> Markup:
        """One line per incident (title, stage, duration), as the history and the index list
        them: joined here, not by a template macro called hundreds of times."""
        labels = STATUS_LABELS[self.language]
        return Markup(
            "".join(
                f'<li><a href="{html(root)}incidents/{html(i.id)}.html">'
                f"{html(i.title)}</a> "
                f'<span class="muted">{html(labels[i.stage.value])} · '
                f"{html(self.duration(i))}</span></li>\n"
                for i in items
            )
        )

    def duration(self, item: SiteIncident) -> str:
        end = item.resolved_at or self.record.now
        return readable_duration(end - item.declared_at, self.language)

    def affected(self, item: SiteIncident) -> list[str]:
        names = {s.component for s in item.segments} | set(item.incident.components)
        order = list(self.playbook.components)
        return [
            self.component_name(n)
            for n in sorted(names, key=lambda n: order.index(n) if n in order else len(order))
        ]

    @property
    def target(self) -> str:
        """The uptime target as people write it: `99.5 %`, « 99,5 % »."""
        text = f"{self.playbook.site.uptime_target:g}"
        return (text.replace(".", ",") if self.language == "fr" else text) + "\u00a0%"

    def day_label(self, day: date) -> str:
        label = self._labels.get(day)
        if label is None:  # each of the 90 days is named once per component
            moment = datetime.combine(day, datetime.min.time(), tzinfo=self.tz)
            label = self._labels[day] = self.times.date(moment)
        return label

    @cached_property
    def _stage_labels(self) -> dict[str, str]:
        """Stage value -> its label, escaped for HTML."""
        return {k: html(v) for k, v in STATUS_LABELS[self.language].items()}

    # the view model

    @cached_property
    def status_now(self) -> dict[str, ComponentStatus]:
        return self.record.current_status()

    @cached_property
    def overall(self) -> ComponentStatus:
        return worst(self.status_now.values())

    def _reaching(self, name: str) -> list[SiteIncident]:
        """The incidents that touched the component and reach the 90 days: open, or resolved
        after the first day began."""
        start = self.starts[0]
        touched = self.record.by_component.get(name, [])
        return [i for i in touched if i.resolved_at is None or i.resolved_at > start]

    def _past_key(self, name: str) -> str | None:
        """What a component's 89 finished days depend on: the day and the incidents of the
        last 90 days that touched it, open ones included (their past days are over). None
        with a planned work in the window."""
        import hashlib

        if any(s.component == name for s in self.works):
            return None
        shown = [f"{i.id}:{i.version}" for i in self._reaching(name)]
        text = f"{self.today.isoformat()}|{','.join(shown)}"
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def _row(self, name: str) -> ComponentRow:
        spec = self.playbook.components[name]
        past_key = self._past_keys[name] = self._past_keys.get(name) or self._past_key(name)
        past = self.pasts_before.get(name)
        if past is not None and (past_key is None or past[0] != past_key):
            past = None  # its finished days changed: walked again
        touched = self.record.by_component.get(name, [])
        if past is not None:
            # the finished days as the last build printed them; today from the incidents that
            # reach it, walked from their start as every day is (so the incidents still open
            # at midnight, and one ended at midnight itself, come out as a whole walk has them)
            today = self.starts[-1]
            found = [
                s
                for i in touched
                if i.resolved_at is None or i.resolved_at >= today
                for s in i.segments
                if s.component == name
            ]
            # from the day the earliest of them started: the days before hold no change
            first = min((seg.start for seg in found), default=self.record.now)
            walked = self.days[max(0, bisect_right(self.starts, first) - 1) :]
            record = days_of(name, found, walked, self.tz, self.record.now, spec.since)[-1]
            bar = self._bar(self.today, record)
            strip_past, t30, d30, t90, d90, lines_past, count_past, level = past[1:]
            self.pasts_now[name] = past
            total, down = 0.0, 0.0
            if record is not None and record.total > 0:
                total, down = record.total, record.down(self.weights)
            a30 = _percent_up(t30 + total, d30 + down)
            a90 = _percent_up(t90 + total, d90 + down)
            lines = (self._day_line(bar) if bar.incidents else "") + lines_past
            strip = Markup(strip_past + self._bar_html(bar, level))
            listed, count = Markup(lines), count_past + (1 if bar.incidents else 0)
        else:
            # (of the incidents the key counts: those that ended before the first day show
            # nothing, and a whole build need not read their segments)
            found = [s for i in self._reaching(name) for s in i.segments if s.component == name]
            # planned works count as maintenance (no downtime); their overrun as an outage
            found += [s for s in self.works if s.component == name]
            days = days_of(name, found, self.days, self.tz, self.record.now, spec.since)
            bars = [self._bar(day, record) for day, record in zip(self.days, days, strict=True)]
            finished = bars[:-1]
            level, strip_past = self._fitted(finished)
            strip = Markup(strip_past + self._bar_html(bars[-1], level))
            a30 = availability(days[-30:], self.weights)
            a90 = availability(days, self.weights)
            lines = "".join(self._day_line(b) for b in reversed(bars) if b.incidents)
            listed, count = Markup(lines), sum(1 for b in bars if b.incidents)
            if past_key is not None:
                month = [d for d in days[-30:-1] if d is not None and d.total > 0]
                season = [d for d in days[:-1] if d is not None and d.total > 0]
                self.pasts_now[name] = [
                    past_key,
                    strip_past,
                    sum(d.total for d in month),
                    sum(d.down(self.weights) for d in month),
                    sum(d.total for d in season),
                    sum(d.down(self.weights) for d in season),
                    "".join(self._day_line(b) for b in reversed(finished) if b.incidents),
                    sum(1 for b in finished if b.incidents),
                    level,
                ]
        target = self.playbook.site.uptime_target
        row = ComponentRow(
            name,
            spec.name,
            spec.description,
            self.status_now[name],
            strip,
            percent(a30, self.language),
            percent(a90, self.language),
            None if a30 is None else a30 >= target,
            listed,
            count,
        )
        return row

    def _day_line(self, bar: Bar) -> str:
        """A day with an incident, with links to its incidents (from the component's page)."""
        between = html(f"{self.semicolon} ")
        return (
            f"<li>{html(self.day_label(bar.day))}{html(self.colon)} "
            + between.join(
                f'<a href="../incidents/{html(i.id)}.html">{html(i.title)}</a>'
                for i in bar.incidents
            )
            + "</li>"
        )

    def _bar(self, day: date, record: Day | None) -> Bar:
        """A day's bar: its worst status and, in its title (what a pointer over it shows), the
        day, its uptime and its incidents. An index of 20 components has 1,800 bars, so each
        says it short: `5 Sep: 99.31 %, API errors; Login slow (+2)`, a quiet day `5 Sep`."""
        label = self._short_labels.get(day)
        if label is None:
            label = self._short_labels[day] = self.times.short_date(day)
        if record is None:
            return Bar(day, "n", f"{label}{self.colon} {self.w('no_data')}")
        items = [self.by_id[i] for i in record.incidents if i in self.by_id]
        if not items and record.status is ComponentStatus.OPERATIONAL:
            return Bar(day, CLASS[record.status], label)  # a quiet day: its date says it all
        value = record.uptime(self.weights)
        uptime = percent(value, self.language, short=True)
        return Bar(day, CLASS[record.status], f"{label}{self.colon} {uptime}", items)

    def _title(self, bar: Bar, level: int) -> str:
        """The bar's title with its incidents in the words of `BAR_LEVELS[level]`."""
        items = bar.incidents
        if not items:
            return bar.head
        named, cut = BAR_LEVELS[level]
        if not named:
            count = len(items)
            return f"{bar.head}, " + (
                self.w("bar_one") if count == 1 else self.w("bar_many", count=count)
            )
        title = f"{bar.head}, " + f"{self.semicolon} ".join(
            _shortened(i.title, cut) for i in items[:named]
        )
        return title + (f" (+{len(items) - named})" if len(items) > named else "")

    def _bar_html(self, bar: Bar, level: int) -> str:
        # the class unquoted (one letter, which HTML allows), and none for the operational
        # day the style sheet colours by default: 1,800 bars on an index of 20 components
        title = html(self._title(bar, level))
        return (
            f'<i title="{title}"></i>'
            if bar.css == "o"
            else (f'<i class={bar.css} title="{title}"></i>')
        )

    def _fitted(self, finished: Sequence[Bar]) -> tuple[int, str]:
        """The finished days' strip in the most words that fit the component's share of the
        index's `BARS_BUDGET`, and the level it took (today's bar is printed in it too)."""
        share = BARS_BUDGET // max(1, len(self.playbook.components)) - TODAY_ROOM
        strip = ""
        for level in range(len(BAR_LEVELS)):
            strip = "".join(self._bar_html(bar, level) for bar in finished)
            if len(strip.encode()) <= share:
                break
        return level, strip

    @cached_property
    def groups(self) -> list[Group]:
        groups: dict[str | None, Group] = {}
        for name, spec in self.playbook.components.items():
            groups.setdefault(spec.group, Group(spec.group, [])).rows.append(self._row(name))
        return list(groups.values())

    def past_days(self) -> PastDays:
        """The days of the last `PAST_DAYS` with incidents declared, newest first, with at
        most `PAST_LINES` incidents in all (the history lists the rest)."""
        by_day: dict[date, list[SiteIncident]] = {}
        days = [self.today - timedelta(days=i) for i in range(PAST_DAYS)]
        # only the days shown: the history's older incidents are not converted to local time
        since = local_midnight(days[-1], self.times.tz)
        for item in self.record.incidents:
            if item.declared_at >= since:
                local = self.times.local(item.declared_at)
                by_day.setdefault(local.date(), []).append(item)
        shown: list[tuple[str, list[SiteIncident]]] = []
        room = PAST_LINES
        more = 0
        for day in days:
            items = by_day.get(day, [])
            if items and room:
                shown.append((self.day_label(day), items[:room]))
            more += max(0, len(items) - room)
            room = max(0, room - len(items))
        return PastDays(shown, more)

    def detailed(self) -> set[str]:
        """The incidents whose details (updates, segments, row) this build's pages will read,
        for a rebuild to read them at once: those the API and the feeds list (a feed is
        written again when one of its incidents changed), those of the components whose
        finished days are walked again, those that reach today, those of the history months
        written again. Any other a page asks for is read alone."""
        from incidentctl.app.site import api

        record = self.record
        wanted = {i.id for i in record.incidents[: api.LATEST]}
        wanted.update(record.latest.get("", ()))
        by_id = self.by_id
        for name in {c for i in record.changed if i in by_id for c in by_id[i].components}:
            wanted.update(record.latest.get(name, ()))
        today = self.starts[-1]
        for name in self.playbook.components:
            items = record.by_component.get(name, [])
            past = self.pasts_before.get(name)
            key = self._past_keys[name] = self._past_key(name)
            if past is None or key is None or past[0] != key:
                wanted.update(i.id for i in items)
            else:
                wanted.update(
                    i.id for i in items if i.resolved_at is None or i.resolved_at >= today
                )
        for items in self.months().values():
            wanted.update(i.id for i in items)
        return wanted

    def months(self) -> dict[str, list[SiteIncident]]:
        """`2026-11` -> that month's incidents, newest first, for the months whose page this
        record can write (every month, but on a rebuild those it holds whole)."""
        return self._months

    @cached_property
    def _months(self) -> dict[str, list[SiteIncident]]:
        held = self.record.held
        found: dict[str, list[SiteIncident]] = {}
        tz = self.times.tz
        if held is None:
            for item in self.record.incidents:
                found.setdefault(month_of(item.declared_at, tz), []).append(item)
            return found
        # a rebuild holds a month or two: only the incidents declared within a day of one of
        # them are moved to the organization's calendar (the record's times are in UTC; a day
        # on each side also covers a zone whose clocks change at midnight)
        day = timedelta(days=1)
        near = []
        for month in held:
            start, end = month_span(month, tz)
            near.append((start.astimezone(UTC) - day, end.astimezone(UTC) + day))
        for item in self.record.incidents:
            at = item.declared_at
            if any(start <= at < end for start, end in near):
                month = month_of(at, tz)
                if month in held:
                    found.setdefault(month, []).append(item)
        return found

    def month_keys(self) -> dict[str, str | None]:
        """Month -> what its history page depends on (None: it has an incident in progress,
        whose duration grows: always rendered), for the months of `months()`."""
        import hashlib

        listing = ",".join(self.record.listing)
        keys: dict[str, str | None] = {}
        for month, items in self.months().items():
            if any(i.is_open for i in items):
                keys[month] = None
                continue
            text = listing + ";" + ",".join(f"{i.id}:{i.version}" for i in items)
            keys[month] = hashlib.sha256(text.encode()).hexdigest()[:24]
        return keys

    # the pages

    @cached_property
    def texts(self) -> dict[str, Markup]:
        """The site's words that take no value, escaped once (the templates' `t["back"]`: a
        call per word would cost a whole build a tenth more)."""
        return {key: escape(word) for key, word in self.words.items() if "{" not in word}

    def _render(self, template: str, root: str, **values: Any) -> bytes:
        org = self.playbook.organization
        page = self.env.get_template(template)
        text: str = page.render(
            site=self,
            t=self.texts,
            root=root,
            org=org,
            css=CLASS,
            canonical=(self.base_url + values.pop("path")) if self.base_url else None,
            **values,
        )
        return text.encode()

    @cached_property
    def works(self) -> list[Segment]:
        return maintenance_segments(self.record.maintenances, self.record.now)

    def maintenances(self) -> list[dict[str, Any]]:
        """The scheduled and running windows the index lists."""
        names = {k: c.name for k, c in self.playbook.components.items()}
        return listed(self.record.maintenances, self.times, self.language, names)

    def index(self) -> bytes:
        return self._render("index.html.j2", "", path="", updated=self.record.now)

    def incident(self, item: SiteIncident) -> bytes:
        # a resolved incident's page depends on the incident alone: a later build may keep it
        updated = self.record.now if item.incident.is_open else item.updated_at
        return self._render(
            "incident.html.j2", "../", path=f"incidents/{item.id}.html", item=item, updated=updated
        )

    def history(self, month: str, items: Sequence[SiteIncident], months: Sequence[str]) -> bytes:
        # a month of resolved incidents depends on them alone: a later build may keep its page
        if any(i.is_open for i in items):
            updated = self.record.now
        else:
            updated = max((i.incident.updated_at for i in items), default=self.record.now)
        return self._render(
            "history.html.j2",
            "../",
            path=f"history/{month}.html",
            month=month,
            items=items,
            months=months,
            updated=updated,
        )

    @cached_property
    def rows(self) -> dict[str, ComponentRow]:
        return {row.id: row for group in self.groups for row in group.rows}

    def _moving(self, name: str) -> bool:
        """Whether an open incident or a planned work touches the component: its page then
        says it was updated now."""
        touched = self.record.by_component.get(name, [])
        works = any(s.component == name for s in self.works)
        return works or any(i.resolved_at is None for i in touched)

    def component_updated(self, name: str) -> datetime:
        """When what the component's page shows last changed: now while it is `_moving`, else
        its latest incident's last change in the 90 days, or the start of today (the day the
        bars moved to)."""
        if self._moving(name):
            return self.record.now
        start = self.starts[0]
        latest = self.starts[-1]
        for item in self.record.by_component.get(name, []):
            if item.resolved_at is not None and item.resolved_at > start:
                latest = max(latest, item.updated_at)
        return latest

    def component_key(self, name: str) -> str:
        """What the component's page depends on besides the fingerprint: a rebuild renders
        again only the pages whose key changed."""
        import hashlib

        row = self.rows[name]  # (which also keeps its `_past_key`)
        # when it was updated (`component_updated`, without reading when each incident last
        # changed): now while it is moving, else what its incidents of the 90 days and the day
        # are, as its past key says (None only with a planned work, which moves it)
        past = self._past_keys[name]
        since = self.record.now.isoformat() if past is None or self._moving(name) else past
        shown = (row.status.value, row.strip, row.pct30, row.pct90, str(row.meets_target))
        text = "\0".join((*shown, row.days, since))
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def component(self, name: str) -> bytes:
        """A component's page: its state, its 90 days of uptime and the days with incidents,
        linked (the index's bars are for the eye; this list is what a screen reader reads)."""
        return self._render(
            "component.html.j2",
            "../",
            path=f"components/{name}.html",
            row=self.rows[name],
            updated=self.component_updated(name),
        )

    def banner(self) -> bytes:
        return self._render("banner.html.j2", "", path="banner.html")

    def all_pages(
        self, kept: Container[str] = (), kept_months: Container[str] = ()
    ) -> Iterator[tuple[str, bytes]]:
        """Every page but those of the incidents in `kept` and the months in `kept_months`
        (the previous build's stay)."""
        yield "index.html", self.index()
        yield "banner.html", self.banner()
        for item in self.record.incidents:
            if item.id not in kept:
                yield f"incidents/{item.id}.html", self.incident(item)
        listing = self.record.listing
        for month, items in self.months().items():
            if month not in kept_months:
                yield f"history/{month}.html", self.history(month, items, listing)


def html(text: str) -> str:
    """`text` escaped as the templates escape what they print (markupsafe's five characters),
    without making a `Markup` of it: for what this module joins itself (an incident page's
    timeline, the history's lines, the index's 1,800 bars)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    for character, entity in _ENTITIES:
        if character in text:
            text = text.replace(character, entity)
    return text


_ENTITIES = (("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("'", "&#39;"))


def _shortened(title: str, cut: int) -> str:
    return title if len(title) <= cut else title[: cut - 1].rstrip() + "\u2026"


def _percent_up(total: float, down: float) -> float | None:
    """As `availability` counts it, from the sums of the counted days' minutes."""
    return None if not total else 100.0 * (1 - down / total)


BADGE_COLOURS: Mapping[ComponentStatus, str] = {
    ComponentStatus.OPERATIONAL: "#1a7f37",
    ComponentStatus.UNDER_MAINTENANCE: "#1f5fa8",
    ComponentStatus.DEGRADED_PERFORMANCE: "#8a5a00",
    ComponentStatus.PARTIAL_OUTAGE: "#b34700",
    ComponentStatus.MAJOR_OUTAGE: "#b3261e",
}


def badge(label: str, status: ComponentStatus, text: str, language: str = "en") -> bytes:
    """A shields-style SVG badge: `label | status`, the status on its colour."""
    from html import escape

    left = 6 * len(label) + 12
    right = 6 * len(text) + 12
    width = left + right
    colour = BADGE_COLOURS[status]
    label_e, text_e = escape(label), escape(text)
    said = f"{label_e}{mark(':', language)} {text_e}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f'aria-label="{said}"><title>{said}</title>'
        f'<rect width="{left}" height="20" fill="#444"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14">{label_e}</text><text x="{left + 6}" y="14">{text_e}</text>'
        "</g></svg>\n"
    ).encode()
