"""`list`, `show`, `status`: reading the record (fast: no playbook needed for list/status)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from incidentctl.cli.options import JsonOption, PlaybookOption


def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, most recent first."""
    from incidentctl.app.queries import incident_rows
    from incidentctl.output.tables import print_incidents

    rows = incident_rows(os.environ, open_only=open_only)
    print_incidents(rows, as_json=as_json, title="Incidents")


def status(as_json: JsonOption = False) -> None:
    """Open incidents, time since the last update and whether the cadence is overdue."""
    from incidentctl.app.queries import incident_rows
    from incidentctl.output.tables import print_status

    print_status(incident_rows(os.environ, open_only=True), as_json=as_json)


def show(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """An incident: timeline in local time, roles, deliveries."""
    from incidentctl.app.queries import incident_details
    from incidentctl.output.tables import print_incident

    print_incident(incident_details(os.environ, incident_id, playbook), as_json=as_json)
