"""libtest adapter on cargo bench lines from public material and constructed edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator import derive

from orchestrator.adapters import libtest
from orchestrator.models import Measurement

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "libtest"
INTEGER = FIX / "integer_ns_with_mb_s.txt"
DECIMAL = FIX / "decimal_ns_thousands.txt"


def by_name(parsed):
    return {r.id.name: r for r in parsed.results}


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bench.txt"
    p.write_text(text)
    return p


def test_integer_form_with_thousands_and_mb_s():
    parsed = libtest.parse(INTEGER)
    assert parsed.issues == []
    assert len(parsed.results) == 7
    r = by_name(parsed)["u64_64k_iter"]
    assert r.ns_per_op == [23064.0]
    assert r.original == [Measurement(value=23064.0, unit="ns/iter")]
    assert r.metadata["plus_minus_ns"] == [398.0]
    assert r.metadata["mb_per_s"] == [5682.0]
    assert r.iterations is None
    assert (r.id.language, r.id.harness, r.id.threads, r.id.threads_source, r.id.mode) == (
        "rust", "libtest", None, "unknown", "unknown")
    assert r.source == str(INTEGER)


@pytest.mark.parametrize(
    "name, ns, spread",
    [
        ("check::const_hex::bench1_32b", 7.36, 0.34),
        ("check::const_hex::bench6_1m", 57834.53, 1000.67),
        ("check::naive::bench6_1m", 4193959.30, 180118.90),
        ("encode_to_slice::const_hex::bench1_32b", 1.56, 0.0),
    ],
)
def test_decimal_form(name, ns, spread):
    parsed = libtest.parse(DECIMAL)
    assert parsed.issues == []
    assert len(parsed.results) == 14
    r = by_name(parsed)[name]
    assert r.ns_per_op == [pytest.approx(ns)]
    assert r.metadata["plus_minus_ns"] == [pytest.approx(spread)]
    assert r.metadata["mb_per_s"] == [None]
    assert r.metadata["full_name"] == name


def test_other_lines_around_bench_lines_are_skipped():
    parsed = libtest.parse(FIX / "perf_stat_wrapped_integer_mb_s.txt")
    assert parsed.issues == []
    assert sorted(by_name(parsed)) == [
        "bench_1mb_blake2b_portable", "bench_1mb_blake2s_portable",
        "bench_block_blake2b_portable", "bench_block_blake2s_portable",
    ]
    assert by_name(parsed)["bench_1mb_blake2s_portable"].ns_per_op == [4779937.0]


def test_ignored_and_ok_tests_and_summaries_are_skipped_silently(tmp_path):
    text = (
        "     Running benches/secret.rs (target/release/deps/secret-1d1858f62ff0a79c)\n\n"
        "running 3 tests\n"
        "test tests::layout ... ignored\n"
        "test tests::vectors ... ok\n"
        "test bench_sequential ... bench:       1,559 ns/iter (+/- 41)\n\n"
        "test result: ok. 1 passed; 0 failed; 1 ignored; 1 measured; 0 filtered out; finished in 0.52s\n"
    )
    parsed = libtest.parse(write(tmp_path, text))
    assert parsed.issues == []
    assert [(r.id.name, r.id.canonical, r.ns_per_op) for r in parsed.results] == [
        ("bench_sequential", None, [1559.0])]


@pytest.mark.parametrize(
    "bad",
    [
        "test u64_8k_iter             ... bench:      lots ns/iter (+/- 117) = 5651 MB/s",
        "test u64_8k_iter             ... bench:      11,596 ns/iter",
        "test u64_8k_iter             ... bench:      11,596 ns/iter (+/- 117) = fast MB/s",
        "test u64_8k_iter             ... bench:      11,596 parsecs/iter (+/- 117)",
        "test u64_8k_iter             ... bench:      1,1596 ns/iter (+/- 117)",
        "test u64_8k_iter             ... bench:",
    ],
)
def test_malformed_bench_line_in_the_middle_is_an_issue(tmp_path, bad):
    lines = INTEGER.read_text().splitlines()
    assert lines[6].startswith("test u64_8k_iter ")  # line 7
    lines[6] = bad
    path = write(tmp_path, "\n".join(lines) + "\n")
    parsed = libtest.parse(path)
    assert [(i.source, i.line) for i in parsed.issues] == [(str(path), 7)]
    assert "u64_8k_iter" in parsed.issues[0].message
    assert len(parsed.results) == 6
    assert by_name(parsed)["u64_8k_iter_mut"].ns_per_op == [13126.0]


def test_repeated_name_gives_one_result_with_samples_in_file_order(tmp_path):
    text = INTEGER.read_text() + "\n" + INTEGER.read_text().replace("23,064", "23,100")
    parsed = libtest.parse(write(tmp_path, text))
    assert len(parsed.results) == 7
    r = by_name(parsed)["u64_64k_iter"]
    assert r.ns_per_op == [23064.0, 23100.0]
    assert r.metadata["plus_minus_ns"] == [398.0, 398.0]


@pytest.mark.parametrize(
    "name, key",
    [
        ("benches::bench_parallel_shared", "parallel-shared"),
        ("bench_floor", "floor"),
        ("secret::parallel_owned", "parallel-owned"),
        ("check::naive::bench6_1m", "bench6-1m"),
    ],
)
def test_libtest_paths_line_up_by_their_last_segment(name, key):
    assert derive.split_name(name)[0] == key


def test_language_override():
    parsed = libtest.parse(INTEGER, language="python→rust")
    assert {r.id.language for r in parsed.results} == {"python→rust"}


def test_bencher_style_names_with_spaces_are_read():
    path = FIX / "criterion_bencher_format_names_with_spaces.txt"
    parsed = libtest.parse(path)
    assert parsed.issues == []
    assert [(r.id.name, r.ns_per_op) for r in parsed.results] == [
        ("Create Realm", [21.0]), ("Open Realm/threads=2", [85.0])]
    assert by_name(parsed)["Create Realm"].metadata["plus_minus_ns"] == [2.0]


def test_failed_line_and_failed_summary_are_issues_with_name_line_and_panic():
    path = FIX / "stable_test_failed_summary.txt"
    parsed = libtest.parse(path)
    assert parsed.results == []
    assert [(i.source, i.line) for i in parsed.issues] == [(str(path), 6), (str(path), 22)]
    failed, summary = (i.message for i in parsed.issues)
    assert failed.startswith("benchmark vectors_match failed")
    assert "vector 3 differs" in failed  # first line of the panic, from the failures: section
    assert "vectors_match" in summary and "1 failed" in summary


def test_nightly_bench_failures_printed_with_nocapture_keep_the_good_bench():
    path = FIX / "nightly_bench_failed_nocapture.txt"
    parsed = libtest.parse(path)
    assert [(r.id.name, r.ns_per_op) for r in parsed.results] == [("memory_put_and_delete_small", [1132.0])]
    assert [i.line for i in parsed.issues] == [6, 8]
    assert "file_put_small failed" in parsed.issues[0].message
    assert "file_put_small_no_embedded failed" in parsed.issues[1].message
    assert all("`Err` value: Error(TrackableError { kind: InvalidInput" in i.message for i in parsed.issues)


def test_other_harness_output_is_one_nothing_found_issue():
    path = FIX.parent / "criterion" / "terminal_output_not_data.txt"
    parsed = libtest.parse(path)
    assert parsed.results == []
    assert [i.message for i in parsed.issues] == [
        f"no benchmark results found in {path} (read as libtest)"]
