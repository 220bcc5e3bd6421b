"""`note`, `correct`, `reopen`: fixing the record (a note is never sent; the other two preview,
ask, record and send like `update`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from incidentctl.cli.options import DryRunOption, IncidentArgument, PlaybookOption, YesOption
from incidentctl.cli.send_cmds import JsonOption, publish_plan

if TYPE_CHECKING:
    from incidentctl.app.plan import Plan
    from incidentctl.app.workspace import Workspace


def note(
    incident_id: IncidentArgument = None,
    message: Annotated[
        str, typer.Option("--message", "-m", help="The note, for the timeline only.")
    ] = "",
    playbook: PlaybookOption = None,
) -> None:
    """Add an internal note to the timeline (never sent to any channel)."""
    from incidentctl.app.notes import add_note
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    incident, _ = add_note(ws, incident_id, message)
    messages.print_note(f"{incident.id}: note added to the timeline (not sent)")


def correct(
    incident_id: IncidentArgument = None,
    message: Annotated[
        str,
        typer.Option("--message", "-m", help="The corrected wording of the last message."),
    ] = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Correct the last message on every channel: edited in place where the channel can, a
    short correction posted under it where it cannot."""
    from incidentctl.app import corrections
    from incidentctl.cli.runtime import open_workspace

    ws = open_workspace(playbook)

    def make_plan() -> Plan:
        return corrections.plan_correction(ws, incident_id, message)

    publish_plan(
        ws,
        make_plan,
        corrections.commit_correction,
        yes=yes,
        dry_run=dry_run,
        as_json=as_json,
        header=_say_how,
    )


def _say_how(ws: Workspace, plan: Plan) -> None:
    """Channel by channel, whether the correction edits the message or posts a new one."""
    from incidentctl.output import messages

    for line in plan.notices:
        messages.print_note(line)


def reopen(
    incident_id: Annotated[
        str, typer.Argument(help="The resolved incident that came back.", show_default=False)
    ],
    message: Annotated[
        str, typer.Option("--message", "-m", help="What came back, in the customer's words.")
    ] = "",
    eta: Annotated[
        str, typer.Option(help="Estimated resolution, if known (the earlier one is cleared).")
    ] = "",
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Reopen a resolved incident at its last severity and tell every channel that was told."""
    from incidentctl.app import reopen as reopening
    from incidentctl.cli.runtime import open_workspace

    ws = open_workspace(playbook)

    def make_plan() -> Plan:
        return reopening.plan_reopen(ws, incident_id, message, eta)

    publish_plan(
        ws,
        make_plan,
        reopening.commit_reopen,
        yes=yes,
        dry_run=dry_run,
        as_json=as_json,
        header=_say_how,
    )
