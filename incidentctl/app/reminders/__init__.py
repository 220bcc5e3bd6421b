"""`incidentctl remind`: keeping the update cadence without a daemon (see `run.remind`)."""
