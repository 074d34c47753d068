"""The report: the golden rendering, the verdict rules, and the naive-comparison section."""

from pathlib import Path

import numpy as np

from orchestrator import charts, render, report
from orchestrator.models import BenchmarkId, Environment, Measurement, Result, RunParameters, RunRecord

FIX = Path(__file__).parent / "fixtures" / "report"
BUILTIN = Path(__file__).resolve().parents[1] / "suites" / "guarded-secret"
GOLDEN_IN = FIX / "quick_run_all_languages.json"
GOLDEN_OUT = FIX / "quick_run_all_languages.md"


def _render(path: Path) -> str:
    record = RunRecord.from_json(path.read_text())
    data = report.build(record)
    data.charts = charts.links(data)
    return render.markdown(data)


def regenerate() -> None:
    """Rewrite the golden report after an intended change (review the diff!)."""
    GOLDEN_OUT.write_text(_render(GOLDEN_IN))


def test_golden_report_renders_exactly():
    assert _render(GOLDEN_IN) == GOLDEN_OUT.read_text()


def test_golden_report_has_all_five_sections():
    text = GOLDEN_OUT.read_text()
    for heading in ("## 1. Headline", "## 2. Where the time goes", "## 3. Parallel",
                    "## 4. The naive comparison", "## 5. Stability, gaps and environment"):
        assert heading in text


def res(lang, canonical, threads, mode, samples):
    return Result(
        id=BenchmarkId(language=lang, harness={"go": "gobench", "rust": "criterion"}.get(lang, "pyperf"),
                       name=canonical, canonical=canonical, threads=threads, mode=mode, threads_source="t"),
        ns_per_op=list(samples), original=[Measurement(value=s, unit="ns/op") for s in samples])


def _record(results):
    from orchestrator import manifest

    return RunRecord(run_id="t", started_at="2026-11-27T00:00:00Z", results=results,
                     suite=manifest.load(BUILTIN), environment=Environment(logical_cpus=2),
                     parameters=RunParameters(threads=[1, 2]))


def test_no_verdict_without_significance():
    rng = np.random.default_rng(5)
    same = [res("go", "sequential", 1, "sequential", rng.normal(2000, 40, 10)),
            res("rust", "sequential", 1, "sequential", rng.normal(2000, 40, 10))]
    d = report.build(_record(same))
    (t,) = d.all_tables
    slower = next(r for r in t.rows if not r.fastest)
    assert slower.verdict.startswith("no significant difference from")
    assert next(r for r in t.rows if r.fastest).verdict == "fastest median, not significantly"


def test_a_real_difference_gets_a_verdict_with_interval():
    rng = np.random.default_rng(6)
    rs = [res("go", "sequential", 1, "sequential", rng.normal(2000, 40, 10)),
          res("rust", "sequential", 1, "sequential", rng.normal(1800, 36, 10))]
    (t,) = report.build(_record(rs)).all_tables
    go = t.row("go")
    assert go.verdict.startswith("1.1") and "slower than rust [" in go.verdict
    assert t.row("rust").verdict == "fastest (significantly faster than go)"


def test_naive_section_is_computed_from_the_data():
    rng = np.random.default_rng(7)
    rs = [res("go", "sequential", 1, "sequential", rng.normal(2000, 20, 10)),
          res("rust", "sequential", 1, "sequential", rng.normal(1920, 20, 10)),
          res("go", "parallel-shared", 2, "parallel", rng.normal(600, 6, 10)),
          res("rust", "parallel-shared", 2, "parallel", rng.normal(580, 6, 10))]
    d = report.build(_record(rs))
    (line,) = d.naive.lines
    assert line.benchmark == "parallel-shared" and line.other == "rust"
    assert abs(line.naive_ratio - 1920 / 600) < 0.2
    assert f"looks {line.naive_ratio:.2f}× slower" in d.naive.sentence
    assert "rust is 1.0" in d.naive.sentence and "faster" in d.naive.sentence


def test_missing_cells_are_listed_as_not_run():
    rs = [res("go", "sequential", 1, "sequential", [1.0, 2.0, 3.0])]
    rec = _record(rs)
    rec.parameters = RunParameters(threads=[1, 2], benchmarks=["sequential", "parallel-owned"], languages=["go"])
    d = report.build(rec)
    assert [m.what for m in d.missing] == ["parallel-owned T=1", "parallel-owned T=2"]
    text = render.markdown(d)
    assert "- go parallel-owned T=1: not run (no result in this run)" in text


def test_interop_rows_get_their_own_section_and_stay_out_of_the_verdicts():
    rng = np.random.default_rng(8)
    rs = [res("go", "sequential", 1, "sequential", rng.normal(2000, 20, 10)),
          res("rust", "sequential", 1, "sequential", rng.normal(1900, 20, 10)),
          res("python→go", "sequential", 1, "sequential", rng.normal(2600, 20, 10)),
          res("python→rust", "sequential", 1, "sequential", rng.normal(2300, 20, 10)),
          res("python→go", "parallel-shared", 2, "parallel", rng.normal(900, 20, 10))]
    d = report.build(_record(rs))
    (t,) = d.all_tables
    assert [r.language for r in t.rows] == ["go", "rust"]
    costs = {(i["benchmark"], i["backend"]): i for i in d.interop}
    assert set(costs) == {("sequential", "go"), ("sequential", "rust")}
    go = costs[("sequential", "go")]
    assert abs(go["cost"] - 600) < 40 and go["lo"] < go["cost"] < go["hi"]
    text = render.markdown(d)
    assert "## Interop: one language driving another's implementation" in text


def test_an_interval_that_falls_short_of_95_percent_says_so():
    rs = [res("go", "sequential", 1, "sequential", [2000.0, 2100.0, 1900.0])]
    (t,) = report.build(_record(rs)).all_tables
    assert t.row("go").ci == "[1,900, 2,100] (75% CI: too few samples for 95%)"
    ten = report.build(_record([res("go", "sequential", 1, "sequential", [float(x) for x in range(10, 20)])]))
    assert ten.all_tables[0].row("go").ci == "[11.00, 18.00]"


def test_too_few_samples_give_no_verdict_either_way():
    """One sample against a hundred: no winner, and not "no significant difference" either."""
    rng = np.random.default_rng(9)
    huge_gap = [res("go", "sequential", 1, "sequential", [5_419_000.0]),
                res("rust", "sequential", 1, "sequential", rng.normal(1000, 10, 100))]
    (t,) = report.build(_record(huge_gap)).all_tables
    assert t.row("go").verdict == "too few samples to compare (n = 1 vs 100; a verdict needs at least 6 on each side)"
    assert t.row("rust").verdict == "fastest median; too few samples to compare"
    assert not any(ps.significant for ps in t.pairs)
    five = [res("go", "sequential", 1, "sequential", rng.normal(2000, 10, 5)),
            res("rust", "sequential", 1, "sequential", rng.normal(1000, 10, 5))]
    (t,) = report.build(_record(five)).all_tables
    assert t.row("go").verdict.startswith("too few samples to compare (n = 5 vs 5")
    six = [res("go", "sequential", 1, "sequential", rng.normal(2000, 10, 6)),
           res("rust", "sequential", 1, "sequential", rng.normal(1000, 10, 6))]
    (t,) = report.build(_record(six)).all_tables
    assert "slower than rust" in t.row("go").verdict
