"""Trend charts from the history: one chart per headline cell, beside the report.

The report itself renders from ``results.json`` alone (``invoke report
--check`` depends on it); what the history adds lives beside it in
``TRENDS.md`` and ``charts/trend-*.svg``: for every headline cell of the
record, each language's median (with its 95% interval) run by run, over the
runs of the same suite on the same machine fingerprint, oldest first.

Then how well the latest run agrees with the one before it: every
like-for-like ratio of two languages in a headline cell, in both runs, how
far it moved, and whether the earlier ratio lies inside the latest run's 95%
interval. That is the run-to-run agreement a reader of one report cannot
see, measured on the reader's own machine.
"""

from __future__ import annotations

import math
import re
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

from orchestrator import charts, history, report, stats
from orchestrator.models import RunRecord
from orchestrator.rundir import atomic_write

TRENDS = "TRENDS.md"
# a ratio that moved by no more than this since the previous run "agrees" with it
AGREEMENT = 0.03
# How often one estimate lands inside another's 95% interval when both measure
# the same thing with the same precision: the difference of the two has √2
# times the spread of one, so P(|Z| ≤ 1.96/√2) = erf(1.96 / 2) ≈ 0.834.
SAME_THING_INSIDE = math.erf(1.959964 / 2)


def _file(title: str) -> str:
    return "trend-" + re.sub(r"[^A-Za-z0-9=._-]+", "-", title).strip("-") + ".svg"


def _svg(title: str, series: dict[str, list[history.TrendPoint]]) -> str:
    with charts.reproducible():
        fig, ax = charts.plt.subplots(figsize=(6.4, 3.6))
        for lang, points in series.items():
            xs = list(range(1, len(points) + 1))
            ys = [p.median for p in points]
            lo = [p.median - p.interval.lo for p in points]
            hi = [p.interval.hi - p.median for p in points]
            ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3, label=lang)
        ax.set_xlabel("run (oldest first)")
        ax.set_ylabel("ns/op (median, 95% CI)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{title}: run by run")
        return charts.svg_text(fig)


def write(db_path: Path, record: RunRecord, out_dir: Path) -> Path:
    """Write TRENDS.md and one chart per headline cell; the runs are this machine's runs of this suite."""
    data = report.build(record)
    suite = data.suite.name
    mine = record.environment.fingerprint()
    lines = [f"# Trends of {data.suite.title}", "",
             f"From `{db_path.name}`: every stored run of suite `{suite}` on this machine (fingerprint "
             f"`{mine}`), oldest first; each point is that run's median with its 95% interval.", ""]
    cells: list[tuple[str, dict[str, list[history.TrendPoint]]]] = []
    for t in data.headline:
        series = {}
        for r in t.rows:
            points = [p for p in history.trend(db_path, suite, t.benchmark, t.params, t.threads, r.language)
                      if p.run.fingerprint == mine]
            if len(points) >= 2:
                series[r.language] = points
        if not series:
            continue
        cells.append((t.title, series))
        name = _file(t.title)
        atomic_write(out_dir / "charts" / name, _svg(t.title, series))
        runs = max(len(p) for p in series.values())
        lines += [f"## {t.title}", "", f"![{t.title}, run by run](charts/{name})", "",
                  f"{runs} runs; latest medians: " + "; ".join(
                      f"{lang} {report.sig(points[-1].median)} ns/op" for lang, points in series.items()) + ".", ""]
    if cells:
        lines += _agreement(cells, record.run_id)
    else:
        lines.append("No headline cell has two runs on this machine yet.")
    path = out_dir / TRENDS
    atomic_write(path, "\n".join(lines).rstrip() + "\n")
    return path


class _Moved(NamedTuple):
    """One like-for-like ratio in the run before and in the latest run."""

    cell: str
    pair: str
    before: float
    now: float
    interval: stats.Interval  # the latest run's

    @property
    def change(self) -> float:
        return self.now / self.before - 1

    @property
    def inside(self) -> bool:
        return self.interval.lo <= self.before <= self.interval.hi


def _agreement(cells: list[tuple[str, dict[str, list[history.TrendPoint]]]], latest: str) -> list[str]:
    """The section comparing every like-for-like ratio of the latest run with the run before it."""
    started: dict[str, str] = {}  # run id → start time, over every drawn point
    for _, series in cells:
        for points in series.values():
            started.update((p.run.run_id, p.run.started_at) for p in points)
    if latest not in started:
        return []
    earlier = sorted((start, run) for run, start in started.items() if start < started[latest])
    if not earlier:
        return []
    previous = earlier[-1][1]
    rows = []
    for title, series in cells:
        by_run = {lang: {p.run.run_id: p for p in points} for lang, points in series.items()}
        for a, b in combinations(series, 2):
            # both languages measured in the latest run and in the run just before it
            if not all(run in by_run[lang] for lang in (a, b) for run in (latest, previous)):
                continue
            then, now = (by_run[a][previous], by_run[b][previous]), (by_run[a][latest], by_run[b][latest])
            rows.append(_Moved(title, f"{a} / {b}", stats.ratio_of_medians(then[0].samples, then[1].samples),
                               stats.ratio_of_medians(now[0].samples, now[1].samples),
                               stats.ratio_ci(now[0].samples, now[1].samples)))
    if not rows:
        return []
    largest = max((r.change for r in rows), key=abs)
    agree = sum(abs(r.change) <= AGREEMENT for r in rows)
    inside = sum(r.inside for r in rows)
    out = ["## Run-to-run agreement", "",
           f"Every like-for-like ratio of two languages in a headline cell, in run `{latest}` (latest) "
           f"and run `{previous}` (the one before it on this machine). {agree} of {len(rows)} ratios "
           f"moved by {report.pct(AGREEMENT)} or less (the largest move: {largest:+.1%}); the earlier "
           f"ratio lies inside the latest run's 95% interval for {inside} of {len(rows)}. Two runs that measure "
           f"the same thing with this precision land inside each other's 95% interval about "
           f"{SAME_THING_INSIDE:.0%} of the time; "
           "far fewer says the machine or the code changed between them (docs/methodology.md, section 8).", "",
           "| cell | ratio | before | latest [95% CI] | moved | before inside latest CI |",
           "|---|---|---:|---:|---:|---|"]
    for r in rows:
        out.append(f"| {r.cell} | {r.pair} | {report.ratio_text(r.before)} | {report.ratio_text(r.now)} "
                   f"[{report.ratio_text(r.interval.lo)}, {report.ratio_text(r.interval.hi)}] | {r.change:+.1%} | "
                   f"{'yes' if r.inside else '**no**'} |")
    return out + [""]
