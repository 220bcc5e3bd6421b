"""What a changing command will record and send, and the checks of its arguments."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from incidentctl.app.messages import RenderedTargets
from incidentctl.app.targets import Target
from incidentctl.app.workspace import Workspace
from incidentctl.errors import UsageError
from incidentctl.model.records import ComponentStatus, Delivery, Incident, Stage, TimelineEvent
from incidentctl.playbook.keys import did_you_mean
from incidentctl.playbook.schema import Playbook

HANDLE = re.compile(r"^@[\w.-]+$")


@dataclass
class Plan:
    """What a command will record and send; `--dry-run` shows it and stops there."""

    incident: Incident
    events: list[TimelineEvent]
    stage: Stage
    rendered: RenderedTargets
    notices: list[str] = field(default_factory=list)
    is_new: bool = False
    # a new incident's sequence number of the day, which its id is made from
    seq: int = 0

    @property
    def deliveries(self) -> list[Delivery]:
        return self.rendered.deliveries

    @property
    def disabled(self) -> list[Target]:
        return self.rendered.disabled


def check_severity(ws: Workspace, severity_id: str) -> str:
    """The playbook's severity id for what was typed: `sev2`, and also `SEV2`, `sev 2` or `2`
    (for `sev2`); anything else is an error with the closest id suggested."""
    return severity_of(ws.playbook, severity_id)


def severity_of(playbook: Playbook, severity_id: str) -> str:
    """`check_severity` for a playbook alone (commands that open no store)."""
    ids = [s.id for s in playbook.severities]
    if severity_id in ids:
        return severity_id
    typed = "".join(severity_id.lower().split())
    for candidate in ids:
        if typed == candidate.lower() or (typed.isdigit() and candidate.lower() == f"sev{typed}"):
            return candidate
    hint = did_you_mean(typed, ids)
    raise UsageError(f"unknown severity {severity_id!r}{hint} (known: {', '.join(ids)})")


def parse_component(
    ws: Workspace, spec: str, default: ComponentStatus
) -> tuple[str, ComponentStatus]:
    """`api`, `api=major_outage` or `api:major_outage` → (component id, status), checked
    against the playbook."""
    name, _, status_text = spec.replace(":", "=", 1).partition("=")
    name = name.strip()
    if name not in ws.playbook.components:
        known = ", ".join(ws.playbook.components) or "none"
        raise UsageError(f"unknown component {name!r} (known: {known})")
    if not status_text:
        return name, default
    try:
        return name, ComponentStatus(status_text.strip())
    except ValueError:
        known = ", ".join(s.value for s in ComponentStatus)
        raise UsageError(f"unknown component status {status_text!r} (known: {known})") from None


def parse_roles(ws: Workspace, specs: Sequence[str]) -> dict[str, str]:
    roles: dict[str, str] = {}
    for spec in specs:
        role, sep, who = spec.partition("=")
        assign_check(ws, role.strip(), who.strip() if sep else "")
        roles[role.strip()] = who.strip()
    return roles


def assign_check(ws: Workspace, role: str, who: str) -> None:
    if role not in ws.playbook.roles:
        known = ", ".join(ws.playbook.roles) or "none"
        raise UsageError(f"unknown role {role!r} (known: {known})")
    if not HANDLE.match(who):
        raise UsageError(f"role {role!r}: expected a handle like @alice, got {who!r}")


def check_data_safe(ws: Workspace, category: str, data_safe: bool | None) -> bool | None:
    """What messages will say about customers' data: the responder's word, else the category's
    setting, else unknown. Saying it is safe where the playbook says never is refused."""
    rule = ws.playbook.categories.get(category) if category else None
    if data_safe is None:
        return rule.data_safe if rule is not None else None
    if data_safe and rule is not None and rule.data_safe is False:
        raise UsageError(
            f"{rule.name} incidents never tell customers their data is safe "
            f"(categories.{category}.data_safe: false in the playbook): drop --data-safe"
        )
    return data_safe


def data_safe_notice(data_safe: bool, source: str) -> str:
    """The claim about customers' data the responder confirms before sending."""
    if data_safe:
        return (
            f"data: the messages say nothing suggests customers' data is affected ({source}): "
            "make sure it is true"
        )
    return f"data: the messages no longer say customers' data is safe ({source})"
