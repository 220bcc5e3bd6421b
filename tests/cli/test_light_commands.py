"""The commands that only read the record (`list`, `status`, `show`) stay light: into a pipe
they import neither jinja2, pydantic and the playbook's models, nor rich, which together cost
more than the command itself."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, store_env, write_playbook

HEAVY = ("jinja2", "pydantic", "incidentctl.playbook.schema", "httpx", "rich")
COMMAND_MODULES = (
    "[m for m in sys.modules if m.startswith('incidentctl.cli.') and m.endswith(('_cmds', '_cmd'))]"
)


def run_probed(
    argv: list[str], loaded: str, cwd: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run `incidentctl ARGV` in a fresh interpreter; also return which of the modules the
    Python expression `loaded` lists were imported by the end."""
    probe = (
        "import sys\n"
        "from incidentctl.cli.app import run\n"
        "code = run(sys.argv[1:])\n"
        f"print('loaded:', ' '.join(sorted({loaded})), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done, done.stderr.strip().splitlines()[-1]


def test_reading_commands_import_no_renderer_or_models(
    tmp_path: Path,
    isolated_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_playbook(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "declare", "sev2", "--title", "API slow", "--yes").code == 0
    [incident] = json.loads(cli(capsys, "list", "--json").out)
    env = {**os.environ, **store_env(isolated_state)}
    # nor the maintenance windows' models, which a store reading incidents never builds
    unused = (*HEAVY, "incidentctl.model.maintenance")
    for argv in (["list"], ["status"], ["show", incident["id"]]):
        heavy = f"m for m in {unused!r} if m in sys.modules"
        done, loaded = run_probed(argv, heavy, tmp_path, env)
        assert incident["id"] in done.stdout
        assert loaded == "loaded:", (argv, done.stderr)


def test_help_lists_every_command_without_importing_one(tmp_path: Path) -> None:
    from incidentctl.cli.app import COMMANDS

    done, loaded = run_probed(["--help"], COMMAND_MODULES, tmp_path)
    assert loaded == "loaded:"
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line}
    assert listed == {name for name, _, _ in COMMANDS}
    for name, _, short_help in COMMANDS:
        assert f"{name} " in done.stdout and short_help in done.stdout


def schedule_upgrade(capsys: pytest.CaptureFixture[str]) -> None:
    scheduled = cli(
        capsys,
        "maintenance", "schedule", "--title", "Database upgrade", "--component", "api",
        "--start", "2031-03-01T02:00:00+00:00", "--end", "2031-03-01T03:00:00+00:00", "--yes",
    )  # fmt: skip
    assert scheduled.code == 0, scheduled.err


def test_maintenance_reading_commands_import_no_models_and_say_the_same(
    tmp_path: Path,
    isolated_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_playbook(tmp_path)
    monkeypatch.chdir(tmp_path)
    schedule_upgrade(capsys)
    [window_id] = re.findall(r"MNT-\d{8}-\d+", cli(capsys, "maintenance", "list").out)
    shown = cli(capsys, "maintenance", "show", window_id).out
    calendar = cli(capsys, "maintenance", "ics").out
    env = {**os.environ, **store_env(isolated_state)}
    # `maintenance show` still draws its history with rich, even into a pipe
    models = tuple(m for m in HEAVY if m != "rich")
    heavy = f"m for m in {models!r} if m in sys.modules"
    for argv, expected in (
        (["maintenance", "list"], window_id),
        (["maintenance", "show", window_id], shown),
        (["maintenance", "ics"], calendar),
    ):
        done, loaded = run_probed(argv, heavy, tmp_path, env)
        assert loaded == "loaded:", (argv, done.stderr)
        if argv[-1] == "ics":  # the same calendar but for the moment it was written
            assert _undated(done.stdout) == _undated(expected)
            assert "SUMMARY:Maintenance: Database upgrade" in done.stdout
            assert "Services concerned: Public API" in done.stdout.replace("\r\n ", "")
        else:
            assert expected in done.stdout


def _undated(calendar: str) -> list[str]:
    return [line for line in calendar.splitlines() if not line.startswith("DTSTAMP:")]


@pytest.mark.parametrize(
    ("subcommand", "registered"),
    [("list", ["list"]), ("ics", ["ics"]), ("--help", None), ("lst", None), (None, None)],
)
def test_a_group_run_builds_only_the_subcommand_it_names(
    subcommand: str | None, registered: list[str] | None
) -> None:
    from incidentctl.cli.app import build_app
    from incidentctl.cli.maintenance_cmds import app as maintenance

    every = [c.name for c in maintenance.registered_commands]
    (group,) = build_app("maintenance", subcommand).registered_groups
    assert group.typer_instance is not None
    assert [c.name for c in group.typer_instance.registered_commands] == (registered or every)
    assert [c.name for c in maintenance.registered_commands] == every  # the module's is kept


@pytest.mark.sqlite_only  # the playbook names a SQLite file of its own
def test_maintenance_list_reads_the_store_the_playbook_names(
    tmp_path: Path,
    isolated_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = tmp_path / "team.db"
    write_playbook(tmp_path, extra=f"state:\n  database_url: sqlite:///{team}\n")
    monkeypatch.chdir(tmp_path)
    schedule_upgrade(capsys)
    assert team.exists()
    for argv in (("maintenance", "list"), ("maintenance", "ics")):
        assert "Database upgrade" in cli(capsys, *argv).out, argv


def test_no_pydantic_plugin_is_looked_for_unless_the_user_asks(tmp_path: Path) -> None:
    """A pydantic plugin installed beside incidentctl would be handed every playbook validated
    (and the search for one scans every installed package): none is loaded, unless the user
    sets PYDANTIC_DISABLE_PLUGINS."""
    example = Path(__file__).resolve().parents[2] / "playbooks" / "example-en.yaml"
    scanned = "['scanned'] if sys.modules['pydantic.plugin._loader']._plugins is not None else []"
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done, loaded = run_probed(["lint", str(example)], scanned, tmp_path, env)
    assert loaded == "loaded:", done.stderr
    done, loaded = run_probed(
        ["lint", str(example)], scanned, tmp_path, {**env, "PYDANTIC_DISABLE_PLUGINS": "none"}
    )
    assert loaded == "loaded: scanned", done.stderr
