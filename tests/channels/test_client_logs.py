"""The client libraries' logs carry no secret even when a program logs everything."""

from __future__ import annotations

import logging

import pytest

from incidentctl.channels.client_logs import CHATTY, quiet_client_logs

HOOK = "https://hooks.example.com/services/T0/B0/s3cr3t-hook-token"


def test_chatty_libraries_stay_quiet_and_httpx_shows_hosts_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quiet_client_logs()
    caplog.set_level(logging.DEBUG)
    for name in CHATTY:
        logging.getLogger(f"{name}.client").debug("HEADERS: {'Authorization': 'Bearer %s'}", "k")
    logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 500"', HOOK)
    logging.getLogger("python_http_client").warning("still told: %s", "a warning")

    assert [r.getMessage() for r in caplog.records] == [
        'HTTP Request: POST https://hooks.example.com/… "HTTP/1.1 500"',
        "still told: a warning",
    ]
