"""Atom 1.0 and RSS 2.0 feeds of incidents and their updates, site-wide and per component.

One entry per incident, its updates newest first; the entry's id comes from the incident's
globally unique key, so it stays the same across rebuilds, and `updated` is its latest public
update. Every text is escaped as it is written (`xml_text`, `xml_attr`); what XML cannot hold at
all is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incidentctl.app.site.record import SiteIncident
from incidentctl.app.site.xmltext import xml_attr, xml_document, xml_text
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
        url = f"{self.base_url}{self.path}.atom"
        out = [
            f'<feed xmlns="{ATOM}" xml:lang={xml_attr(self.language)}>',
            f"<title>{xml_text(self.title)}</title>",
            f"<id>{xml_text(url)}</id>",
            f"<updated>{self._updated().isoformat()}</updated>",
            f'<link rel="self" href={xml_attr(url)} />',
            f'<link rel="alternate" href={xml_attr(self.base_url)} />',
            f"<author><name>{xml_text(self.title)}</name></author>",
        ]
        for item in self.items:
            page = f"{self.base_url}incidents/{item.id}.html"
            out += [
                "<entry>",
                f"<id>{xml_text(_entry_id(item))}</id>",
                f"<title>{xml_text(item.incident.title)}</title>",
                f"<updated>{item.updated_at.isoformat()}</updated>",
                f"<published>{item.incident.declared_at.isoformat()}</published>",
                f'<link rel="alternate" href={xml_attr(page)} />',
                f'<content type="text">{xml_text(self._summary(item))}</content>',
                "</entry>",
            ]
        out.append("</feed>")
        return xml_document(out)

    def rss(self) -> bytes:
        out = [
            '<rss version="2.0"><channel>',
            f"<title>{xml_text(self.title)}</title>",
            f"<link>{xml_text(self.base_url)}</link>",
            f"<description>{xml_text(self.title)}</description>",
            f"<language>{xml_text(self.language)}</language>",
            f"<lastBuildDate>{rfc822(self._updated())}</lastBuildDate>",
        ]
        for item in self.items:
            out += [
                "<item>",
                f"<title>{xml_text(item.incident.title)}</title>",
                f"<link>{xml_text(f'{self.base_url}incidents/{item.id}.html')}</link>",
                f'<guid isPermaLink="false">{xml_text(_entry_id(item))}</guid>',
                f"<pubDate>{rfc822(item.updated_at)}</pubDate>",
                f"<description>{xml_text(self._summary(item))}</description>",
                "</item>",
            ]
        out.append("</channel></rss>")
        return xml_document(out)
