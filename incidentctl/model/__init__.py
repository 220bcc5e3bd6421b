"""The records incidentctl keeps and passes around; this package imports nothing of ours."""
