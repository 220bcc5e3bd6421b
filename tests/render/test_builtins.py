"""Built-in templates and example playbooks: every one loads and renders with sample data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.model.records import Stage
from incidentctl.playbook.loader import load_playbook
from incidentctl.render import (
    PARTS_BY_FORMAT,
    Renderer,
    builtin_playbooks_dir,
    builtin_templates_dir,
    sample_context,
)
from tests.render.builders import make_playbook

NOW = datetime(2025, 12, 19, 13, 50, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def test_builtin_folders_in_a_checkout() -> None:
    assert builtin_templates_dir() == ROOT / "templates"
    assert builtin_playbooks_dir() == ROOT / "playbooks"


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
def test_sample_context_is_complete(language: str, stage: Stage) -> None:
    context = sample_context(make_playbook(language), stage, now=NOW)
    incident = context["incident"]
    for key in ("title", "impact", "workaround", "eta", "category"):
        assert incident[key], key
    assert len(incident["components"]) == 2
    assert [r["id"] for r in incident["roles"]] == ["commander", "comms", "scribe"]
    assert all(r["who"].startswith("@") for r in incident["roles"])
    assert incident["status"] == stage.value
    assert context["update"]["message"]
    assert (context["next_update"] is None) == (stage is Stage.RESOLVED)
    assert context["timeline"][-1]["at"] == context["now"]
    if stage is Stage.RESOLVED:
        assert all(v is not None for v in context["key_times"].values())


def test_sample_context_without_components_or_roles() -> None:
    playbook = make_playbook(components={}, roles={}, categories={})
    context = sample_context(playbook, Stage.MONITORING, now=NOW)
    assert [c["id"] for c in context["incident"]["components"]] == ["portal", "api"]
    assert context["incident"]["roles"] == [
        {"id": "commander", "name": "commander", "who": "@alex"}
    ]
    assert context["incident"]["security_or_data"] is True


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
def test_every_builtin_renders_the_sample(language: str, stage: Stage) -> None:
    playbook = make_playbook(language)
    renderer = Renderer(playbook, None)
    context = sample_context(playbook, stage, now=NOW)
    channels = {"chat": ["room", "outbox"], "short": ["sms", "outbox"], "email": ["mail"]}
    for message_format, parts in PARTS_BY_FORMAT.items():
        for channel in channels[message_format]:
            message = renderer.render(stage, channel, message_format, context)
            assert message.text
            assert (message.subject is not None) == ("subject" in parts)
            assert (message.html is not None) == ("html" in parts)
            if message_format == "short":
                assert len(message.text) <= 280, message.text
    assert "## " in renderer.render_postmortem(context)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_example_playbook_loads_and_renders(language: str) -> None:
    path = builtin_playbooks_dir() / f"example-{language}.yaml"
    loaded = load_playbook(path)
    playbook = loaded.playbook
    assert playbook.organization.language == language
    assert [s.id for s in playbook.severities] == ["sev1", "sev2", "sev3", "sev4"]
    assert all(s.criteria for s in playbook.severities)
    assert set(playbook.roles) == {"commander", "comms", "ops", "scribe"}
    assert all(r.default and r.responsibilities for r in playbook.roles.values())
    assert {"portal", "api", "hotline", "notifications", "billing"} <= set(playbook.components)
    assert {c: playbook.categories[c].min_severity for c in playbook.categories} == {
        "security": "sev1",
        "data-loss": "sev1",
    }
    assert [v.in_practice for v in playbook.values]
    enabled = {n: c.type for n, c in playbook.channels.items() if c.enabled}
    assert enabled == {
        "site": "statussite",
        "outbox": "outbox",
        "console": "console",
        "support-desk": "outbox",
    }
    assert playbook.channels["outbox"].options == {"path": "outbox"}
    disabled = {n: c.type for n, c in playbook.channels.items() if not c.enabled}
    assert disabled == {
        "statuspage": "statuspage",
        "slack": "slack",
        "email": "sendgrid",
        "x": "twitter",
    }
    for name in disabled:
        assert playbook.channels[name].access
        for value in playbook.channels[name].options.values():
            # credentials are references to the environment, never literals
            if isinstance(value, str) and ("key" in value.lower() or "token" in value.lower()):
                assert value.startswith("${"), value
    # every message promises the next update: X, once it has told its followers, carries
    # every stage's message (of the severities it is for), not only the first and the last
    x = playbook.channels["x"]
    assert (x.stages, x.severities) == (None, ["sev1", "sev2"])
    assert all(x.receives(stage, "sev1") for stage in Stage)
    assert playbook.categories["data-loss"].data_safe is False
    assert playbook.categories["security"].data_safe is None
    assert playbook.templates is None
    renderer = Renderer(playbook, loaded.templates_dir)
    assert renderer.compile_all() == []
    context = sample_context(playbook, Stage.INVESTIGATING, now=NOW)
    text = renderer.render(Stage.INVESTIGATING, "outbox", "chat", context).text
    assert playbook.organization.status_page_url is not None
    assert playbook.organization.status_page_url in text
