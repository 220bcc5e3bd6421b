"""The routing view: for each severity and stage, which channels are told, with which
template, and how long the longest plausible message is against each channel's limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from incidentctl.app.plan import severity_of
from incidentctl.app.sample_messages import SampleMessages, TemplateUse
from incidentctl.app.targets import select_targets
from incidentctl.errors import IncidentctlError, UsageError
from incidentctl.model.records import Stage
from incidentctl.playbook.loader import LoadedPlaybook

if TYPE_CHECKING:
    from incidentctl.channels.check import CheckedChannel


@dataclass(frozen=True)
class Route:
    """One severity × stage × channel: who is told, with what, and whether it fits."""

    severity: str
    stage: Stage
    channel: str
    type: str
    audience: str
    enabled: bool
    templates: list[TemplateUse]
    # the worst-case message's length as the service counts it, and the channel's limit;
    # None when the type is unknown to this installation or the message failed to render
    length: int | None
    limit: int | None
    # why the worst case could not be rendered ("" when it could)
    error: str = ""
    # what the length means on the channel (SMS segments), "" when nothing more
    note: str = ""

    @property
    def over_limit(self) -> bool:
        return self.length is not None and self.limit is not None and self.length > self.limit


@dataclass
class RouteMatrix:
    routes: list[Route]
    category: str = ""
    # severities and stages shown, in playbook order (a stage may reach no channel)
    severities: list[str] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)

    @property
    def over_limit(self) -> list[Route]:
        return [route for route in self.routes if route.over_limit]


def route_matrix(
    loaded: LoadedPlaybook,
    channels: Mapping[str, CheckedChannel],
    *,
    severity: str | None = None,
    category: str | None = None,
) -> RouteMatrix:
    """Every severity × stage × channel the playbook routes a message to (disabled channels
    included, marked so), each measured on the worst-case sample (`render.worst_case`)."""
    from incidentctl.render import sample_moment, worst_case_context

    playbook = loaded.playbook
    severities = [s.id for s in playbook.severities]
    if severity is not None:
        severities = [severity_of(playbook, severity)]
    category_id = category or ""
    if category_id and category_id not in playbook.categories:
        known = ", ".join(playbook.categories) or "none"
        raise UsageError(f"unknown category {category_id!r} (known: {known})")
    messages = SampleMessages(loaded, channels)
    now = sample_moment(playbook)
    stages = list(Stage)
    routes: list[Route] = []
    for severity_id in severities:
        for stage in stages:
            targets = select_targets(playbook, stage, severity_id, category_id)
            if not targets:
                continue
            context = worst_case_context(playbook, stage, severity_id, now=now)
            for target in targets:
                config = playbook.channels[target.channel]
                length, limit, error, note = None, None, "", ""
                try:
                    message = messages.render(target.channel, stage, context)
                    length, limit, note = messages.measure(target.channel, message)
                except IncidentctlError as exc:  # lint reports it where it is; here a cell
                    error = exc.message
                routes.append(
                    Route(
                        severity=severity_id,
                        stage=stage,
                        channel=target.channel,
                        type=target.type,
                        audience=config.audience,
                        enabled=target.enabled,
                        templates=_templates(messages, target.channel, stage),
                        length=length,
                        limit=limit,
                        error=error,
                        note=note,
                    )
                )
    return RouteMatrix(routes, category_id, severities, stages)


def _templates(messages: SampleMessages, channel: str, stage: Stage) -> list[TemplateUse]:
    try:
        return messages.templates(channel, stage)
    except IncidentctlError:  # a plugin's unknown message format: the error cell says it
        return []
