"""The figures as printed: the machine's load beside them, every target with PASS or FAIL."""

from __future__ import annotations

import os
from dataclasses import dataclass

# above this load per core the figures say more about the neighbours than about the code
BUSY_PER_CORE = 0.5


@dataclass(frozen=True)
class Target:
    """One target of issue 9: a measured ratio and the most it may be."""

    name: str
    ratio: float
    limit: float
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.ratio <= self.limit

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"  {verdict}  {self.name:52s} {self.ratio:5.2f}x  (<= {self.limit}x)  {self.detail}"


def load_line() -> str:
    """The 1, 5 and 15-minute load averages and the core count, with a warning when busy."""
    one, five, fifteen = os.getloadavg()
    cores = os.cpu_count() or 1
    line = f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {cores} cores"
    if one / cores > BUSY_PER_CORE:
        line += (
            f"  WARNING: over {BUSY_PER_CORE} per core, the machine is busy: "
            "treat the figures as preliminary"
        )
    return line


def section(title: str) -> None:
    print(f"\n== {title}  [{load_line()}]", flush=True)


def row(label: str, ms: float, mb: float, note: str = "") -> None:
    print(f"  {label:44s} {ms:7.0f} ms  {mb:6.1f} MB  {note}", flush=True)


def summary(targets: list[Target]) -> bool:
    """Print every target; True when all passed."""
    print(f"\n== targets (issue 9)  [{load_line()}]")
    for target in targets:
        print(target.line())
    failed = [t for t in targets if not t.passed]
    print(f"  {len(targets) - len(failed)} of {len(targets)} within target", flush=True)
    return not failed
