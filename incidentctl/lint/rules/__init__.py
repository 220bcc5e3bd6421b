"""The lint rules, one module each: `ID`, `DEFAULT_LEVEL` and `check(ctx)` yielding problems;
the module docstring, which starts with the id, is the rule's user documentation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

from incidentctl.lint.rules import (
    approved_wording,
    channel_settings,
    duplicate_id,
    duplicate_key,
    env_reference,
    hidden_characters,
    literal_secret,
    message_too_long,
    reminder_channel,
    schema,
    support_audience,
    template_render,
    template_syntax,
    unknown_channel_type,
    unknown_reference,
    unknown_template,
    unused_channel,
    unused_template,
    yaml_syntax,
    zero_tolerance,
)

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext
    from incidentctl.model.problem import Problem


class Rule(Protocol):
    """What a rule module provides; mypy checks every module listed in RULES against it."""

    ID: str
    DEFAULT_LEVEL: str
    __doc__: str | None

    def check(self, ctx: LintContext) -> Iterator[Problem]: ...


RULES: tuple[Rule, ...] = (
    yaml_syntax,
    duplicate_key,
    schema,
    duplicate_id,
    unknown_reference,
    env_reference,
    unknown_channel_type,
    channel_settings,
    literal_secret,
    hidden_characters,
    template_syntax,
    unknown_template,
    template_render,
    message_too_long,
    unused_channel,
    unused_template,
    zero_tolerance,
    reminder_channel,
    support_audience,
    approved_wording,
)
RULES_BY_ID: dict[str, Rule] = {rule.ID: rule for rule in RULES}
