"""The `incidentctl` command: registers the command modules and maps errors to exit codes."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import typer

from incidentctl import __version__
from incidentctl.cli.runtime import CURRENT, Runtime
from incidentctl.errors import IncidentctlError

# (name, "module:function" in incidentctl.cli, the line `incidentctl --help` shows: short
# enough never to be cut at 80 columns) in the order of an incident
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("init", "playbook_cmds:init", "Write a starter playbook and templates."),
    ("lint", "playbook_cmds:lint", "Check a playbook and its templates."),
    ("schema", "playbook_cmds:schema", "Print the playbook's JSON Schema."),
    ("declare", "send_cmds:declare", "Declare an incident and tell its channels."),
    ("update", "send_cmds:update", "Post an update (even if nothing changed)."),
    ("resolve", "send_cmds:resolve", "Resolve and tell everyone who was told."),
    ("assign", "record_cmds:assign", "Record who holds a role."),
    ("retry", "retry_cmd:retry", "Re-send what failed; check what may have gone out."),
    ("postmortem", "record_cmds:postmortem", "Write the review from the timeline."),
    ("list", "query_cmds:list_incidents", "List incidents, newest first."),
    ("status", "query_cmds:status", "Open incidents and their update cadence."),
    ("show", "query_cmds:show", "One incident: timeline, roles, deliveries."),
    ("demo", "demo_cmd:demo", "Run a sample incident in a scratch folder."),
    ("site", "site_cmds:app", "Build or serve the static status site."),
    ("db", "db_cmds:app", "The record's database: status, upgrade, copy."),
    ("note", "fix_cmds:note", "Add an internal note to the timeline."),
    ("correct", "fix_cmds:correct", "Correct the last message on every channel."),
    ("reopen", "fix_cmds:reopen", "Reopen a resolved incident and tell who was told."),
    ("export", "archive_cmds:export", "Write an incident's record to a file (md, json)."),
    ("import", "archive_cmds:import_records", "Read exported incident records back in."),
    ("remind", "remind_cmd:remind", "Remind responders of updates due (run it by cron)."),
    ("brief", "support_cmds:brief", "Print the support desk's brief for an incident."),
    ("report", "support_cmds:report", "Link a customer report to an incident."),
    ("routes", "approval_cmds:routes", "What goes where: severities, stages, channels."),
    ("preview", "approval_cmds:preview", "Render every message of the sample incident."),
    ("maintenance", "maintenance_cmds:app", "Schedule and announce maintenance windows."),
    ("stats", "stats_cmd:stats", "Figures against the playbook's targets."),
)


def _version(value: bool) -> None:
    if value:
        print(f"incidentctl {__version__}")
        raise typer.Exit()


def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Incident communication as code."""


def _stand_in() -> None:  # pragma: no cover - a run that names no command never calls one
    raise AssertionError("a stand-in command ran: build_app(only=NAME) registers the real one")


def build_app(
    only: str | None = None, subcommand: str | None = None, *, full: bool = False
) -> typer.Typer:
    """The command-line application; with `only`, holding just that command, else every
    command as a stand-in that has its name and its line of help and nothing else (`full`:
    every real command, for the tests that look at all their parameters). A group (`only`
    `maintenance`) holds just its `subcommand` when it has one of that name.

    Typer inspects every registered function's parameters on each run, and their modules must
    be imported first: a run of one command needs only that command's. A run that names none
    (`--help`, `--version`, no arguments, a mistyped name that gets suggestions) never runs a
    command, so it needs only their names and lines: the stand-ins cost no import at all.
    """
    import importlib

    app = typer.Typer(
        name="incidentctl",
        help="Incident communication as code: declare, update and resolve incidents on every "
        "channel from a playbook kept in git.",
        rich_markup_mode=None,  # plain help: importing rich here would slow every run
        pretty_exceptions_enable=False,  # never print locals (secrets) in a traceback
        no_args_is_help=True,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    if only is None and not full:
        # typer lists plain commands first, then groups (a module's `app`): the same here
        plain = [(n, h) for n, target, h in COMMANDS if not target.endswith(":app")]
        groups = [(n, h) for n, target, h in COMMANDS if target.endswith(":app")]
        for name, short_help in plain + groups:
            app.command(name, short_help=short_help)(_stand_in)
        return app
    for name, target, short_help in COMMANDS:
        if only is not None and name != only:
            continue
        module, _, function = target.partition(":")
        command = getattr(importlib.import_module(f"incidentctl.cli.{module}"), function)
        if isinstance(command, typer.Typer):  # a group of subcommands (`site build`)
            app.add_typer(_narrowed(command, subcommand), name=name, short_help=short_help)
        else:
            app.command(name, short_help=short_help)(command)
    return app


def _narrowed(group: typer.Typer, subcommand: str | None) -> typer.Typer:
    """The group with only `subcommand` registered, when it has one of that name (typer
    builds the parameters of every registered subcommand on each run); else the group."""
    import copy

    named = [c for c in group.registered_commands if c.name == subcommand]
    if not named:  # its help, a mistyped name (suggestions need them all), a nested group
        return group
    narrowed = copy.copy(group)
    narrowed.registered_commands = named
    return narrowed


def _command_of(argv: list[str]) -> str | None:
    """The command `argv` runs, when it names one before any option: `incidentctl list …`."""
    names = {name for name, _, _ in COMMANDS}
    return argv[0] if argv and argv[0] in names else None


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
    from incidentctl.model.text import visible

    # click quotes the option or value typed: shown, never obeyed
    line = visible(" ".join(str(message()).split()).rstrip("."), one_line=True)
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command_path", "") if ctx is not None else ""
    hint = f" (see `{command} --help`)" if command else ""
    print(f"error: {line}{hint}", file=sys.stderr)
    return code


def run(argv: list[str] | None = None, *, runtime: Runtime | None = None) -> int:
    """Run one command; return its exit code. User errors print one line on stderr.

    `runtime` replaces the environment and retry policy the command runs with.
    """
    # incidentctl loads no pydantic plugin: one installed beside it (an observability tool's)
    # would be handed every playbook and channel setting validated, and finding one scans
    # every installed package's entry points at the first validation (10 ms of a `lint` with
    # 80 packages installed). A value the user set stands.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    token = CURRENT.set(runtime) if runtime is not None else None
    try:
        return _run(argv)
    finally:
        if token is not None:
            CURRENT.reset(token)


def _run(argv: list[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(args)
    app = build_app(command, args[1] if command is not None and len(args) > 1 else None)
    try:
        # not standalone: typer/click would print usage errors on several lines
        code = app(args=args, prog_name="incidentctl", standalone_mode=False)
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


class _TolerantStdout:
    """stdout that survives its reader going away (`| head -1`, a closed pipe): the first
    failed write sends the rest to /dev/null, so a send is never aborted halfway by output."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._gone = False

    def _lost(self) -> None:
        if not self._gone:
            self._gone = True
            # later writes, and the interpreter's flush at exit, go nowhere instead of failing
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            except (OSError, ValueError):
                pass
            finally:
                os.close(devnull)

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return int(self._stream.write(text))
            except (BrokenPipeError, ValueError, OSError):
                self._lost()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                self._lost()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main() -> None:
    """Console-script entry point."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): write nowhere, but work
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    else:
        sys.stdout = _TolerantStdout(sys.stdout)
    code = run()
    # the run is over and the store is closed: spare the interpreter's exit its last collection
    # over every object and its teardown of every module (nothing of ours registers `atexit`);
    # what is buffered for the terminal goes out first
    import gc

    gc.freeze()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    if sys.gettrace() is None and sys.getprofile() is None:  # no coverage tool or profiler
        os._exit(code)  # that would write its report at exit
    sys.exit(code)
