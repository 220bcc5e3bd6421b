"""The validated playbook kept in the cache folder: read back while nothing it depends on
changed, validated again as soon as something did, and never a secret of the environment."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from incidentctl.app import compiled_playbook
from incidentctl.app.compiled_playbook import FOLDER, load_compiled
from incidentctl.app.workspace import load_checked_playbook
from incidentctl.errors import PlaybookError
from tests.helpers import PLAYBOOK, write_playbook


def kept_files(cache: Path) -> list[Path]:
    return sorted((cache / FOLDER).glob("*.pickle"))


def counted(path: Path, cache: Path, calls: list[int]) -> object:
    """`load_compiled` with the real validation, counting how often it runs."""

    def validate() -> object:
        calls.append(1)
        from incidentctl.channels.check import ChannelCheck
        from incidentctl.playbook.loader import load_playbook

        check = ChannelCheck(disabled_as_warnings=True)
        return load_playbook(path, [check]), check.channels

    return load_compiled(path, (), validate, cache)  # type: ignore[arg-type]


def test_a_playbook_validated_once_is_read_back_until_it_changes(tmp_path: Path) -> None:
    path = write_playbook(tmp_path)
    cache = tmp_path / "cache"
    calls: list[int] = []
    first = counted(path, cache, calls)
    again = counted(path, cache, calls)
    assert len(calls) == 1 and len(kept_files(cache)) == 1
    assert again[0].playbook == first[0].playbook  # type: ignore[index]
    assert again[1].keys() == first[1].keys()  # type: ignore[index]
    # an edit: validated again, and what the edit says is what the command gets
    path.write_text(PLAYBOOK.format(language="fr"), encoding="utf-8")
    edited = counted(path, cache, calls)
    assert len(calls) == 2 and edited[0].playbook.organization.language == "fr"  # type: ignore[index]


def test_the_code_that_validates_is_part_of_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_playbook(tmp_path)
    cache = tmp_path / "cache"
    calls: list[int] = []
    counted(path, cache, calls)
    real = compiled_playbook._stamps
    monkeypatch.setattr(compiled_playbook, "_stamps", lambda f: [*real(f), "schema.py:1:2"])
    counted(path, cache, calls)
    assert len(calls) == 2


def test_an_unreadable_kept_file_costs_a_validation_and_nothing_else(tmp_path: Path) -> None:
    path = write_playbook(tmp_path)
    cache = tmp_path / "cache"
    calls: list[int] = []
    counted(path, cache, calls)
    [kept] = kept_files(cache)
    kept.write_bytes(b"\x80\x05 torn")
    loaded = counted(path, cache, calls)
    assert len(calls) == 2 and loaded[0].playbook.organization.name  # type: ignore[index]
    assert kept_files(cache) == [kept] and kept.read_bytes() != b"\x80\x05 torn"


def test_a_playbook_with_errors_is_never_kept(tmp_path: Path) -> None:
    path = write_playbook(tmp_path, PLAYBOOK.format(language="en") + "unknown_key: 1\n")
    cache = tmp_path / "cache"
    for _ in range(2):
        with pytest.raises(PlaybookError, match="unknown_key"):
            counted(path, cache, [])
    assert kept_files(cache) == []


def test_the_kept_file_is_the_users_alone_and_holds_no_value_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = PLAYBOOK.format(language="en").replace(
        "  outbox:\n    type: outbox\n",
        "  outbox:\n    type: webhook\n    url: ${HOOK_URL}\n    headers:\n"
        "      Authorization: Bearer ${HOOK_TOKEN}\n",
    )
    path = write_playbook(tmp_path, text)
    monkeypatch.setenv("HOOK_URL", "https://hooks.example/T0KEN-IN-THE-PATH")
    monkeypatch.setenv("HOOK_TOKEN", "s3cr3t-token-value")
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(tmp_path / "cache"))
    loaded, channels = load_checked_playbook(path, dict(os.environ))
    again, _ = load_checked_playbook(path, dict(os.environ))
    assert "outbox" in channels and again.playbook == loaded.playbook
    [kept] = kept_files(tmp_path / "cache")
    content = kept.read_bytes()
    assert b"${HOOK_URL}" in content  # as the file says it
    assert b"T0KEN-IN-THE-PATH" not in content and b"s3cr3t-token-value" not in content
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_channel_of_a_plugins_type_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incidentctl.channels import registry

    monkeypatch.setattr(
        registry, "_plugins", lambda: {"pigeon": "incidentctl.channels.console:ConsoleChannel"}
    )
    text = PLAYBOOK.format(language="en").replace(
        "  room:\n    type: console\n", "  room:\n    type: pigeon\n"
    )
    path = write_playbook(tmp_path, text)
    calls: list[int] = []
    counted(path, tmp_path / "cache", calls)
    counted(path, tmp_path / "cache", calls)
    assert len(calls) == 2 and kept_files(tmp_path / "cache") == []


def test_a_command_that_reads_it_back_builds_no_validator(tmp_path: Path) -> None:
    """What the cache is for: the second `declare` (which builds the status site too) neither
    parses nor validates: no PyYAML, and no validator built (pydantic imports importlib.metadata
    to look for its plugins when it builds the first one)."""
    text = PLAYBOOK.format(language="en").replace(
        "      all: [outbox, room]\n", "      all: [outbox, room, site]\n", 1
    )
    text = text.replace(
        "channels:\n", "channels:\n  site:\n    type: statussite\n    audience: public\n", 1
    )
    write_playbook(tmp_path, text)
    env = {**os.environ, "INCIDENTCTL_CACHE": str(tmp_path / "cache")}
    # the command ends with `os._exit` (no collector pass over a full heap): say it there
    code = (
        "import os, sys\n"
        "leave = os._exit\n"
        "def said(status):\n"
        "    seen = [m in sys.modules for m in ('yaml', 'importlib.metadata')]\n"
        "    print(*seen, file=sys.stderr, flush=True)\n"
        "    leave(status)\n"
        "os._exit = said\n"
        "from incidentctl.cli.app import main\n"
        "main()\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, "declare", "sev1", "--title", f"API down {n}", "--yes"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        for n in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert runs[0].stderr.strip().splitlines()[-1] == "True True"  # validated, kept
    assert runs[1].stderr.strip().splitlines()[-1] == "False False"  # read back
    assert "site" in runs[1].stdout and "sent" in runs[1].stdout


def test_a_playbook_read_back_is_where_this_caller_named_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept under its absolute path, given back with the path as written now: the folders it
    names (templates, approved messages) are beside the file, whatever the first run's
    working directory was."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    write_playbook(first)
    cache, calls = tmp_path / "cache", []
    monkeypatch.chdir(first)
    counted(Path("incidentctl.yaml"), cache, calls)
    monkeypatch.chdir(second)
    loaded, _ = counted(first / "incidentctl.yaml", cache, calls)  # type: ignore[misc]
    assert len(calls) == 1
    assert loaded.path == first / "incidentctl.yaml" and loaded.base_dir == first


def test_a_templates_folder_moved_out_by_a_symlink_is_refused_as_without_the_cache(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "templates").mkdir()
    path = write_playbook(folder, PLAYBOOK.format(language="en") + "templates: templates\n")
    cache, calls = tmp_path / "cache", []
    counted(path, cache, calls)
    (folder / "templates").rmdir()
    (tmp_path / "elsewhere").mkdir()
    (folder / "templates").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PlaybookError, match="outside the playbook"):
        counted(path, cache, calls)


def test_the_two_latest_edits_of_a_playbook_are_kept_and_no_older_one(tmp_path: Path) -> None:
    """Going back and forth between two versions (two branches) reads both from the cache; a
    value removed from the playbook is gone from it two edits later."""
    path = write_playbook(tmp_path)
    cache, calls = tmp_path / "cache", []
    english, french = PLAYBOOK.format(language="en"), PLAYBOOK.format(language="fr")
    for text in (english, french, english, french):
        path.write_text(text, encoding="utf-8")
        counted(path, cache, calls)
    assert len(calls) == 2 and len(kept_files(cache)) == 2
    path.write_text(english + "# a third edit\n", encoding="utf-8")
    counted(path, cache, calls)
    assert len(calls) == 3 and len(kept_files(cache)) == 2
    path.write_text(french, encoding="utf-8")  # the edit before: still kept
    counted(path, cache, calls)
    assert len(calls) == 3
    path.write_text(english, encoding="utf-8")  # three edits ago: gone
    counted(path, cache, calls)
    assert len(calls) == 4
    (tmp_path / "other").mkdir()
    counted(write_playbook(tmp_path / "other"), cache, [])
    assert len(kept_files(cache)) == 3  # another file's is its own


def test_a_kept_file_others_may_write_is_never_loaded(tmp_path: Path) -> None:
    path = write_playbook(tmp_path)
    cache, calls = tmp_path / "cache", []
    counted(path, cache, calls)
    [kept] = kept_files(cache)
    kept.chmod(0o666)
    counted(path, cache, calls)
    assert len(calls) == 2
