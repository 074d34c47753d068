"""pytest-benchmark adapter on captured JSON, with and without raw samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator import derive

from orchestrator.adapters import pytest_benchmark
from orchestrator.models import Measurement

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "pytest_benchmark"
WITH_DATA = FIX / "four_benchmarks_json_with_data.json"
WITHOUT_DATA = FIX / "four_benchmarks_saved_without_data.json"


def by_name(parsed):
    return {r.id.name: r for r in parsed.results}


def test_json_with_data_gives_one_result_per_test():
    parsed = pytest_benchmark.parse(WITH_DATA)
    assert parsed.issues == []
    assert sorted(by_name(parsed)) == [
        "test_tiny.py::test_md5_pedantic",
        "test_tiny.py::test_sha1_sizes[16]",
        "test_tiny.py::test_sha1_sizes[256]",
        "test_tiny.py::test_sha256",
    ]
    raw = json.loads(WITH_DATA.read_text())["benchmarks"]
    for bench in raw:
        r = by_name(parsed)[bench["fullname"]]
        data = bench["stats"]["data"]
        assert r.ns_per_op == pytest.approx([v * 1e9 for v in data])
        assert r.original == [Measurement(value=v, unit="s") for v in data]
        assert r.iterations == [bench["stats"]["iterations"]] * len(data)
        assert r.metadata["harness_stats_s"]["mean"] == bench["stats"]["mean"]
        assert "data" not in r.metadata["harness_stats_s"]
        assert (r.id.language, r.id.harness, r.id.threads, r.id.mode) == (
            "python", "pytest-benchmark", None, "unknown")
    md5 = by_name(parsed)["test_tiny.py::test_md5_pedantic"]
    assert md5.iterations == [10, 10, 10, 10]
    assert md5.metadata["extra_info"] == {"note": "10 calls per round"}
    sha1 = by_name(parsed)["test_tiny.py::test_sha1_sizes[16]"]
    assert sha1.metadata["group"] == "sha1" and sha1.metadata["params"] == {"size": 16}
    assert sha1.metadata["name"] == "test_sha1_sizes[16]"


def test_saved_without_data_reports_missing_samples_and_how_to_get_them():
    parsed = pytest_benchmark.parse(WITHOUT_DATA)
    assert parsed.results == []
    assert len(parsed.issues) == 4
    for i in parsed.issues:
        assert i.source == str(WITHOUT_DATA)
        assert "raw samples" in i.message and "--benchmark-save-data" in i.message
    assert "test_tiny.py::test_sha256" in parsed.issues[0].message


def edited(tmp_path: Path, edit) -> Path:
    data = json.loads(WITH_DATA.read_text())
    edit(data["benchmarks"])
    p = tmp_path / "edited.json"
    p.write_text(json.dumps(data))
    return p


def test_threads_parameter_and_canonical_name(tmp_path):
    def edit(benches):
        benches[1].update(fullname="tests/test_kernel.py::test_parallel_shared[2]",
                          name="test_parallel_shared[2]", params={"threads": 2}, param="2")
    parsed = pytest_benchmark.parse(edited(tmp_path, edit))
    r = by_name(parsed)["tests/test_kernel.py::test_parallel_shared[2]"]
    assert (r.id.threads, r.id.threads_source, derive.split_name(r.id.name)[0]) == (
        2, "pytest-benchmark params threads", "parallel-shared")


def test_bad_sample_is_an_issue_and_the_rest_are_kept(tmp_path):
    def edit(benches):
        benches[0]["stats"]["data"][2] = None
    parsed = pytest_benchmark.parse(edited(tmp_path, edit))
    assert len(by_name(parsed)["test_tiny.py::test_sha256"].ns_per_op) == 4
    assert len(parsed.results) == 4
    assert len(parsed.issues) == 1 and "benchmarks[0].stats.data[2]" in parsed.issues[0].message


def test_name_is_used_when_fullname_is_absent(tmp_path):
    parsed = pytest_benchmark.parse(edited(tmp_path, lambda b: b[0].pop("fullname")))
    assert "test_sha256" in by_name(parsed)


def test_not_json_is_an_issue_with_a_line(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{\n"benchmarks": [,]}')
    parsed = pytest_benchmark.parse(p)
    assert parsed.results == [] and parsed.issues[0].line == 2


def test_json_without_benchmarks_list_is_an_issue(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"version": "5.3.1"}')
    assert "'benchmarks' list" in pytest_benchmark.parse(p).issues[0].message


def test_language_override():
    parsed = pytest_benchmark.parse(WITH_DATA, language="python→go")
    assert {r.id.language for r in parsed.results} == {"python→go"}
