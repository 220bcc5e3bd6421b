"""Output formats (exact strings), exit codes, and secrets kept out of every format."""

from __future__ import annotations

import json

import pytest

from incidentctl.errors import UsageError
from incidentctl.lint import FORMATS, exit_code, format_problems
from incidentctl.model.problem import Problem
from tests.lint.conftest import SECRETS, VALID, Lint

ERROR = Problem(
    3, 7, "error", "unknown-reference", "severity 'sev1' notifies unknown channel 'x'", "pb.yaml"
)
WARNING = Problem(
    12, 3, "warning", "unused-channel", "channel 'spare' is never notified", "pb.yaml"
)
# characters GitHub workflow commands must escape: % CR LF, and : , in properties
ODD = Problem(1, 1, "error", "schema", "50% done\nnext: line, here", "dir,a:b/pb.yaml")


def test_text() -> None:
    assert format_problems([ERROR, WARNING], "text") == (
        "pb.yaml:3:7: error: severity 'sev1' notifies unknown channel 'x' [unknown-reference]\n"
        "pb.yaml:12:3: warning: channel 'spare' is never notified [unused-channel]"
    )


def test_json() -> None:
    assert json.loads(format_problems([ERROR, WARNING], "json")) == [
        {
            "file": "pb.yaml",
            "line": 3,
            "column": 7,
            "level": "error",
            "rule": "unknown-reference",
            "message": "severity 'sev1' notifies unknown channel 'x'",
        },
        {
            "file": "pb.yaml",
            "line": 12,
            "column": 3,
            "level": "warning",
            "rule": "unused-channel",
            "message": "channel 'spare' is never notified",
        },
    ]
    assert format_problems([], "json") == "[]"


def test_github() -> None:
    assert format_problems([ERROR, WARNING, ODD], "github") == (
        "::error file=pb.yaml,line=3,col=7,title=unknown-reference::"
        "severity 'sev1' notifies unknown channel 'x'\n"
        "::warning file=pb.yaml,line=12,col=3,title=unused-channel::"
        "channel 'spare' is never notified\n"
        "::error file=dir%2Ca%3Ab/pb.yaml,line=1,col=1,title=schema::"
        "50%25 done%0Anext: line, here"
    )


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_no_problem_is_an_empty_string(fmt: str) -> None:
    assert format_problems([], fmt) == ""  # type: ignore[arg-type]


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown lint format 'xml'"):
        format_problems([ERROR], "xml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("problems", "strict", "code"),
    [
        ([], False, 0),
        ([], True, 0),
        ([WARNING], False, 0),
        ([WARNING], True, 1),
        ([ERROR], False, 1),
        ([ERROR, WARNING], True, 1),
    ],
)
def test_exit_code(problems: list[Problem], strict: bool, code: int) -> None:
    assert exit_code(problems, strict) == code


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_a_literal_secret_never_reaches_the_output(lint: Lint, secret: str) -> None:
    playbook = (
        VALID.replace(
            "    type: console\n",
            f"    type: webhook\n    url: '{secret}'\n    secret: '{secret}'\n"
            f"    headers: {{X-Token: '{secret}'}}\n",
        )
        + f"values:\n  - {{name: Calm, in_practice: '{secret}'}}\n"
    )
    problems = lint(playbook)
    assert {p.rule for p in problems} >= {"literal-secret"}
    for fmt in FORMATS:
        output = format_problems(problems, fmt)
        assert secret not in output
        # nor a recognisable piece of it
        assert secret[-12:] not in output


DIFF = Problem(
    2, 1, "error", "approved-wording", "message changed", "ok/a.txt", detail="-old\n+new\x1b[2J"
)


def test_a_problems_detail_follows_it_in_every_format() -> None:
    assert format_problems([DIFF, ERROR], "text") == (
        "ok/a.txt:2:1: error: message changed [approved-wording]\n"
        "    -old\n"
        "    +new\\x1b[2J\n"
        "pb.yaml:3:7: error: severity 'sev1' notifies unknown channel 'x' [unknown-reference]"
    )
    [with_detail, without] = json.loads(format_problems([DIFF, ERROR], "json"))
    assert with_detail["detail"] == "-old\n+new\x1b[2J" and "detail" not in without
    assert "\x1b" not in format_problems([DIFF], "json")
    assert format_problems([DIFF], "github") == (
        "::error file=ok/a.txt,line=2,col=1,title=approved-wording::"
        "message changed%0A-old%0A+new\\x1b[2J"
    )
    # the detail is no part of the problem's identity: the same finding is reported once
    assert Problem(2, 1, "error", "approved-wording", "message changed", "ok/a.txt") == DIFF
