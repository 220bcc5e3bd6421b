"""The postmortem document: facts from the timeline, blameless sections to fill in."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.model.records import Stage
from incidentctl.render import Renderer, build_context, sample_context
from tests.render.builders import NOW, declared_event, make_incident, make_playbook, story

SECTIONS = {
    "en": [
        "# Postmortem: ",
        "## Summary",
        "## Impact",
        "## Key times (Europe/Paris)",
        "## Timeline (Europe/Paris)",
        "## Roles",
        "## Root cause and contributing factors",
        "## What went well",
        "## What went badly",
        "## Where we got lucky",
        "## Action items",
        "| Action | Owner | Due | Tracking |",
        "blameless",
    ],
    "fr": [
        "# Post-mortem\u00a0: ",
        "## Résumé",
        "## Impact",
        "## Heures clés (Europe/Paris)",
        "## Chronologie (Europe/Paris)",
        "## Rôles",
        "## Cause racine et facteurs contributifs",
        "## Ce qui a bien fonctionné",
        "## Ce qui a mal fonctionné",
        "## Là où nous avons eu de la chance",
        "## Actions",
        "| Action | Responsable | Échéance | Suivi |",
        "sans reproche",
    ],
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_postmortem_has_every_section_in_order(language: str) -> None:
    playbook = make_playbook(language)
    incident, event, timeline = story(Stage.RESOLVED)
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    document = Renderer(playbook, None).render_postmortem(context)
    positions = [document.index(section) for section in SECTIONS[language]]
    assert positions[:-1] == sorted(positions[:-1])
    assert document.endswith("\n") and not document.endswith("\n\n")
    assert "INC-20251219-0012" in document
    assert "Customer portal returning errors" in document
    assert "About a third of customers cannot sign in" in document
    assert "| Incident commander | @jordan |" in document
    # every timeline event is a row, in the organization's time
    assert "| 2025-12-19 14:00 |" in document
    assert "| 2025-12-19 14:50 |" in document
    assert "Caused by a load-balancer configuration change, now reverted" in document
    assert (
        "| Time to resolve | 50m |" if language == "en" else "| Délai de résolution | 50 min |"
    ) in document


def test_table_cells_survive_pipes_and_line_breaks() -> None:
    playbook = make_playbook()
    incident, event, timeline = story(Stage.RESOLVED)
    event.message = "Fixed | rolled back\nand verified"
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    document = Renderer(playbook, None).render_postmortem(context)
    assert "Fixed \\| rolled back<br>and verified |" in document


def test_postmortem_of_an_incident_without_timeline_or_roles() -> None:
    playbook = make_playbook()
    incident = make_incident(roles={}, impact="", workaround="", components={})
    context = build_context(playbook, incident, declared_event(incident), now=NOW)
    document = Renderer(playbook, None).render_postmortem(context)
    assert "| Incident declared | Customer portal returning errors |" in document
    assert "_which customers, how many, which journeys_" in document
    assert "| Cause identified | — |" in document
    assert "Components" not in document


def test_playbook_folder_overrides_the_postmortem(tmp_path: Path) -> None:
    (tmp_path / "postmortem.md.j2").write_text("# {{ incident.id }}\n\n\n", encoding="utf-8")
    playbook = make_playbook()
    context = sample_context(playbook, Stage.RESOLVED, now=NOW)
    assert Renderer(playbook, tmp_path).render_postmortem(context) == "# INC-20251219-0012\n"
