"""Apprise in a virtual environment of its own: a benchmark dependency, never a runtime one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def apprise_command(venv: Path) -> Path:
    """The `apprise` CLI in `venv`, created and installed there with pip if missing."""
    command = venv / "bin" / "apprise"
    if command.exists():
        return command
    print(f"  installing Apprise into {venv} …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "apprise"], check=True
    )
    return command


def apprise_version(venv: Path) -> str:
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import apprise; print(apprise.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def json_urls(port: int, paths: list[str]) -> list[str]:
    """Apprise's generic JSON URLs (`json://host:port/path`) for these server paths."""
    return [f"json://127.0.0.1:{port}/{path}" for path in paths]
