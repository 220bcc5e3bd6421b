"""SIGKILL in the middle of a fan-out, then `retry` (issue requirement).

"Kill the process (SIGKILL) at several points of a fan-out, then `retry`: every channel ends with
exactly one accepted request, or an `uncertain` delivery that the user is told about — never a
silent duplicate on a public channel."

The real CLI runs as a subprocess (`python -m incidentctl`) with its state in `tmp_path`; its
channels (an outbox, two signed webhooks, a Statuspage) point at the fakes served from this test
process on 127.0.0.1. A fake can hold one request at a chosen point — after processing it but
before answering (`after`), or after accepting the connection but before reading a byte
(`before`) — and tells the test, which then kills the CLI at that well-defined point. Every wait
polls with a deadline; nothing relies on a sleep being long enough.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

from incidentctl.errors import StateError
from incidentctl.model.records import Delivery
from incidentctl.store import open_store
from tests.channels.fakes.base_server import FakeServer, Reply, Request
from tests.channels.fakes.statuspage_server import StatuspageServer
from tests.channels.fakes.twilio_server import TwilioFake
from tests.channels.fakes.webhook_server import PATH, SECRET, WebhookReceiver
from tests.helpers import store_env

REPO = Path(__file__).resolve().parents[2]
# the longest any single wait may take on a loaded machine before the test fails
WAIT = 60.0
API_KEY = "sp-key-crash-0123456789abcdef"
PAGE = "pg123"
TITLE = "Checkout errors in EU"
HOOKS = ("hook_a", "hook_b")
CHANNELS = ("outbox", *HOOKS, "status")
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

pytestmark = pytest.mark.timeout(300)


# --- fakes that can hold a request ----------------------------------------------------------


class Hold:
    """Holds the first request (or connection) that reaches it once armed, until released."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._armed = False

    def arm(self) -> None:
        with self._lock:
            self._armed = True

    def take(self) -> bool:
        """Block the calling server thread if armed (once); True when it held."""
        with self._lock:
            held, self._armed = self._armed, False
        if held:
            self.reached.set()
            self.released.wait(WAIT)
        return held


class Holding(FakeServer):
    """A fake that holds one processed request before answering (`after`), or one accepted
    connection before reading it (`before`; that request is then never read: it is lost)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after = Hold()
        self.before = Hold()
        finish = self._server.finish_request

        def finish_request(request: Any, client_address: Any) -> None:
            if self.before.take():
                return  # the server closes the socket without having read the request
            finish(request, client_address)

        self._server.finish_request = finish_request  # type: ignore[method-assign]

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        self.after.take()
        return reply

    def stop(self) -> None:
        self.after.released.set()
        self.before.released.set()
        super().stop()

    def posts(self) -> list[Request]:
        """Requests that carried a message (read by the server, whatever it answered)."""
        return [r for r in self.requests if r.method in ("POST", "PATCH")]


class HoldingWebhook(Holding, WebhookReceiver):
    def accepted_count(self) -> int:
        return len(self.accepted)


class HoldingStatuspage(Holding, StatuspageServer):
    def accepted_count(self) -> int:
        """Messages on the page: one per incident created or update added."""
        return sum(len(i["incident_updates"]) for i in self.incidents.values())


# --- the CLI in a subprocess ----------------------------------------------------------------


PLAYBOOK = """\
organization:
  name: Acme Cloud
  timezone: UTC
  language: en
  status_page_url: https://status.acme.example
  support_contact: support@acme.example
severities:
  - id: sev1
    name: Critical
    criteria: [All customers affected]
    update_every: 30m
    notify:
      all: [outbox, hook_a, hook_b, status]
components:
  api:
    name: Public API
channels:
  outbox:
    type: outbox
    audience: public
  hook_a:
    type: webhook
    audience: public
    url: {hook_a}
    secret: ${{WEBHOOK_SECRET}}
    timeout: 60
  hook_b:
    type: webhook
    audience: public
    url: {hook_b}
    secret: ${{WEBHOOK_SECRET}}
    timeout: 60
  status:
    type: statuspage
    audience: public
    api_base: {status}
    api_key: ${{STATUSPAGE_API_KEY}}
    page_id: {page}
    components:
      api: cmp_api
    timeout: 60
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@dataclass(kw_only=True)
class Cli:
    """The CLI run as subprocesses on one state directory, and what its store holds."""

    home: Path
    playbook: Path
    env: dict[str, str]
    logs: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # -- running the CLI --

    def cli(self, *args: str) -> Run:
        done = subprocess.run(
            [sys.executable, "-m", "incidentctl", *args],
            env=self.env,
            cwd=self.home.parent,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=WAIT * 2,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        n = len(self.procs)
        with (
            open(self.logs / f"{n}.out", "wb") as out,
            open(self.logs / f"{n}.err", "wb") as err,
        ):
            proc = subprocess.Popen(
                [sys.executable, "-m", "incidentctl", *args],
                env=self.env,
                cwd=self.home.parent,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        self.procs.append(proc)
        return proc

    def output(self, proc: subprocess.Popen[bytes]) -> str:
        n = self.procs.index(proc)
        return "".join(
            (self.logs / f"{n}.{part}").read_text(errors="replace") for part in ("out", "err")
        )

    def kill_when(
        self, proc: subprocess.Popen[bytes], ready: Callable[[], bool], what: str
    ) -> None:
        """SIGKILL the CLI as soon as `ready()` holds; fail if it exits or times out first."""
        try:
            wait_for(lambda: proc.poll() is not None or ready(), what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; deliveries: {self.states()}") from None
        assert proc.poll() is None, f"the CLI exited ({proc.returncode}) before {what}:\n" + (
            self.output(proc)
        )
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(WAIT) == -signal.SIGKILL

    # -- what the fakes and the store saw --

    def deliveries(self) -> list[Delivery]:
        """Every delivery, oldest first, read straight from the store (no CLI)."""
        on_file = self.env.get("INCIDENTCTL_DATABASE_URL") is None
        if on_file and not (self.home / "incidentctl.db").exists():
            return []
        try:
            with open_store(self.home, self.env) as store:
                return store.deliveries()
        except StateError:  # not migrated yet, or busy
            return []

    def states(self) -> dict[str, str]:
        """The latest delivery state per channel."""
        return {d.channel: d.state.value for d in self.deliveries()}

    def progress(self) -> dict[str, dict[str, Any]]:
        """The stored per-recipient progress of the latest delivery per channel."""
        return {d.channel: d.progress for d in self.deliveries()}

    def incident_id(self) -> str:
        with open_store(self.home, self.env) as store:
            [incident] = store.list_incidents()
        return str(incident.id)

    def show(self, iid: str) -> dict[str, dict[str, Any]]:
        """`show ID --json`: the latest delivery per channel."""
        shown = self.cli("show", iid, "--json")
        assert shown.code == 0, shown.text
        latest: dict[str, dict[str, Any]] = {}
        for delivery in json.loads(shown.out)["deliveries"]:
            latest[delivery["channel"]] = delivery
        return latest

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(WAIT)


@dataclass(kw_only=True)
class World(Cli):
    """The CLI with an outbox, two webhooks and a Statuspage, each fake able to hold."""

    hooks: dict[str, HoldingWebhook]
    status: HoldingStatuspage

    def outbox_files(self) -> list[Path]:
        return sorted((self.home / "outbox").rglob("*.txt"))

    def received(self) -> dict[str, int]:
        """Message-carrying requests each channel received (outbox: files written)."""
        counts = {name: len(hook.posts()) for name, hook in self.hooks.items()}
        counts["status"] = len(self.status.posts())
        counts["outbox"] = len(self.outbox_files())
        return counts

    def accepted(self) -> dict[str, int]:
        """Messages each channel actually published (the webhook receiver drops a retried
        delivery by its Idempotency-Key, so a forced re-send is not published twice)."""
        counts = {name: hook.accepted_count() for name, hook in self.hooks.items()}
        counts["status"] = self.status.accepted_count()
        counts["outbox"] = len(self.outbox_files())
        return counts


def wait_for(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.01)  # polling interval, not a synchronisation


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clock = itertools.count(0.0, 10.0)  # every request is 10 s after the last: no rate limit
    with (
        HoldingWebhook() as hook_a,
        HoldingWebhook() as hook_b,
        HoldingStatuspage(api_key=API_KEY, page_id=PAGE, clock=clock.__next__) as status,
    ):
        assert isinstance(hook_a, HoldingWebhook) and isinstance(hook_b, HoldingWebhook)
        playbook = tmp_path / "incidentctl.yaml"
        playbook.write_text(
            textwrap.dedent(PLAYBOOK).format(
                hook_a=hook_a.url + PATH,
                hook_b=hook_b.url + PATH,
                status=status.api_base,
                page=PAGE,
            ),
            encoding="utf-8",
        )
        env = cli_env(tmp_path, playbook, STATUSPAGE_API_KEY=API_KEY, WEBHOOK_SECRET=SECRET)
        logs = tmp_path / "logs"
        logs.mkdir()
        world = World(
            home=tmp_path / "home",
            playbook=playbook,
            env=env,
            hooks={"hook_a": hook_a, "hook_b": hook_b},
            status=status,
            logs=logs,
        )
        try:
            yield world
        finally:
            world.kill_all()


def cli_env(tmp_path: Path, playbook: Path, **extra: str) -> dict[str, str]:
    """The environment of the CLI subprocesses: state in `tmp_path`, no proxy, no colour."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("INCIDENTCTL_") and key.lower() not in PROXY_VARIABLES
    }
    env.update(
        INCIDENTCTL_HOME=str(tmp_path / "home"),
        INCIDENTCTL_PLAYBOOK=str(playbook),
        **store_env(tmp_path / "home"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        COLUMNS="200",
        NO_COLOR="1",
        **extra,
    )
    return env


def declare(world: World) -> subprocess.Popen[bytes]:
    return world.start(
        "declare", "sev1", "--title", TITLE, "--component", "api=major_outage", "--yes"
    )


def assert_told_uncertain(run: Run, channels: set[str]) -> None:
    """`retry` exits 3 and names each held channel, saying how to force a re-send."""
    assert run.code == 3, run.text
    told = [line for line in run.out.splitlines() if line.startswith("uncertain ")]
    for channel in channels:
        assert any(f" {channel}:" in line for line in told), run.text
    assert "--resend-uncertain" in run.out, run.text
    assert "not confirmed" in run.err, run.text


def assert_requirement(world: World, iid: str, run: Run) -> dict[str, dict[str, Any]]:
    """Every channel has exactly one accepted message, or is `uncertain` and the user was told;
    no channel received the message twice."""
    shown = world.show(iid)
    assert set(shown) == set(CHANNELS)
    received, accepted = world.received(), world.accepted()
    uncertain = {c for c, d in shown.items() if d["state"] == "uncertain"}
    for channel, delivery in shown.items():
        assert received[channel] <= 1, f"{channel} received the message twice"
        if channel in uncertain:
            continue
        assert delivery["state"] == "sent", (channel, delivery)
        assert accepted[channel] == 1, (channel, accepted)
    if uncertain:
        assert_told_uncertain(run, uncertain)
    else:
        assert run.code == 0, run.text
    return shown


def resend_uncertain(world: World, iid: str, held: set[str]) -> None:
    """`retry --resend-uncertain` re-sends each held delivery exactly once, then all is settled."""
    before = world.received()
    forced = world.cli("retry", "--resend-uncertain")
    assert forced.code == 0, forced.text
    after = world.received()
    assert after == {c: n + (c in held) for c, n in before.items()}
    assert world.accepted() == dict.fromkeys(CHANNELS, 1)
    assert {c: d["state"] for c, d in world.show(iid).items()} == dict.fromkeys(CHANNELS, "sent")
    settled = world.cli("retry")
    assert settled.code == 0, settled.text
    assert "nothing to retry" in settled.out
    assert world.received() == after


# --- the kill points ------------------------------------------------------------------------


def test_kill_while_a_webhook_holds_its_answer(world: World) -> None:
    """(a) hook_a received and published the message but has not answered; every other channel
    has answered and its outcome is stored. `retry` must not re-send hook_a blindly: it is held
    as uncertain and the user is told; `--resend-uncertain` then re-sends it once."""
    world.hooks["hook_a"].after.arm()
    proc = declare(world)
    others_sent = {"outbox": "sent", "hook_b": "sent", "status": "sent", "hook_a": "sending"}
    world.kill_when(
        proc,
        lambda: world.hooks["hook_a"].after.reached.is_set() and world.states() == others_sent,
        "hook_a to hold its answer while the others are stored as sent",
    )
    iid = world.incident_id()
    assert world.received() == dict.fromkeys(CHANNELS, 1)

    retried = world.cli("retry")

    shown = assert_requirement(world, iid, retried)
    assert {c: d["state"] for c, d in shown.items()} == {
        "outbox": "sent",
        "hook_a": "uncertain",
        "hook_b": "sent",
        "status": "sent",
    }
    assert "interrupted while sending" in (shown["hook_a"]["error"] or "")
    assert world.received() == dict.fromkeys(CHANNELS, 1)  # retry sent nothing at all
    again = world.cli("retry")  # still held, still said
    assert_told_uncertain(again, {"hook_a"})
    assert world.received() == dict.fromkeys(CHANNELS, 1)

    resend_uncertain(world, iid, {"hook_a"})
    # the forced re-send carried the same Idempotency-Key, so the receiver could drop it
    first, second = world.hooks["hook_a"].posts()
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


def test_kill_while_statuspage_holds_a_created_incident(world: World) -> None:
    """(b) Statuspage created the incident but its answer is still in flight when the CLI dies.
    `retry` reconciles: it finds the incident by its metadata, records it as sent and as the
    thread — no second POST — and the next update patches that same incident."""
    world.status.after.arm()
    proc = declare(world)
    others_sent = {"outbox": "sent", "hook_a": "sent", "hook_b": "sent", "status": "sending"}
    world.kill_when(
        proc,
        lambda: world.status.after.reached.is_set() and world.states() == others_sent,
        "Statuspage to hold its answer while the others are stored as sent",
    )
    iid = world.incident_id()
    [(remote_id, incident)] = world.status.incidents.items()

    retried = world.cli("retry")

    shown = assert_requirement(world, iid, retried)
    assert {c: d["state"] for c, d in shown.items()} == dict.fromkeys(CHANNELS, "sent")
    assert shown["status"]["remote_id"] == remote_id
    assert shown["status"]["link"] == incident["shortlink"]
    assert [r.method for r in world.status.requests] == ["POST", "GET"]  # create, reconcile
    assert world.received() == dict.fromkeys(CHANNELS, 1)

    updated = world.cli(
        "update", iid, "--message", "Root cause found", "--status", "identified", "--yes"
    )
    assert updated.code == 0, updated.text
    patch = world.status.requests[-1]
    assert (patch.method, patch.path) == ("PATCH", f"/v1/pages/{PAGE}/incidents/{remote_id}")
    assert len(world.status.incidents) == 1
    assert world.accepted() == dict.fromkeys(CHANNELS, 2)


def test_kill_after_every_answer_then_retry_sends_nothing(world: World) -> None:
    """(c) Every request was answered and stored (the run completes): `retry` has nothing to do
    and sends nothing new."""
    proc = declare(world)
    assert proc.wait(WAIT * 2) == 0, world.output(proc)
    iid = world.incident_id()
    assert world.accepted() == dict.fromkeys(CHANNELS, 1)

    retried = world.cli("retry")

    assert "nothing to retry" in retried.out
    assert_requirement(world, iid, retried)
    assert world.received() == dict.fromkeys(CHANNELS, 1)
    assert [r.method for r in world.status.requests] == ["POST"]


def test_kill_before_any_request_was_read(world: World) -> None:
    """(d) Every HTTP fake accepted the connection but read nothing when the CLI died (the
    outbox file is written). The client cannot know that: the webhooks are held as uncertain and
    the user is told; Statuspage is reconciled, found absent and sent exactly once."""
    for hook in world.hooks.values():
        hook.before.arm()
    world.status.before.arm()
    proc = declare(world)
    holds = [*(h.before for h in world.hooks.values()), world.status.before]
    world.kill_when(
        proc,
        lambda: all(h.reached.is_set() for h in holds) and world.states().get("outbox") == "sent",
        "every HTTP fake to hold an unread connection, and the outbox to be written",
    )
    iid = world.incident_id()
    assert world.received() == {"outbox": 1, "hook_a": 0, "hook_b": 0, "status": 0}

    retried = world.cli("retry")

    shown = assert_requirement(world, iid, retried)
    assert {c: d["state"] for c, d in shown.items()} == {
        "outbox": "sent",
        "hook_a": "uncertain",
        "hook_b": "uncertain",
        "status": "sent",
    }
    assert [r.method for r in world.status.requests] == ["GET", "POST"]  # reconcile, send
    assert shown["status"]["remote_id"] in world.status.incidents
    assert world.received() == {"outbox": 1, "hook_a": 0, "hook_b": 0, "status": 1}

    resend_uncertain(world, iid, {"hook_a", "hook_b"})


def test_kill_during_an_update_fan_out(world: World) -> None:
    """An update's fan-out killed while Statuspage holds a processed PATCH and hook_b holds a
    published message: Statuspage is reconciled from the incident's updates (no second PATCH),
    hook_b is held as uncertain and the user is told."""
    declared = declare(world)
    assert declared.wait(WAIT * 2) == 0, world.output(declared)
    iid = world.incident_id()
    world.status.after.arm()
    world.hooks["hook_b"].after.arm()
    proc = world.start(
        "update", iid, "--message", "Root cause found", "--status", "identified", "--yes"
    )
    holds = [world.status.after, world.hooks["hook_b"].after]
    others_sent = {"outbox": "sent", "hook_a": "sent", "hook_b": "sending", "status": "sending"}
    world.kill_when(
        proc,
        lambda: all(h.reached.is_set() for h in holds) and world.states() == others_sent,
        "Statuspage and hook_b to hold their answers while the others are stored as sent",
    )
    patches = [r for r in world.status.requests if r.method == "PATCH"]
    assert len(patches) == 1

    retried = world.cli("retry")

    assert_told_uncertain(retried, {"hook_b"})
    shown = world.show(iid)
    assert {c: d["state"] for c, d in shown.items()} == {
        "outbox": "sent",
        "hook_a": "sent",
        "hook_b": "uncertain",
        "status": "sent",
    }
    assert [r for r in world.status.requests if r.method in ("POST", "PATCH")] == [
        world.status.requests[0],
        *patches,
    ]
    assert world.accepted() == dict.fromkeys(CHANNELS, 2)
    assert len(world.hooks["hook_b"].posts()) == 2  # declare + update: nothing re-sent

    forced = world.cli("retry", "--resend-uncertain")
    assert forced.code == 0, forced.text
    assert len(world.hooks["hook_b"].posts()) == 3
    assert world.accepted() == dict.fromkeys(CHANNELS, 2)
    assert {c: d["state"] for c, d in world.show(iid).items()} == dict.fromkeys(CHANNELS, "sent")


def test_update_after_a_kill_does_not_open_a_second_statuspage_incident(world: World) -> None:
    """As (b), but the on-call runs `update` before `retry`: the update must not create a second
    incident on the public status page (the first one exists; we just do not know its id)."""
    world.status.after.arm()
    proc = declare(world)
    others_sent = {"outbox": "sent", "hook_a": "sent", "hook_b": "sent", "status": "sending"}
    world.kill_when(
        proc,
        lambda: world.status.after.reached.is_set() and world.states() == others_sent,
        "Statuspage to hold its answer while the others are stored as sent",
    )
    iid = world.incident_id()

    world.cli("update", iid, "--message", "Root cause found", "--status", "identified", "--yes")
    world.cli("retry")

    assert len(world.status.incidents) == 1
    assert [r.method for r in world.status.requests].count("POST") == 1


# --- per-recipient progress: a kill between two SMS numbers ---------------------------------

TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-token-crash-0123456789"
FIRST, SECOND = "+33612345678", "+442079460456"

SMS_PLAYBOOK = """\
organization:
  name: Acme Cloud
  timezone: UTC
  language: en
severities:
  - id: sev1
    name: Critical
    criteria: [All customers affected]
    update_every: 30m
    notify:
      all: [oncall]
channels:
  oncall:
    type: sms
    audience: internal
    account_sid: ${{TWILIO_ACCOUNT_SID}}
    auth_token: ${{TWILIO_AUTH_TOKEN}}
    from_number: "+15005550006"
    to: ["{first}", "{second}"]
    api_base: {api_base}
    timeout: 60
"""


class HoldingTwilio(TwilioFake):
    """Holds the request to one number before looking at it; once released, that request is
    dropped unread (the CLI was killed before Twilio could act on it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.held_number: str | None = None
        self.hold = Hold()

    def handle(self, request: Request) -> Reply:
        held = self.held_number is not None and f"To={quote_plus(self.held_number)}" in (
            request.body.decode()
        )
        if held and self.hold.take():
            return Reply(drop=True)
        return super().handle(request)

    def stop(self) -> None:
        self.hold.released.set()
        super().stop()


@pytest.fixture
def sms_world(tmp_path: Path) -> Iterator[tuple[Cli, HoldingTwilio]]:
    with HoldingTwilio(account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN) as twilio:
        assert isinstance(twilio, HoldingTwilio)
        playbook = tmp_path / "incidentctl.yaml"
        playbook.write_text(
            SMS_PLAYBOOK.format(first=FIRST, second=SECOND, api_base=twilio.url), encoding="utf-8"
        )
        env = cli_env(
            tmp_path, playbook, TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN
        )
        logs = tmp_path / "logs"
        logs.mkdir()
        world = Cli(home=tmp_path / "home", playbook=playbook, env=env, logs=logs)
        try:
            yield world, twilio
        finally:
            world.kill_all()


def test_kill_between_two_sms_numbers_then_resend_reaches_each_number_once(
    sms_world: tuple[Cli, HoldingTwilio],
) -> None:
    """The first number got its SMS and that is stored before the second request goes out; the
    CLI dies while the second is held unread. `retry` holds the delivery as uncertain;
    `retry --resend-uncertain` sends to the second number only."""
    world, twilio = sms_world
    twilio.held_number = SECOND
    twilio.hold.arm()
    proc = world.start("declare", "sev1", "--title", TITLE, "--yes")
    world.kill_when(
        proc,
        lambda: twilio.hold.reached.is_set() and len(world.progress().get("oncall", {})) > 0,
        "the first SMS to be stored as reached while the second is held",
    )
    twilio.hold.released.set()
    assert [m.to for m in twilio.messages] == [FIRST]
    [reached] = world.progress()["oncall"]["sent"].values()
    assert reached == twilio.messages[0].sid
    assert FIRST not in json.dumps(world.progress())  # the state file keeps no phone number

    held = world.cli("retry")
    assert_told_uncertain(held, {"oncall"})
    assert [m.to for m in twilio.messages] == [FIRST]

    forced = world.cli("retry", "--resend-uncertain")

    assert forced.code == 0, forced.text
    assert sorted(m.to for m in twilio.messages) == sorted([FIRST, SECOND])
    assert world.states() == {"oncall": "sent"}
    assert world.cli("retry").out.startswith("nothing to retry")
