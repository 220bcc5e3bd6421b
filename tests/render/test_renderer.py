"""Template lookup, sandboxing, escaping and error reporting."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidentctl.errors import TemplateError
from incidentctl.model.records import Stage
from incidentctl.render import PARTS_BY_FORMAT, Renderer, build_context, builtin_templates_dir
from tests.render.builders import NOW, declared_event, make_incident, make_playbook, render


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def with_channel_templates(**templates: str) -> dict[str, object]:
    return {
        "room": {"type": "slack", "audience": "internal", "templates": templates},
        "mail": {"type": "sendgrid", "audience": "public"},
        "outbox": {"type": "outbox", "audience": "public"},
        "sms": {"type": "sms", "audience": "public"},
    }


def test_parts_by_format() -> None:
    assert PARTS_BY_FORMAT == {
        "chat": ("text",),
        "short": ("text",),
        "email": ("subject", "text", "html"),
    }


def test_every_builtin_exists_in_both_languages() -> None:
    root = builtin_templates_dir()
    expected = {
        f"{stage.value}.{part}.j2"
        for stage in Stage
        for part in ("chat", "short", "email-subject", "email-text", "email-html")
    }
    expected.add("postmortem.md.j2")
    for language in ("en", "fr"):
        names = {p.name for p in (root / language).glob("*.j2")}
        assert expected <= names, expected - names
    assert (root / "_email_layout.html.j2").is_file()


def test_template_names_channel_override_then_stage_file(tmp_path: Path) -> None:
    playbook = make_playbook(channels=with_channel_templates(text="room-{stage}.j2"))
    renderer = Renderer(playbook, tmp_path)
    assert renderer.template_names(Stage.IDENTIFIED, "room", "chat") == {
        "text": "room-identified.j2"
    }
    assert renderer.template_names(Stage.RESOLVED, "mail", "email") == {
        "subject": "resolved.email-subject.j2",
        "text": "resolved.email-text.j2",
        "html": "resolved.email-html.j2",
    }
    assert renderer.template_names(Stage.RESOLVED, "", "short") == {"text": "resolved.short.j2"}
    with pytest.raises(TemplateError, match="unknown message format 'fax'"):
        renderer.template_names(Stage.RESOLVED, "room", "fax")


def test_playbook_folder_overrides_builtins_and_channel_overrides_the_folder(
    tmp_path: Path,
) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "investigating.chat.j2": "folder: {{ incident.title }}",
            "room-investigating.j2": "room: {{ incident.title }} via {{ channel.name }}",
        },
    )
    playbook = make_playbook(channels=with_channel_templates(text="room-{stage}.j2"))
    incident = make_incident()
    event = declared_event(incident)
    outbox = render(playbook, incident, event, "outbox", "chat", templates_dir=folder)
    room = render(playbook, incident, event, "room", "chat", templates_dir=folder)
    builtin = render(playbook, incident, event, "outbox", "chat")
    assert outbox.text == "folder: Customer portal returning errors"
    assert room.text == "room: Customer portal returning errors via room"
    assert builtin.text.startswith("🔴 Investigating")
    # parts the folder does not override still come from the built-ins
    email = render(playbook, incident, event, "mail", "email", templates_dir=folder)
    assert email.subject == "[Acme Cloud] Investigating: Customer portal returning errors"
    renderer = Renderer(playbook, folder)
    assert renderer.locate("investigating.chat.j2") == folder / "investigating.chat.j2"
    assert renderer.locate("investigating.short.j2") == (
        builtin_templates_dir() / "en" / "investigating.short.j2"
    )
    assert renderer.locate("../incidentctl.yaml") is None


def test_french_organization_gets_french_builtins() -> None:
    incident = make_incident()
    message = render(make_playbook("fr"), incident, declared_event(incident), "outbox", "chat")
    assert message.text.startswith("🔴 Incident en cours d'analyse")


def test_undefined_variable_names_the_template_and_line(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "investigating.chat.j2": "{{ incident.title }}\n\n{{ incident.sevrity.name }}",
        },
    )
    incident = make_incident()
    with pytest.raises(TemplateError) as caught:
        render(
            make_playbook(),
            incident,
            declared_event(incident),
            "outbox",
            "chat",
            templates_dir=folder,
        )
    message = str(caught.value)
    assert "investigating.chat.j2" in message
    assert "line 3" in message
    assert "sevrity" in message
    assert "\n" not in message
    # the failing file and line, apart, for lint
    assert caught.value.template == str(folder / "investigating.chat.j2")
    assert caught.value.line == 3
    assert caught.value.reason == "undefined variable incident.sevrity"


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ incident.titel }}", "undefined variable incident.titel"),
        ("{{ incident . titel | upper }}", "undefined variable incident.titel"),
        ("{{ incident.severity.nmae }}", "undefined variable incident.severity.nmae"),
        ("{{ incident['titel'] }}", "undefined variable incident['titel']"),
        ("{% for c in incident.components %}{{ c.nmae }}{% endfor %}", "undefined variable c.nmae"),
        ("{{ incident.components[7].name }}", "undefined variable incident.components[7]"),
        ("{{ nobody }}", "undefined variable nobody"),
        ("{{ nobody.title }}", "undefined variable nobody"),
        (
            "{{ 'x.titel' }}{{ incident.title }}{{ incident.titel }}",
            "undefined variable incident.titel",
        ),
        (
            "{% set t = 'titel' %}{{ incident[t] }}",
            "undefined attribute 'titel' (the value is a dict object)",
        ),
    ],
    ids=[
        "attribute",
        "spaces-and-filter",
        "nested",
        "subscript",
        "loop-variable",
        "element",
        "name",
        "attribute-of-undefined",
        "not-in-a-string",
        "not-written",
    ],
)
def test_undefined_variable_is_named_as_written(tmp_path: Path, template: str, reason: str) -> None:
    folder = write(tmp_path / "templates", {"investigating.chat.j2": f"Title\n{template}\n"})
    incident = make_incident()
    with pytest.raises(TemplateError) as caught:
        render(
            make_playbook(),
            incident,
            declared_event(incident),
            "outbox",
            "chat",
            templates_dir=folder,
        )
    assert (caught.value.reason, caught.value.line) == (reason, 2)
    assert str(caught.value) == f"template 'templates/investigating.chat.j2', line 2: {reason}"


def test_undefined_variable_in_an_extended_layout_points_at_the_layout(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "_layout.j2": "top\n{% block body %}{% endblock %}\n{{ nowhere }}",
            "investigating.chat.j2": '{% extends "_layout.j2" %}{% block body %}x{% endblock %}',
        },
    )
    incident = make_incident()
    with pytest.raises(TemplateError, match=r"_layout\.j2.*line 3: undefined variable nowhere$"):
        render(
            make_playbook(),
            incident,
            declared_event(incident),
            "outbox",
            "chat",
            templates_dir=folder,
        )


def test_syntax_error_names_the_template_and_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "templates", {"investigating.chat.j2": "ok\n{% if %}\n"})
    incident = make_incident()
    with pytest.raises(TemplateError, match=r"investigating\.chat\.j2.*line 2"):
        render(
            make_playbook(),
            incident,
            declared_event(incident),
            "outbox",
            "chat",
            templates_dir=folder,
        )


def test_missing_channel_template_is_a_template_error(tmp_path: Path) -> None:
    playbook = make_playbook(channels=with_channel_templates(text="room-{stage}.j2"))
    incident = make_incident()
    with pytest.raises(TemplateError, match=r"'room-investigating\.j2' not found"):
        render(playbook, incident, declared_event(incident), "room", "chat", templates_dir=tmp_path)
    with pytest.raises(TemplateError, match="need a `templates:` folder"):
        render(playbook, incident, declared_event(incident), "room", "chat")


def test_runtime_errors_of_user_templates_become_template_errors(tmp_path: Path) -> None:
    folder = write(tmp_path / "templates", {"investigating.chat.j2": "\n{{ 1 / 0 }}"})
    incident = make_incident()
    with pytest.raises(TemplateError, match=r"line 2: ZeroDivisionError"):
        render(
            make_playbook(),
            incident,
            declared_event(incident),
            "outbox",
            "chat",
            templates_dir=folder,
        )


def test_the_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "investigating.chat.j2": "{{ incident.__class__.__mro__ }}",
            "identified.chat.j2": "{{ ''.__class__.__subclasses__() }}",
        },
    )
    playbook = make_playbook()
    renderer = Renderer(playbook, folder)
    incident = make_incident()
    context = build_context(playbook, incident, declared_event(incident), now=NOW)
    with pytest.raises(TemplateError):
        renderer.render(Stage.IDENTIFIED, "outbox", "chat", context)
    # an unsafe attribute is undefined in the sandbox, and undefined is an error
    with pytest.raises(TemplateError):
        renderer.render(Stage.INVESTIGATING, "outbox", "chat", context)


def test_html_is_escaped_only_in_html_parts() -> None:
    incident = make_incident(title='<script>alert("x")</script> & co')
    message = render(make_playbook(), incident, declared_event(incident), "mail", "email")
    assert message.html is not None
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in message.html
    assert '<script>alert("x")</script> & co' in message.text
    assert "&lt;" not in message.text and "&amp;" not in message.text
    assert message.subject == '[Acme Cloud] Investigating: <script>alert("x")</script> & co'
    chat = render(make_playbook(), incident, declared_event(incident), "outbox", "chat")
    assert '<script>alert("x")</script> & co' in chat.text


def test_a_channel_html_override_is_escaped_too(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates", {f"mail-{s.value}.j2": "<p>{{ incident.title }}</p>" for s in Stage}
    )
    channels = with_channel_templates()
    channels["mail"] = {"type": "sendgrid", "templates": {"html": "mail-{stage}.j2"}}
    incident = make_incident(title="<b>bold</b>")
    message = render(
        make_playbook(channels=channels),
        incident,
        declared_event(incident),
        "mail",
        "email",
        templates_dir=folder,
    )
    assert message.html == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_user_text_is_data_never_a_template() -> None:
    incident = make_incident(
        title="{{ 7*7 }} {% if true %}x{% endif %}",
        impact="{{ org.name }}",
        workaround="{# hidden #}",
    )
    for fmt, channel in (("chat", "outbox"), ("short", "sms"), ("email", "mail")):
        message = render(make_playbook(), incident, declared_event(incident), channel, fmt)
        assert "{{ 7*7 }} {% if true %}x{% endif %}" in message.text
        assert "49" not in message.text
        if fmt != "short":
            assert "{{ org.name }}" in message.text
            assert "{# hidden #}" in message.text


def test_subject_is_one_line_whatever_the_title_holds() -> None:
    incident = make_incident(title="Portal down\r\nBcc: everyone@example.com\n\tagain")
    message = render(make_playbook(), incident, declared_event(incident), "mail", "email")
    assert message.subject == (
        "[Acme Cloud] Investigating: Portal down Bcc: everyone@example.com again"
    )


def test_text_is_stripped_and_none_never_printed(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "investigating.chat.j2": (
                "\n\n  {{ org.status_page_url }}|{{ org.support_contact }}  \n\n"
            ),
        },
    )
    playbook = make_playbook(organization={"name": "Acme"})
    incident = make_incident()
    message = render(
        playbook, incident, declared_event(incident), "outbox", "chat", templates_dir=folder
    )
    assert message.text == "|"


def test_channel_info_is_added_to_the_context(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "investigating.chat.j2": "{{ channel.name }} {{ channel.type }} {{ channel.audience }}",
        },
    )
    incident = make_incident()
    playbook = make_playbook()
    assert (
        render(
            playbook, incident, declared_event(incident), "room", "chat", templates_dir=folder
        ).text
        == "room slack internal"
    )
    assert (
        render(
            playbook, incident, declared_event(incident), "preview", "chat", templates_dir=folder
        ).text
        == "preview  public"
    )


def test_compile_all_is_clean_for_the_builtins() -> None:
    for language in ("en", "fr"):
        assert Renderer(make_playbook(language), None).compile_all() == []


def test_compile_all_reports_broken_overrides_and_missing_files(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {
            "investigating.chat.j2": "fine {{ incident.title }}",
            "identified.chat.j2": "line one\n{% for x in %}\n",
            "nested/extra.j2": "{{ unclosed",
            "README.md": "{{ not a template",
        },
    )
    channels = with_channel_templates(text="room-{stage}.j2")
    channels["room"]["stages"] = ["resolved"]  # type: ignore[index]
    problems = Renderer(make_playbook(channels=channels), folder).compile_all()
    by_file = {Path(path).name: (line, message) for path, line, message in problems}
    assert by_file["identified.chat.j2"][0] == 2
    assert "extra.j2" in by_file
    assert "README.md" not in by_file
    assert "investigating.chat.j2" not in by_file
    assert by_file["room-resolved.j2"] == (
        0,
        "channel 'room' text template 'room-resolved.j2' not found",
    )
    assert "room-investigating.j2" not in by_file


def test_compile_all_reports_a_missing_templates_folder(tmp_path: Path) -> None:
    problems = Renderer(make_playbook(), tmp_path / "nope").compile_all()
    assert problems == [(str(tmp_path / "nope"), 0, "templates folder not found")]


def test_a_template_cannot_change_the_data_other_channels_see(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "templates",
        {"investigating.chat.j2": "{{ incident.components.append({'name': 'x'}) }}"},
    )
    playbook = make_playbook()
    incident = make_incident()
    context = build_context(playbook, incident, declared_event(incident), now=NOW)
    with pytest.raises(TemplateError, match=r"append"):
        Renderer(playbook, folder).render(Stage.INVESTIGATING, "outbox", "chat", context)
    assert len(context["incident"]["components"]) == 1
