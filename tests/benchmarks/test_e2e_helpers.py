"""The whole-process benchmark's helpers do what its figures rely on (nothing here is timed)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from benchmarks.e2e import history
from benchmarks.e2e.playbooks import hook_paths, webhook_playbook
from benchmarks.e2e.procs import BenchError, Command, Launcher, interleave, paired_ratio
from benchmarks.e2e.server import CountingServer, check_counts
from incidentctl.lint import exit_code, format_problems, lint_playbook
from incidentctl.store import open_store

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_the_server_counts_every_request_by_path_and_resets() -> None:
    with CountingServer(0.0) as server, httpx.Client() as client:
        for path in ("hook0", "hook1", "hook1"):
            answer = client.post(server.url(path), json={"text": "bench"})
            assert answer.status_code == 200
            assert answer.json() == {"id": f"bench-{path}"}
        counts = server.take_counts()
        assert counts == {"/hook0": 1, "/hook1": 2}
        assert server.counts() == {}
        assert check_counts(counts, ["hook0", "hook1"]) == (
            "3 requests for 2 endpoints: repeated /hook1"
        )
        assert check_counts({"/hook0": 1}, ["hook0", "hook1"]) == (
            "1 requests for 2 endpoints: missing /hook1"
        )
        assert check_counts({"/hook0": 1, "/one": 1}, ["hook0"]) == (
            "2 requests for 1 endpoints: unexpected /one"
        )
        assert check_counts({"/hook0": 1}, ["hook0"]) is None


def test_the_generated_playbook_lints_clean_in_strict_mode(tmp_path: Path) -> None:
    path = webhook_playbook(tmp_path / "incidentctl.yaml", "http://127.0.0.1:8080", 50)
    problems = lint_playbook(path, env={}, now=NOW)
    assert format_problems(problems, "text") == ""
    assert exit_code(problems, strict=True) == 0
    assert path.read_text().count("type: webhook") == 50
    assert "url: http://127.0.0.1:8080/hook49" in path.read_text()
    assert hook_paths(2, "apprise") == ["apprise0", "apprise1"]


def test_the_launcher_reports_a_childs_own_peak_and_its_failures(tmp_path: Path) -> None:
    grow = "b = bytearray(60 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    commands = {
        "small": lambda _: Command([sys.executable, "-c", "pass"], {}, tmp_path),
        "large": lambda _: Command([sys.executable, "-c", grow], {}, tmp_path),
    }
    with Launcher() as launcher:
        assert 0 < launcher.floor_mb < 40
        series = interleave(launcher, commands, 2)
        failing = Command([sys.executable, "-c", "raise SystemExit('no luck')"], {}, tmp_path)
        with pytest.raises(BenchError, match="exited 1: no luck"):
            launcher.run(failing)
    assert [len(s.runs) for s in series.values()] == [2, 2]
    assert series["large"].median_mb - series["small"].median_mb > 55
    assert paired_ratio(series["small"], series["small"]) == 1.0


def test_the_history_store_holds_the_subject_after_the_past(tmp_path: Path) -> None:
    history.build(tmp_path / "state", 12)
    store = open_store(tmp_path / "state", {})
    try:
        assert store.count_incidents() == 13
        assert store.count_incidents(open_only=True) == 1
        subject = store.get_incident(history.subject_id())
        assert subject is not None and subject.resolved_at is None
        assert len(store.timeline(subject.id)) == history.EVENTS_PER_INCIDENT
        newest = store.list_incidents()[0]
        assert newest.id == subject.id
    finally:
        store.close()
