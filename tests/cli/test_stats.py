"""`incidentctl stats` and `declare --started-at` through the command line."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from incidentctl.model.records import DeliveryState, Stage
from incidentctl.store import open_store, state_dir
from tests.app.stats.builders import Recorder, utc
from tests.app.stats.test_report import STATS_PLAYBOOK
from tests.helpers import cli, write_playbook


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_playbook(tmp_path, STATS_PLAYBOOK)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def record_two() -> None:
    """Two November incidents in the past: 45 and 105 minutes to resolve."""
    store = open_store(state_dir(os.environ), {})
    try:
        rec = Recorder(store)
        sent = DeliveryState.SENT
        first = rec.declare(
            "sev1",
            utc(2026, 11, 3, 8, 0),
            started=utc(2026, 11, 3, 7, 50),
            told={"outbox": (sent, utc(2026, 11, 3, 8, 2))},
            title='=HYPERLINK("http://evil.example")',
        )
        rec.update(first, utc(2026, 11, 3, 8, 20), Stage.MONITORING)
        rec.resolve(first, utc(2026, 11, 3, 8, 35))
        second = rec.declare(
            "sev2", utc(2026, 11, 17, 14, 0), told={"outbox": (sent, utc(2026, 11, 17, 14, 30))}
        )
        rec.resolve(second, utc(2026, 11, 17, 15, 45))
    finally:
        store.close()


def test_declare_started_at_is_kept_shown_and_measured_from(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = cli(capsys, "declare", "sev2", "-t", "Slow API", "--started-at", "20m", "-y")
    assert declared.code == 0, declared.err
    incident_id = json.loads(cli(capsys, "list", "--json").out)[0]["id"]
    shown = cli(capsys, "show", incident_id)
    assert "impact started " in shown.out
    data = json.loads(cli(capsys, "show", incident_id, "--json").out)
    assert data["impact_started_at"] < data["declared_at"]
    assert cli(capsys, "resolve", incident_id, "-m", "Fixed.", "-y").code == 0
    figures = json.loads(cli(capsys, "stats", "--json").out)
    (row,) = figures["incidents"]
    # 20 minutes before the declaration, resolved moments after it
    assert 20 <= row["time_to_resolve_minutes"] < 21
    # the public outbox accepted the first message moments after the declaration
    assert 20 <= row["time_to_first_communication_minutes"] < 21


def test_declare_refuses_an_impact_start_after_now_or_unreadable(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    later = cli(capsys, "declare", "sev2", "-t", "x", "--started-at", "2999-01-01", "-y")
    assert later.code == 2
    assert later.err.startswith("error: --started-at '2999-01-01' is after the declaration")
    garbage = cli(capsys, "declare", "sev2", "-t", "x", "--started-at", "yesterday-ish", "-y")
    assert garbage.code == 2 and garbage.err.startswith("error: --started-at 'yesterday-ish'")
    assert json.loads(cli(capsys, "list", "--json").out) == []  # nothing recorded


def test_stats_json_within_a_window(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record_two()
    result = cli(capsys, "stats", "--json", "--since", "2026-11-01", "--until", "2026-12-01")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    # first: 07:50 -> 08:35 = 45; second: 14:00 -> 15:45 = 105; mean 75, p90 105
    resolve = data["overall"]["time_to_resolve"]
    assert (resolve["mean_minutes"], resolve["median_minutes"], resolve["p90_minutes"]) == (
        75,
        75,
        105,
    )
    # first communication 12 and 30 minutes: mean 21, not under the 20m target
    checks = {t["figure"]: t for t in data["targets"]}
    assert checks["first_communication"]["value"] == 21
    assert checks["first_communication"]["met"] is False
    assert checks["mttr"]["met"] is False and checks["majors_per_month"]["met"] is True
    assert [g["key"] for g in data["months"]] == ["2026-11"]
    # until 17 November: only the first
    early = json.loads(cli(capsys, "stats", "--json", "--until", "2026-11-17").out)
    assert [i["time_to_resolve_minutes"] for i in early["incidents"]] == [45]


def test_stats_csv_one_row_per_incident_formulas_kept_as_text(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_two()
    result = cli(capsys, "stats", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [r["time_to_resolve_minutes"] for r in rows] == ["45.00", "105.00"]
    assert rows[0]["title"].startswith("'=HYPERLINK")
    assert rows[0]["postmortem"] == "missing"  # sev1 requires one; none in the 5 days
    assert rows[1]["postmortem"] == "not_required"


def test_stats_in_the_terminal_against_targets(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_two()
    result = cli(capsys, "stats")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    mttr = next(line for line in lines if "Time to resolve (MTTR, mean)" in line)
    assert "1h15m" in mttr and "< 1h00m" in mttr and "missed" in mttr
    first = next(line for line in lines if "Time to first communication" in line)
    assert "21m" in first and "missed" in first
    assert any("Public API" in line and "100.00 %" in line for line in lines)


def test_stats_of_an_empty_history(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "stats")
    assert result.code == 0
    assert "no incident in this period" in result.out
    data = json.loads(cli(capsys, "stats", "--json").out)
    assert data["incidents"] == [] and data["months"] == []


def test_stats_bad_options_are_one_error_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = cli(capsys, "stats", "--json", "--csv")
    assert (both.code, both.err) == (2, "error: --json and --csv: choose one\n")
    since = cli(capsys, "stats", "--since", "last tuesday")
    assert since.code == 2 and since.err.startswith("error: --since 'last tuesday': give")
    order = cli(capsys, "stats", "--since", "2026-11-10", "--until", "2026-11-01")
    assert order.code == 2 and "is not after --since" in order.err
    unwritable = cli(capsys, "stats", "--html", str(folder / "missing" / "r.html"))
    assert unwritable.code == 5 and unwritable.err.startswith("error: cannot write ")
    assert "Traceback" not in both.err + since.err + order.err + unwritable.err


def test_lint_locates_mistakes_in_targets(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = (folder / "incidentctl.yaml").read_text(encoding="utf-8")
    (folder / "incidentctl.yaml").write_text(
        base.replace("major_severities: [sev1]", "major_severities: [sev1, sev9]"),
        encoding="utf-8",
    )
    unknown = cli(capsys, "lint", "--format", "json")
    assert unknown.code == 1
    (problem,) = json.loads(unknown.out)
    assert problem["message"].startswith("targets.major_severities names unknown severity 'sev9'")
    lines = base.splitlines()
    assert problem["line"] == lines.index("  major_severities: [sev1]") + 1
    (folder / "incidentctl.yaml").write_text(base.replace("mttr: 60m", "mttr: soon"), "utf-8")
    duration = cli(capsys, "stats")
    assert duration.code == 1 and "invalid duration 'soon'" in duration.err
    assert f":{lines.index('  mttr: 60m') + 1}:" in duration.err
