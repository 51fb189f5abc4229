"""Another commit of iandw against the working tree, run alternately on one benchmark world.

    python bench/compare.py HEAD~1                  # 1M, the single indicator, 3 pairs of runs
    python bench/compare.py main --what all --pairs 5
    python bench/compare.py HEAD~1 --what validate --size 100000
    python bench/compare.py HEAD~1 --instructions   # 100k, instructions counted by callgrind

On a shared machine the same command varies by a fifth from one minute to
the next (docs/performance.md), so harness runs made at different times do
not tell what a change is worth. Here each pair of runs puts the two
versions back to back, the first of a pair alternating from pair to pair,
and their outputs must be identical byte for byte (exit 1 if not; 2 if a
version cannot be checked out or fails). The other commit is checked out
into a temporary git worktree, removed after.

With --instructions, each version runs once under valgrind's callgrind, in
one process (`--workers 1`) and with a fixed PYTHONHASHSEED, and what is
compared is the number of instructions it executed: the same from run to
run whatever else the machine is doing, so a change of a few per cent shows
(about 50 times slower than a plain run: 100k observations by default).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NoReturn

from measure import ChildFailed, ChildRun, run_child
from run import AS_OF
from worldfiles import World, ensure_world, label

BENCH = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(BENCH)
WHAT = ("single", "all", "validate")


def command(what: str, world: World, output: str) -> list[str]:
    """The iandw arguments of one run; evaluate writes its report to `output`."""
    if what == "validate":
        return ["validate", world.observations, "--rules", world.rules]
    rules = world.single_rules if what == "single" else world.rules
    argv = ["evaluate", world.observations, "--rules", rules, "--as-of", AS_OF.isoformat(), "-o", output]
    return argv + (["--format", "json"] if what == "single" else [])


def run_version(source: str, arguments: list[str]) -> tuple[ChildRun, bytes]:
    """iandw from the `source` folder (a checkout's src/): the run and what it wrote (`-o`, else stdout)."""
    environment = {**os.environ, "PYTHONPATH": source}
    run = run_child([sys.executable, "-m", "iandw", *arguments], environment)
    return run, output_of(arguments, run.stdout.encode())


def output_of(arguments: list[str], stdout: bytes) -> bytes:
    """What a run wrote: the file after `-o`, else its standard output."""
    if "-o" not in arguments:
        return stdout
    with open(arguments[arguments.index("-o") + 1], "rb") as stream:
        return stream.read()


def count_instructions(source: str, arguments: list[str], scratch: str) -> tuple[int, bytes]:
    """iandw from `source`, in one process under callgrind: the instructions it executed, and its output."""
    counts = os.path.join(scratch, "callgrind.out")
    environment = {**os.environ, "PYTHONPATH": source, "PYTHONHASHSEED": "0"}
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={counts}", sys.executable, "-m", "iandw"]
    done = subprocess.run([*argv, *arguments, "--workers", "1"], env=environment, capture_output=True)
    if done.returncode != 0:
        raise ChildFailed(f"exited {done.returncode}:\n{done.stderr.decode(errors='replace')[-2000:]}")
    with open(counts, encoding="utf-8") as stream:
        total = re.search(r"^(?:summary|totals): (\d+)", stream.read(), re.MULTILINE)
    if total is None:
        raise ChildFailed("callgrind wrote no total")
    return int(total[1]), output_of(arguments, done.stdout)


def compare_instructions(versions: dict[str, str], what: str, world: World, scratch: str) -> dict[str, bytes]:
    """Both versions at once, as the counts do not depend on the load; prints them, returns the outputs."""

    def count(name: str) -> tuple[int, bytes]:
        folder = os.path.join(scratch, f"count-{name}")
        os.makedirs(folder)
        arguments = command(what, world, os.path.join(folder, "report"))
        return count_instructions(versions[name], arguments, folder)

    with ThreadPoolExecutor(len(versions)) as pool:
        futures = {name: pool.submit(count, name) for name in versions}
        results = {}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except ChildFailed as failure:
                fail(f"the {name} version failed: {failure}")
    (base, _), (this, _) = results["base"], results["this"]
    print(f"instructions: base {base:,}, this {this:,} ({(this - base) / base:+.2%})")
    return {name: output for name, (_, output) in results.items()}


def fail(message: str) -> NoReturn:
    print(f"compare: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit to compare the working tree with (any git revision)")
    parser.add_argument(
        "--size", type=int, help="observations in the world (default 1M; 100k with --instructions)"
    )
    parser.add_argument("--what", choices=WHAT, default="single", help="which run (default: single)")
    parser.add_argument("--pairs", type=int, default=3, help="pairs of timed runs (default 3)")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions under callgrind instead of timing"
    )
    arguments = parser.parse_args(argv)
    if arguments.instructions and shutil.which("valgrind") is None:
        fail("--instructions needs valgrind on the PATH")
    size = arguments.size if arguments.size is not None else 100_000 if arguments.instructions else 1_000_000

    world, _ = ensure_world(size)
    with tempfile.TemporaryDirectory(prefix="iandw-compare-") as scratch:
        checkout = os.path.join(scratch, "base")
        git = ["git", "-C", PROJECT]
        added = subprocess.run([*git, "worktree", "add", "--quiet", "--detach", checkout, arguments.base])
        if added.returncode != 0:
            fail(f"cannot check {arguments.base!r} out (git said why above)")
        try:
            versions = {"base": os.path.join(checkout, "src"), "this": os.path.join(PROJECT, "src")}
            for source in versions.values():  # a fresh checkout would compile its bytecode in its first run
                subprocess.run([sys.executable, "-m", "compileall", "-q", source], check=False)
            print(f"{arguments.what} at {label(size)}: {arguments.base} (base) against the working tree")
            if arguments.instructions:
                found = compare_instructions(versions, arguments.what, world, scratch)
                identical = found["base"] == found["this"]
                print("outputs: identical" if identical else "outputs: DIFFERENT between the versions")
                sys.exit(0 if identical else 1)
            print(f"{'pair':>4}  {'version':7}  {'wall s':>7}  {'cpu s':>7}  {'peak MiB':>8}")
            walls: dict[str, list[float]] = {name: [] for name in versions}
            outputs: dict[str, set[bytes]] = {name: set() for name in versions}
            for pair in range(arguments.pairs):
                order = list(versions) if pair % 2 == 0 else list(reversed(versions))
                for name in order:
                    output = os.path.join(scratch, f"report-{name}")
                    try:
                        run, written = run_version(versions[name], command(arguments.what, world, output))
                    except ChildFailed as failure:
                        fail(f"the {name} version failed: {failure}")
                    walls[name].append(run.wall_s)
                    outputs[name].add(written)
                    cells = f"{run.wall_s:7.2f}  {run.cpu_s:7.2f}  {run.peak_rss_mib:8.0f}"
                    print(f"{pair + 1:>4}  {name:7}  {cells}")
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", checkout], check=False)
    base, this = statistics.median(walls["base"]), statistics.median(walls["this"])
    print(f"median wall: base {base:.2f} s, this {this:.2f} s ({(this - base) / base:+.1%})")
    identical = outputs["base"] == outputs["this"] and len(outputs["this"]) == 1
    print("outputs: identical" if identical else "outputs: DIFFERENT between the versions or between runs")
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
