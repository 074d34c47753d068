"""pyperf adapter on captured pyperf JSON and constructed edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.adapters import pyperf
from orchestrator.models import Measurement

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "pyperf"
OURS = FIX / "five_benchmarks_fast_threads_1_2.json"
INNER = FIX / "inner_loops_two_benchmarks.json"


def by_id(parsed):
    return {(r.id.name, r.id.threads): r for r in parsed.results}


def raw_values(path: Path, index: int) -> list[float]:
    data = json.loads(path.read_text())
    return [v for run in data["benchmarks"][index]["runs"] for v in run.get("values", [])]


def test_our_harness_five_benchmarks_at_one_and_two_threads():
    parsed = pyperf.parse(OURS)
    assert parsed.issues == []
    assert sorted(by_id(parsed)) == [
        ("floor", 1),
        ("parallel-locked", 1), ("parallel-locked", 2),
        ("parallel-owned", 1), ("parallel-owned", 2),
        ("parallel-shared", 1), ("parallel-shared", 2),
        ("sequential", 1),
    ]
    assert {r.id.canonical for r in parsed.results} == {None}
    assert {r.id.name for r in parsed.results} == {"floor", "sequential", "parallel-owned", "parallel-locked", "parallel-shared"}
    for r in parsed.results:
        assert r.id.language == "python" and r.id.harness == "pyperf"
        assert r.id.threads_source == "pyperf metadata threads"
        assert r.source == str(OURS)
        assert r.metadata["calibration_runs_skipped"] == 1
        assert r.metadata["pyperf_metadata"]["unit"] == "second"


@pytest.mark.parametrize("index", range(8))
def test_values_are_seconds_converted_once_and_warmups_left_out(index):
    data = json.loads(OURS.read_text())
    bench = data["benchmarks"][index]
    name = bench["metadata"]["name"]
    parsed = pyperf.parse(OURS)
    result = next(r for r in parsed.results if r.metadata["full_name"] == name)
    values = raw_values(OURS, index)
    assert len(result.ns_per_op) == len(values) == 20
    assert result.ns_per_op == pytest.approx([v * 1e9 for v in values])
    assert result.original == [Measurement(value=v, unit="s") for v in values]
    warmups = [w for run in bench["runs"] if run.get("values") for w in run.get("warmups", [])]
    assert result.metadata["warmups_excluded"] == len(warmups)
    assert all(w[1] * 1e9 not in result.ns_per_op for w in warmups)
    assert result.iterations == [bench["metadata"]["loops"]] * 20
    assert result.id.name == name.split("/threads=")[0]


def test_inner_loops_multiply_iterations():
    parsed = pyperf.parse(INNER)
    got = by_id(parsed)
    assert parsed.issues == []
    x10 = got[("sha256-x10", None)]
    assert x10.iterations == [131072 * 10] * 6
    assert got[("sha1", None)].iterations == [1048576] * 6
    assert x10.id.threads_source == "unknown" and x10.id.mode == "unknown"
    assert x10.id.canonical is None


def test_gzip_file_is_read():
    parsed = pyperf.parse(FIX / "inner_loops_two_benchmarks_gzip.json.gz")
    assert parsed.issues == []
    assert sorted(r.id.name for r in parsed.results) == ["sha1", "sha256-x10"]


def test_non_time_unit_is_an_issue_per_benchmark():
    path = FIX / "track_memory_unit_byte.json"
    parsed = pyperf.parse(path)
    assert parsed.results == []
    assert len(parsed.issues) == 2
    assert all("'byte'" in i.message and i.source == str(path) for i in parsed.issues)
    assert "sha256-x10" in parsed.issues[0].message and "sha1" in parsed.issues[1].message


def test_language_override():
    parsed = pyperf.parse(OURS, language="python→go")
    assert {r.id.language for r in parsed.results} == {"python→go"}


def edited(tmp_path: Path, edit) -> Path:
    data = json.loads(INNER.read_text())
    edit(data)
    p = tmp_path / "edited.json"
    p.write_text(json.dumps(data))
    return p


def test_threads_segment_of_the_name_and_mode_metadata(tmp_path):
    def edit(d):
        d["benchmarks"][1]["metadata"].update(name="parallel-shared/threads=4", mode="parallel")
    parsed = pyperf.parse(edited(tmp_path, edit))
    result = by_id(parsed)[("parallel-shared", 4)]
    assert result.id.threads_source == "pyperf name threads=T"
    assert result.id.mode == "parallel" and result.id.name == "parallel-shared"
    assert result.metadata["full_name"] == "parallel-shared/threads=4"


def test_metadata_threads_wins_and_a_disagreement_is_reported(tmp_path):
    def edit(d):
        d["benchmarks"][1]["metadata"].update(name="parallel-owned/threads=4", threads=2)
    parsed = pyperf.parse(edited(tmp_path, edit))
    assert ("parallel-owned", 2) in by_id(parsed)
    assert len(parsed.issues) == 1 and "disagrees" in parsed.issues[0].message


def test_bad_value_in_the_middle_is_an_issue_and_the_rest_are_kept(tmp_path):
    def edit(d):
        d["benchmarks"][0]["runs"][2]["values"][1] = "fast"
    parsed = pyperf.parse(edited(tmp_path, edit))
    assert len(by_id(parsed)[("sha256-x10", None)].ns_per_op) == 5
    assert len(by_id(parsed)[("sha1", None)].ns_per_op) == 6
    assert len(parsed.issues) == 1
    assert "benchmarks[0].runs[2].values[1]" in parsed.issues[0].message


def test_name_may_sit_in_file_metadata_for_a_one_benchmark_file(tmp_path):
    def edit(d):
        bench = d["benchmarks"][1]
        d["metadata"]["name"] = bench["metadata"].pop("name")
        d["benchmarks"] = [bench]
    parsed = pyperf.parse(edited(tmp_path, edit))
    assert [r.id.name for r in parsed.results] == ["sha1"]


def test_run_without_loops_has_no_iterations(tmp_path):
    def edit(d):
        del d["benchmarks"][1]["metadata"]["loops"]
    parsed = pyperf.parse(edited(tmp_path, edit))
    assert by_id(parsed)[("sha1", None)].iterations is None


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda d: d.update(version="0.9"), "version '0.9'"),
        (lambda d: d.pop("benchmarks"), "'benchmarks' list"),
        (lambda d: d["benchmarks"][0]["metadata"].pop("name"), "no usable 'name'"),
        (lambda d: d["benchmarks"][0].update(runs="none"), "'runs' list"),
        (lambda d: d["benchmarks"].insert(0, 42), "benchmarks[0]: expected a JSON object"),
    ],
)
def test_malformed_structures_are_issues(tmp_path, edit, fragment):
    parsed = pyperf.parse(edited(tmp_path, edit))
    assert any(fragment in i.message for i in parsed.issues), parsed.issues


def test_not_json_is_an_issue_with_a_line(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"version": "1.0",\n "benchmarks": [\n oops')
    parsed = pyperf.parse(p)
    assert parsed.results == [] and parsed.issues[0].line == 3


def test_broken_gzip_is_an_issue(tmp_path):
    p = tmp_path / "x.json.gz"
    p.write_bytes((FIX / "inner_loops_two_benchmarks_gzip.json.gz").read_bytes()[:40])
    parsed = pyperf.parse(p)
    assert parsed.results == [] and "gzip" in parsed.issues[0].message


def test_benchmark_with_only_warmups_is_an_issue_naming_it():
    path = FIX / "calibration_only_benchmark_open_realm.json"
    parsed = pyperf.parse(path)
    assert [(r.id.name, len(r.ns_per_op)) for r in parsed.results] == [("create-realm", 6)]
    assert [i.message for i in parsed.issues] == [
        "benchmarks[1] (open-realm): holds only warm-up values (22 in 1 run(s)), no timed value; not read"]
