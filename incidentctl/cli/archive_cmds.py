"""`export`, `import`: an incident's record as a file beside the playbook, and back."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption
from incidentctl.cli.runtime import CURRENT


def _environment() -> Mapping[str, str]:
    runtime = CURRENT.get()
    return runtime.env if runtime is not None and runtime.env is not None else os.environ


def export(
    incident_id: Annotated[str, typer.Argument(help="Incident id.", show_default=False)],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="md (readable, with the JSON record embedded) or json (default: --out's "
            "suffix, else md).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write (replaced whole); default stdout.",
            show_default=False,
        ),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Write an incident's whole record: timeline, roles, deliveries, postmortem link."""
    from incidentctl.app.export import export_format, export_text, playbook_language, write_export
    from incidentctl.output import messages
    from incidentctl.store import open_store

    env = _environment()
    chosen = export_format(fmt, out)
    language = playbook_language(env, playbook) if chosen == "md" else "en"
    store = open_store(None, env)
    try:
        shown_id, text = export_text(store, incident_id, chosen, language)
    finally:
        store.close()
    if out is None:
        sys.stdout.write(text)
        return
    write_export(out, text)
    messages.print_note(f"{shown_id}: record written to {out}")


def import_records(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="Records written by `incidentctl export` (.json or .md)."
        ),
    ],
    playbook: PlaybookOption = None,
) -> None:
    """Read exported incident records back into the store (again: nothing changes)."""
    from incidentctl.app.export import playbook_severities
    from incidentctl.app.importing import import_files
    from incidentctl.output import messages
    from incidentctl.store import open_store

    env = _environment()
    severities = playbook_severities(env, playbook)
    store = open_store(None, env)
    try:
        outcomes = import_files(store, files, severities)
    finally:
        store.close()
    for done in outcomes:
        if done.outcome == "imported":
            messages.print_note(f"{done.incident_id}: imported from {done.file}")
        else:
            messages.print_note(
                f"{done.incident_id}: already in the store, unchanged ({done.file})"
            )
