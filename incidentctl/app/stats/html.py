"""`stats --html FILE`: the report as one self-contained page for the monthly review — inline
CSS and SVG, no script, no CDN — in the playbook's language. Every value is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from incidentctl.app.site.wording import percent
from incidentctl.app.stats.aggregate import Group, Summary
from incidentctl.app.stats.availability import WINDOWS
from incidentctl.app.stats.charts import bar_chart
from incidentctl.app.stats.report import Report, TargetCheck, minutes
from incidentctl.app.stats.wording import (
    duration_text,
    figure_text,
    month_label,
    target_text,
    words,
)

LATEST = 50
STYLE = """
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--card:#f6f8fa;--line:#d0d7de;--ok:#1a7f37;
--bad:#b3261e;--bar:#1f5fa8}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;
--card:#161b22;--line:#30363d;--ok:#3fb950;--bad:#ff7b72;--bar:#6cb6ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1280px;margin:0 auto;padding:1.25rem}
h1{font-size:1.5rem;margin:.25rem 0}h2{font-size:1.15rem;margin:2rem 0 .6rem}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1rem}
.card{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--line);
border-radius:6px;padding:.6rem .9rem}
.card.ok{border-left-color:var(--ok)}.card.bad{border-left-color:var(--bad)}
.card h3{font-size:.95rem;margin:0 0 .2rem;font-weight:600}
.value{font-size:1.6rem;font-weight:700}.ok .verdict{color:var(--ok)}.bad .verdict{color:var(--bad)}
.verdict{font-weight:600}
.chart{width:100%;height:auto;display:block;margin-top:.3rem}
.chart rect{fill:var(--bar)}.chart rect.bad{fill:var(--bad)}.chart rect.ok{fill:var(--ok)}
.chart text{font-size:11px;fill:var(--muted)}
.chart .axis{stroke:var(--line)}.chart .target{stroke:var(--fg);stroke-dasharray:5 4}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:right;
white-space:nowrap}
th:first-child,td:first-child,td.text,th.text{text-align:left}
td.text{white-space:normal;min-width:14rem}
thead th{font-weight:600;background:var(--card)}
td.ok{color:var(--ok);font-weight:600}td.bad{color:var(--bad);font-weight:600}
footer{margin:2rem 0 1rem;font-size:.85rem;color:var(--muted)}
"""


def _table(
    title: str, head: Sequence[str], rows: Sequence[str], note: str = "", text: int = -1
) -> str:
    """A titled table; `title`, `note` and `rows` are HTML already, `head` plain text; the
    column at index `text` holds words (left-aligned) rather than figures."""
    left = ' class="text"'
    header = "".join(
        f'<th scope="col"{left if i == text else ""}>{escape(h)}</th>' for i, h in enumerate(head)
    )
    return (
        f'<h2>{title}</h2>{note}<div class="scroll"><table><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


class _Page:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.language = report.language
        self.words = words(self.language)

    def w(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def t(self, key: str, **values: object) -> str:
        """A word, escaped for HTML."""
        return escape(self.w(key, **values))

    def moment(self, value: datetime) -> str:
        from zoneinfo import ZoneInfo

        local = value.astimezone(ZoneInfo(self.report.timezone))
        return f"{local:%Y-%m-%d %H:%M}"

    def duration(self, value: float | None) -> str:
        return escape(duration_text(value, self.language))

    def stat(self, summary: Summary) -> str:
        if not summary.count:
            return "—"
        shown = [duration_text(minutes(v), self.language) for v in (summary.mean, summary.median)]
        shown.append(duration_text(minutes(summary.p90), self.language))
        return escape(" · ".join(shown))

    def share(self, value: float | None) -> str:
        """A share of updates or postmortems, in whole percents."""
        if value is None:
            return "—"
        return escape(f"{100 * value:.0f}\u00a0%")

    # the page's parts

    def period(self) -> str:
        report = self.report
        since = self.moment(report.since) if report.since else None
        until = self.moment(report.until) if report.until else None
        key = {
            (False, False): "span.all",
            (True, False): "span.since",
            (False, True): "span.until",
            (True, True): "span.both",
        }[(since is not None, until is not None)]
        span = self.w(key, since=since, until=until)
        return self.t("period", span=span, at=self.moment(report.generated_at), tz=report.timezone)

    def card(self, check: TargetCheck) -> str:
        verdict = {True: "ok", False: "bad", None: ""}[check.met]
        if check.target is None:
            said = self.t("no_target")
        else:
            said = escape(
                self.w("target", target=target_text(check.unit, check.target, self.language))
            )
            if check.met is not None:
                said += (
                    f' · <span class="verdict">{self.t("met" if check.met else "missed")}</span>'
                )
        value = (
            escape(figure_text(check.unit, check.value, self.language))
            if check.value is not None
            else f'<span class="muted">{self.t("nothing")}</span>'
        )
        chart = bar_chart(
            self.w("chart", figure=self.w(check.key)),
            check.monthly[-24:],
            target=check.target,
            higher_is_better=check.unit == "percent",
            show=lambda v: figure_text(check.unit, v, self.language),
            month_label=lambda m: month_label(m, self.language),
        )
        return (
            f'<section class="card {verdict}"><h3>{self.t(check.key)}</h3>'
            f'<div class="value">{value}</div><div>{said}</div>{chart}</section>'
        )

    def groups(
        self, title: str, first: str, groups: Sequence[Group], label: Callable[[str], str]
    ) -> str:
        if not groups:
            return ""
        head = [
            first,
            self.w("incidents"),
            self.w("majors"),
            self.w("first"),
            self.w("identify"),
            self.w("mitigate"),
            self.w("resolve"),
            self.w("cadence"),
            self.w("silence"),
            self.w("postmortems"),
            self.w("reports"),
        ]
        rows = []
        for g in groups:
            postmortems = (
                f"{g.postmortems_on_time}/{g.postmortems_required}"
                if g.postmortems_required
                else "—"
            )
            cells = [
                escape(label(g.key)),
                str(g.incidents),
                str(g.majors),
                self.stat(g.first_communication),
                self.stat(g.identify),
                self.stat(g.mitigate),
                self.stat(g.resolve),
                self.share(g.cadence_share),
                self.duration(minutes(g.longest_silence)),
                postmortems,
                str(g.reports),
            ]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return _table(escape(title), head, rows, f'<p class="muted">{self.t("stat")}</p>')

    def availability(self) -> str:
        items = self.report.availability
        if not items:
            return ""
        goal = next(t.target for t in self.report.targets if t.key == "availability")
        head = [self.w("component"), *(self.w("days", n=n) for n in WINDOWS)]
        rows = []
        for item in items:
            cells = [f'<td class="text">{escape(item.name)}</td>']
            for window in WINDOWS:
                value = item.windows[window]
                css = "" if goal is None or value is None else ("ok" if value >= goal else "bad")
                cells.append(f'<td class="{css}">{escape(percent(value, self.language))}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return _table(self.t("availability_title"), head, rows)

    def latest(self) -> str:
        items = self.report.incidents[-LATEST:][::-1]
        if not items:
            return f"<p>{self.t('empty')}</p>"
        head = [
            self.w("id"),
            self.w("name"),
            self.w("severity"),
            self.w("started"),
            self.w("first"),
            self.w("identify"),
            self.w("mitigate"),
            self.w("resolve"),
            self.w("cadence"),
            self.w("reports"),
        ]
        rows = []
        for item in items:
            cells = [
                f"<td>{escape(item.incident.id)}</td>",
                f'<td class="text">{escape(item.incident.title)}</td>',
                f"<td>{escape(item.incident.severity)}</td>",
                f"<td>{escape(self.moment(item.incident.impact_start))}</td>",
                *(
                    f"<td>{self.duration(minutes(v))}</td>"
                    for v in (item.first_communication, item.identify, item.mitigate, item.resolve)
                ),
                f"<td>{self.share(item.cadence.share)}</td>",
                f"<td>{item.reports}</td>",
            ]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        total = len(self.report.incidents)
        note = (
            f'<p class="muted">{self.t("latest_note", shown=len(items), total=total)}</p>'
            if total > len(items)
            else ""
        )
        return _table(self.t("latest"), head, rows, note, text=1)

    def render(self) -> str:
        report = self.report
        title = self.w("title", org=report.organization)
        cards = "".join(self.card(c) for c in report.targets)
        body = [
            f"<h1>{escape(title)}</h1>",
            f'<p class="muted">{self.period()}</p>',
            f'<h2>{self.t("targets")}</h2><div class="cards">{cards}</div>',
            self.groups(
                self.w("months"),
                self.w("month"),
                report.months,
                lambda k: month_label(k, self.language),
            ),
            self.groups(self.w("severities"), self.w("severity"), report.severities, lambda k: k),
            self.availability(),
            self.latest(),
            f"<footer>{self.t('legend')}</footer>",
        ]
        return (
            f'<!doctype html>\n<html lang="{escape(self.language)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><main>{''.join(body)}</main></body></html>\n"
        )


def render_html(report: Report) -> str:
    """The one-page report."""
    return _Page(report).render()
