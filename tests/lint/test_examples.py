"""The shipped example playbooks lint clean with --strict, and lint stays light to import."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from incidentctl.cli.app import run
from incidentctl.lint import exit_code, format_problems, lint_playbook
from tests.lint.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_example_playbook_is_clean_in_strict_mode(language: str) -> None:
    path = ROOT / "playbooks" / f"example-{language}.yaml"
    problems = lint_playbook(path, env={}, now=NOW)
    assert format_problems(problems, "text") == ""
    assert exit_code(problems, strict=True) == 0


def test_lint_does_not_import_http_clients_or_rich() -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from incidentctl.lint import lint_playbook\n"
        "lint_playbook(Path(sys.argv[1]), env={})\n"
        "heavy = ('httpx', 'rich', 'sendgrid', 'tweepy', 'requests')\n"
        "print(' '.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    playbook = ROOT / "playbooks" / "example-en.yaml"
    done = subprocess.run(
        [sys.executable, "-c", script, str(playbook)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("enabled", [True, False])
def test_lint_command_leaves_the_garbage_collector_as_it_was(
    enabled: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    was = gc.isenabled()
    if not enabled:
        gc.disable()
    try:
        assert run(["lint", str(ROOT / "playbooks" / "example-en.yaml")]) == 0
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
    assert capsys.readouterr().out == ""
