"""The support desk in the app layer: who gets the brief, what public channels never see,
reports linked once, the clipboard found, lint."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from incidentctl.app.brief import current_brief
from incidentctl.app.clipboard import copy_to_clipboard, find_clipboard
from incidentctl.app.declare import commit_declare, plan_declare
from incidentctl.app.incidents import commit_update, plan_update
from incidentctl.app.reports import link_report
from incidentctl.app.site.record import public_channels
from incidentctl.app.targets import select_targets
from incidentctl.lint.linter import lint_playbook
from incidentctl.model.records import EventKind, Stage, TimelineEvent
from incidentctl.playbook.loader import load_playbook
from incidentctl.render import Renderer, sample_context
from incidentctl.render.events import Describer
from tests.helpers import PLAYBOOK, workspace, write_playbook

DESK = """\
  desk:
    type: console
    audience: support
    severities: [sev1]
"""
WITH_DESK = PLAYBOOK.format(language="en").replace("values:\n", DESK + "values:\n", 1)
NOW = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)


def test_the_desk_is_told_every_stage_its_own_filters_accept(tmp_path: Path) -> None:
    playbook = load_playbook(write_playbook(tmp_path, WITH_DESK)).playbook
    # no severity lists `desk` in notify: its audience is enough
    for stage in Stage:
        assert "desk" in [t.channel for t in select_targets(playbook, stage, "sev1")]
    # its `severities:` still filter it
    assert "desk" not in [t.channel for t in select_targets(playbook, Stage.RESOLVED, "sev2")]
    assert public_channels(playbook) == {"outbox"}


def test_public_channels_never_get_the_reports(tmp_path: Path) -> None:
    """Even a playbook's own public template that prints `reports` and the timeline shows no
    ticket nor customer."""
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "resolved.chat.j2").write_text(
        "{{ reports|length }} {% for e in timeline %}{{ e.kind }}:{{ e.message }} {% endfor %}\n",
        encoding="utf-8",
    )
    text = WITH_DESK.replace("values:\n", "templates: tpl\nvalues:\n", 1)
    playbook = load_playbook(write_playbook(tmp_path, text)).playbook
    renderer = Renderer(playbook, folder)
    context = sample_context(playbook, Stage.RESOLVED, now=NOW)
    assert [r["ticket"] for r in context["reports"]] == ["T-4821", "T-4822"]
    public = renderer.render(Stage.RESOLVED, "outbox", "chat", context).text
    assert public.startswith("0 declared:") and "T-48" not in public
    internal = renderer.render(Stage.RESOLVED, "room", "chat", context).text
    assert internal.startswith("2 declared:") and "customer_report:T-4821" in internal
    brief = renderer.render(Stage.RESOLVED, "desk", "chat", context).text
    assert "Customer reports to close (2):" in brief and "- T-4821 · Globex · phone" in brief


def test_a_support_email_is_plain_text_with_its_own_subject(tmp_path: Path) -> None:
    playbook = load_playbook(write_playbook(tmp_path, WITH_DESK)).playbook
    renderer = Renderer(playbook, None)
    context = sample_context(playbook, Stage.IDENTIFIED, now=NOW)
    names = renderer.template_names(Stage.IDENTIFIED, "desk", "email")
    assert names == {
        "subject": "identified.support-subject.j2",
        "text": "identified.support.j2",
    }
    message = renderer.render(Stage.IDENTIFIED, "desk", "email", context)
    assert (
        message.subject
        == f"[Support brief] {context['incident']['id']} · Identified: "
        + (context["incident"]["title"])
    )
    assert message.html is None and "has found the cause" in message.text


def test_reports_are_linked_once_and_listed_at_the_resolution(tmp_path: Path) -> None:
    with workspace(tmp_path, WITH_DESK) as ws:
        incident = commit_declare(ws, plan_declare(ws, "sev1", "API down"))
        first = link_report(ws, None, "T-1", customer="Globex", via="Phone")
        again = link_report(ws, incident.id, " t-1 ", customer="Other")
        assert not first.already_linked and first.count == 1
        assert again.already_linked and again.event.id == first.event.id and again.count == 1
        # an escape sequence typed with the ticket goes, whole
        second = link_report(ws, None, "T-2\x1b[2J")
        assert second.event.data == {"ticket": "T-2", "customer": "", "via": ""}
        kinds = [e.kind for e in ws.store.timeline(incident.id)]
        assert kinds.count(EventKind.CUSTOMER_REPORT) == 2
        # a report changes no state that messages or the cadence read
        stored = ws.store.get_incident(incident.id)
        assert stored is not None and stored.updated_at == incident.updated_at
        resolution = plan_update(ws, None, "Back to normal", resolve=True)
        texts = {d.channel: d.message.text for d in resolution.deliveries}
        assert "- T-1 · Globex · phone · 14:00" in texts["desk"]
        assert "- T-2 · 14:00" in texts["room"]
        assert "T-1" not in texts["outbox"] and "Globex" not in texts["outbox"]
        commit_update(ws, resolution)


def test_the_brief_follows_the_latest_update(tmp_path: Path) -> None:
    with workspace(tmp_path, WITH_DESK) as ws:
        commit_declare(ws, plan_declare(ws, "sev1", "API down", impact="Calls fail"))
        plan = plan_update(ws, None, "Failing over", eta="by 15:00", status="monitoring")
        delivered = {d.channel: d.message.text for d in plan.deliveries}["desk"]
        commit_update(ws, plan)
        brief = current_brief(ws, None)
        assert brief.text == delivered
        assert "Expected resolution: by 15:00" in brief.text and "A fix is in place" in brief.text
        french = current_brief(ws, None, "FR")
        assert french.language == "fr" and "Résolution estimée\u00a0: by 15:00" in french.text


def test_the_clipboard_needs_its_display(tmp_path: Path) -> None:
    for name in ("wl-copy", "xsel", "pbcopy"):
        program = tmp_path / name
        program.write_text("#!/bin/sh\n", encoding="utf-8")
        program.chmod(0o755)
    path = str(tmp_path)
    assert find_clipboard({"PATH": path}) == ("pbcopy", [str(tmp_path / "pbcopy")])
    assert find_clipboard({"PATH": path, "DISPLAY": ":0"}) == (
        "xsel",
        [str(tmp_path / "xsel"), "--clipboard", "--input"],
    )
    assert find_clipboard({"PATH": path, "WAYLAND_DISPLAY": "w-0", "DISPLAY": ":0"}) == (
        "wl-copy",
        [str(tmp_path / "wl-copy")],
    )
    assert find_clipboard({"PATH": str(tmp_path / "nothing")}) is None


def test_a_clipboard_that_hangs_is_a_note_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "pbcopy").write_text("#!/bin/sh\n", encoding="utf-8")
    (tmp_path / "pbcopy").chmod(0o755)

    def hangs(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    copied = copy_to_clipboard("brief", {"PATH": str(tmp_path)}, run=hangs)
    assert copied.program is None and copied.error == "pbcopy did not finish within 5 s"


def test_lint_knows_the_support_audience_and_templates(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    # an override of a support template is used; a misspelt one is not
    (folder / "investigating.support.j2").write_text("Brief {{ incident.id }}\n", "utf-8")
    (folder / "investigating.suport.j2").write_text("x\n", encoding="utf-8")
    (folder / "resolved.support.j2").write_text("{{ incident.tittle }}\n", encoding="utf-8")
    text = WITH_DESK.replace("values:\n", "templates: tpl\nvalues:\n", 1)
    problems = lint_playbook(write_playbook(tmp_path, text))
    found = {(p.rule, Path(p.file).name) for p in problems}
    assert ("unused-template", "investigating.suport.j2") in found
    assert ("template-render", "resolved.support.j2") in found
    assert [p.file for p in problems if p.rule == "unused-template"] == [
        str(folder / "investigating.suport.j2")
    ]
    # a desk no severity names is not an unused channel
    assert not any(p.rule == "unused-channel" for p in problems)
    bad = lint_playbook(write_playbook(tmp_path, WITH_DESK.replace("support\n", "agents\n", 1)))
    assert any(p.rule == "schema" and "'internal', 'public' or 'support'" in p.message for p in bad)


def test_the_timeline_says_how_the_customer_called_in_its_language(tmp_path: Path) -> None:
    playbook = load_playbook(write_playbook(tmp_path, language="fr")).playbook
    data = {"ticket": "T-1", "customer": "Globex", "via": "phone"}
    event = TimelineEvent("INC-1", EventKind.CUSTOMER_REPORT, NOW, "T-1 (Globex, phone)", data)
    assert Describer(playbook, "fr")(event) == "T-1 (Globex, téléphone)"
    bare = TimelineEvent("INC-1", EventKind.CUSTOMER_REPORT, NOW, "T-2", {"ticket": "T-2"})
    assert Describer(playbook, "en")(bare) == "T-2"
