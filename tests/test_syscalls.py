"""mprotect accounting: parsing captured perf/strace output, the fallback order, real counts."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator import syscalls
from orchestrator.rundir import RunDir, execute
from orchestrator.models import CellKey

TP, SC = "syscalls:sys_enter_mprotect", "mprotect"


def Cell(bench, threads):
    return CellKey(benchmark=bench, threads=threads)

FIX = Path(__file__).parent / "fixtures" / "syscalls"


def text(name):
    return (FIX / name).read_text()


def test_perf_counts_and_the_difference_per_op():
    a = syscalls.parse_perf(text("perf_go_sequential_10000.txt"), TP)
    b = syscalls.parse_perf(text("perf_go_sequential_20000.txt"), TP)
    assert (a, b) == (20004, 40004)
    assert (b - a) / 10000 == 2.0


@pytest.mark.parametrize("name, message", [
    ("perf_unknown_event.txt", "no syscalls:sys_enter_mprotect line"),
    ("perf_unprivileged_paranoid2.txt", "no syscalls:sys_enter_mprotect line"),
])
def test_perf_failures_are_count_errors_naming_the_source(name, message):
    with pytest.raises(syscalls.CountError, match=message) as err:
        syscalls.parse_perf(text(name), TP, source=name)
    assert name in str(err.value)


def test_perf_not_counted_value_is_reported_with_its_line():
    with pytest.raises(syscalls.CountError, match=r"x:2: perf did not count .*<not counted>"):
        syscalls.parse_perf("# started\n<not counted>,,syscalls:sys_enter_mprotect,0,100.00,,\n", TP, "x")


@pytest.mark.parametrize("name, calls", [
    ("strace_go_parallel_shared_t2_10000.txt", 30),
    ("strace_python_sequential_1000.txt", 2161),
    ("strace_true_no_mprotect.txt", 3),
    ("strace_go_usage_error_no_mprotect.txt", 0),
])
def test_strace_summary_calls(name, calls):
    assert syscalls.parse_strace(text(name), SC) == calls


def test_strace_garbage_is_a_count_error():
    with pytest.raises(syscalls.CountError, match="no strace summary table"):
        syscalls.parse_strace("strace: exec: No such file or directory\n", SC, "s.txt")


def test_ops_line_parsing():
    line = syscalls.parse_ops_line(text("go_parallel_shared_t2_10000.stdout"))
    assert line["ops"] == 10000 and line["open_transitions"] == 13
    with pytest.raises(syscalls.CountError, match="expected one JSON line"):
        syscalls.parse_ops_line("a\nb\n")
    with pytest.raises(syscalls.CountError, match="not JSON"):
        syscalls.parse_ops_line("ops=3\n")


def _choose_in(path_dirs):
    code = ("from orchestrator import syscalls; from orchestrator.models import EventSpec; "
            f"m = syscalls.choose_method(EventSpec(label='x', tracepoint={TP!r}, syscall={SC!r})); "
            "print(m.name); print(m.reason)")
    env = dict(os.environ, PATH=os.pathsep.join(str(p) for p in path_dirs))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    name, _, reason = out.stdout.partition("\n")
    return name, reason.strip()


def _bin_with(tmp_path, tools):
    d = tmp_path / "bin"
    d.mkdir(parents=True, exist_ok=True)
    for t in tools:
        exe = shutil.which(t)
        if exe is None:
            pytest.skip(f"{t} is not installed here: this fallback case cannot be shown")
        (d / t).symlink_to(exe)
    return d


def test_fallback_order_perf_then_strace_then_none(tmp_path):
    assert _choose_in([_bin_with(tmp_path / "a", ["perf", "strace"])])[0] == "perf"
    name, reason = _choose_in([_bin_with(tmp_path / "b", ["strace"])])
    assert name == "strace" and "perf not found on PATH" in reason
    name, reason = _choose_in([tmp_path / "empty"])
    assert name == "none"
    assert "perf not found on PATH" in reason and "strace not found on PATH" in reason


def test_not_measured_path_is_recorded_with_the_reason(tmp_path, builtin):
    rd = RunDir.create(tmp_path / "runs")
    method = syscalls.Method("none", "perf not found on PATH; strace not found on PATH")
    syscalls.run(rd, builtin, tmp_path, ["go"], [Cell("sequential", 1)], 100, lambda m: None, method=method)
    (count,) = syscalls.from_steps(rd)
    assert count.method == "none" and "strace not found" in count.reason
    assert count.per_op == []


@pytest.fixture(scope="module")
def go_runner(tmp_path_factory, builtin):
    from orchestrator import runner

    root = Path(__file__).resolve().parents[1]
    build = tmp_path_factory.mktemp("build")
    exe = runner.build_dir(build, builtin, "go") / "secretops"
    subprocess.run(["go", "build", "-o", str(exe), "./cmd/secretops"], cwd=root / "go", check=True,
                   timeout=600)
    return builtin, build


@pytest.mark.parametrize("method", ["perf", "strace"])
def test_real_counts_through_the_go_ops_runner(go_runner, tmp_path, method):
    suite, build = go_runner
    chosen = syscalls.choose_method(suite.events)
    if method == "perf" and chosen.name != "perf":
        pytest.skip(f"perf cannot count here: {chosen.reason}")
    if shutil.which(method) is None:
        pytest.skip(f"{method} is not installed")
    rd = RunDir.create(tmp_path / "runs")
    cells = [Cell("sequential", 1), Cell("floor", 1), Cell("parallel-shared", 2)]
    syscalls.run(rd, suite, build, ["go"], cells, 1000, lambda m: None, method=syscalls.Method(method))
    counts = {(c.canonical, c.threads): c for c in syscalls.from_steps(rd)}
    for key in (("sequential", 1), ("floor", 1)):
        c = counts[key]
        assert c.method == method
        # runs at 1000, 2000 and 3000 ops: two repetitions that agree exactly settle a cell,
        # so the run at 4000 is skipped
        assert c.per_op == [2.0, 2.0], c
        assert all(b - a == 2000 for a, b in c.counts)
    runs = {}
    for folder in rd.step_folders():
        spec = json.loads((folder / "step.json").read_text())["spec"]
        runs.setdefault((spec["benchmark"], spec["threads"]), []).append(spec["ops"])
    assert runs[("sequential", 1)] == [1000, 2000, 3000]
    assert runs[("parallel-shared", 2)] == [1000, 2000, 3000, 4000]
    shared = counts[("parallel-shared", 2)]
    # a cell with a cycle counter varies from run to run: all three repetitions are kept
    assert len(shared.open_share) == 3 and len(shared.per_op) == 3
    assert all(0 < s <= 1 for s in shared.open_share)
    # each open/close cycle is exactly one mprotect pair, whatever the overlap
    # (runs of 1000 to 4000 ops never open the same number of times)
    assert len({t for pair in shared.transitions for t in pair}) >= 2, shared.transitions
    assert shared.calls_per_cycle == pytest.approx(2.0, abs=1e-9)
    # every step's raw output stays on disk
    step = rd.step_folders()[0]
    assert json.loads((step / "step.json").read_text())["exit_status"] == 0


def test_a_folder_counted_in_pairs_before_the_chain_is_still_read(go_runner, tmp_path):
    """Older run folders hold, per repetition, its own runs at N and 2N (and no layout in the method file)."""
    suite, build = go_runner
    method = syscalls.choose_method(suite.events)
    if method.name == "none":
        pytest.skip(f"no counter here: {method.reason}")
    rd = RunDir.create(tmp_path / "runs")
    rd.write_extra(syscalls.METHOD_FILE, {"method": method.name, "reason": "", "ops": 500, "languages": ["go"],
                                          "cells": [{"benchmark": "floor", "params": {}, "threads": 1}],
                                          "tracepoint": suite.events.tracepoint, "syscall": suite.events.syscall,
                                          "cycle_key": None})
    chain = syscalls.plan_steps(suite, build, ["go"], [Cell("floor", 1)], 500, method)
    for rep in (1, 2):
        for spec in chain[:2]:  # the runs at N and 2N, as each old repetition had them
            again = json.loads(json.dumps(spec.__dict__))
            again.update(round=rep, label=f"floor T=1 rep{rep} ops={spec.ops}")
            execute(rd.new_step(type(spec)(**again)))
    (count,) = syscalls.from_steps(rd)
    assert count.per_op == [2.0, 2.0] and count.counts and all(b - a == 1000 for a, b in count.counts)


def test_slope_of_calls_on_cycles():
    # set-up 4 calls, then 2 per open/close cycle, in runs that overlapped differently
    cycles = [(500, 9000), (3000, 1200), (10000, 20000)]
    counts = [(4 + 2 * a, 4 + 2 * b) for a, b in cycles]
    assert syscalls.slope(counts, cycles) == pytest.approx(2.0)
    assert syscalls.slope([(10, 10)], [(5, 5)]) is None
