"""`declare`: numbered by the store, rendered once, stored exactly as previewed."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from incidentctl.app.declare import REDECLARE_WINDOW, commit_declare, plan_declare
from incidentctl.app.scaffold import scaffold
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.channels.base import ChannelSettings
from incidentctl.errors import ConflictError, IncidentIdTaken
from incidentctl.model.records import Incident
from incidentctl.render.renderer import Renderer
from incidentctl.store.sqlite import SQLiteStore
from tests.helpers import write_playbook

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)


class CountingStore(SQLiteStore):
    """A real store that counts the calls that read every incident."""

    listings = 0

    def list_incidents(self, **filters: Any) -> list[Incident]:
        self.listings += 1
        return super().list_incidents(**filters)


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Renderer constructions, message renders and channel settings validations, counted on
    the real classes (from the moment the test asks for them: after the workspace is open)."""
    seen: Counter[str] = Counter()
    validate = BaseModel.model_validate.__func__  # type: ignore[attr-defined]

    def validating(cls: type[BaseModel], *args: Any, **kwargs: Any) -> Any:
        seen["settings validated"] += 1
        return validate(cls, *args, **kwargs)

    monkeypatch.setattr(ChannelSettings, "model_validate", classmethod(validating))

    def counting(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen[name] += 1
            return method(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(Renderer, "__init__", counting("Renderer()", Renderer.__init__))
    monkeypatch.setattr(Renderer, "render", counting("render", Renderer.render))
    return seen


def workspace(playbook: Path, clock: list[datetime]) -> Iterator[Workspace]:
    state = playbook.parent / "state"
    state.mkdir(exist_ok=True)
    loaded, channels = load_checked_playbook(playbook)
    with CountingStore(state / "incidentctl.db") as store:
        yield Workspace(
            loaded=loaded,
            store=store,
            env={},
            state_dir=state,
            channels=channels,
            clock=lambda: clock[0],
            console=io.StringIO(),
        )


@pytest.fixture
def clock() -> list[datetime]:
    return [START]


@pytest.fixture
def starter(tmp_path: Path, clock: list[datetime]) -> Iterator[Workspace]:
    scaffold(tmp_path, "en")
    yield from workspace(tmp_path / "incidentctl.yaml", clock)


@pytest.fixture
def ws(tmp_path: Path, clock: list[datetime]) -> Iterator[Workspace]:
    yield from workspace(write_playbook(tmp_path), clock)


def test_one_declare_renders_once_per_channel_and_lists_nothing(
    starter: Workspace, counts: Counter[str]
) -> None:
    severity = starter.playbook.severities[1].id
    plan = plan_declare(starter, severity, "Customers cannot log in", impact="Logins fail")
    incident = commit_declare(starter, plan)
    # the status site, the outbox, the console and the support desk's outbox
    assert len(plan.deliveries) == 4
    assert counts == {"Renderer()": 1, "render": len(plan.deliveries)}
    assert isinstance(starter.store, CountingStore) and starter.store.listings == 0
    assert incident.id == plan.incident.id == "INC-20251219-0001"
    # the settings validated at load serve the preview and every send
    report = send_deliveries(starter, incident, plan.deliveries, make_engine(starter))
    assert not report.failed
    assert counts["settings validated"] == 0


def test_loading_validates_each_channels_settings_once(
    tmp_path: Path, counts: Counter[str]
) -> None:
    scaffold(tmp_path, "en")
    loaded, channels = load_checked_playbook(tmp_path / "incidentctl.yaml")
    assert list(channels) == list(loaded.playbook.channels)
    assert counts["settings validated"] == len(channels) == 8
    for name, checked in channels.items():
        assert checked.cls.type == loaded.playbook.channels[name].type
        assert isinstance(checked.settings, checked.cls.settings_model)


def test_the_preview_is_what_is_stored(ws: Workspace) -> None:
    plan = plan_declare(ws, "sev1", "API down", impact="Calls fail", components=["api"])
    previewed = [(d.channel, d.message) for d in plan.deliveries]
    lengths = dict(plan.rendered.lengths)
    incident = commit_declare(ws, plan)
    stored = ws.store.deliveries(incident_id=incident.id)
    assert [(d.channel, d.message) for d in stored] == previewed
    assert {d.channel: (len(d.message.text), None) for d in stored} == lengths
    assert all(f"Reference: {incident.id}" in d.message.text for d in stored)
    (event,) = ws.store.timeline(incident.id)
    assert event.data["snapshot"]["id"] == incident.id
    assert list(event.data) == [
        "severity",
        "roles",
        "components",
        "data_safe",
        "snapshot",
        "event",
    ]


def test_an_id_taken_meanwhile_is_replanned_with_the_next_one(
    ws: Workspace, counts: Counter[str]
) -> None:
    mine = plan_declare(ws, "sev1", "API down")
    theirs = plan_declare(ws, "sev2", "Portal slow")  # a concurrent declare, same number
    assert mine.incident.id == theirs.incident.id == "INC-20251219-0001"
    commit_declare(ws, theirs)
    counts.clear()
    incident = commit_declare(ws, mine)
    assert incident.id == "INC-20251219-0002"
    assert counts == {"render": len(mine.deliveries)}  # rendered again outside the write
    stored = ws.store.deliveries(incident_id=incident.id)
    assert [d.message for d in stored] == [d.message for d in mine.deliveries]
    assert all("Reference: INC-20251219-0002" in d.message.text for d in stored)
    assert {d.channel: (len(d.message.text), None) for d in stored} == mine.rendered.lengths
    (event,) = ws.store.timeline(incident.id)
    assert event.incident_id == incident.id and event.data["snapshot"]["id"] == incident.id


def test_an_id_the_format_repeats_is_an_error_not_a_retry_loop(
    tmp_path: Path, clock: list[datetime]
) -> None:
    playbook = write_playbook(tmp_path, extra='incident_id_format: "INC-{seq:04d}"\n')
    for ws in workspace(playbook, clock):
        commit_declare(ws, plan_declare(ws, "sev1", "API down"))
        clock[0] += timedelta(days=1)  # a new day starts at 1 again, and the id has no date
        plan = plan_declare(ws, "sev1", "Portal down")
        with pytest.raises(IncidentIdTaken, match=r"UNIQUE constraint failed: incidents\.id"):
            commit_declare(ws, plan)
        assert [i.title for i in ws.store.list_incidents()] == ["API down"]


def test_redeclaring_within_the_window_is_refused(ws: Workspace, clock: list[datetime]) -> None:
    first = commit_declare(ws, plan_declare(ws, "sev1", "API down"))
    clock[0] += REDECLARE_WINDOW - timedelta(seconds=1)
    with pytest.raises(ConflictError, match=f"use `incidentctl update {first.id}`"):
        plan_declare(ws, "sev1", " API down ")
    plan_declare(ws, "sev1", "API down again")
    clock[0] += timedelta(seconds=1)
    assert plan_declare(ws, "sev1", "API down").incident.id.endswith("-0002")
