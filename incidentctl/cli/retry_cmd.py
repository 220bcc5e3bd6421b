"""`retry`: re-send what failed, reconcile what may have gone out, ask before a blind re-send."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from incidentctl.cli import prompts
from incidentctl.cli.options import DryRunOption, PlaybookOption
from incidentctl.errors import Cancelled

if TYPE_CHECKING:
    from incidentctl.model.records import Delivery


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
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Do not ask: re-send what failed, hold what may have gone out "
            "(--resend-uncertain re-sends those too).",
        ),
    ] = False,
    every: Annotated[
        bool,
        typer.Option(
            "--all-organizations", help="Every organization's deliveries, not only this playbook's."
        ),
    ] = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Re-send deliveries that failed; reconcile those that may have gone out, and ask (on a
    terminal) before re-sending one that cannot be checked."""
    from incidentctl.app.publish import raise_if_undelivered
    from incidentctl.app.retry import retry_deliveries, unsettled_deliveries
    from incidentctl.app.send import make_engine
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    if dry_run:
        messages.print_unsettled(unsettled_deliveries(ws, incident_id, every_organization=every))
        messages.print_note("dry run: nothing was sent or stored")
        return

    def confirm(delivery: Delivery) -> bool:
        with messages.paused_progress():  # else the question is hidden under the live table
            try:
                return prompts.confirm(
                    f"{delivery.incident_id} {delivery.channel}: "
                    f"{delivery.error or 'may have gone out'} — check the channel. "
                    "Re-send anyway?",
                    default=False,
                )
            except Cancelled:
                raise Cancelled(
                    "cancelled: what was re-sent so far is recorded; the rest waits for the "
                    "next `incidentctl retry`"
                ) from None

    with messages.live_progress([]) as progress:
        report = retry_deliveries(
            ws,
            incident_id,
            make_engine(ws, progress),
            resend_uncertain=resend_uncertain,
            confirm_resend=confirm if prompts.interactive() and not yes else None,
            every_organization=every,
        )
    messages.print_retry(report)
    raise_if_undelivered(report)
