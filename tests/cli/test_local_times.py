"""Times in a command's own lines are the organization's, in its language's form (not UTC)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.test_support import with_desk
from tests.helpers import cli, write_playbook

# the test playbook's zone is Europe/Paris; a December clock is CET, a July one CEST
CLOCK = {
    "en": re.compile(r"\d{2}:\d{2} CES?T"),
    "fr": re.compile(r"\d{1,2}\u00a0h(\u00a0\d{2})?, heure de Paris"),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_again_and_correct_say_the_local_time(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, with_desk(language))
    assert cli(capsys, "declare", "sev1", "--title", "Slow API", "--yes").code == 0
    assert cli(capsys, "report", "--ticket", "T-77").code == 0
    again = cli(capsys, "report", "--ticket", "T-77")
    assert again.code == 0, again.err
    linked = re.search(r"was already linked \((.*)\); not recorded again", again.out)
    assert linked is not None and CLOCK[language].fullmatch(linked[1]), again.out
    corrected = cli(capsys, "correct", "-m", "The API is slow for some", "--dry-run")
    assert corrected.code == 0, corrected.err
    sent = re.findall(r"outbox: edits its message \(sent (.*)\) in place", corrected.out)
    assert len(sent) == 1 and CLOCK[language].fullmatch(sent[0]), corrected.out
    assert "UTC" not in again.out + corrected.out
