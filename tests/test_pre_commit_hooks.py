"""The pre-commit hook manifest: the keys pre-commit requires, commands this CLI runs."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import PLAYBOOK, cli, write_playbook

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"id", "name", "entry", "language"}
# the keys of pre-commit's hook manifest (pre_commit/clientlib.py, MANIFEST_HOOK_DICT)
KNOWN = REQUIRED | {
    "alias", "files", "exclude", "types", "types_or", "exclude_types", "additional_dependencies",
    "args", "always_run", "fail_fast", "pass_filenames", "description", "language_version",
    "log_file", "minimum_pre_commit_version", "require_serial", "stages", "verbose",
}  # fmt: skip


def hooks() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return {hook["id"]: hook for hook in loaded}


def test_the_manifest_has_both_hooks_in_pre_commits_format() -> None:
    found = hooks()
    assert set(found) == {"incidentctl-lint", "incidentctl-approved"}
    for hook in found.values():
        assert REQUIRED <= set(hook) <= KNOWN, hook
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        assert str(hook["entry"]).startswith("incidentctl lint")


def test_each_hook_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(tmp_path, PLAYBOOK.format(language="en"))
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "preview", "--all", "--out", "approved").code == 0
    for hook in hooks().values():
        args = shlex.split(str(hook["entry"]))[1:] + [str(a) for a in hook.get("args", [])]
        assert cli(capsys, *args).code == 0, hook["id"]
    (tmp_path / "approved" / "sev1" / "resolved" / "room.txt").write_text("edited\n")
    approved = hooks()["incidentctl-approved"]
    args = shlex.split(str(approved["entry"]))[1:] + [str(a) for a in approved["args"]]
    failed = cli(capsys, *args)
    assert failed.code == 1 and "approved/sev1/resolved/room.txt:1:1: error" in failed.out
