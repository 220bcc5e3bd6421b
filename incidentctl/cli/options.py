"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PlaybookOption = Annotated[
    Path | None,
    typer.Option(
        "--playbook",
        "-p",
        help="Playbook file (else $INCIDENTCTL_PLAYBOOK, else ./incidentctl.yaml).",
        show_default=False,
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Render and show everything; send and store nothing.")
]
YesOption = Annotated[
    bool,
    typer.Option(
        "--yes", "-y", help="Send without asking (required when there is no terminal to ask on)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
IncidentArgument = Annotated[
    str | None,
    typer.Argument(help="Incident id; defaults to the only open incident.", show_default=False),
]
