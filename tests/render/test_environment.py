"""The compiled-template cache: read back by the next run, recompiled when stale or damaged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from incidentctl.render.environment import bytecode_cache, make_environment


def environment(folder: Path) -> tuple[SandboxedEnvironment, list[str]]:
    """A fresh environment (as the next command would have) and the names it compiles."""
    env = make_environment(FileSystemLoader(folder), "en", lambda _: False, bytecode_cache())
    compiled: list[str] = []
    compile_source = env.compile

    def counting(source: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(str(name))
        return compile_source(source, name, *args, **kwargs)

    env.compile = counting  # type: ignore[method-assign]
    return env, compiled


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INCIDENTCTL_CACHE", str(tmp_path / "cache"))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "hello.j2").write_text("Hello {{ name | and_list }}", encoding="utf-8")
    return templates


def test_the_next_run_reads_compiled_templates_from_the_cache(folder: Path) -> None:
    first, compiled = environment(folder)
    assert first.get_template("hello.j2").render(name=["a", "b"]) == "Hello a and b"
    assert compiled == ["hello.j2"]
    second, compiled = environment(folder)
    assert second.get_template("hello.j2").render(name=["a", "b"]) == "Hello a and b"
    assert compiled == []


def test_an_edited_template_is_compiled_again(folder: Path) -> None:
    environment(folder)[0].get_template("hello.j2")
    (folder / "hello.j2").write_text("Bye {{ name | and_list }}", encoding="utf-8")
    env, compiled = environment(folder)
    assert env.get_template("hello.j2").render(name=["a"]) == "Bye a"
    assert compiled == ["hello.j2"]


@pytest.mark.parametrize(
    "damage",
    [b"", b"garbage", b"j2", None],
    ids=["empty", "garbage", "truncated-header", "truncated-code"],
)
def test_a_damaged_cache_file_is_compiled_again(
    folder: Path, tmp_path: Path, damage: bytes | None
) -> None:
    environment(folder)[0].get_template("hello.j2")
    (cached,) = (tmp_path / "cache").rglob("*.cache")
    data = cached.read_bytes()
    cached.write_bytes(data[: len(data) // 2] if damage is None else damage)
    env, compiled = environment(folder)
    assert env.get_template("hello.j2").render(name=["a"]) == "Hello a"
    assert compiled == ["hello.j2"]
