"""`site serve`: the built folder over HTTP on 127.0.0.1, for a quick look before publishing."""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from incidentctl.errors import StateError, UsageError


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """One line per request would bury the address the command printed."""


def site_server(folder: Path, port: int = 8000) -> ThreadingHTTPServer:
    """A server for `folder` bound to 127.0.0.1 (`port` 0: any free one); the caller runs it."""
    if not (folder / "index.html").is_file():
        raise UsageError(f"no status site in {folder}: run `incidentctl site build` first")
    handler = partial(_QuietHandler, directory=str(folder))
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        raise StateError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
