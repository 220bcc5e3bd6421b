"""`maintenance list`, `show` and `ics` without loading the playbook: whose windows, in which
timezone, in which store and under which names come from the playbook's identity (as `list`
and `show` do for incidents); no playbook to read, and the command loads it as the others do
(its errors are theirs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from incidentctl.app.queries import current_identity, open_named_store, zone
from incidentctl.errors import IncidentNotFound
from incidentctl.model.maintenance import Maintenance, MaintenanceNotice, MaintenanceStatus
from incidentctl.store.base import Store


def windows(
    env: Mapping[str, str], playbook: Path | None = None
) -> tuple[list[Maintenance], tzinfo]:
    """This organization's windows, soonest first, and its timezone (UTC when unknown)."""
    identity = current_identity(env, playbook)
    store = open_named_store(env, playbook)
    try:
        found = store.list_maintenances(organization=identity.organization if identity else None)
    finally:
        store.close()
    return found, zone(identity.timezone if identity else None, UTC)


def window(
    env: Mapping[str, str], playbook: Path | None, maintenance_id: str | None
) -> tuple[Maintenance, list[MaintenanceNotice], tzinfo] | None:
    """The window (`find_in`), its notices and the organization's timezone; None without a
    playbook identity to read."""
    identity = current_identity(env, playbook)
    if identity is None:
        return None
    store = open_named_store(env, playbook)
    try:
        item = find_in(store, identity.organization, maintenance_id)
        notices = store.maintenance_notices(maintenance_id=item.id)
    finally:
        store.close()
    return item, notices, zone(identity.timezone, UTC)


def calendar_file(env: Mapping[str, str], playbook: Path | None, now: datetime) -> bytes | None:
    """`maintenance ics`: the organization's windows as iCalendar; None without a playbook
    identity to read."""
    from incidentctl.app.maintenance_ics import Heading, calendar

    identity = current_identity(env, playbook)
    if identity is None:
        return None
    store = open_named_store(env, playbook)
    try:
        return calendar(store, Heading.of_identity(identity), now)
    finally:
        store.close()


def find_in(store: Store, organization: str, maintenance_id: str | None) -> Maintenance:
    """The window with this id; without one, the only one scheduled or in progress."""
    if maintenance_id:
        item = store.get_maintenance(maintenance_id.strip()) or store.get_maintenance(
            maintenance_id.strip().upper()
        )
        if item is None or item.organization not in ("", organization):
            raise IncidentNotFound(
                f"no maintenance {maintenance_id!r} (see `incidentctl maintenance list`)"
            )
        return item
    live: Sequence[Maintenance] = store.list_maintenances(
        organization=organization,
        statuses=(MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS),
    )
    if len(live) != 1:
        what = "no" if not live else f"{len(live)}"
        raise IncidentNotFound(
            f"{what} maintenance windows scheduled or in progress: give the id "
            "(see `incidentctl maintenance list`)"
        )
    return live[0]
