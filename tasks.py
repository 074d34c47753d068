"""benchnorm's Invoke tasks: thin wrappers over the orchestrator library.

`invoke --list` shows them; `invoke --help TASK` shows a task's flags.
"""

from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent


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
    """Run every test suite: go vet + go test -race, cargo test, pytest; fail if any fails."""
    from orchestrator import suites

    outcomes = suites.run(ROOT)
    print(suites.summary(outcomes))
    if not suites.all_passed(outcomes):
        raise Exit("test: a suite failed", code=1)


@task(name="bench-all")
def bench_all(c):
    """Build and run every language's benchmarks, then write the normalized report."""
    raise Exit("bench-all: the runners are not built yet; nothing was measured", code=1)


@task
def report(c):
    """Render reports/REPORT.md from a saved run."""
    raise Exit("report: the report renderer is not built yet", code=1)


@task
def schema(c):
    """Write the JSON Schema of results.json to reports/schema/results.schema.json."""
    from orchestrator import models

    out = ROOT / "reports" / "schema" / "results.schema.json"
    out.write_text(models.json_schema())
    print(f"wrote {out.relative_to(ROOT)}")
