"""Fuzz `incidentctl lint` and `incidentctl declare --dry-run` with mutated playbooks.

    python benchmarks/fuzz_playbooks.py [--count 10000] [--batch 100] [--jobs 1] [--exec 0]

Mutants come from `tests/lint/mutants.py` (the fuzz test's mutations, drawn here from a
seeded random generator: mutant i is the same on every run). Each batch of `--batch` mutants
is one worker process that imports incidentctl once, then forks one child per command and
mutant: the child runs the CLI's `run()` exactly as the `incidentctl` script does, the worker
reads the child's own peak RSS from `wait4` and its wall time. A child past 10 s or 2 GB is
killed and counted. `--exec N` also runs the first N mutants through the real `incidentctl`
executable (start-up included) as a check on the forked figures.

Reports tracebacks, unlocated errors (a line that is not `file:line:col:`), runs over 2 s,
runs over 200 MB, exit codes outside the documented set, and the maximum time and RSS; the
mutants behind each finding are listed (seed file and ops) to replay with `mutants.mutate`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/fuzz_playbooks.py` from anywhere
    sys.path.insert(0, str(ROOT))

from tests.lint.mutants import mutate, random_ops, seeds  # noqa: E402

LINT_CODES = {0, 1}
DECLARE_CODES = {0, 1, 2}
LOCATED = re.compile(r"^\S[^:]*:\d+:\d+: (error|warning): .+ \[[a-z-]+\]$")
DECLARE_LOCATED = re.compile(r"^error: \S[^:]*:\d+:\d+: \S")
SLOW_S = 2.0
BIG_MB = 200.0
KILL_S = 10
KILL_BYTES = 2 * 1024**3


def commands(path: Path) -> dict[str, list[str]]:
    return {
        "lint": ["lint", str(path)],
        "declare": ["declare", "sev1", "--title", "Fuzz", "--dry-run", "-p", str(path)],
    }


def judge(command: str, code: int, out: str, err: str) -> list[str]:
    """What is wrong with one run's answer (nothing when it is located and expected)."""
    found: list[str] = []
    if "Traceback (most recent call last)" in out + err:
        found.append("traceback")
    if command == "lint":
        if code not in LINT_CODES:
            found.append(f"exit {code}")
        if any(not LOCATED.match(line) for line in out.splitlines()) or err.strip():
            found.append("unlocated")
    else:
        if code not in DECLARE_CODES:
            found.append(f"exit {code}")
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        if code == 1 and (len(errors) != 1 or not DECLARE_LOCATED.match(errors[0])):
            found.append("unlocated")
    return found


def _child(argv: list[str], out_path: Path, err_path: Path) -> None:
    """In the forked child: run the command as the `incidentctl` script would, then exit."""
    resource.setrlimit(resource.RLIMIT_AS, (KILL_BYTES, KILL_BYTES))
    os.environ.pop("INCIDENTCTL_TEMPLATE_ROOTS", None)
    out = open(out_path, "w", encoding="utf-8")  # noqa: SIM115
    err = open(err_path, "w", encoding="utf-8")  # noqa: SIM115
    os.dup2(out.fileno(), 1)
    os.dup2(err.fileno(), 2)
    sys.stdout, sys.stderr = out, err
    signal.alarm(KILL_S)  # SIGALRM's default action ends the process
    code = 1
    try:
        from incidentctl.cli.app import run

        code = run(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # what the interpreter would print before exiting 1
        traceback.print_exc()
        code = 1
    finally:
        out.flush()
        err.flush()
        os._exit(code)


def _forked(argv: list[str], scratch: Path) -> dict[str, Any]:
    out_path, err_path = scratch / "out", scratch / "err"
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        _child(argv, out_path, err_path)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    return {
        "code": code,
        "seconds": elapsed,
        "rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "out": out_path.read_text(encoding="utf-8", errors="replace"),
        "err": err_path.read_text(encoding="utf-8", errors="replace"),
    }


def _executed(argv: list[str], env: dict[str, str], scratch: Path) -> dict[str, Any]:
    """The real `incidentctl` executable, start-up included; its own peak RSS from wait4."""
    exe = shutil.which("incidentctl") or str(Path(sys.executable).parent / "incidentctl")
    out_path, err_path = scratch / "out", scratch / "err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([exe, *argv], stdout=out, stderr=err, env=env)
        timer = threading.Timer(KILL_S, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return {
        "code": proc.returncode,
        "seconds": elapsed,
        "rss_mb": usage.ru_maxrss / 1024,
        "out": out_path.read_text(encoding="utf-8", errors="replace"),
        "err": err_path.read_text(encoding="utf-8", errors="replace"),
    }


def mutant(index: int, seed: int, sources: dict[str, bytes]) -> tuple[str, list[Any], bytes]:
    rng = random.Random(seed * 1_000_003 + index)
    name = rng.choice(sorted(sources))
    ops = random_ops(rng)
    return name, ops, mutate(sources[name], ops)


def worker(first: int, count: int, seed: int, folder: Path, executed: bool) -> None:
    """One batch: a JSON line per run on stdout."""
    from incidentctl.app.scaffold import scaffold

    sources = seeds()
    scaffold(folder, "en")  # the starter playbook names its templates/ folder
    env = {**os.environ, "INCIDENTCTL_HOME": str(folder / "state")}
    os.environ.update(env)
    if not executed:  # import and warm up once: the children start from here
        from incidentctl.lint import lint_playbook

        lint_playbook(folder / "incidentctl.yaml", env={})
    scratch = Path(tempfile.mkdtemp(dir=folder))
    for index in range(first, first + count):
        name, ops, content = mutant(index, seed, sources)
        path = folder / "incidentctl.yaml"
        path.write_bytes(content)
        for command, argv in commands(path).items():
            result = _executed(argv, env, scratch) if executed else _forked(argv, scratch)
            problems = judge(command, result["code"], result["out"], result["err"])
            first_line = (result["out"] + result["err"]).strip().splitlines()[:1]
            record = {
                "index": index,
                "seed": name,
                "ops": ops,
                "command": command,
                "code": result["code"],
                "seconds": round(result["seconds"], 4),
                "rss_mb": round(result["rss_mb"], 1),
                "problems": problems,
                "first_line": first_line[0][:300] if first_line else "",
            }
            print(json.dumps(record), flush=True)


def _batches(
    args: argparse.Namespace, first: int, total: int, executed: bool
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    pending = list(range(first, first + total, args.batch))
    running: list[tuple[subprocess.Popen[str], Path]] = []
    while pending or running:
        while pending and len(running) < args.jobs:
            start = pending.pop(0)
            folder = Path(tempfile.mkdtemp(prefix="fuzz-batch-"))
            size = min(args.batch, first + total - start)
            argv = [sys.executable, __file__, "--worker", str(start), str(size), str(folder)]
            argv += ["--seed", str(args.seed)] + (["--executed"] if executed else [])
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            running.append((proc, folder))
        proc, folder = running.pop(0)
        out, _ = proc.communicate()
        records += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        shutil.rmtree(folder, ignore_errors=True)
        done = len({r["index"] for r in records})
        print(f"  {done}/{total} mutants", file=sys.stderr, flush=True)
    return records


def report(records: list[dict[str, Any]], label: str) -> dict[str, Any]:
    by_problem: Counter[str] = Counter(p for r in records for p in r["problems"])
    slow = [r for r in records if r["seconds"] > SLOW_S]
    big = [r for r in records if r["rss_mb"] > BIG_MB]
    summary = {
        "label": label,
        "mutants": len({r["index"] for r in records}),
        "runs": len(records),
        "tracebacks": by_problem["traceback"],
        "unlocated": by_problem["unlocated"],
        "unexpected_exit": sum(n for p, n in by_problem.items() if p.startswith("exit")),
        f"over_{SLOW_S:g}s": len(slow),
        f"over_{BIG_MB:g}MB": len(big),
        "max_seconds": max((r["seconds"] for r in records), default=0.0),
        "max_rss_mb": max((r["rss_mb"] for r in records), default=0.0),
        "exit_codes": dict(Counter(f"{r['command']}:{r['code']}" for r in records)),
    }
    for key, value in summary.items():
        print(f"{label} {key}: {value}")
    for record in [r for r in records if r["problems"]][:10] + slow[:5] + big[:5]:
        print(
            f"  mutant {record['index']} {record['command']} {record['seed']} ops={record['ops']}"
            f" -> {record['problems'] or ''} {record['seconds']}s {record['rss_mb']}MB:"
            f" {record['first_line'][:160]}"
        )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="mutants (each run twice)")
    parser.add_argument("--batch", type=int, default=100, help="mutants per worker process")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes at once")
    parser.add_argument("--seed", type=int, default=8, help="which mutants")
    parser.add_argument("--exec", type=int, default=0, help="mutants also run as real processes")
    parser.add_argument("--json", type=Path, help="write every run's record there")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--executed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        first, count, folder = args.worker
        worker(int(first), int(count), args.seed, Path(folder), args.executed)
        return
    os.environ.setdefault("INCIDENTCTL_CACHE", tempfile.mkdtemp(prefix="fuzz-cache-"))
    started = time.perf_counter()
    records = _batches(args, 0, args.count, executed=False)
    summaries = [report(records, "forked")]
    if args.exec:
        executed = _batches(args, 0, min(args.exec, args.count), executed=True)
        summaries.append(report(executed, "executed"))
        records += executed
    print(f"total: {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"summaries": summaries, "runs": records}), "utf-8")
    failing = any(
        s["tracebacks"] or s["unlocated"] or s["unexpected_exit"] or s[f"over_{BIG_MB:g}MB"]
        for s in summaries
    )
    sys.exit(1 if failing else 0)


if __name__ == "__main__":
    main()
