"""The launcher: a small process that starts each measured one and reports its time and peak RSS.

A child's `ru_maxrss` counts the memory of whoever forked it (the kernel carries the old address
space's high-water mark across `exec`), so the benchmark's own process, with its imports, would
be the floor of every figure. This process imports next to nothing and spawns (vfork + exec)
from there; its own peak, printed as the floor, is all a measured process inherits.

Protocol: one JSON job a line on stdin `{"argv", "env", "cwd", "stderr"}`, one JSON answer a
line on stdout `{"seconds", "peak_kib", "status"}`; `{"floor": true}` answers this process's peak.
"""

import json
import os
import resource
import sys
import time

# ru_maxrss is KiB on Linux, bytes on macOS
SCALE = 1024 if sys.platform == "darwin" else 1


def peak_kib(usage: resource.struct_rusage) -> int:
    return usage.ru_maxrss // SCALE


def own_peak_kib() -> int:
    """This address space's high-water mark, which is what a spawned child inherits; not
    `RUSAGE_SELF`, which also counts the process that started this one."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return peak_kib(resource.getrusage(resource.RUSAGE_SELF))


def spawn(job: dict[str, object]) -> dict[str, object]:
    argv = [str(a) for a in job["argv"]]  # type: ignore[attr-defined]
    env = {str(k): str(v) for k, v in job["env"].items()}  # type: ignore[attr-defined]
    devnull = os.open(os.devnull, os.O_RDWR)
    errors = os.open(str(job["stderr"]), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chdir(str(job["cwd"]))
    actions = [
        (os.POSIX_SPAWN_DUP2, devnull, 0),
        (os.POSIX_SPAWN_DUP2, devnull, 1),
        (os.POSIX_SPAWN_DUP2, errors, 2),
    ]
    try:
        started = time.perf_counter()
        pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - started
    finally:
        os.close(devnull)
        os.close(errors)
    return {
        "seconds": seconds,
        "peak_kib": peak_kib(usage),
        "status": os.waitstatus_to_exitcode(status),
    }


def main() -> None:
    for line in sys.stdin:
        job = json.loads(line)
        if job.get("floor"):
            answer: dict[str, object] = {"peak_kib": own_peak_kib()}
        else:
            try:
                answer = spawn(job)
            except OSError as exc:
                answer = {"error": f"{job['argv'][0]}: {exc.strerror or exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
