"""`postmortem`: the review document, scaffolded from the recorded timeline."""

from __future__ import annotations

from pathlib import Path

from incidentctl.app.lookup import find_incident
from incidentctl.app.mermaid import incident_gantt
from incidentctl.app.versioned import until_stored
from incidentctl.app.workspace import Workspace
from incidentctl.errors import ConflictError, IncidentNotFound, StateError
from incidentctl.model.records import DeliveryState, EventKind, Incident, TimelineEvent


def default_postmortem_path(incident: Incident) -> Path:
    return Path("postmortems") / f"{incident.id}.md"


def latest_incident(ws: Workspace, incident_id: str | None) -> Incident:
    """The incident named, else the one resolved last (an open one only when named)."""
    if incident_id:
        return find_incident(ws.store, incident_id, open_only=False, organization=ws.organization)
    resolved = ws.store.list_incidents(organization=ws.organization, resolved_only=True, limit=1)
    if not resolved:
        raise IncidentNotFound(
            "no resolved incident yet: give an incident id to draft the review of an open one"
        )
    return resolved[0]


def render_postmortem(ws: Workspace, incident: Incident) -> str:
    """The review document of `incident`, from its timeline and its deliveries."""
    from incidentctl.render import build_context

    timeline = ws.store.timeline(incident.id)
    last = (
        timeline[-1]
        if timeline
        else TimelineEvent(incident.id, EventKind.DECLARED, incident.declared_at)
    )
    # the deliveries know when the first message really went out
    sent = [
        d.sent_at
        for d in ws.store.deliveries(incident_id=incident.id, states=[DeliveryState.SENT])
        if d.sent_at
    ]
    first_sent = min(sent, default=None)
    context = build_context(
        ws.playbook, incident, last, now=ws.now(), timeline=timeline, first_sent=first_sent
    )
    context["mermaid"] = incident_gantt(
        ws.playbook, incident, timeline, first_sent=first_sent, now=ws.now()
    )
    return ws.renderer.render_postmortem(context)


def write_postmortem(
    ws: Workspace,
    incident_id: str | None,
    out: Path | None,
    *,
    force: bool = False,
    into_folder: bool = False,
) -> tuple[Incident, Path]:
    """Write the document; refuse to overwrite an edited review without `force`.

    `out` is the file, or with `into_folder` (`--out reviews/`) the folder that receives the
    usual file name; an existing folder is taken as such too.
    """
    incident = latest_incident(ws, incident_id)
    path = out or default_postmortem_path(incident)
    if into_folder or path.is_dir():
        path = path / default_postmortem_path(incident).name
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise StateError(f"cannot write {path}: {blocker} is a file, not a folder")
    if path.exists() and not force:
        raise ConflictError(f"{path} exists: it may hold edits; use --force to overwrite")
    text = render_postmortem(ws, incident)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StateError(f"cannot write {path}: {exc.strerror or exc}") from None
    event = TimelineEvent(
        incident.id,
        EventKind.POSTMORTEM_WRITTEN,
        ws.now(),
        message=str(path),
        data={"path": str(path)},
    )

    def note(attempt: int) -> Incident:
        latest = ws.store.get_incident(incident.id) if attempt else None
        ws.store.record(latest or incident, [event], [])
        return latest or incident

    return until_stored(note, exclusive=ws.store.exclusive), path
