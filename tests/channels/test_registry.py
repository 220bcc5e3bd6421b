"""The table of built-in channel types, plugins, and the lazy imports that keep start-up fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

from incidentctl.channels import registry
from incidentctl.channels.base import BaseChannel
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
