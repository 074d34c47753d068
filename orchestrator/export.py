"""The same results in other tools' formats.

- Go benchmark format (``results.txt``), one ``lang:`` config line per
  language block so ``benchstat -col lang results.txt`` compares languages:

      lang: rust
      BenchmarkSequential 	       1	      4121 ns/op

  Names are the canonical ones in Go's spelling with the worker count as the
  ``-T`` suffix (absent at T = 1, as ``go test`` prints it); one line per sample,
  its iteration count where known. The format requires an iteration count on
  every result line; where the harness printed none (libtest), a ``#``
  comment line, which the format says readers ignore, comes first and says
  so, and the count written is a placeholder 1:

      # BenchmarkSequential: iteration count not known (libtest prints none); 1 below is a placeholder
      BenchmarkSequential 	       1	      4121 ns/op
- bencher's Benchmark Metric Format (``bmf.json``): for each
  ``<language>/<canonical>/threads=<T>`` a ``latency`` measure in ns with the
  median and its 95% interval.
"""

from __future__ import annotations

import json

from orchestrator import stats
from orchestrator.models import LANGUAGES, Result, RunRecord


#: The note before results whose iteration count the harness never printed.
UNKNOWN_ITERATIONS = "iteration count not known ({harness} prints none); 1 below is a placeholder"


def go_name(r: Result) -> str:
    base = r.id.canonical or r.id.name
    camel = "".join(part.capitalize() for part in base.replace("_", "-").replace("/", "-").split("-"))
    name = f"Benchmark{camel}"
    t = r.id.threads
    return name if t in (None, 1) else f"{name}-{t}"


def gobench_text(record: RunRecord) -> str:
    lines = []
    env = record.environment
    if env.cpu_model:
        lines.append(f"cpu: {env.cpu_model}")
    lines.append(f"benchnorm-run: {record.run_id}")
    for lang in LANGUAGES:
        rs = [r for r in record.results if r.id.language == lang]
        if not rs:
            continue
        lines.append("")
        lines.append(f"lang: {lang}")
        for r in rs:
            if not r.iterations:
                lines.append(f"# {go_name(r)}: {UNKNOWN_ITERATIONS.format(harness=r.id.harness)}")
            for i, ns in enumerate(r.ns_per_op):
                n = r.iterations[i] if r.iterations else 1
                lines.append(f"{go_name(r)} \t{n:>8d}\t{ns!r} ns/op")
    return "\n".join(lines) + "\n"


def bmf_json(record: RunRecord) -> str:
    out = {}
    for r in record.results:
        key = f"{r.id.language}/{r.id.canonical or r.id.name}/threads={r.id.threads or 'unknown'}"
        ci = stats.median_ci(r.ns_per_op)
        out[key] = {
            "latency": {
                "value": stats.median(r.ns_per_op),
                "lower_value": ci.lo,
                "upper_value": ci.hi,
            }
        }
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


