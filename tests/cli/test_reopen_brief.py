"""A reopened incident's support brief: the desk's channel and `brief` say the reopening, with
its message, its time and no estimate left from before the resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_support import with_desk
from tests.helpers import cli, write_playbook


@pytest.mark.parametrize(
    ("language", "where", "eta_label"),
    [
        ("en", "The problem we had resolved has come back", "Expected resolution: "),
        ("fr", "Le problème que nous avions résolu est réapparu", "Résolution estimée\u00a0: "),
    ],
)
def test_the_desk_and_brief_get_the_reopening(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    isolated_state: Path,
    capsys: pytest.CaptureFixture[str],
    language: str,
    where: str,
    eta_label: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, with_desk(language))
    assert cli(capsys, "declare", "sev2", "--title", "Payments", "--yes").code == 0
    assert cli(capsys, "update", "-m", "Fixing", "--eta", "in 30 minutes", "--yes").code == 0
    assert cli(capsys, "resolve", "-m", "Payments work again", "--yes").code == 0
    reopened = cli(capsys, "reopen", "1", "-m", "Payments failing again", "--yes")
    assert reopened.code == 0, reopened.err

    brief = cli(capsys, "brief").out
    assert where in brief
    assert "Payments failing again." in brief and "Payments work again" not in brief
    assert "in 30 minutes" not in brief
    desk = sorted((isolated_state / "desk").glob("*/*.txt"))
    # the desk's channel got that brief at the reopening, not the public notice
    sent = desk[-1].read_text(encoding="utf-8")
    assert sent.startswith("📞 ") and "Reopened" not in sent.split("\n")[0]
    assert where in sent and "Payments failing again." in sent
    assert len(desk) == 4  # declare, update, resolve, reopen

    # a new estimate given at the reopening is said publicly and to the desk
    assert cli(capsys, "resolve", "-m", "Fixed", "--yes").code == 0
    again = cli(capsys, "reopen", "1", "-m", "Back", "--eta", "by noon", "--yes")
    assert again.code == 0, again.err
    assert eta_label + "by noon" in again.out  # the public outbox's message, previewed
    assert eta_label + "by noon" in cli(capsys, "brief").out
