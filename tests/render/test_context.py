"""The context templates receive: times in the organization's zone, cadence, key times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidentctl.model.records import ComponentStatus, EventKind, Stage, TimelineEvent
from incidentctl.render import build_context
from incidentctl.render.times import localized_duration
from tests.render.builders import NOW, declared_event, make_incident, make_playbook


def test_organization_and_incident_fields() -> None:
    playbook = make_playbook("fr")
    incident = make_incident(
        category="security",
        components={
            "api": ComponentStatus.PARTIAL_OUTAGE,
            "portal": ComponentStatus.MAJOR_OUTAGE,
            "legacy": ComponentStatus.DEGRADED_PERFORMANCE,
        },
        roles={"comms": "@priya", "commander": "@jordan", "scribe": ""},
    )
    context = build_context(playbook, incident, declared_event(incident), now=NOW)
    assert context["org"] == {
        "name": "Acme Cloud",
        "timezone": "Europe/Paris",
        "language": "fr",
        "status_page_url": "https://status.acme-cloud.example",
        "support_contact": "support@acme-cloud.example",
    }
    data = context["incident"]
    assert data["severity"] == {
        "id": "sev1",
        "name": "Critical",
        "description": "",
        "update_every": "30m",
        "postmortem_required": True,
    }
    assert data["status"] == "investigating"
    assert data["status_label"] == "Analyse en cours"
    assert (data["category"], data["category_name"], data["security_or_data"]) == (
        "security",
        "Security",
        True,
    )
    # playbook order first, then components the playbook no longer knows
    assert data["components"] == [
        {
            "id": "portal",
            "name": "Customer portal",
            "status": "major_outage",
            "status_label": "Panne majeure",
        },
        {
            "id": "api",
            "name": "Public API",
            "status": "partial_outage",
            "status_label": "Panne partielle",
        },
        {
            "id": "legacy",
            "name": "legacy",
            "status": "degraded_performance",
            "status_label": "Performances dégradées",
        },
    ]
    assert data["roles"] == [
        {"id": "commander", "name": "Incident commander", "who": "@jordan"},
        {"id": "comms", "name": "Communications lead", "who": "@priya"},
    ]
    assert data["declared_at"] == "2025-12-19 14:30 CET"
    assert data["declared_time"] == "14:30"
    assert data["declared_when"] == "à 14\u00a0h\u00a030 (heure de Paris)"
    assert data["declared_text"] == "14\u00a0h\u00a030 (heure de Paris)"
    assert (data["duration"], data["duration_label"]) == ("20m", "20 min")
    assert data["duration_text"] == "20\u00a0min"
    assert data["span"] == "de 14\u00a0h\u00a030 à 14\u00a0h\u00a050 (heure de Paris)"
    assert data["is_resolved"] is False
    assert data["resolved_at"] is None
    assert (data["resolved_when"], data["resolved_text"]) == (None, None)
    assert context["now"] == "2025-12-19 14:50 CET"
    assert context["update"] == {
        "kind": "declared",
        "message": "About a third of customers cannot sign in",
        "at": "2025-12-19 14:30 CET",
        "time": "14:30",
        "when": "à 14\u00a0h\u00a030 (heure de Paris)",
        "at_text": "14\u00a0h\u00a030 (heure de Paris)",
        "new_stage": True,
    }


def test_no_category_means_no_security_flag() -> None:
    incident = make_incident()
    context = build_context(make_playbook(), incident, declared_event(incident), now=NOW)
    assert context["incident"]["security_or_data"] is False
    assert context["incident"]["category_name"] == ""


def test_times_follow_the_organization_timezone_and_summer_time() -> None:
    summer = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    incident = make_incident(declared_at=summer, updated_at=summer, next_update_due=None)
    event = declared_event(incident)
    paris = build_context(make_playbook(), incident, event, now=summer)
    assert paris["incident"]["declared_at"] == "2025-07-01 14:00 CEST"
    utc = make_playbook(organization={"name": "Acme", "timezone": "UTC"})
    assert build_context(utc, incident, event, now=summer)["incident"]["declared_at"] == (
        "2025-07-01 12:00 UTC"
    )


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = datetime(2025, 12, 19, 13, 0)
    incident = make_incident(declared_at=naive, updated_at=naive, next_update_due=None)
    context = build_context(make_playbook(), incident, declared_event(incident), now=NOW)
    assert context["incident"]["declared_time"] == "14:00"


def test_next_update_uses_the_severity_cadence_from_the_event() -> None:
    incident = make_incident(severity="sev2", next_update_due=None)
    event = TimelineEvent(incident.id, EventKind.UPDATE, NOW, message="Still on it")
    context = build_context(make_playbook(), incident, event, now=NOW)
    assert context["next_update"] == {
        "at": "15:50",
        "in": "1h00m",
        "in_label": "1h00m",
        "at_full": "2025-12-19 15:50 CET",
        "zone": "CET",
        "when": "at 15:50 CET",
        "at_text": "15:50 CET",
        "in_text": "1 hour",
    }


def test_next_update_keeps_a_later_recorded_due_time() -> None:
    incident = make_incident(next_update_due=NOW + timedelta(minutes=45))
    event = TimelineEvent(incident.id, EventKind.UPDATE, NOW)
    context = build_context(make_playbook("fr"), incident, event, now=NOW)
    assert context["next_update"]["at"] == "15:35"
    assert context["next_update"]["in_label"] == "45 min"
    # a due time already past (recorded by an earlier update) is replaced by the cadence
    stale = make_incident(next_update_due=NOW - timedelta(minutes=5))
    assert build_context(make_playbook(), stale, event, now=NOW)["next_update"]["at"] == "15:20"


def test_no_next_update_once_resolved() -> None:
    incident = make_incident(status=Stage.RESOLVED, resolved_at=NOW - timedelta(minutes=5))
    event = TimelineEvent(incident.id, EventKind.RESOLVED, NOW - timedelta(minutes=5))
    context = build_context(make_playbook(), incident, event, now=NOW)
    assert context["next_update"] is None
    assert context["incident"]["is_resolved"] is True
    assert context["incident"]["resolved_at"] == "2025-12-19 14:45 CET"
    assert context["incident"]["resolved_time"] == "14:45"
    assert context["incident"]["resolved_text"] == "14:45 CET"
    assert context["incident"]["span"] == "from 14:30 to 14:45 CET"
    # the duration stops at the resolution, not at rendering time
    assert context["incident"]["duration"] == "15m"


def test_key_times_and_timeline() -> None:
    start = NOW - timedelta(minutes=65)
    incident = make_incident(declared_at=start, status=Stage.RESOLVED, resolved_at=NOW)
    minutes = [0, 12, 12, 20, 40, 40, 65, 65]
    events = [
        TimelineEvent(incident.id, EventKind.DECLARED, start, message="Portal down"),
        TimelineEvent(
            incident.id,
            EventKind.COMPONENT_CHANGE,
            start,
            data={"component": "api", "from": None, "to": "partial_outage"},
        ),
        TimelineEvent(
            incident.id,
            EventKind.UPDATE,
            start,
            message="Checking the database",
        ),
        TimelineEvent(
            incident.id,
            EventKind.STATUS_CHANGE,
            start,
            data={"from": "investigating", "to": "identified"},
        ),
        TimelineEvent(
            incident.id, EventKind.SEVERITY_CHANGE, start, data={"from": "sev2", "to": "sev1"}
        ),
        TimelineEvent(
            incident.id,
            EventKind.STATUS_CHANGE,
            start,
            data={"from": "identified", "to": "monitoring"},
        ),
        TimelineEvent(
            incident.id,
            EventKind.ROLE_CHANGE,
            start,
            message="",
            data={"role": "scribe", "from": None, "to": "@lee"},
        ),
        TimelineEvent(incident.id, EventKind.RESOLVED, start, message="Back to normal"),
    ]
    for event, offset in zip(events, minutes, strict=True):
        event.at = start + timedelta(minutes=offset)
    # given out of order: the context sorts by time, keeping same-instant order
    shuffled = [events[4], *events[:4], *events[5:]]
    first_sent = start + timedelta(minutes=4)
    context = build_context(
        make_playbook(), incident, events[-1], now=NOW, timeline=shuffled, first_sent=first_sent
    )
    assert context["key_times"] == {
        "declared": "2025-12-19 13:45 CET",
        "first_message": "2025-12-19 13:49 CET",
        "identified": "2025-12-19 14:05 CET",
        "monitoring": "2025-12-19 14:25 CET",
        "resolved": "2025-12-19 14:50 CET",
        "time_to_first_message": "4m",
        "time_to_first_message_label": "4m",
        "time_to_resolve": "1h05m",
        "time_to_resolve_label": "1h05m",
    }
    summaries = [(e["time"], e["kind"], e["summary"]) for e in context["timeline"]]
    assert summaries == [
        ("13:45", "declared", "Portal down"),
        ("13:57", "component_change", "Public API: Partial outage"),
        ("13:57", "update", "Checking the database"),
        ("14:05", "status_change", "Status: Investigating → Identified"),
        ("14:25", "severity_change", "Severity: sev2 (Major) → sev1 (Critical)"),
        ("14:25", "status_change", "Status: Identified → Monitoring"),
        ("14:50", "role_change", "Scribe: @lee"),
        ("14:50", "resolved", "Back to normal"),
    ]
    assert context["timeline"][0]["kind_label"] == "Incident declared"
    assert context["timeline"][0]["date"] == "2025-12-19"


def test_key_times_without_timeline_fall_back_to_the_declaration() -> None:
    incident = make_incident()
    context = build_context(make_playbook(), incident, declared_event(incident), now=NOW)
    assert context["key_times"] == {
        "declared": "2025-12-19 14:30 CET",
        "first_message": "2025-12-19 14:30 CET",
        "identified": None,
        "monitoring": None,
        "resolved": None,
        "time_to_first_message": "0s",
        "time_to_first_message_label": "0s",
        "time_to_resolve": None,
        "time_to_resolve_label": None,
    }
    assert context["timeline"] == []


def test_key_time_durations_have_localized_labels() -> None:
    start = NOW - timedelta(minutes=36)
    incident = make_incident(declared_at=start, status=Stage.RESOLVED, resolved_at=NOW)
    sent = start + timedelta(minutes=3)
    events = [
        TimelineEvent(incident.id, EventKind.DECLARED, start),
        TimelineEvent(incident.id, EventKind.RESOLVED, NOW, message="Fixed"),
    ]
    english = build_context(
        make_playbook(), incident, events[-1], now=NOW, timeline=events, first_sent=sent
    )
    french = build_context(
        make_playbook("fr"), incident, events[-1], now=NOW, timeline=events, first_sent=sent
    )
    durations = ("time_to_first_message", "time_to_resolve")
    assert [english["key_times"][k] for k in durations] == ["3m", "36m"]
    assert [english["key_times"][f"{k}_label"] for k in durations] == ["3m", "36m"]
    assert [french["key_times"][k] for k in durations] == ["3m", "36m"]
    assert [french["key_times"][f"{k}_label"] for k in durations] == ["3 min", "36 min"]
    assert french["incident"]["duration_label"] == "36 min"


def test_new_stage_is_false_for_a_second_message_in_the_same_stage() -> None:
    incident = make_incident(status=Stage.IDENTIFIED)
    declared = declared_event(incident)
    change = TimelineEvent(
        incident.id,
        EventKind.STATUS_CHANGE,
        NOW - timedelta(minutes=10),
        data={"from": "investigating", "to": "identified"},
    )
    first = TimelineEvent(incident.id, EventKind.UPDATE, NOW - timedelta(minutes=10), message="a")
    second = TimelineEvent(incident.id, EventKind.UPDATE, NOW, message="b")
    playbook = make_playbook()
    entering = build_context(playbook, incident, first, now=NOW, timeline=[declared, change, first])
    staying = build_context(
        playbook, incident, second, now=NOW, timeline=[declared, change, first, second]
    )
    assert entering["update"]["new_stage"] is True
    assert staying["update"]["new_stage"] is False


def test_unknown_severity_still_renders() -> None:
    incident = make_incident(severity="sev9", next_update_due=None)
    context = build_context(make_playbook(), incident, declared_event(incident), now=NOW)
    assert context["incident"]["severity"]["name"] == "sev9"
    assert context["next_update"]["in"] == "30m"


@pytest.mark.parametrize(
    ("seconds", "en", "fr"),
    [
        (45, "45s", "45 s"),
        (12 * 60, "12m", "12 min"),
        (3900, "1h05m", "1 h 05"),
        (7200, "2h00m", "2 h"),
        (2 * 86400 + 3 * 3600, "2d3h", "2 j 3 h"),
    ],
)
def test_localized_duration(seconds: int, en: str, fr: str) -> None:
    delta = timedelta(seconds=seconds)
    assert localized_duration(delta, "en") == en
    assert localized_duration(delta, "fr") == fr


def test_french_timeline_names_roles_and_puts_severity_names_first() -> None:
    incident = make_incident(status=Stage.IDENTIFIED)
    events = [
        TimelineEvent(
            incident.id, EventKind.SEVERITY_CHANGE, NOW, data={"from": "sev2", "to": "sev1"}
        ),
        # as `assign` records it: the role id and an English colon in the message
        TimelineEvent(
            incident.id,
            EventKind.ROLE_CHANGE,
            NOW,
            message="scribe: @lee",
            data={"role": "scribe", "from": None, "to": "@lee"},
        ),
        TimelineEvent(
            incident.id,
            EventKind.ROLE_CHANGE,
            NOW,
            message="comms: @sam",
            data={"role": "comms", "from": "@priya", "to": "@sam"},
        ),
    ]
    context = build_context(make_playbook("fr"), incident, events[-1], now=NOW, timeline=events)
    assert [e["summary"] for e in context["timeline"]] == [
        "Gravité\u00a0: Major (sev2) → Critical (sev1)",
        "Scribe\u00a0: @lee",
        "Communications lead\u00a0: @priya → @sam",
    ]


def test_affected_and_recovered_components() -> None:
    incident = make_incident(
        status=Stage.MONITORING,
        components={"portal": ComponentStatus.OPERATIONAL, "api": ComponentStatus.MAJOR_OUTAGE},
    )
    data = build_context(make_playbook(), incident, declared_event(incident), now=NOW)["incident"]
    assert [c["id"] for c in data["components"]] == ["portal", "api"]
    assert [c["id"] for c in data["affected"]] == ["api"]
    assert [c["id"] for c in data["recovered"]] == ["portal"]
    resolved = make_incident(
        status=Stage.RESOLVED,
        resolved_at=NOW,
        components={"portal": ComponentStatus.OPERATIONAL},
    )
    data = build_context(make_playbook(), resolved, declared_event(resolved), now=NOW)["incident"]
    assert (data["affected"], data["recovered"]) == ([], [])
    assert [c["id"] for c in data["components"]] == ["portal"]


def test_data_safe_is_read_back_from_the_timeline() -> None:
    incident = make_incident()  # as the store gives it back: the record has no such column
    declared = TimelineEvent(
        incident.id, EventKind.DECLARED, incident.declared_at, data={"data_safe": None}
    )
    confirmed = TimelineEvent(incident.id, EventKind.UPDATE, NOW, data={"data_safe": True})
    routine = TimelineEvent(incident.id, EventKind.UPDATE, NOW, message="Still on it")
    playbook = make_playbook()

    def data_safe(*timeline: TimelineEvent) -> object:
        return build_context(playbook, incident, timeline[-1], now=NOW, timeline=timeline)[
            "incident"
        ]["data_safe"]

    assert data_safe(declared) is None
    assert data_safe(declared, confirmed, routine) is True
    # a plan not yet stored: the record carries what the responder just said
    incident.data_safe = True
    assert data_safe(declared) is None  # the timeline, when it says something, wins
    assert build_context(playbook, incident, routine, now=NOW)["incident"]["data_safe"] is True
