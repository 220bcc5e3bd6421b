"""Every mutant of the shipped playbooks gets an answer: no traceback, every error located.

Mutants (tests/lint/mutants.py: byte flips, type swaps, deleted and duplicated lines, anchors
and aliases, tags, non-UTF-8 bytes, huge values, deep nesting, alias bombs) go through `lint`
in-process, and a share of them through `declare --dry-run` by the CLI's own `run()`. A fixed
seed (derandomize) keeps the suite's run the same each time; `benchmarks/fuzz_playbooks.py`
runs 10,000 of them as real processes and measures time and memory.
"""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidentctl.app.scaffold import scaffold
from incidentctl.cli.app import run
from incidentctl.cli.runtime import Runtime
from incidentctl.errors import ExitCode
from incidentctl.lint import format_problems, lint_playbook
from incidentctl.model.problem import MAX_MESSAGE
from tests.lint.mutants import MUTATIONS, Op, mutate, seeds

SEEDS = seeds()
OPS = st.lists(
    st.tuples(
        st.integers(0, len(MUTATIONS) - 1),
        st.integers(0, 1 << 16),
        st.integers(0, 1 << 16),
        st.integers(0, 1 << 16),
    ),
    min_size=1,
    max_size=4,
)
MUTANTS = st.tuples(st.sampled_from(sorted(SEEDS)), OPS)
FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LINT_CODES = {ExitCode.OK, ExitCode.INVALID_PLAYBOOK}
# a preview (0), a playbook error (1) or an argument this playbook does not know (2)
DECLARE_CODES = {ExitCode.OK, ExitCode.INVALID_PLAYBOOK, ExitCode.USAGE}
LOCATED = re.compile(r"^\S[^:]*:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$")
DECLARE_LOCATED = re.compile(r"^error: \S[^:]*:\d+:\d+: \S")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scaffolded folder (the starter playbook names its `templates/`) to write mutants in.

    Two of the scaffold's copies of the built-in templates are kept: lint compiles each
    override and the built-in it replaces, and 26 of them per mutant would take the minute.
    """
    root = tmp_path_factory.mktemp("fuzz")
    scaffold(root, "en")
    keep = {"README.md", "investigating.chat.j2", "resolved.email-html.j2"}
    for path in (root / "templates").iterdir():
        if path.name not in keep:
            path.unlink()
    return root


def write_mutant(folder: Path, seed: str, ops: list[Op]) -> Path:
    path = folder / "incidentctl.yaml"
    path.write_bytes(mutate(SEEDS[seed], ops))
    return path


@pytest.mark.timeout(60)
@settings(FUZZ, max_examples=500)
@given(mutant=MUTANTS)
def test_lint_answers_every_mutant(folder: Path, mutant: tuple[str, list[Op]]) -> None:
    path = write_mutant(folder, *mutant)
    problems = lint_playbook(path, env={})
    text = format_problems(problems, "text")
    for line in text.splitlines():
        assert LOCATED.match(line), line
        assert len(line) <= len(str(path)) + MAX_MESSAGE + 60, line
    assert all(p.line >= 1 and p.column >= 1 for p in problems), problems


@pytest.mark.timeout(60)
@settings(FUZZ, max_examples=150)
@given(mutant=MUTANTS)
def test_declare_answers_every_mutant(folder: Path, mutant: tuple[str, list[Op]]) -> None:
    path = write_mutant(folder, *mutant)
    runtime = Runtime(env={"INCIDENTCTL_HOME": str(folder / "state")})
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(
            ["declare", "sev1", "--title", "Fuzz", "--dry-run", "-p", str(path)], runtime=runtime
        )
    assert code in DECLARE_CODES, (code, err.getvalue())
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
    if code == ExitCode.INVALID_PLAYBOOK:
        assert len(errors) == 1, err.getvalue()
        assert DECLARE_LOCATED.match(errors[0]), errors[0]
    assert all(len(line) <= len(str(path)) + MAX_MESSAGE + 60 for line in errors), errors


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_the_seeds_are_clean(folder: Path, seed: str) -> None:
    """Mutants start from playbooks that lint clean: every problem is one a mutation made."""
    assert lint_playbook(write_mutant(folder, seed, []), env={}) == []


def test_lint_exit_codes_are_the_documented_ones(folder: Path) -> None:
    for seed in sorted(SEEDS):
        path = write_mutant(folder, seed, [(1, 7, 0, 0)])  # a NUL byte near the start
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = run(["lint", str(path)])
        assert code in LINT_CODES and code == ExitCode.INVALID_PLAYBOOK, err.getvalue()
        assert all(LOCATED.match(line) for line in out.getvalue().splitlines()), out.getvalue()
