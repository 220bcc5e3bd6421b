"""The Mermaid chart of an incident: well-formed gantt lines whatever the title holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incidentctl.app.mermaid import incident_gantt, mermaid_text
from incidentctl.model.records import ComponentStatus, EventKind, Incident, Stage, TimelineEvent
from tests.helpers import PLAYBOOK, workspace

START = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)
DATE = r"\d{4}-\d\d-\d\d \d\d:\d\d"
# the statements a gantt chart is made of, as Mermaid's grammar reads them
LINE = {
    "title": re.compile(r"^    title [^:;#%`\n]+$"),
    "dateFormat": re.compile(r"^    dateFormat YYYY-MM-DD HH:mm$"),
    "axisFormat": re.compile(r"^    axisFormat (%d )?%H:%M$"),
    "section": re.compile(r"^    section [^:;#%`]+$"),
    "task": re.compile(
        rf"^    (?P<name>[^:;#%`]+) :(?:(?:crit|milestone), )?(?P<id>[a-z]\d+), "
        rf"(?P<start>{DATE}), (?P<end>{DATE}|0m)$"
    ),
}
KEYWORDS = ("title", "section", "dateformat", "axisformat", "excludes", "includes", "click")
HOSTILE = "Down\n```\n%%{init: {'theme':'dark'}}%%\nsection x: y; #35; `rm` <b>"


def check_gantt(source: str) -> list[str]:
    """The task ids, after checking every line against the grammar (start before end)."""
    lines = source.splitlines()
    assert lines[0] == "gantt"
    ids = []
    for line in lines[1:]:
        kind = line.split()[0]
        if kind in LINE and kind != "task":
            assert LINE[kind].match(line), line
            continue
        match = LINE["task"].match(line)
        assert match, line
        assert not match["name"].strip().lower().startswith(KEYWORDS), line
        if match["end"] != "0m":
            assert match["start"] <= match["end"], line
        ids.append(match["id"])
    assert len(ids) == len(set(ids))
    return ids


def story(title: str) -> tuple[Incident, list[TimelineEvent]]:
    incident = Incident(
        "INC-20251219-0001",
        title,
        "sev1",
        Stage.RESOLVED,
        START,
        START + timedelta(minutes=50),
        components={"api": ComponentStatus.OPERATIONAL},
        resolved_at=START + timedelta(minutes=50),
    )
    at = [START + timedelta(minutes=m) for m in (0, 10, 20, 30, 50)]

    def event(kind: EventKind, moment: datetime, **data: object) -> TimelineEvent:
        return TimelineEvent(incident.id, kind, moment, data=dict(data))

    events = [
        event(EventKind.DECLARED, at[0], components={"api": "major_outage"}),
        event(EventKind.STATUS_CHANGE, at[1], to="identified"),
        event(EventKind.COMPONENT_CHANGE, at[2], component="api", to="degraded_performance"),
        event(EventKind.STATUS_CHANGE, at[3], to="monitoring"),
        event(EventKind.STATUS_CHANGE, at[4], to="resolved"),
        event(EventKind.RESOLVED, at[4]),
    ]
    return incident, events


def test_stages_milestones_and_components_in_local_time(tmp_path: Path) -> None:
    incident, events = story("API down")
    with workspace(tmp_path) as ws:
        source = incident_gantt(
            ws.playbook, incident, events, first_sent=START + timedelta(minutes=3), now=START
        )
    assert check_gantt(source) == ["m1", "m2", "m3", "s1", "s2", "s3", "c1", "c2"]
    assert "    First message :milestone, m2, 2025-12-19 14:03, 0m" in source  # Europe/Paris
    assert "    Identified :s2, 2025-12-19 14:10, 2025-12-19 14:30" in source
    assert "    Major outage - Public API :crit, c1, 2025-12-19 14:00, 2025-12-19 14:20" in source
    assert "    Degraded performance - Public API :c2, 2025-12-19 14:20, 2025-12-19 14:50" in source


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_hostile_title_cannot_break_the_chart_or_its_code_block(
    tmp_path: Path, language: str
) -> None:
    incident, events = story(HOSTILE)
    with workspace(tmp_path, PLAYBOOK.format(language=language)) as ws:
        source = incident_gantt(ws.playbook, incident, events, first_sent=None, now=START)
    check_gantt(source)
    assert "```" not in source and "%%" not in source and "<b>" not in source
    [title] = [line for line in source.splitlines() if line.startswith("    title ")]
    assert title == "    title INC-20251219-0001 Down init 'theme' 'dark' section x y 35 r…"
    assert ("section Étapes" in source) is (language == "fr")


def test_labels_are_one_short_line() -> None:
    assert mermaid_text("a\nb\r\nc") == "a b c"
    assert len(mermaid_text("x" * 500)) == 60
    assert mermaid_text(":;#%") == "-"
