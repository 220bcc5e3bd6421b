"""`site build` over a workspace: where the site goes, and building it there."""

from __future__ import annotations

from pathlib import Path

from incidentctl.app.site.build import SiteBuild, build_site
from incidentctl.app.workspace import Workspace
from incidentctl.channels.base import SendContext
from incidentctl.channels.statussite import StatusSiteSettings
from incidentctl.channels.statussite import site_folder as folder_of

DEFAULT_FOLDER = "site"


def site_folder(ws: Workspace) -> Path | None:
    """The folder of the playbook's first enabled `statussite` channel, if it has one."""
    for name, config in ws.playbook.channels.items():
        checked = ws.channels.get(name)
        if config.type != "statussite" or not config.enabled or checked is None:
            continue
        if isinstance(checked.settings, StatusSiteSettings):
            context = SendContext(env=ws.env, outbox_dir=ws.state_dir, channel=name)
            return folder_of(checked.settings, context)
    return None


def build(ws: Workspace, out: Path | None = None) -> SiteBuild:
    """Build the site into `out`, else the statussite channel's folder, else `<state>/site`."""
    folder = out or site_folder(ws) or ws.state_dir / DEFAULT_FOLDER
    return build_site(ws.store, ws.playbook, folder, ws.now())
