"""Secrets never come back through an echo: every HTTP channel type, through its real client
library, against a service that fails and quotes the request back (path, query, headers,
body) raw, in a JSON document, JSON-escaped, percent-encoded either way and HTML-escaped —
and through the failures that quote nothing (a reset, a timeout, a name that does not
resolve). The error a channel raises carries none of the canary secrets (`echo_cases.py`).
What the CLI then stores and shows is `tests/cli/test_echoes.py`'s business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from incidentctl.channels.registry import BUILTIN_CHANNELS
from incidentctl.errors import DeliveryError
from tests.channels.echo_cases import (
    CANARY,
    CASES,
    DNS_FAILURE_ROOT,
    OFFLINE_TYPES,
    EchoCase,
    covered_types,
)
from tests.channels.fakes.base_server import build_channel, make_outgoing
from tests.channels.fakes.echo_server import (
    ECHOING,
    SCENARIO_IDS,
    SCENARIOS,
    Bystander,
    EchoServer,
    quoted,
)

TIMEOUT = 0.3  # the echo server hangs for longer


@pytest.fixture(scope="module")
def bystander() -> Iterator[Bystander]:
    """Another host, where redirects point."""
    with Bystander(host="127.0.0.2") as server:
        yield server


@pytest.fixture(scope="module")
def echoes(bystander: Bystander) -> Iterator[Callable[[str, str, str], EchoServer]]:
    """The echo server of a scenario, started on first use and kept for the module."""
    running: dict[tuple[str, str, str], EchoServer] = {}

    def echo(fault: str, encoding: str, view: str) -> EchoServer:
        key = (fault, encoding, view)
        if key not in running:
            running[key] = EchoServer(fault, encoding, view, bystander.url).start()
        return running[key]

    yield echo
    for server in running.values():
        server.stop()


def test_every_networked_channel_type_has_a_canary_case() -> None:
    assert covered_types() == set(BUILTIN_CHANNELS) - OFFLINE_TYPES


@pytest.mark.usefixtures("offline_dns")
@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize(("fault", "encoding", "view"), SCENARIOS, ids=SCENARIO_IDS)
def test_no_secret_comes_back_in_the_error(
    case: EchoCase,
    fault: str,
    encoding: str,
    view: str,
    echoes: Callable[[str, str, str], EchoServer],
    bystander: Bystander,
    tmp_path: Path,
) -> None:
    server = echoes(fault, encoding, view)
    seen, elsewhere = len(server.requests), len(bystander.requests)
    env, options = case.aim(DNS_FAILURE_ROOT if fault == "dns" else server.url)
    sender = build_channel(
        case.cls, {**case.options, **options}, env, tmp_path, name=case.id, timeout=TIMEOUT
    )
    with pytest.raises(DeliveryError) as caught:
        sender.send(make_outgoing(subject="Checkout errors in EU"))

    error = caught.value
    assert CANARY.leaks(" ".join([str(error), error.message, repr(error.args)])) == []
    assert len(bystander.requests) == elsewhere  # a redirect is never followed, to any host
    asked = server.requests[seen:]
    if fault == "dns":
        assert asked == []
        return
    # the request carried secrets for the service to quote: the check above is not vacuous
    assert asked
    assert CANARY.leaks(quoted(asked[0], "127.0.0.1")) != []
    if fault in ECHOING:
        assert error.status == int(fault)
        assert not error.uncertain
