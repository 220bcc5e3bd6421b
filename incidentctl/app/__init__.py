"""The use cases (declare, update, resolve, send, retry, postmortem, queries, scaffold, demo),
with their side effects (store, clock, environment, confirmation, progress) passed in."""
