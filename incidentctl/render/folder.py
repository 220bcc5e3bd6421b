"""The playbook's templates folder, read within bounds: only `*.j2` files that really are in it.

The folder itself is confined by the playbook layer (`templates_folder.py`); here a file in it
is a template only when its name ends in `.j2`, it is a regular file and its real path (a
symlink resolved) stays inside the folder, and it is at most MAX_TEMPLATE_BYTES long. Listing
the folder (lint compiles every template) stops after MAX_TEMPLATE_FILES templates.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from incidentctl.playbook.limits import MAX_TEMPLATE_BYTES, MAX_TEMPLATE_FILES

TEMPLATE_SUFFIX = ".j2"
# entries looked at while listing, templates or not: a huge tree costs no more than this
MAX_ENTRIES = 20 * MAX_TEMPLATE_FILES


def template_file(root: Path, name: str) -> Path | None:
    """The file template `name` is in `root` (resolved), or None when it is not a template
    there: not `*.j2`, missing, not a regular file, or a symlink that leads out of `root`."""
    if not name.endswith(TEMPLATE_SUFFIX):
        return None
    try:
        candidate = root.joinpath(*split_template_path(name))
        real = candidate.resolve()
        inside = real.is_relative_to(root) and real.is_file()
    except (jinja2.TemplateNotFound, OSError, RuntimeError, ValueError):  # `..`, a loop, NUL
        return None
    return candidate if inside else None


def template_files(root: Path) -> tuple[list[Path], str | None]:
    """The templates under `root`, sub-folders included (symlinked folders are not followed),
    in a stable order; and why the list stopped short, if it did."""
    files: list[Path] = []
    entries = 0
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        entries += len(subfolders)
        for name in sorted(names):
            entries += 1
            if entries > MAX_ENTRIES:
                return files, f"more than {MAX_ENTRIES} files in the templates folder: not all read"
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if template_file(root, relative) is None:
                continue
            if len(files) == MAX_TEMPLATE_FILES:
                return (
                    files,
                    f"more than {MAX_TEMPLATE_FILES} templates in the folder: not all read",
                )
            files.append(path)
    return files, None


class FolderLoader(jinja2.BaseLoader):
    """Jinja's file-system loader for one folder, within the bounds above."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = template_file(self.root, template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        with path.open("rb") as file:
            raw = file.read(MAX_TEMPLATE_BYTES + 1)
        if len(raw) > MAX_TEMPLATE_BYTES:
            raise jinja2.TemplateError(
                f"template {template!r} is larger than {MAX_TEMPLATE_BYTES // 1024} KiB: refused"
            )
        mtime = os.path.getmtime(path)
        return raw.decode("utf-8"), str(path), lambda: os.path.getmtime(path) == mtime
