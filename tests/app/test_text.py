"""Every command that takes text stores and sends it without control characters, and the
preview names the characters that make text read otherwise than it looks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import assign_role, commit_update, plan_update
from incidentctl.app.publish import Preview, publish
from incidentctl.errors import UsageError
from tests.helpers import workspace

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\x07\x08\udc9b"


def test_every_text_option_is_stored_and_sent_clean(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        plan = plan_declare(
            ws,
            "sev1",
            f"API {HOSTILE}down",
            impact=f"slow{HOSTILE}",
            workaround=f"retry{HOSTILE}",
            eta=f"soon{HOSTILE}",
            category="security",
        )
        incident = publish(ws, plan, commit_declare).incident
        assert incident is not None
        update = plan_update(
            ws,
            incident.id,
            f"still{HOSTILE} looking",
            impact=f"worse{HOSTILE}",
            severity="sev2",
            reason=f"false{HOSTILE} alarm",
        )
        assert update.notices == ["Security: severity lowered below sev1: false alarm"]
        publish(ws, update, commit_update)
        stored = ws.store.get_incident(incident.id)
        assert stored is not None
        assert (stored.title, stored.impact, stored.workaround, stored.eta) == (
            "API down",
            "worse",
            "retry",
            "soon",
        )
        events = ws.store.timeline(incident.id)
        assert [e.message for e in events][-1] == "still looking"
        assert {"false alarm"} == {e.data["reason"] for e in events if "reason" in e.data}
        for delivery in ws.store.deliveries(incident_id=incident.id):
            assert "\x1b" not in delivery.message.text and "\x9b" not in delivery.message.text
        printed = ws.console.getvalue()  # type: ignore[attr-defined]
        assert printed and not any(c in printed for c in "\x1b\x9b\x07\x08")


def test_text_of_nothing_but_controls_is_empty(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws, pytest.raises(UsageError, match="--title must not be empty"):
        plan_declare(ws, "sev1", HOSTILE)


def test_an_assigned_handle_is_checked_and_quoted_inert(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        commit_declare(ws, plan_declare(ws, "sev1", "API down"))
        with pytest.raises(UsageError) as refused:
            assign_role(ws, None, "comms", "@bob\x1b[31m")
        assert "\x1b" not in str(refused.value) and "\\x1b" in str(refused.value)


def test_the_preview_names_bidi_and_zero_width_characters(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        plan = plan_declare(ws, "sev1", "API \u202edown", impact="a\u200bb \u2066x\u2069")
        shown: list[Preview] = []
        publish(ws, plan, commit_declare, dry_run=True, show_preview=shown.append)
    assert shown[0].hidden == [
        "title contains U+202E RIGHT-TO-LEFT OVERRIDE (text may display reversed)",
        "impact contains U+200B ZERO WIDTH SPACE (invisible: the text may not be what it "
        "looks like)",
        "impact contains U+2066 LEFT-TO-RIGHT ISOLATE (text may display reversed)",
        "impact contains U+2069 POP DIRECTIONAL ISOLATE (text may display reversed)",
    ]
    # kept as typed: right-to-left text needs them
    assert plan.incident.title == "API \u202edown"


@pytest.mark.sqlite_only
def test_rows_an_older_version_stored_are_sent_without_controls(tmp_path: Path) -> None:
    with workspace(tmp_path) as ws:
        incident = commit_declare(ws, plan_declare(ws, "sev1", "API down"))
        database = next((tmp_path / "state").glob("*.db"))
        with sqlite3.connect(database) as raw:
            raw.execute("UPDATE incidents SET title = ?", ("old \x1b]0;pwned\x07 title",))
            raw.execute("UPDATE events SET message = ?", ("m \x1b[2J",))
        publish(ws, plan_update(ws, incident.id, "next"), commit_update)
        printed = ws.console.getvalue()  # type: ignore[attr-defined]
    assert "Investigating: old  title" in printed
    assert "\x1b" not in printed and "\x07" not in printed
