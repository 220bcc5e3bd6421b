"""What the preview shows before anything is sent: request bodies, missing variables, and
characters that make text read otherwise than it looks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from incidentctl.app.plan import Plan
from incidentctl.app.send import make_engine, outgoing
from incidentctl.app.workspace import Workspace
from incidentctl.channels.capabilities import (
    PayloadPreview,
)
from incidentctl.errors import DeliveryError, IncidentctlError
from incidentctl.model.records import Delivery, Incident, TimelineEvent
from incidentctl.model.text import hidden_characters


def wire_payloads(
    ws: Workspace, incident: Incident, event: TimelineEvent, deliveries: Sequence[Delivery]
) -> dict[str, dict[str, Any]]:
    """Channel name -> the JSON body it would post, for channels that post one (dry run)."""
    engine = make_engine(ws)
    payloads: dict[str, dict[str, Any]] = {}
    for delivery in deliveries:
        try:
            channel, _ = engine.build(delivery.channel)
        except (DeliveryError, IncidentctlError):
            continue
        shown = outgoing(ws, incident, event, delivery)
        body = channel.wire_payload(shown) if isinstance(channel, PayloadPreview) else None
        if body is not None:
            payloads[delivery.channel] = body
    return payloads


def missing_variables(ws: Workspace, deliveries: Sequence[Delivery]) -> dict[str, list[str]]:
    """Channel name -> the `${VAR}`s of its settings that are unset (and have no default):
    its delivery would fail, so the preview says so before anything is sent."""
    from incidentctl.playbook.env import interpolate

    def walk(value: object) -> list[str]:
        if isinstance(value, str):
            return interpolate(value, ws.env)[1]
        if isinstance(value, dict):
            return [name for item in value.values() for name in walk(item)]
        if isinstance(value, list | tuple):
            return [name for item in value for name in walk(item)]
        return []

    missing: dict[str, list[str]] = {}
    for delivery in deliveries:
        config = ws.playbook.channels.get(delivery.channel)
        names = walk(config.options) if config is not None else []
        if names:
            missing[delivery.channel] = list(dict.fromkeys(names))
    return missing


def hidden_text(plan: Plan) -> list[str]:
    """A warning for each bidi control or zero-width character in the text the plan sends:
    kept (right-to-left text needs them) but named, since they can make a title read
    reversed or hide a difference."""
    incident = plan.incident
    fields = [
        ("title", incident.title),
        ("impact", incident.impact),
        ("workaround", incident.workaround),
        ("eta", incident.eta),
    ]
    for event in plan.events:
        fields.append(("message", event.message))
        reason = event.data.get("reason")
        if isinstance(reason, str):
            fields.append(("reason", reason))
    # text -> the first field holding it: a declare's message is its impact, named once
    named: dict[str, str] = {}
    for name, text in fields:
        named.setdefault(text, name)
    return [
        f"{name} contains {found}"
        for text, name in named.items()
        for found in hidden_characters(text)
    ]
