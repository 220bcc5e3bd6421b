"""approved-wording: a rendered message differs from the one approved in the folder.

`incidentctl preview --all --out approved/` writes every severity × stage × channel message of
the playbook's sample incident (`sample:`) as one file each; the folder goes into git and
managers approve it in review. `lint --approved approved/` (or, without the option, the
playbook's `approved:` folder) renders them again: a template or playbook change that alters
a message is an error, at the first line that differs, followed by the unified diff, until
`preview --all --update` writes it again for review. A file missing for a new combination, or
left for one that no longer exists, is an error too::

    approved/sev2/investigating/outbox.txt:3:1: error: message changed since it was approved
        (sev2, investigating, outbox): review the diff, then `incidentctl preview --all
        --update` [approved-wording]
        --- approved/sev2/investigating/outbox.txt
        +++ rendered/sev2/investigating/outbox.txt
        ...

The playbook's `approved:` folder must be inside the playbook's folder (or under
`$INCIDENTCTL_TEMPLATE_ROOTS`), like its templates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.errors import IncidentctlError
from incidentctl.model.problem import Problem

if TYPE_CHECKING:
    from incidentctl.lint.context import LintContext

ID = "approved-wording"
DEFAULT_LEVEL = "error"
_UPDATE = "`incidentctl preview --all --update`"


def _folder(ctx: LintContext) -> Path | None:
    """The approved folder to compare with: the command line's, else the playbook's."""
    assert ctx.loaded is not None
    if ctx.approved is not None:
        return ctx.approved
    if ctx.loaded.approved_dir is None:
        return None
    # as written, so that problems name its files as the playbook names the folder
    return ctx.loaded.base_dir / str(ctx.playbook.approved if ctx.playbook else "")


def check(ctx: LintContext) -> Iterator[Problem]:
    from incidentctl.app.approved import approved_messages, compare_approved

    yield from ctx.found_by(ID)  # an `approved:` folder outside the playbook's
    if ctx.playbook is None or ctx.loaded is None:
        return
    folder = _folder(ctx)
    if folder is None:
        return
    try:
        files = approved_messages(ctx.loaded, ctx.channels)
    except IncidentctlError:  # a template that fails: template-render reports where
        return
    if not folder.is_dir():
        yield Problem(
            0,
            0,
            DEFAULT_LEVEL,
            ID,
            f"approved folder not found: `incidentctl preview --all --out {folder}` writes it",
            str(folder),
        )
        return
    for difference in compare_approved(files, folder):
        which = "(" + ", ".join(difference.name.removesuffix(".txt").split("/")) + ")"
        if difference.kind == "missing":
            message = f"no approved message for {which}: {_UPDATE} writes it for review"
        elif difference.kind == "extra":
            message = f"approved message no longer sent {which}: {_UPDATE} removes it"
        else:
            message = (
                f"message changed since it was approved {which}: review the diff, then {_UPDATE}"
            )
        yield Problem(
            difference.line,
            1,
            DEFAULT_LEVEL,
            ID,
            message,
            str(folder / difference.name),
            detail=difference.diff,
        )
