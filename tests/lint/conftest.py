"""A small playbook tree builder: the playbook file plus any template files, in tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.lint import lint_playbook
from incidentctl.model.problem import Problem

NOW = datetime(2025, 12, 19, 13, 50, tzinfo=UTC)

# a clean playbook: two severities, a zero-tolerance category, one console channel whose
# settings start at line 9 (cases replace or extend them)
VALID = """\
organization: {name: Acme}
severities:
  - {id: sev1, name: Critical, notify: {all: [chat]}}
  - {id: sev2, name: Major, notify: {all: [chat]}}
categories:
  security: {name: Security, min_severity: sev1}
channels:
  chat:
    type: console
"""

# literal secrets, built from pieces so that no scanner takes this file for a leak
SLACK_HOOK = "https://hooks.slack.com/services/" + "T0000000/B0000000/" + "X" * 24
SECRETS = {
    "slack-token": "xoxb-" + "1234567890-abcdefghij",
    "slack-webhook": SLACK_HOOK,
    "sendgrid": "SG." + "a" * 22 + "." + "b" * 43,
    "twilio-account": "AC" + "0123456789abcdef" * 2,
    "twilio-key": "SK" + "fedcba9876543210" * 2,
    "github": "ghp_" + "A1b2C3d4E5" * 4,
    "aws": "AKIA" + "ABCDEFGHIJ234567",
    "discord": "https://discord.com/api/webhooks/" + "123456789012345678/" + "aB-cD_" * 10,
    "bearer": "Bearer " + "abc123def456ghi789",
    "url-password": "postgresql://ops:" + "s3cr3t" + "@db.internal/incidents",
}

Lint = Callable[..., list[Problem]]


def write_tree(root: Path, playbook: str, files: Mapping[str, str] | None = None) -> Path:
    """Write `playbook.yaml` and `files` (relative path -> text) under `root`."""
    for name, text in (files or {}).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    path = root / "playbook.yaml"
    path.write_text(textwrap.dedent(playbook), encoding="utf-8")
    return path


@pytest.fixture
def lint(tmp_path: Path) -> Lint:
    """Lint a playbook given as text (plus template files) with a frozen clock."""

    def run(playbook: str, files: Mapping[str, str] | None = None) -> list[Problem]:
        return lint_playbook(write_tree(tmp_path, playbook, files), env={}, now=NOW)

    return run
