"""Whether a person is at the keyboard, and the questions the sending commands ask them."""

from __future__ import annotations

import sys

import typer

from incidentctl.errors import Cancelled, UsageError


def interactive() -> bool:
    """True when stdin is a terminal: someone can answer, even with stdout piped to a log."""
    return sys.stdin.isatty()


def confirm(question: str, *, default: bool) -> bool:
    """Ask on stderr (stdout may be piped into `tee` or `head`); Ctrl-C or end of input is a
    `Cancelled` error (exit 7)."""
    from incidentctl.model.text import visible

    try:  # the question may quote a service's error text: shown, never obeyed
        return typer.confirm(visible(question, one_line=True), default=default, err=True)
    except (typer.Abort, KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        raise Cancelled("cancelled: nothing was sent or stored") from None


def ask(question: str) -> str:
    """A line of text typed at the terminal (on stderr); Ctrl-C or end of input cancels."""
    try:
        answer: str = typer.prompt(question, err=True)
    except (typer.Abort, KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        raise Cancelled("cancelled: nothing was sent or stored") from None
    return answer


def require_consent(yes: bool, action: str) -> None:
    """Without a terminal to ask on, a script must say `--yes`: never send by surprise."""
    if not yes and not interactive():
        raise UsageError(
            f"not sending: there is no terminal to confirm {action} on; "
            "pass --yes to send from a script (or --dry-run to preview)"
        )
