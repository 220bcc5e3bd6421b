"""`declare`, `update`, `resolve`, `assign`, `retry`, `postmortem`: changing an incident."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from incidentctl.cli.options import DryRunOption, IncidentArgument, PlaybookOption, YesOption
from incidentctl.errors import ExitCode

if TYPE_CHECKING:
    from incidentctl.app.plan import Plan
    from incidentctl.app.send import DeliveryReport
    from incidentctl.app.workspace import Workspace
    from incidentctl.model.records import Delivery

Components = Annotated[
    list[str] | None,
    typer.Option(
        "--component",
        "-c",
        help="Affected component, optionally with its status: "
        "api or api=major_outage (repeatable).",
        show_default=False,
    ),
]


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _send(ws: Workspace, plan: Plan, *, yes: bool, dry_run: bool, commit: object) -> None:
    """Preview, confirm, store (outbox first), send, report — shared by every sending command."""
    from incidentctl.app.send import make_engine, missing_variables, send_deliveries
    from incidentctl.output import messages

    messages.print_preview(ws, plan, full=dry_run)
    messages.print_missing_variables(missing_variables(ws, plan.deliveries))
    if dry_run:
        from incidentctl.app.send import wire_payloads

        messages.print_payloads(wire_payloads(ws, plan.incident, plan.events[-1], plan.deliveries))
        messages.print_note("dry run: nothing was sent or stored")
        return
    if (
        not yes
        and _interactive()
        and plan.deliveries
        and not typer.confirm(f"Send to {len(plan.deliveries)} channel(s)?", default=True)
    ):
        messages.print_note("cancelled: nothing was sent or stored")
        raise typer.Exit(ExitCode.CANCELLED)
    incident = commit(ws, plan)  # type: ignore[operator]
    with messages.live_progress(plan.deliveries) as progress:
        report = send_deliveries(ws, incident, plan.deliveries, make_engine(ws, progress))
    messages.print_report(ws, incident, report, plan.disabled)
    _fail_if_undelivered(report)


def _fail_if_undelivered(report: DeliveryReport) -> None:
    from incidentctl.errors import DeliveriesFailed

    failed = report.failed
    held = report.held
    if not failed and not held:
        return

    def channels(deliveries: list[Delivery]) -> str:
        return ", ".join(sorted({d.channel for d in deliveries}))

    parts = []
    if failed:
        parts.append(
            f"{len(failed)} delivery(ies) not confirmed ({channels(failed)}): recorded; "
            "run `incidentctl retry` once the channel is back"
        )
    if held:
        parts.append(
            f"{len(held)} delivery(ies) not confirmed, may already have gone out "
            f"({channels(held)}): check the channel, then `incidentctl retry "
            "--resend-uncertain` if it is not there"
        )
    raise DeliveriesFailed("; ".join(parts))


def declare(
    severity: Annotated[str, typer.Argument(help="Severity id from the playbook, e.g. sev2.")],
    title: Annotated[
        str, typer.Option("--title", "-t", help="What is broken, in the customer's words.")
    ],
    impact: Annotated[str, typer.Option(help="Known impact on users.")] = "",
    component: Components = None,
    workaround: Annotated[str, typer.Option(help="What users can do meanwhile.")] = "",
    eta: Annotated[str, typer.Option(help="Estimated resolution, if known.")] = "",
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role", help="Role assignment role=@handle (repeatable).", show_default=False
        ),
    ] = None,
    category: Annotated[
        str,
        typer.Option(
            help="Incident category from the playbook (e.g. security): zero-tolerance rules apply."
        ),
    ] = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Declare an incident and send the first message to every channel of its severity."""
    from incidentctl.app.declare import commit_declare, plan_declare
    from incidentctl.app.workspace import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    plan = plan_declare(
        ws,
        severity,
        title,
        impact=impact,
        components=component or [],
        workaround=workaround,
        eta=eta,
        roles=role or [],
        category=category,
    )
    messages.print_declare_header(ws, plan)
    _send(ws, plan, yes=yes, dry_run=dry_run, commit=commit_declare)


def update(
    incident_id: IncidentArgument = None,
    message: Annotated[
        str, typer.Option("--message", "-m", help="What changed — or that nothing did yet.")
    ] = "",
    status: Annotated[
        str | None,
        typer.Option(help="investigating, identified or monitoring.", show_default=False),
    ] = None,
    component: Components = None,
    severity: Annotated[str | None, typer.Option(help="New severity.", show_default=False)] = None,
    impact: Annotated[str | None, typer.Option(show_default=False)] = None,
    workaround: Annotated[str | None, typer.Option(show_default=False)] = None,
    eta: Annotated[str | None, typer.Option(show_default=False)] = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Post an update on the incident's channels (keep the cadence, even with no news)."""
    from incidentctl.app.incidents import commit_update, plan_update
    from incidentctl.app.workspace import open_workspace

    ws = open_workspace(playbook)
    plan = plan_update(
        ws,
        incident_id,
        message,
        status=status,
        components=component or [],
        severity=severity,
        impact=impact,
        workaround=workaround,
        eta=eta,
    )
    _send(ws, plan, yes=yes, dry_run=dry_run, commit=commit_update)


def resolve(
    incident_id: IncidentArgument = None,
    message: Annotated[
        str, typer.Option("--message", "-m", help="What was fixed and what users can do again.")
    ] = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Resolve the incident and tell everyone who was told."""
    from incidentctl.app.incidents import commit_update, plan_update
    from incidentctl.app.workspace import open_workspace

    ws = open_workspace(playbook)
    plan = plan_update(ws, incident_id, message, resolve=True)
    _send(ws, plan, yes=yes, dry_run=dry_run, commit=commit_update)


def assign(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    role: Annotated[str, typer.Argument(help="Role id from the playbook.")],
    who: Annotated[str, typer.Argument(help="@handle")],
    playbook: PlaybookOption = None,
) -> None:
    """Record who holds a role on an incident."""
    from incidentctl.app.incidents import assign_role
    from incidentctl.app.workspace import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    incident = assign_role(ws, incident_id, role, who)
    messages.print_note(f"{incident.id}: {role} is now {who}")


def retry(
    incident_id: Annotated[
        str | None,
        typer.Argument(help="Incident id (default: every incident).", show_default=False),
    ] = None,
    resend_uncertain: Annotated[
        bool,
        typer.Option(
            "--resend-uncertain", help="Re-send deliveries that may already have gone out."
        ),
    ] = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Re-send deliveries that failed; reconcile those that may have gone out, and ask (on a
    terminal) before re-sending one that cannot be checked."""
    from incidentctl.app.send import make_engine, retry_deliveries, unsettled_deliveries
    from incidentctl.app.workspace import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    if dry_run:
        messages.print_unsettled(unsettled_deliveries(ws, incident_id))
        messages.print_note("dry run: nothing was sent or stored")
        return

    def confirm(delivery: Delivery) -> bool:
        with messages.paused_progress():  # else the question is hidden under the live table
            return typer.confirm(
                f"{delivery.incident_id} {delivery.channel}: "
                f"{delivery.error or 'may have gone out'} — check the channel. Re-send anyway?",
                default=False,
            )

    with messages.live_progress([]) as progress:
        report = retry_deliveries(
            ws,
            incident_id,
            make_engine(ws, progress),
            resend_uncertain=resend_uncertain,
            confirm_resend=confirm if _interactive() else None,
        )
    messages.print_retry(report)
    _fail_if_undelivered(report)


def postmortem(
    incident_id: Annotated[
        str | None,
        typer.Argument(help="Incident id (default: the latest resolved one).", show_default=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where to write (default postmortems/<ID>.md)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    playbook: PlaybookOption = None,
) -> None:
    """Scaffold the postmortem review document from the recorded timeline."""
    from incidentctl.app.postmortem import write_postmortem
    from incidentctl.app.workspace import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    incident, path = write_postmortem(ws, incident_id, out, force=force)
    messages.print_note(f"{incident.id}: postmortem written to {path}")


def register(app: typer.Typer) -> None:
    for command in (declare, update, resolve, assign, retry, postmortem):
        app.command()(command)
