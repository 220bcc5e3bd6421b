"""The approved-wording use cases: the files of the sample's messages, written, refreshed and
compared; the routing matrix measured on the worst case."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.app.approved import (
    approved_messages,
    compare_approved,
    message_file_text,
    write_approved,
)
from incidentctl.app.routes import route_matrix
from incidentctl.app.workspace import load_checked_playbook
from incidentctl.errors import ConflictError
from incidentctl.model.records import RenderedMessage, Stage
from tests.helpers import PLAYBOOK, write_playbook


def test_message_file_text_of_chat_and_email() -> None:
    assert message_file_text(RenderedMessage("Hello")) == "Hello\n"
    email = message_file_text(RenderedMessage("Body", subject="Subj", html="<p>x</p>\n"))
    assert email == "Subject: Subj\n\nBody\n\n----- HTML -----\n<p>x</p>\n"


def test_compare_names_changed_missing_and_extra_with_the_first_changed_line(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "approved"
    write_approved(
        {"sev1/investigating/x.txt": "one\ntwo\nthree\n", "sev1/resolved/y.txt": "y\n"},
        folder,
        update=False,
    )
    found = compare_approved(
        {"sev1/investigating/x.txt": "one\n2\nthree\n", "sev2/resolved/z.txt": "z\n"}, folder
    )
    assert [(d.name, d.kind, d.line) for d in found] == [
        ("sev1/investigating/x.txt", "changed", 2),
        ("sev1/resolved/y.txt", "extra", 1),
        ("sev2/resolved/z.txt", "missing", 1),
    ]
    assert found[0].diff.splitlines() == [
        f"--- {folder.as_posix()}/sev1/investigating/x.txt",
        "+++ rendered/sev1/investigating/x.txt",
        "@@ -1,3 +1,3 @@",
        " one",
        "-two",
        "+2",
        " three",
    ]
    assert (
        compare_approved(
            {"sev1/investigating/x.txt": "one\ntwo\nthree\n", "sev1/resolved/y.txt": "y\n"}, folder
        )
        == []
    )


def test_write_refuses_a_folder_with_messages_unless_updating(tmp_path: Path) -> None:
    folder = tmp_path / "approved"
    write_approved(
        {"sev1/identified/a.txt": "a\n", "sev2/identified/b.txt": "b\n"}, folder, update=False
    )
    with pytest.raises(ConflictError):
        write_approved({"sev1/identified/a.txt": "a\n"}, folder, update=False)
    done = write_approved(
        {"sev1/identified/a.txt": "a\n", "sev1/identified/c.txt": "c\n"}, folder, update=True
    )
    assert (done.written, done.unchanged, done.removed) == (
        ["sev1/identified/c.txt"],
        ["sev1/identified/a.txt"],
        ["sev2/identified/b.txt"],
    )
    assert not (folder / "sev2").exists()  # the emptied folders go too


def test_messages_and_routes_follow_the_same_routing(tmp_path: Path) -> None:
    loaded, channels = load_checked_playbook(
        write_playbook(tmp_path, PLAYBOOK.format(language="en"))
    )
    files = approved_messages(loaded, channels)
    matrix = route_matrix(loaded, channels)
    assert {f"{r.severity}/{r.stage.value}/{r.channel}.txt" for r in matrix.routes} == {
        name for name in files if not name.startswith("security/")
    }
    slack = next(r for r in matrix.routes if r.channel == "slack")
    assert (slack.severity, slack.stage, slack.enabled) == ("sev2", Stage.INVESTIGATING, False)
    assert slack.length is not None and slack.limit is None and not slack.over_limit
    assert [u.name for u in slack.templates] == ["investigating.chat.j2"]
    assert slack.templates[0].builtin and slack.templates[0].file is not None
