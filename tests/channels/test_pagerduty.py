from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.channels.base import SendResult
from incidentctl.channels.pagerduty import PagerDutyChannel, PagerDutySettings
from incidentctl.model.records import Stage
from tests.channels.fakes.base_server import build_channel, make_outgoing
from tests.channels.fakes.pagerduty_server import ROUTING_KEY, PagerDutyServer


@pytest.fixture
def server() -> Iterator[PagerDutyServer]:
    with PagerDutyServer() as fake:
        yield fake


def channel(api_base: str, tmp_path: Path) -> PagerDutyChannel:
    options = {"routing_key": "${PAGERDUTY_ROUTING_KEY}", "api_base": api_base}
    env = {"PAGERDUTY_ROUTING_KEY": ROUTING_KEY}
    return build_channel(PagerDutyChannel, options, env, tmp_path, name="pd")


def test_first_message_triggers_an_alert(server: PagerDutyServer, tmp_path: Path) -> None:
    result = channel(server.url, tmp_path).send(make_outgoing("Investigating checkout errors."))

    assert result == SendResult(remote_id="INC-20250101-001", link=None)
    event = server.requests[-1].json()
    assert event == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "INC-20250101-001",
        "client": "incidentctl",
        "payload": {
            "summary": "Checkout errors in EU",
            "source": "incidentctl",
            "severity": "critical",
            "timestamp": "2025-01-01T09:00:00+00:00",
            "custom_details": {
                "status": "investigating",
                "severity": "sev1",
                "impact": "Payments fail for some EU customers",
                "components": {"checkout": "major_outage", "api": "degraded_performance"},
                "message": "Investigating checkout errors.",
            },
        },
    }
    assert [(a.dedup_key, a.status) for a in server.alerts] == [("INC-20250101-001", "triggered")]


def test_updates_fold_into_the_alert_and_resolve_closes_it(
    server: PagerDutyServer, tmp_path: Path
) -> None:
    pd = channel(server.url, tmp_path)
    first = pd.send(make_outgoing())
    pd.send(make_outgoing("Found it.", stage=Stage.IDENTIFIED, thread=first.remote_id))
    pd.send(make_outgoing("All clear.", stage=Stage.RESOLVED, thread=first.remote_id))

    assert len(server.alerts) == 1
    alert = server.alerts[0]
    assert alert.status == "resolved"
    assert [e["event_action"] for e in alert.log] == ["trigger", "trigger", "resolve"]
    assert alert.log[-1] == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": "INC-20250101-001",
    }


@pytest.mark.parametrize(
    ("rank", "severity"),
    [(0, "critical"), (1, "error"), (2, "warning"), (3, "info"), (None, "error")],
)
def test_severity_follows_severity_rank(
    server: PagerDutyServer, tmp_path: Path, rank: int | None, severity: str
) -> None:
    channel(server.url, tmp_path).send(make_outgoing(severity_rank=rank))

    assert server.alerts[0].severity == severity


def test_long_titles_are_cut_to_the_summary_limit(server: PagerDutyServer, tmp_path: Path) -> None:
    channel(server.url, tmp_path).send(make_outgoing(title="x" * 2000))

    assert len(server.alerts[0].summary) == 1024


def test_check_settings_wants_a_source() -> None:
    settings = PagerDutySettings(routing_key="${K}", source=" ")

    assert [p.key for p in PagerDutyChannel.check_settings(settings)] == ["source"]
