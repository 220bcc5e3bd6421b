"""Secrets never come back through an echo, end to end: one playbook with every channel type,
each networked one aimed at a service that fails and quotes the request back
(`tests/channels/fakes/echo_server.py`), through `declare`, `list`, `show`, `show --json`,
`retry` and `update`. No canary secret (`tests/channels/echo_cases.py`) reaches their output,
any table of the store (read back, and the database files read raw), any other file the
commands leave (outbox, logs) or a log record.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from incidentctl.channels.registry import BUILTIN_CHANNELS
from incidentctl.cli.runtime import Runtime
from incidentctl.delivery.engine import RetryPolicy
from incidentctl.store import DATABASE_FILE
from tests.channels.echo_cases import CANARY, CASES, DNS_FAILURE_ROOT, OFFLINE_TYPES
from tests.channels.fakes.echo_server import SCENARIO_IDS, SCENARIOS, Bystander, EchoServer
from tests.helpers import PLAYBOOK, cli, write_playbook

TIMEOUT = 0.4  # each channel's, in the playbook; the echo server hangs for longer
# one attempt per command: a second would wait for the channels' rate limits (Discord's is one
# message per 2 s), and `retry` sends again anyway; the engine's waits between attempts keep
# their texts scrubbed in tests/delivery/test_engine.py
ONCE = Runtime(retry_policy=RetryPolicy(max_attempts=1))
NETWORKED = [case.id for case in CASES]


def playbook(root: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test playbook with every channel case aimed at `root`, all notified for sev1; their
    secrets go into the environment."""
    channels: dict[str, Any] = {}
    for case in CASES:
        env, options = case.aim(root)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        channels[case.id] = {"type": case.type, **case.options, **options, "timeout": TIMEOUT}
    block = yaml.safe_dump({"channels": channels}, sort_keys=False)
    text = PLAYBOOK.format(language="en").replace(
        "all: [outbox, room]", f"all: [outbox, room, {', '.join(NETWORKED)}]"
    )
    return text.replace("channels:\n", block, 1)


@pytest.fixture
def bystander() -> Iterator[Bystander]:
    with Bystander(host="127.0.0.2") as server:
        yield server


def stored(state: Path) -> str:
    """Every row of every table of the store, as text."""
    rows: list[str] = []
    with sqlite3.connect(state / DATABASE_FILE) as db:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        for (table,) in db.execute(query).fetchall():
            rows += [repr(row) for row in db.execute(f'SELECT * FROM "{table}"')]
    return "\n".join(rows)


def files(*folders: Path) -> str:
    """Every file under `folders`, raw (the database and its journal included)."""
    return "\n".join(
        path.read_bytes().decode("latin-1")
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )


def test_every_channel_type_is_in_the_playbook() -> None:
    assert {case.type for case in CASES} | OFFLINE_TYPES == set(BUILTIN_CHANNELS)


@pytest.mark.usefixtures("offline_dns")
@pytest.mark.parametrize(("fault", "encoding", "view"), SCENARIOS, ids=SCENARIO_IDS)
def test_no_secret_comes_back_through_the_cli(
    fault: str,
    encoding: str,
    view: str,
    bystander: Bystander,
    tmp_path: Path,
    isolated_state: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # as a program embedding incidentctl might
    monkeypatch.chdir(tmp_path)
    with EchoServer(fault, encoding, view, bystander.url) as server:
        write_playbook(
            tmp_path, playbook(DNS_FAILURE_ROOT if fault == "dns" else server.url, monkeypatch)
        )
        declared = cli(capsys, "declare", "sev1", "--title", "API down", "--yes", runtime=ONCE)
        listed = cli(capsys, "list", "--json")
        iid = json.loads(listed.out)[0]["id"]
        shown = cli(capsys, "show", iid, "--json")
        runs = [declared, listed, cli(capsys, "list"), cli(capsys, "show", iid), shown]
        runs.append(cli(capsys, "retry", "--yes", runtime=ONCE))
        runs.append(cli(capsys, "update", iid, "-m", "Still investigating", "--yes", runtime=ONCE))
        runs.append(cli(capsys, "show", iid, "--json"))

    assert runs[0].code == 3  # delivered to the offline channels only
    for run in runs:
        assert CANARY.leaks(run.out + run.err) == []
    assert CANARY.leaks(stored(isolated_state)) == []
    assert CANARY.leaks(files(isolated_state, tmp_path)) == []
    assert CANARY.leaks(caplog.text) == []
    assert bystander.requests == []  # no redirect was followed
    deliveries = {d["channel"]: d for d in json.loads(shown.out)["deliveries"]}
    for name in NETWORKED:
        assert deliveries[name]["state"] in ("failed", "uncertain"), name
        assert deliveries[name]["error"], name
    assert deliveries["outbox"]["state"] == "sent"
    if fault != "dns":
        # every channel's requests carried secrets for the service to quote
        assert CANARY.leaks(
            "\n".join(r.target + repr(r.headers) + r.body.decode() for r in server.requests)
        )
