"""Scheduled maintenance through the CLI: the whole lifecycle against a fake Statuspage on
127.0.0.1 and the outbox, reminders once each, the overrun, retry, the site, the calendar."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import icalendar
import pytest

from incidentctl.cli.runtime import Runtime
from incidentctl.delivery.engine import RetryPolicy
from incidentctl.store import open_store, state_dir
from tests.channels.fakes.statuspage_server import API_KEY, StatuspageServer
from tests.helpers import PLAYBOOK, Result, cli, write_playbook

NBSP = "\u00a0"


def _ticks() -> float:
    return next(_TICKS)


_TICKS = itertools.count(0.0, 10.0)  # every request a fresh second: no rate limit in the way


@pytest.fixture
def page() -> Iterator[StatuspageServer]:
    with StatuspageServer(api_key=API_KEY, clock=_ticks) as server:
        yield server


def playbook(tmp_path: Path, api_base: str, *, language: str = "en", extra: str = "") -> None:
    channels = (
        "channels:\n"
        "  status:\n"
        "    type: statuspage\n"
        "    audience: public\n"
        "    api_key: ${STATUSPAGE_API_KEY}\n"
        "    page_id: pg123\n"
        f"    api_base: {api_base}\n"
        "    components: {api: cmp_api}\n"
        "  site:\n"
        "    type: statussite\n"
        "    audience: public\n"
        "    out: built\n"
    )
    text = PLAYBOOK.format(language=language).replace("channels:\n", channels, 1)
    text += (
        "maintenance:\n"
        "  notify:\n"
        "    all: [status, outbox, site]\n"
        "    reminder: [outbox, status]\n"
        "  reminders: [7d, 1h]\n" + extra
    )
    write_playbook(tmp_path, text)


def runtime(at: datetime | None = None) -> Runtime:
    env = {**os.environ, "STATUSPAGE_API_KEY": API_KEY}
    clock = None if at is None else (lambda: at)
    return Runtime(env=env, retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.05), clock=clock)


def run(capsys: pytest.CaptureFixture[str], *args: str, at: datetime | None = None) -> Result:
    """`incidentctl maintenance …`, at the moment `at` when given (the workspace clock)."""
    return cli(capsys, "maintenance", *args, runtime=runtime(at))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def window_of(result: Result) -> str:
    """The id of the window a command printed."""
    return next(line.split()[1] for line in result.out.splitlines() if "maintenance MNT-" in line)


def schedule(
    capsys: pytest.CaptureFixture[str], title: str, start: datetime, end: datetime, *extra: str
) -> str:
    """Schedule a window on `api`; its id."""
    scheduled = run(
        capsys, "schedule", "--title", title, "--start", iso(start), "--end", iso(end),
        "-c", "api", *extra, "--yes",
    )  # fmt: skip
    assert scheduled.code == 0, scheduled.err
    return window_of(scheduled)


def french_outbox_playbook(tmp_path: Path) -> None:
    """A French playbook whose maintenance notices go to the outbox only."""
    playbook(tmp_path, "http://127.0.0.1:9/v1", language="fr")
    text = (tmp_path / "incidentctl.yaml").read_text(encoding="utf-8")
    text = text.replace("all: [status, outbox, site]", "all: [outbox]")
    (tmp_path / "incidentctl.yaml").write_text(text.replace("[outbox, status]", "[outbox]"))


def outbox_texts(window: str) -> list[str]:
    folder = state_dir(os.environ) / "outbox" / window
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]


def test_the_whole_lifecycle_reaches_statuspage_the_outbox_and_the_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    page: StatuspageServer,
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(tmp_path, page.api_base)
    start = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    end = start + timedelta(hours=2)
    scheduled = run(
        capsys, "schedule", "--title", "Database upgrade", "--start", iso(start),
        "--end", iso(end), "--component", "api", "--impact", "The API may answer slowly",
        "--yes",
    )  # fmt: skip
    assert scheduled.code == 0, scheduled.err
    window = next(
        line.split()[1] for line in scheduled.out.splitlines() if "maintenance MNT-" in line
    )
    assert window.startswith("MNT-") and window.endswith("-01")
    (incident,) = page.incidents.values()
    assert incident["status"] == "scheduled" and incident["impact"] == "maintenance"
    assert incident["scheduled_for"] == iso(start).replace("+00:00", "Z")
    assert incident["scheduled_until"] == iso(end).replace("+00:00", "Z")
    assert incident["scheduled_remind_prior"] is True
    assert incident["scheduled_auto_in_progress"] is False
    assert page.components["cmp_api"] == "operational"

    # the site lists it as upcoming; its API and calendar carry it
    site = state_dir(os.environ) / "built"
    assert "Database upgrade" in (site / "index.html").read_text(encoding="utf-8")
    upcoming = json.loads((site / "api/v2/scheduled-maintenances/upcoming.json").read_bytes())
    (listed,) = upcoming["scheduled_maintenances"]
    assert listed["id"] == window and listed["status"] == "scheduled"
    assert listed["components"][0]["id"] == "api"
    assert (
        json.loads((site / "api/v2/scheduled-maintenances/active.json").read_bytes())[
            "scheduled_maintenances"
        ]
        == []
    )

    # reminders: nothing yet; 6 days before, the 7-day one, once; 30 minutes before, the 1-hour
    assert "no reminder due" in run(capsys, "remind").out
    week = run(capsys, "remind", at=start - timedelta(days=6))
    assert week.code == 0, week.err
    assert "no reminder due" in run(capsys, "remind", at=start - timedelta(days=5)).out
    hour = run(capsys, "remind", at=start - timedelta(minutes=30))
    assert hour.code == 0, hour.err
    texts = outbox_texts(window)
    assert len(texts) == 3
    assert sum("Reminder: this planned maintenance starts in" in t for t in texts) == 2
    # Statuspage reminds its subscribers itself: no update posted for the reminders
    assert len(page.incidents[incident["id"]]["incident_updates"]) == 1

    started = run(capsys, "start", window, "--message", "Works under way.", "--yes")
    assert started.code == 0, started.err
    assert incident["status"] == "in_progress"
    assert page.components["cmp_api"] == "under_maintenance"
    summary = json.loads((site / "api/v2/summary.json").read_bytes())
    assert {c["id"]: c["status"] for c in summary["components"]}["api"] == "under_maintenance"
    assert summary["scheduled_maintenances"][0]["status"] == "in_progress"

    later = end + timedelta(hours=1)
    extended = run(capsys, "extend", window, "--until", iso(later), "--yes")
    assert extended.code == 0, extended.err
    assert incident["scheduled_until"] == iso(later).replace("+00:00", "Z")

    completed = run(capsys, "complete", window, "--yes")
    assert completed.code == 0, completed.err
    assert incident["status"] == "completed"
    assert page.components["cmp_api"] == "operational"
    statuses = [u["status"] for u in reversed(incident["incident_updates"])]
    assert statuses == ["scheduled", "in_progress", "in_progress", "completed"]

    shown = run(capsys, "show", window)
    assert shown.code == 0 and "completed" in shown.out and "reminders sent: 7d, 1h" in shown.out
    assert window in run(capsys, "list").out
    # nothing more changes once it is over
    again = run(capsys, "cancel", window, "--yes")
    assert again.code == 6 and again.err.startswith("error: ") and "completed" in again.err

    ics = run(capsys, "ics", "--out", str(tmp_path / "works.ics"))
    assert ics.code == 0, ics.err
    calendar = icalendar.Calendar.from_ical((tmp_path / "works.ics").read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Maintenance: Database upgrade"
    assert event.decoded("DTSTART") == start and event.decoded("DTEND") == later
    published = icalendar.Calendar.from_ical((site / "maintenance.ics").read_bytes())
    assert [str(e["UID"]) for e in published.walk("VEVENT")] == [str(event["UID"])]
    feed = feedparser.parse((site / "feeds/maintenance.rss").read_bytes())
    assert not feed.bozo
    (entry,) = feed.entries
    assert entry.title == "Database upgrade (Completed)" and "Public API" in entry.summary


def test_an_overrun_noticed_by_remind_declares_the_incident_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    page: StatuspageServer,
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(tmp_path, page.api_base)
    now = datetime.now(UTC).replace(microsecond=0)
    schedule(
        capsys, "Network works", now - timedelta(minutes=5), now + timedelta(minutes=30),
        "--severity-if-overrun", "sev2",
    )  # fmt: skip
    assert run(capsys, "start", "--yes").code == 0
    overrun = run(capsys, "remind", at=now + timedelta(hours=1))
    assert overrun.code == 0, overrun.err
    assert "overran its end" in overrun.out
    assert "no reminder due" in run(capsys, "remind", at=now + timedelta(hours=2)).out
    with open_store(state_dir(os.environ), {}) as store:
        (declared,) = store.list_incidents()
        (item,) = store.list_maintenances()
    assert declared.severity == "sev2" and "Network works" in declared.title
    assert item.overrun_incident == declared.id
    assert item.overran_at == now + timedelta(minutes=30)
    # customers were affected from the planned end, not from when `remind` noticed it
    assert declared.impact_started_at == now + timedelta(minutes=30)


def test_bad_input_is_one_error_line_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(tmp_path, "http://127.0.0.1:9/v1")
    far = "2099-01-01 03:00"
    cases = [
        (["--start", "2026-03-29 02:30", "--end", far, "-c", "api"], "does not exist"),
        (["--start", "whenever", "--end", far, "-c", "api"], "--start: invalid time"),
        (["--start", "2099-01-01 04:00", "--end", far, "-c", "api"], "after --start"),
        (["--start", "2099-01-01 02:00", "--end", far, "-c", "db"], "unknown component"),
        (["--start", "2020-01-01 02:00", "--end", far, "-c", "api"], "--start is in the past"),
    ]
    for args, expected in cases:
        result = run(capsys, "schedule", "--title", "Works", *args, "--yes")
        assert result.code == 2, (args, result.err)
        assert result.err.startswith("error: ") and len(result.err.strip().splitlines()) == 1
        assert expected in result.err and "Traceback" not in result.err
    assert "no maintenance windows" in run(capsys, "list").out
    assert run(capsys, "start", "MNT-20990101-01", "--yes").code == 4


def test_a_failed_notice_is_recorded_and_retry_sends_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with StatuspageServer(api_key=API_KEY, clock=_ticks) as server:
        base = server.api_base
    # the server is gone: its port refuses connections
    playbook(tmp_path, base)
    start = datetime.now(UTC) + timedelta(days=2)
    result = run(
        capsys, "schedule", "--title", "Works", "--start", iso(start),
        "--end", iso(start + timedelta(hours=1)), "-c", "api", "--yes",
    )  # fmt: skip
    assert result.code == 3, result.err
    assert "incidentctl retry" in result.err and API_KEY not in result.out + result.err
    with StatuspageServer(api_key=API_KEY, clock=_ticks) as again:
        playbook(tmp_path, again.api_base)
        retried = run(capsys, "retry")
        assert retried.code == 0, retried.err
        (incident,) = again.incidents.values()
        assert incident["status"] == "scheduled"
    assert run(capsys, "retry").out.startswith("nothing to retry")


def test_french_notices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(
        tmp_path,
        "http://127.0.0.1:9/v1",
        language="fr",
        extra="  notify_unused: []\n".replace("  notify_unused: []\n", ""),
    )
    text = (tmp_path / "incidentctl.yaml").read_text(encoding="utf-8")
    text = text.replace("all: [status, outbox, site]", "all: [outbox, site]")
    text = text.replace("reminder: [outbox, status]", "reminder: [outbox]")
    (tmp_path / "incidentctl.yaml").write_text(text, encoding="utf-8")
    result = run(
        capsys, "schedule", "--title", "Mise à jour de la base", "--start", "2099-01-05 02:00",
        "--end", "2099-01-05 04:30", "-c", "api", "--yes",
    )  # fmt: skip
    assert result.code == 0, result.err
    window = next(line.split()[1] for line in result.out.splitlines() if "maintenance MNT-" in line)
    (notice,) = outbox_texts(window)
    assert f"Maintenance programmée{NBSP}: Mise à jour de la base" in notice
    assert f"de 2{NBSP}h à 4{NBSP}h{NBSP}30 (heure de Paris)" in notice
    assert f"Services concernés{NBSP}: Public API" in notice
    site = state_dir(os.environ) / "built"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Mise à jour de la base" in index and "Programmée" in index


def test_the_demo_schedules_starts_and_completes_a_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "demo", "--dir", str(tmp_path / "demo"))
    assert result.code == 0, result.err
    assert "maintenance complete MNT-" in result.out
    with open_store(tmp_path / "demo" / "state", {}) as store:
        (item,) = store.list_maintenances()
        notices = store.maintenance_notices(maintenance_id=item.id)
    assert item.status.value == "completed" and item.overran_at is None
    assert [n.stage.value for n in notices if n.delivery.channel == "outbox"] == [
        "scheduled",
        "in_progress",
        "completed",
    ]
    assert all(n.delivery.state.value == "sent" for n in notices)


def test_a_rehearsal_of_remind_is_a_dry_run_and_sends_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    page: StatuspageServer,
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(tmp_path, page.api_base)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now + timedelta(hours=18)
    window = schedule(capsys, "Works", start, start + timedelta(hours=1))
    later = iso(start - timedelta(minutes=45))

    refused = run(capsys, "remind", "--now", later)
    rehearsed = run(capsys, "remind", "--now", later, "--dry-run")

    assert refused.code == 2 and "later than the clock" in refused.err
    assert rehearsed.code == 0, rehearsed.err
    assert "starts in 45 minutes" in rehearsed.out and "dry run: nothing was sent" in rehearsed.out
    assert len(outbox_texts(window)) == 1
    shown = run(capsys, "show", window)
    assert "reminders sent: 7d\n" in shown.out  # the 1-hour reminder is still to come
    # an overrunning window in a rehearsal: said, not recorded, no incident declared
    running = schedule(
        capsys, "Network", now - timedelta(minutes=5), now + timedelta(minutes=20),
        "--severity-if-overrun", "sev2",
    )  # fmt: skip
    assert run(capsys, "start", running, "--yes").code == 0
    overrun = run(capsys, "remind", "--now", iso(now + timedelta(hours=1)), "--dry-run")
    assert overrun.code == 0, overrun.err
    assert f"{running} would overrun its end" in overrun.out and "sev2" in overrun.out
    with open_store(state_dir(os.environ), {}) as store:
        assert store.list_incidents() == []


@pytest.mark.parametrize(
    ("language", "working", "affected"),
    [
        ("en", "Customer portal is working normally again.", "still affects Public API;"),
        ("fr", "Customer portal fonctionne de nouveau normalement.", "affecte encore Public API"),
    ],
)
def test_complete_does_not_say_a_component_an_open_incident_affects_works_normally(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    page: StatuspageServer,
    language: str,
    working: str,
    affected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(tmp_path, page.api_base, language=language)
    declared = cli(
        capsys, "declare", "sev1", "--title", "API down", "-c", "api=major_outage", "--yes",
        runtime=runtime(),
    )  # fmt: skip
    assert declared.code == 0, declared.err
    now = datetime.now(UTC).replace(microsecond=0)
    window = schedule(
        capsys, "Works", now + timedelta(minutes=1), now + timedelta(hours=1), "-c", "portal"
    )
    assert run(capsys, "start", window, "--yes").code == 0
    assert page.components["cmp_api"] == "under_maintenance"

    completed = run(capsys, "complete", window, "--yes")

    assert completed.code == 0, completed.err
    done = outbox_texts(window)[-1]
    assert working in done and affected in done
    assert "Public API is working" not in done and "Public API fonctionne" not in done
    assert page.components["cmp_api"] == "major_outage"
    summary = json.loads((state_dir(os.environ) / "built/api/v2/summary.json").read_bytes())
    assert {c["id"]: c["status"] for c in summary["components"]}["api"] == "major_outage"


@pytest.mark.parametrize(
    ("language", "wording", "label"),
    [
        ("en", "The maintenance window has changed: it now ends", "Maintenance rescheduled"),
        ("fr", f"Le créneau de la maintenance change{NBSP}: elle se terminera", "reprogrammée"),
    ],
)
def test_extend_before_the_start_is_a_reschedule(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    page: StatuspageServer,
    language: str,
    wording: str,
    label: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    playbook(tmp_path, page.api_base, language=language)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    window = schedule(capsys, "Works", start, start + timedelta(hours=1))

    moved = run(capsys, "extend", window, "--until", iso(start + timedelta(hours=2)), "--yes")

    assert moved.code == 0, moved.err
    notice = outbox_texts(window)[-1]
    assert wording in notice and label in notice
    assert "longer than planned" not in notice and "plus longtemps" not in notice
    (incident,) = page.incidents.values()
    assert incident["status"] == "scheduled"  # not in progress: the works have not begun
    assert page.components["cmp_api"] == "operational"
    assert "rescheduled" in run(capsys, "show", window).out


def test_lint_locates_unknown_maintenance_channels_and_severities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PLAYBOOK.format(language="en")
    path = write_playbook(
        tmp_path, text + "maintenance:\n  notify:\n    all: [nope]\n  severity_if_overrun: sev9\n"
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    nope = lines.index("    all: [nope]") + 1
    sev9 = lines.index("  severity_if_overrun: sev9") + 1

    linted = cli(capsys, "lint", str(path))
    scheduled = run(
        capsys, "schedule", "--title", "Works", "--start", "2099-01-01 02:00",
        "--end", "2099-01-01 03:00", "-c", "api", "--yes",
    )  # fmt: skip

    assert linted.code != 0
    assert (
        f"{path.name}:{nope}:11: error: maintenance.notify.all names unknown channel 'nope'"
    ) in linted.out
    assert (
        f"{path.name}:{sev9}:24: error: maintenance.severity_if_overrun names unknown "
        "severity 'sev9'"
    ) in linted.out
    assert scheduled.code != 0 and scheduled.err.startswith("error: ")
    assert "Traceback" not in scheduled.err


def test_french_clocks_are_accepted_and_errors_suggest_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    french_outbox_playbook(tmp_path)

    bad = run(capsys, "schedule", "-t", "Travaux", "--start", "jeudi", "--end", "demain 3h",
              "-c", "api", "--yes")  # fmt: skip
    scheduled = run(capsys, "schedule", "-t", "Travaux", "--start", "demain 2h",
                    "--end", "demain 3 h", "-c", "api", "--yes")  # fmt: skip
    extended = run(capsys, "extend", "--until", "demain 4h", "--yes")

    assert bad.code == 2 and '"demain 2h"' in bad.err and "tomorrow" not in bad.err
    assert scheduled.code == 0, scheduled.err
    assert f"de 2{NBSP}h à 3{NBSP}h (heure de Paris)" in outbox_texts(window_of(scheduled))[0]
    assert extended.code == 0, extended.err


def test_the_french_extend_notice_names_the_zone_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    french_outbox_playbook(tmp_path)
    scheduled = run(capsys, "schedule", "-t", "Travaux", "--start", "2099-01-05 02:00",
                    "--end", "2099-01-05 04:30", "-c", "api", "--yes")  # fmt: skip
    assert scheduled.code == 0, scheduled.err
    assert run(capsys, "start", "--yes").code == 0

    extended = run(capsys, "extend", "--until", "2099-01-05 05:00", "--yes")

    assert extended.code == 0, extended.err
    notice = outbox_texts(window_of(scheduled))[-1]
    (sentence,) = [line for line in notice.splitlines() if "au lieu de" in line]
    assert sentence.endswith(f"à 5{NBSP}h (heure de Paris) (au lieu de 4{NBSP}h{NBSP}30).")
    assert sentence.count("heure de Paris") == 1


def test_outbox_files_are_named_after_the_maintenance_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    french_outbox_playbook(tmp_path)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    window = schedule(capsys, "Works", start, start + timedelta(hours=1))
    assert run(capsys, "start", "--yes").code == 0
    assert run(capsys, "complete", "--yes").code == 0

    folder = state_dir(os.environ) / "outbox" / window
    names = [p.name.split("-", 1)[1] for p in sorted(folder.glob("*.txt"))]

    assert names == [
        "maintenance-scheduled-outbox.txt",
        "maintenance-in_progress-outbox.txt",
        "maintenance-completed-outbox.txt",
    ]
