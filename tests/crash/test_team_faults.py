"""Several senders at once, and a PostgreSQL server that goes away mid-command.

Two `retry` processes started together send each pending delivery once (on the backend the
suite runs on). On PostgreSQL — a cluster of this module's own, so stopping it disturbs no
other test — a server stopped while a fan-out is under way, or killed in the middle of a
transaction, leaves nothing half-written, and `retry` then finishes the job without a silent
duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from incidentctl.errors import StateError
from incidentctl.model.records import EventKind, TimelineEvent
from incidentctl.store import open_url
from tests import pg_cluster
from tests.channels.fakes.base_server import Reply
from tests.crash.test_sigkill import (
    CHANNELS,
    TITLE,
    WAIT,
    World,
    assert_requirement,
    declare,
    resend_uncertain,
    world,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.timeout(300)


def test_two_retries_started_together_send_each_delivery_once(world: World) -> None:  # noqa: F811
    for hook in world.hooks.values():
        hook.fail_next(Reply(status=400, body=b"bad request"))
    declared = declare(world)
    assert declared.wait(WAIT * 2) == 3, world.output(declared)
    iid = world.incident_id()
    assert world.states() == {
        "outbox": "sent",
        "hook_a": "failed",
        "hook_b": "failed",
        "status": "sent",
    }
    retries = [world.start("retry"), world.start("retry")]
    codes = sorted(proc.wait(WAIT * 2) for proc in retries)
    assert codes == [0, 0], [world.output(proc) for proc in retries]
    # each hook: the refused request, then exactly one more
    assert {name: len(hook.posts()) for name, hook in world.hooks.items()} == dict.fromkeys(
        world.hooks, 2
    )
    assert world.accepted() == dict.fromkeys(CHANNELS, 1)
    assert {c: d["state"] for c, d in world.show(iid).items()} == dict.fromkeys(CHANNELS, "sent")


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[pg_cluster.Cluster]:
    if pg_cluster.server_binaries() is None:
        pytest.skip(pg_cluster.HOW_TO_RUN)
    with pg_cluster.running_cluster(durable=True) as cluster:
        yield cluster


@pytest.fixture
def team(world: World, own_cluster: pg_cluster.Cluster) -> Iterator[World]:  # noqa: F811
    """The crash world, its record in a fresh schema of this module's own cluster."""
    world.env["INCIDENTCTL_DATABASE_URL"] = pg_cluster.Schemas(own_cluster.url()).new()
    try:
        yield world
    finally:
        if not (own_cluster.data / "postmaster.pid").exists():
            own_cluster.start()


def test_server_stopped_during_the_fan_out_then_retry_finishes(
    team: World, own_cluster: pg_cluster.Cluster
) -> None:
    """The deliveries are recorded (outbox first); hook_a holds its request; the server stops;
    hook_a answers. The CLI says in one line that the record cannot be reached, and after the
    server is back `retry` settles every channel: sent once, or uncertain and told."""
    team.hooks["hook_a"].after.arm()
    proc = declare(team)
    assert team.hooks["hook_a"].after.reached.wait(WAIT), team.output(proc)
    own_cluster.stop("fast")
    team.hooks["hook_a"].after.released.set()
    code = proc.wait(WAIT * 2)
    said = team.output(proc)
    assert code == 5, said
    assert "Traceback" not in said
    assert [line for line in said.splitlines() if line.startswith("error:")] == [
        line for line in said.splitlines() if "state database" in line and "error:" in line
    ]
    own_cluster.start()
    iid = team.incident_id()
    retried = team.cli("retry")
    shown = assert_requirement(team, iid, retried)
    uncertain = {c for c, d in shown.items() if d["state"] == "uncertain"}
    assert "hook_a" in uncertain  # it published, but its answer never reached the record
    resend_uncertain(team, iid, uncertain)


def test_server_killed_mid_transaction_leaves_nothing_half_written(
    team: World, own_cluster: pg_cluster.Cluster
) -> None:
    declared = team.cli("declare", "sev1", "--title", TITLE, "--yes")
    assert declared.code == 0, declared.text
    iid = team.incident_id()
    url = team.env["INCIDENTCTL_DATABASE_URL"]
    store = open_url(url)
    incident = store.get_incident(iid)
    assert incident is not None
    incident.title = "Half written"
    event = TimelineEvent(iid, EventKind.UPDATE, datetime.now(UTC), "never stored")
    with pytest.raises(StateError), store.exclusive():
        store.record(incident, [event], [])
        own_cluster.kill()
    store.close()
    own_cluster.start()
    with open_url(url) as after:
        kept = after.get_incident(iid)
        assert kept is not None and kept.title == TITLE and kept.version == 0
        assert [e.kind for e in after.timeline(iid)] == ["declared"]
    received = team.received()
    retried = team.cli("retry")
    assert retried.code == 0 and "nothing to retry" in retried.out, retried.text
    assert team.received() == received
    updated = team.cli("update", iid, "-m", "Back", "--yes")
    assert updated.code == 0, updated.text
    assert team.accepted() == dict.fromkeys(CHANNELS, 2)
