"""What a command runs with that a caller may choose: the environment and the retry policy.

`incidentctl` runs with the process's environment and the default retry policy; a test (or an
embedding program) calls `run(argv, runtime=Runtime(...))` to pass its own, instead of patching
modules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from incidentctl.app.workspace import Workspace
    from incidentctl.delivery.engine import RetryPolicy


@dataclass(frozen=True)
class Runtime:
    env: Mapping[str, str] | None = None
    retry_policy: RetryPolicy | None = None
    # the workspace clock (None: the real one); a test runs a command at a moment of its own
    clock: Callable[[], datetime] | None = None


# None: the process's environment and the default policy
CURRENT: ContextVar[Runtime | None] = ContextVar("incidentctl_runtime", default=None)


def open_workspace(playbook: Path | None) -> Workspace:
    """The command's workspace, opened with the current runtime's environment, policy and
    clock."""
    from incidentctl.app.workspace import open_workspace as open_with

    runtime = CURRENT.get() or Runtime()
    ws = open_with(playbook, runtime.env, retry_policy=runtime.retry_policy)
    if runtime.clock is not None:
        ws.clock = runtime.clock
    return ws
