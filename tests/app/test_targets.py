"""Which channels a stage reaches: the playbook's selection, widened for those already told."""

from __future__ import annotations

from pathlib import Path

from incidentctl.app.targets import select_targets
from incidentctl.model.records import Stage
from incidentctl.playbook.loader import load_playbook
from tests.helpers import PLAYBOOK, write_playbook

STAGED = PLAYBOOK.format(language="en").replace(
    "  room:\n    type: console\n",
    "  room:\n    type: console\n    stages: [investigating, resolved]\n",
)


def test_told_channels_get_the_resolution_whatever_the_severity_became(tmp_path: Path) -> None:
    playbook = load_playbook(write_playbook(tmp_path, STAGED)).playbook
    told = {"room": Stage.INVESTIGATING, "outbox": Stage.INVESTIGATING}
    # sev2's updates name outbox and slack only; room asked for investigating and resolved only
    identified = select_targets(playbook, Stage.IDENTIFIED, "sev2", "", told)
    assert [(t.channel, t.kept) for t in identified] == [("outbox", ""), ("slack", "")]
    resolved = select_targets(playbook, Stage.RESOLVED, "sev2", "", told)
    assert [t.channel for t in resolved] == ["outbox", "room"]


def test_told_channels_keep_getting_updates_their_stages_allow(tmp_path: Path) -> None:
    playbook = load_playbook(write_playbook(tmp_path)).playbook
    targets = select_targets(playbook, Stage.MONITORING, "sev2", "", {"room": Stage.IDENTIFIED})
    kept = {t.channel: t.kept for t in targets}
    assert kept["room"] == "told at identified: keeps getting updates"
    assert select_targets(playbook, Stage.MONITORING, "sev2") == [
        t for t in targets if t.channel != "room"
    ]
