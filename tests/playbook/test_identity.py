"""The organization a playbook names: read without validation, and parsed once per content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from incidentctl.playbook.identity import CACHE_FILE, Identity, read_identity
from tests.helpers import write_playbook

# what `list` does first: which organization's incidents to show; prints it and whether PyYAML
# had to be imported for it
PROBE = (
    "import sys\n"
    "from pathlib import Path\n"
    "from incidentctl.playbook.identity import read_identity\n"
    "print(read_identity(Path(sys.argv[1])), 'yaml' in sys.modules)\n"
)


def _probe(playbook: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(playbook)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_playbook_read_once_is_not_parsed_again_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(tmp_path / "cache"))
    playbook = write_playbook(tmp_path)
    named = "Identity(organization='Acme Cloud', timezone='Europe/Paris')"
    assert _probe(playbook) == f"{named} True"
    assert _probe(playbook) == f"{named} False"
    playbook.write_text(playbook.read_text().replace("Acme Cloud", "Globex"), encoding="utf-8")
    changed = "Identity(organization='Globex', timezone='Europe/Paris')"
    assert _probe(playbook) == f"{changed} True"
    assert _probe(playbook) == f"{changed} False"


def test_no_playbook_and_a_broken_one_name_nobody(tmp_path: Path) -> None:
    assert read_identity(tmp_path / "missing.yaml") is None
    assert read_identity(tmp_path) is None  # a folder
    broken = tmp_path / "broken.yaml"
    broken.write_text("organization: [unclosed\n", encoding="utf-8")
    assert read_identity(broken) is None
    assert read_identity(broken) is None  # from the cache this time


def test_a_damaged_or_unwritable_cache_costs_a_parse_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / CACHE_FILE).write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(cache))
    playbook = write_playbook(tmp_path)
    assert read_identity(playbook) == Identity("Acme Cloud", "Europe/Paris")
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(playbook))  # a file: the cache cannot be made
    assert read_identity(playbook) == Identity("Acme Cloud", "Europe/Paris")
    monkeypatch.setenv("INCIDENTCTL_NO_CACHE", "1")
    assert read_identity(playbook) == Identity("Acme Cloud", "Europe/Paris")
