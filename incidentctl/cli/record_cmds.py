"""`assign`, `postmortem`: changing the record without sending anything."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from incidentctl.app.plan import Plan
    from incidentctl.app.workspace import Workspace

from incidentctl.cli.options import DryRunOption, PlaybookOption, YesOption


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
    publish: Annotated[
        bool,
        typer.Option(
            "--publish",
            help="Publish the public postmortem: rendered from the record and the review's "
            "sections, previewed, then sent to the public channels that were told.",
        ),
    ] = False,
    review: Annotated[
        str | None,
        typer.Option(
            "--review",
            help="With --publish: the internal review to quote (default: the file "
            "`postmortem` wrote).",
            show_default=False,
        ),
    ] = None,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """Scaffold the postmortem review document from the recorded timeline; with --publish,
    send the public postmortem."""
    from incidentctl.app.postmortem import write_postmortem
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.errors import UsageError
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    if publish:
        if out is not None or force:
            raise UsageError("--out and --force write the internal review: not with --publish")
        _publish_postmortem(ws, incident_id, review, yes=yes, dry_run=dry_run)
        return
    if review is not None or yes or dry_run:
        raise UsageError("--review, --yes and --dry-run go with --publish")
    incident, path = write_postmortem(
        ws,
        incident_id,
        Path(out) if out else None,
        force=force,
        into_folder=out is not None and out.endswith(("/", os.sep)),
    )
    messages.print_note(f"{incident.id}: postmortem written to {path}")


def _publish_postmortem(
    ws: Workspace, incident_id: str | None, review: str | None, *, yes: bool, dry_run: bool
) -> None:
    from incidentctl.app.postmortem_public import commit_publish, plan_publish
    from incidentctl.cli.send_cmds import publish_plan

    publish_plan(
        ws,
        lambda: plan_publish(ws, incident_id, Path(review) if review else None),
        commit_publish,
        yes=yes,
        dry_run=dry_run,
        as_json=False,
        header=lambda _, plan: _show_document(plan),
        closing="public postmortem published",
    )


def _show_document(plan: Plan) -> None:
    from incidentctl.output import messages

    messages.print_notices(plan)
    document = str(plan.events[-1].data.get("document", ""))
    messages.print_document("public postmortem: what customers will read", document)
