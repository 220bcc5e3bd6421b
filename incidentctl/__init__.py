"""incidentctl: config-as-code incident communication."""

__version__ = "0.1.0"
