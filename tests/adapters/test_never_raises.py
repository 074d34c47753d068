"""Arbitrary input never makes an adapter raise: it returns Parsed, issues allowed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.adapters import Parsed, criterion, gobench, googlebench, libtest, pyperf, pytest_benchmark
from orchestrator.models import ParseIssue, Result

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text built from the pieces harness output is made of, so that the examples
# reach deep into the parsers rather than failing on the first character.
TOKENS = st.sampled_from([
    "Benchmark", "BenchmarkParallelShared", "BenchmarkFloor-2", "-", "-0", "-99999999999999999999",
    " ", "\t", "\n", "2000", "0", "1e999", "-5", "nan", "12.5", "1,234", "ns/op", "B/op", "MB/s",
    "x/op", "pkg:", "lang:", "lang: rust", "lang: ☃", "goos: linux", "--- FAIL:", "--- BENCH:",
    "    log", "PASS", "ok", "test ", " ... ", "bench:", "ns/iter", "(+/- ", ")", " = ", "{", "}",
    '"Action":"output"', '"Output":"', '"Package":"p"', "\\n", ":", "threads=2", "/", "é", "\x00",
])
TEXT = st.one_of(st.text(max_size=300), st.lists(TOKENS, max_size=80).map("".join))

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)


def _dump(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def check(parsed) -> None:
    assert isinstance(parsed, Parsed)
    assert all(isinstance(r, Result) for r in parsed.results)
    assert all(isinstance(i, ParseIssue) for i in parsed.issues)


def run_on_bytes(parse, data: bytes, name: str = "input") -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        check(parse(p))


@SETTINGS
@given(TEXT)
def test_gobench_text(text):
    run_on_bytes(gobench.parse, text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(st.lists(st.one_of(TEXT, JSON.map(lambda v: json.dumps(v)),
                          st.fixed_dictionaries({"Action": st.just("output"),
                                                 "Package": st.text(max_size=3),
                                                 "Output": TEXT}).map(json.dumps)),
                max_size=12))
def test_gobench_json_stream(lines):
    run_on_bytes(gobench.parse, ('{"Action":"start"}\n' + "\n".join(lines)).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(TEXT)
def test_libtest_text(text):
    run_on_bytes(libtest.parse, text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(st.binary(max_size=200))
def test_text_adapters_on_raw_bytes(data):
    run_on_bytes(gobench.parse, data)
    run_on_bytes(libtest.parse, data)
    run_on_bytes(pyperf.parse, data)
    run_on_bytes(pytest_benchmark.parse, data)
    run_on_bytes(googlebench.parse, data)


PYPERF_LIKE = st.fixed_dictionaries({
    "version": st.sampled_from(["1.0", "1.0", None, 6]),
    "metadata": st.one_of(JSON, st.fixed_dictionaries({"unit": st.sampled_from(["second", "byte"]),
                                                       "name": st.text(max_size=5)})),
    "benchmarks": st.lists(st.one_of(JSON, st.fixed_dictionaries({
        "metadata": st.one_of(JSON, st.fixed_dictionaries({
            "name": st.one_of(st.text(max_size=20), JSON), "loops": JSON, "inner_loops": JSON,
            "threads": JSON, "mode": JSON})),
        "runs": st.lists(st.one_of(JSON, st.fixed_dictionaries({
            "metadata": JSON, "warmups": JSON,
            "values": st.lists(st.one_of(st.floats(), st.integers(), JSON), max_size=5)})), max_size=3),
    })), max_size=3),
})


@SETTINGS
@given(st.one_of(JSON, PYPERF_LIKE))
def test_pyperf_json(value):
    run_on_bytes(pyperf.parse, _dump(value), "bench.json")


PYTEST_BENCHMARK_LIKE = st.fixed_dictionaries({
    "version": JSON,
    "benchmarks": st.lists(st.one_of(JSON, st.fixed_dictionaries({
        "name": JSON, "fullname": st.one_of(st.text(max_size=20), JSON), "params": JSON,
        "stats": st.one_of(JSON, st.fixed_dictionaries({
            "iterations": JSON,
            "data": st.one_of(JSON, st.lists(st.one_of(st.floats(), st.integers(), JSON), max_size=5))})),
    })), max_size=3),
})


@SETTINGS
@given(st.one_of(JSON, PYTEST_BENCHMARK_LIKE))
def test_pytest_benchmark_json(value):
    run_on_bytes(pytest_benchmark.parse, _dump(value), "bench.json")


GOOGLEBENCH_ROW = st.fixed_dictionaries({
    "name": st.one_of(st.sampled_from(["BM_x", "BM_x/real_time/threads:2", "BM_y/manual_time/threads:4",
                                       "BM_x_mean", "threads:0", "BM_x/threads:x"]), st.text(max_size=20), JSON),
    "run_name": st.one_of(st.sampled_from(["BM_x", "BM_x/real_time/threads:2"]), JSON),
    "run_type": st.one_of(st.sampled_from(["iteration", "aggregate", "other"]), JSON),
    "threads": st.one_of(st.integers(min_value=-1, max_value=8), JSON),
    "iterations": st.one_of(st.integers(), st.floats(), JSON),
    "real_time": st.one_of(st.floats(), st.integers(), JSON),
    "cpu_time": st.one_of(st.floats(), JSON),
    "time_unit": st.one_of(st.sampled_from(["ns", "us", "ms", "s", "fortnight"]), JSON),
    "aggregate_name": JSON, "aggregate_unit": st.one_of(st.just("percentage"), JSON),
    "error_occurred": JSON, "error_message": JSON, "bytes_per_second": JSON,
})
GOOGLEBENCH_LIKE = st.fixed_dictionaries({
    "context": st.one_of(JSON, st.fixed_dictionaries({"num_cpus": JSON, "library_version": JSON,
                                                      "library_build_type": JSON})),
    "benchmarks": st.lists(st.one_of(JSON, GOOGLEBENCH_ROW), max_size=5),
})


@SETTINGS
@given(st.one_of(JSON, GOOGLEBENCH_LIKE), st.booleans())
def test_googlebench_json(value, indent):
    text = json.dumps(value, allow_nan=True, indent=2 if indent else None)
    run_on_bytes(googlebench.parse, text.encode("utf-8", "surrogatepass"), "bench.json")
    assert googlebench.sniff(text) in (True, False)


SAMPLE_LIKE = st.fixed_dictionaries({
    "sampling_mode": JSON,
    "iters": st.one_of(JSON, st.lists(st.one_of(st.floats(), st.integers(), JSON), max_size=5)),
    "times": st.one_of(JSON, st.lists(st.one_of(st.floats(), st.integers(), JSON), max_size=5)),
})
BENCHMARK_LIKE = st.fixed_dictionaries({"full_id": st.one_of(st.text(max_size=30), JSON)})
CONTENT = st.one_of(st.binary(max_size=60), JSON.map(_dump))


@SETTINGS
@given(st.one_of(CONTENT, BENCHMARK_LIKE.map(_dump)),
       st.one_of(CONTENT, SAMPLE_LIKE.map(_dump)),
       st.one_of(st.none(), CONTENT))
def test_criterion_directory(benchmark_json, sample_json, estimates_json):
    with tempfile.TemporaryDirectory() as d:
        new = Path(d) / "g" / "b" / "new"
        new.mkdir(parents=True)
        (new / "benchmark.json").write_bytes(benchmark_json)
        (new / "sample.json").write_bytes(sample_json)
        if estimates_json is not None:
            (new / "estimates.json").write_bytes(estimates_json)
        check(criterion.parse(Path(d)))
        check(criterion.parse(new / "sample.json"))
