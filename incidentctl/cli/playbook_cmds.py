"""`init`, `lint`, `schema`: writing and checking the playbook."""

# no `from __future__ import annotations` here: typer reads the commands' annotations on every
# run, and would compile and evaluate each option's annotation string again (~1 ms)
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Language(StrEnum):
    en = "en"
    fr = "fr"


class LintFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


def init(
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of the starter playbook and templates.")
    ] = Language.en,
    directory: Annotated[Path, typer.Option("--dir", help="Where to write.")] = Path("."),
) -> None:
    """Write a starter incidentctl.yaml and templates/ here (never overwrites a file)."""
    from incidentctl.app.scaffold import scaffold
    from incidentctl.output.messages import print_scaffold

    print_scaffold(scaffold(directory, lang.value))


def lint(
    playbook: Annotated[
        Path | None,
        typer.Argument(
            help="Playbook file (default: $INCIDENTCTL_PLAYBOOK or ./incidentctl.yaml).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[LintFormat, typer.Option("--format", help="Output format.")] = (
        LintFormat.text
    ),
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    playbook_option: Annotated[
        Path | None,
        typer.Option(
            "--playbook",
            "-p",
            help="Playbook file, as for every other command (same as the argument).",
            show_default=False,
        ),
    ] = None,
    approved: Annotated[
        Path | None,
        typer.Option(
            "--approved",
            help="Folder of approved messages (`preview --all --out`) the rendered messages "
            "must equal (default: the playbook's `approved:`, if set).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Check a playbook: file:line:col: level: message [rule]. Exit 1 on errors."""
    import gc
    import os

    # Importing pydantic, PyYAML, jinja2 and the rules, then building the playbook models and
    # the templates, creates tens of thousands of objects that live until the process exits:
    # the cyclic collector would walk them again and again for nothing (and once more at
    # exit). It pauses meanwhile, and they are frozen after, out of every later collection.
    enabled = gc.isenabled()
    gc.disable()
    try:
        from incidentctl.lint import exit_code, format_problems, lint_playbook
        from incidentctl.playbook.location import find_playbook

        if playbook is not None and playbook_option is not None and playbook != playbook_option:
            from incidentctl.errors import UsageError

            raise UsageError("give the playbook once: as the argument or with --playbook")
        path = find_playbook(playbook or playbook_option, os.environ)
        problems = lint_playbook(path, env=dict(os.environ), approved=approved)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    text = format_problems(problems, "json" if as_json else output_format.value)
    if text:
        print(text)
    raise typer.Exit(exit_code(problems, strict))


def schema() -> None:
    """Print the playbook's JSON Schema (for editors' YAML language servers)."""
    import json

    from incidentctl.playbook.schema import Playbook

    print(json.dumps(Playbook.model_json_schema(), indent=2, ensure_ascii=False))
