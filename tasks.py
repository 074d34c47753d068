"""benchnorm's Invoke tasks: thin wrappers over the orchestrator library.

`invoke --list` shows them; `invoke --help TASK` shows a task's flags.
"""

from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
REPORTS = ROOT / "reports"

#: Every flag the bench tasks share, declared once.
BENCH_HELP = {
    "suite": "a suite folder or its suite.toml (default: the suite marked default, under suites/)",
    "languages": "run only these languages of the suite, e.g. go,rust (default: all)",
    "threads": "worker counts for the parallel benchmarks, e.g. 1,2,4 (default: 1, 2, 4, … up to 2 × CPUs)",
    "samples": "samples per (language, benchmark, T) cell (default 10; 3 with --quick)",
    "bench": "benchmarks of the suite to run, e.g. sequential,parallel-shared (default: all)",
    "quick": "3 samples of short batches: a fast look, not a result to publish",
    "interleave": "interleave the languages round by round (default); --no-interleave runs them one after another",
    "syscalls": "count the suite's event per op after the timing rounds (default on; --no-syscalls skips)",
    "out": "folder for REPORT.md, results.json, charts and exports (default: reports/, or reports/<suite>/)",
    "runs": "folder for the raw run folders (default: reports/runs/)",
    "precision": "after the first rounds, more rounds only for cells whose median's 95%% interval is wider than "
                 "±P of the median, e.g. 0.01 (default profile: 0.01; none with --quick or --samples)",
    "budget": "seconds those extra rounds may take (default 120)",
    "history": "append the run to reports/history.sqlite and draw TRENDS.md beside the report",
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


def _bench(suite, languages, threads, samples, bench, quick, interleave, syscalls, out, runs, precision, budget,
           history):
    from orchestrator import commands

    from orchestrator import history as hist

    db = str(hist.default_path(ROOT)) if history else None
    _run(commands.bench, ROOT, suite, languages, threads, samples, bench, quick, interleave, syscalls, out, runs,
         precision, budget, db)


def bench_task(name, doc, language=None):
    """A bench task with the shared flags; ``language`` fixes --languages (bench-go and friends)."""

    def body(c, suite=None, languages=None, threads=None, samples=None, bench=None, quick=False, interleave=True,
             syscalls=True, out=None, runs=None, precision=None, budget=None, history=False):
        _bench(suite, language or languages, threads, samples, bench, quick, interleave, syscalls, out, runs,
               precision, budget, history)

    body.__doc__ = doc
    body.__name__ = name.replace("-", "_")
    helps = {k: v for k, v in BENCH_HELP.items() if not (language and k == "languages")}
    return task(help=helps, name=name)(body)


bench_all = bench_task("bench-all", "Build, verify and run every language of a suite in interleaved rounds; write the report.")
bench_go = bench_task("bench-go", "Run the suite's Go language only; the report goes into the run folder.", "go")
bench_rust = bench_task("bench-rust", "Run the suite's Rust language only; the report goes into the run folder.", "rust")
bench_python = bench_task("bench-python", "Run the suite's Python language only; the report goes into the run folder.",
                          "python")


@task(iterable=["run"], help={
    "run": "a run folder or a results.json (default: reports/runs/latest, else reports/results.json); "
           "give it more than once for one report with a section per machine (default out: reports/machines/)",
    "check": "only check that every committed REPORT.md under reports/ is what its results.json renders to",
    "out": "folder to write into (default: reports/ for the default suite, reports/<suite>/ for others)",
    "suite": "the suite of a run folder or record that does not name one (default: the default suite)",
})
def report(c, run=None, check=False, out=None, suite=None):
    """Re-render the report from saved results, or merge several machines' runs; no toolchain needed."""
    from orchestrator import commands

    _run(commands.report, ROOT, run, check, out, suite)


@task(help={
    "go": "Go output: `go test -bench` text or `go test -json`",
    "rust": "Rust output: a target/criterion directory, or libtest `cargo bench` text",
    "python": "Python output: pyperf JSON or pytest-benchmark JSON",
    "cc": "C or C++ output (language c): Google Benchmark JSON",
    "mode": "declare what the output cannot tell, e.g. go=parallel,rust=parallel:8,python=sequential",
    "map": "put harness names under one benchmark: NAME=BENCHMARK[,…] (splits at the last =), or @FILE",
    "format": "read an output as this format although it belongs to another language, e.g. rust=gobench",
    "out": "folder for the report (default: reports/compare/)",
})
def compare(c, go=None, rust=None, python=None, cc=None, mode=None, map=None, format=None, out=None):
    """Normalized report from outputs you bring (any subset of languages, any supported format)."""
    from orchestrator import commands

    _run(commands.compare, ROOT, {"go": go, "rust": rust, "python": python, "c": cc}, mode, map, out, format)


@task(help={
    "suite": BENCH_HELP["suite"],
    "languages": BENCH_HELP["languages"],
    "threads": BENCH_HELP["threads"],
    "bench": BENCH_HELP["bench"],
    "ops": "N: each cell runs N and 2N ops (default: the suite's [events] ops)",
})
def syscalls(c, suite=None, languages=None, threads=None, bench=None, ops=None):
    """Count the suite's event (e.g. a syscall) per op for every cell, with perf or strace, and print it."""
    from orchestrator import commands

    _run(commands.syscalls, ROOT, suite, languages, threads, bench, ops)


@task(help={"suite": BENCH_HELP["suite"], "languages": BENCH_HELP["languages"]})
def build(c, suite=None, languages=None):
    """Run the build commands of a suite's languages (for example the interop libraries: --languages python→go)."""
    from orchestrator import commands

    _run(commands.build, ROOT, suite, languages)


@task
def suites(c):
    """List the suites under suites/ with their languages and benchmarks."""
    from orchestrator import commands

    _run(commands.list_suites, ROOT)


@task
def doctor(c):
    """Check every suite's toolchains, perf/strace, CPUs, page size and RLIMIT_MEMLOCK; say how to fix gaps."""
    from orchestrator import doctor as doc
    from orchestrator import manifest

    try:
        events = manifest.default_suite(ROOT).events
        requirements = manifest.requirements(ROOT)
    except manifest.ManifestError as exc:
        raise Exit(f"error: {exc}", code=2)
    items = doc.checks(events.tracepoint if events else None, requirements)
    print(doc.render(items))
    if not doc.healthy(items):
        raise Exit("doctor: a required tool is missing (see 'To fix' above)", code=1)


@task
def test(c):
    """Run every test suite: go vet + go test -race, cargo test, make test (c/), pytest; fail if any fails."""
    from orchestrator import selftest

    outcomes = selftest.run(ROOT)
    print(selftest.summary(outcomes))
    if not selftest.all_passed(outcomes):
        raise Exit("test: a suite failed", code=1)


@task
def schema(c):
    """Write the JSON Schema of results.json to reports/schema/results.schema.json."""
    from orchestrator import models

    out = REPORTS / "schema" / "results.schema.json"
    out.write_text(models.json_schema())
    print(f"wrote {out.relative_to(ROOT)}")


#: Flags the history tasks share, declared once.
HISTORY_HELP = {
    "db": "the history file (default: reports/history.sqlite)",
    "suite": "only this suite's runs (default: every suite in the file)",
}


@task(help={
    **HISTORY_HELP,
    "cell": "show this cell's trend run by run, as the report names it: 'sum size=16 T=1' "
            "(axes or T left out match every value)",
    "language": "with --cell: only this language (default: each language stored for the cell)",
})
def history(c, suite=None, cell=None, language=None, db=None):
    """List the runs in the history file, or with --cell the trend of one cell: median and interval per run."""
    from orchestrator import commands

    _run(commands.history_list, ROOT, db, suite, cell, language)


@task(help={
    "run": "a run folder or a results.json, e.g. reports/runs/latest",
    "db": HISTORY_HELP["db"],
})
def history_add(c, run, db=None):
    """Append a run to the history file (a run already there is refused; nothing is duplicated)."""
    from orchestrator import commands

    _run(commands.history_add, ROOT, run, db)


@task(help={
    "run": "a run folder or a results.json already in the history (default: reports/runs/latest)",
    "db": HISTORY_HELP["db"],
    "out": "folder for TRENDS.md and its charts (default: the suite's reports folder)",
})
def trends(c, run=None, db=None, out=None):
    """Draw TRENDS.md again from the history for a stored run: trend charts and run-to-run agreement."""
    from orchestrator import commands

    _run(commands.trends_redraw, ROOT, run, db, out)


@task(help={
    **HISTORY_HELP,
    "threshold": "smallest change ever flagged, a fraction (default 0.05, i.e. 5%; '5%' also reads)",
    "fail_on_regression": "exit 1 when any cell is flagged as regressed",
})
def history_check(c, suite=None, threshold=None, fail_on_regression=False, db=None):
    """Latest run of each suite against the earlier runs on the same machine and toolchains, cell by cell."""
    from orchestrator import commands

    _run(commands.history_check, ROOT, db, suite, threshold, fail_on_regression)
