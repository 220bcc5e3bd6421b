"""Channel types: one module each behind the `Channel` interface, gathered in a registry."""
