"""A store with incidents recorded the way the commands record them, on a clock tests move."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.reopen import commit_reopen, plan_reopen
from incidentctl.app.send import make_engine, send_deliveries
from incidentctl.app.site.build import SiteBuild, build_site
from incidentctl.app.workspace import Workspace
from incidentctl.model.records import Incident
from tests.helpers import PLAYBOOK, workspace

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# the outbox (public) hears declare and resolve only: identified and monitoring updates go to
# the internal console alone
INTERNAL_MIDDLE = PLAYBOOK.format(language="en").replace(
    "    type: outbox\n    audience: public\n",
    "    type: outbox\n    audience: public\n    stages: [investigating, resolved]\n",
)


@dataclass
class History:
    ws: Workspace
    now: list[datetime] = field(default_factory=lambda: [START])

    def later(self, minutes: float) -> None:
        self.now[0] += timedelta(minutes=minutes)

    def declare(
        self,
        title: str,
        components: Sequence[str] = ("api=major_outage",),
        *,
        severity: str = "sev1",
        impact: str = "Calls fail",
        workaround: str = "",
        eta: str = "",
    ) -> Incident:
        plan = plan_declare(
            self.ws,
            severity,
            title,
            impact=impact,
            components=list(components),
            workaround=workaround,
            eta=eta,
        )
        incident = commit_declare(self.ws, plan)
        send_deliveries(self.ws, incident, plan.deliveries, make_engine(self.ws))
        return incident

    def update(self, incident: Incident, message: str, **options: object) -> Incident:
        plan = plan_update(self.ws, incident.id, message, **options)  # type: ignore[arg-type]
        incident = commit_update(self.ws, plan)
        send_deliveries(self.ws, incident, plan.deliveries, make_engine(self.ws))
        return incident

    def resolve(self, incident: Incident, message: str = "Fixed.") -> Incident:
        return self.update(incident, message, resolve=True)

    def build(self, out: Path) -> SiteBuild:
        return build_site(self.ws.store, self.ws.playbook, out, self.now[0])


@contextmanager
def history(directory: Path, text: str | None = None) -> Iterator[History]:
    clock = [START]
    with workspace(directory, text, clock=lambda: clock[0]) as ws:
        yield History(ws, clock)


def random_history(
    h: History, steps: int, chance: random.Random, after: Callable[[int], None] = lambda _: None
) -> list[Incident]:
    """Incidents on two components over months: declared (some of them internal only with a
    playbook whose sev3 tells only the internal room), updated, resolved, some reopened long
    after; `after` runs after each step. The incidents still open at the end."""
    open_ones: list[Incident] = []
    resolved: list[Incident] = []
    for step in range(steps):
        h.later(chance.choice((7, 45, 300, 1500, 2900)))
        roll = chance.random()
        if roll < 0.45 or not (open_ones or resolved):
            component = chance.choice(("api", "portal"))
            status = chance.choice(("major_outage", "partial_outage", "degraded_performance"))
            severity = chance.choice(("sev1", "sev2", "sev2", "sev3"))
            incident = h.declare(f"Incident {step}", [f"{component}={status}"], severity=severity)
            open_ones.append(incident)
        elif roll < 0.8 and open_ones:
            incident = open_ones.pop(chance.randrange(len(open_ones)))
            resolved.append(h.resolve(incident, f"Fixed at step {step}."))
        elif open_ones:
            incident = open_ones[chance.randrange(len(open_ones))]
            updated = h.update(incident, f"Step {step}: still on it", status="identified")
            open_ones[open_ones.index(incident)] = updated
        else:  # a late word on a long resolved incident: an old page and month change
            incident = resolved[chance.randrange(len(resolved))]
            plan = plan_reopen(h.ws, incident.id, f"Step {step}: it came back")
            reopened = commit_reopen(h.ws, plan)
            send_deliveries(h.ws, reopened, plan.deliveries, make_engine(h.ws))
            open_ones.append(reopened)
            resolved.remove(incident)
        after(step)
    return open_ones
