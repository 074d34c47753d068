"""SVG charts for the report: ops/s against T per language, one chart per parallel benchmark.

The SVG text is made reproducible (no date, fixed element ids) so that
re-rendering the same results leaves the committed charts unchanged.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from orchestrator import report  # noqa: E402
from orchestrator.rundir import atomic_write  # noqa: E402

MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")


def scaling_svg(bench: str, tables: list[report.Table], order: list[str]) -> str:
    """ops/s (median, with the median's 95% interval) against T, one line per language."""
    with reproducible():
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
        seen = {r.language for t in tables for r in t.rows}
        languages = [lang for lang in order if lang in seen] + sorted(seen - set(order))
        for lang in languages:
            pts = [(t.threads, t.row(lang)) for t in tables if t.row(lang) is not None]
            xs = [p[0] for p in pts]
            ys = [p[1].ops_per_s for p in pts]
            lo = [y - 1e9 / p[1].ci_hi for y, p in zip(ys, pts)]
            hi = [1e9 / p[1].ci_lo - y if p[1].ci_lo > 0 else 0 for y, p in zip(ys, pts)]
            ax.errorbar(xs, ys, yerr=[lo, hi], marker=MARKERS[(order.index(lang) if lang in order else len(order)) % len(MARKERS)], capsize=3, label=lang)
        ax.set_xscale("log", base=2)
        ticks = sorted({t.threads for t in tables})
        ax.set_xticks(ticks, [str(x) for x in ticks])
        ax.set_xlabel("workers T")
        ax.set_ylabel("ops/s (median, 95% CI)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"{bench}: machine throughput against T")
        return svg_text(fig)


def svg_text(fig) -> str:
    """A finished figure as reproducible SVG text (no date, fixed ids: call inside ``reproducible()``), closed."""
    ax = fig.axes[0]
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "benchnorm"})
    plt.close(fig)
    return buf.getvalue()


def reproducible():
    """The matplotlib settings under which the same data gives the same SVG bytes."""
    return plt.rc_context({"svg.hashsalt": "benchnorm", "svg.fonttype": "none"})


def chart_file(subject: str) -> str:
    """``hash (size=64)`` → ``hash-size=64.svg``."""
    return re.sub(r"[^A-Za-z0-9=._-]+", "-", subject).strip("-") + ".svg"


def links(data: report.ReportData, link_prefix: str = "charts") -> dict[str, str]:
    """Parallel subject → the chart's link relative to the report."""
    return {subject: f"{link_prefix}/{chart_file(subject)}" for subject in data.parallel}


def write_charts(data: report.ReportData, out_dir: Path, link_prefix: str = "charts") -> dict[str, str]:
    """Write one SVG per parallel benchmark (and parameter set); return subject → link."""
    order = data.suite.language_names()
    for subject, tables in data.parallel.items():
        atomic_write(out_dir / chart_file(subject), scaling_svg(subject, tables, order))
    return links(data, link_prefix)
