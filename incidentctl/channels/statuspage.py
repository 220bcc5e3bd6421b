"""`statuspage`: one Atlassian Statuspage incident per incident, updated in place (REST API v1).

The first message creates the incident (`POST /pages/{page_id}/incidents`); later ones patch it
(`PATCH /pages/{page_id}/incidents/{id}`), which adds an incident update on the page. Our
component statuses use Statuspage's vocabulary and are mapped through the `components` setting.

Settings (secrets written `${VAR}`, resolved at send time):

- `api_key` — e.g. `${STATUSPAGE_API_KEY}`, sent as `Authorization: OAuth <key>`.
- `page_id` — the page's id (may be `${STATUSPAGE_PAGE_ID}`).
- `components` — `{our component id: Statuspage component id}`; unmapped ones are not sent. On
  `resolved` the mapped components are set back to `operational`.
- `deliver_notifications` — optional bool; `false` updates the page without notifying
  subscribers.
- `api_base` — default `https://api.statuspage.io/v1`.

The incident's `impact_override` follows the severity rank (most severe `critical`, next `major`,
others `minor`), and its `metadata` records our incident id and globally unique key (`uid`) so
`reconcile` can tell whether an uncertain create reached the page. Incident ids are per store:
two machines both have `INC-…-0001`, so the uid decides; the id, or failing metadata the name,
decides only for incidents recorded without a uid. Statuspage allows 1 request/s per key (420 or
429 beyond).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import Field

from incidentctl.channels.base import (
    BaseChannel,
    ChannelSettings,
    Outgoing,
    SendResult,
    SettingProblem,
    check_url,
    redact_url,
)
from incidentctl.channels.http import (
    api_base_url,
    json_body,
    json_object,
    literal_secret_problems,
    request,
)
from incidentctl.channels.secrets import SECRET
from incidentctl.errors import DeliveryError
from incidentctl.model.records import ComponentStatus, Stage
from incidentctl.model.snapshots import IncidentSnapshot

if TYPE_CHECKING:
    import httpx

DEFAULT_API_BASE = "https://api.statuspage.io/v1"
NAME_LIMIT = 255
BODY_LIMIT = 25000
# impact_override by severity rank (0 = most severe); lower severities are "minor"
IMPACT_BY_RANK = ("critical", "major")
# Statuspage answers 420 ("enhance your calm") or 429 past 1 request/s per token
RATE_LIMITED = (420, 429)
# metadata key under which the incident records our id and uid, so `reconcile` can find it
METADATA_KEY = "incidentctl"
# an incident created this long before our declaration is not ours (clock skew allowance)
CLOCK_SKEW = timedelta(minutes=10)


class StatuspageSettings(ChannelSettings):
    api_key: Annotated[str, SECRET]
    page_id: str
    api_base: str = DEFAULT_API_BASE
    # our component id -> Statuspage component id; unmapped components are not sent
    components: dict[str, str] = Field(default_factory=dict)
    # None leaves the page's default (subscribers are notified)
    deliver_notifications: bool | None = None


class StatuspageChannel(BaseChannel[StatuspageSettings]):
    type = "statuspage"
    message_format = "chat"
    max_length = BODY_LIMIT
    rate_per_second = 1.0
    # an update without the incident id would open a second public incident
    needs_thread = True
    settings_model = StatuspageSettings

    @classmethod
    def settings_problems(cls, settings: StatuspageSettings) -> Iterator[SettingProblem]:
        yield from check_url(settings.api_base, "api_base")
        yield from literal_secret_problems(settings.api_key, "api_key")
        for ours, theirs in settings.components.items():
            if not theirs.strip():
                yield SettingProblem("components", f"component {ours!r} maps to an empty id")

    def send(self, outgoing: Outgoing) -> SendResult:
        if outgoing.maintenance is not None:
            from incidentctl.channels.statuspage_maintenance import send_scheduled

            return send_scheduled(self, outgoing, outgoing.maintenance)
        fields = self._incident_fields(outgoing)
        if outgoing.thread is None:
            fields["name"] = incident_name(outgoing.incident)
            fields["metadata"] = {METADATA_KEY: tag(outgoing)}
        return self.write_incident(outgoing, fields)

    def write_incident(self, outgoing: Outgoing, fields: dict[str, Any]) -> SendResult:
        """Create the page's incident (no thread yet) or patch it with `fields`."""
        if outgoing.thread is None:
            response = self._call("POST", "/incidents", json={"incident": fields})
        else:
            path = f"/incidents/{quote(outgoing.thread, safe='')}"
            response = self._call("PATCH", path, json={"incident": fields})
        incident = json_object(response)
        remote_id = incident.get("id") or outgoing.thread
        if not isinstance(remote_id, str) or not remote_id:
            raise DeliveryError(
                "Statuspage accepted the incident but returned no id",
                uncertain=True,
                status=response.status_code,
            )
        return SendResult(remote_id=remote_id, link=_shortlink(incident))

    def edit(self, remote_id: str, outgoing: Outgoing) -> SendResult:
        """Replace the body of the page incident's latest update (`remote_id` is the page's
        incident: every message of ours is an update of it, newest first)."""
        path = f"/incidents/{quote(remote_id, safe='')}"
        incident = json_object(self._call("GET", path))
        updates = [u for u in incident.get("incident_updates") or [] if isinstance(u, dict)]
        if not updates or not updates[0].get("id"):
            raise DeliveryError(
                f"Statuspage incident {remote_id} has no update to correct", retryable=False
            )
        update_path = f"{path}/incident_updates/{quote(str(updates[0]['id']), safe='')}"
        body = {"incident_update": {"body": outgoing.message.text}}
        self._call("PATCH", update_path, json=body)
        return SendResult(remote_id=remote_id, link=_shortlink(incident))

    def reconcile(self, outgoing: Outgoing) -> SendResult | None:
        """Whether an uncertain send reached the page: the incident or update exists."""
        if outgoing.thread is not None:
            path = f"/incidents/{quote(outgoing.thread, safe='')}"
            incident = json_object(self._call("GET", path))
            wanted = outgoing.message.text.strip()
            for update in incident.get("incident_updates") or []:
                if (
                    isinstance(update, dict)
                    and str(update.get("body") or "").strip() == wanted
                    and update.get("status") == outgoing.stage.value
                ):
                    return SendResult(remote_id=outgoing.thread, link=_shortlink(incident))
            return None
        if outgoing.stage is Stage.RESOLVED:
            params = {"q": incident_name(outgoing.incident), "limit": "100"}
            found = self._call("GET", "/incidents", params=params)
        else:
            found = self._call("GET", "/incidents/unresolved", params={"per_page": "100"})
        match = _find_ours(_json_objects(found), outgoing)
        if match is None:
            return None
        return SendResult(remote_id=str(match["id"]), link=_shortlink(match))

    def _incident_fields(self, outgoing: Outgoing) -> dict[str, Any]:
        fields: dict[str, Any] = {"status": outgoing.stage.value, "body": outgoing.message.text}
        impact = impact_for(outgoing.incident.severity_rank)
        if impact is not None:
            fields["impact_override"] = impact
        statuses = self._component_statuses(outgoing)
        if statuses:
            fields["component_ids"] = list(statuses)
            fields["components"] = statuses
        if self.settings.deliver_notifications is not None:
            fields["deliver_notifications"] = self.settings.deliver_notifications
        return fields

    def _component_statuses(self, outgoing: Outgoing) -> dict[str, str]:
        """Statuspage component id -> status, from our components that the setting maps."""
        # a resolved incident leaves its components operational, as the page's UI does
        resolved = outgoing.stage is Stage.RESOLVED
        statuses: dict[str, str] = {}
        for component, status in outgoing.incident.components.items():
            remote = self.settings.components.get(component)
            if remote is not None:
                statuses[remote] = (ComponentStatus.OPERATIONAL if resolved else status).value
        return statuses

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        key = self.resolve(self.settings.api_key, key="api_key")
        page = self.resolve(self.settings.page_id, key="page_id")
        base = api_base_url(self, self.settings.api_base)
        url = f"{base}/pages/{quote(page, safe='')}{path}"
        return request(
            self,
            method,
            url,
            what=f"Statuspage ({redact_url(base)})",
            secrets=self.context.secrets,
            detail=_detail,
            rate_limited=RATE_LIMITED,
            headers={"Authorization": f"OAuth {key}", "Accept": "application/json"},
            **kwargs,
        )


def incident_name(incident: IncidentSnapshot) -> str:
    title = (incident.title or incident.id or "Incident").strip()
    return title if len(title) <= NAME_LIMIT else title[: NAME_LIMIT - 1] + "…"


def impact_for(rank: int | None) -> str | None:
    """Statuspage impact from our 0-based severity rank; None when the rank is unknown."""
    if rank is None or rank < 0:
        return None
    return IMPACT_BY_RANK[rank] if rank < len(IMPACT_BY_RANK) else "minor"


def tag(outgoing: Outgoing) -> dict[str, str]:
    """What the incident's metadata records of ours (all top-level values must be objects)."""
    tagged = {"incident_id": outgoing.incident_id}
    if outgoing.incident.uid:
        tagged["uid"] = outgoing.incident.uid
    return tagged


def _find_ours(candidates: list[dict[str, Any]], outgoing: Outgoing) -> dict[str, Any] | None:
    """The page's incident that an uncertain create of `outgoing` made, None when there is none;
    DeliveryError when one might be ours but nothing proves it (the user checks the page)."""
    uid = outgoing.incident.uid
    if uid:
        tags = [(item, _tag(item)) for item in candidates]
        for item, tagged in tags:
            if tagged.get("uid") == uid and item.get("id"):
                return item
        # our id without a uid (an older incidentctl), or a page that dropped the metadata
        unproven = [
            item
            for item, tagged in tags
            if (tagged.get("incident_id") == outgoing.incident_id and "uid" not in tagged)
            or (not tagged and _named_after_declaration(item, outgoing))
        ]
        if unproven:
            raise DeliveryError(
                f"Statuspage incident {unproven[0].get('id')} may be {outgoing.incident_id}'s "
                "but does not carry its uid: check the page"
            )
        return None
    # an incident recorded before uids (migration m002): our id, else the name
    for item in candidates:
        if _tag(item).get("incident_id") == outgoing.incident_id:
            return item if item.get("id") else None
    for item in candidates:
        if _named_after_declaration(item, outgoing):
            return item
    return None


def _tag(item: dict[str, Any]) -> dict[str, Any]:
    metadata = item.get("metadata")
    tagged = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return tagged if isinstance(tagged, dict) else {}


def _named_after_declaration(item: dict[str, Any], outgoing: Outgoing) -> bool:
    """Same name as ours, created after we declared (allowing for clock skew)."""
    if item.get("name") != incident_name(outgoing.incident) or not item.get("id"):
        return False
    created = _parse_time(item.get("created_at"))
    return created is None or created >= _aware(outgoing.incident.declared_at) - CLOCK_SKEW


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _aware(parsed)


def _aware(value: datetime) -> datetime:
    """Naive times are UTC (ours are always aware; a page's may not be)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _shortlink(incident: dict[str, Any]) -> str | None:
    link = incident.get("shortlink")
    return link if isinstance(link, str) and link else None


def _json_objects(response: httpx.Response) -> list[dict[str, Any]]:
    data = json_body(response)
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _detail(response: httpx.Response) -> str:
    """Statuspage's own error text: `{"error": "..."}`, `{"error": [...]}` or `{"message": ...}`."""
    data = json_object(response)
    for key in ("error", "message", "errors"):
        value = data.get(key)
        if isinstance(value, list):
            return "; ".join(str(item) for item in value)
        if value:
            return str(value)
    return response.text
