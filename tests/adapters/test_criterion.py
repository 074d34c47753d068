"""criterion adapter on a captured target/criterion tree and constructed broken cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestrator import derive

from orchestrator.adapters import criterion
from orchestrator.models import Measurement

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "criterion"
TREE = FIX / "target_criterion_threads_1_2"
BROKEN = FIX / "constructed_truncated_sample_json"


def by_id(parsed):
    return {(r.id.name, r.id.threads): r for r in parsed.results}


def test_reads_every_new_folder_and_only_those():
    parsed = criterion.parse(TREE)
    assert parsed.issues == []
    assert sorted(by_id(parsed)) == [
        ("floor/floor", None),
        ("secret/parallel-shared", 1),
        ("secret/parallel-shared", 2),
        ("secret/sequential", None),
        ("secret/verify:len=32", None),
    ]
    for r in parsed.results:
        assert r.id.language == "rust" and r.id.harness == "criterion" and r.id.mode == "unknown"
        assert len(r.ns_per_op) == 10 and len(r.iterations) == 10
        assert r.source.endswith("/new/sample.json")
        assert "/base/" not in r.source


@pytest.mark.parametrize(
    "name, threads, folder, canonical, source",
    [
        ("secret/parallel-shared", 2, "secret/parallel-shared/threads=2", "parallel-shared", "criterion id threads=T"),
        ("secret/parallel-shared", 1, "secret/parallel-shared/threads=1", "parallel-shared", "criterion id threads=T"),
        ("secret/sequential", None, "secret/sequential", "sequential", "unknown"),
        ("floor/floor", None, "floor/floor", "floor", "unknown"),
        ("secret/verify:len=32", None, "secret/verify_len=32", None, "unknown"),
    ],
)
def test_samples_are_time_over_iters_from_sample_json(name, threads, folder, canonical, source):
    result = by_id(criterion.parse(TREE))[(name, threads)]
    raw = json.loads((TREE / folder / "new" / "sample.json").read_text())
    assert result.ns_per_op == [t / n for t, n in zip(raw["times"], raw["iters"])]
    assert result.iterations == [int(n) for n in raw["iters"]]
    assert result.original[3] == Measurement(value=raw["times"][3] / raw["iters"][3], unit="ns")
    assert result.id.canonical is None
    assert canonical is None or derive.split_name(result.id.name)[0] == canonical
    assert result.id.threads_source == source
    assert result.source == str(TREE / folder / "new" / "sample.json")
    assert result.metadata["sampling_mode"] == raw["sampling_mode"]
    estimates = json.loads((TREE / folder / "new" / "estimates.json").read_text())
    kept = result.metadata["criterion_estimates_ns"]
    assert kept["mean"]["point_estimate"] == estimates["mean"]["point_estimate"]
    assert kept["median"]["upper_bound"] == estimates["median"]["confidence_interval"]["upper_bound"]
    # criterion's own estimate is metadata, never a sample
    assert estimates["mean"]["point_estimate"] not in result.ns_per_op


def test_id_comes_from_full_id_not_the_sanitised_folder():
    result = by_id(criterion.parse(TREE))[("secret/verify:len=32", None)]
    assert result.metadata["full_id"] == "secret/verify:len=32"
    assert result.metadata["directory_name"] == "secret/verify_len=32"


def test_flat_sampling_mode_is_kept_in_metadata():
    floor = by_id(criterion.parse(TREE))[("floor/floor", None)]
    assert floor.metadata["sampling_mode"] == "Flat"
    assert len(set(floor.iterations)) == 1


@pytest.mark.parametrize("file", ["sample.json", "benchmark.json"])
def test_a_single_json_file_reads_its_folder(file):
    parsed = criterion.parse(TREE / "secret" / "parallel-shared" / "threads=2" / "new" / file)
    assert parsed.issues == []
    assert [(r.id.name, r.id.threads) for r in parsed.results] == [("secret/parallel-shared", 2)]


def test_language_override():
    parsed = criterion.parse(TREE, language="python→rust")
    assert {r.id.language for r in parsed.results} == {"python→rust"}


def test_truncated_sample_json_is_an_issue_with_file_and_line_and_others_still_read():
    parsed = criterion.parse(BROKEN)
    bad = BROKEN / "secret" / "sequential" / "new" / "sample.json"
    assert [(i.source, i.line) for i in parsed.issues] == [(str(bad), 1)]
    assert "not valid JSON" in parsed.issues[0].message
    assert [(r.id.name, r.id.threads) for r in parsed.results] == [("secret/parallel-shared", 2)]


def copy_tree(tmp_path: Path) -> Path:
    dest = tmp_path / "criterion"
    shutil.copytree(TREE, dest)
    return dest


def test_missing_sample_json_is_an_issue(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "secret" / "sequential" / "new" / "sample.json").unlink()
    parsed = criterion.parse(tree)
    assert len(parsed.results) == 4
    assert [i.message for i in parsed.issues] == ["missing sample.json"]
    assert parsed.issues[0].source.endswith("secret/sequential/new/sample.json")


def test_missing_estimates_is_fine_and_malformed_estimates_is_an_issue(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "floor" / "floor" / "new" / "estimates.json").unlink()
    (tree / "secret" / "sequential" / "new" / "estimates.json").write_text('{"mean": \n  oops}')
    parsed = criterion.parse(tree)
    got = by_id(parsed)
    assert len(parsed.results) == 5  # samples are still read
    assert "criterion_estimates_ns" not in got[("floor/floor", None)].metadata
    assert [(Path(i.source).name, i.line) for i in parsed.issues] == [("estimates.json", 2)]


@pytest.mark.parametrize(
    "sample, fragment",
    [
        ({"sampling_mode": "Linear", "iters": [1.0, 2.0], "times": [10.0]}, "2 iters but 1 times"),
        ({"sampling_mode": "Linear", "iters": [], "times": []}, "no samples"),
        ({"sampling_mode": "Linear"}, "needs 'iters' and 'times'"),
        ([1, 2, 3], "must hold a JSON object"),
    ],
)
def test_malformed_sample_json_shapes(tmp_path, sample, fragment):
    tree = copy_tree(tmp_path)
    (tree / "secret" / "sequential" / "new" / "sample.json").write_text(json.dumps(sample))
    parsed = criterion.parse(tree)
    assert len(parsed.results) == 4
    assert len(parsed.issues) == 1 and fragment in parsed.issues[0].message


def test_bad_single_sample_is_an_issue_and_the_rest_are_kept(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "secret" / "sequential" / "new" / "sample.json"
    raw = json.loads(path.read_text())
    raw["iters"][4] = 0.0
    raw["times"][6] = -5.0
    path.write_text(json.dumps(raw))
    parsed = criterion.parse(tree)
    assert len(by_id(parsed)[("secret/sequential", None)].ns_per_op) == 8
    messages = sorted(i.message for i in parsed.issues)
    assert "sample 4" in messages[0] and "sample 6" in messages[1]


def test_benchmark_json_without_full_id_is_an_issue(tmp_path):
    tree = copy_tree(tmp_path)
    (tree / "floor" / "floor" / "new" / "benchmark.json").write_text('{"group_id": "floor"}')
    parsed = criterion.parse(tree)
    assert len(parsed.results) == 4
    assert "full_id" in parsed.issues[0].message


def test_directory_without_criterion_data_is_an_issue(tmp_path):
    parsed = criterion.parse(tmp_path)
    assert parsed.results == []
    assert len(parsed.issues) == 1 and "no criterion data" in parsed.issues[0].message


def test_missing_path_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        criterion.parse(tmp_path / "nope")


def test_rust_kernel_capture_has_all_five_canonical_benchmarks():
    tree = FIX / "rust_kernel_five_benchmarks_quick"
    parsed = criterion.parse(tree)
    assert parsed.issues == []
    got = {(derive.split_name(r.id.name)[0], r.id.threads): r for r in parsed.results}
    assert sorted(got, key=str) == sorted([
        ("floor", None), ("sequential", None), ("parallel-owned", 2), ("parallel-locked", 2),
        ("parallel-shared", 1), ("parallel-shared", 2),
    ], key=str)
    # the sequential ones carry no threads=T segment: T is for a declaration to settle
    assert got[("sequential", None)].id.threads_source == "unknown"
    shared2 = got[("parallel-shared", 2)]
    assert shared2.id.name == "secret/parallel-shared"
    assert shared2.iterations == [2097152, 4194304]
    assert shared2.ns_per_op == [151984691.0 / 2097152, 295069736.0 / 4194304]


def test_a_file_that_is_not_criterion_data_is_named_as_given(tmp_path):
    empty = tmp_path / "bench-output.txt"
    empty.write_bytes(b"")
    parsed = criterion.parse(empty)
    assert parsed.results == []
    assert [(i.source, i.line) for i in parsed.issues] == [(str(empty), None)]
    assert parsed.issues[0].message.startswith(f"no benchmark results found in {empty} (read as criterion)")
    assert "benchmark.json:" not in str(parsed.issues[0])


def test_a_sample_json_without_its_benchmark_json_names_the_file_given(tmp_path):
    new = tmp_path / "new"
    new.mkdir()
    given = new / "sample.json"
    shutil.copy(TREE / "secret" / "sequential" / "new" / "sample.json", given)
    parsed = criterion.parse(given)
    assert [i.source for i in parsed.issues] == [str(given)]
    assert "no benchmark.json beside it" in parsed.issues[0].message


def test_negative_iteration_count_says_so(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "secret" / "sequential" / "new" / "sample.json"
    raw = json.loads(path.read_text())
    raw["iters"][3] = -5.0
    path.write_text(json.dumps(raw))
    parsed = criterion.parse(tree)
    assert [i.message for i in parsed.issues] == ["secret/sequential: sample 3: negative iteration count: -5.0"]


def test_threads_zero_is_refused_in_plain_words(tmp_path):
    tree = copy_tree(tmp_path)
    path = tree / "secret" / "parallel-shared" / "threads=2" / "new" / "benchmark.json"
    raw = json.loads(path.read_text())
    raw["full_id"] = "secret/parallel-shared/threads=0"
    path.write_text(json.dumps(raw))
    parsed = criterion.parse(tree)
    assert len(parsed.results) == 4
    assert [i.message for i in parsed.issues] == [
        "benchmark 'secret/parallel-shared': threads=0 is not a worker count (it must be 1 or more); "
        "its samples are not read"]
