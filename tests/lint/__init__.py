"""Tests for `incidentctl lint`: one-line cases per rule, output formats, exit codes."""
