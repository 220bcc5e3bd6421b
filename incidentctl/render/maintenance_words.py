"""How a maintenance window's status reads on the status site, in each language."""

from __future__ import annotations

LISTED_STATUS = {
    "en": {
        "scheduled": "Scheduled",
        "in_progress": "In progress",
        "completed": "Completed",
        "cancelled": "Cancelled",
    },
    "fr": {
        "scheduled": "Programmée",
        "in_progress": "En cours",
        "completed": "Terminée",
        "cancelled": "Annulée",
    },
}
