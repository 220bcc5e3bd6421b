"""Output of the support desk's commands: the brief, the clipboard, linked reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incidentctl.output.messages import err, out
from incidentctl.output.shown import literal

if TYPE_CHECKING:
    from incidentctl.app.clipboard import Copied
    from incidentctl.app.reports import LinkedReport


def print_brief(text: str) -> None:
    """The brief alone on stdout, so that `incidentctl brief > file` holds just it."""
    out.print(literal(text), soft_wrap=True)


def print_copied(copied: Copied, programs: str) -> None:
    """What became of `--copy`, on stderr (the brief was printed anyway)."""
    if copied.program is not None:
        err.print(literal(f"copied to the clipboard ({copied.program})"), soft_wrap=True)
    elif copied.error is not None:
        err.print(
            literal(f"not copied to the clipboard: {copied.error}; the brief is above"),
            soft_wrap=True,
        )
    else:
        err.print(
            literal(f"no clipboard here (none of {programs} found): the brief is printed only"),
            soft_wrap=True,
        )


def print_linked(linked: LinkedReport) -> None:
    incident, event = linked.incident, linked.event
    ticket = str(event.data.get("ticket", event.message))
    count = f"{linked.count} customer report{'s' if linked.count != 1 else ''} linked"
    if linked.already_linked:
        out.print(
            literal(
                f"{incident.id}: {ticket} was already linked ({linked.at_text}); not recorded again"
            )
            + literal(f" · {count}")
        )
        return
    out.print(literal(f"{incident.id}: linked {event.message} · {count}"))
    if not incident.is_open:
        # its resolution went out before: the brief lists every report to close
        out.print(
            literal(
                f"{incident.id} is resolved: `incidentctl brief {incident.id}` lists the reports"
            )
        )
