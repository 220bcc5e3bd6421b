"""`maintenance list` without loading the playbook: whose windows, and in which timezone,
come from the identity the last command recorded (as `list` does for incidents)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, tzinfo
from pathlib import Path

from incidentctl.app.queries import current_identity, zone
from incidentctl.model.maintenance import Maintenance
from incidentctl.store import open_store


def windows(
    env: Mapping[str, str], playbook: Path | None = None
) -> tuple[list[Maintenance], tzinfo]:
    """This organization's windows, soonest first, and its timezone (UTC when unknown)."""
    identity = current_identity(env, playbook)
    store = open_store(None, env)
    try:
        found = store.list_maintenances(organization=identity.organization if identity else None)
    finally:
        store.close()
    return found, zone(identity.timezone if identity else None, UTC)
