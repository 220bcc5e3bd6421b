"""Run every lint rule over one playbook and collect the problems, sorted; never print."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.errors import PlaybookError
from incidentctl.model.problem import Problem
from incidentctl.playbook.document import ParsedDocument, Positions, parse_document
from incidentctl.playbook.loader import validate_document
from incidentctl.playbook.schema import Playbook
from incidentctl.playbook.templates_folder import template_roots

if TYPE_CHECKING:
    pass


from incidentctl.channels.check import ChannelCheck, CheckedChannel
from incidentctl.lint.context import LintContext, duplicate_severities
from incidentctl.lint.rules import RULES


def _validate(
    doc: ParsedDocument, roots: tuple[Path, ...]
) -> tuple[Playbook | None, list[Problem], dict[str, CheckedChannel]]:
    """Validate with repeated severity ids made unique, so that the other rules still run; also
    each channel's validated settings, as the channel check kept them (validated once).

    duplicate-id reports the repeats where they are; the schema would report them at 1:1 and
    stop there. Renaming keeps list indices, hence positions, unchanged; messages get the
    written id back.
    """
    check = ChannelCheck()
    repeats = duplicate_severities(doc.data)
    if not repeats:
        playbook, found = validate_document(doc, [check], roots)
        return playbook, found, check.channels
    data = copy.deepcopy(doc.data)
    written: dict[str, str] = {}
    for index in repeats:
        severity = data["severities"][index]
        unique = f"{severity['id'][:40]}-duplicate-{index}"
        written[repr(unique)] = repr(severity["id"])
        severity["id"] = unique
    playbook, found = validate_document(
        ParsedDocument(doc.path, data, doc.positions, []), [check], roots
    )
    for position, problem in enumerate(found):
        message = problem.message
        for unique, original in written.items():
            message = message.replace(unique, original)
        found[position] = replace(problem, message=message)
    return playbook, found, check.channels


def _context(
    path: Path, env: Mapping[str, str], now: datetime, approved: Path | None = None
) -> LintContext:
    empty = ParsedDocument(path, None, Positions(), [])
    try:
        doc = parse_document(path)
    except PlaybookError as exc:
        return LintContext(path, env, now, empty, read_error=exc.message)
    roots = template_roots(env)
    playbook, found, channels = _validate(doc, roots)
    return LintContext(
        path,
        env,
        now,
        doc,
        playbook=playbook,
        found=[*doc.problems, *found],
        channels=channels,
        template_roots=roots,
        approved=approved,
    )


def sort_key(problem: Problem) -> tuple[str, int, int, str, str]:
    return (problem.file, problem.line, problem.column, problem.rule, problem.message)


def lint_playbook(
    path: Path,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    approved: Path | None = None,
) -> list[Problem]:
    """Every problem of the playbook at `path` and of its templates, sorted by file and position.

    Bad content never raises: an unreadable or missing file is a `yaml-syntax` problem. `env` is
    the environment lint may consult (it never resolves secrets); `now` fixes the clock used for
    sample messages; `approved` is the folder of approved messages to compare with (default:
    the playbook's `approved:`, if any).
    """
    from incidentctl.lint.rules.literal_secret import redact

    ctx = _context(path, os.environ if env is None else env, now or datetime.now(UTC), approved)
    # messages quote names and values from the playbook: none may carry a credential
    problems = {
        replace(problem, message=redact(problem.message), detail=redact(problem.detail))
        for rule in RULES
        for problem in rule.check(ctx)
    }
    return sorted(_without_repeated_secrets(problems), key=sort_key)


def _without_repeated_secrets(problems: set[Problem]) -> list[Problem]:
    """Drop a channel type's own "write it as ${VAR}" warning where literal-secret already
    reports that value: one problem per secret. Other channel-settings problems at the same
    place (plain http://, a malformed URL) stay."""
    secrets = {(p.file, p.line, p.column) for p in problems if p.rule == "literal-secret"}
    return [
        p
        for p in problems
        if not (
            p.rule == "channel-settings"
            and (p.file, p.line, p.column) in secrets
            and "${" in p.message
        )
    ]
