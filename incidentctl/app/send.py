"""Sending stored deliveries: claim them, send them in waves per thread root, settle each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from incidentctl.app.edits import edited_message
from incidentctl.app.messages import stored_snapshots
from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import ChannelType, Outgoing, SendContext
from incidentctl.channels.capabilities import (
    IdempotentResend,
    Reconciling,
    Threading,
)
from incidentctl.channels.registry import channel_type
from incidentctl.delivery.engine import DeliveryEngine, Outcome, ProgressCallback, RetryPolicy
from incidentctl.delivery.fanout import Interrupted
from incidentctl.errors import SendingInterrupted
from incidentctl.model.records import Delivery, DeliveryState, Incident, TimelineEvent
from incidentctl.model.text import strip_controls

UNTHREADED = (
    "sent outside the thread: this channel's first message is not confirmed yet "
    "(`incidentctl retry` checks it)"
)
UNSETTLED = (
    DeliveryState.PENDING,
    DeliveryState.FAILED,
    DeliveryState.SENDING,
    DeliveryState.UNCERTAIN,
)


@dataclass
class DeliveryReport:
    deliveries: list[Delivery] = field(default_factory=list)
    # uncertain deliveries left alone: the user decides (check the channel, --resend-uncertain)
    held: list[Delivery] = field(default_factory=list)
    # channels whose service `retry` can read back (an uncertain delivery there is checked)
    checkable: set[str] = field(default_factory=set)
    # sent, but outside the thread: the channel's first message was not confirmed yet
    unthreaded: list[Delivery] = field(default_factory=list)

    @property
    def failed(self) -> list[Delivery]:
        settled = (DeliveryState.SENT, DeliveryState.SUPERSEDED)
        return [d for d in self.deliveries if d.state not in settled]


def make_engine(
    ws: Workspace,
    progress: ProgressCallback | None = None,
    policy: RetryPolicy | None = None,
    checkpoint: Callable[[Delivery], None] | None = None,
) -> DeliveryEngine:
    """The delivery engine over the playbook's channels; `checkpoint` stores a delivery's
    progress (the store's `update_delivery` unless given: maintenance notices have their own)."""

    def make_context(channel: str) -> SendContext:
        return SendContext(
            env=ws.env,
            outbox_dir=ws.state_dir,
            console=ws.console,
            channel=channel,
            base_dir=ws.loaded.base_dir,
            build_site=site_builder(ws),
        )

    return DeliveryEngine(
        ws.playbook.channels,
        make_context,
        checked=ws.channels,
        policy=policy or ws.retry_policy,
        clock=ws.clock,
        progress=progress,
        # per-recipient progress is stored before the channel moves on to the next recipient
        checkpoint=checkpoint or ws.store.update_delivery,
    )


def site_builder(ws: Workspace) -> Callable[[Path], None]:
    """Builds the status site from the workspace's store, for the channels that publish it."""

    def build(folder: Path) -> None:
        from incidentctl.app.site.build import build_site

        build_site(ws.store, ws.playbook, folder, ws.now())

    return build


def outgoing(
    ws: Workspace,
    incident: Incident,
    event: TimelineEvent | None,
    delivery: Delivery,
    *,
    reply_to: str | None = None,
    idempotency_key: str = "",
    edits: str | None = None,
) -> Outgoing:
    """One delivery as its channel receives it, about `event` (the one it announces)."""
    snapshot, announced = stored_snapshots(ws, incident, event, delivery.stage)
    # rows an older version stored may carry control characters: they are not sent on
    snapshot = replace(
        snapshot,
        title=strip_controls(snapshot.title),
        impact=strip_controls(snapshot.impact),
        workaround=strip_controls(snapshot.workaround),
        eta=strip_controls(snapshot.eta),
    )
    message = delivery.message
    return Outgoing(
        delivery_id=delivery.id or 0,
        incident_id=incident.id,
        channel=delivery.channel,
        stage=delivery.stage,
        message=replace(
            message,
            text=strip_controls(message.text),
            subject=strip_controls(message.subject) if message.subject is not None else None,
            html=strip_controls(message.html) if message.html is not None else None,
        ),
        incident=snapshot,
        event=replace(announced, message=strip_controls(announced.message)),
        thread=incident.threads.get(delivery.channel),
        reply_to=reply_to,
        idempotency_key=idempotency_key,
        edits=edits,
    )


class OutgoingBuilder:
    """What each delivery of one incident sends (`Outgoing`). A fan-out `prepare`s each wave
    in the caller's thread first: the incident's timeline and its posts sent so far read once
    for the wave, not by each worker (50 workers each reading the store, under its lock,
    started the sends of 50 channels 50 ms late)."""

    def __init__(self, ws: Workspace, incident: Incident) -> None:
        self.ws = ws
        self.incident = incident
        self.events: dict[int, TimelineEvent] = {}
        self.replies: dict[int | None, str | None] = {}  # delivery id -> `_last_post`

    def prepare(self, wave: Sequence[Delivery]) -> None:
        if any(d.event_id is not None for d in wave):
            self._read_events()
        sent = self._sent()
        self.replies.update({d.id: _last_post(sent, d) for d in wave})

    def __call__(self, delivery: Delivery) -> Outgoing:
        if delivery.event_id is not None:
            self._read_events()
        event = self.events.get(delivery.event_id) if delivery.event_id is not None else None
        if delivery.id in self.replies:
            reply_to = self.replies[delivery.id]
        else:
            reply_to = _last_post(self._sent(), delivery)
        incident = self.incident
        return outgoing(
            self.ws,
            incident,
            event,
            delivery,
            reply_to=reply_to,
            idempotency_key=f"{incident.id}-{delivery.id}-{delivery.payload_hash[:16]}",
            edits=edited_message(event, delivery.channel),
        )

    def _read_events(self) -> None:
        if not self.events:
            timeline = self.ws.store.timeline(self.incident.id)
            self.events.update({e.id: e for e in timeline if e.id is not None})

    def _sent(self) -> list[Delivery]:
        states = [DeliveryState.SENT]
        return self.ws.store.deliveries(incident_id=self.incident.id, states=states)


def outgoing_builder(ws: Workspace, incident: Incident) -> OutgoingBuilder:
    return OutgoingBuilder(ws, incident)


def _last_post(sent: Sequence[Delivery], delivery: Delivery) -> str | None:
    """The remote id of the channel's latest earlier message that went out with one (a post
    sent with its id unknown is skipped: the chain goes on under the last known)."""
    known = [
        d.remote_id
        for d in sent
        if d.channel == delivery.channel and d.remote_id and (d.id or 0) < (delivery.id or 0)
    ]
    return known[-1] if known else None


def store_outcome(ws: Workspace, incident: Incident, delivery: Delivery) -> None:
    """Store what became of `delivery`; sent with a remote id on a channel that has no thread
    for the incident yet, that id becomes its thread, in the same commit."""
    root = delivery.remote_id if delivery.state is DeliveryState.SENT else None
    if root and delivery.channel in incident.threads:
        root = None
    ws.store.update_delivery(delivery, thread=bool(root))
    if root:
        incident.threads[delivery.channel] = root


def send_deliveries(
    ws: Workspace, incident: Incident, deliveries: Sequence[Delivery], engine: DeliveryEngine
) -> DeliveryReport:
    """Claim and send; every outcome is stored as soon as it is known."""
    ids = [d.id for d in deliveries if d.id is not None]
    claimed = ws.store.claim_deliveries(ids, ws.now())
    build = outgoing_builder(ws, incident)
    # one wave per position: a channel's first delivery for the incident becomes its thread
    # root, so the next one for the same channel waits for it; channels run side by side
    waves: list[list[Delivery]] = []
    seen: dict[str, int] = {}
    for d in sorted(claimed, key=lambda d: d.id or 0):
        index = seen.get(d.channel, 0)
        seen[d.channel] = index + 1
        if index == len(waves):
            waves.append([])
        waves[index].append(d)

    handled: set[int | None] = set()
    unthreaded: set[int | None] = set()

    def settle(outcome: Outcome) -> None:
        delivery = outcome.delivery
        if delivery.state is DeliveryState.SENT and delivery.id in unthreaded:
            delivery.error = "; ".join(filter(None, (UNTHREADED, delivery.error)))
        store_outcome(ws, incident, delivery)
        handled.add(delivery.id)

    done: list[Delivery] = []
    try:
        for wave in waves:
            ready = []
            for delivery in wave:
                gap = _root_gap(ws, engine, incident, delivery)
                if gap == "wait":
                    delivery.state = DeliveryState.FAILED
                    delivery.error = (
                        "waiting for the first message on this channel to be confirmed: "
                        "run `incidentctl retry`"
                    )
                    delivery.updated_at = ws.now()
                    settle(Outcome(delivery))
                    done.append(delivery)
                    continue
                if gap == "warn":
                    unthreaded.add(delivery.id)
                ready.append(delivery)
            build.prepare(ready)
            done += [o.delivery for o in engine.send_all(ready, build, settle)]
    except KeyboardInterrupt as stop:
        stopped = [o.delivery for o in stop.stopped] if isinstance(stop, Interrupted) else []
        raise _interrupted(ws, stopped, [d for d in claimed if d.id not in handled]) from None
    # in the order they were recorded (playbook order), not the order they finished
    done.sort(key=lambda d: d.id or 0)
    return DeliveryReport(
        done,
        checkable=_checkable(engine, claimed),
        unthreaded=[d for d in done if d.id in unthreaded and d.state is DeliveryState.SENT],
    )


def _checkable(engine: DeliveryEngine, deliveries: Sequence[Delivery]) -> set[str]:
    """The channels among `deliveries` whose type can tell whether a delivery went out."""
    return {
        d.channel
        for d in deliveries
        if isinstance(channel_class(engine, d.channel), Reconciling | IdempotentResend)
    }


def _interrupted(
    ws: Workspace, stopped: Sequence[Delivery], unsent: Sequence[Delivery]
) -> SendingInterrupted:
    """Ctrl-C while sending: deliveries of later waves go back to `pending` (nothing was sent),
    and one line says what may have gone out and how to resume."""
    for delivery in unsent:
        delivery.state = DeliveryState.PENDING
        delivery.error = "interrupted before sending"
        delivery.updated_at = ws.now()
        ws.store.update_delivery(delivery)
    every = sorted([*stopped, *unsent], key=lambda d: d.id or 0)
    uncertain = [d.channel for d in every if d.state is DeliveryState.UNCERTAIN]
    # stopped between two attempts: every attempt made had failed
    failed = [d.channel for d in every if d.state is DeliveryState.FAILED]
    later = [
        d.channel for d in every if d.state not in (DeliveryState.UNCERTAIN, DeliveryState.FAILED)
    ]
    parts = []
    if uncertain:
        parts.append(
            f"{', '.join(uncertain)} recorded as uncertain (the request was out: it may have "
            "been delivered)"
        )
    if failed:
        parts.append(f"{', '.join(failed)} failed (`incidentctl show` has the error)")
    if later:
        parts.append(f"{', '.join(later)} not sent yet")
    told = "; ".join(parts) or "what was sent is recorded"
    return SendingInterrupted(
        f"interrupted while sending: {told}; `incidentctl retry` resumes (it checks what may "
        "have gone out before sending it again)"
    )


def _root_gap(
    ws: Workspace, engine: DeliveryEngine, incident: Incident, delivery: Delivery
) -> Literal["wait", "warn"] | None:
    """What an update does while its channel's first message may have gone out unconfirmed
    (uncertain, or in flight in another run): on a channel that must thread it waits (a second
    Statuspage incident, an e-mail or X post outside its thread), on a chat it goes out
    unthreaded with a warning; channels that do not thread just send. A first message that
    surely did not go out (failed) leaves the update to open the thread itself."""
    if delivery.channel in incident.threads:
        return None
    cls = channel_class(engine, delivery.channel)
    if not isinstance(cls, Threading):
        return None
    maybe_out = (DeliveryState.SENDING, DeliveryState.UNCERTAIN)
    earlier = ws.store.deliveries(incident_id=incident.id, states=maybe_out)
    if not any(d.channel == delivery.channel and (d.id or 0) < (delivery.id or 0) for d in earlier):
        return None
    return "wait" if cls.needs_thread else "warn"


def channel_class(engine: DeliveryEngine, channel: str) -> ChannelType | None:
    """The type of a playbook channel, for its class-level abilities; None if unknown."""
    config = engine.channels.get(channel)
    return channel_type(config.type) if config is not None else None
