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


def test_an_output_given_for_another_language_is_refused_unless_declared(tmp_path):
    """Go text given to --rust is not labelled Rust; --format says the user vouches for it."""
    go_text = FIX / "gobench" / "five_benchmarks_cpu_1_2_count2.txt"
    out = invoke("compare", "--rust", str(go_text), "--out", str(tmp_path / "a"))
    assert out.returncode == 2
    assert ("reads as gobench output, which is go's, not rust's; give it as --go, or declare it with "
            "--format rust=gobench") in out.stderr
    assert not (tmp_path / "a").exists()
    ok = invoke("compare", "--rust", str(go_text), "--format", "rust=gobench", "--out", str(tmp_path / "b"))
    assert ok.returncode == 1  # one language alone: nothing compared, said plainly
    assert "nothing was compared: results of 1 language only (rust)" in ok.stdout
    record = (tmp_path / "b" / "results.json").read_text()
    assert '"language": "rust"' in record and '"format": "gobench"' in record


def test_a_go_log_whose_first_result_comes_late_is_compared(tmp_path):
    late = FIX / "gobench" / "verbose_20k_test_log_before_first_result.txt"
    out = invoke("compare", "--go", str(late), "--rust", str(RUST1), "--out", str(tmp_path))
    assert "could not be told" not in out.stderr, out.stderr
    assert (tmp_path / "REPORT.md").is_file()


def test_the_map_the_report_suggests_works_as_printed_for_key_value_names(tmp_path):
    """Go's key=value sub-benchmark names: the suggested --map splits at the last '='."""
    go = tmp_path / "go.txt"
    go.write_text("goos: linux\nBenchmarkNew/text=opticks/size=100K/bits=32-2 \t 1000\t 1200 ns/op\n"
                  "BenchmarkNew/text=opticks/size=100K/bits=32-2 \t 1000\t 1210 ns/op\n")
    first = invoke("compare", "--go", str(go), "--rust", str(RUST1), "--mode", "go=parallel,rust=parallel:2",
                   "--out", str(tmp_path / "one"))
    report = (tmp_path / "one" / "REPORT.md").read_text()
    # the name's key=value parts become the cell's parameters
    assert "new (bits=32, size=100K, text=opticks)" in report
    mapped = invoke("compare", "--go", str(go), "--rust", str(RUST1), "--mode", "go=parallel,rust=parallel:2",
                    "--map", "BenchmarkNew/text=opticks/size=100K/bits=32=parallel-shared",
                    "--out", str(tmp_path / "two"))
    assert mapped.returncode in (0, 1), mapped.stderr
    assert "error" not in mapped.stderr
    record = (tmp_path / "two" / "results.json").read_text()
    assert '"canonical": "parallel-shared"' in record
    # mapped onto the Rust benchmark, the pair is still refused: the Go cell has parameters the Rust one lacks
    assert "different parameters (bits=32, size=100K, text=opticks vs none)" in (tmp_path / "two" / "REPORT.md").read_text()
    assert first.returncode in (0, 1)
