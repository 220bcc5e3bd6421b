"""`site build`, `site serve`: the static status site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.options import PlaybookOption

app = typer.Typer(no_args_is_help=True, help="The static status site.")

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Folder to write (default: the statussite channel's `out`, else state/site).",
        show_default=False,
    ),
]


@app.command("build")
def build(out: OutOption = None, playbook: PlaybookOption = None) -> None:
    """Build the status site from the record: pages, feeds, JSON API, badge, banner."""
    from incidentctl.app.site.command import build as build_site
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    ws = open_workspace(playbook)
    done = build_site(ws, out)
    messages.print_note(
        f"status site: {done.index} ({done.files} files{'' if done.whole else ' changed'}, "
        f"{done.bytes / 1024:.0f} KB, {done.seconds:.2f} s)"
    )


@app.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", "-p", help="Port on 127.0.0.1.")] = 8000,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Built folder (default: as `site build`).", show_default=False),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Serve the built site on 127.0.0.1 for a quick look (Ctrl-C stops)."""
    from incidentctl.app.site.command import DEFAULT_FOLDER, site_folder
    from incidentctl.app.site.serve import site_server
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output import messages

    if directory is None:
        ws = open_workspace(playbook)
        directory = site_folder(ws) or ws.state_dir / DEFAULT_FOLDER
    server = site_server(directory, port)
    host, bound = server.server_address[:2]
    messages.print_note(f"serving {directory} at http://{host!s}:{bound}/ (Ctrl-C stops)")
    with server:
        server.serve_forever()
