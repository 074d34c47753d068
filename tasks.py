"""benchnorm's Invoke tasks: thin wrappers over the orchestrator library.

`invoke --list` shows them; `invoke --help TASK` shows a task's flags.
"""

from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
REPORTS = ROOT / "reports"

BENCH_HELP = {
    "threads": "worker counts for the parallel benchmarks, e.g. 1,2,4 (default: 1, 2, 4, … up to 2 × CPUs)",
    "samples": "samples per (language, benchmark, T) cell (default 10; 3 with --quick)",
    "bench": "canonical benchmarks to run, e.g. sequential,parallel-shared (default: all five)",
    "quick": "3 samples of short batches: a fast look, not a result to publish",
    "interleave": "interleave the languages round by round (default); --no-interleave runs them one after another",
    "syscalls": "count mprotect calls per op after the timing rounds (default on; --no-syscalls skips)",
    "out": "folder for REPORT.md, results.json, charts and exports (default: reports/)",
    "runs": "folder for the raw run folders (default: reports/runs/)",
}


def _run(function, *args):
    """Call a command of orchestrator.commands; bad input exits 2 with its one-line message."""
    try:
        message, code = function(*args)
    except ValueError as exc:
        raise Exit(f"error: {exc}", code=2)
    print(message)
    if code:
        raise Exit(code=code)


def _bench(languages, threads, samples, bench, quick, interleave, syscalls, out, runs):
    from orchestrator import commands

    _run(commands.bench, ROOT, languages, threads, samples, bench, quick, interleave, syscalls, out, runs)


@task(help=BENCH_HELP, name="bench-all")
def bench_all(c, threads=None, samples=None, bench=None, quick=False, interleave=True, syscalls=True, out=None, runs=None):
    """Build and run Go, Rust, Python (and Python calling Go and Rust) in interleaved rounds; write the report."""
    from orchestrator.runners import all_runners

    _bench(list(all_runners()), threads, samples, bench, quick, interleave, syscalls, out, runs)


@task(help=BENCH_HELP, name="bench-go")
def bench_go(c, threads=None, samples=None, bench=None, quick=False, interleave=True, syscalls=True, out=None, runs=None):
    """Build and run the Go benchmarks only (go test -bench), then write the report."""
    _bench(["go"], threads, samples, bench, quick, interleave, syscalls, out, runs)


@task(help=BENCH_HELP, name="bench-rust")
def bench_rust(c, threads=None, samples=None, bench=None, quick=False, interleave=True, syscalls=True, out=None, runs=None):
    """Build and run the Rust benchmarks only (cargo bench, criterion), then write the report."""
    _bench(["rust"], threads, samples, bench, quick, interleave, syscalls, out, runs)


@task(help=BENCH_HELP, name="bench-python")
def bench_python(c, threads=None, samples=None, bench=None, quick=False, interleave=True, syscalls=True,
                 out=None, runs=None):
    """Run the Python benchmarks only (pyperf), then write the report."""
    _bench(["python"], threads, samples, bench, quick, interleave, syscalls, out, runs)


@task(help={
    "run": "a run folder under reports/runs/ (default: reports/runs/latest, else reports/results.json)",
    "check": "only check that reports/REPORT.md is what reports/results.json renders to",
    "out": "folder to write into (default: reports/)",
})
def report(c, run=None, check=False, out=None):
    """Re-render the report from saved results; no toolchain and no benchmark needed."""
    from orchestrator import commands

    _run(commands.report, ROOT, run, check, out)


@task(help={
    "go": "Go output: `go test -bench` text or `go test -json`",
    "rust": "Rust output: a target/criterion directory, or libtest `cargo bench` text",
    "python": "Python output: pyperf JSON or pytest-benchmark JSON",
    "mode": "declare what the output cannot tell, e.g. go=parallel,rust=sequential",
    "map": "map names that do not normalize, e.g. BenchmarkGuard=sequential",
    "out": "folder for the report (default: reports/compare/)",
})
def compare(c, go=None, rust=None, python=None, mode=None, map=None, out=None):
    """Normalized report from outputs you bring (any subset of languages, any supported format)."""
    from orchestrator import commands

    _run(commands.compare, ROOT, {"go": go, "rust": rust, "python": python}, mode, map, out)


@task(help={
    "threads": BENCH_HELP["threads"],
    "bench": BENCH_HELP["bench"],
    "ops": "N: each cell runs N and 2N ops (default 10000)",
})
def syscalls(c, threads=None, bench=None, ops=None):
    """Count mprotect calls per op for every cell (perf, else strace) and print them."""
    from orchestrator import commands

    _run(commands.syscalls, ROOT, threads, bench, ops)


@task
def build(c):
    """Build the Go and Rust kernels as C shared libraries for pysecret's go and rust backends."""
    from orchestrator import commands

    _run(commands.build, ROOT)


@task
def doctor(c):
    """Check toolchains, perf/strace, CPUs, page size and RLIMIT_MEMLOCK; say how to fix gaps."""
    from orchestrator import doctor as doc

    items = doc.checks()
    print(doc.render(items))
    if not doc.healthy(items):
        raise Exit("doctor: a required tool is missing (see 'To fix' above)", code=1)


@task
def test(c):
    """Run every test suite: go vet + go test -race, cargo test, make test (c/), pytest; fail if any fails."""
    from orchestrator import suites

    outcomes = suites.run(ROOT)
    print(suites.summary(outcomes))
    if not suites.all_passed(outcomes):
        raise Exit("test: a suite failed", code=1)


@task
def schema(c):
    """Write the JSON Schema of results.json to reports/schema/results.schema.json."""
    from orchestrator import models

    out = REPORTS / "schema" / "results.schema.json"
    out.write_text(models.json_schema())
    print(f"wrote {out.relative_to(ROOT)}")
