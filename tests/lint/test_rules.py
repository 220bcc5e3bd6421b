"""One case per line: a small playbook -> the (line, column, rule) of every problem lint finds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, ClassVar

import pytest
from pydantic import model_validator

from incidentctl.channels import registry
from incidentctl.channels.base import BaseChannel, ChannelSettings
from incidentctl.channels.secrets import SECRET
from incidentctl.lint import lint_playbook
from incidentctl.lint.rules import RULES, RULES_BY_ID
from incidentctl.model.problem import Problem
from incidentctl.model.records import RenderedMessage
from incidentctl.playbook.templates_folder import TEMPLATE_ROOTS_ENV
from tests.lint.conftest import NOW, SECRETS, SLACK_HOOK, VALID, Lint, write_tree

Where = tuple[int, int, str]

TEMPLATED = VALID + "templates: tpl\n"  # line 10
STAGES = ("investigating", "identified", "monitoring", "resolved")
CHAT_TEMPLATES = {f"tpl/{stage}.chat.j2": "{{ incident.title }}" for stage in STAGES}


def channel(settings: str) -> str:
    """VALID with the `chat` channel's settings (from line 9) replaced."""
    return VALID.replace("    type: console\n", settings)


def where(problems: list[Problem]) -> list[Where]:
    return [(p.line, p.column, p.rule) for p in problems]


def test_valid_playbook_has_no_problem(lint: Lint) -> None:
    assert lint(VALID) == []
    assert lint(TEMPLATED, CHAT_TEMPLATES) == []


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        ("organization: {name: Acme\n", [(2, 1, "yaml-syntax")]),
        ("organization:\n  name: Acme\n   timezone: UTC\n", [(3, 12, "yaml-syntax")]),
        ("organization:\n\tname: Acme\n", [(2, 1, "yaml-syntax")]),
        ("- just\n- a list\n", [(1, 1, "schema")]),
        ("", [(1, 1, "schema")]),
    ],
    ids=["unclosed-flow", "bad-indent", "tab", "not-a-mapping", "empty"],
)
def test_yaml_syntax(lint: Lint, playbook: str, expected: list[Where]) -> None:
    assert where(lint(playbook)) == expected


def test_recursive_alias_is_one_problem(lint: Lint) -> None:
    assert where(lint("organization: &org {name: Acme, again: *org}\n")) == [(1, 15, "yaml-syntax")]


def alias_bomb(depth: int) -> str:
    """The "billion laughs": each level an alias of nine copies of the one before."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, depth + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_at_once_with_a_location(lint: Lint) -> None:
    # 9**10 nodes once expanded: the walk stops counting at the documented bound
    problems = lint(alias_bomb(9))
    assert [(p.rule, "expand past" in p.message) for p in problems] == [("yaml-syntax", True)]
    assert problems[0].line >= 1


def test_nesting_past_the_limit_is_refused(lint: Lint) -> None:
    deep = "organization: " + "[" * 200 + "]" * 200 + "\n"
    problems = lint(deep)
    assert [(p.rule, "nested deeper" in p.message) for p in problems] == [("yaml-syntax", True)]


def test_unclosed_flow_says_where_it_opened(lint: Lint) -> None:
    text = "organization:\n  name: Acme\nseverities: [\n  {id: a,\n   name: b\nroles: {}\n"
    [problem] = lint(text)
    assert problem.line == 6 and "opened at line 4" in problem.message


@pytest.mark.parametrize(
    ("playbook", "wanted"),
    [
        (
            VALID.replace("name: Critical,", "name: Critical, update_every: 30,"),
            "needs a unit: 30m",
        ),
        (VALID + "roles:\n  ic: {name: IC, default: alice}\n", "must be a @handle"),
        (VALID.replace("id: sev2", "id: Sev2"), "lower-case letters, digits"),
        (
            VALID.replace("organization: {name: Acme}", "organization: {name: Acme, language: de}"),
            "must be 'en' or 'fr' (got 'de')",
        ),
        (channel("    type: console\n    enabled: maybe\n"), "expected true or false"),
        (channel("    type: console\n    timeout: fast\n"), "expected a number of seconds"),
    ],
    ids=["duration", "handle", "identifier", "literal", "boolean", "number"],
)
def test_schema_errors_speak_the_authors_language(lint: Lint, playbook: str, wanted: str) -> None:
    messages = [p.message for p in lint(playbook) if p.rule == "schema"]
    assert len(messages) == 1 and wanted in messages[0], messages
    assert "should" not in messages[0] and "pattern" not in messages[0]


def test_unclosed_environment_reference_is_its_own_problem(lint: Lint) -> None:
    text = channel("    type: webhook\n    url: ${HOOK_URL\n")
    problems = lint(text)
    assert [(p.line, p.rule) for p in problems if p.level == "error"] == [(10, "env-reference")]
    assert "write ${HOOK_URL}" in problems[0].message


def test_missing_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    problems = lint_playbook(missing, env={}, now=NOW)
    assert where(problems) == [(1, 1, "yaml-syntax")]
    assert problems[0].file == str(missing)
    assert "not found" in problems[0].message


def test_folder_and_bad_encoding_are_problems(tmp_path: Path) -> None:
    assert where(lint_playbook(tmp_path, env={}, now=NOW)) == [(1, 1, "yaml-syntax")]
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("organization: {name: Société}\n".encode("latin-1"))
    # at the byte that is not UTF-8: é
    assert where(lint_playbook(latin, env={}, now=NOW)) == [(1, 26, "yaml-syntax")]


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        (VALID + "  chat:\n    type: outbox\n", [(10, 3, "duplicate-key")]),
        (VALID.replace("{name: Acme}", "{name: Acme, name: Beta}"), [(1, 28, "duplicate-key")]),
    ],
    ids=["channel", "flow-mapping"],
)
def test_duplicate_key(lint: Lint, playbook: str, expected: list[Where]) -> None:
    assert where(lint(playbook)) == expected


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        (VALID.replace("Acme}", "Acme, timezone: Mars/Olympus}"), [(1, 38, "schema")]),
        (VALID.replace("Acme}", "Acme, colour: red}"), [(1, 28, "schema")]),
        (VALID.replace("{name: Acme}", "{timezone: UTC}"), [(1, 15, "schema")]),
        (VALID.replace("Critical,", "Critical, update_every: 15x,"), [(3, 46, "schema")]),
        (VALID.replace("Critical,", "Critical, update_every: 0m,"), [(3, 46, "schema")]),
        ("incident_id_format: INC-{date:%Y}\n" + VALID, [(1, 21, "schema")]),
        (channel("    type: console\n    stages: [investigatin]\n"), [(10, 14, "schema")]),
        (channel("    type: webhook\n"), [(9, 5, "schema")]),
    ],
    ids=[
        "timezone",
        "unknown-key",
        "missing-key",
        "duration",
        "zero-duration",
        "id-format",
        "stage",
        "channel-missing-setting",
    ],
)
def test_schema(lint: Lint, playbook: str, expected: list[Where]) -> None:
    assert where(lint(playbook)) == expected


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        (
            VALID.replace("{all: [chat]}}\n  - {id: sev2", "{al: [chat]}}\n  - {id: sev2"),
            [(3, 41, "schema")],
        ),
        (channel("    type: outbox\n    colour: red\n"), [(10, 5, "schema")]),
    ],
    ids=["notify-stage", "channel-unknown-setting"],
)
def test_schema_points_at_a_bad_mapping_key(
    lint: Lint, playbook: str, expected: list[Where]
) -> None:
    assert where(lint(playbook)) == expected


@pytest.mark.parametrize(
    ("playbook", "message"),
    [
        (
            VALID.replace("Critical,", "Critical, updte_every: 15m,"),
            "unknown key 'updte_every' in severities.0; did you mean 'update_every'?",
        ),
        (
            VALID.replace("Acme}", "Acme, timezon: UTC}"),
            "unknown key 'timezon' in organization; did you mean 'timezone'?",
        ),
        (
            VALID.replace("sev1}", "sev1, all_channel: true}"),
            "unknown key 'all_channel' in categories.security; did you mean 'all_channels'?",
        ),
        ("severites: []\n" + VALID, "unknown key 'severites'; did you mean 'severities'?"),
        (VALID.replace("Acme}", "Acme, colour: red}"), "unknown key 'colour' in organization"),
        (
            channel("    type: slack\n    webhok_url: ${HOOK}\n"),
            "channel 'chat' (slack): unknown key 'webhok_url'; did you mean 'webhook_url'?",
        ),
        (
            channel("    type: outbox\n    stagse: [resolved]\n"),
            "channel 'chat' (outbox): unknown key 'stagse'; did you mean 'stages'?",
        ),
        (
            channel("    type: outbox\n    zzz: 1\n"),
            "channel 'chat' (outbox): unknown key 'zzz'",
        ),
    ],
    ids=[
        "severity",
        "organization",
        "category",
        "top-level",
        "nothing-close",
        "channel-type-key",
        "channel-common-key",
        "channel-nothing-close",
    ],
)
def test_unknown_key_suggests_a_close_one(lint: Lint, playbook: str, message: str) -> None:
    assert [p.message for p in lint(playbook) if "unknown key" in p.message] == [message]


def test_duplicate_severity_id_is_located_and_other_rules_still_run(lint: Lint) -> None:
    again = "  - {id: sev1, name: Again, notify: {all: [nowhere]}}\n"
    playbook = VALID.replace("categories:\n", again + "categories:\n")
    problems = lint(playbook)
    assert where(problems) == [(5, 10, "duplicate-id"), (5, 44, "unknown-reference")]
    assert problems[0].message == "duplicate severity id 'sev1' (first at line 3)"
    assert problems[1].message.startswith("severity 'sev1' notifies unknown channel 'nowhere'")


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        (
            VALID.replace("[chat]}}\n  - {id: sev2", "[chat, pager]}}\n  - {id: sev2"),
            [(3, 53, "unknown-reference")],
        ),
        (VALID.replace("min_severity: sev1", "min_severity: sev0"), [(6, 44, "unknown-reference")]),
        (
            channel("    type: console\n    severities: [sev1, sev9]\n"),
            [(10, 24, "unknown-reference")],
        ),
    ],
    ids=["notify", "min-severity", "channel-severities"],
)
def test_unknown_reference(lint: Lint, playbook: str, expected: list[Where]) -> None:
    assert where(lint(playbook)) == expected


def test_unknown_channel_type(lint: Lint) -> None:
    problems = lint(channel("    type: carrier-pigeon\n"))
    assert where(problems) == [(9, 11, "unknown-channel-type")]
    assert "known: " in problems[0].message and "console" in problems[0].message


def test_channel_settings(lint: Lint) -> None:
    problems = lint(channel("    type: webhook\n    url: http://hooks.example.com/in\n"))
    assert where(problems) == [(10, 10, "channel-settings")]


def test_slack_webhook_mode_refuses_api_base(lint: Lint) -> None:
    settings = (
        "    type: slack\n    webhook_url: ${SLACK_WEBHOOK_URL}\n    api_base: https://x.test/api\n"
    )
    problems = lint(channel(settings))
    assert where(problems) == [(11, 15, "channel-settings")]
    assert problems[0].level == "error" and "incoming webhook" in problems[0].message


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_literal_secret_shapes_anywhere(lint: Lint, secret: str) -> None:
    playbook = VALID + f"values:\n  - {{name: Calm, in_practice: 'see {secret} first'}}\n"
    problems = lint(playbook)
    assert where(problems) == [(11, 31, "literal-secret")]
    assert problems[0].message.startswith("literal secret in values.0.in_practice: use ${ENV_VAR}")


@pytest.mark.parametrize(
    "text",
    [
        "Send a Bearer token from the vault",
        "Tokens start with xoxb- in Slack",
        "https://hooks.slack.com/services/... comes from ${SLACK_WEBHOOK_URL}",
        "https://ops:${OPS_PASSWORD}@db.internal/incidents",
    ],
    ids=["prose-bearer", "prose-slack", "placeholder-hook", "password-reference"],
)
def test_literal_secret_ignores_look_alikes(lint: Lint, text: str) -> None:
    assert lint(VALID + f"values:\n  - {{name: Calm, in_practice: '{text}'}}\n") == []


HOOK = "    type: webhook\n    url: ${HOOK_URL}\n"  # lines 9-10


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (HOOK + "    secret: hunter2\n", [(11, 13, "literal-secret")]),
        (HOOK + "    secret: ${HOOK_SECRET}\n", []),
        (HOOK + "    secret: '${HOOK_SECRET:-hunter2}'\n", [(11, 13, "literal-secret")]),
        (HOOK + "    secret: '${HOOK_SECRET:-}'\n", []),
        (HOOK + "    headers:\n      X-Api-Key: abc\n", [(12, 18, "literal-secret")]),
        (
            HOOK + "    headers:\n      Authorization: Basic dXNlcjpwYXNz\n",
            [(12, 22, "literal-secret")],
        ),
        (HOOK + "    headers:\n      X-Team: ops\n", []),
        (
            "    type: webhook\n    url: https://ops.example.com/hooks/aZ0aZ0aZ0aZ0aZ0aZ0\n",
            [(10, 10, "literal-secret")],
        ),
        (
            "    type: webhook\n    url: https://ops.example.com/in?token=abc\n",
            [(10, 10, "literal-secret")],
        ),
        ("    type: webhook\n    url: https://ops.example.com/incidents/inbound\n", []),
        ("    type: webhook\n    url: https://ops.example.com/${HOOK_PATH}\n", []),
        (
            "    type: statuspage\n    api_key: ${SP_KEY}\n    page_id: kctbh9vrtdwd\n"
            "    components:\n      keycloak: 0123456789abcdefghij\n",
            [],
        ),
    ],
    ids=[
        "secret",
        "reference",
        "default",
        "empty-default",
        "header-key",
        "authorization",
        "plain-header",
        "url-token-path",
        "url-token-query",
        "plain-url",
        "url-reference",
        "not-a-key",
    ],
)
def test_literal_secret_in_channel_settings(
    lint: Lint, settings: str, expected: list[Where]
) -> None:
    problems = lint(channel(settings))
    # a channel type may warn about the same setting too (channel-settings)
    assert [w for w in where(problems) if w[2] != "channel-settings"] == expected


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (f"    type: slack\n    webhook_url: {SLACK_HOOK}\n", [(10, 18, "literal-secret")]),
        ("    type: slack\n    bot_token: abc\n    channel: C0123\n", [(10, 16, "literal-secret")]),
        ("    type: pagerduty\n    routing_key: abc123\n", [(10, 18, "literal-secret")]),
        (HOOK + "    secret: hunter2\n", [(11, 13, "literal-secret")]),
        # other problems with the same value stay
        (
            "    type: webhook\n    url: http://ops.example.com/in?token=abc\n",
            [(10, 10, "channel-settings"), (10, 10, "literal-secret")],
        ),
        # the channel type's warning stays where literal-secret sees no token
        (
            "    type: mattermost\n    url: https://mm.example.com/hooks/abcdefghijklmnopqrstuvwxyz\n",
            [(10, 10, "channel-settings")],
        ),
    ],
    ids=["slack-webhook", "slack-token", "pagerduty-key", "webhook-secret", "http", "no-token"],
)
def test_literal_secret_is_reported_once(lint: Lint, settings: str, expected: list[Where]) -> None:
    assert where(lint(channel(settings))) == expected


class VaultSettings(ChannelSettings):
    """A plugin's settings: `passphrase` is declared secret, `token_hint` is not."""

    passphrase: Annotated[str, SECRET]
    token_hint: str = ""


class VaultChannel(BaseChannel[VaultSettings]):
    type = "vault"
    settings_model = VaultSettings


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("    passphrase: open-sesame\n", [(10, 17, "literal-secret")]),
        ("    passphrase: ${VAULT_PASSPHRASE}\n", []),
        ("    passphrase: ${VAULT_PASSPHRASE}\n    token_hint: ask ops\n", []),
    ],
    ids=["declared-secret", "reference", "undeclared-secret-like-name"],
)
def test_literal_secret_reads_the_channel_types_declaration(
    lint: Lint, monkeypatch: pytest.MonkeyPatch, settings: str, expected: list[Where]
) -> None:
    monkeypatch.setitem(registry.BUILTIN_CHANNELS, "vault", lambda: VaultChannel)
    assert where(lint(channel("    type: vault\n" + settings))) == expected


def test_literal_secret_judges_an_unknown_type_by_setting_names(lint: Lint) -> None:
    problems = lint(channel("    type: vault\n    token_hint: ask ops\n"))
    assert [w for w in where(problems) if w[2] == "literal-secret"] == [(10, 17, "literal-secret")]


def test_literal_secret_message_names_the_place_not_the_secret(lint: Lint) -> None:
    problems = lint(channel(f"    type: webhook\n    url: {SLACK_HOOK}\n"))
    assert [p.message for p in problems if p.rule == "literal-secret"] == [
        "literal secret in channels.chat.url: use ${ENV_VAR} (Slack webhook URL)"
    ]


def test_literal_secret_as_a_mapping_key_is_found_and_not_shown(lint: Lint) -> None:
    bearer = SECRETS["bearer"]
    problems = lint(channel(f"{HOOK}    headers: {{'{bearer}': x}}\n"))
    assert [w for w in where(problems) if w[2] != "channel-settings"] == [
        (11, 15, "literal-secret")
    ]
    assert all(bearer not in p.message for p in problems)


def test_a_secret_quoted_by_any_rule_is_redacted(lint: Lint) -> None:
    token = SECRETS["slack-token"]
    problems = lint(channel(f"    type: {token}\n"))
    assert where(problems) == [(9, 11, "literal-secret"), (9, 11, "unknown-channel-type")]
    assert problems[1].message.startswith("channel 'chat' has unknown type '<secret>'")
    assert all(token not in p.message for p in problems)


def test_template_syntax_is_located_in_the_template(lint: Lint, tmp_path: Path) -> None:
    files = {**CHAT_TEMPLATES, "tpl/identified.chat.j2": "Title\n{{ incident.title }\n"}
    problems = lint(TEMPLATED, files)
    assert where(problems) == [(2, 1, "template-syntax")]
    assert problems[0].file == str(tmp_path / "tpl" / "identified.chat.j2")


def test_template_render_undefined_variable(lint: Lint, tmp_path: Path) -> None:
    files = {**CHAT_TEMPLATES, "tpl/monitoring.chat.j2": "Hello\n{{ incident.tittle }}"}
    problems = lint(TEMPLATED, files)
    assert where(problems) == [(2, 1, "template-render")]
    assert problems[0].file == str(tmp_path / "tpl" / "monitoring.chat.j2")
    assert problems[0].message == "undefined variable incident.tittle (channel 'chat': monitoring)"


# three more channels that the severities notify, all rendering the chat templates
FOUR_CHANNELS = (
    VALID.replace("[chat]", "[chat, ops, news, desk]")
    + "  ops: {type: outbox}\n  news: {type: outbox, stages: [investigating, resolved]}\n"
    + "  desk: {type: outbox, audience: public}\ntemplates: tpl\n"
)
TITEL = "undefined variable incident.titel"
ALL = "'chat', 'ops', 'news', 'desk'"
NOT_NEWS = "'chat', 'ops', 'desk'"
FOOTER = {name: "{% include '_footer.j2' %}" for name in CHAT_TEMPLATES}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"tpl/investigating.chat.j2": "Hi\n{{ incident.titel }}"},
            [("investigating.chat.j2", 2, f"{TITEL} (channels {ALL}: investigating)")],
        ),
        (
            {f"tpl/{stage}.chat.j2": "{{ incident.titel }}" for stage in STAGES},
            [
                ("identified.chat.j2", 1, f"{TITEL} (channels {NOT_NEWS}: identified)"),
                ("investigating.chat.j2", 1, f"{TITEL} (channels {ALL}: investigating)"),
                ("monitoring.chat.j2", 1, f"{TITEL} (channels {NOT_NEWS}: monitoring)"),
                ("resolved.chat.j2", 1, f"{TITEL} (channels {ALL}: resolved)"),
            ],
        ),
        (
            {**FOOTER, "tpl/_footer.j2": "--\n{{ org.nmae }}"},
            [
                (
                    "_footer.j2",
                    2,
                    f"undefined variable org.nmae (channels {NOT_NEWS}: investigating,"
                    " identified, monitoring, resolved; 'news': investigating, resolved)",
                )
            ],
        ),
    ],
    ids=["one-file-every-channel", "one-problem-per-file", "shared-include"],
)
def test_template_render_one_problem_per_template_line(
    lint: Lint, files: dict[str, str], expected: list[tuple[str, int, str]]
) -> None:
    problems = lint(FOUR_CHANNELS, files)
    assert [(Path(p.file).name, p.line, p.message) for p in problems] == expected
    assert {(p.column, p.rule) for p in problems} == {(1, "template-render")}


def test_template_render_runtime_error_is_a_problem(lint: Lint) -> None:
    files = {**CHAT_TEMPLATES, "tpl/resolved.chat.j2": "{{ 1 // 0 }}"}
    problems = lint(TEMPLATED, files)
    assert where(problems) == [(1, 1, "template-render")]
    assert problems[0].message.startswith("ZeroDivisionError: ")
    assert problems[0].message.endswith(" (channel 'chat': resolved)")


def test_template_render_missing_include_is_located_at_the_include(lint: Lint) -> None:
    files = {**CHAT_TEMPLATES, "tpl/resolved.chat.j2": "Bye\n{% include '_nowhere.j2' %}"}
    problems = lint(TEMPLATED, files)
    assert where(problems) == [(2, 1, "template-render")]
    assert "'_nowhere.j2' not found" in problems[0].message


class FaxChannel(BaseChannel):
    """A plugin channel with a message format the renderer does not know."""

    type = "fax"
    message_format = "fax"  # type: ignore[assignment]


def test_template_render_failure_outside_template_files_is_at_the_channel(
    lint: Lint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.BUILTIN_CHANNELS, "fax", lambda: FaxChannel)
    problems = lint(channel("    type: fax\n    stages: [resolved]\n"))
    assert where(problems) == [(8, 3, "template-render")]
    assert problems[0].message.startswith("channel 'chat' (resolved): unknown message format")


def test_template_files_are_named_from_the_playbook_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        **CHAT_TEMPLATES,
        "tpl/identified.chat.j2": "{{ incident.title }",
        "tpl/monitoring.chat.j2": "{{ incident.titel }}",
        "tpl/investigatng.chat.j2": "x",
    }
    write_tree(tmp_path / "ops", TEMPLATED, files)
    monkeypatch.chdir(tmp_path)
    expected = {
        ("ops/tpl/identified.chat.j2", "template-syntax"),
        ("ops/tpl/investigatng.chat.j2", "unused-template"),
        ("ops/tpl/monitoring.chat.j2", "template-render"),
    }
    problems = lint_playbook(Path("ops/playbook.yaml"), env={}, now=NOW)
    assert {(p.file, p.rule) for p in problems} == expected
    monkeypatch.chdir(tmp_path / "ops")
    problems = lint_playbook(Path("playbook.yaml"), env={}, now=NOW)
    assert {(p.file, p.rule) for p in problems} == {
        (file.removeprefix("ops/"), rule) for file, rule in expected
    }


def test_template_files_outside_the_playbook_folder_are_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, "", {"shared/investigating.chat.j2": "{{ incident.titel }}"})
    (tmp_path / "ops").mkdir()
    write_tree(tmp_path / "ops", VALID + "templates: ../shared\n")
    monkeypatch.chdir(tmp_path / "ops")
    # a folder outside the playbook's is read only when whoever runs lint allows it
    refused = lint_playbook(Path("playbook.yaml"), env={}, now=NOW)
    assert [(p.file, p.line, p.rule) for p in refused] == [
        ("playbook.yaml", 10, "unknown-template")
    ]
    assert "outside the playbook's folder" in refused[0].message
    allowed = {TEMPLATE_ROOTS_ENV: str(tmp_path / "shared")}
    problems = lint_playbook(Path("playbook.yaml"), env=allowed, now=NOW)
    assert [(p.file, p.rule) for p in problems] == [
        (str(tmp_path.resolve() / "shared" / "investigating.chat.j2"), "template-render")
    ]


def test_template_render_only_renders_stages_a_channel_receives(lint: Lint) -> None:
    files = {**CHAT_TEMPLATES, "tpl/monitoring.chat.j2": "{{ nobody }}"}
    playbook = channel("    type: console\n    stages: [investigating, resolved]\n")
    assert lint(playbook + "templates: tpl\n", files) == []


@pytest.mark.parametrize(
    ("override", "files", "expected"),
    [
        ("chat-{stage}.j2", {"tpl/chat-investigating.j2": "x"}, [(10, 23, "unknown-template")]),
        ("chat.j2", {"tpl/chat.j2": "{{ incident.title }}"}, []),
        ("../playbook.yaml", {"tpl/README": "x"}, [(10, 23, "unknown-template")]),
    ],
    ids=["missing-stage", "one-file", "outside"],
)
def test_unknown_template(
    lint: Lint, override: str, files: dict[str, str], expected: list[Where]
) -> None:
    playbook = channel(f"    type: console\n    templates: {{text: '{override}'}}\n")
    assert where(lint(playbook + "templates: tpl\n", files)) == expected


def test_unknown_template_folder(lint: Lint) -> None:
    assert where(lint(VALID + "templates: missing\n")) == [(10, 12, "unknown-template")]


def test_unknown_template_message_lists_missing_files(lint: Lint) -> None:
    playbook = channel("    type: console\n    templates: {text: 'chat-{stage}.j2'}\n")
    files = {"tpl/chat-investigating.j2": "x", "tpl/chat-resolved.j2": "x"}
    problems = lint(playbook + "templates: tpl\n", files)
    assert [p.message for p in problems] == [
        "channel 'chat' text template 'chat-identified.j2', 'chat-monitoring.j2' not found"
    ]


class TinyChannel(BaseChannel):
    """A channel with a 40-character limit that counts every character twice."""

    type = "tiny"
    message_format = "short"
    max_length = 40

    def measure(self, message: RenderedMessage) -> int:
        return 2 * len(message.text)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(registry.BUILTIN_CHANNELS, "tiny", lambda: TinyChannel)
    yield


@pytest.mark.usefixtures("tiny")
@pytest.mark.parametrize(
    ("text", "expected"),
    [("x" * 20, []), ("x" * 21, [(8, 3, "message-too-long")] * 4)],
    ids=["at-limit", "over-limit"],
)
def test_message_too_long(lint: Lint, text: str, expected: list[Where]) -> None:
    files = {f"tpl/{stage}.short.j2": text for stage in STAGES}
    assert where(lint(channel("    type: tiny\n") + "templates: tpl\n", files)) == expected


@pytest.mark.usefixtures("tiny")
def test_message_too_long_names_channel_stage_count_and_limit(lint: Lint) -> None:
    files = {f"tpl/{stage}.short.j2": "x" * 30 for stage in STAGES}
    playbook = channel("    type: tiny\n    stages: [resolved]\n") + "templates: tpl\n"
    assert [p.message for p in lint(playbook, files)] == [
        "channel 'chat' (tiny) resolved message is 60 characters, over the limit of 40"
    ]


class CountedSettings(ChannelSettings):
    """Settings that count how often they are validated."""

    validations: ClassVar[int] = 0

    @model_validator(mode="after")
    def _count(self) -> CountedSettings:
        type(self).validations += 1
        return self


class CountedChannel(TinyChannel):
    type = "counted"
    settings_model = CountedSettings


def test_lint_validates_each_channels_settings_once(
    monkeypatch: pytest.MonkeyPatch, lint: Lint
) -> None:
    monkeypatch.setitem(registry.BUILTIN_CHANNELS, "counted", lambda: CountedChannel)
    monkeypatch.setattr(CountedSettings, "validations", 0)
    files = {f"tpl/{stage}.short.j2": "x" * 30 for stage in STAGES}
    problems = lint(channel("    type: counted\n") + "templates: tpl\n", files)
    assert where(problems) == [(8, 3, "message-too-long")] * 4
    assert CountedSettings.validations == 1


@pytest.mark.parametrize(
    ("spare", "expected"),
    [
        ("    type: outbox\n", []),
        ("    type: outbox\n    enabled: false\n", [(10, 3, "unused-channel")]),
        ("    type: outbox\n    severities: [sev2]\n", []),
    ],
    ids=["reached-by-category", "disabled", "filtered-but-reached-by-category"],
)
def test_unused_channel(lint: Lint, spare: str, expected: list[Where]) -> None:
    assert where(lint(VALID + "  spare:\n" + spare)) == expected


def test_unused_channel_without_category_that_reaches_all(lint: Lint) -> None:
    playbook = """\
        organization: {name: Acme}
        severities:
          - {id: sev1, name: Critical, notify: {all: [chat, parked]}}
          - {id: sev2, name: Major, notify: {all: [chat, picky]}}
        categories:
          security: {name: Security, min_severity: sev1, all_channels: false}
        channels:
          chat: {type: console}
          parked: {type: outbox, enabled: false}
          nobody: {type: outbox}
          picky: {type: outbox, severities: [sev1], stages: [resolved]}
        """
    assert where(lint(playbook)) == [(10, 3, "unused-channel"), (11, 3, "unused-channel")]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"tpl/investigating.chat.j2": "{{ incident.title }}"}, []),
        ({"tpl/investigatng.chat.j2": "x"}, [(1, 1, "unused-template")]),
        ({"tpl/README.md": "x", "tpl/.gitkeep": ""}, []),
        ({"tpl/resolved.chat.j2": "{% include 'parts/_sig.j2' %}", "tpl/parts/_sig.j2": "Ops"}, []),
    ],
    ids=["overrides-built-in", "typo", "readme", "included"],
)
def test_unused_template(lint: Lint, files: dict[str, str], expected: list[Where]) -> None:
    assert where(lint(TEMPLATED, files)) == expected


def test_unused_template_is_located_in_the_file(lint: Lint, tmp_path: Path) -> None:
    problems = lint(TEMPLATED, {"tpl/investigatng.chat.j2": "x"})
    assert problems[0].file == str(tmp_path / "tpl" / "investigatng.chat.j2")
    assert problems[0].level == "warning"


SEV3 = "  - {id: sev3, name: Minor, notify: {all: [chat]}}\n"  # line 5


@pytest.mark.parametrize(
    ("playbook", "expected"),
    [
        (VALID.replace("categories:\n", SEV3 + "categories:\n"), []),
        (
            VALID.replace("categories:\n", SEV3 + "categories:\n").replace(
                "min_severity: sev1", "min_severity: sev3"
            ),
            [(7, 44, "zero-tolerance")],
        ),
        (VALID.replace("min_severity: sev1", "min_severity: sev2"), []),
        (
            VALID.replace("categories:\n  security: {name: Security, min_severity: sev1}\n", ""),
            [(1, 1, "zero-tolerance")],
        ),
    ],
    ids=["highest", "third", "second", "no-category"],
)
def test_zero_tolerance(lint: Lint, playbook: str, expected: list[Where]) -> None:
    problems = lint(playbook)
    assert where(problems) == expected
    assert all(p.level == "warning" for p in problems)


@pytest.mark.parametrize(
    ("playbook", "files", "expected"),
    [
        (
            VALID.replace("Critical", '"Critical \\e]0;x\\a"'),
            {},
            [(3, 22, "hidden-characters")] * 2,
        ),
        (VALID.replace("name: Acme", 'name: "Acme \\u202e"'), {}, [(1, 22, "hidden-characters")]),
        (VALID.replace("chat:\n", '"cha\\u200bt":\n'), {}, [(8, 3, "hidden-characters")]),
        (
            TEMPLATED,
            {"tpl/investigating.chat.j2": "\ufeffok\nx \u2066{{ incident.title }}\x1b[2J"},
            [(2, 3, "hidden-characters"), (2, 24, "hidden-characters")],
        ),
        (VALID.replace("Acme", "Acme שלום é"), {}, []),
    ],
    ids=["yaml-escapes", "bidi-value", "zero-width-key", "template-line", "plain-rtl"],
)
def test_hidden_characters(
    lint: Lint, playbook: str, files: dict[str, str], expected: list[Where]
) -> None:
    problems = [p for p in lint(playbook, files) if p.rule == "hidden-characters"]
    assert where(problems) == expected
    assert all(p.level == "warning" and "U+" in p.message for p in problems)
    assert all("\x1b" not in str(p) for p in problems)


def test_every_rule_is_documented_and_unique() -> None:
    assert len(RULES_BY_ID) == len(RULES)
    for rule in RULES:
        assert rule.__doc__ is not None and rule.__doc__.startswith(f"{rule.ID}: ")
        assert rule.DEFAULT_LEVEL in ("error", "warning")


def test_problems_are_sorted_by_file_then_position(lint: Lint, tmp_path: Path) -> None:
    spare = "  spare:\n    type: outbox\n    enabled: false\n"
    problems = lint(VALID + spare + "templates: tpl\n", {"tpl/zz.j2": "x", "tpl/aa.j2": "x"})
    assert [(Path(p.file).name, p.line, p.rule) for p in problems] == [
        ("playbook.yaml", 10, "unused-channel"),
        ("aa.j2", 1, "unused-template"),
        ("zz.j2", 1, "unused-template"),
    ]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("    type: console\n    audience: support\n", []),
        ("    type: outbox\n    audience: support\n    stages: [resolved]\n", []),
        ("    type: statussite\n    audience: support\n", [(10, 15, "support-audience")]),
        (
            "    type: twitter\n    audience: support\n    enabled: false\n"
            "    consumer_key: ${X_KEY}\n    consumer_secret: ${X_SECRET}\n"
            "    access_token: ${X_TOKEN}\n    access_token_secret: ${X_TOKEN_SECRET}\n",
            [(10, 15, "support-audience")],
        ),
    ],
    ids=["console", "outbox", "statussite", "x"],
)
def test_support_audience(lint: Lint, settings: str, expected: list[Where]) -> None:
    """A support desk's channel no severity names is used; one that publishes is refused
    (the brief on X is also too long: message-too-long says so)."""
    problems = lint(channel(settings))
    assert where([p for p in problems if p.rule != "message-too-long"]) == expected
