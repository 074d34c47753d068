"""Exports: the Go benchmark format that benchstat reads, and bencher's BMF JSON."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator import derive, export, stats
from orchestrator.adapters import gobench
from orchestrator.models import RunRecord

FIX = Path(__file__).parent / "fixtures" / "report" / "quick_run_all_languages.json"
BENCHSTAT = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"


@pytest.fixture(scope="module")
def record():
    return RunRecord.from_json(FIX.read_text())


def test_go_names_carry_the_worker_count_as_suffix(record):
    names = {export.go_name(r) for r in record.results}
    assert "BenchmarkSequential" in names and "BenchmarkParallelShared-2" in names
    assert "BenchmarkParallelOwned-4" in names and "BenchmarkFloor" in names


def test_gobench_export_reads_back_through_our_adapter(record, tmp_path):
    path = tmp_path / "results.txt"
    path.write_text(export.gobench_text(record))
    parsed = gobench.parse(path)
    assert parsed.issues == []
    back = {(r.id.language, derive.split_name(r.id.name)[0], r.id.threads): r.ns_per_op for r in parsed.results}
    for r in record.results:
        assert back[(r.id.language, r.id.canonical, r.id.threads)] == r.ns_per_op


def test_benchstat_compares_languages_from_the_export(record, tmp_path):
    if shutil.which("go") is None:
        pytest.skip("go is not installed: benchstat cannot run")
    path = tmp_path / "results.txt"
    path.write_text(export.gobench_text(record))
    gobin = tmp_path / "bin"
    install = subprocess.run(["go", "install", BENCHSTAT], env={**__import__("os").environ, "GOBIN": str(gobin)},
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    out = subprocess.run([str(gobin / "benchstat"), "-col", "lang", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    header = next(line for line in out.stdout.splitlines() if "go" in line and "rust" in line)
    assert "python" in header
    assert "Sequential" in out.stdout and "ParallelShared-2" in out.stdout
    assert "sec/op" in out.stdout


def test_bmf_json_has_median_and_interval_per_cell(record):
    data = json.loads(export.bmf_json(record))
    r = next(r for r in record.results if r.id.language == "rust" and r.id.canonical == "sequential")
    entry = data["rust/sequential/threads=1"]["latency"]
    assert entry["value"] == stats.median(r.ns_per_op)
    assert entry["lower_value"] <= entry["value"] <= entry["upper_value"]
    assert len(data) == len(record.results)


def test_gobench_export_of_libtest_results_notes_that_the_count_is_unknown(tmp_path):
    from orchestrator.adapters import libtest

    results = libtest.parse(Path(__file__).parent / "fixtures" / "libtest" / "integer_ns_with_mb_s.txt").results
    record = RunRecord(run_id="libtest-export", started_at="2026-11-30T00:00:00Z", results=results)
    text = export.gobench_text(record)
    lines = text.splitlines()
    result_lines = [i for i, line in enumerate(lines) if line.startswith("Benchmark")]
    assert len(result_lines) == 7
    for i in result_lines:
        # every result line follows the note that its count is a placeholder
        assert lines[i - 1] == f"# {lines[i].split()[0]}: " + export.UNKNOWN_ITERATIONS.format(harness="libtest")
    path = tmp_path / "results.txt"
    path.write_text(text)
    back = gobench.parse(path)
    assert back.issues == []  # the note is a comment the format ignores
    assert sorted(r.ns_per_op[0] for r in back.results) == sorted(r.ns_per_op[0] for r in results)
