"""`brief`, `report`: the support desk during an incident."""

from __future__ import annotations

from typing import Annotated

import typer

from incidentctl.cli.options import IncidentArgument, PlaybookOption


def brief(
    incident_id: IncidentArgument = None,
    copy: Annotated[
        bool, typer.Option("--copy", help="Also put the brief on the clipboard, if there is one.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="en or fr (default: the playbook's language).", show_default=False
        ),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Print the support desk's brief for an incident, with its latest facts."""
    from incidentctl.app.brief import current_brief
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.output.support import print_brief

    ws = open_workspace(playbook)
    found = current_brief(ws, incident_id, lang)
    print_brief(found.text)
    if copy:
        from incidentctl.app.clipboard import CLIPBOARD_PROGRAMS, copy_to_clipboard
        from incidentctl.output.support import print_copied

        names = ", ".join(name for name, _, _ in CLIPBOARD_PROGRAMS)
        print_copied(copy_to_clipboard(found.text, ws.env), names)


def report(
    incident_id: IncidentArgument = None,
    ticket: Annotated[
        str,
        typer.Option("--ticket", "-t", help="The ticket or call reference.", show_default=False),
    ] = "",
    customer: Annotated[
        str | None, typer.Option("--customer", help="Who reported it.", show_default=False)
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel", help="How they reached us: phone, ticket or chat.", show_default=False
        ),
    ] = None,
    playbook: PlaybookOption = None,
) -> None:
    """Link a customer report to the incident (internal only, never sent)."""
    from incidentctl.app.reports import link_report
    from incidentctl.cli.runtime import open_workspace
    from incidentctl.errors import UsageError
    from incidentctl.output.support import print_linked

    if not ticket:
        raise UsageError("report needs --ticket REF, e.g. `incidentctl report --ticket T-1234`")
    ws = open_workspace(playbook)
    print_linked(link_report(ws, incident_id, ticket, customer=customer, via=channel))
