"""Runners and rounds: parameters, scheduling, a real short run, and a run killed half-way."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestrator import bench
from orchestrator.models import RunRecord
from orchestrator.rundir import RunDir, StepRecord

ROOT = Path(__file__).resolve().parents[1]


def test_default_threads_go_to_twice_the_cpus():
    assert bench.default_threads(2) == [1, 2, 4]
    assert bench.default_threads(3) == [1, 2, 3, 4]  # the CPU count itself is the headline's T
    assert bench.default_threads(6) == [1, 2, 4, 6, 8]
    assert bench.default_threads(8) == [1, 2, 4, 8, 16]


@pytest.mark.parametrize("kw, message", [
    (dict(threads="0"), "--threads: '0' is not a worker count"),
    (dict(threads="two"), "--threads: 'two' is not a worker count"),
    (dict(threads="1,,2"), "--threads: '' is not a worker count"),
    (dict(samples="many"), "--samples: 'many' is not a whole number"),
    (dict(samples=0), "--samples: 0 is too small"),
    (dict(bench="sequental"), "--bench: unknown name 'sequental' \\(allowed: floor, floor-raw, sequential"),
    (dict(languages="go,java"), "--languages: unknown name 'java' \\(allowed: go, rust, python"),
])
def test_bad_parameters_name_the_value_and_what_is_allowed(kw, message, builtin):
    with pytest.raises(bench.UsageError, match=message):
        bench.make_parameters(builtin, **kw)


def test_parameters_and_cells(builtin):
    p = bench.make_parameters(builtin, threads="4,1,2", bench="parallel-shared,floor", quick=True)
    assert p.threads == [1, 2, 4] and p.samples == 3 and p.rounds == 2
    assert p.benchmarks == ["floor", "parallel-shared"]
    assert [(c.benchmark, c.threads) for c in builtin.cells(p)] == [
        ("floor", 1), ("parallel-shared", 1), ("parallel-shared", 2), ("parallel-shared", 4)]
    assert bench.make_parameters(builtin, interleave=False).rounds == 1
    assert bench.make_parameters(builtin, languages="rust,go").languages == ["go", "rust"]


@pytest.mark.parametrize("total, rounds, split", [(10, 2, [5, 5]), (3, 3, [1, 1, 1]), (7, 3, [3, 2, 2]), (1, 2, [1, 0])])
def test_samples_split_over_rounds(total, rounds, split):
    assert [bench.samples_in_round(total, rounds, r) for r in range(1, rounds + 1)] == split


def test_interleaved_schedule_visits_every_language_each_round(builtin):
    # every sample of the default profile in a round (a harness process) of its own
    p = bench.make_parameters(builtin, threads="1", bench="sequential", samples=3)
    assert p.rounds == 3
    order = bench._schedule(p, ["go", "rust", "python"], builtin.cells(p), builtin)
    assert [(r, lang) for r, lang, _ in order] == [
        (1, "go"), (1, "rust"), (1, "python"), (2, "go"), (2, "rust"), (2, "python"),
        (3, "go"), (3, "rust"), (3, "python")]
    p = bench.make_parameters(builtin, threads="1", bench="sequential", samples=4, interleave=False)
    order = bench._schedule(p, ["go", "rust"], builtin.cells(p), builtin)
    assert [(r, lang) for r, lang, _ in order] == [(1, "go"), (1, "rust")]


def test_one_harness_call_runs_every_cell_that_shares_its_worker_counts(builtin):
    p = bench.make_parameters(builtin, threads="1,2,4")
    order = bench._schedule(p, ["go", "c"], builtin.cells(p), builtin)
    calls = [(r, lang, [c.label() for c in cells]) for r, lang, cells in order]
    parallel = [f"{b} T={t}" for b in ("parallel-owned", "parallel-locked", "parallel-shared") for t in (1, 2, 4)]
    assert calls[:4] == [
        (1, "go", ["floor T=1", "floor-raw T=1", "sequential T=1"]),
        (1, "go", parallel),
        (1, "c", ["floor T=1", "sequential T=1"]),  # floor-raw is Go's rung only
        (1, "c", parallel),
    ]
    assert len(order) == p.samples * 4  # a round per sample
    # cells whose worker counts differ go to different calls, each a product of ids × counts
    from orchestrator import runner
    from orchestrator.models import CellKey

    wide = [CellKey(benchmark="parallel-owned", threads=4), CellKey(benchmark="parallel-shared", threads=2),
            CellKey(benchmark="parallel-shared", threads=4), CellKey(benchmark="sequential", threads=1)]
    assert [[c.label() for c in call] for call in runner.batches(builtin, "go", wide)] == [
        ["parallel-owned T=4"], ["parallel-shared T=2", "parallel-shared T=4"], ["sequential T=1"]]
    step = runner.bench_step(builtin, "go", runner.batches(builtin, "go", wide)[1], 3, runner.Profile.quick(), 1,
                             ROOT / "build")
    assert step.command[step.command.index("-test.bench") + 1] == "^BenchmarkParallelShared$"
    assert step.command[step.command.index("-test.cpu") + 1] == "2,4"
    assert step.benchmark is None and [c["threads"] for c in step.cells] == [2, 4]


def test_a_real_go_run_collects_every_cell_with_its_rounds(tmp_path, builtin):
    params = bench.make_parameters(builtin, threads="1,2", bench="sequential,parallel-owned", samples=4, quick=True,
                                   languages="go")
    lines = []
    out = bench.run(ROOT, builtin, params, runs_root=tmp_path / "runs", echo=lines.append)
    rec = out.record
    cells = {(r.id.canonical, r.id.threads): r for r in rec.results}
    assert set(cells) == {("sequential", 1), ("parallel-owned", 1), ("parallel-owned", 2)}
    for r in cells.values():
        assert len(r.ns_per_op) == 4 and sorted(set(r.rounds)) == [1, 2]
        assert r.id.language == "go" and r.iterations and all(n >= 1 for n in r.iterations)
    assert cells[("sequential", 1)].id.mode == "sequential"
    assert cells[("parallel-owned", 2)].id.mode == "parallel"
    assert rec.failures == [] and rec.issues == []
    assert rec.environment.toolchains["Go"].startswith("go version")
    assert rec.suite == builtin
    assert any(line.startswith("[round 2/2 · step") for line in lines)
    # where the time went: every bench step's wall time, and the part inside the timed batches
    (t,) = rec.timings
    # two harness calls a round: the sequential cells, and the parallel ones at T = 1, 2
    assert t.language == "go" and t.bench_steps == 2 * 2 and t.build_seconds > 0
    assert 0 < t.measuring_seconds < t.bench_seconds
    assert 0 < t.overhead_share < 1
    # the raw output is on disk, and collecting it again gives the same record
    again = bench.collect(RunDir.open(out.run_dir.path))
    assert again.to_json() == rec.to_json()


def _wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_killing_bench_all_half_way_keeps_finished_steps_and_report_works(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "out"
    cmd = [sys.executable, "-m", "invoke", "bench-all", "--quick", "--samples", "3", "--threads", "1",
           "--bench", "sequential", "--no-syscalls", "--runs", str(runs), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)

    def finished_bench_steps():
        if not (runs / "latest").exists():
            return []
        done = []
        for folder in RunDir.open(runs / "latest").step_folders():
            rec = StepRecord.load(folder)
            if rec.spec.kind == "bench" and rec.exit_status == 0:
                done.append(rec)
        return done

    try:
        assert _wait_for(lambda: len(finished_bench_steps()) >= 2, 900), "no bench step finished in time"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    run_dir = (runs / "latest").resolve()
    finished = finished_bench_steps()
    sizes = {r.folder: (r.folder / "stdout.txt").stat().st_size for r in finished}
    assert not (out / "REPORT.md").exists()  # the run never got to its report
    rep = subprocess.run([sys.executable, "-m", "invoke", "report", "--run", str(run_dir), "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rep.returncode == 0, rep.stdout + rep.stderr
    record = RunRecord.from_json((out / "results.json").read_text())
    got = {r.id.language for r in record.results}
    assert {r.spec.language for r in finished} <= got
    report = (out / "REPORT.md").read_text()
    assert "## 1. Headline" in report
    # nothing already written was touched by the report
    for folder, size in sizes.items():
        assert (folder / "stdout.txt").stat().st_size == size


def test_ops_per_batch_fills_the_batch_rounded_up_to_a_power_of_two():
    from orchestrator import runner

    assert runner.ops_per_batch(1000.0, 0.3) == 524288  # 300,000 ops wanted
    assert runner.ops_per_batch(1e9, 0.3) == 1  # one op already takes longer than a batch
    assert runner.ops_per_batch(0.0, 0.3) >= 2 ** 38


def test_the_default_profile_aims_at_a_precision_and_quick_does_not(builtin):
    default = bench.make_parameters(builtin)
    assert (default.samples, default.precision, default.budget_seconds) == (6, 0.03, 90.0)
    quick = bench.make_parameters(builtin, quick=True)
    assert quick.precision is None and quick.budget_seconds is None
    fixed = bench.make_parameters(builtin, samples=10)
    assert fixed.precision is None  # a sample count asked for is what runs
    assert bench.make_parameters(builtin, samples=10, precision="0.02", budget="60").budget_seconds == 60.0
    with pytest.raises(bench.UsageError, match="--precision: '-1' is not above 0"):
        bench.make_parameters(builtin, precision="-1")


def test_wide_cells_are_the_ones_above_the_target_or_not_yet_known():
    tight = [1000.0 + i * 0.1 for i in range(10)]
    loose = [1000.0 * (1 + (i % 5) / 10) for i in range(10)]
    seen = {("go", "tight"): tight, ("go", "loose"): loose, ("go", "few"): tight[:3]}
    assert sorted(bench.wide_cells(seen, 0.01)) == [("go", "few"), ("go", "loose")]
    assert bench.half_width(tight[:3]) is None
