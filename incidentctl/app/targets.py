"""Which channels a stage of an incident goes to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from incidentctl.model.records import Stage
from incidentctl.playbook.schema import Playbook


@dataclass(frozen=True)
class Target:
    channel: str
    type: str
    enabled: bool
    # why the channel is reached although the playbook's selection alone would not reach it
    # (it was told earlier: an incident's audience only grows while it is open); "" otherwise
    kept: str = ""


def select_targets(
    playbook: Playbook,
    stage: Stage,
    severity_id: str,
    category_id: str = "",
    told: Mapping[str, Stage] | None = None,
) -> list[Target]:
    """Channels the severity names for this stage and that accept it, in playbook order.

    A zero-tolerance category (security, data loss) widens the audience to every channel that
    carries this stage, whatever the severity filters say. `told` is every channel that already
    has a message for this incident, with the stage of its first one: whatever the severity or
    category became since, each gets the resolution, and the updates unless its own `stages:`
    leave them out — nobody who was told is left without the end of the story. A support
    desk's channel (`audience: support`) gets every stage of every incident its own filters
    accept: agents answer the phone whatever the severity lists.
    """
    severity = playbook.severity(severity_id)
    named = set(severity.channels_for(stage)) if severity else set()
    category = playbook.categories.get(category_id) if category_id else None
    told = told or {}
    targets: list[Target] = []
    for name, channel in playbook.channels.items():
        if category is not None and category.all_channels:
            chosen = channel.stages is None or stage in channel.stages
        else:
            chosen = (name in named or channel.briefs_support) and channel.receives(
                stage, severity_id
            )
        kept = ""
        if not chosen and name in told:
            first = told[name].value
            if stage is Stage.RESOLVED:
                chosen, kept = True, f"told at {first}: gets the resolution"
            elif channel.stages is None or stage in channel.stages:
                chosen, kept = True, f"told at {first}: keeps getting updates"
        if chosen:
            targets.append(Target(name, channel.type, channel.enabled, kept))
    return targets
