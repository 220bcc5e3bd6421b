"""`lint` of a playbook's `sample:`: an empty title, a moment the clocks skip and a value that
is no date and time are each one located error in the author's terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PLAYBOOK, cli, write_playbook

LINES = len(PLAYBOOK.splitlines())
EXPECTED = "expected a date and time, like 2025-12-19T14:05 (the organization's time)"


@pytest.mark.parametrize(
    ("sample", "column", "says"),
    [
        ('{title: ""}', 17, "sample.title: must not be empty"),
        # the test playbook is Europe/Paris: 02:00-03:00 does not exist that night
        (
            "{at: 2026-03-29T02:30}",
            14,
            "sample.at: 2026-03-29T02:30 does not exist in Europe/Paris (clocks go forward",
        ),
        ("{at: 2026-03}", 14, f"sample.at: {EXPECTED} (got '2026-03')"),
        ('{at: "2026"}', 14, f"sample.at: {EXPECTED} (got '2026')"),
        ("{at: 2026}", 14, f"sample.at: {EXPECTED} (got 2026)"),
    ],
)
def test_a_bad_sample_is_a_located_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sample: str,
    column: int,
    says: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, extra=f"sample: {sample}\n")
    linted = cli(capsys, "lint")
    assert linted.code != 0
    found = [line for line in (linted.out + linted.err).splitlines() if "sample" in line]
    assert len(found) == 1, linted.out + linted.err
    assert found[0].startswith(f"incidentctl.yaml:{LINES + 1}:{column}: error: {says}"), found
    assert "Input should be" not in linted.out + linted.err


def test_a_sample_at_a_real_moment_lints_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write_playbook(tmp_path, extra='sample: {at: 2026-03-29T03:30, title: "Checkout errors"}\n')
    linted = cli(capsys, "lint")
    assert "sample" not in linted.out + linted.err, linted.out + linted.err
    assert "error" not in linted.out + linted.err
