"""What the sending commands tell the on-call engineer around the delivery itself."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from incidentctl.model.records import DeliveryState
from incidentctl.store import open_store, state_dir
from tests.helpers import PLAYBOOK, cli, write_playbook


@pytest.fixture
def playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write_playbook(tmp_path)


def only_id(capsys: pytest.CaptureFixture[str]) -> str:
    return str(json.loads(cli(capsys, "list", "--json").out)[0]["id"])


def make_uncertain(incident_id: str) -> None:
    """The console delivery timed out after sending: it cannot be checked back."""
    store = open_store(state_dir(os.environ), os.environ)
    [delivery] = [d for d in store.deliveries(incident_id=incident_id) if d.channel == "room"]
    delivery.state = DeliveryState.UNCERTAIN
    delivery.error = "no response within the timeout"
    store.update_delivery(delivery)
    store.close()


def test_preview_warns_when_a_channel_variable_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PLAYBOOK.format(language="en").replace(
        "    type: outbox\n", "    type: outbox\n    path: ${OUTBOX_DIR}\n"
    )
    write_playbook(tmp_path, text)
    monkeypatch.delenv("OUTBOX_DIR", raising=False)
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--dry-run")
    assert result.code == 0
    warning = " ".join(line for line in result.out.splitlines() if "OUTBOX_DIR" in line)
    assert "outbox" in warning and "will fail" in warning
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "out"))
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--dry-run")
    assert "OUTBOX_DIR" not in result.out


def test_show_names_the_timezone_of_the_timeline(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev2", "--title", "one", "--yes").code == 0
    shown = cli(capsys, "show", only_id(capsys))
    assert "TIME (Europe/Paris)" in shown.out


def test_retry_of_an_uncertain_delivery_says_how_to_force_it(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "declare", "sev1", "--title", "one", "--yes").code == 0
    make_uncertain(only_id(capsys))
    result = cli(capsys, "retry")
    assert result.code == 3
    line = [line for line in result.err.splitlines() if line.strip()]
    assert len(line) == 1 and "--resend-uncertain" in line[0]
    assert "once the channel is back" not in line[0]


def test_retry_question_is_not_hidden_under_the_live_table(
    playbook: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer
    from rich.console import Console

    from incidentctl.cli import prompts
    from incidentctl.output import messages

    assert cli(capsys, "declare", "sev1", "--title", "one", "--yes").code == 0
    make_uncertain(only_id(capsys))
    monkeypatch.setattr(messages, "err", Console(file=io.StringIO(), force_terminal=True))
    monkeypatch.setattr(prompts, "interactive", lambda: True)
    live_on_screen: list[bool] = []

    def confirm(text: str, default: bool = False, **kwargs: object) -> bool:
        live_on_screen.append(any(live.is_started for live in messages._live))
        return True

    monkeypatch.setattr(typer, "confirm", confirm)
    result = cli(capsys, "retry")
    assert result.code == 0, result.err
    assert live_on_screen == [False]


def test_the_preview_shows_a_message_that_several_channels_get_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Channels of one type that get the same message share its panel, named in its title
    (three names, then how many more): what differs between channels is what stands out."""
    monkeypatch.chdir(tmp_path)
    extra = [f"box{n}" for n in range(5)]
    text = PLAYBOOK.format(language="en").replace(
        "      all: [outbox, room]\n", f"      all: [outbox, room, {', '.join(extra)}]\n", 1
    )
    text = text.replace(
        "channels:\n",
        "channels:\n" + "".join(f"  {n}:\n    type: outbox\n    audience: public\n" for n in extra),
        1,
    )
    write_playbook(tmp_path, text)
    result = cli(capsys, "declare", "sev1", "--title", "API down", "--dry-run")
    assert result.code == 0, result.err
    titles = [line for line in result.out.splitlines() if line.startswith("╭─")]
    assert len(titles) == 2, titles  # the six outboxes, the console
    assert "box0, box1, box2 and 3 more (outbox, 6 channels)" in titles[0]
    assert "the 3 more: box3, box4, outbox" in result.out  # each named before the question
    assert "room (console)" in titles[1]
    assert result.out.count("API down") >= 2  # each panel's message, not six copies


def test_a_colon_word_in_a_title_is_shown_as_it_is_sent_never_as_an_emoji(
    playbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rich would print `:fire:` as 🔥: the preview, `list` and `show` would then say what
    no channel received."""
    result = cli(capsys, "declare", "sev1", "--title", "API :fire: down", "--yes")
    assert result.code == 0, result.err
    incident_id = only_id(capsys)
    for shown in (result.out, cli(capsys, "list").out, cli(capsys, "show", incident_id).out):
        assert "API :fire: down" in shown and "\N{FIRE}" not in shown
