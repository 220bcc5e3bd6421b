"""Whole-process benchmarks of issue 9: incidentctl beside Apprise, curl and a bare httpx POST.

Every figure is a whole process, start to exit, as a user meets it: commands run interleaved
(A B A B …, one warm-up round first), ratios are the medians of the per-round ratios, times and
peak RSS (`os.wait4`) the medians of the runs. The machine's load average is printed beside each
section. The endpoints are a separate server process on 127.0.0.1 answering after a fixed delay;
after every run it is asked what it got, and every endpoint must have had exactly one request.

Sections (`--only NAME`):
  fanout   declare to 5, 10, 50 webhooks vs Apprise to the same json:// endpoints, one curl,
           a bare `python -c "import httpx; httpx.post(…)"`; peak memory at 10
  startup  --help, list, status, show ID, lint example-en vs `python -c "import typer"`
  history  list, status, show, declare, update with 1 incident vs 10,000 (100,000 events)

Apprise is installed into its own virtual environment in the cache folder
($INCIDENTCTL_BENCH_CACHE, else $XDG_CACHE_HOME/incidentctl-bench); the 10,000-incident store
is built there once per version of the store code. `bench_cli.py` keeps the older in-process
timing of the sending step, a breakdown only.

Run: python benchmarks/bench_e2e.py [--quick] [--runs N] [--only SECTION] [--check]
Exit status 0 (it is a report) unless `--check` is given and a target fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.e2e import history  # noqa: E402
from benchmarks.e2e.apprise_env import apprise_command, apprise_version, json_urls  # noqa: E402
from benchmarks.e2e.playbooks import SEVERITY, hook_paths, webhook_playbook  # noqa: E402
from benchmarks.e2e.procs import (  # noqa: E402
    BenchError,
    Command,
    Launcher,
    Series,
    interleave,
    paired_memory_ratio,
    paired_ratio,
    paired_ratios,
    spread,
)
from benchmarks.e2e.report import Target, load_line, row, section, summary  # noqa: E402
from benchmarks.e2e.server import CountingServer, check_counts  # noqa: E402

EXAMPLE = ROOT / "playbooks" / "example-en.yaml"
FAN_OUT = (5, 10, 50)
HISTORY = 9_999  # past incidents; with the open one they make 10,000
TITLE = "Checkout errors in EU"
BODY = "We are investigating errors at checkout for some customers in the EU."

CURL = ["curl", "-sS", "-o", "/dev/null", "-H", "Content-Type: application/json"]
CURL += ["--data", '{"text": "bench"}']

Factory = Callable[[int], Command]


@dataclass
class Bench:
    """What every section shares: the commands to run, where, and how many times."""

    runs: int
    work: Path
    env: dict[str, str]
    incidentctl: list[str]
    python: str
    cache: Path
    launcher: Launcher

    def command(
        self,
        argv: list[str],
        *,
        server: CountingServer | None = None,
        expect: list[str] | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Command:
        """A command whose run must leave exactly `expect` (one request each) on the server."""
        check = None
        if server is not None:
            wanted = list(expect or [])

            def check() -> str | None:
                return check_counts(server.take_counts(), wanted)

        return Command(argv, env or self.env, cwd or self.work, check)


def same(command: Command) -> Factory:
    """The factory of a command that runs alike every round."""
    return lambda _: command


def default_cache() -> Path:
    explicit = os.environ.get("INCIDENTCTL_BENCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "incidentctl-bench"


def child_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTCTL_")}
    # a user's installed copy has its bytecode: let the warm-up round write it, then read it
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["INCIDENTCTL_CACHE"] = str(work / "cache")
    env["INCIDENTCTL_HOME"] = str(work / "state")
    return env


def fanout(bench: Bench) -> list[Target]:
    """declare to 5, 10, 50 slow webhooks beside Apprise, curl and a bare httpx POST."""
    section("fan-out to webhooks answering after 200 ms, whole processes")
    venv = bench.cache / "venv-apprise"
    apprise = str(apprise_command(venv))
    print(f"  Apprise {apprise_version(venv)} in {venv}", flush=True)
    commands: dict[str, Factory] = {}
    with CountingServer(0.2) as server:
        url = server.url("one")
        commands["curl"] = same(bench.command([*CURL, url], server=server, expect=["one"]))
        post = f"import httpx; httpx.post({url!r}, json={{'text': 'bench'}})"
        python = [bench.python, "-c", post]
        commands["python + httpx"] = same(bench.command(python, server=server, expect=["one"]))
        for n in FAN_OUT:
            folder = bench.work / f"fanout-{n}"
            playbook = webhook_playbook(folder / "incidentctl.yaml", server.url(""), n)
            env = {**bench.env, "INCIDENTCTL_HOME": str(folder / "state")}
            commands[f"declare {n}"] = _declare(bench, server, playbook, env, hook_paths(n))
            urls = json_urls(server.port, hook_paths(n, "apprise"))
            commands[f"apprise {n}"] = same(
                bench.command(
                    [apprise, "-t", TITLE, "-b", BODY, *urls],
                    server=server,
                    expect=hook_paths(n, "apprise"),
                )
            )
        series = interleave(bench.launcher, commands, bench.runs)
    one, pyhttpx = series["curl"], series["python + httpx"]
    row("curl (one POST)", one.median_ms, one.median_mb)
    row(
        "python -c 'import httpx; httpx.post(…)'",
        pyhttpx.median_ms,
        pyhttpx.median_mb,
        f"{paired_ratio(pyhttpx, one):.2f}x curl",
    )
    print(f"  {'endpoints':>10s} {'incidentctl':>18s} {'Apprise':>18s} {'ratio':>7s}")
    for n in FAN_OUT:
        ours, theirs = series[f"declare {n}"], series[f"apprise {n}"]
        print(
            f"  {n:10d} {ours.median_ms:8.0f} ms {ours.median_mb:5.1f} MB"
            f" {theirs.median_ms:8.0f} ms {theirs.median_mb:5.1f} MB"
            f" {paired_ratio(ours, theirs):6.2f}x",
            flush=True,
        )
    five, ten, fifty = (series[f"declare {n}"] for n in FAN_OUT)
    return [
        _target("declare 5 / Apprise 5", five, series["apprise 5"], 0.85),
        _target("declare 5 / one curl", five, one, 2.0),
        _target("declare 50 / declare 5 (one wave)", fifty, five, 1.2),
        Target(
            "peak RSS declare 10 / Apprise 10",
            paired_memory_ratio(ten, series["apprise 10"]),
            1.0,
            f"{ten.median_mb:.1f} vs {series['apprise 10'].median_mb:.1f} MB",
        ),
    ]


def _declare(
    bench: Bench, server: CountingServer, playbook: Path, env: dict[str, str], paths: list[str]
) -> Factory:
    # a fresh title each run: the re-declare check would refuse the same one
    def make(round_: int) -> Command:
        title = f"{TITLE} {len(paths)}-{round_}"
        argv = [*bench.incidentctl, "declare", SEVERITY, "--title", title, "--impact", BODY]
        argv += ["--yes", "--playbook", str(playbook)]
        return bench.command(argv, server=server, expect=paths, env=env)

    return make


def _target(name: str, ours: Series, reference: Series, limit: float) -> Target:
    ratios = paired_ratios(ours, reference)
    detail = f"{ours.median_ms:.0f} vs {reference.median_ms:.0f} ms, pairs {spread(ratios)}"
    return Target(name, statistics.median(ratios), limit, detail)


def startup(bench: Bench) -> list[Target]:
    """Commands that send nothing, against the floor of importing typer."""
    section("start-up floors, whole processes")
    folder = bench.work / "startup"
    home = history.fresh_copy(history.cached_store(bench.cache, 0), folder / "state")
    with CountingServer(0.0) as server:
        webhook_playbook(folder / "incidentctl.yaml", server.url(""), 1)
        env = {**bench.env, "INCIDENTCTL_HOME": str(home)}
        cases = {
            "python -c 'import typer'": [bench.python, "-c", "import typer"],
            "--help": [*bench.incidentctl, "--help"],
            "list": [*bench.incidentctl, "list"],
            "status": [*bench.incidentctl, "status"],
            "show ID": [*bench.incidentctl, "show", history.subject_id()],
            "lint example-en": [*bench.incidentctl, "lint", str(EXAMPLE)],
            # issue 13: the maintenance commands within the ratios of the other commands
            "maintenance list": [*bench.incidentctl, "maintenance", "list"],
            "maintenance ics": [*bench.incidentctl, "maintenance", "ics"],
        }
        commands: dict[str, Factory] = {
            name: same(bench.command(argv, server=server, env=env, cwd=folder))
            for name, argv in cases.items()
        }
        series = interleave(bench.launcher, commands, bench.runs)
    floor = series["python -c 'import typer'"]
    limits = {
        "--help": 1.2,
        "list": 1.4,
        "status": 1.4,
        "show ID": 1.6,
        "lint example-en": 2.8,
        "maintenance list": 1.4,
        "maintenance ics": 1.6,
    }
    for name, item in series.items():
        note = "" if item is floor else f"{paired_ratio(item, floor):.2f}x the floor"
        row(name, item.median_ms, item.median_mb, note)
    return [
        _target(f"{name} / import typer", series[name], floor, limit)
        for name, limit in limits.items()
    ]


def growth(bench: Bench) -> list[Target]:
    """The same commands on the same incident, with 1 incident stored and with 10,000."""
    section("history growth: 1 incident vs 10,000 (100,000 events), whole processes")
    stores = {"1": history.cached_store(bench.cache, 0)}
    stores["10k"] = history.cached_store(bench.cache, HISTORY)
    folder = bench.work / "history"
    subject = history.subject_id()
    commands: dict[str, Factory] = {}
    with CountingServer(0.0) as server:
        webhook_playbook(folder / "incidentctl.yaml", server.url(""), 1)
        for size, cached in stores.items():
            # the read-only commands share one copy; declare and update get a fresh one each run
            shared = history.fresh_copy(cached, folder / f"state-{size}")
            for name, argv in (("list", ["list"]), ("status", ["status"])):
                commands[f"{name} {size}"] = _at(bench, server, folder, shared, argv, [])
            commands[f"show {size}"] = _at(bench, server, folder, shared, ["show", subject], [])
            declare = ["declare", SEVERITY, "--title", TITLE, "--impact", BODY, "--yes"]
            commands[f"declare {size}"] = _fresh(bench, server, folder, cached, declare)
            update = ["update", subject, "-m", "Still investigating.", "--yes"]
            commands[f"update {size}"] = _fresh(bench, server, folder, cached, update)
        series = interleave(bench.launcher, commands, bench.runs)
    targets = []
    print(f"  {'command':10s} {'1 incident':>10s} {'10,000':>10s} {'ratio':>7s}")
    for name in ("list", "status", "show", "declare", "update"):
        small, big = series[f"{name} 1"], series[f"{name} 10k"]
        ratio = paired_ratio(big, small)
        print(f"  {name:10s} {small.median_ms:7.0f} ms {big.median_ms:7.0f} ms {ratio:6.2f}x")
        targets.append(_target(f"{name} at 10,000 / at 1 incident", big, small, 1.1))
    return targets


def _at(
    bench: Bench,
    server: CountingServer,
    cwd: Path,
    home: Path,
    argv: list[str],
    expect: list[str],
) -> Factory:
    env = {**bench.env, "INCIDENTCTL_HOME": str(home)}
    argv = [*bench.incidentctl, *argv]
    return same(bench.command(argv, server=server, expect=expect, env=env, cwd=cwd))


def _fresh(
    bench: Bench, server: CountingServer, cwd: Path, cached: Path, argv: list[str]
) -> Factory:
    home = cwd / f"run-{argv[0]}-{cached.name}"

    def make(_: int) -> Command:
        # copied before the clock starts; the previous run's copy goes first
        shutil.rmtree(home, ignore_errors=True)
        history.fresh_copy(cached, home)
        return _at(bench, server, cwd, home, argv, ["hook0"])(0)

    return make


SECTIONS: dict[str, Callable[[Bench], list[Target]]] = {
    "fanout": fanout,
    "startup": startup,
    "history": growth,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="rounds per section (default 9, --quick 3)")
    parser.add_argument("--quick", action="store_true", help="3 rounds: a smoke run, not figures")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="repeatable")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--cache", type=Path, default=default_cache())
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 9)
    # a user's installed copy was byte-compiled by pip
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "incidentctl")], check=False
    )
    script = Path(sys.executable).parent / "incidentctl"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "incidentctl"]
    print(f"incidentctl bench: {runs} interleaved rounds (+1 warm-up), medians; {load_line()}")
    targets: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="incidentctl-e2e-") as tmp, Launcher() as launcher:
        work = Path(tmp)
        bench = Bench(runs, work, child_env(work), base, sys.executable, args.cache, launcher)
        print(
            f"peak RSS floor (the launcher's own, inherited by every child): "
            f"{launcher.floor_mb:.1f} MB"
        )
        for name in args.only or list(SECTIONS):
            try:
                targets += SECTIONS[name](bench)
            except BenchError as exc:
                print(f"  {name}: FAILED to measure: {exc}", flush=True)
                targets.append(Target(f"{name}: measured", float("inf"), 1.0, str(exc)))
    passed = summary(targets)
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
