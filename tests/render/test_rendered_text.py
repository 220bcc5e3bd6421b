"""What the renderer lets through: no control characters."""

from __future__ import annotations

from pathlib import Path

from incidentctl.model.records import Stage
from incidentctl.render import Renderer, build_context
from tests.render.builders import NOW, declared_event, make_incident, make_playbook


def test_no_control_character_survives_rendering(tmp_path: Path) -> None:
    # an old row's title, a playbook string written with YAML escapes, a byte in the template
    playbook = make_playbook(components={"portal": {"name": "Portal \x1b]0;pwned\x07"}})
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "investigating.chat.j2").write_text(
        "\x1b[2J{{ incident.title }} · {{ incident.affected[0].name }}\x9b31m", encoding="utf-8"
    )
    (folder / "postmortem.md.j2").write_text("# {{ incident.title }}\x07", encoding="utf-8")
    renderer = Renderer(playbook, folder)
    made = make_incident(title="API \x1b[31mdown\x08")
    context = build_context(playbook, made, declared_event(made), now=NOW)
    message = renderer.render(Stage.INVESTIGATING, "outbox", "chat", context)
    assert message.text == "API down · Portal"
    assert renderer.render_postmortem(context) == "# API down\n"
