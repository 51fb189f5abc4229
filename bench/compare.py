"""Another commit of iandw against the working tree, run alternately on one benchmark world.

    python bench/compare.py HEAD~1                  # 1M, the single indicator, 3 pairs of runs
    python bench/compare.py main --what all --pairs 5
    python bench/compare.py HEAD~1 --what validate --size 100000

On a shared machine the same command varies by a fifth from one minute to
the next (docs/performance.md), so harness runs made at different times do
not tell what a change is worth. Here each pair of runs puts the two
versions back to back, the first of a pair alternating from pair to pair,
and their outputs must be identical byte for byte (exit 1 if not; 2 if a
version cannot be checked out or fails). The other commit is checked out
into a temporary git worktree, removed after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
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
    if "-o" not in arguments:
        return run, run.stdout.encode()
    with open(arguments[arguments.index("-o") + 1], "rb") as stream:
        return run, stream.read()


def fail(message: str) -> NoReturn:
    print(f"compare: error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit to compare the working tree with (any git revision)")
    parser.add_argument("--size", type=int, default=1_000_000, help="observations in the world (default 1M)")
    parser.add_argument("--what", choices=WHAT, default="single", help="which run (default: single)")
    parser.add_argument("--pairs", type=int, default=3, help="pairs of runs (default 3)")
    arguments = parser.parse_args(argv)

    world, _ = ensure_world(arguments.size)
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
            size = label(arguments.size)
            print(f"{arguments.what} at {size}: {arguments.base} (base) against the working tree")
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
