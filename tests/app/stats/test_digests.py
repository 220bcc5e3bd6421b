"""The facts `stats` folds out of each timeline and keeps in the store as a digest: judged
alike fresh or read back, refolded as soon as the timeline grows, and never required (a store
that refuses them still gives the figures)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from incidentctl.app.site.uptime import segments
from incidentctl.app.stats.export import report_data
from incidentctl.app.stats.facts import Facts, fold, segments_of
from incidentctl.app.stats.figures import timeline_of
from incidentctl.app.stats.read import DIGEST, read_report
from incidentctl.app.workspace import Workspace
from incidentctl.errors import StateError
from incidentctl.model.records import DeliveryState, EventKind, Incident, Stage
from tests.app.stats.builders import Recorder, utc
from tests.helpers import PLAYBOOK, workspace

NOW = utc(2026, 11, 20, 12, 0)
SENT = DeliveryState.SENT
CADENCES = {"sev1": timedelta(minutes=30), "sev2": timedelta(hours=1)}


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with workspace(tmp_path, PLAYBOOK.format(language="en")) as ws:
        yield ws


def record(ws: Workspace) -> list[Incident]:
    """A resolved incident whose components changed, one resolved then reopened and still
    open with a component out, and one without a public word."""
    rec = Recorder(ws.store)
    told = {"outbox": (SENT, utc(2026, 11, 20, 8, 5))}
    first = rec.declare(
        "sev1", utc(2026, 11, 20, 8, 0), components={"api": "major_outage"}, told=told
    )
    rec.event(
        first,
        EventKind.COMPONENT_CHANGE,
        utc(2026, 11, 20, 8, 20),
        {"component": "api", "from": "major_outage", "to": "degraded_performance"},
    )
    rec.update(first, utc(2026, 11, 20, 8, 25), Stage.IDENTIFIED)
    rec.event(first, EventKind.SEVERITY_CHANGE, utc(2026, 11, 20, 8, 30), {"to": "sev2"})
    rec.update(first, utc(2026, 11, 20, 9, 50), Stage.MONITORING)
    rec.resolve(first, utc(2026, 11, 20, 10, 0))
    rec.event(first, EventKind.POSTMORTEM_WRITTEN, utc(2026, 11, 20, 11, 0), {"path": "a.md"})
    second = rec.declare(
        "sev2", utc(2026, 11, 20, 9, 0), components={"portal": "partial_outage"}, told=told
    )
    rec.resolve(second, utc(2026, 11, 20, 9, 40))
    second.status, second.resolved_at = Stage.INVESTIGATING, None
    rec.event(second, EventKind.REOPENED, utc(2026, 11, 20, 10, 30))
    rec.event(
        second,
        EventKind.COMPONENT_CHANGE,
        utc(2026, 11, 20, 10, 35),
        {"component": "portal", "from": "operational", "to": "major_outage"},
    )
    rec.event(second, EventKind.CUSTOMER_REPORT, utc(2026, 11, 20, 10, 40), {"ticket": "T-1"})
    third = rec.declare(
        "sev2", utc(2026, 11, 20, 11, 0), components={"api": "degraded_performance"}
    )
    return [first, second, third]


def report(ws: Workspace) -> dict[str, Any]:
    return report_data(read_report(ws.store, ws.playbook, NOW))


def test_facts_read_back_are_judged_as_the_fold_itself(ws: Workspace) -> None:
    for incident in record(ws):
        incident = ws.store.get_incident(incident.id) or incident
        facts = fold(ws.store.moments([incident.id])[incident.id])
        back = Facts.from_text(facts.to_text())
        assert back is not None
        assert timeline_of(back, incident, CADENCES.get, NOW) == timeline_of(
            facts, incident, CADENCES.get, NOW
        )
        assert segments_of(back, incident, NOW) == segments_of(facts, incident, NOW)


def test_the_stretches_folded_are_the_status_site_segments(ws: Workspace) -> None:
    found = 0
    for incident in record(ws):
        incident = ws.store.get_incident(incident.id) or incident
        facts = fold(ws.store.moments([incident.id])[incident.id])
        expected = segments(incident, ws.store.timeline(incident.id), NOW)
        assert segments_of(facts, incident, NOW) == expected
        found += len(expected)
    # api major then degraded; portal partial until the resolution, major since the
    # reopening's change; api degraded since the third declaration
    assert found == 5


def test_the_reopened_incident_facts(ws: Workspace) -> None:
    second = record(ws)[1]
    facts = fold(ws.store.moments([second.id])[second.id])
    # declared 09:00, resolved 09:40 (a gap), reopened 10:30: no gap across the resolution
    assert facts.gaps == ((40 * 60 * 1_000_000, "sev2"),)  # as declared
    assert facts.last_message == "2026-11-20T10:30:00.000000+00:00"
    assert facts.resolved and facts.reports == 1
    assert facts.held == (("portal", "major_outage", "2026-11-20T10:35:00.000000+00:00"),)


def test_stats_keeps_a_digest_per_incident_and_reads_it_back(ws: Workspace) -> None:
    incidents = record(ws)
    ids = [i.id for i in incidents]
    assert ws.store.digests(DIGEST, ids) == {}
    first = report(ws)
    kept = ws.store.digests(DIGEST, ids)
    last = ws.store.last_event_ids(ids)
    assert set(kept) == set(ids)
    assert {i: through for i, (through, _) in kept.items()} == last
    assert report(ws) == first
    # a digest is only read while its incident's last event is the one it was folded through
    moments = ws.store.moments(ids)
    for incident_id, (_, body) in kept.items():
        assert body == fold(moments[incident_id]).to_text()


def test_a_timeline_that_grew_is_folded_again(ws: Workspace) -> None:
    third = record(ws)[2]
    before = report(ws)
    (was,) = (i for i in before["incidents"] if i["id"] == third.id)
    assert was["time_to_identify_minutes"] is None
    Recorder(ws.store).update(third, utc(2026, 11, 20, 11, 30), Stage.IDENTIFIED)
    after = report(ws)
    (now,) = (i for i in after["incidents"] if i["id"] == third.id)
    assert now["time_to_identify_minutes"] == 30.0
    through, body = ws.store.digests(DIGEST, [third.id])[third.id]
    assert through == ws.store.last_event_ids([third.id])[third.id]
    assert '"2026-11-20T11:30:00.000000+00:00"' in body


def test_a_digest_that_is_not_one_is_folded_again(ws: Workspace) -> None:
    incidents = record(ws)
    fresh = report(ws)
    last = ws.store.last_event_ids([i.id for i in incidents])
    spoilt = {"[1, 2]", "not json", '{"a": 1}', "[null,null,false,5,null,null,null,0,[],[]]"}
    for incident, body in zip(incidents, sorted(spoilt), strict=False):
        ws.store.keep_digests(DIGEST, {incident.id: (last[incident.id], body)})
    assert report(ws) == fresh
    for incident in incidents:
        assert Facts.from_text(ws.store.digests(DIGEST, [incident.id])[incident.id][1])


def test_a_store_that_refuses_digests_still_gives_the_figures(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    incidents = record(ws)

    def refuse(name: str, digests: object) -> None:
        raise StateError("state database: attempt to write a readonly database")

    monkeypatch.setattr(ws.store, "keep_digests", refuse)
    refused = report(ws)
    assert ws.store.digests(DIGEST, [i.id for i in incidents]) == {}
    monkeypatch.undo()
    assert report(ws) == refused == report(ws)
