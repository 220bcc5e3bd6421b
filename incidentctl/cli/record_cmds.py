"""`assign`, `postmortem`: changing the record without sending anything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption


def assign(
    arguments: Annotated[
        list[str],
        typer.Argument(
            metavar="[ID] ROLE @WHO",
            help="Incident id (default: the only open incident), role id from the playbook, "
            "and who holds it (@handle).",
            show_default=False,
        ),
    ],
    playbook: PlaybookOption = None,
) -> None:
    """Record who holds a role on an incident."""
    from incidentctl.app.incidents import assign_role
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.errors import UsageError
    from incidentctl.output import messages

    if len(arguments) not in (2, 3):
        raise UsageError("assign takes [ID] ROLE @WHO, e.g. `incidentctl assign comms @bob`")
    *named, role, who = arguments
    incident_id = named[0] if named else None
    ws = open_workspace(playbook)
    incident = assign_role(ws, incident_id, role, who)
    messages.print_note(f"{incident.id}: {role} is now {who}")


def postmortem(
    incident_id: Annotated[
        str | None,
        typer.Argument(help="Incident id (default: the latest resolved one).", show_default=False),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write, or a folder ending in / (default postmortems/<ID>.md).",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    playbook: PlaybookOption = None,
) -> None:
    """Scaffold the postmortem review document from the recorded timeline."""
    from incidentctl.app.postmortem import write_postmortem
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    incident, path = write_postmortem(
        ws,
        incident_id,
        Path(out) if out else None,
        force=force,
        into_folder=out is not None and out.endswith(("/", os.sep)),
    )
    messages.print_note(f"{incident.id}: postmortem written to {path}")
