"""The JSON API against a schema written from Statuspage's public v2 documentation, and read
back by a consumer written the way Statuspage widgets read a page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMA = json.loads((Path(__file__).parent / "statuspage-v2.schema.json").read_text())


def document(site: Path, name: str) -> Any:
    return json.loads((site / "api" / "v2" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SCHEMA["documents"]))
def test_each_document_matches_the_statuspage_shape(site: Path, name: str) -> None:
    validator = jsonschema.Draft202012Validator(
        {**SCHEMA["documents"][name], "$defs": SCHEMA["$defs"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(document(site, name)), key=str)
    assert not errors, [e.message for e in errors]


def what_a_widget_shows(summary: dict[str, Any]) -> dict[str, Any]:
    """A Statuspage consumer: the indicator, components in trouble, each incident with its
    latest update (the first of `incident_updates`)."""
    return {
        "indicator": summary["status"]["indicator"],
        "description": summary["status"]["description"],
        "trouble": {
            c["name"]: c["status"]
            for c in summary["components"]
            if c["status"] != "operational" and not c["group"]
        },
        "incidents": [
            (i["name"], i["impact"], i["incident_updates"][0]["body"]) for i in summary["incidents"]
        ],
    }


def test_a_statuspage_consumer_reads_the_summary(site: Path) -> None:
    shown = what_a_widget_shows(document(site, "summary.json"))
    assert shown == {
        "indicator": "critical",
        "description": "Partial outage",
        "trouble": {"Customer portal": "partial_outage"},
        "incidents": [
            (
                "Slow portal <script>alert(1)</script>",
                "critical",
                "Still slow & <script>alert(1)</script>",
            )
        ],
    }
    # the raw file never carries a literal tag: a JSON file served as HTML runs nothing
    raw = (site / "api/v2/summary.json").read_text(encoding="utf-8")
    assert "<script>" not in raw


def test_updates_are_newest_first_with_affected_components(site: Path) -> None:
    incidents = document(site, "incidents.json")["incidents"]
    assert [i["status"] for i in incidents] == ["investigating", "resolved"]
    resolved = incidents[1]["incident_updates"]
    # the identified update went to internal channels only: not here
    assert [u["status"] for u in resolved] == ["resolved", "investigating"]
    assert [tuple(c.values()) for c in resolved[1]["affected_components"]] == [
        ("api", "Public API", "operational", "major_outage"),
        ("portal", "Customer portal", "operational", "degraded_performance"),
    ]
    assert [c["new_status"] for c in resolved[0]["affected_components"]] == ["operational"] * 2
    assert resolved[0]["created_at"] == "2026-11-20T11:00:00+01:00"
    unresolved = document(site, "incidents/unresolved.json")["incidents"]
    assert [i["name"] for i in unresolved] == [incidents[0]["name"]]


def test_status_tells_the_banner_what_is_in_progress(site: Path) -> None:
    status = document(site, "status.json")
    assert status["status"]["indicator"] == "critical"
    (only,) = status["incidentctl"]["incidents"]
    assert only["eta"] == "about 15:00" and only["url"].startswith("incidents/INC-")
