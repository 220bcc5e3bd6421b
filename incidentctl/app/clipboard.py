"""Putting text on the clipboard with whichever program the machine has, if any."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# (program, arguments, the variable its display server needs): tried in this order
CLIPBOARD_PROGRAMS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("wl-copy", (), "WAYLAND_DISPLAY"),
    ("xclip", ("-selection", "clipboard"), "DISPLAY"),
    ("xsel", ("--clipboard", "--input"), "DISPLAY"),
    ("pbcopy", (), None),
    ("clip.exe", (), None),
)
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Copied:
    """Where the text went: `program` on success; else why not (`error`), None when the
    machine has no clipboard program."""

    program: str | None
    error: str | None = None


def find_clipboard(env: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """The first clipboard program on `env`'s PATH whose display is there: (name, command)."""
    for name, arguments, display in CLIPBOARD_PROGRAMS:
        if display is not None and not env.get(display):
            continue
        found = shutil.which(name, path=env.get("PATH", ""))
        if found:
            return name, [found, *arguments]
    return None


def copy_to_clipboard(
    text: str,
    env: Mapping[str, str],
    run: Callable[..., subprocess.CompletedProcess[Any]] = subprocess.run,
) -> Copied:
    """Put `text` on the clipboard; never raises."""
    found = find_clipboard(env)
    if found is None:
        return Copied(None)
    name, command = found
    # clip.exe reads the console's code page unless told UTF-16 by a byte-order mark
    data = text.encode("utf-16") if name == "clip.exe" else text.encode("utf-8")
    try:
        # xclip and wl-copy leave a child serving the selection: pipes it inherits would
        # keep us waiting until someone copies something else
        done = run(
            command,
            input=data,
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Copied(None, f"{name} did not finish within {TIMEOUT_S:g} s")
    except OSError as exc:
        return Copied(None, f"{name} could not run: {exc.strerror or exc}")
    if done.returncode != 0:
        return Copied(None, f"{name} failed (exit {done.returncode})")
    return Copied(name)
