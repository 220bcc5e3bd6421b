"""Sending recorded deliveries: the engine, its retry policy and rate limits, outgoing messages."""
