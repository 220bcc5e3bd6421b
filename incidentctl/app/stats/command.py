"""`stats` over a workspace: the window the options give, the report, the HTML file."""

from __future__ import annotations

from pathlib import Path

from incidentctl.app.queries import parse_since
from incidentctl.app.stats.read import read_report
from incidentctl.app.stats.report import Report
from incidentctl.app.workspace import Workspace
from incidentctl.errors import StateError, UsageError


def stats(ws: Workspace, since: str | None = None, until: str | None = None) -> Report:
    """The report of the incidents whose impact started between `since` and `until` (each a
    duration ago, a date or a time in the organization's timezone, or ISO 8601)."""
    tz = ws.playbook.organization.tz
    now = ws.now()
    start = parse_since(since, tz, now) if since else None
    end = parse_since(until, tz, now, "--until") if until else None
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--until {until!r} is not after --since {since!r}")
    return read_report(ws.store, ws.playbook, now, since=start, until=end)


def write_html(report: Report, path: Path) -> Path:
    """Write the one-page report to `path` (through a temporary file beside it)."""
    from incidentctl.app.stats.html import render_html

    text = render_html(report)
    partial = path.with_name(f".{path.name}.tmp")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path
