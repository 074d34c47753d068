"""The user-facing commands: compare on brought outputs, report --check, bad input."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures"
GO8 = FIX / "compare" / "go_parallel_shared_runparallel_cpu8.txt"
RUST1 = FIX / "compare" / "rust_criterion_parallel_shared_one_thread"


def invoke(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _tables(report: str) -> str:
    start = report.index("## 1. Headline")
    return report[start:report.index(". Stability, gaps and environment")]


def test_compare_runparallel_at_8_with_one_thread_criterion_is_not_comparable(tmp_path):
    out = invoke("compare", "--go", str(GO8), "--rust", str(RUST1), "--out", str(tmp_path))
    # nothing was compared: exit 1 and the reason, with the report written all the same
    assert out.returncode == 1, out.stdout + out.stderr
    assert "nothing was compared: 2 result(s) lack a mode or worker count" in out.stdout
    report = (tmp_path / "REPORT.md").read_text()
    assert "not comparable" in report
    assert "(T=8 is from the go -N suffix, which is GOMAXPROCS, not whether b.RunParallel ran)" in report
    assert "--mode go=parallel" in report and "--mode rust=sequential" in report
    tables = _tables(report)
    assert "fastest" not in tables and "slower than" not in tables and "faster than" not in tables


def test_compare_with_declared_modes_refuses_the_cross_mode_pair(tmp_path):
    out = invoke("compare", "--go", str(GO8), "--rust", str(RUST1), "--mode", "go=parallel,rust=sequential",
                 "--out", str(tmp_path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "nothing was compared: every pair was refused" in out.stdout
    report = (tmp_path / "REPORT.md").read_text()
    line = next(x for x in report.splitlines() if x.startswith("- refused pair:"))
    assert "go BenchmarkParallelShared (parallel, T=8)" in line
    assert "rust secret/parallel-shared (sequential, T=1)" in line
    assert "different modes (parallel vs sequential)" in line
    tables = _tables(report)
    assert "slower than" not in tables and "faster than" not in tables


@pytest.mark.parametrize("args, message", [
    (["compare"], "give at least one output: --go PATH"),
    (["compare", "--go", "/nonexistent/go.txt"], "--go: /nonexistent/go.txt does not exist"),
    (["compare", "--go", str(GO8), "--mode", "go=fast"], "unknown mode 'fast'"),
    (["bench-all", "--threads", "0"], "--threads: '0' is not a worker count"),
    (["bench-all", "--threads", "x"], "--threads: 'x' is not a worker count"),
    (["bench-all", "--bench", "nope"], "--bench: unknown name 'nope'"),
    (["bench-all", "--languages", "cobol"], "--languages: unknown name 'cobol'"),
    (["bench-all", "--suite", "/nonexistent"], "/nonexistent: no suite manifest here"),
    (["bench-all", "--samples", "-1"], "--samples: -1 is too small"),
    (["report", "--run", "/nonexistent"], "--run: /nonexistent: not a folder"),
    (["syscalls", "--ops", "zero"], "--ops: 'zero' is not a whole number"),
    (["report", "--check", "--run", "reports/runs/latest"], "--check compares REPORT.md"),
    (["report", "--run", str(FIX / "report" / "future_schema.json")], "schema version 99 is newer"),
    (["report", "--run", str(FIX / "report" / "corrupt_truncated.json")], "not valid JSON: line"),
])
def test_bad_input_is_one_line_with_exit_2_and_no_traceback(args, message):
    out = invoke(*args)
    assert out.returncode == 2, out.stdout + out.stderr
    assert message in out.stderr
    assert "Traceback" not in out.stderr + out.stdout


def test_report_check_passes_on_the_committed_docs_and_fails_on_a_change(tmp_path):
    src = FIX / "report" / "quick_run_all_languages.json"
    (tmp_path / "results.json").write_text(src.read_text())
    (tmp_path / "REPORT.md").write_text((FIX / "report" / "quick_run_all_languages.md").read_text())
    ok = invoke("report", "--check", "--out", str(tmp_path))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    (tmp_path / "REPORT.md").write_text((tmp_path / "REPORT.md").read_text().replace("## 4.", "## Four."))
    bad = invoke("report", "--check", "--out", str(tmp_path))
    assert bad.returncode == 1
    assert "REPORT.md differs" in bad.stdout + bad.stderr


def test_committed_report_matches_committed_results():
    out = invoke("report", "--check")
    assert out.returncode == 0, out.stdout + out.stderr
