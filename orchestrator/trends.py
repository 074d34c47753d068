"""Trend charts from the history: one chart per headline cell, beside the report.

The report itself renders from ``results.json`` alone (``invoke report
--check`` depends on it); what the history adds lives beside it in
``TRENDS.md`` and ``charts/trend-*.svg``: for every headline cell of the
record, each language's median (with its 95% interval) run by run, over the
runs of the same suite on the same machine fingerprint, oldest first.
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator import charts, history, report
from orchestrator.models import RunRecord
from orchestrator.rundir import atomic_write

TRENDS = "TRENDS.md"


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
    drawn = 0
    for t in data.headline:
        series = {}
        for r in t.rows:
            points = [p for p in history.trend(db_path, suite, t.benchmark, t.params, t.threads, r.language)
                      if p.run.fingerprint == mine]
            if len(points) >= 2:
                series[r.language] = points
        if not series:
            continue
        name = _file(t.title)
        atomic_write(out_dir / "charts" / name, _svg(t.title, series))
        runs = max(len(p) for p in series.values())
        lines += [f"## {t.title}", "", f"![{t.title}, run by run](charts/{name})", "",
                  f"{runs} runs; latest medians: " + "; ".join(
                      f"{lang} {report.sig(points[-1].median)} ns/op" for lang, points in series.items()) + ".", ""]
        drawn += 1
    if not drawn:
        lines.append("No headline cell has two runs on this machine yet.")
    path = out_dir / TRENDS
    atomic_write(path, "\n".join(lines).rstrip() + "\n")
    return path
