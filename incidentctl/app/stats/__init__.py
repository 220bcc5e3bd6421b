"""`incidentctl stats`: the figures the team tracks against its targets."""
