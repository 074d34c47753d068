"""The results data contract: round-trips, stable text, and every validation rule."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from orchestrator import models
from orchestrator.models import (
    BenchmarkId,
    Environment,
    Failure,
    Measurement,
    ParseIssue,
    Result,
    RunParameters,
    RunRecord,
    SyscallCount,
)


def _id(**kw):
    base = dict(language="go", harness="gobench", name="BenchmarkSequential", canonical="sequential",
                threads=1, threads_source="go -cpu suffix (absent: 1)", mode="sequential")
    base.update(kw)
    return BenchmarkId(**base)


def _result(samples=(2100.5, 2200.25, 1999.0), **kw):
    return Result(
        id=kw.pop("id", _id()),
        ns_per_op=list(samples),
        original=[Measurement(value=s if s >= 0 else 1.0, unit="ns/op") if s == s else
                  Measurement(value=1.0, unit="ns/op") for s in samples],
        iterations=[1000] * len(samples),
        **kw,
    )


def _record():
    return RunRecord(
        run_id="20261127T140000Z",
        started_at="2026-11-27T14:00:00Z",
        finished_at="2026-11-27T14:05:00Z",
        parameters=RunParameters(threads=[1, 2, 4], samples=3),
        environment=Environment(cpu_model="Test CPU", logical_cpus=2, page_size=4096, git_dirty=False),
        results=[
            _result(id=_id(language="rust", harness="criterion", name="secret/sequential")),
            _result(id=_id(name="BenchmarkParallelShared-2", canonical="parallel-shared", threads=2,
                           mode="parallel"), samples=(800.0, 0.1 + 0.2, 1e-7)),
            _result(),
        ],
        issues=[ParseIssue(source="go.txt", line=7, message="malformed benchmark line")],
        failures=[Failure(language="python", step="run", message="exited 1", exit_status=1,
                          stderr_tail="Traceback ...")],
        syscalls=[SyscallCount(language="go", canonical="sequential", threads=1, method="perf",
                               ops=10000, per_op=[2.0, 2.0, 2.0], counts=[(20010, 40010)] * 3)],
    )


def test_round_trip_is_byte_stable():
    text = _record().to_json()
    again = RunRecord.from_json(text)
    assert again.to_json() == text
    assert again == RunRecord.from_json(again.to_json())


def test_serialisation_is_sorted_and_order_independent():
    rec = _record()
    shuffled = rec.model_copy(update={"results": list(reversed(rec.results))})
    assert shuffled.to_json() == rec.to_json()
    data = json.loads(rec.to_json())
    langs = [(r["id"]["language"], r["id"]["canonical"]) for r in data["results"]]
    assert langs == [("go", "parallel-shared"), ("go", "sequential"), ("rust", "sequential")]
    # keys are sorted at every level
    assert list(data) == sorted(data)
    assert list(data["results"][0]) == sorted(data["results"][0])
    assert rec.to_json().endswith("\n")


def test_floats_survive_exactly():
    rec = _record()
    back = RunRecord.from_json(rec.to_json())
    parallel = [r for r in back.results if r.id.canonical == "parallel-shared"][0]
    assert parallel.ns_per_op == [800.0, 0.1 + 0.2, 1e-7]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), min_size=1, max_size=20))
def test_any_valid_samples_round_trip(samples):
    rec = RunRecord(run_id="r", started_at="t", results=[_result(samples=samples)])
    text = rec.to_json()
    assert RunRecord.from_json(text).to_json() == text


@pytest.mark.parametrize(
    "build, field",
    [
        (lambda: _id(threads=0), "threads"),
        (lambda: _id(threads=-3), "threads"),
        (lambda: _id(language=""), "language"),
        (lambda: _id(harness=""), "harness"),
        (lambda: _id(mode="sideways"), "mode"),
        (lambda: _id(name=""), "name"),
        (lambda: _result(samples=()), "ns_per_op"),
        (lambda: _result(samples=(1.0, -2.0)), "ns_per_op"),
        (lambda: _result(samples=(1.0, math.nan)), "ns_per_op"),
        (lambda: Result(id=_id(), ns_per_op=[math.inf], original=[Measurement(value=1, unit="s")]),
         "ns_per_op"),
        (lambda: Measurement(value=math.nan, unit="ns"), "value"),
        (lambda: Measurement(value=1.0, unit=""), "unit"),
        (lambda: Result(id=_id(), ns_per_op=[1.0, 2.0], original=[Measurement(value=1, unit="ns")]), "original"),
        (lambda: Result(id=_id(), ns_per_op=[1.0], original=[Measurement(value=1, unit="ns")],
                        iterations=[0]), "iterations"),
        (lambda: ParseIssue(source="f", line=0, message="m"), "line"),
        (lambda: Failure(language="", step="run", message="m"), "language"),
        (lambda: Failure(language="go", step="dance", message="m"), "step"),
        (lambda: SyscallCount(language="go", canonical="floor", threads=1, method="none"), "reason"),
        (lambda: SyscallCount(language="go", canonical="floor", threads=1, method="perf"), "per_op"),
        (lambda: SyscallCount(language="go", canonical="floor", threads=0, method="none", reason="x"), "threads"),
        (lambda: RunParameters(threads=[]), "threads"),
        (lambda: RunParameters(threads=[1, 0]), "threads"),
        (lambda: RunParameters(samples=0), "samples"),
        (lambda: Environment(logical_cpus=0), "logical_cpus"),
        (lambda: RunRecord(run_id="r", started_at="t", schema_version=models.SCHEMA_VERSION + 1), "schema"),
    ],
)
def test_validation_refuses_nonsense_and_names_the_field(build, field):
    with pytest.raises(ValidationError) as err:
        build()
    assert field in str(err.value)


def test_from_json_reports_field_path():
    data = json.loads(_record().to_json())
    data["results"][1]["id"]["threads"] = 0
    with pytest.raises(ValueError, match=r"results\.1\.id\.threads"):
        RunRecord.from_json(json.dumps(data))


def test_from_json_refuses_future_schema_with_a_clear_message():
    data = json.loads(_record().to_json())
    data["schema_version"] = 99
    with pytest.raises(ValueError, match="schema version 99 is newer"):
        RunRecord.from_json(json.dumps(data))


def test_from_json_refuses_corrupt_text_with_position():
    with pytest.raises(ValueError, match="line 1 column"):
        RunRecord.from_json('{"run_id": ')


def test_committed_json_schema_is_current(root):
    committed = (root / "reports" / "schema" / "results.schema.json").read_text()
    assert committed == models.json_schema(), "run `invoke schema` and commit reports/schema/"


@pytest.mark.parametrize("version, message", [
    (0, "schema version 0 cannot be read: this benchnorm reads schema version 2 and upgrades from 1 on"),
    (None, "schema_version is missing"),
    ("1", "schema_version is missing or not a whole number"),
])
def test_old_or_missing_schema_versions_say_which_version_is_needed(version, message):
    data = json.loads(_record().to_json())
    data["schema_version"] = version
    with pytest.raises(ValueError, match=message):
        RunRecord.from_json(json.dumps(data))


def test_registered_upgrader_is_applied(monkeypatch):
    data = json.loads(_record().to_json())
    data["schema_version"] = 0
    data["old_field"] = "dropped by the upgrade"

    def zero_to_one(raw):
        raw = dict(raw)
        raw.pop("old_field")
        raw["schema_version"] = 2
        return raw

    monkeypatch.setitem(models.UPGRADES, 0, zero_to_one)
    assert RunRecord.from_json(json.dumps(data)).to_json() == _record().to_json()


def test_version_1_records_move_toolchains_into_one_table(root):
    """The committed fixture of a version-1 run reads as version 2: its toolchain fields become toolchains."""
    raw = json.loads((root / "tests" / "fixtures" / "report" / "version1_run.json").read_text())
    assert raw["schema_version"] == 1 and "go_version" in raw["environment"]
    rec = RunRecord.from_json(json.dumps(raw))
    assert rec.schema_version == 2 and rec.suite is None
    assert rec.environment.toolchains["Go"] == raw["environment"]["go_version"]
    assert rec.environment.toolchains["rustc"] == raw["environment"]["rustc_version"]
    assert rec.environment.extra["GOMAXPROCS"] == raw["environment"]["gomaxprocs"]
    assert len(rec.results) == len(raw["results"])
