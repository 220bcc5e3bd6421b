"""Which channels a stage of an incident goes to."""

from __future__ import annotations

from dataclasses import dataclass

from incidentctl.model.records import Stage
from incidentctl.playbook.schema import Playbook


@dataclass(frozen=True)
class Target:
    channel: str
    type: str
    enabled: bool


def select_targets(
    playbook: Playbook, stage: Stage, severity_id: str, category_id: str = ""
) -> list[Target]:
    """Channels the severity names for this stage and that accept it, in playbook order.

    A zero-tolerance category (security, data loss) widens the audience to every channel that
    carries this stage, whatever the severity filters say.
    """
    severity = playbook.severity(severity_id)
    named = set(severity.channels_for(stage)) if severity else set()
    category = playbook.categories.get(category_id) if category_id else None
    targets: list[Target] = []
    for name, channel in playbook.channels.items():
        if category is not None and category.all_channels:
            chosen = channel.stages is None or stage in channel.stages
        else:
            chosen = name in named and channel.receives(stage, severity_id)
        if chosen:
            targets.append(Target(name, channel.type, channel.enabled))
    return targets
