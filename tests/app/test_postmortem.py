"""`postmortem`: the review reads in the playbook's language and lands where it is asked."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.postmortem import write_postmortem
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.store import open_store
from tests.helpers import write_playbook

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)


def workspace(tmp_path: Path, language: str, clock: list[datetime]) -> Workspace:
    loaded, channels = load_checked_playbook(write_playbook(tmp_path, language=language))
    state = tmp_path / "state"
    return Workspace(
        loaded=loaded,
        store=open_store(state, {}),
        env={},
        state_dir=state,
        channels=channels,
        clock=lambda: clock[0],
        console=io.StringIO(),
    )


def resolved_incident(ws: Workspace, clock: list[datetime]) -> str:
    plan = plan_declare(ws, "sev1", "API down", impact="Calls fail")
    incident = commit_declare(ws, plan)
    clock[0] += timedelta(minutes=3)  # the first message goes out 3 minutes later
    send_deliveries(ws, incident, plan.deliveries, make_engine(ws))
    clock[0] += timedelta(minutes=33)
    plan = plan_update(ws, incident.id, "Fixed", resolve=True)
    commit_update(ws, plan)
    return incident.id


def test_french_review_writes_durations_the_french_way(tmp_path: Path) -> None:
    clock = [START]
    ws = workspace(tmp_path, "fr", clock)
    incident_id = resolved_incident(ws, clock)
    _, path = write_postmortem(ws, incident_id, tmp_path / "pm.md")
    text = path.read_text(encoding="utf-8")
    assert "| Délai avant la première communication | 3 min |" in text
    assert "| Délai de résolution | 36 min |" in text
    assert "36m" not in text and "3m0" not in text


def test_english_review_keeps_compact_durations(tmp_path: Path) -> None:
    clock = [START]
    ws = workspace(tmp_path, "en", clock)
    incident_id = resolved_incident(ws, clock)
    _, path = write_postmortem(ws, incident_id, tmp_path / "pm.md")
    text = path.read_text(encoding="utf-8")
    assert "| Time to first communication | 3m |" in text
    assert "| Time to resolve | 36m |" in text


def test_out_to_a_folder_writes_the_usual_file_name_inside(tmp_path: Path) -> None:
    clock = [START]
    ws = workspace(tmp_path, "en", clock)
    incident_id = resolved_incident(ws, clock)
    folder = tmp_path / "reviews"
    folder.mkdir()
    _, path = write_postmortem(ws, incident_id, folder)
    assert path == folder / f"{incident_id}.md"
    assert path.read_text(encoding="utf-8").startswith("# Postmortem: API down")
