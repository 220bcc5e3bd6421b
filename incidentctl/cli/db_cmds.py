"""`db status`, `db upgrade`, `db copy`: the database that holds the record."""

from __future__ import annotations

from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption

app = typer.Typer(no_args_is_help=True, help="The database that holds the record.")


def _env() -> dict[str, str]:
    import os

    from incidentctl.cli.runtime import CURRENT

    runtime = CURRENT.get()
    return dict(os.environ if runtime is None or runtime.env is None else runtime.env)


@app.command("status")
def status(playbook: PlaybookOption = None) -> None:
    """Backend, where (password hidden), schema version, pending migrations, row counts."""
    from incidentctl.app.database import command_location, database_status

    found = database_status(command_location(_env(), playbook))
    print(f"backend: {found.backend}")
    print(f"database: {found.url}")
    print(f"schema version: {found.schema_version} ({found.latest or 'empty'})")
    if found.pending:
        print(f"pending: {', '.join(found.pending)} (run `incidentctl db upgrade`)")
    else:
        print("pending: none")
        print(", ".join(f"{table}: {count}" for table, count in found.counts.items()))


@app.command("upgrade")
def upgrade(playbook: PlaybookOption = None) -> None:
    """Apply the pending schema migrations (every teammate's incidentctl must know them)."""
    from incidentctl.app.database import command_location, upgrade_database
    from incidentctl.store.urls import redacted

    url = command_location(_env(), playbook)
    applied = upgrade_database(url)
    if applied:
        print(f"{redacted(url)}: applied {', '.join(applied)}")
    else:
        print(f"{redacted(url)}: schema already current")


@app.command("copy")
def copy(
    source: Annotated[
        str, typer.Option("--from", help="Store URL or SQLite file to read.", show_default=False)
    ],
    target: Annotated[
        str, typer.Option("--to", help="Store URL or SQLite file to fill.", show_default=False)
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Add to a target that already holds incidents.")
    ] = False,
) -> None:
    """Copy every incident, event and delivery to another database, verified by checksums."""
    from incidentctl.app.database import copy_database, location_of

    done = copy_database(location_of(source), location_of(target), replace_nonempty=force)
    counts = ", ".join(f"{table}: {count}" for table, count in done.counts.items())
    print(f"copied {done.source} -> {done.target} ({counts}); checksums match")
