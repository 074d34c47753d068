"""googlebench adapter on captured Google Benchmark 1.7.1 JSON and edits of it.

The bad-input tests edit a real capture (one field or row at a time) to check
our own reaction to rare input; each says what it changed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from orchestrator.adapters import googlebench
from orchestrator.models import Measurement

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "googlebench"
ALL = FIX / "stdout_all_kinds.json"
OUT = FIX / "out_file_threads_2_4.json"
REPS = FIX / "repetitions_5.json"
AGG_ONLY = FIX / "aggregates_only.json"
EXPERIMENTS = [FIX / "threads_experiment_wall_counter.json", FIX / "threads_experiment_wall_counter_busy.json"]
SCALE = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def rows(path: Path) -> list[dict]:
    return json.loads(path.read_text())["benchmarks"]


def by_run(parsed) -> dict:
    return {r.metadata["run_name"]: r for r in parsed.results}


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if needle in text)


def test_every_iteration_row_is_one_sample_in_ns_with_the_original_kept():
    parsed = googlebench.parse(ALL)
    got = by_run(parsed)
    iteration_rows = [r for r in rows(ALL) if r["run_type"] == "iteration" and not r.get("error_occurred")]
    assert sorted(got) == sorted(r["run_name"] for r in iteration_rows)
    for row in iteration_rows:
        result = got[row["run_name"]]
        assert result.ns_per_op == [pytest.approx(row["real_time"] * SCALE[row["time_unit"]])]
        assert result.original == [Measurement(value=row["real_time"], unit=row["time_unit"])]
        assert result.iterations == [row["iterations"]]
        assert result.id.language == "c" and result.id.harness == "googlebench"
        assert result.id.canonical is None
        assert result.id.threads == row["threads"]
        assert result.id.threads_source == googlebench.THREADS_SOURCE
        assert result.id.mode == ("parallel" if row["threads"] > 1 else "unknown")
        assert result.source == str(ALL)
        assert result.metadata["per_sample"]["cpu_time_ns"] == [
            pytest.approx(row["cpu_time"] * SCALE[row["time_unit"]])]
        assert result.metadata["context"]["num_cpus"] == 2
        assert result.metadata["context"]["library_build_type"] == "debug"


def test_thread_and_timer_markers_leave_the_name():
    got = by_run(googlebench.parse(ALL))
    spin = got["BM_spin/real_time/threads:4"]
    assert (spin.id.name, spin.id.threads) == ("BM_spin", 4)
    assert spin.metadata["run_options"] == {"real_time": True, "threads": "4"}
    assert spin.metadata["oversubscribed"] is True  # 4 workers, num_cpus 2
    assert got["BM_spin/threads:2"].metadata["oversubscribed"] is False
    assert "oversubscribed" not in got["BM_spin"].metadata
    manual = got["BM_manual/manual_time"]
    assert manual.id.name == "BM_manual" and manual.metadata["time_source"] == "manual_time"
    assert got["BM_x/64"].id.name == "BM_x/64" and got["BM_x/size:64"].id.name == "BM_x/size:64"


@pytest.mark.parametrize("name, expected", [
    ("secret/parallel-owned/real_time/threads:2", ("secret/parallel-owned", {"real_time": True, "threads": "2"})),
    ("BM_x/size:64/manual_time", ("BM_x/size:64", {"manual_time": True})),
    ("BM_y/8/iterations:100/repeats:3/process_time/real_time/threads:4",
     ("BM_y/8", {"iterations": "100", "repeats": "3", "process_time": True, "real_time": True, "threads": "4"})),
    ("real_time", ("real_time", {})),
])
def test_split_name(name, expected):
    assert googlebench.split_name(name) == expected


def test_same_name_and_threads_from_two_registrations_stay_apart_with_an_issue():
    parsed = googlebench.parse(OUT)
    assert [(r.id.name, r.id.threads) for r in parsed.results] == [("BM_spin", 2), ("BM_spin", 4)] * 2
    assert len(parsed.issues) == 2
    first = parsed.issues[0]
    assert first.line == line_of(OUT, '"name": "BM_spin/real_time/threads:2"')
    assert "same benchmark name and threads as 'BM_spin/threads:2'" in first.message


def test_error_row_is_an_issue_naming_the_benchmark_and_its_message():
    parsed = googlebench.parse(ALL)
    errors = [i for i in parsed.issues if "BM_fails" in i.message]
    assert len(errors) == 1
    assert "resource unavailable" in errors[0].message
    assert errors[0].line == line_of(ALL, '"error_occurred": true')
    assert "BM_fails" not in by_run(parsed)


def test_bytes_items_and_user_counters_per_sample_and_microseconds():
    result = by_run(googlebench.parse(ALL))["BM_bytes/64"]
    row = next(r for r in rows(ALL) if r["name"] == "BM_bytes/64")
    assert row["time_unit"] == "us"
    assert result.ns_per_op == [pytest.approx(row["real_time"] * 1e3)]
    assert result.original == [Measurement(value=row["real_time"], unit="us")]
    assert result.metadata["per_sample"]["counters"] == [
        {"bytes_per_second": row["bytes_per_second"], "items_per_second": row["items_per_second"],
         "rounds": 64.0}]


def test_repetitions_are_samples_and_aggregates_stay_in_metadata():
    parsed = googlebench.parse(REPS)
    assert parsed.issues == []
    for run_name in ("BM_spin/real_time/threads:2", "BM_x/64"):
        its = [r for r in rows(REPS) if r["run_name"] == run_name and r["run_type"] == "iteration"]
        aggs = {r["aggregate_name"]: r for r in rows(REPS) if r["run_name"] == run_name
                and r["run_type"] == "aggregate"}
        result = by_run(parsed)[run_name]
        assert result.ns_per_op == pytest.approx([r["real_time"] for r in its])
        assert result.iterations == [r["iterations"] for r in its]
        assert result.metadata["per_sample"]["repetition_index"] == [0, 1, 2, 3, 4]
        assert list(result.metadata["aggregates"]) == ["mean", "median", "stddev", "cv"]
        assert result.metadata["aggregates"]["mean"]["real_time_ns"] == pytest.approx(aggs["mean"]["real_time"])
        assert math.isclose(sum(result.ns_per_op) / 5, aggs["mean"]["real_time"], rel_tol=1e-9)
        cv = result.metadata["aggregates"]["cv"]
        assert cv["aggregate_unit"] == "percentage" and "real_time_ns" not in cv
        assert cv["real_time"] == aggs["cv"]["real_time"]  # a fraction, not converted as a time
        assert len(result.ns_per_op) == 5  # exactly the iteration rows, no aggregate among them


def test_aggregates_only_is_an_issue_with_no_samples():
    parsed = googlebench.parse(AGG_ONLY)
    assert parsed.results == []
    assert len(parsed.issues) == 1
    assert "BM_x/64: only aggregate rows (mean, median, stddev, cv)" in parsed.issues[0].message
    assert parsed.issues[0].line == line_of(AGG_ONLY, '"name": "BM_x/64_mean"') - 1


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_threads_experiment_supports_the_documented_reading(path):
    """The module docstring's claims, checked on every row of the captured experiment."""
    its = [r for r in rows(path) if r["run_type"] == "iteration"]
    assert len(its) == 18
    got = by_run(googlebench.parse(path))
    for row in its:
        wall_per_op = row["wall_ns"] / row["ops"]
        assert row["iterations"] == row["ops"]  # the total of all workers
        ratio = row["real_time"] / wall_per_op
        if row["threads"] == 1:
            assert ratio == pytest.approx(1.0, abs=1e-3)
        else:
            assert 0.75 < ratio <= 1.001, row["name"]
    for run_name, result in got.items():
        assert result.ns_per_op == pytest.approx([r["real_time"] for r in its if r["run_name"] == run_name])


def test_language_override():
    assert {r.id.language for r in googlebench.parse(REPS, language="python→go").results} == {"python→go"}


@pytest.mark.parametrize("path", [ALL, OUT, REPS, AGG_ONLY, *EXPERIMENTS], ids=lambda p: p.name)
def test_sniff_accepts_every_capture(path):
    assert googlebench.sniff(path.read_text())


@pytest.mark.parametrize("text", [
    "", "not json", "[]", '{"benchmarks": []}', '{"context": {}, "benchmarks": []}',
    '{"context": {"num_cpus": 2}, "benchmarks": {}}', '{"context": {"num_cpus": 2}, "benchmarks": [',
])
def test_sniff_refuses_other_text(text):
    assert googlebench.sniff(text) is False


def test_sniff_refuses_other_harnesses_json():
    fixtures = FIX.parent
    for other in (fixtures / "pyperf" / "five_benchmarks_fast_threads_1_2.json",
                  fixtures / "pytest_benchmark" / "four_benchmarks_json_with_data.json",
                  fixtures / "gobench" / "five_benchmarks_test_json_stream.json"):
        assert googlebench.sniff(other.read_text()) is False, other


# --- bad input: edits of a real capture -------------------------------------------------------

def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "edited.json"
    p.write_text(text)
    return p


def edit_field(tmp_path: Path, run_name: str, field: str, new: str) -> tuple[Path, int]:
    """REPS with ``field`` of the first iteration row of ``run_name`` replaced by the JSON text ``new``."""
    lines = REPS.read_text().splitlines()
    start = line_of(REPS, f'"name": "{run_name}"')
    n = next(i for i in range(start - 1, len(lines)) if lines[i].strip().startswith(f'"{field}"'))
    comma = "," if lines[n].rstrip().endswith(",") else ""
    lines[n] = f'      "{field}": {new}{comma}'
    return write(tmp_path, "\n".join(lines) + "\n"), n + 1


@pytest.mark.parametrize("field, new, fragment", [
    ("real_time", "-1.5e+02", "real_time: negative time: -150.0"),
    ("real_time", "NaN", "real_time: not a finite number: nan"),
    ("real_time", "Infinity", "real_time: not a finite number: inf"),
    ("real_time", '"fast"', "real_time: not a number: 'fast'"),
    ("iterations", "0", "iterations 0 is not a positive integer"),
    ("iterations", "-3", "iterations -3 is not a positive integer"),
    ("iterations", "2.5", "iterations 2.5 is not a positive integer"),
    ("iterations", '"many"', "iterations 'many' is not a positive integer"),
    ("iterations", "true", "iterations True is not a positive integer"),
    ("time_unit", '"fortnight"', "unknown time_unit 'fortnight' (known: ns, us, ms, s)"),
    ("threads", "0", "threads 0 is not a positive integer"),
])
def test_one_bad_value_is_one_issue_at_its_line_and_the_rest_is_read(tmp_path, field, new, fragment):
    path, line = edit_field(tmp_path, "BM_x/64", field, new)
    parsed = googlebench.parse(path)
    assert len(parsed.issues) == 1, parsed.issues
    assert fragment in parsed.issues[0].message and "BM_x/64" in parsed.issues[0].message
    assert parsed.issues[0].line == line and parsed.issues[0].source == str(path)
    assert "Traceback" not in str(parsed.issues[0]) and "\n" not in str(parsed.issues[0])
    got = by_run(parsed)
    assert len(got["BM_x/64"].ns_per_op) == 4
    assert len(got["BM_spin/real_time/threads:2"].ns_per_op) == 5


@pytest.mark.parametrize("remove, fragment", [
    ("name", "benchmarks[9]: no usable 'name' string"),
    ("real_time", "BM_x/64: no 'real_time'; row skipped"),
])
def test_a_row_missing_a_field_is_an_issue(tmp_path, remove, fragment):
    data = json.loads(REPS.read_text())
    row = data["benchmarks"][9]
    assert row["name"] == "BM_x/64"
    del row[remove]
    parsed = googlebench.parse(write(tmp_path, json.dumps(data, indent=2)))
    assert [i.message for i in parsed.issues] == [fragment]
    assert parsed.issues[0].line is not None
    assert len(by_run(parsed)["BM_x/64"].ns_per_op) == 4


@pytest.mark.parametrize("text, fragment, line", [
    ("", "empty file", None),
    ("  \n", "empty file", None),
    ("[1, 2]", "expected an object with a 'benchmarks' list", None),
    ('{"context": {"num_cpus": 2}}', "expected an object with a 'benchmarks' list", None),
    ('{"context": {}, "benchmarks": "none"}', "expected an object with a 'benchmarks' list", None),
    ('{"context": {}, "benchmarks": []}', "the 'benchmarks' list is empty", None),
])
def test_wrong_schema_is_one_issue(tmp_path, text, fragment, line):
    parsed = googlebench.parse(write(tmp_path, text))
    assert parsed.results == []
    assert len(parsed.issues) == 1 and fragment in parsed.issues[0].message
    assert parsed.issues[0].line == line


def test_truncated_json_is_an_issue_with_a_line(tmp_path):
    text = REPS.read_text()
    cut = text[: text.index('"name": "BM_x/64"')]
    parsed = googlebench.parse(write(tmp_path, cut))
    assert parsed.results == [] and len(parsed.issues) == 1
    # nothing was read, worded as every format words it, with the JSON error and its line
    assert parsed.issues[0].message.startswith("no benchmark results found in ")
    assert "(read as googlebench): not valid JSON: line" in parsed.issues[0].message
    assert parsed.issues[0].line == cut.count("\n") + 1


def test_a_row_that_is_not_an_object_is_an_issue(tmp_path):
    data = json.loads(REPS.read_text())
    data["benchmarks"].insert(0, 42)
    parsed = googlebench.parse(write(tmp_path, json.dumps(data, indent=2)))
    assert [i.message for i in parsed.issues] == ["benchmarks[0]: expected a JSON object, got 42"]
    assert len(parsed.results) == 2


def test_threads_field_wins_over_the_name_and_says_so(tmp_path):
    path, line = edit_field(tmp_path, "BM_spin/real_time/threads:2", "threads", "3")
    parsed = googlebench.parse(path)
    assert len(parsed.issues) == 1 and "disagrees with the name's threads:2" in parsed.issues[0].message
    assert parsed.issues[0].line == line
    assert by_run(parsed)["BM_spin/real_time/threads:2"].id.threads == 3


def test_manual_time_with_threads_is_not_converted(tmp_path):
    # Constructed: the real capture's threaded rows renamed to manual time.
    text = REPS.read_text().replace("BM_spin/real_time/threads:2", "BM_spin/manual_time/threads:2")
    parsed = googlebench.parse(write(tmp_path, text))
    assert len(parsed.issues) == 5
    assert all("manual time with 2 threads is not converted" in i.message for i in parsed.issues)
    assert [r.metadata["run_name"] for r in parsed.results] == ["BM_x/64"]


def test_a_library_that_stopped_dividing_by_threads_is_not_converted(tmp_path):
    # Constructed: the real capture with a library_version as newer releases print it.
    data = json.loads(REPS.read_text())
    data["context"]["library_version"] = "v1.9.1"
    parsed = googlebench.parse(write(tmp_path, json.dumps(data, indent=2)))
    assert len(parsed.issues) == 5
    assert all("v1.9.1 no longer divides real time" in i.message for i in parsed.issues)
    assert [r.metadata["run_name"] for r in parsed.results] == ["BM_x/64"]
    data["context"]["library_version"] = "v1.8.3"
    parsed = googlebench.parse(write(tmp_path, json.dumps(data, indent=2)))
    assert parsed.issues == [] and len(parsed.results) == 2


def test_error_without_message_and_non_object_context(tmp_path):
    data = json.loads(ALL.read_text())
    data["context"] = "x"
    fails = next(r for r in data["benchmarks"] if r["name"] == "BM_fails")
    del fails["error_message"]
    parsed = googlebench.parse(write(tmp_path, json.dumps(data)))
    messages = [i.message for i in parsed.issues]
    assert "'context' is 'x', not a JSON object; ignored" in messages
    assert "BM_fails: the benchmark reported an error: no error_message" in messages
