"""`demo`: run a whole incident on the starter playbook, with no credentials and no server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from incidentctl.cli.playbook_cmds import Language


def demo(
    lang: Annotated[
        Language, typer.Option("--lang", help="Language of the starter playbook.")
    ] = Language.en,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Scratch folder (default: a new temporary folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Declare, update, resolve and review a sample incident in a scratch folder."""
    import os
    from datetime import UTC, datetime

    from incidentctl.app.demo import DemoSite, DemoStep, DemoWorks, run_demo, scratch_folder
    from incidentctl.output import messages

    folder = directory or scratch_folder()
    site = None
    for step in run_demo(folder, lang.value, dict(os.environ), datetime.now(UTC)):
        if isinstance(step, DemoStep):
            messages.print_step(step.label)
            messages.print_preview_messages(step.plan)
            messages.print_delivery_table(step.send(), step.plan.disabled)
        elif isinstance(step, DemoSite):
            site = step.index
        elif isinstance(step, DemoWorks):
            messages.print_step(f"{step.label} {step.done.item.id}")
            messages.print_delivery_table(step.done.report, [])
        else:
            messages.print_note(f"postmortem scaffolded: {step}")
    messages.print_note(
        f"everything is in {folder} (playbook, templates, state/outbox, "
        "postmortems): edit incidentctl.yaml there and try `incidentctl lint`"
    )
    if site is not None:
        messages.print_note(f"status site: {site} (open it in a browser)")
