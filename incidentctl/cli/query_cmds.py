"""`list`, `show`, `status`: reading the record (fast: no playbook needed for list/status)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from incidentctl.cli.options import JsonOption, PlaybookOption

OrganizationsOption = Annotated[
    bool,
    typer.Option(
        "--all-organizations",
        help="Every organization's incidents, not only those of this folder's playbook.",
    ),
]


def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    every: Annotated[
        bool,
        typer.Option("--all", help="Every matching incident, not only the newest 50."),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only incidents declared since then: 7d, 12h, or a date or time "
            "(2026-11-30, 2026-11-30 08:00; the organization's timezone unless an offset is "
            "given).",
            show_default=False,
        ),
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            "--severity", help="Only incidents of this severity, e.g. sev1.", show_default=False
        ),
    ] = None,
    organizations: OrganizationsOption = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, most recent first: the newest 50 unless --all."""
    from incidentctl.app.queries import LIST_LIMIT, list_view
    from incidentctl.output.tables import print_incidents

    listing = list_view(
        os.environ,
        open_only=open_only,
        every_organization=organizations,
        severity=severity,
        since=since,
        limit=None if every else LIST_LIMIT,
    )
    print_incidents(listing.rows, as_json=as_json, title="Incidents")
    if len(listing.rows) < listing.total:
        print(
            f"newest {len(listing.rows)} of {listing.total} incidents shown: --all for every "
            "one, or narrow with --since, --severity, --open",
            file=sys.stderr,
        )


def status(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 8 when an update is overdue or a delivery is stuck (for cron, CI and "
            "monitoring).",
        ),
    ] = False,
    organizations: OrganizationsOption = False,
    as_json: JsonOption = False,
) -> None:
    """Open incidents: when the next update is due, and deliveries that are not confirmed."""
    from incidentctl.app.queries import needs_attention, postmortems_owed, status_rows
    from incidentctl.errors import ExitCode
    from incidentctl.output.tables import print_postmortems_owed, print_status

    rows = status_rows(os.environ, every_organization=organizations)
    print_status(rows, as_json=as_json)
    if not as_json:
        print_postmortems_owed(postmortems_owed(os.environ, every_organization=organizations))
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
