"""Publishing a plan: preview, confirm, record (outbox first), send, and judge the outcome.

The sending commands (`declare`, `update`, `resolve`) share this use case; the CLI passes in its
side effects — how to show the preview, how to ask, how to show live progress — so the whole
flow can be driven without a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from incidentctl.app.plan import Plan
from incidentctl.app.preview import hidden_text, missing_variables, wire_payloads
from incidentctl.app.send import DeliveryReport, make_engine, send_deliveries
from incidentctl.app.versioned import MAX_TRIES, until_stored
from incidentctl.app.workspace import Workspace
from incidentctl.delivery.engine import ProgressCallback
from incidentctl.errors import ConflictError, DeliveriesFailed
from incidentctl.model.records import Delivery, DeliveryState, Incident

# stores the plan and returns the incident as recorded (commit_declare, commit_update)
Commit = Callable[[Workspace, Plan], Incident]


@dataclass(frozen=True)
class Preview:
    """What the responder sees before anything is stored or sent."""

    plan: Plan
    # channel -> `${VAR}`s its settings need that are unset: that delivery will fail
    missing: dict[str, list[str]]
    # channel -> the request body it would post; filled for dry runs only
    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    dry_run: bool = False
    # the responder will be asked: times in the messages are computed again if the minute
    # changes before they answer
    provisional: bool = False
    # "title contains U+202E RIGHT-TO-LEFT OVERRIDE (text may display reversed)"
    hidden: list[str] = field(default_factory=list)


@dataclass
class Published:
    """How a publication ended: a dry run, cancelled at the prompt, or recorded and sent."""

    preview: Preview
    incident: Incident | None = None
    report: DeliveryReport | None = None
    cancelled: bool = False
    # what the responder should know about how it was stored (another responder's change)
    notes: list[str] = field(default_factory=list)


def publish(
    ws: Workspace,
    plan: Plan,
    commit: Commit,
    *,
    dry_run: bool = False,
    show_preview: Callable[[Preview], None] = lambda _: None,
    confirm: Callable[[Plan], bool] | None = None,
    progress: Callable[[Sequence[Delivery]], AbstractContextManager[ProgressCallback | None]]
    | None = None,
    replan: Callable[[], Plan] | None = None,
) -> Published:
    """Show the preview, then (unless a dry run, or `confirm` says no) store and send.

    `confirm` is asked only when there is something to send; None sends without asking. A
    responder may wait at the question: when the minute has changed by the time they say yes,
    `replan` builds the plan again, so "next update by …" counts from the moment of sending.
    When another responder changed the incident between the plan and its storing, `replan`
    makes it again on the incident as it now stands (see `app.versioned`); when the change no
    longer makes sense (they resolved it), nothing is stored or sent and `ConflictError` says so.
    """
    asking = confirm is not None and bool(plan.deliveries) and not dry_run
    preview = Preview(
        plan,
        missing_variables(ws, plan.deliveries),
        wire_payloads(ws, plan.incident, plan.events[-1], plan.deliveries) if dry_run else {},
        dry_run,
        provisional=asking and replan is not None,
        hidden=hidden_text(plan),
    )
    show_preview(preview)
    if dry_run:
        return Published(preview)
    if asking and confirm is not None:
        if not confirm(plan):
            return Published(preview, cancelled=True)
        if replan is not None and _minute(ws.now()) != _minute(plan.events[-1].at):
            plan = replan()
    shown = plan

    def store(attempt: int) -> tuple[Plan, Incident]:
        if not attempt or replan is None:
            return shown, commit(ws, shown)
        try:
            again = replan()
        except ConflictError as exc:
            raise ConflictError(
                f"another responder changed {shown.incident.id} meanwhile, and now {exc}; "
                "nothing of this command was stored or sent"
            ) from None
        return again, commit(ws, again)

    plan, incident = until_stored(
        store, exclusive=ws.store.exclusive, tries=MAX_TRIES if replan else 1
    )
    notes = []
    if plan is not shown:
        notes.append(
            f"{incident.id} was changed by another responder meanwhile: this change was made "
            "on the incident as it now stands (see `incidentctl show`)"
        )
    if progress is None:
        report = send_deliveries(ws, incident, plan.deliveries, make_engine(ws))
    else:
        with progress(plan.deliveries) as callback:
            report = send_deliveries(ws, incident, plan.deliveries, make_engine(ws, callback))
    return Published(preview, incident, report, notes=notes)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def raise_if_undelivered(report: DeliveryReport) -> None:
    """Exit code 3 with one line that says what to do, when anything is not confirmed sent:
    what failed surely did not go out, what is uncertain may have, and `retry` treats the two
    differently."""
    uncertain = [d for d in report.failed if d.state is DeliveryState.UNCERTAIN]
    failed = [d for d in report.failed if d.state is not DeliveryState.UNCERTAIN]
    held = report.held
    unthreaded = report.unthreaded
    if not failed and not uncertain and not held and not unthreaded:
        return

    def channels(deliveries: list[Delivery]) -> str:
        return ", ".join(sorted({d.channel for d in deliveries}))

    parts = []
    if failed:
        parts.append(
            f"{len(failed)} delivery(ies) not sent ({channels(failed)}): recorded; "
            "run `incidentctl retry` once the channel is back"
        )
    if uncertain:
        checked = [d for d in uncertain if d.channel in report.checkable]
        unchecked = [d for d in uncertain if d.channel not in report.checkable]
        how = []
        if checked:
            how.append(f"checks with the service whether {channels(checked)} went out")
        if unchecked:
            how.append(
                f"asks you on a terminal before re-sending {channels(unchecked)} (check the "
                "channel first; `--resend-uncertain` re-sends without asking)"
            )
        parts.append(
            f"{len(uncertain)} delivery(ies) not confirmed, may have gone out "
            f"({channels(uncertain)}): `incidentctl retry` " + " and ".join(how)
        )
    if held:
        parts.append(
            f"{len(held)} delivery(ies) not confirmed, may already have gone out "
            f"({channels(held)}): check the channel, then `incidentctl retry "
            "--resend-uncertain` if it is not there"
        )
    if unthreaded:
        parts.append(
            f"{len(unthreaded)} delivery(ies) sent outside the thread ({channels(unthreaded)}): "
            "the channel's first message is not confirmed yet; `incidentctl retry` checks it"
        )
    raise DeliveriesFailed("; ".join(parts))
