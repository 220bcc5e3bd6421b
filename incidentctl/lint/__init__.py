"""`incidentctl lint`: rules (one module each under `rules/`), the linter and output formats.

Importing this package imports pydantic, PyYAML and jinja2 (not the channels' HTTP clients):
the CLI imports it inside the `lint` command.
"""

from __future__ import annotations

from incidentctl.lint.formats import FORMATS, Format, exit_code, format_problems
from incidentctl.lint.linter import lint_playbook
from incidentctl.model.problem import Problem

__all__ = ["FORMATS", "Format", "Problem", "exit_code", "format_problems", "lint_playbook"]
