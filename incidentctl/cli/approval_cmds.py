"""`routes` and `preview`: what goes where before any incident, and the wording to approve."""

# no `from __future__ import annotations` here: typer reads the commands' annotations
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption


class RoutesFormat(StrEnum):
    table = "table"
    md = "md"
    json = "json"


def routes(
    severity: Annotated[
        str | None,
        typer.Option("--severity", help="Only this severity, e.g. sev2.", show_default=False),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="Routes of an incident of this category (security: every channel).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        RoutesFormat,
        typer.Option("--format", help="table (terminal), md (GitHub Markdown, wiki) or json."),
    ] = RoutesFormat.table,
    playbook: PlaybookOption = None,
) -> None:
    """Severities × stages × channels: audience, enabled, template and worst-case length."""
    from incidentctl.app.routes import route_matrix
    from incidentctl.app.workspace import load_checked_playbook
    from incidentctl.output.routes import print_routes
    from incidentctl.playbook.location import find_playbook
    from incidentctl.render import WORST_CASE_NOTE

    env = dict(os.environ)
    loaded, channels = load_checked_playbook(find_playbook(playbook, env), env)
    matrix = route_matrix(loaded, channels, severity=severity, category=category)
    print_routes(matrix, loaded.base_dir, output_format.value, WORST_CASE_NOTE)


def preview(
    every: Annotated[
        bool,
        typer.Option("--all", help="Every severity × stage × channel message of the sample."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write one file per message into this folder (it must hold none yet).",
            show_default=False,
        ),
    ] = None,
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="Refresh the folder (--out, else the playbook's `approved:`): rewrite changed "
            "messages, remove those no longer sent.",
        ),
    ] = False,
    playbook: PlaybookOption = None,
) -> None:
    """Render the playbook's sample incident on every channel, e.g. for approval in git."""
    from incidentctl.app.approved import approved_folder, approved_messages, write_approved
    from incidentctl.app.workspace import load_checked_playbook
    from incidentctl.errors import UsageError
    from incidentctl.output.routes import print_messages, print_written
    from incidentctl.playbook.location import find_playbook

    if not every:
        raise UsageError("preview renders every message of the sample incident: pass --all")
    env = dict(os.environ)
    loaded, channels = load_checked_playbook(find_playbook(playbook, env), env)
    files = approved_messages(loaded, channels)
    if out is None and not update:
        print_messages(files)
        return
    print_written(write_approved(files, approved_folder(loaded, out), update=update))
