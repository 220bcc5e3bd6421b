"""The `incidentctl` command: registers the command modules and maps errors to exit codes."""

from __future__ import annotations

import sys

import typer

from incidentctl import __version__
from incidentctl.errors import IncidentctlError

app = typer.Typer(
    name="incidentctl",
    help="Incident communication as code: declare, update and resolve incidents on every "
    "channel from a playbook kept in git.",
    rich_markup_mode=None,  # plain help: importing rich here would slow every run
    pretty_exceptions_enable=False,  # never print locals (secrets) in a traceback
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"incidentctl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Incident communication as code."""


def _register() -> None:
    from incidentctl.cli import (
        demo_cmd,
        playbook_cmds,
        query_cmds,
        record_cmds,
        retry_cmd,
        send_cmds,
    )

    playbook_cmds.register(app)
    # in the order of an incident, as `incidentctl --help` lists them
    for command in (
        send_cmds.declare,
        send_cmds.update,
        send_cmds.resolve,
        record_cmds.assign,
        retry_cmd.retry,
        record_cmds.postmortem,
    ):
        app.command()(command)
    query_cmds.register(app)
    demo_cmd.register(app)


_register()


def _interrupted() -> int:
    print(
        "interrupted: recorded deliveries are kept; `incidentctl retry` resumes",
        file=sys.stderr,
    )
    return 130


def _usage_error(exc: Exception) -> int | None:
    """A typer/click parsing error as one `error:` line; None when `exc` is not one."""
    message = getattr(exc, "format_message", None)
    code = getattr(exc, "exit_code", None)
    if not callable(message) or not isinstance(code, int):
        return None
    if type(exc).__name__ == "NoArgsIsHelpError":  # bare `incidentctl`: the help is the answer
        exc.show()  # type: ignore[attr-defined]
        return code
    line = " ".join(str(message()).split()).rstrip(".")
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", "") if ctx is not None else ""
    hint = f" (see `{command} --help`)" if command else ""
    print(f"error: {line}{hint}", file=sys.stderr)
    return code


def run(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code. User errors print one line on stderr."""
    try:
        # not standalone: typer/click would print usage errors on several lines
        code = app(args=argv, prog_name="incidentctl", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except IncidentctlError as exc:
        from incidentctl.output.errors import print_error

        print_error(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        return _interrupted()
    except typer.Abort:  # end of input at a prompt
        print("error: aborted", file=sys.stderr)
        return 1
    except Exception as exc:
        usage = _usage_error(exc)
        if usage is None:
            raise
        return usage
    if code == 130:  # typer turns Ctrl-C into Exit(130)
        return _interrupted()
    return code if isinstance(code, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
