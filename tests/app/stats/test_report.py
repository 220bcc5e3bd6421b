"""The figures against hand-computed values: an incident across the end of DST in
Europe/Paris, one across two months, one open whose local month is not its UTC month.

Europe/Paris leaves summer time on 2026-10-25 at 01:00 UTC (03:00 CEST becomes 02:00 CET):
every duration below is real time, whatever the wall clock said.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from incidentctl.app.stats.aggregate import percentile, summarize
from incidentctl.app.stats.figures import Postmortem
from incidentctl.app.stats.read import read_report
from incidentctl.app.stats.report import Report
from incidentctl.app.workspace import Workspace
from incidentctl.model.records import DeliveryState, EventKind, Stage
from tests.app.stats.builders import Recorder, utc
from tests.helpers import PLAYBOOK, workspace

TARGETS = """\
targets:
  mttr: 60m
  first_communication: 20m
  majors_per_month: 2
  availability: 99.5
  major_severities: [sev1]
"""
STATS_PLAYBOOK = PLAYBOOK.format(language="en") + TARGETS
SENT = DeliveryState.SENT
NOW = utc(2026, 12, 1, 1, 0)  # 02:00 CET on 1 December


def m(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 60


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with workspace(tmp_path, STATS_PLAYBOOK) as ws:
        yield ws


def record_three(ws: Workspace) -> None:
    rec = Recorder(ws.store)
    # A, sev1 (major): impact 00:40 UTC (02:40 CEST), declared 00:50, told publicly 00:55,
    # identified 01:20 (02:20 CET: the wall clock went back), monitoring 01:50, resolved 02:10
    a = rec.declare(
        "sev1",
        utc(2026, 10, 25, 0, 50),
        started=utc(2026, 10, 25, 0, 40),
        components={"portal": "major_outage"},
        told={"outbox": (SENT, utc(2026, 10, 25, 0, 55)), "room": (SENT, utc(2026, 10, 25, 0, 51))},
    )
    rec.update(a, utc(2026, 10, 25, 1, 20), Stage.IDENTIFIED)
    rec.update(a, utc(2026, 10, 25, 1, 50), Stage.MONITORING)
    rec.resolve(a, utc(2026, 10, 25, 2, 10))
    rec.event(a, EventKind.POSTMORTEM_WRITTEN, utc(2026, 10, 26, 10, 0), {"path": "a.md"})
    # B, sev2 (cadence 1h): 22:30 UTC on 31 October to 01:30 UTC on 1 November; the public
    # message went out at 22:45; identified at the 23:45 update; resolved without monitoring
    b = rec.declare(
        "sev2",
        utc(2026, 10, 31, 22, 30),
        components={"api": "major_outage"},
        told={"outbox": (SENT, utc(2026, 10, 31, 22, 45))},
    )
    rec.update(b, utc(2026, 10, 31, 23, 45), Stage.IDENTIFIED)
    rec.resolve(b, utc(2026, 11, 1, 1, 30))
    # C, sev1, still open: declared 23:30 UTC on 30 November, which is 00:30 CET on
    # 1 December; impact since 23:00 UTC; its public message failed
    rec.declare(
        "sev1",
        utc(2026, 11, 30, 23, 30),
        started=utc(2026, 11, 30, 23, 0),
        components={"api": "partial_outage"},
        told={"outbox": (DeliveryState.FAILED, None)},
    )


def report_of(ws: Workspace, **window: object) -> Report:
    return read_report(ws.store, ws.playbook, NOW, **window)  # type: ignore[arg-type]


def test_each_incident_measured_from_its_impact_start_in_real_time(ws: Workspace) -> None:
    record_three(ws)
    a, b, c = report_of(ws).incidents
    # A: first public message 00:55 - 00:40 = 15 (the internal room at 00:51 does not count);
    # identified 01:20 - 00:40 = 40; monitoring 01:50 - 00:40 = 70; resolved 02:10 - 00:40 = 90
    # (the wall clock says 02:40 CEST -> 03:10 CET: 30 minutes, which would be wrong)
    assert (m(a.first_communication), m(a.identify), m(a.mitigate), m(a.resolve)) == (
        15,
        40,
        70,
        90,
    )
    # every gap 30, 30, 20 minutes is within sev1's 30m
    assert (a.cadence.gaps, a.cadence.on_time, m(a.cadence.longest_silence)) == (3, 3, 30)
    assert a.month == "2026-10" and a.major
    # written 32 h after the resolution: within the 5 days
    assert a.postmortem is Postmortem.ON_TIME
    # B: 22:45 - 22:30 = 15; identified 23:45 - 22:30 = 75; never monitoring, so mitigated
    # when resolved: 01:30 - 22:30 = 180; gaps 75 and 105 minutes, both over sev2's hour
    assert (m(b.first_communication), m(b.identify), m(b.mitigate), m(b.resolve)) == (
        15,
        75,
        180,
        180,
    )
    assert (b.cadence.gaps, b.cadence.on_time, m(b.cadence.longest_silence)) == (2, 0, 105)
    assert b.month == "2026-10" and not b.major
    assert b.postmortem is Postmortem.NOT_REQUIRED
    # C: no message accepted, nothing reached; silent since 23:30, 90 minutes by 01:00, past
    # sev1's 30m: one missed update; its month is December in Paris (November in UTC)
    assert (c.first_communication, c.identify, c.mitigate, c.resolve) == (None,) * 4
    assert (c.cadence.gaps, c.cadence.on_time, m(c.cadence.longest_silence)) == (1, 0, 90)
    assert c.month == "2026-12" and c.postmortem is Postmortem.DUE
    assert [i.reports for i in (a, b, c)] == [0, 0, 0]  # no `report` events recorded


def test_summaries_show_median_and_p90_beside_the_mean(ws: Workspace) -> None:
    record_three(ws)
    overall = report_of(ws).overall
    assert overall.incidents == 3 and overall.majors == 2  # A and C are sev1
    # first communication: A 15, B 15 (C has none)
    assert (overall.first_communication.count, m(overall.first_communication.mean)) == (2, 15)
    # identify 40 and 75: mean and median 57.5; p90 by nearest rank: ceil(0.9 * 2) = 2nd = 75
    ident = overall.identify
    assert (m(ident.mean), m(ident.median), m(ident.p90)) == (57.5, 57.5, 75)
    # resolve 90 and 180
    res = overall.resolve
    assert (res.count, m(res.mean), m(res.median), m(res.p90)) == (2, 135, 135, 180)
    # cadence: 3 of 3 + 0 of 2 + 0 of 1 = 3 of 6; longest silence B's 105
    assert (overall.cadence_on_time, overall.cadence_gaps) == (3, 6)
    assert overall.cadence_share == 0.5 and m(overall.longest_silence) == 105
    # postmortems: A on time; C's is not due yet (still open)
    assert (overall.postmortems_on_time, overall.postmortems_required) == (1, 1)


def test_months_in_the_organization_timezone_every_one_listed(ws: Workspace) -> None:
    record_three(ws)
    report = report_of(ws)
    assert [(g.key, g.incidents, g.majors) for g in report.months] == [
        ("2026-10", 2, 1),  # A and B (B ends in November, counted where its impact started)
        ("2026-11", 0, 0),  # nothing started in November, in Paris
        ("2026-12", 1, 1),  # C
    ]
    october = report.months[0]
    assert m(october.resolve.mean) == 135
    assert [(g.key, g.incidents) for g in report.severities] == [("sev1", 2), ("sev2", 1)]


def test_each_figure_against_its_target(ws: Workspace) -> None:
    record_three(ws)
    checks = {t.key: t for t in report_of(ws).targets}
    # MTTR 135 minutes, not under 60: missed; per month 135, none, none
    assert (checks["mttr"].value, checks["mttr"].target, checks["mttr"].met) == (135, 60, False)
    assert checks["mttr"].monthly == [("2026-10", 135), ("2026-11", None), ("2026-12", None)]
    # first communication 15 minutes, under 20: met
    first = checks["first_communication"]
    assert (first.value, first.target, first.met) == (15, 20, True)
    # the worst month has 1 major incident, fewer than 2: met
    majors = checks["majors_per_month"]
    assert (majors.value, majors.met) == (1, True)
    assert majors.monthly == [("2026-10", 1), ("2026-11", 0), ("2026-12", 1)]


def test_availability_is_the_status_site_computation(ws: Workspace) -> None:
    record_three(ws)
    found = {a.component: a for a in report_of(ws).availability}
    # 30 local days: 2 to 30 November (29 whole days) and 1 December up to 02:00 CET (120
    # minutes): 29 * 1440 + 120 = 41,880 minutes. api: C partial (half down) since 23:30 UTC,
    # 90 minutes: 45 down; B was before the window
    assert found["api"].windows[30] == pytest.approx(100 * (1 - 45 / 41_880))
    # 90 days from 3 September: 89 whole days, 25 October had 25 hours, + 120 minutes:
    # 89 * 1440 + 60 + 120 = 128,340; api: B 180 down + C 45; portal: A from its declaration
    # (00:50) to 02:10 UTC, 80 minutes, as the site counts segments
    assert found["api"].windows[90] == pytest.approx(100 * (1 - 225 / 128_340))
    assert found["portal"].windows[90] == pytest.approx(100 * (1 - 80 / 128_340))
    assert found["portal"].windows[30] == 100.0
    checks = {t.key: t for t in report_of(ws).targets}
    # the lowest 30-day figure is api's, above 99.5: met
    assert checks["availability"].value == pytest.approx(100 * (1 - 45 / 41_880))
    assert checks["availability"].met is True


def test_an_incident_told_only_internally_is_measured_but_not_counted_down(
    ws: Workspace,
) -> None:
    rec = Recorder(ws.store)
    hidden = rec.declare(
        "sev2",
        utc(2026, 11, 20, 10, 0),
        components={"portal": "major_outage"},
        told={"room": (SENT, utc(2026, 11, 20, 10, 1))},
    )
    rec.resolve(hidden, utc(2026, 11, 20, 11, 0))
    report = report_of(ws)
    (only,) = report.incidents
    # no public message: no time to first communication; resolved in 60 minutes
    assert only.first_communication is None and m(only.resolve) == 60
    # the status site shows no incident customers were never told of, nor its downtime
    portal = next(a for a in report.availability if a.component == "portal")
    assert portal.windows[30] == 100.0


def test_the_window_takes_incidents_whose_impact_started_in_it(ws: Workspace) -> None:
    record_three(ws)
    # since 1 November 00:00 in Paris (31 October 23:00 UTC): B started 22:30 UTC, before
    only = report_of(ws, since=utc(2026, 10, 31, 23, 0))
    assert [i.incident.severity for i in only.incidents] == ["sev1"]
    assert [g.key for g in only.months] == ["2026-11", "2026-12"]
    # until 31 October 22:30 UTC, excluded: only A
    before = report_of(ws, until=utc(2026, 10, 31, 22, 30))
    assert [m(i.resolve) for i in before.incidents] == [90]


def test_an_empty_history_has_no_figures_and_no_months(ws: Workspace) -> None:
    report = report_of(ws)
    assert report.incidents == [] and report.months == [] and report.severities == []
    assert report.overall.resolve.mean is None and report.overall.cadence_share is None
    assert all(t.value is None and t.met is None for t in report.targets if t.unit != "percent")
    # nothing went down: every component fully available
    assert {a.windows[365] for a in report.availability} == {100.0}


def test_one_incident_is_its_own_median_and_p90(ws: Workspace) -> None:
    rec = Recorder(ws.store)
    one = rec.declare(
        "sev2", utc(2026, 11, 10, 9, 0), told={"outbox": (SENT, utc(2026, 11, 10, 9, 7))}
    )
    rec.resolve(one, utc(2026, 11, 10, 9, 47))
    summary = report_of(ws).overall.resolve
    assert (summary.count, m(summary.mean), m(summary.median), m(summary.p90)) == (1, 47, 47, 47)


def test_percentile_by_nearest_rank() -> None:
    values = [timedelta(minutes=n) for n in range(1, 11)]
    # of ten, p90 is the ninth smallest; of eleven, ceil(9.9) = the tenth
    assert percentile(values, 0.9) == timedelta(minutes=9)
    assert percentile([*values, timedelta(minutes=11)], 0.9) == timedelta(minutes=10)
    # the median of an even count is the mean of the middle two: (5 + 6) / 2
    assert summarize(values).median == timedelta(minutes=5.5)
    assert summarize([None, None]).count == 0


def test_stats_and_the_status_site_say_the_same_availability(ws: Workspace) -> None:
    from incidentctl.app.site.pages import Pages
    from incidentctl.app.site.record import read_record
    from incidentctl.app.site.wording import percent

    record_three(ws)
    site = Pages(read_record(ws.store, ws.playbook, NOW), "https://status.acme.example/")
    shown = {row.id: (row.pct30, row.pct90) for group in site.groups for row in group.rows}
    ours = {
        a.component: (percent(a.windows[30], "en"), percent(a.windows[90], "en"))
        for a in report_of(ws).availability
    }
    assert ours == shown
    assert shown["api"][1] != percent(100.0, "en")  # a figure with downtime in it


def test_maintenance_is_not_downtime_but_its_overrun_is_as_on_the_site(ws: Workspace) -> None:
    from incidentctl.app.site.pages import Pages
    from incidentctl.app.site.record import read_record
    from incidentctl.app.site.wording import percent
    from incidentctl.model.maintenance import Maintenance, MaintenanceStatus

    start = utc(2026, 11, 20, 1, 0)
    ws.store.create_maintenance(
        Maintenance(
            id="MNT-20261120-01",
            title="Works",
            status=MaintenanceStatus.COMPLETED,
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=2),
            components=["portal"],
            created_at=start - timedelta(days=1),
            updated_at=start + timedelta(hours=3),
            started_at=start,
            ended_at=start + timedelta(hours=3),
            overran_at=start + timedelta(hours=2),
            organization="Acme Cloud",
        ),
        [],
        day=start.date(),
        seq=1,
    )
    portal = next(a for a in report_of(ws).availability if a.component == "portal")
    # two planned hours cost nothing; the hour past the announced end is an outage, out of the
    # 41,880 minutes of the 30 days (see above)
    assert portal.windows[30] == pytest.approx(100 * (1 - 60 / 41_880))
    site = Pages(read_record(ws.store, ws.playbook, NOW), "https://status.acme.example/")
    row = next(r for g in site.groups for r in g.rows if r.id == "portal")
    assert row.pct30 == percent(portal.windows[30], "en")


def test_customer_reports_counted_and_a_reopening_is_no_silence(ws: Workspace) -> None:
    rec = Recorder(ws.store)
    # sev2 (1h cadence): declared 10:00, two tickets linked, resolved 10:40; reopened at 15:00
    # (4h20 later: not a gap, it was resolved), updated 15:30, resolved again 16:00
    item = rec.declare("sev2", utc(2026, 11, 18, 10, 0))
    for ticket in ("T-1", "T-2"):
        rec.event(item, EventKind.CUSTOMER_REPORT, utc(2026, 11, 18, 10, 10), {"ticket": ticket})
    rec.resolve(item, utc(2026, 11, 18, 10, 40))
    item.status, item.resolved_at = Stage.INVESTIGATING, None
    rec.event(item, EventKind.REOPENED, utc(2026, 11, 18, 15, 0))
    rec.update(item, utc(2026, 11, 18, 15, 30))
    rec.resolve(item, utc(2026, 11, 18, 16, 0))
    (only,) = report_of(ws).incidents
    assert only.reports == 2
    # gaps 40 (declared -> resolved), 30 (reopened -> update), 30 (update -> resolved): all
    # within the hour, the longest 40 minutes
    assert (only.cadence.gaps, only.cadence.on_time, m(only.cadence.longest_silence)) == (3, 3, 40)
    # resolved for good at 16:00: six hours from the impact start
    assert m(only.resolve) == 360
