"""The status site's own words, in English and French (the playbook's language)."""

from __future__ import annotations

from collections.abc import Mapping

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "lang": "en",
        "title": "{org} status",
        "description": "Current status, incidents and uptime of {org}'s services.",
        "overall.operational": "All systems operational",
        "overall.degraded_performance": "Some systems have degraded performance",
        "overall.partial_outage": "Partial outage",
        "overall.major_outage": "Major outage",
        "overall.under_maintenance": "Under maintenance",
        "components": "Components",
        "active": "Current incidents",
        "latest": "Latest update",
        "impact": "Impact",
        "workaround": "Workaround",
        "eta": "Expected resolution",
        "affected": "Affected",
        "maintenance": "Upcoming maintenance",
        "no_maintenance": "No maintenance scheduled.",
        "uptime": "Uptime, last 90 days",
        "days_ago": "90 days ago",
        "today": "Today",
        "avail": "{pct} over 30 days, {pct90} over 90 days (target {target})",
        "no_data": "no data",
        "day_detail": "Days with incidents",
        "no_incident_day": "no incident",
        "past": "Past incidents",
        "no_past": "No incident reported in the last 15 days.",
        "history": "Incident history",
        "timeline": "Timeline",
        "declared": "Declared",
        "resolved_at": "Resolved",
        "duration": "Duration",
        "ongoing": "ongoing",
        "postmortem": "Postmortem",
        "back": "All systems",
        "feeds": "Subscribe",
        "feed_atom": "Atom feed",
        "feed_rss": "RSS feed",
        "times_in": "Times in {zone}",
        "updated": "Updated {when}",
        "banner": "Incident in progress: {name}",
        "more": "More information",
        "eta_short": "ETA",
        "incident_feed": "{org} incidents",
        "component_feed": "{org} incidents: {component}",
        "all_good": "All good",
    },
    "fr": {
        "lang": "fr",
        "title": "État des services {org}",
        "description": "État actuel, incidents et disponibilité des services {org}.",
        "overall.operational": "Tous les services fonctionnent normalement",
        "overall.degraded_performance": "Certains services sont ralentis",
        "overall.partial_outage": "Panne partielle",
        "overall.major_outage": "Panne majeure",
        "overall.under_maintenance": "Maintenance en cours",
        "components": "Services",
        "active": "Incidents en cours",
        "latest": "Dernier point",
        "impact": "Impact",
        "workaround": "Solution de contournement",
        "eta": "Rétablissement prévu",
        "affected": "Concernés",
        "maintenance": "Maintenances prévues",
        "no_maintenance": "Aucune maintenance prévue.",
        "uptime": "Disponibilité sur 90 jours",
        "days_ago": "il y a 90 jours",
        "today": "Aujourd'hui",
        "avail": "{pct} sur 30 jours, {pct90} sur 90 jours (objectif {target})",
        "no_data": "pas de données",
        "day_detail": "Jours avec incident",
        "no_incident_day": "aucun incident",
        "past": "Incidents passés",
        "no_past": "Aucun incident signalé ces 15 derniers jours.",
        "history": "Historique des incidents",
        "timeline": "Chronologie",
        "declared": "Déclaré",
        "resolved_at": "Résolu",
        "duration": "Durée",
        "ongoing": "en cours",
        "postmortem": "Analyse post-incident",
        "back": "Tous les services",
        "feeds": "S'abonner",
        "feed_atom": "Flux Atom",
        "feed_rss": "Flux RSS",
        "times_in": "Heures : {zone}",
        "updated": "Mis à jour {when}",
        "banner": "Incident en cours : {name}",
        "more": "En savoir plus",
        "eta_short": "Rétablissement prévu",
        "incident_feed": "Incidents {org}",
        "component_feed": "Incidents {org} : {component}",
        "all_good": "Tout va bien",
    },
}


def words(language: str) -> Mapping[str, str]:
    return WORDS["fr" if language == "fr" else "en"]


def percent(value: float | None, language: str) -> str:
    """`99.95 %` (`99,95 %` in French); `—` when there is nothing to count."""
    if value is None:
        return "—"
    text = f"{value:.2f}"
    return (text.replace(".", ",") if language == "fr" else text) + "\u00a0%"
