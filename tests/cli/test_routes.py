"""`incidentctl routes`: severities × stages × channels of the shipped playbooks, as a table,
Markdown and JSON, with the worst-case length against each channel's limit."""

from __future__ import annotations

import json
import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incidentctl.app.workspace import load_checked_playbook
from incidentctl.model.records import Stage
from incidentctl.render.worst_case import WORST_CASE_LENGTHS, stretched, worst_case_context
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 12, 19, 13, 0, tzinfo=UTC)


def example(tmp_path: Path, language: str = "en") -> Path:
    target = tmp_path / "incidentctl.yaml"
    shutil.copy(ROOT / "playbooks" / f"example-{language}.yaml", target)
    return target


def routes_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    result = cli(capsys, "routes", "--format", "json", *args)
    assert result.code == 0, result.err
    data: dict[str, Any] = json.loads(result.out)
    return data


def by_key(data: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["severity"], r["stage"], r["channel"]): r for r in data["routes"]}


def test_json_follows_each_severity_notify_list_and_each_channel_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    routes = by_key(routes_json(capsys, "-p", str(example(tmp_path))))
    # sev1 and sev2 tell seven channels; sev3 five; sev4 four (example-en's notify lists),
    # and every severity the support desk's brief channel
    for severity, count in (("sev1", 7), ("sev2", 7), ("sev3", 5), ("sev4", 4)):
        told = {c for (s, stage, c) in routes if s == severity and stage == "investigating"}
        assert len(told - {"support-desk"}) == count, (severity, told)
        assert "support-desk" in told
    desk = routes["sev3", "investigating", "support-desk"]
    assert desk["audience"] == "support"
    assert [t["name"] for t in desk["templates"]] == ["investigating.support.j2"]
    # X only for sev1 and sev2 (`severities:`), e-mail never at monitoring (`stages:`)
    assert ("sev2", "resolved", "x") in routes and ("sev3", "resolved", "x") not in routes
    assert ("sev1", "identified", "email") in routes
    assert ("sev1", "monitoring", "email") not in routes
    x = routes["sev1", "investigating", "x"]
    assert (x["type"], x["audience"], x["enabled"]) == ("twitter", "public", False)
    assert x["templates"] == [
        {
            "part": "text",
            "name": "investigating.short.j2",
            "file": "investigating.short.j2",
            "source": "built-in",
        }
    ]
    assert x["limit"] == 280 and 200 < x["worst_case_length"] <= 280 and not x["over_limit"]
    email = routes["sev2", "resolved", "email"]
    assert [t["part"] for t in email["templates"]] == ["subject", "text", "html"]
    assert email["limit"] is None and email["worst_case_length"] > 1000
    console = routes["sev4", "monitoring", "console"]
    assert (console["audience"], console["enabled"], console["error"]) == ("internal", True, "")


def test_the_worst_case_is_longer_than_the_sample_and_says_how_it_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = example(tmp_path)
    data = routes_json(capsys, "-p", str(playbook), "--severity", "sev1")
    assert "100-character title" in data["note"] and "every component" in data["note"]
    outbox = by_key(data)["sev1", "investigating", "outbox"]
    sample = cli(capsys, "preview", "--all", "-p", str(playbook)).out
    block = sample.split("==> sev1/investigating/outbox.txt <==\n")[1].split("==> ")[0]
    assert outbox["worst_case_length"] > len(block.strip()) + sum(
        WORST_CASE_LENGTHS[k] // 2 for k in ("title", "impact", "workaround")
    )


def test_table_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = cli(capsys, "routes", "-p", str(example(tmp_path)), "--severity", "SEV3")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == [
        "SEV", "STAGE", "CHANNEL", "TYPE", "AUDIENCE", "ENABLED", "TEMPLATE", "WORST", "CASE"
    ]  # fmt: skip
    rows = [line.split() for line in lines[1:] if line.startswith("sev")]
    assert {row[0] for row in rows} == {"sev3"}
    assert len(rows) == 4 * 6  # every stage, five channels and the support desk's
    slack = next(r for r in rows if r[1] == "identified" and r[2] == "slack")
    assert slack[3:8] == ["slack", "internal", "no", "identified.chat.j2", "(built-in)"]
    length, limit = slack[8].split("/")
    assert int(limit) == 40000 and 500 < int(length) < 40000
    site = next(r for r in rows if r[1] == "resolved" and r[2] == "site")
    assert site[-2:] == ["(no", "limit)"] and int(site[-3]) > 500
    assert "every worst-case message fits its channel's limit" in result.out


OVER = """\
  shouty:
    type: twitter
    audience: public
    templates: {text: "shout-{stage}.j2"}
    consumer_key: ${X_KEY}
    consumer_secret: ${X_SECRET}
    access_token: ${X_TOKEN}
    access_token_secret: ${X_TOKEN_SECRET}
"""


def over_limit_playbook(tmp_path: Path) -> Path:
    playbook = example(tmp_path)
    text = playbook.read_text(encoding="utf-8")
    text = text.replace("# templates: templates", "templates: tpl")
    text = text.replace("all: [site, outbox, console, slack]", "all: [site, outbox, shouty]")
    text = text.replace("\nchannels:\n", "\nchannels:\n" + OVER)
    playbook.write_text(text, encoding="utf-8")
    (tmp_path / "tpl").mkdir()
    for stage in ("investigating", "identified", "monitoring", "resolved"):
        # the sample's title fits three times in 280 characters; the worst case's does not
        (tmp_path / "tpl" / f"shout-{stage}.j2").write_text(
            "{{ incident.title }} {{ incident.title }} {{ incident.title }}", encoding="utf-8"
        )
    return playbook


def test_a_template_over_the_limit_in_the_worst_case_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = over_limit_playbook(tmp_path)
    assert cli(capsys, "lint", str(playbook)).code == 0  # the sample fits: lint is content
    data = routes_json(capsys, "-p", str(playbook), "--severity", "sev4")
    shouty = by_key(data)["sev4", "investigating", "shouty"]
    assert shouty["templates"][0]["file"] == "tpl/shout-investigating.j2"
    assert shouty["templates"][0]["source"] == "playbook"
    assert shouty["over_limit"] and shouty["worst_case_length"] == 3 * 100 + 2
    assert shouty["limit"] == 280
    table = cli(capsys, "routes", "-p", str(playbook), "--severity", "sev4").out
    row = next(line for line in table.splitlines() if "investigating  shouty" in line)
    assert "tpl/shout-investigating.j2 (playbook)" in row and row.endswith("OVER LIMIT")
    assert "4 over their channel's limit: sev4 investigating shouty" in table
    markdown = cli(capsys, "routes", "-p", str(playbook), "--format", "md").out
    assert "| investigating | shouty | twitter | public | yes |" in markdown
    assert "tpl/shout-investigating.j2 (playbook) | **" in markdown


def test_markdown_is_a_section_per_severity_with_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "routes", "-p", str(example(tmp_path)), "--format", "md")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "# Routes"
    assert [line for line in lines if line.startswith("## ")] == [
        "## sev1", "## sev2", "## sev3", "## sev4"
    ]  # fmt: skip
    header = "| Stage | Channel | Type | Audience | Enabled | Template | Worst case |"
    assert lines.count(header) == 4
    assert lines[lines.index(header) + 1] == "|---|---|---|---|---|---|---|"
    rows = [line for line in lines if line.startswith("| ") and line != header]
    assert all(line.count(" | ") == 6 for line in rows)
    email = next(line for line in rows if "| identified | email |" in line)
    cells = [c.strip() for c in email.strip("|").split(" | ")]
    assert cells[:5] == ["identified", "email", "sendgrid", "public", "no"]
    assert cells[5] == "identified.email-{subject,text,html}.j2 (built-in)"
    assert cells[6].endswith("(no limit)")
    assert lines[-1].startswith("_Worst case: the sample's texts repeated")


def test_category_widens_the_audience_and_names_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = str(example(tmp_path))
    plain = by_key(routes_json(capsys, "-p", playbook, "--severity", "sev4"))
    security = routes_json(capsys, "-p", playbook, "--severity", "sev4", "--category", "security")
    assert security["category"] == "security"
    wider = by_key(security)
    assert ("sev4", "investigating", "x") in wider and ("sev4", "investigating", "x") not in plain
    assert ("sev4", "monitoring", "email") not in wider  # the channel's own `stages:` hold
    unknown = cli(capsys, "routes", "-p", playbook, "--category", "outage")
    assert unknown.code == 2 and unknown.err.startswith("error: unknown category 'outage'")
    wrong = cli(capsys, "routes", "-p", playbook, "--severity", "sev9")
    assert wrong.code == 2 and "unknown severity 'sev9'" in wrong.err and not wrong.out


def test_french_playbook_worst_case_in_french(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "en").mkdir()
    french = by_key(routes_json(capsys, "-p", str(example(tmp_path / "fr", "fr"))))
    english = by_key(routes_json(capsys, "-p", str(example(tmp_path / "en"))))
    assert french.keys() == english.keys()  # the same routes, in other words
    x = french["sev1", "investigating", "x"]
    assert x["templates"][0]["source"] == "built-in" and x["worst_case_length"] <= 280
    email = ("sev1", "resolved", "email")
    assert french[email]["worst_case_length"] != english[email]["worst_case_length"]
    # the worst case repeats the French sample's words, accents and all
    loaded, _ = load_checked_playbook(tmp_path / "fr" / "incidentctl.yaml")
    context = worst_case_context(loaded.playbook, Stage.INVESTIGATING, "sev1", now=NOW)
    title = context["incident"]["title"]
    assert len(title) == 100 and title.startswith("Erreurs sur l'espace client et l'API Erreurs")
    assert len(context["incident"]["impact"]) == 300 and "à" in context["incident"]["impact"]


def test_stretched_text_is_cut_to_the_length() -> None:
    assert stretched("Checkout errors", 31) == "Checkout errors Checkout errors"
    assert stretched("Checkout errors", 16) == "Checkout errors."
    assert stretched("", 3) == "xxx"


def test_terminal_table_per_severity_fits_80_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    playbook = over_limit_playbook(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    result = cli(capsys, "routes", "-p", str(playbook), "--severity", "sev4")
    assert result.code == 0, result.err
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.out)  # bold headers, red over-limit cells
    assert "\x1b[1;31m302/280 OVER" in result.out
    lines = [line.rstrip() for line in plain.splitlines()]
    assert lines[0] == "Routes: sev4"
    assert lines[2].split() == ["CHANNEL", "AUDIENCE", "ON", "TEMPLATE", "FROM", "WORST", "CASE"]
    assert all(len(line) <= 80 for line in lines)
    stages = [line.strip() for line in lines if line.strip() in ("investigating", "resolved")]
    assert stages == ["investigating", "resolved"]  # once each, above its channels
    shouty = next(line for line in lines if line.startswith("    shouty"))
    assert shouty.split()[1:3] == ["public", "yes"] and shouty.endswith("302/280 OVER")
    assert "playbook" in shouty and "tpl/shout-inv" in shouty


SMS = """\
  pager:
    type: sms
    audience: internal
    account_sid: ${TWILIO_ACCOUNT_SID}
    auth_token: ${TWILIO_AUTH_TOKEN}
    from_number: "+15005550006"
    to: ["+33612345678"]
"""


def test_an_sms_route_says_how_many_segments_the_worst_case_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = example(tmp_path, "fr")
    text = playbook.read_text(encoding="utf-8").replace("\nchannels:\n", "\nchannels:\n" + SMS)
    text = text.replace("all: [site, outbox, console, slack]", "all: [site, outbox, pager]")
    playbook.write_text(text, encoding="utf-8")
    assert cli(capsys, "lint", str(playbook)).code == 0
    pager = by_key(routes_json(capsys, "-p", str(playbook), "--severity", "sev4"))
    sms = pager["sev4", "investigating", "pager"]
    assert (sms["type"], sms["limit"], sms["templates"][0]["name"]) == (
        "sms", 1600, "investigating.short.j2"
    )  # fmt: skip
    assert sms["note"].endswith("per recipient") and " segments (" in sms["note"]
    table = cli(capsys, "routes", "-p", str(playbook), "--severity", "sev4").out
    row = next(line for line in table.splitlines() if "investigating  pager" in line)
    assert row.endswith(f"{sms['worst_case_length']}/1600 ({sms['note']})")
