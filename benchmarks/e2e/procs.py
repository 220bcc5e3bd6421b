"""Whole processes, start to exit: wall time and peak RSS from `os.wait4`, run interleaved.

The processes are started by the launcher (`spawn.py`), which times them and reads their
resource usage; this side decides what runs when and checks what the server got after each.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ru_maxrss is in KiB on Linux
KIB_PER_MB = 1024


@dataclass(frozen=True)
class Command:
    """One process to start: its argv, environment and folder; `check` runs after it exits
    and returns what went wrong (None when all is well), e.g. the server's counts."""

    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    check: Callable[[], str | None] | None = None


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


@dataclass
class Series:
    """The runs of one command, in the order they were interleaved."""

    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(r.seconds for r in self.runs) * 1000

    @property
    def median_mb(self) -> float:
        return statistics.median(r.peak_mb for r in self.runs)


class BenchError(Exception):
    """A measured process failed, or the server did not get what it should have."""


class Launcher:
    """The process that starts the measured ones (`spawn.py`): small, so it is a low floor."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.floor_mb = 0.0

    def __enter__(self) -> Launcher:
        script = Path(__file__).with_name("spawn.py")
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.floor_mb = self._ask({"floor": True})["peak_kib"] / KIB_PER_MB
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=10)

    def _ask(self, job: dict[str, Any]) -> dict[str, Any]:
        assert self._process is not None and self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        answer: dict[str, Any] = json.loads(self._process.stdout.readline())
        return answer

    def run(self, command: Command) -> Run:
        """Start the process, wait for its exit; its wall time and its own peak RSS."""
        with tempfile.NamedTemporaryFile(prefix="stderr-") as stderr:
            job = {
                "argv": list(command.argv),
                "env": dict(command.env),
                "cwd": str(command.cwd),
                "stderr": stderr.name,
            }
            answer = self._ask(job)
            what = " ".join(command.argv[1:3])
            if "error" in answer:
                raise BenchError(answer["error"])
            if answer["status"] != 0:
                lines = Path(stderr.name).read_text(errors="replace").strip().splitlines()
                last = lines[-1] if lines else ""
                raise BenchError(f"{what}… exited {answer['status']}: {last}")
        if command.check is not None:
            problem = command.check()
            if problem:
                raise BenchError(f"{what}…: {problem}")
        return Run(answer["seconds"], answer["peak_kib"] / KIB_PER_MB)


def interleave(
    launcher: Launcher,
    commands: Mapping[str, Callable[[int], Command]],
    runs: int,
    *,
    warmup: int = 1,
) -> dict[str, Series]:
    """Run each command once per round, in the same order every round (A B A B …).

    `commands` maps a name to a factory given the round number (negative for warm-up rounds,
    which are not recorded), so each run may have its own title or state folder.
    """
    series = {name: Series(name) for name in commands}
    for round_ in range(-warmup, runs):
        for name, make in commands.items():
            run = launcher.run(make(round_))
            if round_ >= 0:
                series[name].runs.append(run)
    return series


def paired_ratios(numerator: Series, denominator: Series) -> list[float]:
    """The per-round ratios: each pair ran back to back, under the same load."""
    pairs = zip(numerator.runs, denominator.runs, strict=True)
    return sorted(a.seconds / b.seconds for a, b in pairs)


def paired_ratio(numerator: Series, denominator: Series) -> float:
    """The median of the per-round ratios."""
    return statistics.median(paired_ratios(numerator, denominator))


def spread(ratios: list[float]) -> str:
    """The middle half of the ratios, `q1–q3`: how far one round's ratio is to be trusted."""
    if len(ratios) < 4:
        return f"{min(ratios):.2f}–{max(ratios):.2f}"
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return f"{q1:.2f}–{q3:.2f}"


def paired_memory_ratio(numerator: Series, denominator: Series) -> float:
    pairs = zip(numerator.runs, denominator.runs, strict=True)
    return statistics.median(a.peak_mb / b.peak_mb for a, b in pairs)
