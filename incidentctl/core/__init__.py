"""Incidents, their timeline and deliveries, and the use cases that change them (no I/O here)."""
