"""`postmortem --publish` through the CLI against local Statuspage, SendGrid and X servers and
the status site: what customers get, that nothing internal leaks, French, errors, `status`,
`retry`."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incidentctl.model.records import DeliveryState, EventKind
from incidentctl.store import open_store, state_dir
from tests.channels.fakes.base_server import Reply
from tests.channels.fakes.sendgrid_server import SendGridFake
from tests.channels.fakes.statuspage_server import StatuspageServer
from tests.channels.fakes.x_server import XFake
from tests.helpers import Result, cli

SP_KEY = "sp-key-postmortem-0123456789abcdef"
SENDGRID_KEY = "SG.postmortem-key-0123456789"
PLAYBOOK = """\
organization:
  name: Acme Cloud
  timezone: Europe/Paris
  language: {language}
  status_page_url: https://status.acme.example
  support_contact: support@acme.example
severities:
  - id: sev1
    name: Critical
    criteria: [All customers affected]
    update_every: 30m
    postmortem_required: true
    notify:
      all: [status, mail, x, site, room]
roles:
  commander:
    name: Incident commander
  comms:
    name: Communications lead
components:
  api:
    name: Payments API
channels:
{channels}"""
# public channels leave out the `identified` stage: that update reaches the internal room only
PUBLIC_STAGES = ["investigating", "monitoring", "resolved"]
# what the team wrote that customers must never read
INTERNAL = ("SECRET", "@alice", "@bob", "@carol", "@dave", "alice", "#ops", "#inc", "db-7")
SECTIONS = {
    "en": ("Root cause and contributing factors", "Action items"),
    "fr": ("Cause racine et facteurs contributifs", "Actions"),
}


Services = tuple[StatuspageServer, SendGridFake, XFake]


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SP_KEY", SP_KEY)
    monkeypatch.setenv("SENDGRID_KEY", SENDGRID_KEY)
    clock = itertools.count(0.0, 10.0)  # 10 s between requests: never rate-limited
    with (
        StatuspageServer(api_key=SP_KEY, clock=clock.__next__) as statuspage,
        SendGridFake(SENDGRID_KEY) as sendgrid,
        XFake() as x,
    ):
        for key in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
            monkeypatch.setenv(f"X_{key.upper()}", getattr(x, key))
        yield statuspage, sendgrid, x


def write_playbook(
    directory: Path, servers: Services, language: str = "en", extra: str = ""
) -> None:
    statuspage, sendgrid, x = servers
    channels: dict[str, dict[str, Any]] = {
        "status": {
            "type": "statuspage",
            "api_key": "${SP_KEY}",
            "page_id": statuspage.page_id,
            "api_base": statuspage.api_base,
            "components": {"api": "cmp_api"},
        },
        "mail": {
            "type": "sendgrid",
            "api_key": "${SENDGRID_KEY}",
            "from_email": "status@acme.example",
            "to": ["customer@example.com"],
            "api_base": sendgrid.url,
        },
        "x": {
            "type": "twitter",
            "api_base": x.url,
            **{
                key: f"${{X_{key.upper()}}}"
                for key in (
                    "consumer_key",
                    "consumer_secret",
                    "access_token",
                    "access_token_secret",
                )
            },
        },
        "site": {"type": "statussite", "out": str(directory / "site")},
    }
    body = ""
    for name, settings in channels.items():
        settings |= {"audience": "public", "stages": PUBLIC_STAGES}
        body += f"  {name}:\n" + "".join(f"    {k}: {json.dumps(v)}\n" for k, v in settings.items())
    body += "  room:\n    type: console\n    audience: internal\n"
    text = PLAYBOOK.format(language=language, channels=body) + extra
    (directory / "incidentctl.yaml").write_text(text, encoding="utf-8")


def run_incident(capsys: pytest.CaptureFixture[str]) -> str:
    """An incident full of internal notes and handles, resolved."""
    declared = cli(
        capsys,
        "declare",
        "sev1",
        "--title",
        "Payments failing",
        "--impact",
        "Card payments fail for most customers",
        "--component",
        "api=major_outage",
        "--role",
        "commander=@alice",
        "--yes",
    )
    assert declared.code == 0, declared.out + declared.err
    internal = cli(
        capsys,
        "update",
        "--status",
        "identified",
        "--message",
        "SECRET-NOTE: @bob restarted db-7, see #ops-war-room",
        "--yes",
    )
    assert internal.code == 0, internal.out + internal.err
    assert cli(capsys, "assign", "comms", "@carol").code == 0
    resolved = cli(
        capsys, "resolve", "--message", "Payments work again: we rolled back the release", "--yes"
    )
    assert resolved.code == 0, resolved.out + resolved.err
    found: list[str] = re.findall(r"INC-\d{8}-\d{4}", resolved.out)
    return found[0]


def write_review(capsys: pytest.CaptureFixture[str], incident_id: str, language: str) -> Path:
    written = cli(capsys, "postmortem", incident_id)
    assert written.code == 0, written.out + written.err
    path = Path("postmortems") / f"{incident_id}.md"
    text = path.read_text(encoding="utf-8")
    cause, actions = SECTIONS[language]
    text = re.sub(
        rf"(## {cause}\n\n)_.*?_\n",
        r"\1A release changed the payment timeout; @dave saw it first in #inc-42.\n"
        r"<!-- SECRET-COMMENT: the release skipped review -->\n",
        text,
        flags=re.DOTALL,
    )
    text = re.sub(
        r"\| _[^\n]*\n\| _[^\n]*\n\| _[^\n]*\n",
        "| Test timeouts before release | @dave | 2026-01-15 | ops-42 |\n",
        text,
    )
    assert f"## {actions}" in text
    path.write_text(text, encoding="utf-8")
    return path


def timeline_kinds(incident_id: str) -> list[EventKind]:
    store = open_store(state_dir(os.environ), os.environ)
    try:
        return [e.kind for e in store.timeline(incident_id)]
    finally:
        store.close()


def deliveries_of_last_event(incident_id: str) -> dict[str, DeliveryState]:
    store = open_store(state_dir(os.environ), os.environ)
    try:
        events = store.timeline(incident_id)
        last = events[-1].id
        return {
            d.channel: d.state
            for d in store.deliveries(incident_id=incident_id)
            if d.event_id == last
        }
    finally:
        store.close()


@pytest.fixture
def resolved(tmp_path: Path, services: Services, capsys: pytest.CaptureFixture[str]) -> str:
    """The id of a resolved incident of an English playbook, its review not written yet."""
    write_playbook(tmp_path, services)
    return run_incident(capsys)


@pytest.fixture
def reviewed(resolved: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The id of a resolved incident whose review's sections are written."""
    write_review(capsys, resolved, "en")
    return resolved


def assert_public(text: str) -> None:
    for word in INTERNAL:
        assert word not in text, f"{word!r} leaked into: {text[:200]}"
    assert "Incident commander" not in text and "Communications lead" not in text
    assert "room" not in text


def test_the_public_postmortem_reaches_every_public_channel_and_nothing_internal_leaks(
    tmp_path: Path, services: Services, reviewed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statuspage, sendgrid, x = services
    incident_id = reviewed
    review = Path("postmortems") / f"{incident_id}.md"
    assert "```mermaid\ngantt\n" in review.read_text(encoding="utf-8")
    mails_before, posts_before = len(sendgrid.accepted), len(x.posts)

    owed = cli(capsys, "status")
    assert f"{incident_id} (sev1) resolved" in owed.out
    assert f"incidentctl postmortem --publish {incident_id}" in owed.out

    published = cli(capsys, "postmortem", "--publish", "--yes")

    assert published.code == 0, published.out + published.err
    assert "public postmortem published" in published.out
    assert "public postmortem: what customers will read" in published.out
    assert timeline_kinds(incident_id)[-1] is EventKind.POSTMORTEM_PUBLISHED
    assert deliveries_of_last_event(incident_id) == {
        "status": DeliveryState.SENT,
        "mail": DeliveryState.SENT,
        "x": DeliveryState.SENT,
        "site": DeliveryState.SENT,
    }
    # Statuspage: the whole document as the incident's published postmortem
    [remote] = statuspage.incidents
    body = statuspage.postmortems[remote]["body"]
    assert statuspage.postmortems[remote]["published_at"]
    assert statuspage.postmortems[remote]["notify_subscribers"] is True
    assert body.startswith("# Postmortem: Payments failing\n")
    order = ["We are sorry", "## What happened", "## Why it happened", "## What we did to fix it"]
    order += ["## What we are changing", "## Our apologies"]
    assert [body.index(part) for part in order] == sorted(body.index(part) for part in order)
    assert "A release changed the payment timeout; the team saw it first in an internal" in body
    assert "| Test timeouts before release | the team | 2026-01-15 | ops-42 |" in body
    assert "Payments work again: we rolled back the release." in body
    assert "Payments API (major outage)" in body and "Card payments fail" in body
    assert "```mermaid\ngantt\n" in body
    assert_public(body)
    # e-mail to the subscribers who were told: the document, text and HTML
    [mail] = sendgrid.accepted[mails_before:]
    assert mail["subject"] == "[Acme Cloud] Postmortem: Payments failing"
    contents = {c["type"]: c["value"] for c in mail["content"]}
    assert "## Why it happened" in contents["text/plain"]
    assert "<h2>Why it happened</h2>" in contents["text/html"]
    assert "gantt" not in contents["text/html"]  # the chart is for Markdown readers
    for value in [*contents.values(), mail["subject"]]:
        assert_public(value)
    # X: a short pointer with the link, in the incident's reply chain
    [post] = x.posts[posts_before:]
    assert len(post.text) <= 280
    link = f"https://status.acme.example/incidents/{incident_id}.html#postmortem"
    assert link in post.text and post.in_reply_to == x.posts[posts_before - 1].id
    assert_public(post.text)
    # the status site: the document on the incident page, and its post
    page = (tmp_path / "site" / "incidents" / f"{incident_id}.html").read_text(encoding="utf-8")
    assert '<section id="postmortem"' in page and "<h2>Why it happened</h2>" in page
    assert "Postmortem published: Payments failing" in page
    assert_public(page)
    # no longer owed
    assert incident_id not in cli(capsys, "status").out


def test_french_public_postmortem_quotes_the_french_sections(
    tmp_path: Path, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    statuspage, _, x = services
    write_playbook(tmp_path, services, language="fr")
    incident_id = run_incident(capsys)
    write_review(capsys, incident_id, "fr")

    published = cli(capsys, "postmortem", "--publish", "--yes")

    assert published.code == 0, published.out + published.err
    [remote] = statuspage.incidents
    body = statuspage.postmortems[remote]["body"]
    assert body.startswith("# Post-mortem\u00a0: Payments failing\n")
    assert "## Pourquoi c'est arrivé" in body and "## Toutes nos excuses" in body
    assert "Nous sommes désolés." in body
    assert "l'équipe saw it first in un salon interne" in body
    assert "- **Durée\u00a0:** " in body
    assert re.search(r"de \d+\u00a0h\u00a0\d\d à \d+\u00a0h\u00a0\d\d \(heure de Paris\)", body)
    assert "section Étapes" in body and "Panne majeure - Payments API" in body
    assert_public(body)
    assert "Post-mortem de Payments failing" in x.posts[-1].text


def test_a_missing_section_names_the_file_and_the_section_and_sends_nothing(
    services: Services, reviewed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statuspage, _, _ = services
    incident_id = reviewed
    review = Path("postmortems") / f"{incident_id}.md"
    review.write_text(
        review.read_text(encoding="utf-8").replace("## Action items", "## Follow-ups"),
        encoding="utf-8",
    )
    requests = len(statuspage.requests)

    refused = cli(capsys, "postmortem", "--publish", incident_id, "--yes")

    assert refused.code == 2
    assert refused.err.startswith(f"error: {review}: no section 'Action items'")
    assert "Traceback" not in refused.err and len(refused.err.splitlines()) == 1
    assert len(statuspage.requests) == requests
    assert EventKind.POSTMORTEM_PUBLISHED not in timeline_kinds(incident_id)


def test_an_unwritten_section_and_a_missing_review_are_refused(
    resolved: str, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = resolved

    missing = cli(capsys, "postmortem", "--publish", "--yes")
    assert missing.code == 2
    assert f"internal review postmortems/{incident_id}.md not found" in missing.err

    assert cli(capsys, "postmortem", incident_id).code == 0  # the scaffold, unwritten
    unwritten = cli(capsys, "postmortem", "--publish", "--yes")
    assert unwritten.code == 2
    assert re.match(
        rf"error: postmortems/{incident_id}\.md:\d+:1: section 'Root cause and contributing "
        r"factors' of the internal review is not written yet",
        unwritten.err,
    )
    assert EventKind.POSTMORTEM_PUBLISHED not in timeline_kinds(incident_id)


def test_an_open_incident_has_no_postmortem_to_publish_yet(
    tmp_path: Path, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    write_playbook(tmp_path, services)
    declared = cli(capsys, "declare", "sev1", "--title", "Payments failing", "--yes")
    incident_id = re.findall(r"INC-\d{8}-\d{4}", declared.out)[0]

    refused = cli(capsys, "postmortem", "--publish", incident_id, "--yes")

    assert refused.code == 6
    assert "still open: resolve it before publishing its postmortem" in refused.err


def test_a_postmortem_statuspage_refused_is_recorded_and_retry_publishes_it(
    services: Services, reviewed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    statuspage, _, _ = services
    incident_id = reviewed
    down = Reply(503, {"error": "Service Unavailable"})
    statuspage.fail_next(*[down] * 8)  # longer than the command's own retries

    published = cli(capsys, "postmortem", "--publish", "--yes")

    assert published.code == 3, published.out + published.err
    assert deliveries_of_last_event(incident_id)["status"] is DeliveryState.FAILED
    [remote] = statuspage.incidents
    assert "body" not in statuspage.postmortems.get(remote, {})
    statuspage.recover()

    retried = cli(capsys, "retry")

    assert retried.code == 0, retried.out + retried.err
    assert deliveries_of_last_event(incident_id)["status"] is DeliveryState.SENT
    assert "## Why it happened" in statuspage.postmortems[remote]["body"]


def test_dry_run_shows_the_document_and_stores_nothing(
    reviewed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    incident_id = reviewed

    shown: Result = cli(capsys, "postmortem", "--publish", "--dry-run")

    assert shown.code == 0, shown.out + shown.err
    assert "## Why it happened" in shown.out and "dry run: nothing was sent" in shown.out
    assert EventKind.POSTMORTEM_PUBLISHED not in timeline_kinds(incident_id)


def test_even_a_playbook_template_that_asks_for_roles_and_notes_gets_none(
    tmp_path: Path, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    statuspage, _, _ = services
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "postmortem-public.md.j2").write_text(
        "# {{ incident.title }}\n"
        "roles: {% for r in incident.roles %}{{ r.who }} {% endfor %}\n"
        "notes: {% for e in timeline %}{{ e.message }}|{{ e.summary }} {% endfor %}\n"
        "{{ postmortem.cause }}\n{{ postmortem.actions }}\n",
        encoding="utf-8",
    )
    write_playbook(tmp_path, services, extra="templates: templates\n")
    incident_id = run_incident(capsys)
    write_review(capsys, incident_id, "en")

    published = cli(capsys, "postmortem", "--publish", "--yes")

    assert published.code == 0, published.out + published.err
    [remote] = statuspage.incidents
    body = statuspage.postmortems[remote]["body"]
    assert body.startswith("# Payments failing\nroles: notes: |Incident declared ")
    assert "the team saw it first" in body
    assert_public(body)
