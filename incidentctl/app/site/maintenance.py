"""Scheduled maintenance on the status site: the windows to list, their API documents (the
shape of Statuspage's `scheduled_maintenances`), and their uptime segments — planned works
are not downtime, but the time a window ran past its end is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from incidentctl.model.maintenance import Maintenance, MaintenanceStatus
from incidentctl.render.maintenance_words import LISTED_STATUS
from incidentctl.render.times import LocalTimes, rfc822

SHOWN = (MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS)


def listed(
    items: Sequence[Maintenance], times: LocalTimes, language: str, component_names: dict[str, str]
) -> list[dict[str, Any]]:
    """The windows the index lists (scheduled and in progress), soonest first."""
    lang = "fr" if language == "fr" else "en"
    return [
        {
            "id": item.id,
            "title": item.title,
            "status": item.status.value,
            "status_label": LISTED_STATUS[lang][item.status.value],
            "window": times.span(item.scheduled_for, item.scheduled_until),
            "components": [component_names.get(c, c) for c in item.components],
            "impact": item.impact,
        }
        for item in items
        if item.status in SHOWN
    ]


def api_document(
    item: Maintenance, page_id: str, time: Any, components: list[dict[str, Any]]
) -> dict[str, Any]:
    """One window as Statuspage's v2 API shows a scheduled maintenance."""
    updates = [
        {
            "id": f"{item.id}-{index}",
            "status": _api_status(entry["stage"]),
            "body": entry.get("message") or "",
            "incident_id": item.id,
            "created_at": time(datetime.fromisoformat(entry["at"])),
            "updated_at": time(datetime.fromisoformat(entry["at"])),
            "display_at": time(datetime.fromisoformat(entry["at"])),
        }
        for index, entry in reversed(list(enumerate(item.history, 1)))
        if entry["stage"] != "reminder"
    ]
    status = item.status.value if item.status is not MaintenanceStatus.CANCELLED else "completed"
    return {
        "id": item.id,
        "name": item.title,
        "status": status,
        "created_at": time(item.created_at),
        "updated_at": time(item.updated_at),
        "monitoring_at": None,
        "resolved_at": time(item.ended_at),
        "impact": "maintenance",
        "shortlink": None,
        "started_at": time(item.started_at),
        "page_id": page_id,
        "scheduled_for": time(item.scheduled_for),
        "scheduled_until": time(item.scheduled_until),
        "incident_updates": updates,
        "components": components,
    }


def _api_status(stage: str) -> str:
    return {
        "scheduled": "scheduled",
        "in_progress": "in_progress",
        "extended": "in_progress",
        "completed": "completed",
        "cancelled": "completed",
    }.get(stage, "scheduled")


FEED_TITLE = {"en": "{org} — maintenance", "fr": "{org} — maintenances"}


def maintenance_rss(
    items: Sequence[Maintenance],
    times: LocalTimes,
    language: str,
    base_url: str,
    org: str,
    component_names: dict[str, str],
) -> bytes:
    """`feeds/maintenance.rss`: one item per window (cancelled ones too: subscribers must hear
    it), re-published under a new guid at each change so readers show it again."""
    from incidentctl.app.site.xmltext import xml_document, xml_text

    lang = "fr" if language == "fr" else "en"
    title = FEED_TITLE[lang].format(org=org)
    out = [
        '<rss version="2.0"><channel>',
        f"<title>{xml_text(title)}</title>",
        f"<link>{xml_text(base_url)}</link>",
        f"<description>{xml_text(title)}</description>",
        f"<language>{lang}</language>",
    ]
    newest = max((m.updated_at for m in items), default=None)
    if newest is not None:
        out.append(f"<lastBuildDate>{rfc822(newest)}</lastBuildDate>")
    for item in sorted(items, key=lambda m: m.updated_at, reverse=True):
        names = ", ".join(component_names.get(c, c) for c in item.components)
        status = LISTED_STATUS[lang][item.status.value]
        body = " · ".join(
            p
            for p in (times.span(item.scheduled_for, item.scheduled_until), names, item.impact)
            if p
        )
        out += [
            "<item>",
            f"<title>{xml_text(f'{item.title} ({status})')}</title>",
            f"<link>{xml_text(f'{base_url}#{item.id}')}</link>",
            f'<guid isPermaLink="false">{xml_text(f"{item.uid or item.id}-{item.version}")}</guid>',
            f"<pubDate>{rfc822(item.updated_at)}</pubDate>",
            f"<description>{xml_text(body)}</description>",
            "</item>",
        ]
    out.append("</channel></rss>")
    return xml_document(out)
