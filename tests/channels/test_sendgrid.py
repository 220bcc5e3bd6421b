"""The sendgrid channel through the real `sendgrid` client against a local Mail Send fake."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from incidentctl.channels.base import Outgoing
from incidentctl.channels.email.addresses import clean_header
from incidentctl.channels.email.sendgrid import SendGridChannel, SendGridResult
from incidentctl.channels.email.settings import SendGridSettings
from incidentctl.channels.email.subscribers import read_subscribers, resolve_path
from incidentctl.errors import DeliveryError, PartialDeliveryError
from incidentctl.model.records import RenderedMessage
from tests.channels.fakes.base_server import (
    Reply,
    build_channel,
    make_context,
    make_outgoing,
)
from tests.channels.fakes.sendgrid_server import API_KEY, SendGridFake

ENV = {"SENDGRID_API_KEY": API_KEY}
OPTIONS = {
    "api_key": "${SENDGRID_API_KEY}",
    "from_email": "status@example.com",
    "from_name": "Example Status",
    "to": ["alice@example.com", "bob@example.org"],
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[SendGridFake]:
    with SendGridFake(API_KEY) as server:
        yield server


def make_channel(tmp_path: Path, api_base: str, **options: Any) -> SendGridChannel:
    options = {**OPTIONS, "api_base": api_base, **options}
    return build_channel(
        SendGridChannel, options, ENV, tmp_path, name="status-email", clock=1_000_000.0
    )


def email(text: str = "We are investigating checkout errors.", **kwargs: Any) -> Outgoing:
    subject = kwargs.pop("subject", "[Investigating] Checkout errors")
    html = kwargs.pop("html", "<p>We are investigating checkout errors.</p>")
    outgoing = make_outgoing(text, subject=subject, **kwargs)
    return dataclasses.replace(
        outgoing, message=RenderedMessage(text=text, subject=subject, html=html)
    )


def write_subscribers(path: Path, count: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(start, start + count):
            out.write(f"user{i}@example.com\n")
    return path


def all_recipients(fake: SendGridFake) -> list[str]:
    return [p["to"][0]["email"] for body in fake.accepted for p in body["personalizations"]]


# --- success paths ---------------------------------------------------------------------------


def test_sends_text_and_html_with_a_message_id(tmp_path: Path, fake: SendGridFake) -> None:
    channel = make_channel(tmp_path, fake.url, reply_to="oncall@example.com")
    result = channel.send(email())

    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    body = fake.accepted[0]
    assert body["personalizations"] == [
        {"to": [{"email": "alice@example.com"}]},
        {"to": [{"email": "bob@example.org"}]},
    ]
    assert body["from"] == {"email": "status@example.com", "name": "Example Status"}
    assert body["reply_to"] == {"email": "oncall@example.com"}
    assert body["subject"] == "[Investigating] Checkout errors"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    message_id = body["headers"]["Message-ID"]
    assert message_id == "<INC-20250101-001.1.test.incidentctl@example.com>"
    assert "In-Reply-To" not in body["headers"]
    assert result.remote_id == message_id
    assert isinstance(result, SendGridResult)
    assert result.recipients == 2
    assert result.notes == ()


def test_message_id_is_stable_across_retries(tmp_path: Path, fake: SendGridFake) -> None:
    first = make_channel(tmp_path, fake.url).send(email())
    again = make_channel(tmp_path, fake.url).send(email())
    assert first.remote_id == again.remote_id


def test_text_only_when_there_is_no_html(tmp_path: Path, fake: SendGridFake) -> None:
    make_channel(tmp_path, fake.url).send(email(html=None))
    assert fake.accepted[0]["content"] == [
        {"type": "text/plain", "value": "We are investigating checkout errors."}
    ]


def test_update_threads_under_the_first_message(tmp_path: Path, fake: SendGridFake) -> None:
    channel = make_channel(tmp_path, fake.url)
    first = channel.send(email())
    assert first.remote_id is not None
    update = channel.send(email("Fix deployed.", thread=first.remote_id, delivery_id=2))

    headers = fake.accepted[1]["headers"]
    assert headers["In-Reply-To"] == first.remote_id
    assert headers["References"] == first.remote_id
    assert headers["Message-ID"] == update.remote_id != first.remote_id


def test_thread_id_without_angle_brackets_gets_them(tmp_path: Path, fake: SendGridFake) -> None:
    make_channel(tmp_path, fake.url).send(email(thread="abc@example.com"))
    assert fake.accepted[0]["headers"]["In-Reply-To"] == "<abc@example.com>"


def test_list_unsubscribe_headers(tmp_path: Path, fake: SendGridFake) -> None:
    channel = make_channel(tmp_path, fake.url, unsubscribe_url="https://status.example.com/unsub")
    channel.send(email())
    headers = fake.accepted[0]["headers"]
    assert headers["List-Unsubscribe"] == "<https://status.example.com/unsub>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mailto_unsubscribe_has_no_one_click_post(tmp_path: Path, fake: SendGridFake) -> None:
    channel = make_channel(tmp_path, fake.url, unsubscribe_url="mailto:unsub@example.com")
    channel.send(email())
    headers = fake.accepted[0]["headers"]
    assert headers["List-Unsubscribe"] == "<mailto:unsub@example.com>"
    assert "List-Unsubscribe-Post" not in headers


def test_newlines_are_stripped_from_subject_and_headers(tmp_path: Path, fake: SendGridFake) -> None:
    channel = make_channel(tmp_path, fake.url, from_name="Status\r\nBcc: evil@example.net")
    outgoing = email(
        subject="Checkout down\r\nBcc: evil@example.net\nX-Injected: 1",
        thread="<first@example.com>\r\nBcc: evil@example.net",
    )
    channel.send(outgoing)

    body = fake.accepted[0]
    assert body["subject"] == "Checkout down Bcc: evil@example.net X-Injected: 1"
    assert body["from"]["name"] == "Status Bcc: evil@example.net"
    for value in body["headers"].values():
        assert "\r" not in value and "\n" not in value
    assert set(body["headers"]) == {"Message-ID", "In-Reply-To", "References"}
    assert body["headers"]["In-Reply-To"] == "<first@example.com>"


def test_clean_header_removes_unicode_line_breaks_and_controls() -> None:
    assert clean_header("a\u2028b\x85c\x00d\te") == "a b cd e"


# --- recipients ------------------------------------------------------------------------------


def test_2500_recipients_go_out_in_three_requests(tmp_path: Path, fake: SendGridFake) -> None:
    subscribers = write_subscribers(tmp_path / "subscribers.txt", 2500)
    # the same people in `to`, spelled differently: each address goes out once
    channel = make_channel(
        tmp_path,
        fake.url,
        to=["USER0@example.com", "user1@EXAMPLE.com"],
        subscribers_file=str(subscribers),
    )
    result = channel.send(email())

    assert len(fake.requests) == 3
    sizes = [len(body["personalizations"]) for body in fake.accepted]
    assert sizes == [1000, 1000, 500]
    for body in fake.accepted:
        assert all(len(p["to"]) == 1 and set(p) == {"to"} for p in body["personalizations"])
    recipients = [r.lower() for r in all_recipients(fake)]
    assert len(recipients) == len(set(recipients)) == 2500
    assert isinstance(result, SendGridResult) and result.recipients == 2500
    # every request carries the same message id
    assert len({body["headers"]["Message-ID"] for body in fake.accepted}) == 1


def test_invalid_subscribers_are_skipped_and_reported(tmp_path: Path, fake: SendGridFake) -> None:
    subscribers = tmp_path / "subscribers.txt"
    subscribers.write_text(
        "# incident subscribers\n"
        "a@example.com\n"
        "not-an-address\n"
        "\n"
        "b@example.com\n"
        "A@EXAMPLE.COM\n"
        "c@example .com\n",
        encoding="utf-8",
    )
    valid, invalid = read_subscribers(subscribers)
    assert valid == ["a@example.com", "b@example.com"]
    assert invalid == [(3, "not-an-address"), (7, "c@example .com")]

    channel = make_channel(tmp_path, fake.url, to=[], subscribers_file=str(subscribers))
    result = channel.send(email())
    assert all_recipients(fake) == ["a@example.com", "b@example.com"]
    assert isinstance(result, SendGridResult)
    assert result.notes == ("2 invalid addresses skipped (subscribers.txt lines 3, 7)",)


def test_invalid_lines_are_in_the_error_when_the_send_fails(
    tmp_path: Path, fake: SendGridFake
) -> None:
    subscribers = tmp_path / "subscribers.txt"
    subscribers.write_text("a@example.com\nbad\n", encoding="utf-8")
    fake.fail_next(Reply(400, {"errors": [{"message": "The from address is not verified."}]}))
    channel = make_channel(tmp_path, fake.url, to=[], subscribers_file=str(subscribers))
    with pytest.raises(DeliveryError) as caught:
        channel.send(email())
    assert "The from address is not verified." in caught.value.message
    assert "1 invalid address skipped (subscribers.txt line 2)" in caught.value.message


def test_no_valid_recipient_is_an_error(tmp_path: Path, fake: SendGridFake) -> None:
    subscribers = tmp_path / "subscribers.txt"
    subscribers.write_text("nope\nstill nope\n", encoding="utf-8")
    channel = make_channel(tmp_path, fake.url, to=[], subscribers_file=str(subscribers))
    with pytest.raises(DeliveryError) as caught:
        channel.send(email())
    assert not caught.value.retryable
    assert "2 invalid addresses skipped (subscribers.txt lines 1, 2)" in caught.value.message
    assert fake.requests == []


def test_missing_subscribers_file_is_an_error(tmp_path: Path, fake: SendGridFake) -> None:
    channel = make_channel(tmp_path, fake.url, subscribers_file=str(tmp_path / "gone.txt"))
    with pytest.raises(DeliveryError, match=r"gone\.txt not found") as caught:
        channel.send(email())
    assert not caught.value.retryable
    assert fake.requests == []


def test_relative_subscribers_file_resolves_against_base_dir(
    tmp_path: Path, fake: SendGridFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    playbook_dir = tmp_path / "playbook"
    playbook_dir.mkdir()
    write_subscribers(playbook_dir / "subscribers.txt", 3)
    settings = SendGridSettings.model_validate(
        {
            "api_key": "${SENDGRID_API_KEY}",
            "from_email": "status@example.com",
            "subscribers_file": "subscribers.txt",
            "api_base": fake.url,
        }
    )
    context = make_context(ENV, tmp_path)
    SendGridChannel("mail", settings, context, 5.0, base_dir=playbook_dir).send(email())
    assert len(all_recipients(fake)) == 3

    monkeypatch.chdir(playbook_dir)
    assert resolve_path("subscribers.txt") == playbook_dir / "subscribers.txt"
    assert resolve_path("/abs/list.txt", playbook_dir) == Path("/abs/list.txt")
    SendGridChannel("mail", settings, context, 5.0).send(email(delivery_id=2))
    assert len(all_recipients(fake)) == 6


# --- errors ----------------------------------------------------------------------------------


def test_partial_failure_resumes_without_duplicates(tmp_path: Path, fake: SendGridFake) -> None:
    subscribers = write_subscribers(tmp_path / "subscribers.txt", 2500)
    channel = make_channel(tmp_path, fake.url, to=[], subscribers_file=str(subscribers))
    fake.replies_at[2] = Reply(503, {"errors": [{"message": "unavailable"}]}, {"Retry-After": "2"})
    outgoing = email()
    with pytest.raises(PartialDeliveryError) as caught:
        channel.send(outgoing)
    error = caught.value
    assert error.retryable and not error.uncertain and error.retry_after == 2.0
    assert error.sent == 1000
    assert "1000 recipients in requests 1–1 were already sent" in error.message
    assert "request 2 (1000 recipients) failed" in error.message

    channel.send(outgoing)  # the engine's retry of the same delivery
    assert len(fake.requests) == 4
    recipients = all_recipients(fake)
    assert len(recipients) == len(set(recipients)) == 2500


def test_permanent_failure_after_some_requests_is_uncertain(
    tmp_path: Path, fake: SendGridFake
) -> None:
    subscribers = write_subscribers(tmp_path / "subscribers.txt", 1500)
    channel = make_channel(tmp_path, fake.url, to=[], subscribers_file=str(subscribers))
    fake.replies_at[2] = Reply(400, {"errors": [{"message": "Invalid batch"}]})
    with pytest.raises(PartialDeliveryError) as caught:
        channel.send(email())
    assert caught.value.uncertain and not caught.value.retryable
    assert "Invalid batch" in caught.value.message
    assert "not retried automatically" in caught.value.message


# --- settings --------------------------------------------------------------------------------


def test_settings_need_recipients() -> None:
    with pytest.raises(ValidationError, match="subscribers_file"):
        SendGridSettings.model_validate({"api_key": "${K}", "from_email": "a@example.com"})


def test_settings_reject_invalid_addresses() -> None:
    with pytest.raises(ValidationError, match="entry 2"):
        SendGridSettings.model_validate(
            {"api_key": "${K}", "from_email": "a@example.com", "to": ["b@example.com", "nope"]}
        )


def test_check_settings(tmp_path: Path) -> None:
    subscribers = tmp_path / "subscribers.txt"
    subscribers.write_text("ok@example.com\nbroken\n", encoding="utf-8")
    problems = list(
        SendGridChannel.check_settings(
            {
                "api_key": "${SENDGRID_API_KEY}",
                "from_email": "a@example.com",
                "to": ["b@example.com", "B@example.com"],
                "subscribers_file": str(subscribers),
                "unsubscribe_url": "http://unsub.example.com",
            }
        )
    )
    by_key = {(p.key, p.level) for p in problems}
    assert ("unsubscribe_url", "error") in by_key
    assert ("to", "warning") in by_key
    notes = [p.message for p in problems if p.key == "subscribers_file"]
    assert notes == ["1 invalid address skipped (subscribers.txt line 2)"]
    assert list(SendGridChannel.check_settings({"api_key": "${K}"}))  # validation errors


# --- memory ----------------------------------------------------------------------------------


def test_100k_subscribers_stream_in_bounded_memory(tmp_path: Path) -> None:
    subscribers = write_subscribers(tmp_path / "subscribers.txt", 100_000)
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from incidentctl.channels.email.sendgrid import SendGridChannel, SendGridSettings
        from incidentctl.channels.base import SendContext
        from tests.channels.fakes.base_server import make_outgoing
        settings = SendGridSettings.model_validate({{
            "api_key": "${{SENDGRID_API_KEY}}", "from_email": "status@example.com",
            "subscribers_file": {str(subscribers)!r}, "api_base": sys.argv[1]}})
        context = SendContext(env={{"SENDGRID_API_KEY": {API_KEY!r}}}, outbox_dir=Path("."))
        result = SendGridChannel("mail", settings, context, 30.0).send(make_outgoing("x" * 2000))
        # this program's own peak: ru_maxrss would also count the parent's pages at the fork
        # (a long pytest run's), VmHWM belongs to the address space exec made
        peak = next(int(line.split()[1]) for line in open("/proc/self/status")
                    if line.startswith("VmHWM:"))
        print(result.recipients, peak)
        """
    )
    fake = SendGridFake(API_KEY, keep_bodies=False)
    with fake:
        done = subprocess.run(
            [sys.executable, "-c", script, fake.url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        recipients, peak_kib = (int(x) for x in done.stdout.split())
        assert recipients == fake.recipients == 100_000
        assert len(fake.requests) == 100
    assert peak_kib < 150 * 1024, f"peak RSS {peak_kib / 1024:.0f} MiB"


def test_each_accepted_request_is_saved_and_a_later_run_resumes_after_it(
    tmp_path: Path, fake: SendGridFake
) -> None:
    """Through the engine: the progress is handed to the checkpoint after every accepted
    request, before the next one, and a new run seeded from the stored progress (`retry
    --resend-uncertain` after a lost answer) sends only the requests not accepted."""
    from incidentctl.channels.base import SendContext
    from incidentctl.delivery.engine import DeliveryEngine
    from incidentctl.model.records import Delivery, DeliveryState, Stage
    from incidentctl.playbook.schema import ChannelConfig

    subscribers = write_subscribers(tmp_path / "subscribers.txt", 2500)
    options = {**OPTIONS, "api_base": fake.url, "to": [], "subscribers_file": str(subscribers)}
    config = ChannelConfig.model_validate({"type": "sendgrid", "timeout": 5, **options})
    saved: list[tuple[DeliveryState, dict[str, Any]]] = []

    def engine() -> DeliveryEngine:
        return DeliveryEngine(
            {"mail": config},
            lambda name: SendContext(env=ENV, outbox_dir=tmp_path, channel=name),
            checkpoint=lambda d: saved.append((d.state, json_copy(d.progress))),
        )

    stored = Delivery("INC-1", "mail", "sendgrid", Stage.INVESTIGATING, email().message, "h", id=1)
    stored.state = DeliveryState.SENDING
    fake.replies_at[2] = Reply(drop=True)  # request 2 reaches SendGrid, its answer is lost
    [first] = engine().send_all([stored], lambda d: email(), lambda o: None)

    assert first.delivery.state is DeliveryState.UNCERTAIN
    one = {"batches": {"requests": 1, "recipients": 1000}}
    assert saved == [(DeliveryState.SENDING, one)]
    assert first.delivery.progress == one

    resent = dataclasses.replace(first.delivery, state=DeliveryState.SENDING)
    [second] = engine().send_all([resent], lambda d: email(), lambda o: None)

    assert second.delivery.state is DeliveryState.SENT
    assert second.delivery.progress == {"batches": {"requests": 3, "recipients": 2500}}
    # the second run began with the second batch: the first 1000 recipients got nothing more
    assert len(fake.requests) == 4 and len(fake.accepted) == 3
    assert fake.accepted[1]["personalizations"][0]["to"] == [{"email": "user1000@example.com"}]
    recipients = all_recipients(fake)
    assert len(recipients) == len(set(recipients)) == 2500


def json_copy(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value))
