"""The pyperf harness: names, metadata, flags passed on to pyperf's workers."""

from __future__ import annotations

import argparse

import pyperf
import pytest

from pysecret.bench import benchmark_name, bench_list, plan, thread_list
from pysecret.workloads import CANONICAL

# One process, one value, fixed loops: no calibration, a few seconds in all.
QUICK = ("-p", "1", "-n", "1", "-w", "0", "-l", "20")


def test_thread_list_parses_and_validates():
    assert thread_list("1,2,4") == [1, 2, 4]
    assert thread_list(" 8 , 1,8") == [8, 1]
    for bad in ("0", "1,-2", "a", "1,,2", "", "1.5"):
        with pytest.raises(argparse.ArgumentTypeError, match="positive integers"):
            thread_list(bad)


def test_bench_list_takes_canonical_names_only():
    assert bench_list("floor,sequential") == ["floor", "sequential"]
    with pytest.raises(argparse.ArgumentTypeError, match="unknown benchmark"):
        bench_list("floor,parallel")


def test_plan_and_names_default_to_all_five_at_1_2_4():
    names = [benchmark_name(n, t) for n, t in plan(list(CANONICAL), [1, 2, 4])]
    assert names == [
        "floor", "sequential",
        "parallel-owned/threads=1", "parallel-owned/threads=2", "parallel-owned/threads=4",
        "parallel-locked/threads=1", "parallel-locked/threads=2", "parallel-locked/threads=4",
        "parallel-shared/threads=1", "parallel-shared/threads=2", "parallel-shared/threads=4",
    ]


def test_writes_pyperf_json_with_every_name_and_metadata(tmp_path, run_python_module):
    out = tmp_path / "bench.json"
    run = run_python_module("pysecret.bench", *QUICK, "--threads", "1,3",
                            "--quiet", "-o", str(out), timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    suite = pyperf.BenchmarkSuite.load(str(out))
    expected = [benchmark_name(n, t) for n, t in plan(list(CANONICAL), [1, 3])]
    assert suite.get_benchmark_names() == expected
    for bench in suite.get_benchmarks():
        meta = bench.get_metadata()
        name, _, threads = bench.get_name().partition("/threads=")
        assert meta["canonical_name"] == name
        # The worker ran with the manager's --threads: T is the one in the name.
        assert meta["threads"] == (int(threads) if threads else 1)
        assert meta["lang"] == "python"
        assert "GIL" in meta["gil"]
        assert meta["loops"] == 20
        assert bench.get_nvalue() == 1 and bench.median() > 0


def test_bench_selects_benchmarks(tmp_path, run_python_module):
    out = tmp_path / "bench.json"
    run = run_python_module("pysecret.bench", *QUICK, "--bench", "parallel-shared,floor",
                            "--threads", "2", "--quiet", "-o", str(out), timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    names = pyperf.BenchmarkSuite.load(str(out)).get_benchmark_names()
    assert names == ["parallel-shared/threads=2", "floor"]


def test_in_process_run_takes_loops_from_an_earlier_round_or_probes(tmp_path, run_python_module):
    out = tmp_path / "bench.json"
    run = run_python_module("pysecret.bench", "--in-process", "-p", "1", "-n", "2", "-w", "1",
                            "--min-time", "0.01", "--bench", "floor,sequential", "--threads", "1",
                            "--loops-for", "floor=64", "--quiet", "-o", str(out), timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    suite = pyperf.BenchmarkSuite.load(str(out))
    floor, seq = suite.get_benchmarks()
    assert floor.get_metadata()["loops"] == 64 and floor.get_metadata()["loops_from"] == "--loops-for"
    probed = seq.get_metadata()["loops"]
    assert seq.get_metadata()["loops_from"] == "probe" and probed & (probed - 1) == 0  # a power of two
    assert probed * seq.median() >= 0.01 * 0.5  # a value lasts about the asked batch, not a few loops
    assert floor.get_nvalue() == 2 and seq.get_nvalue() == 2


@pytest.mark.parametrize("flag, value", [("--threads", "0"), ("--threads", "1,x"),
                                         ("--bench", "nope"), ("--loops-for", "floor"),
                                         ("--loops-for", "parallel-owned/threads=2")])
def test_bad_flags_exit_2_with_a_clear_error(flag, value, tmp_path, run_python_module):
    run = run_python_module("pysecret.bench", flag, value, "-o", str(tmp_path / "x.json"))
    assert run.returncode == 2
    assert "error:" in run.stderr and flag in run.stderr
    assert not (tmp_path / "x.json").exists()


def test_open_builds_the_workload_once_outside_the_timing():
    from pysecret.bench import _Lazy

    lazy = _Lazy("sequential", 1, "libc")
    try:
        lazy.open()
        built = lazy._workload
        assert built is not None
        lazy.open()  # already built: kept as it is
        assert lazy._workload is built
        assert lazy(10) > 0 and lazy._workload is built
    finally:
        lazy.close()
    assert lazy._workload is None

