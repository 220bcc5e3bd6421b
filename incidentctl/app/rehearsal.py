"""`--now`: a command run as if it were another moment, to catch up (an earlier one) or to
rehearse (a later one). Messages sent for real carry real times, so a later moment is for
`--dry-run` only."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidentctl.app.workspace import Workspace
from incidentctl.errors import UsageError

# a cron line a little late, or a clock a little off, is not a rehearsal
CLOCK_TOLERANCE = timedelta(minutes=2)


def act_as_of(ws: Workspace, moment: datetime, text: str, *, dry_run: bool) -> None:
    """Run `ws` at `moment` from now on; refuse a moment later than its clock unless nothing
    is sent or stored."""
    now = ws.now()
    if moment > now + CLOCK_TOLERANCE and not dry_run:
        local = now.astimezone(ws.playbook.organization.tz)
        raise UsageError(
            f"--now {text.strip()!r} is later than the clock ({local:%Y-%m-%d %H:%M %Z}): "
            "messages sent now would carry a time that has not come; add --dry-run to "
            "rehearse (shows what would go out, sends and stores nothing)"
        )
    ws.clock = lambda: moment
