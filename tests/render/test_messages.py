"""Rendered built-in messages, stage by stage, in English and French (snapshot-style checks)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from incidentctl.model.records import EventKind, Stage, TimelineEvent
from incidentctl.render import build_context
from incidentctl.render.renderer import Renderer
from tests.render.builders import (
    NEXT_UPDATE,
    NOTES,
    NOW,
    STATUS_URL,
    make_incident,
    make_playbook,
    story,
)

MARKERS = {
    Stage.INVESTIGATING: "🔴",
    Stage.IDENTIFIED: "🟠",
    Stage.MONITORING: "🟡",
    Stage.RESOLVED: "✅",
}
APOLOGY = {"en": "sorry", "fr": "désolés"}


def rendered(language: str, stage: Stage, channel: str, fmt: str, **changes: Any) -> Any:
    playbook = make_playbook(language)
    incident, event, timeline = story(stage, **changes)
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    return Renderer(playbook, None).render(stage, channel, fmt, context)


def test_first_contact_in_english_reads_as_written() -> None:
    message = rendered("en", Stage.INVESTIGATING, "outbox", "chat")
    assert message.subject is None and message.html is None
    assert message.text == (
        "🔴 Investigating: Customer portal returning errors\n"
        "\n"
        "We are aware of a problem affecting Customer portal and Public API and are"
        " investigating it now. We don't know the cause yet; we will share what we learn as"
        " soon as we have it.\n"
        "\n"
        "Impact: About a third of customers cannot sign in.\n"
        "Nothing so far suggests that your data or the security of your account is affected.\n"
        "Workaround: Use the mobile app.\n"
        "Expected resolution: within the hour\n"
        "Started: 2025-12-19 14:00 CET\n"
        "Next update by 14:30 CET.\n"
        f"Follow the incident: {STATUS_URL}\n"
        "Reference: INC-20251219-0012"
    )


def test_first_contact_in_french_reads_as_written() -> None:
    message = rendered(
        "fr",
        Stage.INVESTIGATING,
        "outbox",
        "chat",
        title="Erreurs sur l'espace client",
        impact="Un tiers des clients ne peuvent plus se connecter",
        workaround="Passez par l'application mobile",
        eta="d'ici une heure",
    )
    nbsp = "\u00a0"
    assert message.text == (
        f"🔴 Incident en cours d'analyse{nbsp}: Erreurs sur l'espace client\n"
        "\n"
        "Nous avons connaissance d'un problème et nous l'analysons en ce moment même. La cause"
        f" n'est pas encore identifiée\u202f; nous vous tiendrons informés au fur et à mesure.\n"
        "\n"
        f"Services concernés{nbsp}: Customer portal et Public API\n"
        f"Impact{nbsp}: Un tiers des clients ne peuvent plus se connecter.\n"
        "Rien n'indique à ce stade que vos données ou la sécurité de votre compte soient"
        " concernées.\n"
        f"Solution de contournement{nbsp}: Passez par l'application mobile.\n"
        f"Résolution estimée{nbsp}: d'ici une heure\n"
        f"Début de l'incident{nbsp}: 2025-12-19 14:00 CET\n"
        "Prochain point au plus tard à 14:30.\n"
        f"Suivez l'incident{nbsp}: {STATUS_URL}\n"
        f"Référence{nbsp}: INC-20251219-0012"
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
def test_chat_message_carries_the_essentials(language: str, stage: Stage) -> None:
    text = rendered(language, stage, "outbox", "chat").text
    first_line = text.splitlines()[0]
    assert first_line.startswith(MARKERS[stage])
    assert "Customer portal returning errors" in first_line
    assert STATUS_URL in text
    assert "INC-20251219-0012" in text
    if stage is Stage.RESOLVED:
        assert APOLOGY[language] in text
        assert NOTES[stage] in text
        assert ("50m" if language == "en" else "50 min") in text
    else:
        assert NEXT_UPDATE[stage] in text
    if stage in (Stage.IDENTIFIED, Stage.MONITORING):
        assert NOTES[stage] in text
    for markup in ("**", "<", "](", "None"):
        assert markup not in text


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
def test_email_has_a_one_line_subject_a_text_and_an_html_part(language: str, stage: Stage) -> None:
    message = rendered(language, stage, "mail", "email")
    assert message.subject is not None and message.html is not None
    assert message.subject.startswith("[Acme Cloud] ")
    assert message.subject.endswith("Customer portal returning errors")
    assert "\n" not in message.subject
    heading, greeting = message.text.split("\n\n")[:2]
    assert heading.endswith(": Customer portal returning errors")
    assert greeting == ("Hello," if language == "en" else "Bonjour,")
    assert message.text.rstrip().endswith(
        "Acme Cloud team" if language == "en" else "L'équipe Acme Cloud"
    )
    assert "support@acme-cloud.example" in message.text
    assert message.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in message.html
    assert f'href="{STATUS_URL}"' in message.html
    assert "Customer portal returning errors" in message.html
    if stage is Stage.RESOLVED:
        assert APOLOGY[language] in message.text and APOLOGY[language] in message.html
    else:
        assert NEXT_UPDATE[stage] in message.text and NEXT_UPDATE[stage] in message.html


LONG = {
    "title": "Customer portal, public API and billing pages returning intermittent 502 errors",
    "impact": "Roughly a third of customers in the EU region cannot sign in to the customer"
    " portal, API calls fail intermittently, and invoices cannot be downloaded for now.",
    "workaround": "Urgent orders can still be placed from the mobile app or by calling the"
    " support hotline, which has extra staff today.",
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("channel", ["sms", "outbox"])
def test_short_message_fits_280_characters(language: str, stage: Stage, channel: str) -> None:
    long_note = "We traced it to a configuration change on the load balancers " * 6
    playbook = make_playbook(language)
    incident, event, timeline = story(stage, **LONG)
    event = replace(event, message=long_note)
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    text = Renderer(playbook, None).render(stage, channel, "short", context).text
    assert len(text) <= 280, text
    assert "\n" not in text
    assert text.endswith(STATUS_URL)
    assert text.startswith("[Acme Cloud] ") == (channel == "sms")
    assert not any(ord(char) > 0x2000 for char in text), "no emoji or typographic marks"
    if stage is Stage.RESOLVED:
        assert ("sorry" if language == "en" else "excuses") in text
    else:
        assert NEXT_UPDATE[stage] in text


def test_short_message_without_optional_fields() -> None:
    message = rendered("en", Stage.INVESTIGATING, "outbox", "short", impact="", workaround="")
    assert message.text == (
        f"Investigating: Customer portal returning errors. Next update by 14:30 CET. {STATUS_URL}"
    )


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize(
    ("channel", "fmt"), [("outbox", "chat"), ("sms", "short"), ("mail", "email")]
)
def test_empty_optional_fields_leave_no_dangling_label(
    language: str, stage: Stage, channel: str, fmt: str
) -> None:
    playbook = make_playbook(language, organization={"name": "Acme Cloud", "language": language})
    incident, event, timeline = story(stage, impact="", workaround="", eta="", roles={})
    incident.components = {}
    event = replace(event, message="")
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    message = Renderer(playbook, None).render(stage, channel, fmt, context)
    everything = "\n".join(filter(None, [message.subject, message.text, message.html]))
    for label in (
        "Impact",
        "Workaround",
        "contournement",
        "Expected resolution",
        "Résolution estimée",
        "Follow the incident",
        "Suivez l'incident",
        "Questions?",
        "question",
        "affecting",
        "concernés",
        "None",
        "http",
    ):
        assert label not in everything, (label, everything)
    assert "  " not in message.text
    assert "\n\n\n" not in message.text


def test_updates_without_news_say_so() -> None:
    playbook = make_playbook("en")
    incident = make_incident()
    declared = TimelineEvent(
        incident.id, EventKind.DECLARED, incident.declared_at, message=incident.impact
    )
    routine = TimelineEvent(incident.id, EventKind.UPDATE, NOW, message="")
    context = build_context(playbook, incident, routine, now=NOW, timeline=[declared, routine])
    text = Renderer(playbook, None).render(Stage.INVESTIGATING, "outbox", "chat", context).text
    assert "We are still investigating" in text
    assert "Nothing new to report yet" in text


def test_a_second_message_in_the_same_stage_does_not_announce_it_again() -> None:
    playbook = make_playbook("en")
    incident, _, timeline = story(Stage.IDENTIFIED)
    later = TimelineEvent(incident.id, EventKind.UPDATE, NOW, message="Rollback at 60%")
    context = build_context(playbook, incident, later, now=NOW, timeline=[*timeline, later])
    text = Renderer(playbook, None).render(Stage.IDENTIFIED, "outbox", "chat", context).text
    assert "We are still working on the fix" in text
    assert "We have found the cause" not in text
    assert "Rollback at 60%." in text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_internal_channels_show_severity_and_roles_public_ones_do_not(language: str) -> None:
    internal = rendered(language, Stage.IDENTIFIED, "room", "chat").text
    public = rendered(language, Stage.IDENTIFIED, "outbox", "chat").text
    assert "sev1 (Critical)" in internal and "@jordan" in internal
    assert "sev1" not in public and "@jordan" not in public


@pytest.mark.parametrize("language", ["en", "fr"])
def test_security_incidents_say_how_data_is_handled(language: str) -> None:
    text = rendered(language, Stage.INVESTIGATING, "outbox", "chat", category="security").text
    assert ("security incident" if language == "en" else "« Security »") in text.replace(
        "\u00a0", " "
    )
    assert ("Nothing so far suggests" if language == "en" else "Rien n'indique") not in text


def test_resolution_promises_a_review_when_the_severity_requires_one() -> None:
    text = rendered("en", Stage.RESOLVED, "outbox", "chat").text
    assert "We will publish a review" in text
    assert "The incident lasted 50m, from 14:00 to 14:50." in text
    minor = rendered("en", Stage.RESOLVED, "outbox", "chat", severity="sev2").text
    assert "review" not in minor
