"""Responders changing one incident at the same moment, as real processes on one store.

Eight processes each post 25 updates to one incident, every update setting one of five
components to a state. Each process runs the real CLI (`run(argv)`) in a loop, on the shared
SQLite store: every update must be stored (200 update events), each component change must say
what it changed from as it really stood (every `from` is the previous `to` of that component,
in timeline order), and the incident's components must be what replaying the timeline gives.
Two responders resolving at once produce one resolution; the other is told and exits 6.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from incidentctl.store import open_store
from tests.helpers import cli, store_env, write_playbook

PROCESSES = 8
UPDATES = 25
COMPONENTS = ("api", "portal", "db", "dns", "mail")
STATES = ("operational", "degraded_performance", "partial_outage", "major_outage")

PLAYBOOK = """\
organization:
  name: Acme Cloud
  timezone: Europe/Paris
  language: en
  status_page_url: https://status.acme.example
severities:
  - id: sev2
    name: Major
    criteria: [A core journey is down for some customers]
    update_every: 1h
    notify:
      all: [outbox]
roles:
  commander:
    name: Incident commander
    responsibilities: [Decides]
components:
  api: {name: Public API}
  portal: {name: Customer portal}
  db: {name: Database}
  dns: {name: DNS}
  mail: {name: Mail}
channels:
  outbox:
    type: outbox
    audience: public
"""

# one responder: 25 updates in a row, each to one component, through the CLI entry point
RESPONDER = textwrap.dedent(
    """
    import random, sys
    from incidentctl.cli.app import run

    worker, incident, updates = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    components, states = sys.argv[4].split(","), sys.argv[5].split(",")
    rng = random.Random(worker)
    codes = []
    for n in range(updates):
        spec = f"{rng.choice(components)}:{rng.choice(states)}"
        message = f"responder {worker} update {n}: {spec}"
        codes.append(run(["update", incident, "-m", message, "--component", spec, "--yes"]))
    print(",".join(map(str, codes)))
    """
)

pytestmark = pytest.mark.timeout(300)


@dataclass(frozen=True)
class Shared:
    """One declared incident in a store that several processes open."""

    home: Path
    playbook: Path
    incident: str

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTCTL_")}
        env.update(INCIDENTCTL_HOME=str(self.home), INCIDENTCTL_PLAYBOOK=str(self.playbook))
        env.update(store_env(self.home))
        return {**env, "NO_COLOR": "1"}


@pytest.fixture
def shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Shared:
    home = tmp_path / "home"
    playbook = write_playbook(tmp_path, PLAYBOOK)
    monkeypatch.setenv("INCIDENTCTL_HOME", str(home))
    monkeypatch.setenv("INCIDENTCTL_PLAYBOOK", str(playbook))
    result = cli(capsys, "declare", "sev2", "--title", "Checkout errors", "--yes", "--json")
    assert result.code == 0, result.err
    return Shared(home, playbook, str(json.loads(result.out)["id"]))


def test_concurrent_updates_compose_and_the_timeline_replays_to_the_state(
    shared: Shared,
) -> None:
    incident, home = shared.incident, shared.home

    args = [incident, str(UPDATES), ",".join(COMPONENTS), ",".join(STATES)]
    responders = [
        subprocess.Popen(
            [sys.executable, "-c", RESPONDER, str(worker), *args],
            env=shared.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(PROCESSES)
    ]
    for responder in responders:
        out, err = responder.communicate(timeout=240)
        assert responder.returncode == 0, err
        codes = out.strip().splitlines()[-1].split(",")
        assert codes == ["0"] * UPDATES, err

    with open_store(home, {}) as store:
        events = store.timeline(incident)
        stored = store.get_incident(incident)
        deliveries = store.deliveries(incident_id=incident)
    assert stored is not None
    assert sum(1 for e in events if e.kind == "update") == PROCESSES * UPDATES
    # every responder's updates exactly once, each in the order it made them
    said = [e.message for e in events if e.kind == "update"]
    assert len(set(said)) == len(said)
    for worker in range(PROCESSES):
        mine = [m for m in said if m.startswith(f"responder {worker} ")]
        assert [int(m.split(" update ")[1].split(":")[0]) for m in mine] == list(range(UPDATES))
    replayed: dict[str, str | None] = {}
    changes = 0
    for event in events:
        data = event.data
        if event.kind == "declared":
            replayed.update(data.get("components") or {})
        if event.kind != "component_change":
            continue
        changes += 1
        name = data["component"]
        assert data["from"] == replayed.get(name), (name, data)
        replayed[name] = data["to"]
    assert changes > 0
    assert {k: str(v.value) for k, v in stored.components.items()} == {
        k: v for k, v in replayed.items() if v
    }
    # one write of the row per update (none lost, none applied twice)
    assert stored.version == PROCESSES * UPDATES
    assert len(deliveries) == 1 + PROCESSES * UPDATES
    assert {d.state.value for d in deliveries} == {"sent"}


def test_two_responders_resolving_at_once_make_one_resolution(shared: Shared) -> None:
    incident, home, env = shared.incident, shared.home, shared.env
    resolvers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "incidentctl",
                "resolve",
                incident,
                "-m",
                f"fixed ({n})",
                "--yes",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [(r.wait(timeout=120), r.communicate()[1]) for r in resolvers]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 6, 6, 6], results
    told = [err for code, err in results if code == 6]
    assert all(f"{incident} is resolved" in err for err in told), told
    assert all(err.count("\n") == 1 for err in told), told
    with open_store(home, {}) as store:
        events = [e for e in store.timeline(incident) if e.kind == "resolved"]
        deliveries = [d for d in store.deliveries(incident_id=incident) if d.stage == "resolved"]
    assert len(events) == 1
    assert len(deliveries) == 1
