"""Wording approved in advance: every severity × stage × channel message of the playbook's
sample incident as one file each, written for review and compared with what was approved."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from incidentctl.app.sample_messages import SampleMessages
from incidentctl.app.targets import select_targets
from incidentctl.errors import ConflictError, StateError, UsageError
from incidentctl.model.records import RenderedMessage, Stage
from incidentctl.playbook.loader import LoadedPlaybook

if TYPE_CHECKING:
    from incidentctl.channels.check import CheckedChannel

SUFFIX = ".txt"
HTML_SEPARATOR = "----- HTML -----"


def message_file_text(message: RenderedMessage) -> str:
    """A rendered message as the text of its approved file: e-mails with their subject first
    and their HTML part after the text."""
    parts = []
    if message.subject is not None:
        parts.append(f"Subject: {message.subject}\n")
    parts.append(message.text + "\n")
    if message.html is not None:
        parts.append(f"{HTML_SEPARATOR}\n{message.html.rstrip()}\n")
    return "\n".join(parts)


def approved_messages(
    loaded: LoadedPlaybook, channels: Mapping[str, CheckedChannel]
) -> dict[str, str]:
    """`<severity>/<stage>/<channel>.txt` -> the message of the playbook's sample incident
    (`sample:`, at its fixed moment, of no category) that the channel gets at that stage of
    that severity, and `<category>/<stage>/<channel>.txt` the one of an incident of that
    category (at its minimum severity, to every channel it reaches). Disabled channels are
    included: their wording is approved before they are switched on. Sorted by name."""
    from incidentctl.render import sample_context, sample_moment

    playbook = loaded.playbook
    messages = SampleMessages(loaded, channels)
    now = sample_moment(playbook)
    kinds = [(severity.id, severity.id, "") for severity in playbook.severities]
    for category_id, category in playbook.categories.items():
        taken = playbook.severity(category_id) is not None
        kinds.append(
            (
                f"category-{category_id}" if taken else category_id,
                category.min_severity,
                category_id,
            )
        )
    files: dict[str, str] = {}
    for folder, severity_id, category_id in kinds:
        for stage in Stage:
            targets = select_targets(playbook, stage, severity_id, category_id)
            if not targets:
                continue
            context = sample_context(
                playbook, stage, now=now, severity_id=severity_id, category=category_id
            )
            for target in targets:
                message = messages.render(target.channel, stage, context)
                name = f"{folder}/{stage.value}/{target.channel}{SUFFIX}"
                files[name] = message_file_text(message)
    return dict(sorted(files.items()))


def approved_folder(loaded: LoadedPlaybook, out: Path | None) -> Path:
    """The folder given, else the playbook's `approved:` (relative to the playbook)."""
    if out is not None:
        return out
    if loaded.playbook.approved is None or loaded.approved_dir is None:
        raise UsageError("give the folder with --out, or set `approved:` in the playbook")
    return loaded.base_dir / loaded.playbook.approved


def existing_files(folder: Path) -> dict[str, Path]:
    """The message files in `folder`, by name relative to it: `<kind>/<stage>/<channel>.txt`
    only, never a link, so that a refresh of a folder given by mistake (`--out .`) removes
    nothing else."""
    if not folder.is_dir():
        return {}
    stages = {stage.value for stage in Stage}
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.glob(f"*/*/*{SUFFIX}"))
        if path.parent.name in stages and path.is_file() and not path.is_symlink()
    }


@dataclass(frozen=True)
class Written:
    folder: Path
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def write_approved(files: Mapping[str, str], folder: Path, *, update: bool) -> Written:
    """Write each message file into `folder`. Without `update` the folder must hold no message
    file yet; with it, changed files are rewritten and those of combinations that no longer
    exist removed (other files are left alone)."""
    present = existing_files(folder)
    if present and not update:
        raise ConflictError(
            f"{folder} already holds {len(present)} approved messages: "
            "pass --update to refresh them"
        )
    written: list[str] = []
    unchanged: list[str] = []
    removed: list[str] = []
    try:
        for name, text in files.items():
            path = folder / name
            if name in present and path.read_text(encoding="utf-8") == text:
                unchanged.append(name)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():  # replaced, never written through
                path.unlink()
            path.write_text(text, encoding="utf-8", newline="\n")
            written.append(name)
        for name, path in present.items():
            if name not in files:
                path.unlink()
                removed.append(name)
                _remove_empty_parents(path.parent, folder)
    except (OSError, UnicodeDecodeError) as exc:
        raise StateError(f"cannot write approved messages in {folder}: {exc}") from None
    return Written(folder, written, unchanged, removed)


def _remove_empty_parents(directory: Path, top: Path) -> None:
    while directory != top and directory.is_relative_to(top) and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


@dataclass(frozen=True)
class Difference:
    """One message whose approved file differs: `changed` (with its unified diff), `missing`
    (no approved file yet) or `extra` (approved, no longer sent)."""

    name: str
    kind: str
    diff: str = ""
    # the first line of the approved file that differs (1 when missing or extra)
    line: int = 1


def compare_approved(files: Mapping[str, str], folder: Path) -> list[Difference]:
    """How the messages rendered now differ from the approved files in `folder`, by name."""
    present = existing_files(folder)
    found: list[Difference] = []
    for name in sorted(set(files) | set(present)):
        if name not in present:
            found.append(Difference(name, "missing"))
            continue
        if name not in files:
            found.append(Difference(name, "extra"))
            continue
        try:
            approved = present[name].read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            found.append(Difference(name, "changed", f"cannot read the approved file: {exc}"))
            continue
        if approved != files[name]:
            found.append(_changed(folder, name, approved, files[name]))
    return found


def _changed(folder: Path, name: str, approved: str, rendered: str) -> Difference:
    old, new = approved.splitlines(keepends=True), rendered.splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"{folder.as_posix()}/{name}", f"rendered/{name}")
    diff = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    first = next((a for tag, a, _, _, _ in matcher.get_opcodes() if tag != "equal"), 0)
    return Difference(name, "changed", diff.rstrip("\n"), min(first + 1, max(len(old), 1)))
