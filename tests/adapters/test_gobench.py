"""gobench adapter on captured `go test -bench` output and constructed edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator import derive

from orchestrator.adapters import gobench
from orchestrator.models import Measurement

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "gobench"
OURS = FIX / "five_benchmarks_cpu_1_2_count2.txt"
ABSENT = "go -N suffix (absent: GOMAXPROCS=1)"


def by_key(parsed):
    return {(r.id.name, r.id.threads, r.metadata.get("pkg")): r for r in parsed.results}


def write(tmp_path: Path, text: str, name: str = "out.txt") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_five_benchmarks_two_counts_group_into_one_result_per_name_and_procs():
    parsed = gobench.parse(OURS)
    assert parsed.issues == []
    assert len(parsed.results) == 10
    # the adapter keeps the harness names; they line up with the suite only later
    assert {r.id.canonical for r in parsed.results} == {None}
    assert {derive.split_name(r.id.name)[0] for r in parsed.results} == {"floor", "sequential", "parallel-owned", "parallel-locked", "parallel-shared"}
    for r in parsed.results:
        assert not r.id.name.endswith(("-1", "-2"))
        assert r.id.language == "go" and r.id.harness == "gobench" and r.id.mode == "unknown"
        assert len(r.ns_per_op) == 2 and r.iterations == [2000, 2000]
        assert r.source == str(OURS)
        assert r.metadata["pkg"] == "benchnorm/secret"
        assert r.metadata["config"]["goos"] == "linux"
        assert r.metadata["metrics"]["B/op"] == [0.0, 0.0]
        assert r.metadata["metrics"]["allocs/op"] == [0.0, 0.0]
    floor1 = by_key(parsed)[("BenchmarkFloor", 1, "benchnorm/secret")]
    assert floor1.ns_per_op == [1996.0, 1474.0]  # file order kept
    assert floor1.original[0] == Measurement(value=1996.0, unit="ns/op")
    assert floor1.id.threads_source == ABSENT
    assert floor1.metadata["full_name"] == "BenchmarkFloor"
    shared2 = by_key(parsed)[("BenchmarkParallelShared", 2, "benchnorm/secret")]
    assert shared2.ns_per_op == [2323.0, 628.0]
    assert shared2.id.threads_source == "go -N suffix, which is GOMAXPROCS, not whether b.RunParallel ran"
    assert shared2.metadata["full_name"] == "BenchmarkParallelShared-2"
    assert shared2.id.canonical is None


def test_verbose_bare_name_lines_are_skipped():
    parsed = gobench.parse(FIX / "five_benchmarks_verbose_cpu_1_2.txt")
    assert parsed.issues == []
    assert len(parsed.results) == 10
    assert all(len(r.ns_per_op) == 1 for r in parsed.results)
    assert by_key(parsed)[("BenchmarkParallelShared", 2, "benchnorm/secret")].ns_per_op == [779.5]


def test_json_stream_of_our_harness_joins_split_output_lines():
    parsed = gobench.parse(FIX / "five_benchmarks_test_json_stream.json")
    assert parsed.issues == []
    assert len(parsed.results) == 10
    # "BenchmarkSequential-2   \t" and "2000\t... ns/op" arrive as two events.
    seq2 = by_key(parsed)[("BenchmarkSequential", 2, "benchnorm/secret")]
    assert seq2.iterations == [2000] and len(seq2.ns_per_op) == 1
    assert by_key(parsed)[("BenchmarkFloor", 1, "benchnorm/secret")].ns_per_op == [2328.0]


def test_two_packages_do_not_merge_and_extra_metrics_go_to_metadata():
    path = FIX / "two_packages_benchmem_custom_metric_fail.txt"
    parsed = gobench.parse(path)
    got = by_key(parsed)
    assert len(parsed.results) == 8
    alpha = got[("BenchmarkSequential", 1, "example.com/gomini/alpha")]
    beta = got[("BenchmarkSequential", 1, "example.com/gomini/beta")]
    assert alpha.ns_per_op == [134.7, 133.4]
    assert beta.ns_per_op == [171.9, 127.5]
    assert alpha.metadata["metrics"]["MB/s"] == [474.99, 479.87]
    shared = got[("BenchmarkParallelShared", 2, "example.com/gomini/alpha")]
    assert shared.metadata["metrics"]["mprotect/op"] == [2.0, 2.0]
    assert shared.metadata["metrics"]["B/op"] == [3.0, 0.0]
    assert got[("BenchmarkAlloc", 1, "example.com/gomini/alpha")].metadata["metrics"]["B/op"] == [48.0, 48.0]
    assert got[("BenchmarkAlloc", 1, "example.com/gomini/alpha")].id.canonical is None
    # --- BENCH: blocks and their log lines are not issues; --- FAIL: is.
    assert len(parsed.issues) == 1
    fail = parsed.issues[0]
    assert (fail.source, fail.line) == (str(path), 29)
    assert "BenchmarkBroken" in fail.message and "secret could not be built" in fail.message
    assert "allocating" not in fail.message


def test_verbose_fail_takes_its_reason_from_the_log_before_it():
    path = FIX / "verbose_bare_names_bench_log_fail.txt"
    parsed = gobench.parse(path)
    assert len(parsed.results) == 6
    assert [(i.line, "BenchmarkBroken" in i.message) for i in parsed.issues] == [(20, True)]
    assert "secret could not be built" in parsed.issues[0].message


def test_json_stream_two_packages_issue_lines_are_json_lines():
    path = FIX / "test_json_stream_two_packages_fail.json"
    parsed = gobench.parse(path)
    got = by_key(parsed)
    assert len(parsed.results) == 8
    assert got[("BenchmarkParallelShared", 2, "example.com/gomini/alpha")].ns_per_op == [72.75]
    assert got[("BenchmarkSequential", 2, "example.com/gomini/beta")].ns_per_op == [136.9]
    assert [i.line for i in parsed.issues] == [31]
    assert "BenchmarkBroken" in parsed.issues[0].message


def test_language_parameter_overrides_default():
    parsed = gobench.parse(OURS, language="python→go")
    assert {r.id.language for r in parsed.results} == {"python→go"}


def test_unknown_language_parameter_is_a_caller_error():
    # languages are a suite's data, so any one-word name is one; words with a space are not
    with pytest.raises(ValueError, match="not a language name: 'klingon opera'"):
        gobench.parse(OURS, language="klingon opera")


def test_lang_config_line_sets_the_language_of_following_results(tmp_path):
    real = OURS.read_text().splitlines()
    text = "\n".join(["lang: rust", *real[:8], "lang: python", *real[8:]]) + "\n"
    parsed = gobench.parse(write(tmp_path, text))
    assert parsed.issues == []
    langs = {(r.id.name, r.id.language) for r in parsed.results}
    assert ("BenchmarkFloor", "rust") in langs
    assert ("BenchmarkSequential", "python") in langs
    assert not any(lang == "go" for _, lang in langs)
    # an explicit language parameter wins over lang: lines
    forced = gobench.parse(write(tmp_path, text), language="go")
    assert {r.id.language for r in forced.results} == {"go"}


def test_unknown_lang_value_is_an_issue_and_results_keep_the_default(tmp_path):
    real = OURS.read_text().splitlines()
    parsed = gobench.parse(write(tmp_path, "\n".join(["lang: cobol on mainframes", *real]) + "\n"))
    assert [i.line for i in parsed.issues] == [1]
    assert "cobol on mainframes" in parsed.issues[0].message
    assert {r.id.language for r in parsed.results} == {"go"}
    assert len(parsed.results) == 10


def test_same_name_in_two_lang_sections_stays_two_results(tmp_path):
    line = "BenchmarkSequential-2   \t    2000\t      1572 ns/op\n"
    parsed = gobench.parse(write(tmp_path, "lang: rust\n" + line + "lang: go\n" + line))
    assert sorted(r.id.language for r in parsed.results) == ["go", "rust"]


@pytest.mark.parametrize(
    "bad_line, fragment",
    [
        ("BenchmarkSequential-2   \t    2000\t   abc ns/op", "'abc' ns/op is not a number"),
        ("BenchmarkSequential-2   \t    lots\t   1572 ns/op", "iteration count 'lots'"),
        ("BenchmarkSequential-2   \t    2000\t   1572 B/op", "no ns/op value"),
        ("BenchmarkSequential-2   \t    2000\t   1572", "expected name, iterations"),
        ("BenchmarkSequential-2 panicked: runtime error", "BenchmarkSequential-2"),
        ("BenchmarkSequential-2   \t    0\t   1572 ns/op", "not a positive integer"),
    ],
)
def test_malformed_line_in_the_middle_is_an_issue_and_neighbours_are_read(tmp_path, bad_line, fragment):
    lines = OURS.read_text().splitlines()
    assert lines[10].startswith("BenchmarkSequential-2")  # line 11
    lines[10] = bad_line
    path = write(tmp_path, "\n".join(lines) + "\n")
    parsed = gobench.parse(path)
    assert len(parsed.issues) == 1
    problem = parsed.issues[0]
    assert (problem.source, problem.line) == (str(path), 11)
    assert fragment in problem.message
    got = by_key(parsed)
    assert len(parsed.results) == 10
    assert got[("BenchmarkSequential", 2, "benchnorm/secret")].ns_per_op == [1547.0]
    assert got[("BenchmarkSequential", 1, "benchnorm/secret")].ns_per_op == [1559.0, 1544.0]


def test_sub_benchmark_names_keep_their_path_and_lose_only_the_procs_suffix(tmp_path):
    text = "pkg: x\nBenchmarkVerify/len=32-4   \t 100\t 50.5 ns/op\nBenchmarkVerify/len=32 \t 100\t 40 ns/op\n"
    parsed = gobench.parse(write(tmp_path, text))
    got = {(r.id.name, r.id.threads) for r in parsed.results}
    assert got == {("BenchmarkVerify/len=32", 4), ("BenchmarkVerify/len=32", 1)}


def test_non_benchmark_lines_are_ignored(tmp_path):
    text = (
        "Benchmarking the kernel now\n"
        "=== RUN   BenchmarkFloor\n"
        "BenchmarkFloor\n"
        "PASS\nok  \tbenchnorm/secret\t0.1s\n?   \tbenchnorm/secret/cmd\t[no test files]\n"
        "exit status 1\nFAIL\tbenchnorm/secret\t0.2s\n"
    )
    # Those lines alone give no per-line issue, only the one that says nothing was read.
    path = write(tmp_path, text)
    parsed = gobench.parse(path)
    assert parsed.results == []
    assert [(i.line, i.message) for i in parsed.issues] == [
        (None, f"no benchmark results found in {path} (read as gobench)")]
    # Next to a result they are skipped without a word.
    result = "BenchmarkFloor   \t    2000\t      1996 ns/op\n"
    parsed = gobench.parse(write(tmp_path, text.replace("PASS\n", result + "PASS\n")))
    assert parsed.issues == [] and [r.ns_per_op for r in parsed.results] == [[1996.0]]


def test_json_stream_line_that_is_not_an_event_is_an_issue(tmp_path):
    lines = (FIX / "five_benchmarks_test_json_stream.json").read_text().splitlines()
    lines.insert(3, "# benchnorm/secret [build failed]")
    path = write(tmp_path, "\n".join(lines) + "\n", "stream.json")
    parsed = gobench.parse(path)
    assert [i.line for i in parsed.issues] == [4]
    assert len(parsed.results) == 10


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        gobench.parse(tmp_path / "absent.txt")


def test_name_going_on_in_lower_case_is_read_and_a_line_without_time_is_an_issue():
    path = FIX / "constructed_lowercase_after_prefix.txt"
    parsed = gobench.parse(path)
    got = {r.id.name: r for r in parsed.results}
    assert sorted(got) == ["BenchmarkCreateRealm", "BenchmarkOpenRealm", "Benchmarkk8s_schedulercache_update"]
    k8s = got["Benchmarkk8s_schedulercache_update"]
    assert k8s.ns_per_op == [4200.0] and k8s.iterations == [1]
    assert k8s.metadata["metrics"] == {"allocs/op": [12.0]}
    assert [(i.line, "Benchmarkk8s_schedulercache_total" in i.message, "total-bytes" in i.message)
            for i in parsed.issues] == [(6, True, True)]


def test_other_time_per_op_units_are_the_sample(tmp_path):
    parsed = gobench.parse(write(tmp_path, "BenchmarkX-2 \t 10\t 1.5 ms/op\t 3 B/op\n"))
    assert parsed.issues == []
    assert parsed.results[0].ns_per_op == [1.5e6]
    assert parsed.results[0].original == [Measurement(value=1.5, unit="ms/op")]


def test_note_before_and_after_stay_two_results_each_named_by_its_own_name():
    parsed = gobench.parse(FIX / "note_before_after_count3.txt")
    assert parsed.issues == []
    assert len(parsed.results) == 6
    create = [r for r in parsed.results if r.id.name == "BenchmarkCreateRealm"]
    assert [r.metadata["config"]["note"] for r in create] == ["before", "after"]
    assert [r.metadata["config_differs"] for r in create] == [{"note": "before"}, {"note": "after"}]
    assert create[0].ns_per_op == [336.5, 50.8, 108.0]
    assert create[1].ns_per_op == [426.1, 633.1, 416.2]
    assert all(r.metadata["config"]["cpu"] == "AMD EPYC" for r in create)


def test_a_cpu_change_separates_results_too(tmp_path):
    line = "BenchmarkSequential-2   \t    2000\t      1572 ns/op\n"
    parsed = gobench.parse(write(tmp_path, "cpu: A\n" + line + "cpu: B\n" + line + line))
    assert [(r.metadata["config"]["cpu"], len(r.ns_per_op)) for r in parsed.results] == [("A", 1), ("B", 2)]


def test_panic_on_the_benchmark_line_is_reported_as_a_panic():
    path = FIX / "benchmark_panics_nil_map.txt"
    parsed = gobench.parse(path)
    assert sorted(r.id.name for r in parsed.results) == ["BenchmarkCreateRealm", "BenchmarkOpenRealm"]
    assert [(i.source, i.line, i.message) for i in parsed.issues] == [
        (str(path), 7, "benchmark BenchmarkCloseRealm-2 panicked: assignment to entry in nil map")]


def test_panic_line_of_its_own_names_the_benchmark_that_started(tmp_path):
    lines = (FIX / "benchmark_panics_nil_map.txt").read_text().splitlines()
    # -v prints the bare name first; the panic then starts a line of its own.
    lines[6:7] = ["BenchmarkCloseRealm", "panic: assignment to entry in nil map"]
    parsed = gobench.parse(write(tmp_path, "\n".join(lines) + "\n"))
    assert [(i.line, i.message) for i in parsed.issues] == [
        (8, "benchmark BenchmarkCloseRealm panicked: assignment to entry in nil map")]
    assert not any("panic" in key for r in parsed.results for key in r.metadata["config"])


@pytest.mark.parametrize("count, read", [("9223372036854775807", True), ("9223372036854775808", False),
                                         ("1" + "0" * 5000, False)])
def test_iteration_count_beyond_go_int_is_refused(tmp_path, count, read):
    parsed = gobench.parse(write(tmp_path, f"BenchmarkX \t {count}\t 1.5 ns/op\n"))
    if read:
        assert parsed.issues == [] and parsed.results[0].iterations == [2**63 - 1]
    else:
        assert parsed.results == []
        assert len(parsed.issues) == 1 and "larger than Go can count" in parsed.issues[0].message
