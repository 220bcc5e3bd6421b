"""Every test gets its own state directory and a clean environment; `offline_dns` makes
`.invalid` names fail to resolve without the network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture
def offline_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `.invalid` name fails to resolve at once, as it would offline, without asking a
    resolver; every client library still goes through `socket.getaddrinfo` to find out."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".").endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
