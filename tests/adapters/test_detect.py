"""adapters.detect: each adapter's own sniff decides, over the whole file, or no format is told."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator import adapters

FIX = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_go_log_whose_first_result_comes_after_10_kib_is_gobench():
    path = FIX / "gobench" / "verbose_20k_test_log_before_first_result.txt"
    first = path.read_bytes().index(b"\nBenchmarkCreateRealm-2 ")
    assert first > 10 * 1024  # nothing in the first 10 KiB says Go benchmark
    assert adapters.detect(path) == "gobench"


@pytest.mark.parametrize(
    "fixture, fmt",
    [
        ("gobench/five_benchmarks_cpu_1_2_count2.txt", "gobench"),
        ("gobench/five_benchmarks_test_json_stream.json", "gobench"),
        ("gobench/note_before_after_count3.txt", "gobench"),
        ("criterion/target_criterion_threads_1_2", "criterion"),
        ("criterion/target_criterion_threads_1_2/secret/sequential/new/sample.json", "criterion"),
        ("libtest/decimal_ns_thousands.txt", "libtest"),
        ("libtest/criterion_bencher_format_names_with_spaces.txt", "libtest"),
        ("libtest/perf_stat_wrapped_integer_mb_s.txt", "libtest"),
        ("pyperf/five_benchmarks_fast_threads_1_2.json", "pyperf"),
        ("pyperf/inner_loops_two_benchmarks_gzip.json.gz", "pyperf"),
        ("pyperf/calibration_only_benchmark_open_realm.json", "pyperf"),
        ("pytest_benchmark/four_benchmarks_json_with_data.json", "pytest-benchmark"),
        ("pytest_benchmark/four_benchmarks_saved_without_data.json", "pytest-benchmark"),
    ],
)
def test_each_fixture_format_is_detected(fixture, fmt):
    assert adapters.detect(FIX / fixture) == fmt


def test_undecidable_inputs_give_none(tmp_path):
    assert adapters.detect(FIX / "criterion" / "terminal_output_not_data.txt") is None
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert adapters.detect(empty) is None
    assert adapters.detect(tmp_path) is None  # a directory without criterion data
    both = tmp_path / "both.txt"  # a Go result and a libtest result: which one is not for us to guess
    both.write_text("BenchmarkX-2 \t 10\t 5 ns/op\ntest x ... bench:          21 ns/iter (+/- 2)\n")
    assert adapters.detect(both) is None


def test_every_adapter_declares_its_language():
    expected = {"gobench": "go", "criterion": "rust", "libtest": "rust",
                "pyperf": "python", "pytest-benchmark": "python", "googlebench": "c"}
    assert {fmt: adapters.language(fmt) for fmt in adapters.formats()} == expected
    with pytest.raises(ValueError, match="unknown format"):
        adapters.language("nope")
