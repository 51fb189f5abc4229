"""Wall time and peak memory of child processes, and a description of the machine."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Measurement:
    """The fastest of `runs` runs of one command: its wall time, and the highest peak RSS seen."""

    wall_s: float
    peak_rss_mib: float
    runs: int
    stdout: str  # of the fastest run

    def as_json(self) -> dict[str, Any]:
        record = asdict(self)
        del record["stdout"]
        return record


class ChildFailed(RuntimeError):
    """A measured command exited non-zero."""


class ChildRun(NamedTuple):
    """One run of a child process."""

    wall_s: float
    peak_rss_mib: float
    stdout: str
    cpu_s: float  # user and system time of the child and of the processes it waited for (its workers)


def run_child(argv: Sequence[str], env: Mapping[str, str] | None = None) -> ChildRun:
    """Run `argv` to completion (in `env`, default this process's environment).

    The child is spawned directly and reaped with os.wait4, whose rusage
    holds that child's own ru_maxrss (KiB on Linux) and CPU times. stdout
    and stderr go to files so a large output cannot block the child.
    """
    executable = argv[0] if os.sep in argv[0] else shutil.which(argv[0])
    if executable is None:
        raise FileNotFoundError(argv[0])
    with tempfile.TemporaryDirectory(prefix="iandw-bench-") as scratch:
        out_path, err_path = os.path.join(scratch, "stdout"), os.path.join(scratch, "stderr")
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
        ]
        start = time.perf_counter()
        pid = os.posix_spawn(executable, list(argv), env or os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
        with open(out_path, encoding="utf-8", errors="replace") as stream:
            stdout = stream.read()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            with open(err_path, encoding="utf-8", errors="replace") as stream:
                tail = stream.read()[-2000:]
            raise ChildFailed(f"{' '.join(argv)} exited {code}:\n{tail}")
    return ChildRun(wall, usage.ru_maxrss / 1024, stdout, usage.ru_utime + usage.ru_stime)


def best_of(argv: Sequence[str], runs: int = 2) -> Measurement:
    """Run a command `runs` times (the machine is shared and noisy): the fastest wall time, the top RSS."""
    results = [run_child(argv) for _ in range(runs)]
    fastest = min(results, key=lambda result: result.wall_s)
    return Measurement(fastest.wall_s, max(result.peak_rss_mib for result in results), runs, fastest.stdout)


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, Python and the versions of what is measured."""
    model = "unknown"
    memory_kib = 0
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            model = next(
                (line.split(":", 1)[1].strip() for line in stream if line.startswith("model name")), model
            )
        with open("/proc/meminfo", encoding="utf-8") as stream:
            memory_kib = next(int(line.split()[1]) for line in stream if line.startswith("MemTotal:"))
    except (OSError, StopIteration, ValueError):
        pass
    versions = {}
    for package in ("iandw", "duckdb", "stix2-matcher"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory_gib": round(memory_kib / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "versions": versions,
    }


def source_fingerprint(folder: str) -> str:
    """A short hash of every file under `folder` (iandw's src/): a run that sees it change mixed versions."""
    digest = hashlib.sha256()
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(directory, name)
            digest.update(os.path.relpath(path, folder).encode())
            with open(path, "rb") as stream:
                digest.update(stream.read())
    return digest.hexdigest()[:12]
