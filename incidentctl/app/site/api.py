"""The JSON API under `api/v2/`, shaped like Statuspage's public v2 so its consumers read ours.

Same keys, the same vocabularies (`indicator` none|minor|major|critical, component and incident
statuses, incident updates newest first, `affected_components` with old and new status). One
addition, ignored by Statuspage readers: `status.json` carries `incidentctl.incidents` (name,
link, ETA of each incident in progress), so the banner script needs a single request.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from incidentctl.app.site.maintenance import SHOWN, api_document
from incidentctl.app.site.record import PublicUpdate, SiteIncident, SiteRecord
from incidentctl.app.site.uptime import BY_RANK, worst
from incidentctl.app.site.wording import words
from incidentctl.model.maintenance import MaintenanceStatus
from incidentctl.model.records import ComponentStatus

LATEST = 50
# a component's status as Statuspage's indicator counts it
_INDICATOR = dict(zip(BY_RANK, ("none", "none", "minor", "major", "critical"), strict=True))
_LEVELS = ("none", "minor", "major", "critical")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


class Api:
    """Builds each document of the API from one site record."""

    def __init__(self, record: SiteRecord, base_url: str) -> None:
        self.record = record
        self.playbook = record.playbook
        self.tz = self.playbook.organization.tz
        self.page_id = slug(self.playbook.organization.name)
        self.base_url = base_url
        self.status_now = record.current_status()

    def time(self, moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(self.tz).isoformat("T", "seconds")

    def page(self) -> dict[str, Any]:
        org = self.playbook.organization
        updated = self.record.updated or self.record.now
        return {
            "id": self.page_id,
            "name": org.name,
            "url": self.base_url,
            "time_zone": org.timezone,
            "updated_at": self.time(updated),
        }

    def overall(self) -> ComponentStatus:
        return worst(self.status_now.values())

    def status(self) -> dict[str, Any]:
        level = _INDICATOR[self.overall()]
        for incident in self.record.active:
            impact = self.playbook.impact_of(incident.incident.severity)
            level = max(level, impact, key=_LEVELS.index)
        return {
            "indicator": level,
            "description": words(self.playbook.organization.language)[
                f"overall.{self.overall().value}"
            ],
        }

    def component(self, name: str, position: int) -> dict[str, Any]:
        spec = self.playbook.components[name]
        group = f"group-{slug(spec.group)}" if spec.group else None
        return {
            "id": name,
            "name": spec.name,
            "status": self.status_now[name].value,
            "created_at": self.time(self.record.now),
            "updated_at": self.time(self.record.now),
            "position": position,
            "description": spec.description or None,
            "showcase": True,
            "start_date": spec.since.isoformat() if spec.since else None,
            "group_id": group,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def components(self) -> list[dict[str, Any]]:
        found = [self.component(n, i + 1) for i, n in enumerate(self.playbook.components)]
        groups: dict[str, list[dict[str, Any]]] = {}
        for item in found:
            if item["group_id"]:
                groups.setdefault(item["group_id"], []).append(item)
        for position, (group_id, members) in enumerate(groups.items(), len(found) + 1):
            name = self.playbook.components[members[0]["id"]].group
            status = worst(ComponentStatus(m["status"]) for m in members)
            found.append(
                {
                    **members[0],
                    "id": group_id,
                    "name": name,
                    "status": status.value,
                    "position": position,
                    "description": None,
                    "start_date": None,
                    "group_id": None,
                    "group": True,
                    "components": [m["id"] for m in members],
                }
            )
        return found

    def update(self, incident: SiteIncident, update: PublicUpdate) -> dict[str, Any]:
        components = self.playbook.components
        affected = [
            {
                "code": c.component,
                "name": components[c.component].name if c.component in components else c.component,
                "old_status": c.old.value,
                "new_status": c.new.value,
            }
            for c in update.changes
        ]
        return {
            "id": f"{incident.id}-{update.id}",
            "status": update.stage.value,
            "body": update.message,
            "incident_id": incident.id,
            "created_at": self.time(update.at),
            "updated_at": self.time(update.at),
            "display_at": self.time(update.at),
            "affected_components": affected or None,
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }

    def incident(self, item: SiteIncident) -> dict[str, Any]:
        incident = item.incident
        monitoring = next((u.at for u in item.updates if u.stage.value == "monitoring"), None)
        touched = sorted(
            {s.component for s in item.segments} | set(incident.components),
            key=lambda n: (
                list(self.playbook.components).index(n)
                if n in self.playbook.components
                else len(self.playbook.components)
            ),
        )
        known = list(self.playbook.components)
        return {
            "id": incident.id,
            "name": incident.title,
            "status": incident.status.value,
            "created_at": self.time(incident.declared_at),
            "updated_at": self.time(item.updated_at),
            "monitoring_at": self.time(monitoring),
            "resolved_at": self.time(incident.resolved_at),
            "impact": self.playbook.impact_of(incident.severity),
            "shortlink": f"{self.base_url}incidents/{incident.id}.html",
            "started_at": self.time(incident.declared_at),
            "page_id": self.page_id,
            "incident_updates": [self.update(item, u) for u in reversed(item.updates)],
            "components": [self.component(n, known.index(n) + 1) for n in touched if n in known],
        }

    def maintenance(self, shown: list[MaintenanceStatus] | None = None) -> list[dict[str, Any]]:
        """Scheduled maintenances (cancelled ones left out), in Statuspage's shape."""
        known = list(self.playbook.components)
        wanted = shown or [
            MaintenanceStatus.SCHEDULED,
            MaintenanceStatus.IN_PROGRESS,
            MaintenanceStatus.COMPLETED,
        ]
        return [
            api_document(
                item,
                self.page_id,
                self.time,
                [self.component(n, known.index(n) + 1) for n in item.components if n in known],
            )
            for item in self.record.maintenances
            if item.status in wanted
        ]

    def documents(self) -> dict[str, Any]:
        """Path under `api/v2/` -> document."""
        page = self.page()
        unresolved = [self.incident(i) for i in self.record.active]
        banner = [
            {
                "name": i.incident.title,
                "url": f"incidents/{i.id}.html",
                "eta": i.incident.eta or None,
                "status": i.incident.status.value,
            }
            for i in self.record.active
        ]
        status = self.status()
        return {
            "status.json": {"page": page, "status": status, "incidentctl": {"incidents": banner}},
            "summary.json": {
                "page": page,
                "components": self.components(),
                "incidents": unresolved,
                "scheduled_maintenances": self.maintenance(list(SHOWN)),
                "status": status,
            },
            "components.json": {"page": page, "components": self.components()},
            "incidents.json": {
                "page": page,
                "incidents": [self.incident(i) for i in self.record.incidents[:LATEST]],
            },
            "incidents/unresolved.json": {"page": page, "incidents": unresolved},
            "scheduled-maintenances.json": {
                "page": page,
                "scheduled_maintenances": self.maintenance(),
            },
            "scheduled-maintenances/upcoming.json": {
                "page": page,
                "scheduled_maintenances": self.maintenance([MaintenanceStatus.SCHEDULED]),
            },
            "scheduled-maintenances/active.json": {
                "page": page,
                "scheduled_maintenances": self.maintenance([MaintenanceStatus.IN_PROGRESS]),
            },
        }


def encode(document: Any) -> bytes:
    # `<`, `>` and `&` as \u escapes: a JSON file served with the wrong type never runs script
    # compact, as Statuspage serves it: the encoder written in C only writes it so
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()
        + b"\n"
    )
