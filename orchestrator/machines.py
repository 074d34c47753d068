"""Several machines in one report: each machine's own comparison, and a cross-machine table.

Results from different machines are never paired with each other. Each run
keeps its own like-for-like tables and verdicts (``report.build`` on that run
alone); the cross-machine table only sets those per-machine figures side by
side, cell by cell, and marks the pairs whose verdict differs between
machines. Machines are told apart by a fingerprint of their environment
(``Environment.fingerprint``).

A merged report folder holds ``REPORT.md``, ``machines.json`` (the labels
and file names, in order) and one results file per machine under
``machines/``, so ``invoke report --check`` can render it again::

    {"suite": "sha256", "machines": [{"label": "A", "results": "machines/A.json"}, …]}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from orchestrator import report
from orchestrator.models import RunRecord
from orchestrator.rundir import atomic_write

INDEX = "machines.json"


@dataclass
class Machine:
    label: str
    record: RunRecord
    data: report.ReportData

    @property
    def fingerprint(self) -> str:
        return self.record.environment.fingerprint()


@dataclass
class CrossRow:
    """One pair of languages in one cell, on every machine that measured both."""

    cell: str
    a: str
    b: str
    medians: dict[str, tuple[Optional[float], Optional[float]]] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)  # machine label → short verdict
    ratios: dict[str, str] = field(default_factory=dict)

    @property
    def agreement(self) -> str:
        """``same``, ``**differs**``, or why it cannot be told (a machine with too few samples)."""
        short = [label for label, v in self.verdicts.items() if v == TOO_FEW]
        told = {v for v in self.verdicts.values() if v != TOO_FEW}
        if len(told) > 1:
            return "**differs**"
        if short:
            return f"cannot tell: too few samples on {', '.join(short)}"
        return "same"


TOO_FEW = "too few samples"


def short_verdict(ps: report.PairStat) -> str:
    if ps.too_few:
        return TOO_FEW
    if not ps.significant:
        return "no significant difference"
    return f"{ps.a} slower" if ps.ratio > 1 else f"{ps.a} faster"


def build(records: list[RunRecord], labels: Optional[list[str]] = None) -> list[Machine]:
    """Each run's own report data, labelled A, B, … unless labels are given."""
    if not records:
        raise ValueError("no run to merge")
    names = {r.suite.name if r.suite else "derived" for r in records}
    if len(names) != 1:
        raise ValueError(f"runs of different suites cannot share a report: {', '.join(sorted(names))}")
    labels = labels or [chr(ord("A") + i) for i in range(len(records))]
    return [Machine(label, rec, report.build(rec)) for label, rec in zip(labels, records)]


def cross_rows(machines: list[Machine]) -> list[CrossRow]:
    """For every cell and pair of languages measured on at least two machines: each machine's figures."""
    rows: dict[tuple, CrossRow] = {}
    order: list[tuple] = []
    for m in machines:
        for t in m.data.all_tables:
            for ps in t.pairs:
                key = (t.benchmark, tuple(sorted(t.params.items())), t.threads, ps.a, ps.b)
                if key not in rows:
                    rows[key] = CrossRow(t.title, ps.a, ps.b)
                    order.append(key)
                row = rows[key]
                ra, rb = t.row(ps.a), t.row(ps.b)
                row.medians[m.label] = (ra.median if ra else None, rb.median if rb else None)
                row.verdicts[m.label] = short_verdict(ps)
                row.ratios[m.label] = (f"{report.ratio_text(ps.ratio)} [{report.ratio_text(ps.lo)}, "
                                       f"{report.ratio_text(ps.hi)}]")
    suite = machines[0].data.suite
    from orchestrator.normalize import cell_order

    def sort_key(key: tuple) -> tuple:
        bench, params, threads, a, b = key
        return (cell_order(suite, bench, dict(params), "", threads), suite.order(a), suite.order(b))

    return [rows[k] for k in sorted(order, key=sort_key) if len(rows[k].verdicts) >= 2]


def markdown(machines: list[Machine]) -> str:
    from orchestrator import render

    suite = machines[0].data.suite
    sections = []
    for m in machines:
        text = render.markdown(m.data)
        sections.append((m, _demote(text, m.label)))
    return render.render_template(
        "machines.md.j2",
        suite=suite,
        machines=machines,
        rows=cross_rows(machines),
        sections=sections,
        environment_rows=render.environment_rows,
    )


def _demote(text: str, label: str) -> str:
    """A machine's own report as a section: headings one level down, its title named by the machine."""
    out = []
    for line in text.splitlines():
        if line.startswith("# "):
            out.append(f"## Machine {label}: {line[2:]}")
        elif line.startswith("#"):
            out.append("#" + line)
        elif line.startswith("![") and "](charts/" in line:
            out.append(line.replace("](charts/", f"](charts/{label}/"))
        else:
            out.append(line)
    return "\n".join(out)


def publish(records: list[RunRecord], out_dir: Path, charts: bool = True) -> dict[str, Path]:
    """Write the merged REPORT.md, each machine's results and the index, each atomically."""
    from orchestrator import charts as charts_mod

    machines = build(records)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = {"suite": machines[0].data.suite.name, "machines": []}
    for m in machines:
        path = f"machines/{m.label}.json"
        atomic_write(out_dir / path, m.record.to_json())
        index["machines"].append({"label": m.label, "results": path})
        if charts:
            charts_mod.write_charts(m.data, out_dir / "charts" / m.label)
        m.data.charts = charts_mod.links(m.data)
    atomic_write(out_dir / INDEX, json.dumps(index, indent=2, sort_keys=True) + "\n")
    md = out_dir / "REPORT.md"
    atomic_write(md, markdown(machines))
    return {"report": md, "index": out_dir / INDEX}


def load(out_dir: Path) -> list[RunRecord]:
    """The records of a merged report folder, in its order."""
    try:
        index = json.loads((out_dir / INDEX).read_text())
        entries = index["machines"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{out_dir / INDEX}: not a merged report index ({exc})") from None
    records = []
    for e in entries:
        path = out_dir / e["results"]
        try:
            records.append(RunRecord.from_json(path.read_text()))
        except OSError as exc:
            raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
    return records


def check(out_dir: Path) -> list[str]:
    """What differs between the committed merged report and what its records render to."""
    from orchestrator import charts as charts_mod
    from orchestrator import render

    machines = build(load(out_dir))
    for m in machines:
        m.data.charts = charts_mod.links(m.data)
    return render.differences(out_dir / "REPORT.md", markdown(machines))

