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
  ``<language>/<benchmark>[/<param>=<value>…]/threads=<T>`` a ``latency`` measure in ns with the
  median and its 95% interval.
"""

from __future__ import annotations

import json

from orchestrator import stats
from orchestrator.models import Result, RunRecord


#: The note before results whose iteration count the harness never printed.
UNKNOWN_ITERATIONS = "iteration count not known ({harness} prints none); 1 below is a placeholder"


def go_name(r: Result) -> str:
    base = r.id.canonical or r.id.name
    camel = "".join(part.capitalize() for part in base.replace("_", "-").replace("/", "-").split("-"))
    name = f"Benchmark{camel}" + "".join(f"/{k}={v}" for k, v in sorted(r.id.params.items()))
    t = r.id.threads
    return name if t in (None, 1) else f"{name}-{t}"


def gobench_text(record: RunRecord) -> str:
    lines = []
    env = record.environment
    if env.cpu_model:
        lines.append(f"cpu: {env.cpu_model}")
    lines.append(f"benchnorm-run: {record.run_id}")
    order = record.suite.language_names() if record.suite else []
    present = {r.id.language for r in record.results}
    for lang in [x for x in order if x in present] + sorted(present - set(order)):
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
        params = "".join(f"/{k}={v}" for k, v in sorted(r.id.params.items()))
        key = f"{r.id.language}/{r.id.canonical or r.id.name}{params}/threads={r.id.threads or 'unknown'}"
        ci = stats.median_ci(r.ns_per_op)
        out[key] = {
            "latency": {
                "value": stats.median(r.ns_per_op),
                "lower_value": ci.lo,
                "upper_value": ci.hi,
            }
        }
    return json.dumps(out, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


