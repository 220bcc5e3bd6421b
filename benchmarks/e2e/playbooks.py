"""Generated playbooks: N `type: webhook` channels, all notified at every stage of `sev1`."""

from __future__ import annotations

from pathlib import Path

SEVERITY = "sev1"


def hook_paths(channels: int, prefix: str = "hook") -> list[str]:
    """The server paths the channels post to: one per channel, so the counts tell them apart."""
    return [f"{prefix}{i}" for i in range(channels)]


def webhook_playbook(path: Path, base_url: str, channels: int, prefix: str = "hook") -> Path:
    """Write a playbook whose `sev1` notifies `channels` webhooks at `base_url/<prefix>N`."""
    names = hook_paths(channels, prefix)
    lines = [
        "organization:",
        "  name: Bench",
        "  timezone: UTC",
        "severities:",
        f"  - id: {SEVERITY}",
        "    name: Critical",
        "    notify:",
        f"      all: [{', '.join(names)}]",
        # what a real playbook has (and lint asks for); declares in the benchmark name none
        "categories:",
        "  security: {name: Security, min_severity: sev1}",
        "  data-loss: {name: Data loss, min_severity: sev1, data_safe: false}",
        "channels:",
    ]
    for name in names:
        # plain http is allowed to a loopback host only, which the server is
        lines += [f"  {name}:", "    type: webhook", f"    url: {base_url.rstrip('/')}/{name}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
