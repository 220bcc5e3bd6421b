"""The user's cache and data folders are platformdirs' own, read without importing it."""

from __future__ import annotations

import sys

import platformdirs
import pytest

from incidentctl.playbook.location import user_folder


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG reading is Linux's")
@pytest.mark.parametrize(
    "value", [None, "", "   ", "relative/dir", "/srv/xdg", " /srv/xdg", "/srv/xdg "]
)
def test_user_folders_are_those_platformdirs_names(
    value: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("XDG_CACHE_HOME", "XDG_DATA_HOME"):
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    assert str(user_folder("cache")) == platformdirs.user_cache_dir("incidentctl")
    assert str(user_folder("data")) == platformdirs.user_data_dir("incidentctl")
