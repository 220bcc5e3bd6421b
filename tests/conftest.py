"""Every test gets its own state directory and a clean environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentctl.channels import registry


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One compiled-template cache for the run, outside the user's home."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, template_cache: Path
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("INCIDENTCTL_HOME", str(home))
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(template_cache))
    monkeypatch.delenv("INCIDENTCTL_PLAYBOOK", raising=False)
    # third-party channel plugins installed on the machine stay out of the tests
    monkeypatch.setattr(registry, "_plugins", lambda: {})
    yield home
