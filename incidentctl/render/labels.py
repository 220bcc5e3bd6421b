"""Localized labels for statuses, component states and timeline events (en, fr)."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("en", "fr")

STATUS_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "investigating": "Investigating",
        "identified": "Identified",
        "monitoring": "Monitoring",
        "resolved": "Resolved",
    },
    "fr": {
        "investigating": "Analyse en cours",
        "identified": "Cause identifiée",
        "monitoring": "Sous surveillance",
        "resolved": "Résolu",
    },
}

COMPONENT_STATUS_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "operational": "Operational",
        "degraded_performance": "Degraded performance",
        "partial_outage": "Partial outage",
        "major_outage": "Major outage",
        "under_maintenance": "Under maintenance",
    },
    "fr": {
        "operational": "Opérationnel",
        "degraded_performance": "Performances dégradées",
        "partial_outage": "Panne partielle",
        "major_outage": "Panne majeure",
        "under_maintenance": "En maintenance",
    },
}

EVENT_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "declared": "Incident declared",
        "update": "Update",
        "status_change": "Status change",
        "severity_change": "Severity change",
        "role_change": "Role change",
        "component_change": "Component change",
        "resolved": "Resolved",
        "postmortem_written": "Postmortem written",
        "note": "Note (internal)",
        "correction": "Correction",
        "reopened": "Reopened",
        "reminder": "Reminder",
        "customer_report": "Customer report",
    },
    "fr": {
        "declared": "Incident déclaré",
        "update": "Point d'étape",
        "status_change": "Changement de statut",
        "severity_change": "Changement de gravité",
        "role_change": "Changement de rôle",
        "component_change": "Changement d'état d'un composant",
        "resolved": "Résolu",
        "postmortem_written": "Post-mortem rédigé",
        "note": "Note (interne)",
        "correction": "Rectificatif",
        "reopened": "Incident rouvert",
        "reminder": "Rappel",
        "customer_report": "Signalement client",
    },
}

# how a customer reached the support desk (`incidentctl report --channel`)
REPORT_CHANNEL_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {"phone": "phone", "ticket": "ticket", "chat": "chat"},
    "fr": {"phone": "téléphone", "ticket": "ticket", "chat": "messagerie"},
}

# the word joining the last two items of a list: "portal, API and billing"
AND_WORD: Mapping[str, str] = {"en": "and", "fr": "et"}


def label(table: Mapping[str, Mapping[str, str]], language: str, key: str) -> str:
    """The label of `key` in `language`, else in English, else the key itself."""
    found = table.get(language, {}).get(key) or table["en"].get(key)
    return found or key.replace("_", " ")
