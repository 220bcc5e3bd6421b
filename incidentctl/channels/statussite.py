"""Type `statussite`: rebuilds the static status site, then optionally publishes it.

The site is built from the store, which no channel reads: the app layer hands the builder in
(`SendContext.build_site`). `publish:` is a command run with the site's folder as its last
argument (`rsync -a --delete`, `aws s3 sync`, a script that pushes a Pages branch); a
non-zero exit is a failed delivery, retried like any other. Building and publishing again is
harmless, so `retry` re-sends an uncertain one without asking.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated, ClassVar

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendContext,
    SendResult,
)
from incidentctl.channels.redaction import scrub_line
from incidentctl.channels.secrets import SENSITIVE
from incidentctl.errors import DeliveryError, IncidentctlError


class StatusSiteSettings(ChannelSettings):
    # a folder; relative paths are taken from the state directory
    out: str = "site"
    # run with the folder as last argument; may carry a token (a git URL): redacted
    publish: Annotated[str | None, SENSITIVE] = None


def site_folder(settings: StatusSiteSettings, context: SendContext) -> Path:
    """The folder the site is written to: `out`, relative to the state directory."""
    path = Path(os.path.expanduser(context.resolve(settings.out, key="out", secret=False)))
    return path if path.is_absolute() else context.outbox_dir / path


class StatusSiteChannel(BaseChannel[StatusSiteSettings]):
    type = "statussite"
    message_format = "chat"
    settings_model = StatusSiteSettings
    idempotent_resend: ClassVar[bool] = True

    def folder(self) -> Path:
        return site_folder(self.settings, self.context)

    def send(self, outgoing: Outgoing) -> SendResult:
        build = self.context.build_site
        if build is None:
            raise DeliveryError("this command cannot build the status site", retryable=False)
        folder = self.folder()
        try:
            build(folder)
        except IncidentctlError as exc:
            raise DeliveryError(f"status site not built: {exc}") from None
        if self.settings.publish:
            self._publish(folder)
        if outgoing.maintenance is not None:  # listed on the index, under its id
            index = folder / "index.html"
            return SendResult(remote_id=str(index), link=f"{index.as_uri()}#{outgoing.incident_id}")
        page = folder / "incidents" / f"{outgoing.incident_id}.html"
        return SendResult(remote_id=str(page), link=page.as_uri())

    def edit(self, remote_id: str, outgoing: Outgoing) -> SendResult:
        """The site is built from the record, which holds the correction: build it again."""
        return self.send(outgoing)

    def _publish(self, folder: Path) -> None:
        assert self.settings.publish is not None
        command = self.resolve(self.settings.publish, key="publish")
        try:
            argv = [*shlex.split(command), str(folder)]
        except ValueError as exc:
            raise DeliveryError(f"publish command cannot be read: {exc}", retryable=False) from None
        import subprocess  # only to publish (4 ms of every send otherwise)

        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except FileNotFoundError:
            raise DeliveryError(f"publish command not found: {argv[0]}", retryable=False) from None
        except subprocess.TimeoutExpired:
            raise DeliveryError(
                f"publish command still running after {self.timeout:g} s (raise `timeout:`)",
                uncertain=True,
            ) from None
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            last = scrub_line(said[-1], self.context.secrets) if said else "no output"
            raise DeliveryError(
                f"publish command exited with {done.returncode}: {last}", retryable=True
            )
