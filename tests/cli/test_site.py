"""`site build`, the `statussite` channel and its `publish:` command, end to end."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from incidentctl.store import open_store, state_dir
from tests.helpers import PLAYBOOK, cli

# copies the site to `published/` next to it, unless the "remote" is down
PUBLISH = """\
import shutil, sys
from pathlib import Path
site = Path(sys.argv[-1])
if not Path("remote-up").exists():
    sys.exit("remote unreachable: connection refused")
shutil.copytree(site, Path("published"), dirs_exist_ok=True)
"""


def site_playbook(tmp_path: Path, publish: str | None = None) -> None:
    script = tmp_path / "publish.py"
    script.write_text(PUBLISH, encoding="utf-8")
    channel = "  site:\n    type: statussite\n    audience: public\n    out: built\n"
    if publish is not None:
        channel += (
            f"    publish: {json.dumps(publish.format(python=sys.executable, script=script))}\n"
        )
    text = PLAYBOOK.format(language="en").replace("all: [outbox, room]", "all: [site, room]")
    text = text.replace("channels:\n", "channels:\n" + channel, 1)
    (tmp_path / "incidentctl.yaml").write_text(textwrap.dedent(text), encoding="utf-8")


def test_declare_rebuilds_the_site_and_site_build_writes_it_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    site_playbook(tmp_path)
    declared = cli(
        capsys, "declare", "sev1", "--title", "Logins fail", "--component", "api", "--yes"
    )
    assert declared.code == 0, declared.err
    index = (site_folder() / "index.html").read_text(encoding="utf-8")
    assert "Logins fail" in index and "Partial outage" in index
    result = cli(capsys, "site", "build", "--out", str(tmp_path / "elsewhere"))
    assert result.code == 0, result.err
    assert "status site: " in result.out and (tmp_path / "elsewhere/index.html").is_file()


def site_folder() -> Path:
    """The channel's `out: built`, relative to the state folder the test fixture chose."""
    return state_dir(os.environ) / "built"


def test_a_failing_publish_is_a_failed_delivery_that_retry_sends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    site_playbook(tmp_path, publish="{python} {script}")
    declared = cli(capsys, "declare", "sev1", "--title", "Logins fail", "--yes")
    assert declared.code == 3
    assert "site" in declared.err and "incidentctl retry" in declared.err
    with open_store(site_folder().parent, {}) as store:
        (delivery,) = [d for d in store.deliveries() if d.channel == "site"]
    assert delivery.state.value == "failed"
    assert delivery.error and "remote unreachable: connection refused" in delivery.error
    assert not (tmp_path / "published").exists()
    # the site itself was built: only its publication failed
    assert (site_folder() / "index.html").is_file()
    (tmp_path / "remote-up").touch()
    retried = cli(capsys, "retry")
    assert retried.code == 0, retried.err
    assert "Logins fail" in (tmp_path / "published/index.html").read_text(encoding="utf-8")


def test_site_build_leaves_a_folder_it_did_not_build_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    site_playbook(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    result = cli(capsys, "site", "build", "--out", str(mine))
    assert result.code != 0 and "Traceback" not in result.err
    assert "was not built by `incidentctl site build`" in result.err
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_demo_ends_with_the_path_of_its_status_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = cli(capsys, "demo", "--dir", str(tmp_path / "demo"))
    assert result.code == 0, result.err
    last = result.out.strip().splitlines()[-1]
    assert last.startswith("status site: ") and "index.html" in last
    index = Path(last.removeprefix("status site: ").split(" (")[0])
    assert "Customers cannot log in to the portal" in index.read_text(encoding="utf-8")


def test_a_publish_command_that_echoes_its_token_fails_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAGES_TOKEN", "ghp_s3cretTOKEN42")
    (tmp_path / "echo.py").write_text(
        "import sys\nsys.exit(f'push to https://x:{sys.argv[1]}@git.example/ refused')\n"
    )
    site_playbook(tmp_path, publish="{python} echo.py ${{PAGES_TOKEN}}")
    declared = cli(capsys, "declare", "sev1", "--title", "Logins fail", "--yes")
    assert declared.code == 3
    with open_store(site_folder().parent, {}) as store:
        (delivery,) = [d for d in store.deliveries() if d.channel == "site"]
    assert delivery.error and "refused" in delivery.error
    assert "ghp_s3cretTOKEN42" not in delivery.error + declared.out + declared.err
