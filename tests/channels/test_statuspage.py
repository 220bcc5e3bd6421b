from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from incidentctl.channels.statuspage import StatuspageChannel, StatuspageSettings
from incidentctl.errors import DeliveryError
from incidentctl.model.records import ComponentStatus, Stage
from tests.channels.fakes.base_server import (
    ManualClock,
    build_channel,
    make_incident,
    make_outgoing,
)
from tests.channels.fakes.statuspage_server import API_KEY as KEY
from tests.channels.fakes.statuspage_server import StatuspageServer

ENV = {"STATUSPAGE_API_KEY": KEY}
MAPPING = {"checkout": "cmp_checkout", "api": "cmp_api"}
OTHER_UID = "0d6e3c7b-another-store-0001"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[StatuspageServer]:
    with StatuspageServer(api_key=KEY, clock=clock) as fake:
        yield fake


def channel(
    server: StatuspageServer | None,
    tmp_path: Path,
    *,
    env: dict[str, str] = ENV,
    timeout: float = 5.0,
    **settings: Any,
) -> StatuspageChannel:
    options: dict[str, Any] = {
        "api_key": "${STATUSPAGE_API_KEY}",
        "page_id": "pg123",
        "components": MAPPING,
    }
    if server is not None:
        options["api_base"] = server.api_base
    options.update(settings)
    return build_channel(StatuspageChannel, options, env, tmp_path, name="status", timeout=timeout)


def test_first_message_creates_an_incident(server: StatuspageServer, tmp_path: Path) -> None:
    result = channel(server, tmp_path).send(make_outgoing("Checkout is failing."))

    incident = server.incidents[result.remote_id or ""]
    assert incident["name"] == "Checkout errors in EU"
    assert incident["status"] == "investigating"
    assert incident["impact_override"] == "critical"
    assert incident["incident_updates"][0]["body"] == "Checkout is failing."
    assert incident["metadata"] == {
        "incidentctl": {"incident_id": "INC-20250101-001", "uid": make_incident().uid}
    }
    assert result.link == incident["shortlink"]
    request = server.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/pages/pg123/incidents")
    assert request.headers["authorization"] == f"OAuth {KEY}"
    fields = request.json()["incident"]
    assert fields["component_ids"] == ["cmp_checkout", "cmp_api"]
    assert fields["components"] == {
        "cmp_checkout": "major_outage",
        "cmp_api": "degraded_performance",
    }
    assert "deliver_notifications" not in fields


def test_updates_patch_the_same_incident(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    sp = channel(server, tmp_path)
    first = sp.send(make_outgoing("Investigating."))
    clock.advance(1.0)
    update = make_outgoing(
        "Found it.",
        stage=Stage.IDENTIFIED,
        thread=first.remote_id,
        components={
            "checkout": ComponentStatus.PARTIAL_OUTAGE,
            "api": ComponentStatus.OPERATIONAL,
            "db": ComponentStatus.MAJOR_OUTAGE,
        },
    )
    second = sp.send(update)

    assert second.remote_id == first.remote_id
    assert len(server.incidents) == 1
    request = server.requests[-1]
    assert (request.method, request.path) == (
        "PATCH",
        f"/v1/pages/pg123/incidents/{first.remote_id}",
    )
    incident = server.incidents[first.remote_id or ""]
    assert incident["status"] == "identified"
    assert [u["body"] for u in incident["incident_updates"]] == ["Found it.", "Investigating."]
    # "db" is not mapped to a Statuspage component: not sent
    assert request.json()["incident"]["components"] == {
        "cmp_checkout": "partial_outage",
        "cmp_api": "operational",
    }
    assert server.components["cmp_checkout"] == "partial_outage"


def test_resolving_leaves_components_operational(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    sp = channel(server, tmp_path)
    first = sp.send(make_outgoing())
    clock.advance(1.0)
    sp.send(make_outgoing("All good.", stage=Stage.RESOLVED, thread=first.remote_id))

    incident = server.incidents[first.remote_id or ""]
    assert incident["status"] == "resolved"
    assert incident["resolved_at"]
    assert server.components == {
        "cmp_checkout": "operational",
        "cmp_api": "operational",
        "cmp_web": "operational",
    }


@pytest.mark.parametrize(
    ("rank", "impact"), [(0, "critical"), (1, "major"), (2, "minor"), (5, "minor"), (None, None)]
)
def test_impact_follows_severity_rank(
    server: StatuspageServer, tmp_path: Path, rank: int | None, impact: str | None
) -> None:
    channel(server, tmp_path).send(make_outgoing(severity_rank=rank))

    assert server.requests[-1].json()["incident"].get("impact_override") == impact


def test_deliver_notifications_is_passed_on(server: StatuspageServer, tmp_path: Path) -> None:
    result = channel(server, tmp_path, deliver_notifications=False).send(make_outgoing())

    assert server.requests[-1].json()["incident"]["deliver_notifications"] is False
    assert server.incidents[result.remote_id or ""]["deliver_notifications"] is False


def test_the_fake_validates_against_the_openapi(server: StatuspageServer) -> None:
    response = httpx.post(
        f"{server.api_base}/pages/pg123/incidents",
        json={"incident": {"name": "x", "status": "exploding"}},
        headers={"Authorization": f"OAuth {KEY}"},
    )

    assert response.status_code == 422
    assert "exploding" in response.json()["error"][0]


def test_rejected_request_carries_statuspage_text(server: StatuspageServer, tmp_path: Path) -> None:
    sp = channel(server, tmp_path, components={"checkout": "cmp_unknown"})
    with pytest.raises(DeliveryError) as caught:
        sp.send(make_outgoing())

    assert caught.value.status == 422
    assert not caught.value.retryable
    assert "Component cmp_unknown not found" in caught.value.message


def test_reconcile_finds_the_incident_an_uncertain_send_created(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    sp = channel(server, tmp_path, timeout=0.3)
    server.delay_next(2.0)
    with pytest.raises(DeliveryError):
        sp.send(make_outgoing())
    clock.advance(1.0)

    found = sp.reconcile(make_outgoing())

    assert found is not None
    assert found.remote_id in server.incidents
    assert found.link == server.incidents[found.remote_id or ""]["shortlink"]
    assert server.requests[-1].path == "/v1/pages/pg123/incidents/unresolved"


def test_reconcile_without_a_trace_answers_none(server: StatuspageServer, tmp_path: Path) -> None:
    assert channel(server, tmp_path).reconcile(make_outgoing()) is None


def test_reconcile_matches_by_name_an_incident_recorded_without_uid(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    sp = channel(server, tmp_path)
    created = sp.send(make_outgoing(uid=""))
    assert server.incidents[created.remote_id or ""]["metadata"] == {
        "incidentctl": {"incident_id": "INC-20250101-001"}
    }
    clock.advance(1.0)
    assert sp.reconcile(make_outgoing(uid="")) == created
    server.incidents[created.remote_id or ""]["metadata"] = {}
    clock.advance(1.0)

    found = sp.reconcile(make_outgoing(id="INC-other", uid=""))

    assert found is not None
    assert found.remote_id == created.remote_id
    clock.advance(1.0)
    assert sp.reconcile(make_outgoing(title="Another title", uid="")) is None


def test_reconcile_matches_the_uid_not_an_id_another_store_also_has(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    # two machines, two stores: both numbered their incident INC-20250101-001
    theirs = channel(server, tmp_path).send(make_outgoing(uid=OTHER_UID))
    clock.advance(1.0)
    sp = channel(server, tmp_path)

    assert sp.reconcile(make_outgoing()) is None  # our create never reached the page
    clock.advance(1.0)
    ours = sp.send(make_outgoing())
    clock.advance(1.0)

    assert ours.remote_id != theirs.remote_id
    assert sp.reconcile(make_outgoing()) == ours
    clock.advance(1.0)
    assert sp.reconcile(make_outgoing(uid=OTHER_UID)) == theirs
    clock.advance(1.0)
    resolved = make_outgoing(stage=Stage.RESOLVED)
    assert sp.reconcile(resolved) == ours  # found through the search, the uid decides too


@pytest.mark.parametrize(
    "metadata",
    [{}, {"incidentctl": {"incident_id": "INC-20250101-001"}}],
    ids=["dropped", "id-without-uid"],
)
def test_reconcile_holds_what_may_be_ours_but_lacks_the_uid(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path, metadata: dict[str, Any]
) -> None:
    sp = channel(server, tmp_path)
    created = sp.send(make_outgoing())
    server.incidents[created.remote_id or ""]["metadata"] = metadata
    clock.advance(1.0)

    with pytest.raises(DeliveryError) as caught:
        sp.reconcile(make_outgoing())

    assert created.remote_id in caught.value.message
    assert "uid" in caught.value.message
    clock.advance(1.0)
    assert sp.reconcile(make_outgoing(title="Another title", id="INC-other")) is None


def test_reconcile_of_an_update_looks_for_the_incident_update(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    sp = channel(server, tmp_path, timeout=0.3)
    first = sp.send(make_outgoing())
    clock.advance(1.0)
    update = make_outgoing("Fix deployed.", stage=Stage.MONITORING, thread=first.remote_id)
    clock.advance(1.0)

    assert sp.reconcile(update) is None
    clock.advance(1.0)
    server.delay_next(2.0)
    with pytest.raises(DeliveryError) as caught:
        sp.send(update)
    assert caught.value.uncertain
    clock.advance(1.0)

    found = sp.reconcile(update)
    assert found is not None
    assert found.remote_id == first.remote_id


def test_resolved_first_message_is_reconciled_through_search(
    server: StatuspageServer, clock: ManualClock, tmp_path: Path
) -> None:
    sp = channel(server, tmp_path)
    sp.send(make_outgoing("Over already.", stage=Stage.RESOLVED))
    clock.advance(1.0)

    found = sp.reconcile(make_outgoing("Over already.", stage=Stage.RESOLVED))

    assert found is not None
    assert server.requests[-1].path == "/v1/pages/pg123/incidents"
    assert server.requests[-1].arg("q") == "Checkout errors in EU"


def test_check_settings_refuses_an_empty_component_id() -> None:
    settings = StatuspageSettings(api_key="${K}", page_id="pg", components={"a": " "})

    assert [p.key for p in StatuspageChannel.check_settings(settings)] == ["components"]
