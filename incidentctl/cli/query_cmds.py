"""`list`, `show`, `status`: reading the record (fast: no playbook needed for list/status)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from incidentctl.cli.options import JsonOption, PlaybookOption

AllOption = Annotated[
    bool,
    typer.Option(
        "--all",
        help="Every organization's incidents, not only those of this folder's playbook.",
    ),
]


def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    every: AllOption = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, most recent first."""
    from incidentctl.app.queries import incident_rows
    from incidentctl.output.tables import print_incidents

    rows = incident_rows(os.environ, open_only=open_only, every_organization=every)
    print_incidents(rows, as_json=as_json, title="Incidents")


def status(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 8 when an update is overdue or a delivery is stuck (for cron, CI and "
            "monitoring).",
        ),
    ] = False,
    every: AllOption = False,
    as_json: JsonOption = False,
) -> None:
    """Open incidents: when the next update is due, and deliveries that are not confirmed."""
    from incidentctl.app.queries import incident_rows, needs_attention
    from incidentctl.errors import ExitCode
    from incidentctl.output.tables import print_status

    rows = incident_rows(os.environ, open_only=True, every_organization=every, with_deliveries=True)
    print_status(rows, as_json=as_json)
    problems = needs_attention(rows)
    if check and problems:
        from incidentctl.model.text import visible

        for line in problems:
            print(visible(line, one_line=True), file=sys.stderr)
        raise typer.Exit(ExitCode.ATTENTION)


def show(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """An incident: timeline in local time, roles, deliveries."""
    from incidentctl.app.queries import incident_details
    from incidentctl.output.tables import print_incident

    print_incident(incident_details(os.environ, incident_id, playbook), as_json=as_json)
