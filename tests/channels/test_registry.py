"""The table of built-in channel types, plugins, and the lazy imports that keep start-up fast."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from incidentctl.channels import registry
from incidentctl.channels.base import BaseChannel
from incidentctl.channels.http import WebhookUrlSettings
from incidentctl.channels.registry import BUILTIN_CHANNELS, channel_type, known_types


@pytest.mark.parametrize("name", sorted(BUILTIN_CHANNELS))
def test_each_builtin_loads_the_class_of_its_type(name: str) -> None:
    cls = channel_type(name)
    assert cls is not None and cls.type == name
    assert isinstance(cls, type) and issubclass(cls, BaseChannel)


def test_outbox_type_is_written_by_the_file_channel() -> None:
    from incidentctl.channels.files import FileChannel

    assert channel_type("outbox") is FileChannel


def test_plugins_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry, "_plugins", lambda: {"scripted": "tests.channels.scripted:ScriptedChannel"}
    )
    from tests.channels.scripted import ScriptedChannel

    assert channel_type("scripted") is ScriptedChannel
    assert "scripted" in known_types() and "slack" in known_types()
    assert channel_type("fax") is None


def test_the_registry_imports_no_channel_module() -> None:
    script = (
        "import sys\n"
        "from incidentctl.channels.registry import known_types\n"
        "known_types()\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('incidentctl.channels.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    # the interface modules only: base (protocols, settings) and secrets (its declarations)
    assert done.stdout.split() == [
        "incidentctl.channels.base",
        "incidentctl.channels.registry",
        "incidentctl.channels.secrets",
    ]


def test_the_readme_says_which_types_take_api_base_and_for_what() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    paragraph = " ".join(readme.split("An optional `api_base`", 1)[1].split("\n\n", 1)[0].split())
    sentences = paragraph.split(". ")

    def named(phrase: str) -> set[str]:
        (sentence,) = (s for s in sentences if phrase in s)
        return set(re.findall(r"`([a-z]+)`", sentence)) & set(BUILTIN_CHANNELS)

    models = {name: load().settings_model for name, load in BUILTIN_CHANNELS.items()}
    takes = {name for name, model in models.items() if "api_base" in model.model_fields}
    api_root, webhook_host = named("API root"), named("replaces the scheme and host")
    assert api_root | webhook_host == takes
    assert all(issubclass(models[name], WebhookUrlSettings) for name in webhook_host)
    assert named("take none") == {"webhook", "slack"} and "webhook" not in takes
