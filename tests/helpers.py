"""File-tree builders and a CLI runner shared by the tests."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.cli.app import run
from incidentctl.cli.runtime import Runtime
from incidentctl.delivery.engine import RetryPolicy
from incidentctl.store import open_store

PLAYBOOK = """\
organization:
  name: Acme Cloud
  timezone: Europe/Paris
  language: {language}
  status_page_url: https://status.acme.example
  support_contact: support@acme.example
severities:
  - id: sev1
    name: Critical
    criteria: [All customers affected]
    update_every: 30m
    postmortem_required: true
    notify:
      all: [outbox, room]
  - id: sev2
    name: Major
    criteria: [A core journey is down for some customers]
    update_every: 1h
    notify:
      all: [outbox, slack]
      resolved: [outbox, room]
roles:
  commander:
    name: Incident commander
    responsibilities: [Decides, delegates]
    default: "@alice"
  comms:
    name: Communications lead
    responsibilities: [Writes every message]
components:
  api:
    name: Public API
  portal:
    name: Customer portal
categories:
  security:
    name: Security
    min_severity: sev1
channels:
  outbox:
    type: outbox
    audience: public
  room:
    type: console
    audience: internal
  slack:
    type: console
    enabled: false
    access: Ask @bob for the webhook
values:
  - name: Transparency
    in_practice: Say what we know, and what we do not know yet.
"""


def write_playbook(
    directory: Path, text: str | None = None, *, language: str = "en", extra: str = ""
) -> Path:
    path = directory / "incidentctl.yaml"
    body = text if text is not None else PLAYBOOK.format(language=language)
    path.write_text(textwrap.dedent(body) + extra, encoding="utf-8")
    return path


def notifying_only(channels: str) -> str:
    """The test playbook with more channels (`channels:` YAML), the first the only one sev1
    notifies."""
    first = textwrap.dedent(channels).splitlines()[1].strip().rstrip(":")
    text = PLAYBOOK.format(language="en").replace("all: [outbox, room]", f"all: [{first}]")
    return text.replace("channels:\n", textwrap.dedent(channels), 1)


@contextmanager
def workspace(
    directory: Path,
    text: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = lambda: datetime(2025, 12, 19, 13, 0, tzinfo=UTC),
) -> Iterator[Workspace]:
    """A workspace over a playbook written in `directory` and a store in `directory/state`."""
    loaded, channels = load_checked_playbook(write_playbook(directory, text))
    state = directory / "state"
    with open_store(state, {}) as store:
        yield Workspace(
            loaded=loaded,
            store=store,
            env=dict(env or {}),
            state_dir=state,
            channels=channels,
            clock=clock,
            console=io.StringIO(),
        )


def store_env(home: Path) -> dict[str, str]:
    """What a subprocess's environment needs to open the store a test opens for `home`: on
    PostgreSQL (`--backend postgresql`), its URL; on SQLite, nothing beyond the state dir."""
    from tests import pg_cluster

    if pg_cluster.ACTIVE is None:
        return {}
    return {"INCIDENTCTL_DATABASE_URL": pg_cluster.ACTIVE.url_for(home)}


@dataclass
class Result:
    code: int
    out: str
    err: str


# transient failures are retried at once: the backoff is the engine's tests' business, and
# a CLI test must not sleep for it (a Retry-After the service asks for is still honoured)
QUICK = Runtime(retry_policy=RetryPolicy(base_delay=0.01, max_delay=0.05))


def cli(capsys: pytest.CaptureFixture[str], *args: str, runtime: Runtime = QUICK) -> Result:
    capsys.readouterr()
    code = run(list(args), runtime=runtime)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
