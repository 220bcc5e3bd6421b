"""The validated playbook, kept between runs in the cache folder.

A sending command validates a playbook that rarely changes between two of them: PyYAML, a
validator for every model of the schema, every channel's settings. What the validation gave
(the playbook, its positions for error locations, its channels with their settings) is kept
under a key made of the playbook's bytes, its path, the template roots and the code that
validated it (the size and time of each module of the layers it uses: the schema, the
channels, the rendering, the records; the pydantic and Python versions). It is read back
without building any validator: the models are `defer_build`, so a validator is built the
first time a model validates something, which a command that read the playbook from here does
not do, nor does it import PyYAML. A `declare` to 10 webhooks peaks 3.6 MB lower and ends
about 7 % sooner. A playbook with a channel of a plugin's type is not kept: the plugins
installed change what it gives.

What is kept is what the file says, validated: no `${VAR}` is resolved at load (settings are
resolved when a channel sends), so no value of the environment is ever written there. The
files are the user's own (0600) in their own cache folder, as Python's bytecode cache is.
`$INCIDENTCTL_NO_CACHE` turns it off; a file that cannot be read or written costs a validation,
nothing else.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from incidentctl.channels.check import CheckedChannel
    from incidentctl.playbook.loader import LoadedPlaybook

    Checked = tuple[LoadedPlaybook, dict[str, CheckedChannel]]

FOLDER = "playbooks"
# the validated playbooks kept: a few per machine, the two latest edits of each (a checkout
# that goes back and forth between two branches reads both from here; a value removed from
# the playbook is gone from the cache two edits later)
KEEP = 16
EDITS = 2
# what a file holds, in this order; a change makes older files unreadable, so misses
FORMAT = "incidentctl-playbook/1"
# the packages whose code decides what a validation gives
CODE = ("playbook", "channels", "render", "model")


def load_compiled(
    path: Path, roots: Sequence[Path], validate: Callable[[], Checked], folder: Path | None
) -> Checked:
    """What `validate` gives for the playbook at `path`, from `folder` when it was kept there
    for the same bytes, path, roots and code; else validated, and kept."""
    if folder is None:
        return validate()
    try:
        content = path.read_bytes()
    except OSError:
        return validate()  # which says what is wrong with the path
    kept = folder / FOLDER / f"{_named(path)}-{_key(path, content, roots)}.pickle"
    found = _read(kept)
    if found is not None and _still_confined(found[0], path, roots):
        # the path as this caller wrote it: the folders the playbook names are beside it
        return replace(found[0], path=path), found[1]
    checked = validate()
    try:
        # not edited meanwhile (the result is the bytes'), and no channel of a plugin's type:
        # installing or removing one changes the result, and the key does not say it
        if path.read_bytes() == content and _builtin_only(checked):
            _write(kept, checked)
    except Exception:  # a cache that cannot keep it costs a validation next time
        pass
    return checked


def _still_confined(loaded: LoadedPlaybook, path: Path, roots: Sequence[Path]) -> bool:
    """The checks of the validation that read the disk, made again: its `templates:` and
    `approved:` folders are still inside the playbook's folder (a symlink may have moved)."""
    from incidentctl.playbook.document import ParsedDocument
    from incidentctl.playbook.loader import approved_problems, templates_problems

    doc = ParsedDocument(path, None, loaded.positions, [])
    playbook = loaded.playbook
    moved = [*templates_problems(playbook, doc, roots), *approved_problems(playbook, doc, roots)]
    return not moved


def _named(path: Path) -> str:
    """The part of a kept file's name that says which playbook file it is of: writing one
    removes those of the same file's older edits (`EDITS`)."""
    return f"{zlib.crc32(str(path.absolute()).encode()):08x}"


def _builtin_only(checked: Checked) -> bool:
    from incidentctl.channels.registry import BUILTIN_CHANNELS

    return all(c.type in BUILTIN_CHANNELS for c in checked[0].playbook.channels.values())


def _key(path: Path, content: bytes, roots: Sequence[Path]) -> str:
    """A cache key, not a signature: two checksums of the bytes, and of everything else."""
    import pydantic

    import incidentctl

    package = Path(incidentctl.__file__).parent
    stamps = [FORMAT, str(path.absolute()), *map(str, roots), pydantic.VERSION, sys.version]
    stamps.append(incidentctl.__version__)
    for name in CODE:
        stamps += _stamps(package / name)
    for name in ("app/compiled_playbook.py", "app/workspace.py"):  # what calls the validation
        stamps += _stamp(package / name)
    around = "\n".join(stamps).encode()
    return (
        f"{len(content)}-{zlib.crc32(content):08x}-{zlib.adler32(content):08x}-"
        f"{zlib.crc32(around):08x}-{zlib.adler32(around):08x}"
    )


def _stamps(folder: Path) -> list[str]:
    """Name, size and modification time of each module under `folder`."""
    found: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
            found += _stamps(Path(entry.path))
        elif entry.name.endswith(".py"):
            found += _stamp(Path(entry.path))
    return found


def _stamp(module: Path) -> list[str]:
    try:
        info = module.stat()
    except OSError:
        return []
    return [f"{module}:{info.st_size}:{info.st_mtime_ns}"]


def _read(kept: Path) -> Checked | None:
    import pickle

    try:
        info = kept.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None  # loaded only if it is the user's own and no one else may write it
    try:
        with kept.open("rb") as file:
            data: Any = pickle.load(file)  # the user's own cache, as .pyc files are
    except FileNotFoundError:
        return None
    except Exception:  # unreadable: another version's classes, a torn file
        with contextlib.suppress(OSError):
            kept.unlink()
        return None
    if not (isinstance(data, tuple) and len(data) == 3 and data[0] == FORMAT):
        return None
    return data[1], data[2]


def _write(kept: Path, checked: Checked) -> None:
    import pickle

    folder = kept.parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = folder / f".{kept.name}.{os.getpid()}"
    temporary.unlink(missing_ok=True)  # a crashed run's; never written through (O_EXCL)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            pickle.dump((FORMAT, *checked), file, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(kept)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    mine = kept.name.split("-", 1)[0]
    edits = sorted(folder.glob(f"{mine}-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for earlier in edits[:-EDITS]:  # this file's older edits
        earlier.unlink(missing_ok=True)
    files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)
