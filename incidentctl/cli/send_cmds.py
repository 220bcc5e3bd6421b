"""`declare`, `update`, `resolve`: plan, then publish (preview, confirm, record, send, report)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from incidentctl.cli import prompts
from incidentctl.cli.options import DryRunOption, IncidentArgument, PlaybookOption, YesOption
from incidentctl.errors import ExitCode

if TYPE_CHECKING:
    from incidentctl.app.plan import Plan
    from incidentctl.app.publish import Commit
    from incidentctl.app.workspace import Workspace

Components = Annotated[
    list[str] | None,
    typer.Option(
        "--component",
        "-c",
        help="Affected component, optionally with its status, repeatable: api (partial_outage "
        "by default) or api=STATUS with STATUS one of operational, degraded_performance, "
        "partial_outage, major_outage, under_maintenance.",
        show_default=False,
    ),
]


DataSafe = Annotated[
    bool | None,
    typer.Option(
        "--data-safe/--no-data-safe",
        help="Confirm that nothing suggests customers' data or accounts are affected: only then "
        "do messages say so (never by default). --no-data-safe withdraws it.",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the incident id and the deliveries as JSON (for scripts) instead of the "
        "preview and the table.",
    ),
]


def publish_plan(
    ws: Workspace,
    make_plan: Callable[[], Plan],
    commit: Commit,
    *,
    yes: bool,
    dry_run: bool,
    as_json: bool,
    header: Callable[[Workspace, Plan], None] | None = None,
    closing: str | None = None,
) -> None:
    """The use case with the terminal's side effects: preview, question, live table, report.

    `make_plan` builds the plan, and builds it again when the responder answered the question
    in a later minute than the plan was made.
    """
    from incidentctl.app.publish import publish, raise_if_undelivered
    from incidentctl.output import messages
    from incidentctl.output.tables import print_json

    plan = make_plan()
    if header is not None and not as_json:
        header(ws, plan)

    if as_json:  # stdout carries the JSON alone: the console channel prints on stderr
        import sys

        ws.console = sys.stderr

    def ask(plan: Plan) -> bool:
        return prompts.confirm(f"Send to {len(plan.deliveries)} channel(s)?", default=True)

    if not dry_run and plan.deliveries:
        prompts.require_consent(yes, f"sending to {len(plan.deliveries)} channel(s)")
    published = publish(
        ws,
        plan,
        commit,
        dry_run=dry_run,
        show_preview=(lambda _: None) if as_json else messages.print_publish_preview,
        confirm=None if yes else ask,
        progress=None if as_json else messages.live_progress,
        replan=make_plan,
    )
    if as_json:
        print_json(messages.publication_data(published))
        if published.cancelled:
            raise typer.Exit(ExitCode.CANCELLED)
        if published.report is not None:
            raise_if_undelivered(published.report)
        return
    if dry_run:
        messages.print_note("dry run: nothing was sent or stored")
        return
    if published.cancelled:
        messages.print_note("cancelled: nothing was sent or stored")
        raise typer.Exit(ExitCode.CANCELLED)
    assert published.incident is not None and published.report is not None
    for note in published.notes:
        messages.print_note(note)
    if closing is None:
        messages.print_report(ws, published.incident, published.report, plan.disabled)
    else:
        messages.print_report(ws, published.incident, published.report, plan.disabled, closing)
    raise_if_undelivered(published.report)


def declare(
    severity: Annotated[
        str | None,
        typer.Argument(
            help="Severity id from the playbook, e.g. sev2 (without it, the severities and "
            "their criteria are listed).",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            "-t",
            help="What is broken, in the customer's words (asked for on a terminal).",
            show_default=False,
        ),
    ] = None,
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
    data_safe: DataSafe = None,
    started_at: Annotated[
        str | None,
        typer.Option(
            "--started-at",
            help="When users were first affected, if before now: 20m (ago), 14:05, "
            "2026-11-30 08:00 (the organization's timezone) or ISO 8601 with offset. The "
            "figures (`stats`) measure from it.",
            show_default=False,
        ),
    ] = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Declare an incident and send the first message to every channel of its severity."""
    from incidentctl.app import declare as declaring
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.errors import UsageError
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    if severity is None:
        messages.print_severities(ws.playbook)
        raise UsageError(
            'say which severity: `incidentctl declare SEV --title "what is broken"` '
            "(see `incidentctl declare --help`)"
        )
    if title is None:
        if not prompts.interactive():
            raise UsageError("--title is required: what is broken, in the customer's words")
        title = prompts.ask("Title (what is broken, in the customer's words)")

    def make_plan() -> Plan:
        assert severity is not None and title is not None
        return declaring.plan_declare(
            ws,
            severity,
            title,
            impact=impact,
            components=component or [],
            workaround=workaround,
            eta=eta,
            roles=role or [],
            category=category,
            data_safe=data_safe,
            started_at=started_at,
        )

    publish_plan(
        ws,
        make_plan,
        declaring.commit_declare,
        yes=yes,
        dry_run=dry_run,
        as_json=as_json,
        header=messages.print_declare_header,
    )


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
    impact: Annotated[
        str | None, typer.Option(help="The impact on users as it is now.", show_default=False)
    ] = None,
    workaround: Annotated[
        str | None, typer.Option(help="What users can do meanwhile.", show_default=False)
    ] = None,
    eta: Annotated[
        str | None, typer.Option(help="Estimated resolution, if known.", show_default=False)
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            help="Why a zero-tolerance incident (security, data loss) goes below its floor, "
            "e.g. a false alarm; kept on the timeline.",
            show_default=False,
        ),
    ] = None,
    data_safe: DataSafe = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Post an update on the incident's channels (keep the cadence, even with no news)."""
    from incidentctl.app import incidents
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)

    def make_plan() -> Plan:
        return incidents.plan_update(
            ws,
            incident_id,
            message,
            status=status,
            components=component or [],
            severity=severity,
            impact=impact,
            workaround=workaround,
            eta=eta,
            reason=reason,
            data_safe=data_safe,
        )

    publish_plan(
        ws,
        make_plan,
        incidents.commit_update,
        yes=yes,
        dry_run=dry_run,
        as_json=as_json,
        header=lambda _, plan: messages.print_notices(plan),
    )


def resolve(
    incident_id: IncidentArgument = None,
    message: Annotated[
        str, typer.Option("--message", "-m", help="What was fixed and what users can do again.")
    ] = "",
    data_safe: DataSafe = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Resolve the incident and tell everyone who was told."""
    from incidentctl.app import incidents
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)

    def make_plan() -> Plan:
        return incidents.plan_update(ws, incident_id, message, resolve=True, data_safe=data_safe)

    publish_plan(
        ws,
        make_plan,
        incidents.commit_update,
        yes=yes,
        dry_run=dry_run,
        as_json=as_json,
        header=lambda _, plan: messages.print_notices(plan),
    )
