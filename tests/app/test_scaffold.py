"""`init`: a starter playbook and editable templates, never overwriting anything."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidentctl.app.scaffold import ScaffoldResult, scaffold, starter_playbook
from incidentctl.errors import ConflictError, UsageError
from incidentctl.model.records import Stage
from incidentctl.playbook.loader import load_playbook
from incidentctl.render import Renderer, builtin_templates_dir, sample_context

NOW = datetime(2025, 12, 19, 13, 50, tzinfo=UTC)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_scaffold_writes_a_playbook_using_editable_templates(tmp_path: Path, language: str) -> None:
    target = tmp_path / "ops"
    result = scaffold(target, language)
    assert isinstance(result, ScaffoldResult) and isinstance(result, list)
    assert result.skipped == []
    assert result.written == list(result)
    playbook_file = target / "incidentctl.yaml"
    readme = target / "templates" / "README.md"
    assert result[:2] == [playbook_file, readme]
    builtins = [
        *(builtin_templates_dir() / language).glob("*.j2"),
        *builtin_templates_dir().glob("*.j2"),
    ]
    copies = {p.name for p in result[2:]}
    assert copies == {p.name for p in builtins}
    for source in builtins:
        assert (target / "templates" / source.name).read_text(encoding="utf-8") == (
            source.read_text(encoding="utf-8")
        )
    assert ("override" if language == "en" else "remplacent") in readme.read_text(encoding="utf-8")

    loaded = load_playbook(playbook_file)
    assert loaded.playbook.organization.language == language
    assert loaded.playbook.templates == "templates"
    assert loaded.templates_dir == (target / "templates").resolve()
    renderer = Renderer(loaded.playbook, loaded.templates_dir)
    assert renderer.compile_all() == []
    assert renderer.locate("investigating.chat.j2") == (
        loaded.templates_dir / "investigating.chat.j2"
    )
    context = sample_context(loaded.playbook, Stage.RESOLVED, now=NOW)
    assert renderer.render(Stage.RESOLVED, "outbox", "chat", context).text


def test_starter_playbook_keeps_the_example_comments() -> None:
    text = starter_playbook("en")
    assert "\ntemplates: templates\n" in text
    assert "# templates: templates" not in text
    assert text.startswith("# incidentctl playbook")


def test_existing_files_are_kept_and_reported(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "incidentctl.yaml").write_text("mine\n", encoding="utf-8")
    (tmp_path / "templates" / "resolved.chat.j2").write_text("edited\n", encoding="utf-8")
    result = scaffold(tmp_path, "fr")
    assert result.skipped == [
        tmp_path / "incidentctl.yaml",
        tmp_path / "templates" / "resolved.chat.j2",
    ]
    assert (tmp_path / "incidentctl.yaml").read_text(encoding="utf-8") == "mine\n"
    assert (tmp_path / "templates" / "resolved.chat.j2").read_text(encoding="utf-8") == ("edited\n")
    assert tmp_path / "templates" / "README.md" in result
    again = scaffold(tmp_path, "fr")
    assert again == []
    assert len(again.skipped) == len(result) + len(result.skipped)


def test_a_symlink_in_the_way_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    target = tmp_path / "ops"
    target.mkdir()
    (target / "incidentctl.yaml").symlink_to(outside)
    result = scaffold(target, "en")
    assert target / "incidentctl.yaml" in result.skipped
    assert not outside.exists()


def test_unknown_language_and_file_in_the_way(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown language 'de'"):
        scaffold(tmp_path, "de")
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConflictError, match="not a folder"):
        scaffold(blocker, "en")
    assert list(tmp_path.iterdir()) == [blocker]
