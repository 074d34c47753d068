"""`python -m orchestrator parse`, run as a subprocess on the fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator import adapters

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


@pytest.mark.parametrize(
    "fmt, path, count",
    [
        ("gobench", "gobench/five_benchmarks_cpu_1_2_count2.txt", 10),
        ("gobench", "gobench/five_benchmarks_test_json_stream.json", 10),
        ("criterion", "criterion/target_criterion_threads_1_2", 5),
        ("pyperf", "pyperf/five_benchmarks_fast_threads_1_2.json", 8),
        ("pyperf", "pyperf/inner_loops_two_benchmarks_gzip.json.gz", 2),
        ("libtest", "libtest/decimal_ns_thousands.txt", 14),
        ("pytest-benchmark", "pytest_benchmark/four_benchmarks_json_with_data.json", 4),
    ],
)
def test_clean_input_exits_0_with_results_as_json(fmt, path, count):
    proc = run("parse", "--format", fmt, str(FIX / path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    out = json.loads(proc.stdout)
    assert out["issues"] == []
    assert len(out["results"]) == count
    for r in out["results"]:
        assert {"name", "threads", "ns_per_op", "language", "canonical", "harness", "mode",
                "iterations", "unit", "original", "metadata", "source"} <= set(r)
        assert r["harness"] == fmt
        assert r["unit"] == "ns/op"
        assert r["ns_per_op"] and all(isinstance(v, float) for v in r["ns_per_op"])


def test_gobench_names_lose_the_procs_suffix_and_carry_threads():
    proc = run("parse", "--format", "gobench", str(FIX / "gobench" / "five_benchmarks_cpu_1_2_count2.txt"))
    out = json.loads(proc.stdout)
    shared2 = [r for r in out["results"] if r["name"] == "BenchmarkParallelShared" and r["threads"] == 2]
    assert len(shared2) == 1
    assert shared2[0]["ns_per_op"] == [2323.0, 628.0]
    # which suite benchmark it is, is decided later: the adapter keeps the harness's name
    assert shared2[0]["canonical"] is None and shared2[0]["language"] == "go"
    assert shared2[0]["metadata"]["full_name"] == "BenchmarkParallelShared-2"
    assert not any(r["name"].endswith("-2") for r in out["results"])


def test_issues_exit_1_and_are_printed_to_stderr_as_file_line_message():
    path = FIX / "gobench" / "two_packages_benchmem_custom_metric_fail.txt"
    proc = run("parse", "--format", "gobench", str(path))
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert len(out["results"]) == 8
    assert out["issues"] == [{"source": str(path), "line": 29, "message": out["issues"][0]["message"]}]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:29: benchmark BenchmarkBroken failed")


def test_language_override_reaches_the_results():
    proc = run("parse", "--format", "criterion", "--language", "python→rust",
               str(FIX / "criterion" / "target_criterion_threads_1_2"))
    assert proc.returncode == 0
    assert {r["language"] for r in json.loads(proc.stdout)["results"]} == {"python→rust"}


def test_only_issues_still_exit_1_with_empty_results():
    proc = run("parse", "--format", "pytest-benchmark",
               str(FIX / "pytest_benchmark" / "four_benchmarks_saved_without_data.json"))
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["results"] == [] and len(out["issues"]) == 4
    assert len(proc.stderr.splitlines()) == 4


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["parse", "--format", "nope", "x.txt"], ["unknown format 'nope'", "gobench", "pytest-benchmark"]),
        (["parse", "--format", "gobench", "/no/such/file.txt"], ["/no/such/file.txt", "no such file"]),
        (["parse", "--format", "gobench", "--language", "two words", "tests/fixtures/gobench/two_packages_benchmem_custom_metric_fail.txt"],
         ["not a language name: 'two words'", "python→rust"]),
        (["parse", "--format", "libtest", "tests/fixtures"], ["tests/fixtures", "Is a directory"]),
    ],
)
def test_unreadable_input_exits_2_with_one_line_and_no_traceback(args, fragments):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_subcommand_is_a_usage_error():
    proc = run()
    assert proc.returncode == 2
    assert "usage:" in proc.stderr


NOTHING_INPUTS = ["empty", "random", "criterion-terminal"]


def _nothing_input(kind: str, tmp_path: Path) -> Path:
    if kind == "empty":
        p = tmp_path / "empty.out"
        p.write_bytes(b"")
    elif kind == "random":
        import random

        p = tmp_path / "random.bin"
        p.write_bytes(random.Random(20261130).randbytes(3000))
    else:
        p = FIX / "criterion" / "terminal_output_not_data.txt"
    return p


@pytest.mark.parametrize("kind", NOTHING_INPUTS)
@pytest.mark.parametrize("fmt", adapters.formats())
def test_nothing_found_exits_1_with_exactly_one_issue(fmt, kind, tmp_path):
    path = _nothing_input(kind, tmp_path)
    proc = run("parse", "--format", fmt, str(path))
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert out["results"] == []
    assert len(out["issues"]) == 1, out["issues"]
    assert out["issues"][0]["source"] == str(path)
    assert out["issues"][0]["message"].startswith(f"no benchmark results found in {path} (read as {fmt})")
    assert proc.stderr.splitlines() == [f"{path}: {out['issues'][0]['message']}"
                                        if out["issues"][0]["line"] is None else
                                        f"{path}:{out['issues'][0]['line']}: {out['issues'][0]['message']}"]
