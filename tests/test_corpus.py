"""The bad-input corpus: every failure class through the real command line.

Each directory under tests/corpus/bad/ is one case (see tests/corpus/README.md):

    <case>/                 input files (paths as the CLI will print them)
    <case>/expected.txt     the FIRST stderr line, exactly (empty: stderr must be empty)
    <case>/expected.re      instead of expected.txt: a regex the first line must match
    <case>/args.txt         CLI arguments (default: `validate`)
    <case>/exit.txt         expected exit code (default: 2)
    <case>/world.txt        run on a copy of tests/corpus/world/ with the case's files laid over it
    <case>/stdout.txt       what validate's summary says was read (the part before ': N errors'):
                            the world's documents are all there, nothing valid was lost
    <case>/stderr.txt       the whole of stderr, when every line matters
    <case>/xfail.txt        a known bug: the case is expected to fail (strictly) for this reason

Inputs that are huge or cannot live in git (a 100 MB JSONL record, 20,000-deep
nesting, a symlink loop, an unreadable file, a FIFO) are written at test time
by the GENERATORS below into a copy of the case under tmp_path.

Every run is a subprocess (`python -m iandw …`, cwd at the copy) with a 10 s
timeout and a 1 GiB address-space limit, and its own peak RSS is measured
with os.wait4 (see `run_iandw`).
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import re
import resource
import shlex
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
BAD = CORPUS / "bad"
WORLD = CORPUS / "world"
CONTROL_FILES = {
    "expected.txt",
    "expected.re",
    "args.txt",
    "exit.txt",
    "world.txt",
    "stdout.txt",
    "stderr.txt",
    "xfail.txt",
}

TIMEOUT_SECONDS = 10
MEMORY_BYTES = 1 << 30  # 1 GiB
DIAGNOSTIC = re.compile(r"^[^:]+:\d+:\d+: (error|warning): .+$")
ERROR_SUMMARY = re.compile(r"^iandw: ([\d,]+) errors?; nothing was (scored|evaluated|tested)$")
VALIDATE_SUMMARY = re.compile(r"^(read .*): ([\d,]+) errors?, ([\d,]+) warnings?$")
AS_OF = "2023-12-01"


# --- running the CLI under limits ---------------------------------------------------------------

# Memory: RLIMIT_AS (virtual address space) works here. CPython, pydantic and
# PyYAML start in well under 250 MiB of address space (measured: `evaluate` on
# the world still succeeds at 256 MiB), so a 1 GiB cap leaves the interpreter
# room and makes any real blow-up fail fast instead of swapping.  Because the
# CLI turns MemoryError into "out of memory" (exit 2), which would pass an
# exit-code check, every run also asserts that message is absent, and
# additionally measures the child's own peak RSS with os.wait4 (per child,
# unlike getrusage(RUSAGE_CHILDREN), which is the maximum over all children
# so far) and asserts it under 1 GiB.

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2
_libc = ctypes.CDLL(None, use_errno=True)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _limit_memory_and_drop_read_override() -> None:
    """Also make root obey file modes: drop the two capabilities that bypass them.

    chmod 000 does not stop root (CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH).
    Removing both from the capability bounding set before exec means the
    exec'd interpreter, though still uid 0, is refused a mode-000 file and can
    still run from /root (which it owns).  Dropping to an unprivileged uid
    does not work in this container: the interpreter lives under /root (0700).
    """
    _limit_memory()
    if os.geteuid() == 0:
        for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
            if _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_bytes: int
    timed_out: bool

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def describe(self) -> str:
        return (
            f"iandw {shlex.join(self.args)}: exit {self.returncode} in {self.seconds:.2f}s, "
            f"peak RSS {self.peak_rss_bytes >> 20} MiB\n--- stderr ---\n{self.stderr[:3000]}"
            f"\n--- stdout (tail) ---\n{self.stdout[-1000:]}"
        )


def run_iandw(args: list[str], cwd: Path, preexec: Callable[[], None] = _limit_memory) -> Run:
    """`python -m iandw ARGS` in `cwd`, killed after TIMEOUT_SECONDS, with its own peak RSS."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "iandw", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"},
    )
    output: dict[str, bytes] = {}

    def drain(name: str, stream: object) -> None:
        output[name] = stream.read()  # type: ignore[attr-defined]

    readers = [
        threading.Thread(target=drain, args=("stdout", process.stdout)),
        threading.Thread(target=drain, args=("stderr", process.stderr)),
    ]
    for reader in readers:
        reader.start()
    timed_out = threading.Event()
    reaped = threading.Lock()

    def kill() -> None:
        with reaped:
            if process.returncode is None:
                timed_out.set()
                os.kill(process.pid, 9)

    timer = threading.Timer(TIMEOUT_SECONDS, kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    with reaped:
        process.returncode = os.waitstatus_to_exitcode(status)
    timer.cancel()
    for reader in readers:
        reader.join()
    process.stdout.close()  # type: ignore[union-attr]
    process.stderr.close()  # type: ignore[union-attr]
    return Run(
        args=args,
        returncode=process.returncode,
        stdout=output.get("stdout", b"").decode("utf-8", errors="replace"),
        stderr=output.get("stderr", b"").decode("utf-8", errors="replace"),
        seconds=time.monotonic() - started,
        peak_rss_bytes=usage.ru_maxrss * 1024,  # KiB on Linux
        timed_out=timed_out.is_set(),
    )


def assert_sane(run: Run) -> None:
    """What every run must satisfy, whatever the input."""
    assert not run.timed_out, f"took more than {TIMEOUT_SECONDS} s (killed)\n" + run.describe()
    assert run.peak_rss_bytes < MEMORY_BYTES, run.describe()
    assert "Traceback" not in run.stderr + run.stdout, run.describe()
    assert "internal error" not in run.stderr, run.describe()
    assert "out of memory" not in run.stderr, run.describe()
    lines = run.stderr_lines
    if lines and ERROR_SUMMARY.match(lines[-1]):
        lines = lines[:-1]  # a command that reads a case ends its list of errors with a count
    for line in lines:
        assert DIAGNOSTIC.match(line), (
            f"not `path:line:column: severity: message`: {line!r}\n" + run.describe()
        )


def summary_counts(run: Run) -> str:
    """'read 3 entities, …, 1 scale' from validate's last line: what was read."""
    last = run.stdout.splitlines()[-1] if run.stdout.strip() else ""
    match = VALIDATE_SUMMARY.match(last)
    assert match, f"no summary line\n{run.describe()}"
    return match.group(1)


# --- generated inputs ---------------------------------------------------------------------------

JSONL_OK = (
    '{{"id": "{id}", "type": "meeting", "date": "2023-09-03", "entities": ["ruritania"], '
    '"sources": [{{"name": "Strelsau wire"}}]}}\n'
)


@dataclass
class Generated:
    preexec: Callable[[], None] = _limit_memory
    needs_unreadable: Path | None = None  # skip if this file is readable to the child anyway


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def gen_nesting_yaml_flow(root: Path) -> Generated:
    _write(
        root / "observations/deep.yaml",
        "kind: entity\nid: elphberg\ntype: state\nattributes: {titles: "
        + "[" * 20_000
        + "]" * 20_000
        + "}\n",
    )
    return Generated()


def gen_nesting_yaml_block(root: Path) -> Generated:
    _write(
        root / "observations/deep.yaml",
        "kind: entity\nid: elphberg\ntype: state\nattributes:\n  titles:\n    " + "- " * 20_000 + "king\n",
    )
    return Generated()


def gen_nesting_json(root: Path) -> Generated:
    _write(root / "observations/deep.json", "[" * 20_000 + "]" * 20_000 + "\n")
    return Generated()


def gen_nesting_jsonl(root: Path) -> Generated:
    deep = (
        '{"id": "deep", "type": "meeting", "date": "2023-09-03", "attributes": '
        + '{"a": ' * 20_000
        + "1"
        + "}" * 20_000
        + "}\n"
    )
    _write(
        root / "observations/feed.jsonl", JSONL_OK.format(id="wire-1") + deep + JSONL_OK.format(id="wire-3")
    )
    return Generated()


def gen_nesting_then_valid(root: Path) -> Generated:
    _write(
        root / "observations/deep.yaml",
        "kind: entity\nid: elphberg\ntype: state\nattributes:\n  titles:\n    "
        + "- " * 2_000
        + "king\n---\nkind: entity\nid: zenda\ntype: state\n",
    )
    return Generated()


def gen_huge_jsonl_record(root: Path) -> Generated:
    """A 100 MiB single-line record between two valid ones, written in 1 MiB chunks."""
    path = root / "observations/feed.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = ("Zenda " * 200_000)[: 1 << 20]
    with path.open("w", encoding="utf-8") as stream:
        stream.write(JSONL_OK.format(id="wire-1"))
        stream.write('{"id": "wire-2", "type": "meeting", "date": "2023-09-03", "summary": "')
        for _ in range(100):
            stream.write(chunk)
        stream.write('"}\n')
        stream.write(JSONL_OK.format(id="wire-3"))
    assert path.stat().st_size > 100 * (1 << 20)
    return Generated()


def gen_symlink_loop(root: Path) -> Generated:
    (root / "observations/archive").mkdir(parents=True)
    os.symlink("..", root / "observations/archive/again")  # archive/again is observations/ itself
    return Generated()


def _secret(root: Path) -> Path:
    secret = _write(root / "observations/secret.yaml", "kind: entity\nid: elphberg\ntype: state\n")
    secret.chmod(0)
    return secret


def gen_unreadable_file(root: Path) -> Generated:
    return Generated(_limit_memory_and_drop_read_override, needs_unreadable=_secret(root))


def gen_fifo(root: Path) -> Generated:
    (root / "observations").mkdir(exist_ok=True)
    os.mkfifo(root / "observations/pipe.yaml")
    return Generated()


def gen_member_of_chain(root: Path) -> Generated:
    """6,000 entities, each a member of the one before: its full closure held 18 million pairs."""
    parents = ["red-hand", *(f"c{i}" for i in range(5_999))]
    lines = [
        json.dumps({"kind": "entity", "id": f"c{i}", "type": "armed-group", "member_of": [parent]})
        for i, parent in enumerate(parents)
    ]
    _write(root / "observations/chain.jsonl", "\n".join(lines) + "\n")
    return Generated()


def gen_crowded_meeting(root: Path) -> Generated:
    """One meeting naming its two parties 2,000 times each: 4,000 × 3,999 ways to choose two references."""
    crowd = ["rudolf-rassendyll", "red-hand"] * 2_000
    meeting = {"id": "crowd", "type": "meeting", "date": "2023-09-02", "entities": crowd}
    _write(root / "observations/crowd.jsonl", json.dumps(meeting) + "\n")
    return Generated()


def gen_crowded_free_variables(root: Path, states: int = 700, group_named: int = 1) -> Generated:
    """One meeting naming 700 states' ministers and a group: 700 × 699 (sponsor, partner) groups."""
    lines = []
    for i in range(states):
        lines.append(json.dumps({"kind": "entity", "id": f"st{i}", "type": "state"}))
        lines.append(
            json.dumps(
                {
                    "kind": "entity",
                    "id": f"p{i}",
                    "type": "person",
                    "member_of": [f"st{i}"],
                    "attributes": {"level": "minister"},
                }
            )
        )
    crowd = [f"p{i}" for i in range(states)] + ["red-hand"] * group_named
    lines.append(json.dumps({"id": "crowd", "type": "meeting", "date": "2023-09-02", "entities": crowd}))
    _write(root / "observations/crowd.jsonl", "\n".join(lines) + "\n")
    return Generated()


def gen_crowded_repeated_party(root: Path) -> Generated:
    """100 ministers and the group named 2,000 times: 9,900 assignments, each offered 2,000 copies
    of the group's reference (168 s for 300 ministers and 1,000 copies, before copies were one kind)."""
    return gen_crowded_free_variables(root, states=100, group_named=2_000)


def gen_name_shared_by_thousands(root: Path) -> Generated:
    """3,000 entities under one alias, named by 3,000 observations: each message once listed them all."""
    entities = [
        json.dumps({"kind": "entity", "id": f"s{i}", "type": "state", "name": f"S{i}", "aliases": ["Same"]})
        for i in range(3_000)
    ]
    observations = [JSONL_OK.format(id=f"o{i}").replace('"ruritania"', '"same"') for i in range(3_000)]
    _write(root / "observations/same.jsonl", "\n".join(entities) + "\n" + "".join(observations))
    return Generated()


GENERATORS: dict[str, Callable[[Path], Generated]] = {
    "member-of-chain-6000": gen_member_of_chain,
    "crowded-meeting": gen_crowded_meeting,
    "crowded-free-variables": gen_crowded_free_variables,
    "crowded-repeated-party": gen_crowded_repeated_party,
    "name-shared-by-thousands": gen_name_shared_by_thousands,
    "nesting-20000-yaml-flow": gen_nesting_yaml_flow,
    "nesting-20000-yaml-block": gen_nesting_yaml_block,
    "nesting-20000-json": gen_nesting_json,
    "nesting-20000-jsonl": gen_nesting_jsonl,
    "nesting-deep-then-valid-document": gen_nesting_then_valid,
    "huge-jsonl-record-100mb": gen_huge_jsonl_record,
    "symlink-loop": gen_symlink_loop,
    "unreadable-file": gen_unreadable_file,
    "unreadable-file-named-explicitly": gen_unreadable_file,
    "fifo-named-explicitly": gen_fifo,
    "fifo-in-directory": gen_fifo,
}


# --- cases --------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    directory: Path

    def text(self, name: str) -> str | None:
        path = self.directory / name
        return path.read_text(encoding="utf-8") if path.exists() else None

    @property
    def args(self) -> list[str]:
        return shlex.split(self.text("args.txt") or "validate")

    @property
    def exit_code(self) -> int:
        return int((self.text("exit.txt") or "2").strip())

    @property
    def uses_world(self) -> bool:
        return (self.directory / "world.txt").exists()

    @property
    def xfail(self) -> str | None:
        reason = self.text("xfail.txt")
        return reason.strip() if reason else None

    def materialise(self, target: Path) -> Generated:
        """The case's inputs (over a copy of the world) in `target`, generated ones included."""
        if self.uses_world:
            shutil.copytree(WORLD, target)
        target.mkdir(exist_ok=True)
        for path in sorted(self.directory.rglob("*")):
            relative = path.relative_to(self.directory)
            if path.is_dir() or str(relative) in CONTROL_FILES:
                continue
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / relative)
        generator = GENERATORS.get(self.name)
        return generator(target) if generator else Generated()


def all_cases() -> list[Case]:
    return [Case(path.name, path) for path in sorted(BAD.iterdir()) if path.is_dir()]


def case_params(cases: list[Case]) -> list[object]:
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for case in cases
    ]


CASES = all_cases()


def _cleanup(root: Path) -> None:
    """Remove a case copy (large generated files must not pile up in pytest's basetemp)."""
    for path in root.rglob("*"):
        if not path.is_symlink() and path.exists():
            path.chmod(stat.S_IRWXU)
    shutil.rmtree(root, ignore_errors=True)


_FIRST_RUNS: dict[str, Run] = {}  # each case's own run, reused by the cross-checks below


def run_case(case: Case, tmp_path: Path, args: list[str] | None = None) -> Run:
    """Run the case (with its args.txt, or `args`); the plain run is computed once per session."""
    if args is None and case.name in _FIRST_RUNS:
        return _FIRST_RUNS[case.name]
    root = tmp_path / case.name
    generated = case.materialise(root)
    try:
        if generated.needs_unreadable is not None:
            _skip_unless_unreadable(generated.needs_unreadable, generated.preexec)
        run = run_iandw(args or case.args, root, generated.preexec)
        if args is None:
            _FIRST_RUNS[case.name] = run
        return run
    finally:
        _cleanup(root)


def _skip_unless_unreadable(path: Path, preexec: Callable[[], None]) -> None:
    """Skip only when no way of making `path` unreadable to the child exists here."""
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import sys; open(sys.argv[1], 'rb').read(1)", str(path)],
            preexec_fn=preexec,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop the capabilities that let root read a mode-000 file: {exc}")
    if probe.returncode == 0:
        pytest.skip("a mode-000 file is still readable to the child (privileged, capabilities kept)")


def test_corpus_layout() -> None:
    """Every case has an expectation; every generator has its case; control files are known."""
    names = {case.name for case in CASES}
    assert len(CASES) >= 40
    assert set(GENERATORS) <= names, set(GENERATORS) - names
    for case in CASES:
        assert (case.directory / "expected.txt").exists() != (case.directory / "expected.re").exists(), (
            case.name
        )
        inputs = [p for p in case.directory.rglob("*") if p.is_file() and p.name not in CONTROL_FILES]
        assert inputs or case.name in GENERATORS or case.args != ["validate"], f"{case.name} has no input"
        for path in inputs:
            assert path.stat().st_size < 64 * 1024, f"{path}: generate large inputs at test time"


@pytest.mark.parametrize("case", case_params(CASES))
def test_case(case: Case, tmp_path: Path) -> None:
    run = run_case(case, tmp_path)
    assert_sane(run)
    assert run.returncode == case.exit_code, run.describe()
    first = run.stderr_lines[0] if run.stderr_lines else ""
    expected = case.text("expected.txt")
    if expected is not None:
        assert first == expected.rstrip("\n"), run.describe()
    else:
        pattern = (case.text("expected.re") or "").strip()
        assert re.fullmatch(pattern, first), f"{first!r} !~ {pattern!r}\n" + run.describe()
    whole = case.text("stderr.txt")
    if whole is not None:
        assert run.stderr == whole, run.describe()
    read = case.text("stdout.txt")
    if read is not None:
        assert summary_counts(run) == read.rstrip("\n"), run.describe()


# --- validate --format json and evaluate agree with the text diagnostics -----------------------

JSON_CASE_NAMES = {
    "yaml-bad-indentation",
    "unknown-key",
    "member-of-cycle",
    "jsonl-one-bad-line",
    "non-utf8-bytes",
    "empty-file",
    "utf8-bom",
    "limit-max-alias-nodes",
    "symlink-loop",
    "huge-jsonl-record-100mb",
}
JSON_CASES = [case for case in CASES if case.name in JSON_CASE_NAMES]


def test_every_json_case_named_exists() -> None:
    """A renamed or removed case would otherwise drop out of the JSON comparison silently."""
    assert sorted(case.name for case in JSON_CASES) == sorted(JSON_CASE_NAMES)


@pytest.mark.parametrize("case", case_params(JSON_CASES))
def test_validate_json_gives_the_same_diagnostics(case: Case, tmp_path: Path) -> None:
    assert case.args[0] == "validate"
    text = run_case(case, tmp_path)
    as_json = run_case(case, tmp_path, [*case.args, "--format", "json"])
    assert_sane(as_json)
    assert as_json.returncode == text.returncode == case.exit_code
    assert as_json.stderr == "", as_json.describe()
    payload = json.loads(as_json.stdout)
    diagnostics = payload["diagnostics"]
    for item in diagnostics:
        assert set(item) == {"severity", "file", "line", "column", "message"}, item
        assert item["line"] >= 1 and item["column"] >= 1, item
    formatted = [
        f"{d['file']}:{d['line']}:{d['column']}: {d['severity']}: {d['message']}" for d in diagnostics
    ]
    assert formatted == text.stderr_lines
    assert payload["errors"] == sum(d["severity"] == "error" for d in diagnostics)
    assert payload["warnings"] == sum(d["severity"] == "warning" for d in diagnostics)
    summary = VALIDATE_SUMMARY.match(text.stdout.splitlines()[-1])
    assert summary, text.describe()
    counts = (int(summary.group(2).replace(",", "")), int(summary.group(3).replace(",", "")))
    assert counts == (payload["errors"], payload["warnings"])


EVALUATE_CASES = [
    case
    for case in CASES
    if case.uses_world and case.exit_code == 2 and case.args[0] == "validate" and not case.xfail
]


@pytest.mark.parametrize("case", case_params(EVALUATE_CASES))
def test_evaluate_refuses_to_score_and_lists_every_error(case: Case, tmp_path: Path) -> None:
    """Where validate finds errors, evaluate exits 2 listing exactly those errors, then a count."""
    validated = run_case(case, tmp_path)
    errors = [line for line in validated.stderr_lines if ": error: " in line]
    assert errors, validated.describe()
    evaluated = run_case(case, tmp_path, ["evaluate", "--as-of", AS_OF, *case.args[1:]])
    assert_sane(evaluated)
    assert evaluated.returncode == 2, evaluated.describe()
    assert evaluated.stdout == "", evaluated.describe()
    *listed, last = evaluated.stderr_lines
    assert listed == errors, evaluated.describe()
    count = ERROR_SUMMARY.match(last)
    assert count and int(count.group(1).replace(",", "")) == len(errors), evaluated.describe()


def test_world_is_valid_and_scores(tmp_path: Path) -> None:
    """The shared world is clean, so every diagnostic in a case comes from the case's own files."""
    shutil.copytree(WORLD, tmp_path / "world")
    validated = run_iandw(["validate"], tmp_path / "world")
    assert_sane(validated)
    assert validated.returncode == 0 and validated.stderr == "", validated.describe()
    assert summary_counts(validated) == "read 3 entities, 1 hypothesis, 1 indicator, 2 observations, 1 scale"
    tested = run_iandw(["test"], tmp_path / "world")
    assert_sane(tested)
    assert tested.returncode == 0, tested.describe()
    assert (tested.stdout, tested.stderr) == ("1 passed, 0 failed\n", "")  # the rules' one test
    evaluated = run_iandw(["evaluate", "--as-of", AS_OF, "--format", "json"], tmp_path / "world")
    assert_sane(evaluated)
    assert evaluated.returncode == 0, evaluated.describe()
    (scored,) = json.loads(evaluated.stdout)["hypotheses"]
    # By hand (docs/language.md's default scoring): zenda-meeting B2 = .7 × .7 = .49 and
    # strelsau-attack A1 = .9 × .9 = .81, one source each; the meeting is 36 days before the
    # attack, inside 12w (0..84 days), so the indicator fires with c = .49 × .81 = .3969.
    # logit(0.2) + c·ln 3 = ln(1/4) + .3969 ln 3 ≈ −0.9503 → posterior ≈ 0.2788: watch (≥ 0.20).
    log_odds = math.log(0.2 / 0.8) + 0.49 * 0.81 * math.log(3)
    assert scored["id"] == "ruritania-supported-red-hand"
    assert scored["posterior"] == pytest.approx(1 / (1 + math.exp(-log_odds)), abs=1e-9)
    assert scored["posterior"] == pytest.approx(0.2788, abs=5e-5)
    assert scored["level"] == "watch"


# --- cost of valid input ------------------------------------------------------------------------


def test_valid_json_is_not_reread_for_positions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """json_reader's promise: positions are computed only when a diagnostic needs them."""
    from iandw.loader import json_reader, load

    reread: list[str] = []
    real_parse_yaml = json_reader.parse_yaml

    def counting_parse_yaml(text: str, file: str, *args: object, **kwargs: object) -> object:
        reread.append(file)
        return real_parse_yaml(text, file, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(json_reader, "parse_yaml", counting_parse_yaml)
    shutil.copytree(WORLD, tmp_path / "world")
    records = [json.loads(JSONL_OK.format(id=f"wire-{n}")) for n in range(200)]
    (tmp_path / "world/observations/feed.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    monkeypatch.chdir(tmp_path / "world")
    result = load(["observations"], rules="rules")
    assert result.ok, [d.format() for d in result.diagnostics]
    assert len(result.case.observations) == 202
    assert reread == []


def test_every_limit_is_documented_with_its_default_and_option() -> None:
    """docs/limits.md has a row per Limits field: its option and its default; the CLI agrees."""
    import dataclasses

    from iandw.limits import DEFAULT_LIMITS, Limits

    docs = (Path(__file__).parent.parent / "docs" / "limits.md").read_text(encoding="utf-8")
    rows = [line for line in docs.splitlines() if line.startswith("| ")]
    for field in dataclasses.fields(Limits):
        option = "--" + field.name.replace("_", "-")
        default = getattr(DEFAULT_LIMITS, field.name)
        row = next((r for r in rows if f"`{option} N`" in r), None)
        assert row is not None, f"{option} is not in the table of docs/limits.md"
        assert f"{default:,}" in row or (default % (1 << 20) == 0 and f"{default >> 20} MiB" in row), row
        assert f"### `{option}`" in docs, f"docs/limits.md has no section for {option}"
    for command in ("evaluate", "validate", "test"):
        help_text = subprocess.run(
            [sys.executable, "-m", "iandw", command, "--help"], capture_output=True, text=True, check=True
        ).stdout
        for field in dataclasses.fields(Limits):
            option = "--" + field.name.replace("_", "-")
            assert option in help_text, f"{command} has no {option}"
