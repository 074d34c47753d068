"""The ops runner: one JSON line on stdout, exit 2 on usage errors."""

from __future__ import annotations

import json

import pytest

from pysecret.workloads import CANONICAL, SINGLE_WORKER

KEYS = ["lang", "bench", "threads", "ops", "wall_ns"]


@pytest.mark.parametrize("bench", CANONICAL)
def test_prints_exactly_one_json_line(bench, run_python_module):
    threads = 1 if bench in SINGLE_WORKER else 2
    run = run_python_module("pysecret.ops", "--bench", bench,
                            "--threads", str(threads), "--ops", "300")
    assert run.returncode == 0, run.stderr
    assert run.stdout.endswith("\n") and run.stdout.count("\n") == 1
    record = json.loads(run.stdout)
    expected_keys = KEYS + (["open_transitions"] if bench == "parallel-shared" else [])
    assert list(record) == expected_keys
    assert record["lang"] == "python"
    assert record["bench"] == bench
    assert record["threads"] == threads
    assert record["ops"] == 300
    assert isinstance(record["wall_ns"], int) and record["wall_ns"] > 0
    if bench == "parallel-shared":
        assert 1 <= record["open_transitions"] <= 300


@pytest.mark.parametrize("args", [
    [],
    ["--bench", "sequential", "--threads", "1"],                        # --ops missing
    ["--bench", "sequential", "--ops", "10"],                           # --threads missing
    ["--threads", "1", "--ops", "10"],                                  # --bench missing
    ["--bench", "parallel", "--threads", "1", "--ops", "10"],           # unknown bench
    ["--bench", "parallel-owned", "--threads", "0", "--ops", "10"],     # T < 1
    ["--bench", "parallel-owned", "--threads", "-2", "--ops", "10"],
    ["--bench", "parallel-owned", "--threads", "two", "--ops", "10"],
    ["--bench", "sequential", "--threads", "1", "--ops", "0"],          # N < 1
    ["--bench", "sequential", "--threads", "1", "--ops", "1e3"],
    ["--bench", "floor", "--threads", "2", "--ops", "10"],              # floor is T = 1
    ["--bench", "sequential", "--threads", "4", "--ops", "10"],
    ["--bench", "sequential", "--threads", "1", "--ops", "10", "--frobnicate"],
])
def test_usage_errors_exit_2_with_nothing_on_stdout(args, run_python_module):
    run = run_python_module("pysecret.ops", *args)
    assert run.returncode == 2
    assert run.stdout == ""
    assert "usage:" in run.stderr
