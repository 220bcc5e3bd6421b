"""A complete, realistic sample incident, so lint and previews exercise every template line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from incidentctl.model.records import ComponentStatus, EventKind, Incident, Stage, TimelineEvent
from incidentctl.playbook.schema import Playbook
from incidentctl.render.context import build_context
from incidentctl.render.times import aware

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Customer portal and API returning errors",
        "impact": "About a third of customers cannot sign in to the customer portal, and API"
        " calls fail intermittently with 502 errors.",
        "workaround": "Urgent requests can still be made from the mobile app or through the"
        " support hotline.",
        "eta": "within the hour",
        "update": "Error rates rose sharply at 13:50; we are checking the load balancers and"
        " the latest deployment.",
        "identified": "A configuration change on our load balancers is rejecting part of the"
        " traffic. We are rolling it back.",
        "monitoring": "The change has been rolled back and error rates are back to normal.",
        "resolved": "The portal and the API have been working normally for 30 minutes. The"
        " cause was a load-balancer configuration change, now reverted.",
    },
    "fr": {
        "title": "Erreurs sur l'espace client et l'API",
        "impact": "Environ un tiers des clients ne peuvent plus se connecter à l'espace client,"
        " et les appels à l'API échouent par intermittence (erreurs 502).",
        "workaround": "Les demandes urgentes restent possibles depuis l'application mobile ou"
        " par la hotline.",
        "eta": "d'ici une heure",
        "update": "Le taux d'erreurs a fortement augmenté à 13:50 ; nous vérifions les"
        " répartiteurs de charge et le dernier déploiement.",
        "identified": "Une modification de configuration de nos répartiteurs de charge rejette"
        " une partie du trafic. Nous l'annulons.",
        "monitoring": "La modification a été annulée et le taux d'erreurs est revenu à la normale.",
        "resolved": "L'espace client et l'API fonctionnent normalement depuis 30 minutes. En"
        " cause : une modification de configuration des répartiteurs de charge, annulée depuis.",
    },
}

_FALLBACK_COMPONENTS = ("portal", "api")
_REPORTS = (("T-4821", "Globex", "phone"), ("T-4822", "Initech", "ticket"))
_STATUSES = (ComponentStatus.MAJOR_OUTAGE, ComponentStatus.DEGRADED_PERFORMANCE)


def sample_texts(playbook: Playbook) -> dict[str, str]:
    """The sample's texts: the playbook's `sample:` over the built-in ones of its language."""
    return {**_TEXTS.get(playbook.organization.language, _TEXTS["en"]), **playbook.sample.texts()}


def sample_moment(playbook: Playbook) -> datetime:
    """The fixed moment of the playbook's sample (`sample.at`, naive = the organization's
    local time), in UTC."""
    at = playbook.sample.at
    if at.tzinfo is None:
        at = at.replace(tzinfo=playbook.organization.tz)
    return at.astimezone(UTC)


def sample_context(
    playbook: Playbook,
    stage: Stage,
    *,
    now: datetime,
    severity_id: str | None = None,
    texts: dict[str, str] | None = None,
    handle: str | None = None,
    every_component: bool = False,
    category: str | None = None,
) -> dict[str, Any]:
    """The context of a sample incident at `stage`: every optional field filled, two
    components (one recovered at monitoring), every role held, a zero-tolerance category, data
    confirmed safe (unless the category rules it out), a timeline up to `stage`.

    The severity is `severity_id` (default: the first); `texts` replace the playbook's sample
    texts, `handle` every role's holder, and `every_component` lists all the playbook's
    components (the longest message), not two. `category` is a category id or "" for none
    (default: the playbook's first category, so that its lines are shown too).
    """
    stage = Stage(stage)
    texts = {**sample_texts(playbook), **(texts or {})}
    now = aware(now).astimezone(UTC)
    severity = playbook.severity(severity_id or "") or playbook.severities[0]
    resolved = stage is Stage.RESOLVED

    component_ids = list(playbook.components)[:2]
    component_ids += [c for c in _FALLBACK_COMPONENTS if c not in component_ids]
    statuses: tuple[ComponentStatus, ...] = _STATUSES
    if every_component and len(playbook.components) > 2:
        component_ids = list(playbook.components)
        statuses = (ComponentStatus.MAJOR_OUTAGE,) * len(component_ids)
    components = {
        cid: ComponentStatus.OPERATIONAL if resolved else status
        for cid, status in zip(component_ids[: len(statuses)], statuses, strict=True)
    }
    if stage is Stage.MONITORING:  # once the fix is in, one has recovered, one is still slow
        components[component_ids[1]] = ComponentStatus.OPERATIONAL
    roles = {rid: handle or role.default or f"@{rid}" for rid, role in playbook.roles.items()}
    if not roles:
        roles = {"commander": handle or "@alex"}
    if category is None:
        category = next(iter(playbook.categories), "security")
    rule = playbook.categories.get(category)
    # the reassurance too, unless the category rules it out
    data_safe = rule.data_safe if rule is not None and rule.data_safe is not None else True

    # first contact at declaration, a routine update 8 minutes later, then one stage every
    # 15 minutes; the announced event is the latest one, at `now`
    steps = list(Stage)[: list(Stage).index(stage) + 1]
    start = now - timedelta(minutes=15 * (len(steps) - 1))
    incident_id = playbook.format_id(start.astimezone(playbook.organization.tz).date(), 12)
    timeline = [
        TimelineEvent(incident_id, EventKind.DECLARED, start, message=texts["impact"]),
    ]
    if len(steps) > 1:
        timeline.append(
            TimelineEvent(
                incident_id, EventKind.UPDATE, start + timedelta(minutes=8), message=texts["update"]
            )
        )
    for index, step in enumerate(steps[1:], start=1):
        at = start + timedelta(minutes=15 * index)
        if step is Stage.RESOLVED:
            timeline.append(
                TimelineEvent(incident_id, EventKind.RESOLVED, at, message=texts["resolved"])
            )
            continue
        timeline.append(
            TimelineEvent(
                incident_id,
                EventKind.STATUS_CHANGE,
                at,
                data={"from": steps[index - 1].value, "to": step.value},
            )
        )
        message = texts.get(step.value, texts["update"])
        timeline.append(TimelineEvent(incident_id, EventKind.UPDATE, at, message=message))
    # after the first message, two customers reached the support desk
    for minutes, (ticket, customer, via) in enumerate(_REPORTS if len(steps) > 1 else (), 4):
        report = TimelineEvent(
            incident_id,
            EventKind.CUSTOMER_REPORT,
            start + timedelta(minutes=minutes),
            message=ticket,
            data={"ticket": ticket, "customer": customer, "via": via},
        )
        timeline.insert(minutes - 3, report)
    for number, item in enumerate(timeline, start=1):
        item.id = number
    event = timeline[-1]
    incident = Incident(
        id=incident_id,
        title=texts["title"],
        severity=severity.id,
        status=stage,
        declared_at=start,
        updated_at=event.at,
        impact=texts["impact"],
        workaround=texts["workaround"],
        eta=texts["eta"],
        category=category,
        components=components,
        roles=roles,
        next_update_due=None if resolved else event.at + severity.cadence,
        resolved_at=event.at if resolved else None,
        data_safe=data_safe,
    )
    first_sent = start + timedelta(minutes=2)
    return build_context(
        playbook, incident, event, now=now, timeline=timeline, first_sent=first_sent
    )
