"""`demo`: a whole incident on the starter playbook in a scratch folder, nothing to configure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.maintenance import (
    MaintenanceDone,
    execute,
    plan_complete,
    plan_schedule,
    plan_start,
)
from incidentctl.app.plan import Plan
from incidentctl.app.postmortem import write_postmortem
from incidentctl.app.reports import link_report
from incidentctl.app.scaffold import scaffold
from incidentctl.app.send import DeliveryReport, make_engine, send_deliveries
from incidentctl.app.site.command import site_folder
from incidentctl.app.workspace import Workspace, load_checked_playbook
from incidentctl.errors import StateError, UsageError
from incidentctl.model.records import Incident
from incidentctl.store import open_store

STORY = {
    "en": {
        "title": "Customers cannot log in to the portal",
        "impact": "About 30% of logins fail with an error page",
        "workaround": "The mobile app still works",
        "identified": "A certificate expired on one of the login servers; renewing it now.",
        "monitoring": "The certificate is renewed; error rates are back to normal, we keep watch.",
        "resolved": "Logins work again for everyone: the expired certificate was replaced.",
        "ticket": "T-1042",
        "customer": "Globex",
    },
    "fr": {
        "title": "Connexion impossible au portail client",
        "impact": "Environ 30\u00a0% des connexions échouent sur une page d'erreur",
        "workaround": "L'application mobile fonctionne toujours",
        "identified": "Un certificat a expiré sur l'un des serveurs de connexion\u202f; "
        "renouvellement en cours.",
        "monitoring": "Certificat renouvelé\u202f; le taux d'erreur est revenu à la normale, "
        "nous restons vigilants.",
        "resolved": "Les connexions fonctionnent de nouveau pour tous\u00a0: le certificat expiré "
        "a été remplacé.",
        "ticket": "T-1042",
        "customer": "Globex",
    },
}


@dataclass(frozen=True)
class DemoSite:
    """The status site the demo's `statussite` channel wrote: open `index`."""

    index: Path


@dataclass
class DemoStep:
    """One recorded step; `send()` delivers it (call it before asking for the next step)."""

    label: str
    plan: Plan
    incident: Incident
    ws: Workspace

    def send(self) -> DeliveryReport:
        return send_deliveries(self.ws, self.incident, self.plan.deliveries, make_engine(self.ws))


@dataclass
class DemoWorks:
    """One step of the demo's maintenance window, recorded and sent."""

    label: str
    done: MaintenanceDone


WORKS = {
    "en": ("Database upgrade", "Saving changes may take a few seconds longer"),
    "fr": ("Mise à jour de la base de données", "L'enregistrement peut prendre quelques secondes"),
}


# the simulated clock: a step of the incident, the notice the maintenance window is announced
# with, and the window itself; the story takes `STORY_LENGTH` and ends at the demo's `now`
STEP = timedelta(minutes=12)
NOTICE = timedelta(hours=1)
WINDOW = timedelta(minutes=30)
STORY_LENGTH = 4 * STEP + NOTICE + WINDOW


def _works(ws: Workspace, clock: list[datetime], language: str) -> Iterator[DemoWorks]:
    """A maintenance window scheduled, started and completed on the first component."""
    components = list(ws.playbook.components)[:1]
    if not components:
        return
    title, impact = WORKS[language]
    clock[0] += STEP
    start = clock[0] + NOTICE
    plan = plan_schedule(
        ws,
        title=title,
        start=start.isoformat(),
        end=(start + WINDOW).isoformat(),
        components=components,
        impact=impact,
    )
    yield DemoWorks("maintenance schedule", execute(ws, plan))
    clock[0] = start
    yield DemoWorks("maintenance start", execute(ws, plan_start(ws, plan.item.id)))
    clock[0] = start + WINDOW
    yield DemoWorks("maintenance complete", execute(ws, plan_complete(ws, plan.item.id)))


def scratch_folder() -> Path:
    """A new temporary folder for the demo."""
    import tempfile

    try:
        return Path(tempfile.mkdtemp(prefix="incidentctl-demo-"))
    except OSError as exc:
        raise StateError(f"cannot create a scratch folder: {exc.strerror or exc}") from None


def run_demo(
    folder: Path, language: str, env: dict[str, str], now: datetime
) -> Iterator[DemoStep | Path | DemoSite | DemoWorks]:
    """Yield each step once recorded, then the postmortem path, the maintenance window's
    steps (sent), then the status site. A simulated clock moves 12 min per step so the
    timeline reads like a real incident; the story is dated in the past and ends at `now`, so
    what the views say of it afterwards ("12m ago") is never in the future. `folder` is
    created if needed."""
    if folder.is_dir() and any(folder.iterdir()):
        # a project's folder holds a real playbook: the demo must never send through it
        raise UsageError(
            f"--dir {folder} is not empty: the demo writes its own playbook, state and "
            "postmortem, and needs an empty or new folder"
        )
    scaffold(folder, language)
    loaded, channels = load_checked_playbook(folder / "incidentctl.yaml")
    state = folder / "state"
    clock = [now - STORY_LENGTH]
    ws = Workspace(
        loaded=loaded,
        store=open_store(state, env),
        env=env,
        state_dir=state,
        channels=channels,
        clock=lambda: clock[0],
    )
    story = STORY[language]
    component = next(iter(loaded.playbook.components), None)
    components = [f"{component}=partial_outage"] if component else []
    severities = [s.id for s in loaded.playbook.severities]
    severity = severities[1] if len(severities) > 1 else severities[0]
    plan = plan_declare(
        ws,
        severity,
        story["title"],
        impact=story["impact"],
        components=components,
        workaround=story["workaround"],
    )
    incident = commit_declare(ws, plan)
    yield DemoStep("declare", plan, incident, ws)
    # a customer calls the support desk: the resolution lists the ticket to close
    link_report(ws, incident.id, story["ticket"], customer=story["customer"], via="phone")
    for status in ("identified", "monitoring"):
        clock[0] += STEP
        # once the fix is in, the component is back: the message says it has recovered
        back = [f"{component}=operational"] if component and status == "monitoring" else []
        plan = plan_update(ws, incident.id, story[status], status=status, components=back)
        incident = commit_update(ws, plan)
        yield DemoStep(f"update ({status})", plan, incident, ws)
    clock[0] += STEP
    plan = plan_update(ws, incident.id, story["resolved"], resolve=True)
    incident = commit_update(ws, plan)
    yield DemoStep("resolve", plan, incident, ws)
    _, path = write_postmortem(ws, incident.id, folder / "postmortems" / f"{incident.id}.md")
    yield path
    yield from _works(ws, clock, language)
    site = site_folder(ws)
    if site is not None and (site / "index.html").is_file():
        yield DemoSite(site / "index.html")
    ws.store.close()
