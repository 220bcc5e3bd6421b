"""Rendered built-in messages, stage by stage, in English and French (snapshot-style checks)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from incidentctl.model.records import ComponentStatus, EventKind, Stage, TimelineEvent
from incidentctl.render import build_context
from incidentctl.render.environment import plain
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
        "We are aware of a problem and are investigating it now. We don't know the cause yet;"
        " we will share what we learn as soon as we have it.\n"
        "\n"
        "Affected: Customer portal and Public API\n"
        "Impact: About a third of customers cannot sign in.\n"
        "Workaround: Use the mobile app.\n"
        "Expected resolution: within the hour\n"
        "Started: 14:00 CET\n"
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
        f"Solution de contournement{nbsp}: Passez par l'application mobile.\n"
        f"Résolution estimée{nbsp}: d'ici une heure\n"
        f"Début de l'incident{nbsp}: 14{nbsp}h (heure de Paris)\n"
        f"Prochain point au plus tard à 14{nbsp}h{nbsp}30 (heure de Paris).\n"
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
        assert ("50 minutes" if language == "en" else "50\u00a0min") in text
    else:
        assert NEXT_UPDATE[language][stage] in text
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
        promised = NEXT_UPDATE[language][stage]
        assert promised in message.text and promised in message.html


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
    assert "\u00a0" not in text and "\u202f" not in text, "plain spaces for the SMS alphabet"
    if stage is Stage.RESOLVED:
        assert ("sorry" if language == "en" else "excuses") in text
    else:
        assert plain(NEXT_UPDATE[language][stage]) in text


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
        "Affected",
        "recovered",
        "concernés",
        "rétabli",
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
    # the name first in French: « Gravité : sev1 (Critique) » reads as a wrong agreement
    severity = "sev1 (Critical)" if language == "en" else "Gravité\u00a0: Critical (sev1)"
    assert severity in internal and "@jordan" in internal
    assert "sev1" not in public and "@jordan" not in public


REASSURANCES = (
    "Nothing so far suggests",
    "We have no indication",
    "We found no sign",
    "no sign that",
    "Rien n'indique",
    "aucune perte ni exposition",
    "aucun signe",
)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize(("channel", "fmt"), [("outbox", "chat"), ("mail", "email")])
def test_data_is_never_said_safe_by_default(
    language: str, stage: Stage, channel: str, fmt: str
) -> None:
    for data_safe in (None, False):
        message = rendered(language, stage, channel, fmt, data_safe=data_safe)
        everything = "\n".join(filter(None, [message.text, message.html]))
        assert not [r for r in REASSURANCES if r in everything], everything
        assert "Security and data" not in everything and "Sécurité et données" not in everything


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize(("channel", "fmt"), [("outbox", "chat"), ("mail", "email")])
def test_data_said_safe_once_confirmed(language: str, stage: Stage, channel: str, fmt: str) -> None:
    message = rendered(language, stage, channel, fmt, data_safe=True)
    expected = {
        ("en", Stage.INVESTIGATING): "Nothing so far suggests that your data or the security",
        ("en", Stage.IDENTIFIED): "We have no indication that your data or the security",
        ("en", Stage.MONITORING): "We have no indication that your data or the security",
        ("en", Stage.RESOLVED): "We found no sign that any data was lost or exposed.",
        ("fr", Stage.INVESTIGATING): "Rien n'indique à ce stade que vos données ou la sécurité",
        ("fr", Stage.IDENTIFIED): "Rien n'indique que vos données ou la sécurité",
        ("fr", Stage.MONITORING): "Rien n'indique que vos données ou la sécurité",
        ("fr", Stage.RESOLVED): "Nous n'avons constaté aucune perte ni exposition de données.",
    }[language, stage]
    assert expected in message.text
    assert message.html is None or expected in message.html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_security_incident_confirmed_safe_says_both(language: str) -> None:
    text = rendered(
        language, Stage.INVESTIGATING, "outbox", "chat", category="security", data_safe=True
    ).text
    if language == "en":
        assert (
            "Security and data: we are handling this as a security incident, with the highest"
            " priority. Nothing so far suggests that your data is affected; if that changes, we"
            " will tell you directly.\n"
        ) in text
    else:
        nb, nnb = "\u00a0", "\u202f"
        assert (
            f"Sécurité et données{nb}: nous traitons cet incident en priorité absolue, comme un"
            f" incident de type «{nb}Security{nb}». Rien n'indique à ce stade que vos données"
            f" soient concernées{nnb}; si cela change, nous vous le dirons directement.\n"
        ) in text


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
    assert "The incident lasted 50 minutes, from 14:00 to 14:50 CET." in text
    minor = rendered("en", Stage.RESOLVED, "outbox", "chat", severity="sev2").text
    assert "review" not in minor


def test_past_midnight_every_time_names_its_day_and_zone() -> None:
    # declared at 23:40 in Paris, the update goes out at 00:10 the next day
    start = datetime(2025, 12, 1, 22, 40, tzinfo=UTC)
    later = start + timedelta(minutes=30)
    incident = make_incident(
        declared_at=start, updated_at=later, next_update_due=later + timedelta(minutes=30)
    )
    declared = TimelineEvent(incident.id, EventKind.DECLARED, start, message=incident.impact)
    routine = TimelineEvent(incident.id, EventKind.UPDATE, later, message="Still on it")
    texts = {}
    for language in ("en", "fr"):
        playbook = make_playbook(language)
        context = build_context(
            playbook, incident, routine, now=later, timeline=[declared, routine]
        )
        texts[language] = (
            Renderer(playbook, None).render(Stage.INVESTIGATING, "outbox", "chat", context).text
        )
    assert "Started: Monday 1 December at 23:40 CET\n" in texts["en"]
    assert "Next update by 00:40 CET.\n" in texts["en"]
    nb = "\u00a0"
    assert (
        f"Début de l'incident{nb}: lundi 1er{nb}décembre à 23{nb}h{nb}40 (heure de Paris)\n"
        in (texts["fr"])
    )
    assert f"Prochain point au plus tard à 0{nb}h{nb}40 (heure de Paris).\n" in texts["fr"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_resolution_says_how_long_in_words_and_from_when_in_which_zone(language: str) -> None:
    start = datetime(2025, 12, 19, 18, 46, tzinfo=UTC)  # 19:46 in Paris
    end = start + timedelta(minutes=36)
    incident = make_incident(
        declared_at=start,
        updated_at=end,
        status=Stage.RESOLVED,
        resolved_at=end,
        next_update_due=None,
    )
    event = TimelineEvent(incident.id, EventKind.RESOLVED, end, message="Fixed")
    playbook = make_playbook(language)
    context = build_context(playbook, incident, event, now=end, timeline=[event])
    message = Renderer(playbook, None).render(Stage.RESOLVED, "mail", "email", context)
    chat = Renderer(playbook, None).render(Stage.RESOLVED, "outbox", "chat", context).text
    nb = "\u00a0"
    if language == "en":
        assert "The incident lasted 36 minutes, from 19:46 to 20:22 CET." in chat
        assert "It lasted 36 minutes, from 19:46 to 20:22 CET." in message.text
        assert "Resolved after 36 minutes." in (message.html or "")
    else:
        period = f"de 19{nb}h{nb}46 à 20{nb}h{nb}22 (heure de Paris)"
        assert f"L'incident a duré 36{nb}min, {period}." in chat
        assert f"Il a duré 36{nb}min, {period}." in message.text
        assert f"Incident résolu en 36{nb}min." in (message.html or "")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("stage", list(Stage))
def test_short_message_fits_even_when_the_next_update_is_another_day(
    language: str, stage: Stage
) -> None:
    # the longest day names, a zone with a long French name, long fields and note
    playbook = make_playbook(
        language,
        organization={
            "name": "Acme Cloud",
            "language": language,
            "timezone": "Europe/Luxembourg",
            "status_page_url": STATUS_URL,
        },
    )
    incident, event, timeline = story(stage, **LONG)
    if stage is not Stage.RESOLVED:
        incident.next_update_due = datetime(2026, 9, 30, 21, 59, tzinfo=UTC)  # a Wednesday
    event = replace(event, message="We traced it to a configuration change " * 6)
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    text = Renderer(playbook, None).render(stage, "sms", "short", context).text
    assert len(text) <= 280, text
    if stage is not Stage.RESOLVED:
        assert ("Wednesday 30 September 2026" if language == "en" else "mercredi 30 septembre") in (
            text
        )


def _recovering(language: str, fmt: str, channel: str, **statuses: ComponentStatus) -> Any:
    playbook = make_playbook(language)
    incident, event, timeline = story(Stage.MONITORING)
    incident.components = dict(statuses)
    context = build_context(playbook, incident, event, now=NOW, timeline=timeline)
    return Renderer(playbook, None).render(Stage.MONITORING, channel, fmt, context)


def test_a_component_back_to_operational_has_recovered_and_is_no_longer_affected() -> None:
    states = {"portal": ComponentStatus.OPERATIONAL, "api": ComponentStatus.DEGRADED_PERFORMANCE}
    chat = _recovering("en", "chat", "outbox", **states).text
    assert "come back.\nCustomer portal has recovered.\n" in chat
    assert "Still affected: Public API\n" in chat
    assert "Impact until the fix: About a third of customers cannot sign in." in chat
    email = _recovering("en", "email", "mail", **states)
    assert "Customer portal has recovered." in email.text
    assert "Still affected:\n- Public API: Degraded performance\n" in email.text
    assert "Customer portal: Operational" not in email.text
    assert "Customer portal has recovered." in (email.html or "")
    assert "Customer portal, Public API" not in (email.html or "")
    nb = "\u00a0"
    chat = _recovering("fr", "chat", "outbox", **states).text
    assert (
        f"Services encore concernés{nb}: Public API\nService rétabli{nb}: Customer portal\n" in chat
    )
    assert f"Impact avant le correctif{nb}: " in chat
    email = _recovering("fr", "email", "mail", **states)
    assert f"- Public API{nb}: Performances dégradées\nService rétabli{nb}: Customer portal\n" in (
        email.text
    )
    assert "Opérationnel" not in email.text
    assert "Service rétabli" in (email.html or "")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_when_every_component_has_recovered_none_is_listed_as_affected(language: str) -> None:
    states = {"portal": ComponentStatus.OPERATIONAL, "api": ComponentStatus.OPERATIONAL}
    text = _recovering(language, "chat", "outbox", **states).text
    if language == "en":
        assert "Customer portal and Public API have recovered." in text
        assert "affected" not in text.replace("is affected", "")
    else:
        assert "Services rétablis\u00a0: Customer portal et Public API" in text
        assert "Services encore concernés" not in text
