"""Atom 1.0 and RSS 2.0 feeds of incidents and their updates, site-wide and per component.

One entry per incident, its updates newest first; the entry's id comes from the incident's
globally unique key, so it stays the same across rebuilds, and `updated` is its latest public
update. ElementTree escapes every text it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET

from incidentctl.app.site.record import SiteIncident
from incidentctl.render.labels import STATUS_LABELS
from incidentctl.render.punctuation import labelled
from incidentctl.render.times import LocalTimes, rfc822

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50


def _entry_id(item: SiteIncident) -> str:
    key = item.incident.uid or item.incident.id
    return f"urn:uuid:{key}" if item.incident.uid else f"urn:incidentctl:{key}"


def _summary(item: SiteIncident, language: str, times: Sequence[str]) -> str:
    labels = STATUS_LABELS["fr" if language == "fr" else "en"]
    return "\n\n".join(
        f"{when} — {labelled(labels[u.stage.value], u.message, language)}"
        for u, when in zip(reversed(item.updates), reversed(times), strict=True)
    )


class Feed:
    """A list of incidents as the two feed formats."""

    def __init__(
        self,
        title: str,
        base_url: str,
        path: str,
        items: Sequence[SiteIncident],
        language: str,
        now: datetime,
        local: LocalTimes,
        summaries: dict[str, str] | None = None,
    ) -> None:
        self.title = title
        self.base_url = base_url
        self.path = path
        self.items = list(items[:ENTRIES])
        self.language = language
        self.now = now
        self.local = local
        # incident id -> its entry's text, shared by the feeds of one build (per component)
        self.summaries = {} if summaries is None else summaries

    def _summary(self, item: SiteIncident) -> str:
        if item.id not in self.summaries:
            times = [self.local.full(u.at) for u in item.updates]
            self.summaries[item.id] = _summary(item, self.language, times)
        return self.summaries[item.id]

    def _updated(self) -> datetime:
        return max((i.updated_at for i in self.items), default=self.now)

    def atom(self) -> bytes:
        ET.register_namespace("", ATOM)
        feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": self.language})
        ET.SubElement(feed, f"{{{ATOM}}}title").text = self.title
        ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{self.base_url}{self.path}.atom"
        ET.SubElement(feed, f"{{{ATOM}}}updated").text = self._updated().isoformat()
        ET.SubElement(
            feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{self.base_url}{self.path}.atom"}
        )
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": self.base_url})
        author = ET.SubElement(feed, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = self.title
        for item in self.items:
            entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
            ET.SubElement(entry, f"{{{ATOM}}}id").text = _entry_id(item)
            ET.SubElement(entry, f"{{{ATOM}}}title").text = item.incident.title
            ET.SubElement(entry, f"{{{ATOM}}}updated").text = item.updated_at.isoformat()
            ET.SubElement(
                entry, f"{{{ATOM}}}published"
            ).text = item.incident.declared_at.isoformat()
            ET.SubElement(
                entry,
                f"{{{ATOM}}}link",
                {"rel": "alternate", "href": f"{self.base_url}incidents/{item.id}.html"},
            )
            content = ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "text"})
            content.text = self._summary(item)
        return _xml(feed)

    def rss(self) -> bytes:
        rss = ET.Element("rss", {"version": "2.0"})
        channel = ET.SubElement(rss, "channel")
        ET.SubElement(channel, "title").text = self.title
        ET.SubElement(channel, "link").text = self.base_url
        ET.SubElement(channel, "description").text = self.title
        ET.SubElement(channel, "language").text = self.language
        ET.SubElement(channel, "lastBuildDate").text = rfc822(self._updated())
        for item in self.items:
            entry = ET.SubElement(channel, "item")
            ET.SubElement(entry, "title").text = item.incident.title
            ET.SubElement(entry, "link").text = f"{self.base_url}incidents/{item.id}.html"
            ET.SubElement(entry, "guid", {"isPermaLink": "false"}).text = _entry_id(item)
            ET.SubElement(entry, "pubDate").text = rfc822(item.updated_at)
            ET.SubElement(entry, "description").text = self._summary(item)
        return _xml(rss)


def _xml(root: ET.Element) -> bytes:
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"
