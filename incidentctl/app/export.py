"""`export`: an incident's whole record as a file to commit beside the playbook."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from incidentctl.app.edits import edits_by_place
from incidentctl.app.lookup import find_incident
from incidentctl.app.record_file import IncidentRecord, record_json
from incidentctl.errors import IncidentNotFound, PlaybookError, StateError, UsageError
from incidentctl.store.base import Store

if TYPE_CHECKING:
    from incidentctl.playbook.schema import Playbook

ExportFormat = Literal["md", "json"]
FORMATS: tuple[ExportFormat, ...] = ("md", "json")


def read_record(store: Store, incident_id: str) -> IncidentRecord:
    """Everything the store keeps about the incident with exactly this id."""
    incident = store.get_incident(incident_id)
    numbering = store.numbering(incident_id)
    if incident is None or numbering is None:
        raise IncidentNotFound(f"no incident {incident_id!r} (see `incidentctl list`)")
    day, seq = numbering
    deliveries = store.deliveries(incident_id=incident.id)
    timeline = edits_by_place(store.timeline(incident.id), deliveries)
    return IncidentRecord(incident, timeline, deliveries, day, seq)


def export_format(chosen: str | None, out: Path | None) -> ExportFormat:
    """`--format`, else the one `--out`'s suffix names, else Markdown."""
    name = chosen if chosen is not None else (out.suffix.lstrip(".").lower() if out else "md")
    name = "md" if name == "markdown" else name
    for known in FORMATS:
        if name == known:
            return known
    if chosen is None:
        return "md"
    raise UsageError(f"--format {chosen!r}: give md or json")


def export_text(
    store: Store, incident_id: str, fmt: ExportFormat, language: str = "en"
) -> tuple[str, str]:
    """The id of the incident `incident_id` names (or short id) and its record in `fmt`."""
    incident = find_incident(store, incident_id, open_only=False, organization=None)
    record = read_record(store, incident.id)
    if fmt == "json":
        return incident.id, record_json(record)
    from incidentctl.app.record_markdown import record_markdown

    return incident.id, record_markdown(record, language)


def found_playbook(env: Mapping[str, str], playbook: Path | None) -> Playbook | None:
    """The playbook the command would use; None without one (or with one found but broken:
    records are read from the store and files). One given with --playbook must load."""
    from incidentctl.playbook.loader import load_playbook
    from incidentctl.playbook.location import find_playbook

    path = find_playbook(playbook, env)
    if playbook is not None:
        return load_playbook(path).playbook
    if not path.is_file():
        return None
    try:
        return load_playbook(path).playbook
    except PlaybookError:
        return None


def playbook_language(env: Mapping[str, str], playbook: Path | None) -> str:
    """The language of the playbook the command would use; English without one."""
    found = found_playbook(env, playbook)
    return found.organization.language if found is not None else "en"


def playbook_severities(env: Mapping[str, str], playbook: Path | None) -> list[str]:
    """The severities of the playbook the command would use; none without one."""
    found = found_playbook(env, playbook)
    return [severity.id for severity in found.severities] if found is not None else []


def write_export(path: Path, text: str) -> None:
    """Write the file whole or not at all (a temporary file beside it, then renamed)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8", newline="\n")
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from None
