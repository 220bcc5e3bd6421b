"""`list`, `show`, `status`: reading the record (fast: no playbook needed for list/status)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from incidentctl.cli.options import JsonOption, PlaybookOption

if TYPE_CHECKING:
    from incidentctl.store.base import Store


def _store() -> Store:
    import os

    from incidentctl.store import open_store

    return open_store(None, os.environ)


def list_incidents(
    open_only: Annotated[bool, typer.Option("--open", help="Only open incidents.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List incidents, most recent first."""
    from datetime import UTC, datetime

    from incidentctl.core.queries import incident_row
    from incidentctl.output.tables import print_incidents

    store = _store()
    now = datetime.now(UTC)
    rows = [incident_row(i, now) for i in store.list_incidents(open_only=open_only)]
    print_incidents(rows, as_json=as_json, title="Incidents")


def status(as_json: JsonOption = False) -> None:
    """Open incidents, time since the last update and whether the cadence is overdue."""
    from datetime import UTC, datetime

    from incidentctl.core.queries import incident_row
    from incidentctl.output.tables import print_status

    store = _store()
    now = datetime.now(UTC)
    rows = [incident_row(i, now) for i in store.list_incidents(open_only=True)]
    print_status(rows, as_json=as_json)


def show(
    incident_id: Annotated[str, typer.Argument(help="Incident id.")],
    as_json: JsonOption = False,
    playbook: PlaybookOption = None,
) -> None:
    """An incident: timeline in local time, roles, deliveries."""
    import os
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from incidentctl.core.lookup import find_incident
    from incidentctl.core.queries import delivery_row, event_row, incident_row
    from incidentctl.errors import PlaybookError
    from incidentctl.output.tables import print_incident
    from incidentctl.playbook.loader import find_playbook, load_playbook
    from incidentctl.store import open_store

    store = open_store(None, os.environ)
    incident = find_incident(store, incident_id, open_only=False)
    tz = ZoneInfo("UTC")
    try:
        tz = load_playbook(find_playbook(playbook, os.environ)).playbook.organization.tz
    except PlaybookError:
        if playbook is not None:
            raise
    now = datetime.now(UTC)
    data = incident_row(incident, now)
    data["timezone"] = str(tz)
    data["timeline"] = [event_row(e, tz) for e in store.timeline(incident.id)]
    data["deliveries"] = [delivery_row(d) for d in store.deliveries(incident_id=incident.id)]
    print_incident(data, as_json=as_json)


def register(app: typer.Typer) -> None:
    app.command("list")(list_incidents)
    app.command()(status)
    app.command()(show)
