"""The playbook's `templates:` folder: inside the playbook's folder, or under an allowed root.

`lint` runs on playbooks anyone can send; `templates: /` or `/etc` would have it read the
machine's files as templates, and `templates: ''` the playbook's own folder with everything
in it. A folder outside the playbook's folder must be allowed by whoever runs the command, in
$INCIDENTCTL_TEMPLATE_ROOTS (absolute folders separated by `:`), never by the playbook.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from incidentctl.model.problem import quoted

TEMPLATE_ROOTS_ENV = "INCIDENTCTL_TEMPLATE_ROOTS"


def template_roots(env: Mapping[str, str]) -> tuple[Path, ...]:
    """The absolute folders $INCIDENTCTL_TEMPLATE_ROOTS allows templates under, resolved."""
    roots: list[Path] = []
    for entry in env.get(TEMPLATE_ROOTS_ENV, "").split(os.pathsep):
        if entry and os.path.isabs(entry):
            try:
                roots.append(Path(entry).resolve())
            except (OSError, RuntimeError, ValueError):
                continue
    return tuple(roots)


def confined_folder(
    base_dir: Path, written: str, roots: Sequence[Path] = (), what: str = "templates folder"
) -> Path:
    """The templates folder `written` names, resolved (symlinks too); ValueError, saying what to
    write instead, when it is the playbook's own folder or outside it and every allowed root.
    `what` names the folder in the message (the approved messages' folder is confined too)."""
    shown = f"{what} {quoted(written)}"
    try:
        base = base_dir.resolve()
        folder = (base_dir / written).resolve()
    except (OSError, RuntimeError, ValueError):  # a NUL byte, a symlink loop
        raise ValueError(f"{shown} is not a usable path") from None
    if folder == base:
        raise ValueError(
            f"{shown} is the playbook's own folder: name a folder inside it, such as templates"
        )
    if folder.is_relative_to(base) or any(folder.is_relative_to(root) for root in roots):
        return folder
    raise ValueError(
        f"{shown} is outside the playbook's folder: name a folder inside it,"
        f" or allow this one in ${TEMPLATE_ROOTS_ENV}"
    )
