"""`stats` from the command line's point of view: the playbook and the store it reads (no
channel is checked: nothing is sent), the window the options give, the HTML file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from incidentctl.app.queries import parse_since
from incidentctl.app.stats.read import read_report
from incidentctl.app.stats.report import Report
from incidentctl.errors import StateError, UsageError
from incidentctl.playbook.schema import Playbook
from incidentctl.store.base import Store


def open_for_stats(env: Mapping[str, str], playbook: Path | None) -> tuple[Playbook, Store]:
    """The playbook (`--playbook`, `$INCIDENTCTL_PLAYBOOK` or ./incidentctl.yaml), validated
    without its channels' settings, and the store."""
    from incidentctl.playbook.loader import load_playbook
    from incidentctl.playbook.location import find_playbook
    from incidentctl.playbook.templates_folder import template_roots
    from incidentctl.store import open_store, state_dir

    loaded = load_playbook(find_playbook(playbook, env), (), template_roots(env))
    return loaded.playbook, open_store(state_dir(env), env)


def stats(
    playbook: Playbook,
    store: Store,
    now: datetime,
    since: str | None = None,
    until: str | None = None,
) -> Report:
    """The report of the incidents whose impact started between `since` and `until` (each a
    duration ago, a date or a time in the organization's timezone, or ISO 8601)."""
    tz = playbook.organization.tz
    start = parse_since(since, tz, now) if since else None
    end = parse_since(until, tz, now, "--until") if until else None
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--until {until!r} is not after --since {since!r}")
    return read_report(store, playbook, now, since=start, until=end)


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
