"""The playbook: schema, YAML loading with positions, environment interpolation."""
