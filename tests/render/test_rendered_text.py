"""What the renderer lets through: values quoted the channel's way, no control characters."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from incidentctl.model.records import Stage
from incidentctl.render import Renderer, build_context
from tests.render.builders import NOW, declared_event, make_incident, make_playbook


def shout(text: str) -> str:
    return f"<{text}>"


def renderer_with(tmp_path: Path, template: str) -> Renderer:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "investigating.chat.j2").write_text(template, encoding="utf-8")
    return Renderer(make_playbook(), folder)


def rendered(
    renderer: Renderer, quote: Callable[[str], str] | None = None, **incident: object
) -> str:
    made = make_incident(**incident)
    context = build_context(renderer.playbook, made, declared_event(made), now=NOW)
    message = renderer.render(Stage.INVESTIGATING, "outbox", "chat", context, quote)
    return message.text


def test_values_are_quoted_and_the_template_text_is_not(tmp_path: Path) -> None:
    renderer = renderer_with(
        tmp_path,
        "@oncall {{ incident.title }} {{ incident.roles[0].who }} {{ incident.roles[0].who|live }}"
        " {{ 'constant' }} {{ incident.components|length }}",
    )
    text = rendered(renderer, shout, title="@here down")
    assert text == "@oncall <@here down> <@jordan> @jordan <constant> <1>"
    # the compiled template is shared: another channel renders it without the quoting
    assert rendered(renderer, None, title="@here down") == (
        "@oncall @here down @jordan @jordan constant 1"
    )


def test_a_constant_is_never_quoted_into_the_compiled_template(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, "{{ 'constant' }}")
    assert rendered(renderer, shout) == "<constant>"
    assert rendered(Renderer(renderer.playbook, renderer.templates_dir)) == "constant"


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
