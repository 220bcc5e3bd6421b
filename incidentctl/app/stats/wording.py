"""The report's words in English and French, and its numbers as each language writes them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from incidentctl.app.site.wording import percent
from incidentctl.model.durations import format_duration
from incidentctl.render.times import NBSP, SHORT_MONTHS

WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "title": "{org}: incident figures",
        "period": "Incidents whose impact started {span} · generated {at} ({tz})",
        "span.all": "at any time",
        "span.since": "since {since}",
        "span.until": "before {until}",
        "span.both": "from {since} to before {until}",
        "targets": "Against the targets",
        "target": "target {target}",
        "no_target": "no target set",
        "met": "met",
        "missed": "missed",
        "nothing": "nothing to measure yet",
        "mttr": "Time to resolve (MTTR, mean)",
        "first_communication": "Time to first communication (mean)",
        "majors_per_month": "Major incidents per month (worst month)",
        "availability": "Availability over 30 days (lowest component)",
        "months": "Per month",
        "severities": "Per severity",
        "month": "Month",
        "severity": "Severity",
        "incidents": "Incidents",
        "majors": "Major",
        "first": "First communication",
        "identify": "Identify",
        "mitigate": "Mitigate",
        "resolve": "Resolve",
        "stat": "Times from the impact start: mean · median · p90.",
        "cadence": "Cadence kept",
        "silence": "Longest silence",
        "postmortems": "Postmortems on time",
        "reports": "Customer reports",
        "availability_title": "Availability per component",
        "component": "Component",
        "days": "{n} days",
        "by_month": "Per month, last 12",
        "latest": "Latest incidents",
        "latest_note": "The {shown} most recent of {total}; `incidentctl stats --csv` lists all.",
        "id": "Incident",
        "name": "Title",
        "started": "Impact start",
        "empty": "No incident in this period.",
        "legend": "Durations are measured from the impact start. p90: 90 % of incidents took "
        "at most this long.",
        "chart": "{figure}, per month",
    },
    "fr": {
        "title": f"{{org}}{NBSP}: indicateurs d’incidents",
        "period": "Incidents dont l’impact a commencé {span} · produit le {at} ({tz})",
        "span.all": "à n’importe quelle date",
        "span.since": "depuis le {since}",
        "span.until": "avant le {until}",
        "span.both": "du {since} à avant le {until}",
        "targets": "Face aux objectifs",
        "target": "objectif {target}",
        "no_target": "pas d’objectif fixé",
        "met": "atteint",
        "missed": "manqué",
        "nothing": "rien à mesurer pour l’instant",
        "mttr": "Délai de résolution (MTTR, moyenne)",
        "first_communication": "Délai de première communication (moyenne)",
        "majors_per_month": "Incidents majeurs par mois (pire mois)",
        "availability": "Disponibilité sur 30 jours (composant le plus bas)",
        "months": "Par mois",
        "severities": "Par sévérité",
        "month": "Mois",
        "severity": "Sévérité",
        "incidents": "Incidents",
        "majors": "Majeurs",
        "first": "Première communication",
        "identify": "Identification",
        "mitigate": "Atténuation",
        "resolve": "Résolution",
        "stat": "Délais depuis le début de l’impact\u00a0: moyenne · médiane · p90.",
        "cadence": "Cadence tenue",
        "silence": "Plus long silence",
        "postmortems": "Post-mortems à temps",
        "reports": "Signalements clients",
        "availability_title": "Disponibilité par composant",
        "component": "Composant",
        "days": f"{{n}}{NBSP}jours",
        "by_month": "Par mois, 12 derniers",
        "latest": "Derniers incidents",
        "latest_note": "Les {shown} plus récents sur {total}{NBSP}; "
        "`incidentctl stats --csv` les donne tous.",
        "id": "Incident",
        "name": "Titre",
        "started": "Début de l’impact",
        "empty": "Aucun incident sur cette période.",
        "legend": "Les délais sont mesurés depuis le début de l’impact. p90{NBSP}: 90{NBSP}% "
        "des incidents ont duré au plus autant.".replace("{NBSP}", NBSP),
        "chart": "{figure}, par mois",
    },
}


def words(language: str) -> Mapping[str, str]:
    return WORDS["fr" if language == "fr" else "en"]


def month_label(key: str, language: str) -> str:
    """`2026-11` as `Nov 2026`, « nov. 2026 »."""
    year, month = key.split("-")
    names = SHORT_MONTHS["fr" if language == "fr" else "en"]
    return f"{names[int(month) - 1]}{NBSP}{year}"


def duration_text(minutes: float | None, language: str) -> str:
    """`1h05m`; « 1 h 05 »; `—` for no figure."""
    if minutes is None:
        return "—"
    delta = timedelta(minutes=minutes)
    if language == "fr":
        from incidentctl.render.times import readable_duration

        return readable_duration(delta, "fr")
    return format_duration(delta)


def number_text(value: float | None, language: str) -> str:
    if value is None:
        return "—"
    text = f"{value:g}"
    return text.replace(".", ",") if language == "fr" else text


def figure_text(unit: str, value: float | None, language: str) -> str:
    """A target figure in its unit."""
    if unit == "minutes":
        return duration_text(value, language)
    if unit == "percent":
        return percent(value, language)
    return number_text(value, language)


def target_text(unit: str, value: float, language: str) -> str:
    """`< 1h`, `≥ 99.5 %`."""
    if unit == "percent":
        shown = number_text(value, language) + f"{NBSP}%"
        return f"≥{NBSP}{shown}"
    return f"<{NBSP}{figure_text(unit, value, language)}"
