"""`assign`, `postmortem`: changing the record without sending anything."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption


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
