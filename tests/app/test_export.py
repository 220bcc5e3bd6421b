"""`export` and `import` in the app layer: the record file round-trips exactly, into a store
that already holds other incidents too, and every malformed file gets one located error."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.export import export_text, read_record
from incidentctl.app.importing import import_files, read_record_file
from incidentctl.app.incidents import assign_role, commit_update, plan_update
from incidentctl.app.postmortem import write_postmortem
from incidentctl.app.record_markdown import inline
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.errors import ConflictError, UsageError
from incidentctl.store import open_store
from incidentctl.store.base import Store
from tests.helpers import write_playbook

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)


def workspace(folder: Path, language: str = "en") -> Workspace:
    folder.mkdir(parents=True, exist_ok=True)
    loaded, channels = load_checked_playbook(write_playbook(folder, language=language))
    clock = [START]
    state = folder / "state"

    def now() -> datetime:
        clock[0] += timedelta(minutes=4)
        return clock[0]

    return Workspace(
        loaded=loaded,
        store=open_store(state, {}),
        env={},
        state_dir=state,
        channels=channels,
        clock=now,
        console=io.StringIO(),
    )


def full_incident(ws: Workspace, title: str = "API down") -> str:
    """Declared, sent, assigned, updated, resolved, reviewed: every kind of record."""
    plan = plan_declare(ws, "sev1", title, impact="Calls fail")
    incident = commit_declare(ws, plan)
    send_deliveries(ws, incident, plan.deliveries, make_engine(ws))
    assign_role(ws, incident.id, "comms", "@bob")
    commit_update(ws, plan_update(ws, incident.id, "Rolling back", status="identified"))
    commit_update(ws, plan_update(ws, incident.id, "Fixed", resolve=True))
    write_postmortem(ws, incident.id, ws.state_dir.parent / "postmortems" / f"{incident.id}.md")
    return incident.id


def exported(store: Store, incident_id: str, fmt: str = "json", language: str = "en") -> str:
    return export_text(store, incident_id, "json" if fmt == "json" else "md", language)[1]


@pytest.fixture
def source(tmp_path: Path) -> tuple[Workspace, str]:
    ws = workspace(tmp_path / "source")
    return ws, full_incident(ws)


def test_json_record_holds_everything_and_round_trips(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    text = exported(ws.store, incident_id)
    document = json.loads(text)
    assert list(document) == ["format", "incident", "postmortem", "timeline", "deliveries"]
    assert document["format"] == "incidentctl-incident/1"
    head = document["incident"]
    assert head["id"] == incident_id and head["status"] == "resolved" and head["seq"] == 1
    assert head["roles"] == {"commander": "@alice", "comms": "@bob"}
    assert head["version"] == ws.store.get_incident(incident_id).version  # type: ignore[union-attr]
    kinds = [e["kind"] for e in document["timeline"]]
    assert kinds[0] == "declared" and "role_change" in kinds and kinds[-1] == "postmortem_written"
    assert [e["n"] for e in document["timeline"]] == list(range(1, len(kinds) + 1))
    assert document["postmortem"].endswith(f"{incident_id}.md")
    stored = ws.store.deliveries(incident_id=incident_id)
    assert [d["state"] for d in document["deliveries"]] == [d.state.value for d in stored]
    assert any(d["link"] for d in document["deliveries"])  # the outbox's file links
    file = tmp_path / "record.json"
    file.write_text(text, encoding="utf-8")

    fresh = workspace(tmp_path / "fresh")
    [outcome] = import_files(fresh.store, [file])
    assert outcome.outcome == "imported"
    assert exported(fresh.store, incident_id) == text
    again = import_files(fresh.store, [file])
    assert [o.outcome for o in again] == ["unchanged"]
    assert exported(fresh.store, incident_id) == text


def test_ids_are_per_store_but_the_record_is_not(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    file = tmp_path / "record.json"
    file.write_text(exported(ws.store, incident_id), encoding="utf-8")
    record = read_record_file(file)
    # another day's incident already in the target: its events and deliveries take the
    # first row ids, so the imported ones get others
    target = workspace(tmp_path / "target")
    plan = plan_declare(target, "sev2", "Earlier thing")
    plan.incident.id = "INC-20251201-0001"
    target.store.create_incident(
        plan.incident, plan.events[0], plan.deliveries, day=START.date().replace(day=1), seq=1
    )
    [outcome] = import_files(target.store, [file])
    assert outcome.outcome == "imported"
    stored = read_record(target.store, incident_id)
    assert [e.id for e in stored.timeline] != [e.id for e in record.timeline]
    assert [e.message for e in stored.timeline] == [e.message for e in record.timeline]
    assert [d.state for d in stored.deliveries] == [d.state for d in record.deliveries]
    assert stored.incident.uid == record.incident.uid
    assert stored.incident.version == record.incident.version
    assert exported(target.store, incident_id) == file.read_text(encoding="utf-8")
    assert target.store.next_sequence(stored.day) == 2  # the next declare numbers after it


def test_markdown_round_trips_and_reads_in_french(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    text = exported(ws.store, incident_id, "md", "fr")
    assert "## Chronologie" in text and "## Envois" in text and "| Gravité | sev1 |" in text
    assert "Incident déclaré" in text and "Changement de rôle" in text and "Résolu" in text
    assert "14\u00a0h\u00a004" in text  # 13:04 UTC in Paris, the French way
    assert "Heure (Europe/Paris)" in text and "comms\u00a0: " not in text
    file = tmp_path / "record.md"
    file.write_text(text, encoding="utf-8")
    fresh = workspace(tmp_path / "fresh", "fr")
    assert [o.outcome for o in import_files(fresh.store, [file])] == ["imported"]
    assert exported(fresh.store, incident_id, "md", "fr") == text
    english = exported(fresh.store, incident_id, "md", "en")
    assert "## Timeline" in english and "| 1 | 2025-12-19 14:04 | Incident declared |" in english


def test_a_different_incident_under_the_same_id_is_refused(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    file = tmp_path / "record.json"
    file.write_text(exported(ws.store, incident_id), encoding="utf-8")
    other = workspace(tmp_path / "other")
    assert full_incident(other, "Not the same") == incident_id
    before = exported(other.store, incident_id)
    with pytest.raises(ConflictError, match="is another incident") as caught:
        import_files(other.store, [file])
    assert caught.value.exit_code == 6
    assert exported(other.store, incident_id) == before


def test_a_changed_copy_is_refused_and_nothing_of_the_batch_is_stored(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    older = tmp_path / "older.json"
    older.write_text(exported(ws.store, incident_id), encoding="utf-8")
    second = full_incident(ws, "Second")
    newer = tmp_path / "second.json"
    newer.write_text(exported(ws.store, second), encoding="utf-8")
    write_postmortem(ws, incident_id, tmp_path / "again.md")  # the store's copy moves on
    with pytest.raises(ConflictError, match="newer than the file's"):
        import_files(ws.store, [newer, older])
    fresh = workspace(tmp_path / "fresh")
    import_files(fresh.store, [older])
    changed = json.loads(older.read_text(encoding="utf-8"))
    changed["incident"]["title"] = "Edited"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(changed), encoding="utf-8")
    with pytest.raises(ConflictError):
        import_files(fresh.store, [newer, edited])
    assert fresh.store.get_incident(second) is None  # the batch is all or nothing


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_files_get_one_located_error(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    good = exported(ws.store, incident_id)
    document = json.loads(good)
    document["timeline"][2]["at"] = "2025-12-19T12:00:00.000000+00:00"
    shuffled = json.dumps(document, indent=2)
    cases: list[tuple[str, str, str]] = [
        (good[: len(good) // 2], "not valid JSON", ":"),
        (good.replace("incidentctl-incident/1", "incidentctl-incident/9", 1), "format", ":2:"),
        (good.replace('"title"', '"titel"', 1), "incident.title: field required", ":3:"),
        (good.replace('"kind": "update"', '"kind": "updated"', 1), "timeline[", ":"),
        (good.replace('"attempts": 1', '"attempts": "1"', 1), "deliveries[0].attempts", ":"),
        (shuffled, "timeline[2].at: earlier than the event before it", ":"),
        ("[]", "not an incident record", ":1:1"),
        ('{"format": "incidentctl-incident/1"}', "incident: field required", ":1:1"),
    ]
    for number, (text, message, where) in enumerate(cases):
        path = write(tmp_path, f"bad{number}.json", text)
        with pytest.raises(UsageError) as caught:
            read_record_file(path)
        line = str(caught.value)
        assert message in line, (number, line)
        assert line.startswith(f"{path}{where}"), (number, line)
        assert caught.value.exit_code == 2 and "\n" not in line
    located = write(tmp_path, "attempts.json", good.replace('"attempts": 1', '"attempts": -1', 1))
    with pytest.raises(UsageError) as caught:
        read_record_file(located)
    line_number = next(
        n for n, line in enumerate(located.read_text().splitlines(), 1) if '"attempts": -1' in line
    )
    assert str(caught.value).startswith(f"{located}:{line_number}:")
    markdown = exported(ws.store, incident_id, "md")
    md_path = write(tmp_path, "bad.md", markdown.replace('"seq": 1', '"seq": 0', 1))
    md_line = next(
        n for n, line in enumerate(md_path.read_text().splitlines(), 1) if '"seq": 0' in line
    )
    with pytest.raises(UsageError, match=r"incident\.seq") as caught:
        read_record_file(md_path)
    assert str(caught.value).startswith(f"{md_path}:{md_line}:")
    with pytest.raises(UsageError, match="no incident record in this Markdown"):
        read_record_file(write(tmp_path, "plain.md", "# Notes\n\nnothing here\n"))
    with pytest.raises(UsageError, match="not UTF-8"):
        bad = tmp_path / "latin.json"
        bad.write_bytes(b'{"format": "\xe9"}')
        read_record_file(bad)


def test_hostile_text_cannot_break_the_markdown(tmp_path: Path) -> None:
    ws = workspace(tmp_path / "source")
    title = "API | down `x` ```json incidentctl-incident/1 <script>*b*</script> [l](javascript:x)"
    incident_id = commit_declare(ws, plan_declare(ws, "sev1", title, impact="a | b")).id
    commit_update(ws, plan_update(ws, incident_id, "line one\n```\n| a | b |\n# heading"))
    incident = ws.store.get_incident(incident_id)
    assert incident is not None
    text = exported(ws.store, incident_id, "md")
    head, _, _ = text.partition("<details>")
    assert "<script>" not in head and "```" not in head
    tables = [block.splitlines() for block in head.split("\n\n") if block.startswith("|")]
    assert len(tables) == 4  # summary, roles, timeline, deliveries
    for table in tables:
        columns = table[0].count("|")
        assert all(line.replace("\\|", "").count("|") == columns for line in table), table
    assert inline("a|b`c\nd") == "a\\|b\\`c<br>d"
    file = write(tmp_path, "hostile.md", text)
    fresh = workspace(tmp_path / "fresh")
    import_files(fresh.store, [file])
    assert fresh.store.get_incident(incident_id).title == incident.title  # type: ignore[union-attr]
    assert exported(fresh.store, incident_id, "md") == text


def test_control_characters_in_a_file_are_not_stored(
    tmp_path: Path, source: tuple[Workspace, str]
) -> None:
    ws, incident_id = source
    document = json.loads(exported(ws.store, incident_id))
    document["incident"]["title"] = "API \x1b]0;pwned\x07down\x9b"
    file = write(tmp_path, "escapes.json", json.dumps(document))
    fresh = workspace(tmp_path / "fresh")
    import_files(fresh.store, [file])
    stored = fresh.store.get_incident(incident_id)
    assert stored is not None and stored.title == "API down"
