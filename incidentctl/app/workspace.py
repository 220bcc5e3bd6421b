"""Everything a use case touches, injected: playbook, store, environment, clock, folders."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from incidentctl.delivery.engine import RetryPolicy
from incidentctl.playbook.loader import LoadedPlaybook, load_playbook
from incidentctl.playbook.location import find_playbook
from incidentctl.playbook.schema import Playbook
from incidentctl.playbook.templates_folder import template_roots
from incidentctl.store import open_store, state_dir
from incidentctl.store.base import Store

if TYPE_CHECKING:
    from incidentctl.channels.check import CheckedChannel
    from incidentctl.render.renderer import Renderer


class CurrentStdout:
    """Writes to whatever `sys.stdout` is at the moment of writing (a live progress display
    may redirect it while it draws), not to the one there was when the workspace was made."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Workspace:
    loaded: LoadedPlaybook
    store: Store
    env: Mapping[str, str]
    state_dir: Path
    # channel name -> its type and settings, validated once when the playbook was loaded
    channels: Mapping[str, CheckedChannel]
    clock: Callable[[], datetime] = utc_now
    console: TextIO = field(default_factory=lambda: cast(TextIO, CurrentStdout()))
    # how the delivery engine retries transient failures (tests pass a quick one)
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def playbook(self) -> Playbook:
        return self.loaded.playbook

    @property
    def organization(self) -> str:
        """The organization whose incidents this command sees (the playbook's)."""
        return self.playbook.organization.name

    @cached_property
    def renderer(self) -> Renderer:
        """The playbook's message renderer, built once per command (templates compile once)."""
        from incidentctl.render import Renderer

        return Renderer(self.playbook, self.loaded.templates_dir)

    def now(self) -> datetime:
        return self.clock()

    def local_time(self, moment: datetime) -> str:
        """An instant as a command's output says it: the organization's zone and language."""
        from incidentctl.render.times import LocalTimes

        organization = self.playbook.organization
        return LocalTimes(organization.tz, organization.language, self.now()).aside(moment)

    def local_day(self, moment: datetime) -> date:
        """The calendar day in the organization's timezone, used in incident ids."""
        return moment.astimezone(self.playbook.organization.tz).date()


def load_checked_playbook(
    path: Path, env: Mapping[str, str] | None = None
) -> tuple[LoadedPlaybook, dict[str, CheckedChannel]]:
    """The playbook at `path`, validated with its channels' types and settings, and those
    channels with their validated settings. `env` may allow a templates folder outside the
    playbook's ($INCIDENTCTL_TEMPLATE_ROOTS)."""
    from incidentctl.app.compiled_playbook import load_compiled
    from incidentctl.playbook.location import cache_dir

    roots = template_roots(env or {})

    def validate() -> tuple[LoadedPlaybook, dict[str, CheckedChannel]]:
        from incidentctl.channels.check import ChannelCheck

        check = ChannelCheck(disabled_as_warnings=True)
        return load_playbook(path, [check], roots), check.channels

    return load_compiled(path, roots, validate, cache_dir())


def open_workspace(
    playbook: Path | None,
    env: Mapping[str, str] | None = None,
    *,
    retry_policy: RetryPolicy | None = None,
) -> Workspace:
    """The playbook (`--playbook`, `$INCIDENTCTL_PLAYBOOK` or ./incidentctl.yaml) and the store."""
    import os

    env = dict(os.environ) if env is None else dict(env)
    loaded, channels = load_checked_playbook(find_playbook(playbook, env), env)
    from incidentctl.app.database import resolve_database_url

    home = state_dir(env)
    written = loaded.playbook.state.database_url
    store = open_store(home, env, database_url=resolve_database_url(written, env))
    return Workspace(
        loaded=loaded,
        store=store,
        env=env,
        state_dir=home,
        channels=channels,
        retry_policy=retry_policy or RetryPolicy(),
    )
