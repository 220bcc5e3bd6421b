"""A fake Atlassian Statuspage API v1: incidents in memory, bodies checked against the OpenAPI.

Request bodies of create/update are validated with the published OpenAPI description
(`tests/specs/statuspage-v1.openapi.json`, `$ref`s resolved); the `OAuth` header is required and
1 request per second per token is enforced with 420, as the real service does.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

from openapi_schema_validator import OAS30Validator

from tests.channels.fakes.base_server import FakeServer, Reply, Request, openapi_spec

OPEN = ("investigating", "identified", "monitoring")
SCHEDULED = ("scheduled", "in_progress", "verifying", "completed")
SCHEDULED_KEYS = (
    "scheduled_for",
    "scheduled_until",
    "scheduled_remind_prior",
    "scheduled_auto_in_progress",
    "scheduled_auto_completed",
)
API_KEY = "sp-key-0123456789abcdef"
INCIDENT = re.compile(r"^/v1/pages/(?P<page>[^/]+)/incidents(?:/(?P<rest>[^/]+))?/?$")
INCIDENT_UPDATE = re.compile(
    r"^/v1/pages/(?P<page>[^/]+)/incidents/(?P<incident>[^/]+)/incident_updates/(?P<update>[^/]+)$"
)


def _resolve(node: Any, root: dict[str, Any]) -> Any:
    """Inline every `$ref` (the request schemas are not recursive)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            return _resolve(target, root)
        return {key: _resolve(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, root) for item in node]
    return node


@cache
def request_schema(path: str, method: str) -> dict[str, Any]:
    """The JSON request-body schema of one operation, `$ref`s resolved."""
    spec = openapi_spec("statuspage-v1.openapi.json")
    operation = spec["paths"][path][method]
    schema = _resolve(operation["requestBody"]["content"]["application/json"]["schema"], spec)
    # the document types one example component id; the real API applies it to every key
    if "incident" in schema["properties"]:  # an incident update's own body has no components
        components = schema["properties"]["incident"]["properties"]["components"]
        example = next(iter(components.pop("properties").values()))
        components["additionalProperties"] = example
    return copy.deepcopy(schema)


def schema_errors(body: Any, path: str, method: str) -> list[str]:
    validator = OAS30Validator(request_schema(path, method))
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or 'body'}: {error.message}"
        for error in validator.iter_errors(body)
    ]


class StatuspageServer(FakeServer):
    """One page with a few components; `api_base` is `server.url + "/v1"`."""

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        page_id: str = "pg123",
        components: tuple[str, ...] = ("cmp_checkout", "cmp_api", "cmp_web"),
        clock: Callable[[], float],
        rate_per_second: float = 1.0,
        rate_status: int = 420,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.page_id = page_id
        self.components = dict.fromkeys(components, "operational")
        self.incidents: dict[str, dict[str, Any]] = {}
        self.clock = clock
        self.rate_per_second = rate_per_second
        self.rate_status = rate_status
        self._last: dict[str, float] = {}
        self._ids = itertools.count(1)

    @property
    def api_base(self) -> str:
        return f"{self.url}/v1"

    def handle(self, request: Request) -> Reply:
        token = request.headers.get("authorization", "")
        if token != f"OAuth {self.api_key}":
            return Reply(401, {"error": "Couldn't authenticate you"})
        now = self.clock()
        last = self._last.get(token)
        if last is not None and now - last < 1.0 / self.rate_per_second:
            return Reply(self.rate_status, {"error": "Rate limit exceeded, retry later"})
        self._last[token] = now
        edited = INCIDENT_UPDATE.match(request.path)
        if edited is not None and edited["page"] == self.page_id:
            return self._edit_update(request, edited["incident"], edited["update"])
        match = INCIDENT.match(request.path)
        if match is None or match["page"] != self.page_id:
            return Reply(404, {"error": "The requested resource could not be found."})
        rest = match["rest"]
        if rest is None and request.method == "POST":
            return self._create(request)
        if rest is None and request.method == "GET":
            query = (request.arg("q") or "").lower()
            found = [i for i in self.incidents.values() if not query or _mentions(i, query)]
            return Reply(200, found)
        if rest == "unresolved" and request.method == "GET":
            return Reply(200, [i for i in self.incidents.values() if i["status"] in OPEN])
        incident = self.incidents.get(rest or "")
        if incident is None:
            return Reply(404, {"error": "The requested resource could not be found."})
        if request.method == "GET":
            return Reply(200, incident)
        if request.method == "PATCH":
            return self._update(request, incident)
        return Reply(405, {"error": "Method not allowed"})

    def _body(
        self, request: Request, path: str, method: str
    ) -> tuple[dict[str, Any], Reply | None]:
        if "application/json" not in request.headers.get("content-type", ""):
            return {}, Reply(415, {"error": "Content-Type must be application/json"})
        try:
            body = request.json()
        except ValueError:
            return {}, Reply(400, {"error": "Malformed JSON"})
        errors = schema_errors(body, path, method)
        fields = body.get("incident") if isinstance(body, dict) else None
        if errors or not isinstance(fields, dict):
            return {}, Reply(422, {"error": errors or ["incident: is missing"]})
        if len(str(fields.get("name", ""))) > 255:
            errors.append("Name is too long (maximum is 255 characters)")
        if len(str(fields.get("body", ""))) > 25000:
            errors.append("Body is too long (maximum is 25000 characters)")
        for component in [*fields.get("components", {}), *fields.get("component_ids", [])]:
            if component not in self.components:
                errors.append(f"Component {component} not found")
        return fields, Reply(422, {"error": errors}) if errors else None

    def _create(self, request: Request) -> Reply:
        fields, problem = self._body(request, "/pages/{page_id}/incidents", "post")
        if problem is not None:
            return problem
        if not str(fields["name"]).strip():
            return Reply(422, {"error": ["Name can't be blank"]})
        problem = _scheduled_problem(fields, None)
        if problem is not None:
            return problem
        incident_id = f"sp{next(self._ids):010d}"
        now = _now()
        incident: dict[str, Any] = {
            "id": incident_id,
            "page_id": self.page_id,
            "name": fields["name"],
            "status": fields.get("status", "investigating"),
            "impact": fields.get("impact_override", "none"),
            "impact_override": fields.get("impact_override"),
            "metadata": fields.get("metadata", {}),
            "shortlink": f"https://stspg.io/{incident_id[-6:]}",
            "created_at": now,
            "updated_at": now,
            "resolved_at": None,
            "components": [],
            "incident_updates": [],
            "deliver_notifications": fields.get("deliver_notifications", True),
            **{key: fields.get(key) for key in SCHEDULED_KEYS},
        }
        self.incidents[incident_id] = incident
        self._apply(incident, fields)
        return Reply(201, incident)

    def _update(self, request: Request, incident: dict[str, Any]) -> Reply:
        path = "/pages/{page_id}/incidents/{incident_id}"
        fields, problem = self._body(request, path, "patch")
        if problem is not None:
            return problem
        problem = _scheduled_problem(fields, incident)
        if problem is not None:
            return problem
        for key in ("name", "status", "impact_override", "deliver_notifications", *SCHEDULED_KEYS):
            if key in fields:
                incident[key] = fields[key]
        if "impact_override" in fields:
            incident["impact"] = fields["impact_override"]
        self._apply(incident, fields)
        return Reply(200, incident)

    def _edit_update(self, request: Request, incident_id: str, update_id: str) -> Reply:
        """`PATCH .../incidents/{id}/incident_updates/{update_id}`: a new body, as the API
        documents it (`{"incident_update": {"body": …}}`), checked against the OpenAPI."""
        incident = self.incidents.get(incident_id)
        found = [u for u in (incident or {}).get("incident_updates", []) if u["id"] == update_id]
        if request.method != "PATCH":
            return Reply(405, {"error": "Method not allowed"})
        if not found:
            return Reply(404, {"error": "The requested resource could not be found."})
        if "application/json" not in request.headers.get("content-type", ""):
            return Reply(415, {"error": "Content-Type must be application/json"})
        body = request.json()
        path = "/pages/{page_id}/incidents/{incident_id}/incident_updates/{incident_update_id}"
        errors = schema_errors(body, path, "patch")
        fields = body.get("incident_update") if isinstance(body, dict) else None
        if errors or not isinstance(fields, dict) or "body" not in fields:
            return Reply(422, {"error": errors or ["incident_update.body: is missing"]})
        if len(str(fields["body"])) > 25000:
            return Reply(422, {"error": ["Body is too long (maximum is 25000 characters)"]})
        update = found[0]
        update["body"] = fields["body"]
        update["updated_at"] = _now()
        return Reply(200, update)

    def _apply(self, incident: dict[str, Any], fields: dict[str, Any]) -> None:
        now = _now()
        for component, status in fields.get("components", {}).items():
            if status:
                self.components[component] = status
        affected = list(
            dict.fromkeys([*fields.get("component_ids", []), *fields.get("components", {})])
        )
        known = [c["id"] for c in incident["components"]]
        incident["components"] = [
            {"id": c, "page_id": self.page_id, "status": self.components[c]}
            for c in [*known, *(a for a in affected if a not in known)]
        ]
        incident["updated_at"] = now
        if incident["status"] == "resolved" and not incident["resolved_at"]:
            incident["resolved_at"] = now
        if "body" in fields or "status" in fields:
            update = {
                "id": f"upd{len(incident['incident_updates']) + 1}{incident['id']}",
                "incident_id": incident["id"],
                "status": incident["status"],
                "body": fields.get("body", ""),
                "created_at": now,
                "affected_components": [
                    {"code": c, "new_status": s} for c, s in fields.get("components", {}).items()
                ],
            }
            incident["incident_updates"].insert(0, update)


def _scheduled_problem(fields: dict[str, Any], incident: dict[str, Any] | None) -> Reply | None:
    """What the real API refuses of a scheduled incident: a window without both ends or ending
    before it starts, a realtime status on a scheduled incident or the reverse."""
    status = fields.get("status", incident["status"] if incident else "investigating")
    scheduled = (incident.get("scheduled_for") is not None) if incident else status in SCHEDULED
    if incident is not None and "status" in fields and (status in SCHEDULED) != scheduled:
        return Reply(422, {"error": [f"Status {status} is not valid for this incident"]})
    if not scheduled:
        if any(key in fields for key in SCHEDULED_KEYS):
            return Reply(422, {"error": ["Scheduled fields need a scheduled status"]})
        return None
    start = fields.get("scheduled_for", incident.get("scheduled_for") if incident else None)
    end = fields.get("scheduled_until", incident.get("scheduled_until") if incident else None)
    if not start or not end:
        return Reply(422, {"error": ["Scheduled for and scheduled until can't be blank"]})
    begins = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
    ends = datetime.fromisoformat(str(end).replace("Z", "+00:00"))
    if ends <= begins:
        return Reply(422, {"error": ["Scheduled until must be after scheduled for"]})
    return None


def _mentions(incident: dict[str, Any], query: str) -> bool:
    texts = [
        incident["name"],
        incident["status"],
        *(u["body"] for u in incident["incident_updates"]),
    ]
    return any(query in str(text).lower() for text in texts)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
