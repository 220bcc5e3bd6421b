"""Hostile playbooks, each with the exact located message `lint` and `declare` give.

The cases a fuzzing campaign found (tracebacks, errors at 1:1 or with no place, minutes of
CPU and gigabytes for a few hundred bytes): each is one line, where the problem is.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from incidentctl.lint import format_problems, lint_playbook
from incidentctl.playbook.limits import MAX_BYTES, MAX_TEMPLATE_BYTES, MAX_TEMPLATE_FILES
from tests.helpers import PLAYBOOK, cli
from tests.lint import mutants

BASE = PLAYBOOK.format(language="en")
END = BASE.count("\n") + 1  # the line of a key appended to the playbook


def named(value: str) -> bytes:
    """The playbook with the organization's name (line 2, column 9) written as `value`."""
    return BASE.replace("name: Acme Cloud", f"name: {value}", 1).encode("utf-8")


def appended(line: str) -> bytes:
    return (BASE + line + "\n").encode("utf-8")


def id_format(value: str) -> bytes:
    return appended(f'incident_id_format: "{value}"')


def alias_bomb(depth: int) -> bytes:
    return mutants.alias_bomb(depth, "a").encode("utf-8")


FORMAT_HINT = "(use {date:%Y%m%d} and {seq:04d})"
ID_AT = f"{END}:21"  # the value of an appended `incident_id_format:`

# (id, file content, location, message, rule): the first error `lint` reports
CASES: list[tuple[str, bytes, str, str, str]] = [
    ("float", named("!!float x"), "2:9", "YAML syntax: 'x' is not a valid !!float", "yaml-syntax"),
    ("int", named("!!int x"), "2:9", "YAML syntax: 'x' is not a valid !!int", "yaml-syntax"),
    (
        "bool",
        named("!!bool maybe"),
        "2:9",
        "YAML syntax: 'maybe' is not a valid !!bool: use true or false",
        "yaml-syntax",
    ),
    (
        "timestamp",
        named("!!timestamp 2001-99-99"),
        "2:9",
        "YAML syntax: '2001-99-99' is not a valid !!timestamp",
        "yaml-syntax",
    ),
    (
        "python-tag",
        named("!!python/object:os.system x"),
        "2:9",
        "YAML syntax: tag '!!python/object:os.system' is not allowed in a playbook"
        " (plain YAML values only)",
        "yaml-syntax",
    ),
    (
        "huge-integer",
        named("9" * 5000),
        "2:9",
        "YAML syntax: a number of 5000 digits is too long to read (at most 4300)",
        "yaml-syntax",
    ),
    (
        "nested-985",
        appended("deep: " + "[" * 985 + "]" * 985),
        f"{END}:70",  # the 65th level: the 64th `[` after `deep: `
        "YAML nested deeper than 64 levels here: refused",
        "yaml-syntax",
    ),
    (
        "control-character",
        named("Acme\x07Cloud"),
        "2:13",
        "YAML syntax: control characters are not allowed (found #x07)",
        "yaml-syntax",
    ),
    (
        "not-utf8",
        named("Société").replace("é".encode(), b"\xe9", 1),
        "2:13",
        "not UTF-8: byte 0xe9 cannot be decoded (save the file as UTF-8)",
        "yaml-syntax",
    ),
    (
        "duplicate-then-refused",
        b"a: 1\na: 2\nb: !!float x\n",
        "2:1",
        "duplicate key 'a' (first at line 1)",
        "duplicate-key",
    ),
    (
        "alias-bomb-7",
        alias_bomb(7),
        "5:5",  # a4: the level where the expansion passes the bound
        "YAML aliases expand past 50000 nodes here: refused"
        " (an alias used over and over, or inside itself)",
        "yaml-syntax",
    ),
    (
        "nodes",
        appended("many: [" + ",".join(["a"] * 60_000) + "]"),
        f"{END}:99766",  # the 50,001st node: the playbook has 119, `many` and its list 2
        "YAML document has more than 50000 nodes: refused",
        "yaml-syntax",
    ),
    (
        "expanded-text",
        b'long: &long "' + b"x" * 200_000 + b'"\nagain: [' + b",".join([b"*long"] * 6) + b"]\n",
        "2:8",  # the list the aliases are in
        f"YAML aliases expand past {MAX_BYTES} characters of text here: refused"
        " (a long value used over and over)",
        "yaml-syntax",
    ),
    (
        "size",
        b"a: 1\n# " + b"x" * MAX_BYTES + b"\n",
        f"2:{MAX_BYTES - 5 + 1}",  # the byte past the limit, on the long comment line
        "the playbook is larger than 1024 KiB here: refused",
        "yaml-syntax",
    ),
    (
        "id-index",
        id_format("INC-{seq[0]}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{seq[0]}':"
        f" {{seq[0]}} is not a field of an incident id {FORMAT_HINT}",
        "schema",
    ),
    (
        "id-attribute",
        id_format("INC-{seq.real}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{seq.real}':"
        f" {{seq.real}} is not a field of an incident id {FORMAT_HINT}",
        "schema",
    ),
    (
        "id-unknown-field",
        id_format("INC-{nope}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{nope}':"
        f" {{nope}} is not a field of an incident id {FORMAT_HINT}",
        "schema",
    ),
    (
        "id-conversion",
        id_format("INC-{seq!r}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{seq!r}':"
        f" {{seq!r}}: a conversion (!r, !s) is not allowed {FORMAT_HINT}",
        "schema",
    ),
    (
        "id-width",
        id_format("INC-{seq:0200000000d}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{seq:0200000000d}':"
        f" the width in {{seq:0200000000d}} is over 32 {FORMAT_HINT}",
        "schema",
    ),
    (
        "id-fill",
        id_format("INC-{seq:*<9999999}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{seq:*<9999999}':"
        f" the width in {{seq:*<9999999}} is over 32 {FORMAT_HINT}",
        "schema",
    ),
    (
        "id-long",
        id_format("INC-{seq:032d}-{seq:032d}"),
        ID_AT,
        "incident_id_format: invalid incident id format 'INC-{seq:032d}-{seq:032d}':"
        " it gives ids over 64 characters",
        "schema",
    ),
]


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], Path]:
    monkeypatch.chdir(tmp_path)

    def write(content: bytes) -> Path:
        path = Path("incidentctl.yaml")
        path.write_bytes(content)
        return path

    return write


@pytest.mark.parametrize(
    ("content", "where", "message", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_lint_says_where_and_what(
    playbook: Callable[[bytes], Path], content: bytes, where: str, message: str, rule: str
) -> None:
    problems = lint_playbook(playbook(content), env={})
    lines = format_problems(problems, "text").splitlines()
    assert lines[0] == f"incidentctl.yaml:{where}: error: {message} [{rule}]"


@pytest.mark.parametrize(
    ("content", "where", "message", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_declare_says_the_same_in_one_line(
    playbook: Callable[[bytes], Path],
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    where: str,
    message: str,
    rule: str,
) -> None:
    playbook(content)
    result = cli(capsys, "declare", "sev1", "--title", "x", "--dry-run")
    assert result.code == 1
    assert result.err.endswith("\n") and result.err.count("\n") == 1, result.err
    assert result.err.startswith(f"error: incidentctl.yaml:{where}: {message}")


@pytest.mark.parametrize(
    "content",
    [alias_bomb(7), alias_bomb(9), CASES[11][1], CASES[13][1]],
    ids=["alias-bomb-7", "alias-bomb-9", "nodes", "size"],
)
def test_refusals_are_quick_and_small(playbook: Callable[[bytes], Path], content: bytes) -> None:
    lint_playbook(playbook(b"a: 1\n"), env={})  # the rules' own imports, once
    path = playbook(content)
    # CPU time: the machine running the suite may be busy with other work
    started = time.process_time()
    lint_playbook(path, env={})
    assert time.process_time() - started < 0.5
    tracemalloc.start()
    try:
        problems = lint_playbook(path, env={})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 1024 * 1024
    assert [p.rule for p in problems] == ["yaml-syntax"]


def test_a_long_value_is_cut_in_the_message(playbook: Callable[[bytes], Path]) -> None:
    zone = "Europe/" + "x" * 5000
    problems = lint_playbook(playbook(BASE.replace("Europe/Paris", zone).encode()), env={})
    (line,) = format_problems(problems, "text").splitlines()
    assert line.startswith("incidentctl.yaml:3:13: error: organization.timezone: unknown IANA")
    assert line.endswith("xxx' (e.g. Europe/Paris) [schema]")
    assert "…" in line and len(line) < 400


TEMPLATES_AT = f"incidentctl.yaml:{END}:12"  # the value of an appended `templates:`


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ('"/"', "templates folder '/' is outside the playbook's folder"),
        ("/etc", "templates folder '/etc' is outside the playbook's folder"),
        ("../elsewhere", "templates folder '../elsewhere' is outside the playbook's folder"),
        ("''", "templates folder '' is the playbook's own folder"),
        (".", "templates folder '.' is the playbook's own folder"),
        ("linked", "templates folder 'linked' is outside the playbook's folder"),
    ],
    ids=["root", "etc", "parent", "empty", "dot", "symlink"],
)
def test_the_templates_folder_is_confined(
    tmp_path: Path,
    playbook: Callable[[bytes], Path],
    capsys: pytest.CaptureFixture[str],
    folder: str,
    message: str,
) -> None:
    (tmp_path / "linked").symlink_to("/etc")
    path = playbook(appended(f"templates: {folder}"))
    hint = (
        ": name a folder inside it, or allow this one in $INCIDENTCTL_TEMPLATE_ROOTS"
        if "outside" in message
        else ": name a folder inside it, such as templates"
    )
    lines = format_problems(lint_playbook(path, env={}), "text").splitlines()
    assert lines == [f"{TEMPLATES_AT}: error: {message}{hint} [unknown-template]"]
    result = cli(capsys, "declare", "sev1", "--title", "x", "--dry-run")
    assert (result.code, result.err) == (1, f"error: {TEMPLATES_AT}: {message}{hint}\n")


def test_an_allowed_root_may_hold_the_templates(
    tmp_path: Path, playbook: Callable[[bytes], Path]
) -> None:
    shared = tmp_path.parent / f"{tmp_path.name}-shared"
    shared.mkdir()
    (shared / "investigating.chat.j2").write_text("{{ broken", encoding="utf-8")
    path = playbook(appended(f"templates: {shared}"))
    problems = lint_playbook(path, env={"INCIDENTCTL_TEMPLATE_ROOTS": f"/nowhere:{shared}"})
    assert [(p.file, p.line, p.rule) for p in problems] == [
        (str(shared.resolve() / "investigating.chat.j2"), 1, "template-syntax")
    ]


def test_only_j2_files_that_stay_inside_are_templates(
    tmp_path: Path, playbook: Callable[[bytes], Path]
) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.j2"
    outside.write_text("{{ broken", encoding="utf-8")
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "investigating.chat.j2").symlink_to(outside)
    (tmp_path / "tpl" / "away").symlink_to(tmp_path.parent, target_is_directory=True)
    (tmp_path / "tpl" / "notes.txt").write_text("{{ broken", encoding="utf-8")
    text = BASE.replace(
        "    type: console\n    audience: internal",
        "    type: console\n    audience: internal\n    templates: {text: notes.txt}",
    )
    path = playbook(f"{text}templates: tpl\n".encode())
    lines = format_problems(lint_playbook(path, env={}), "text").splitlines()
    # the symlinked file is not read (the built-in is used), the .txt file is no template
    assert lines == [
        "incidentctl.yaml:46:23: error: channel 'room' text template 'notes.txt' not found"
        " (only .j2 files are templates) [unknown-template]"
    ]


def test_the_templates_folder_is_read_within_bounds(
    tmp_path: Path, playbook: Callable[[bytes], Path]
) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    for n in range(MAX_TEMPLATE_FILES + 1):
        (folder / f"t{n:04d}.j2").write_text("x", encoding="utf-8")
    (folder / "investigating.chat.j2").write_text("x" * (MAX_TEMPLATE_BYTES + 1), "utf-8")
    path = playbook(appended("templates: tpl"))
    problems = lint_playbook(path, env={})
    found = {
        (p.file, p.line, p.level, p.rule, p.message)
        for p in problems
        if p.rule != "unused-template"
    }
    assert found == {
        (
            "incidentctl.yaml",
            END,
            "warning",
            "unknown-template",
            f"more than {MAX_TEMPLATE_FILES} templates in the folder: not all read",
        ),
        (
            "tpl/investigating.chat.j2",
            1,
            "error",
            "template-syntax",
            "template 'investigating.chat.j2' is larger than 256 KiB: refused",
        ),
    }
    assert sum(p.rule == "unused-template" for p in problems) == MAX_TEMPLATE_FILES - 1


def test_declare_points_at_a_missing_override(
    playbook: Callable[[bytes], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    text = BASE.replace(
        "    type: console\n    audience: internal",
        "    type: console\n    audience: internal\n    templates: {text: 'room-{stage}.j2'}",
    )
    playbook(text.encode())
    result = cli(capsys, "declare", "sev1", "--title", "x", "--dry-run")
    assert result.code == 1
    assert result.err == (
        "error: incidentctl.yaml:46:23: template 'room-investigating.j2' not found"
        " (looked in built-in en); channel 'room' overrides need a `templates:` folder\n"
    )
