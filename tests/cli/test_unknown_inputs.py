"""Input `import` and `list` cannot use is refused with one located `error:` line (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli, write_playbook


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path)
    return tmp_path


def test_a_json_file_that_is_not_json_says_so(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "record.json").write_text("not json\n", encoding="utf-8")
    bad = cli(capsys, "import", "record.json")
    assert bad.code == 2
    [line] = bad.err.splitlines()
    assert line.startswith("error: record.json:1:1: not valid JSON"), line
    assert "Markdown" not in line


def test_a_record_of_a_severity_the_playbook_lacks_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev1", "--title", "Slow API", "--yes").code == 0
    assert cli(capsys, "export", "1", "--out", "record.json").code == 0
    text = (project / "record.json").read_text(encoding="utf-8")
    (project / "sev99.json").write_text(text.replace('"sev1"', '"sev99"'), encoding="utf-8")
    monkeypatch.setenv("INCIDENTCTL_HOME", str(project / "other-state"))
    bad = cli(capsys, "import", "sev99.json", "record.json")
    assert bad.code == 2
    [line] = bad.err.splitlines()
    row = next(n for n, t in enumerate(text.splitlines(), start=1) if '"severity"' in t)
    assert line.startswith(f"error: sev99.json:{row}:"), line
    assert "'sev99' is not a severity of the playbook (known: sev1, sev2)" in line
    assert json.loads(cli(capsys, "list", "--json").out) == []  # nothing stored
    assert cli(capsys, "import", "record.json").code == 0


def test_list_of_an_unknown_severity_names_the_known_ones(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev1", "--title", "Slow API", "--yes").code == 0
    unknown = cli(capsys, "list", "--severity", "sev9")
    assert unknown.code == 2 and unknown.out == ""
    assert unknown.err == "error: --severity 'sev9': not a severity of the playbook " \
        "(known: sev1, sev2)\n"  # fmt: skip
    known = cli(capsys, "list", "--severity", "sev2", "--json")
    assert known.code == 0 and json.loads(known.out) == []
    assert len(json.loads(cli(capsys, "list", "--severity", "sev1", "--json").out)) == 1
