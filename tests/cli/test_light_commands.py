"""The commands that only read the record (`list`, `status`, `show`) stay light: into a pipe
they import neither jinja2, pydantic and the playbook's models, nor rich, which together cost
more than the command itself."""

from __future__ import annotations

import json
import os
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
    for argv in (["list"], ["status"], ["show", incident["id"]]):
        heavy = f"m for m in {HEAVY!r} if m in sys.modules"
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
