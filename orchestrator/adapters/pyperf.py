"""pyperf JSON (``-o FILE.json``, optionally gzip-compressed as ``.json.gz``).

Format version 1.0, as pyperf writes it::

    {"version": "1.0", "metadata": {...common to every benchmark...},
     "benchmarks": [{"metadata": {"name": "hash-parallel/threads=2", "loops": 4096, ...},
                     "runs": [{"metadata": {...}, "warmups": [[4096, 5.1e-06]], "values": [5.3e-06, ...]}]}]}

Metadata is layered: file metadata, then benchmark metadata, then run
metadata, the inner one winning (pyperf moves metadata common to every
benchmark up to the file, so a one-benchmark file may keep its ``name``
there).

Reading rules:

- Each value is seconds per op (pyperf divides a timed batch by
  ``loops × inner_loops``); ``original`` keeps it in ``s``. The iteration
  count of each sample is ``loops × inner_loops`` of its run, where known.
- Warm-ups are left out; calibration runs (warm-ups only, no values) are
  skipped. A benchmark that holds warm-ups only (no timed value at all) is
  an issue naming it, never a silent gap.
- The name is metadata ``name``. T comes from metadata ``threads`` when
  present, else from a ``threads=T`` segment of the name, which is removed
  from ``BenchmarkId.name`` either way. ``mode`` comes from metadata
  ``mode`` when it says ``sequential`` or ``parallel``.
- A unit other than ``second`` (metadata ``unit``) is an issue for that
  benchmark; other benchmarks are still read. Positions in issues are JSON
  paths such as ``benchmarks[2].runs[0].values[3]``.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

from orchestrator import names
from orchestrator.adapters import Parsed
from orchestrator.adapters._common import (
    Series,
    SeriesTable,
    benchmarks_json,
    build_results,
    finish,
    issue,
    brief,
    json_object,
    nothing_found,
    jsonable,
    resolve_language,
    to_ns,
)
from orchestrator.models import Measurement, ParseIssue

HARNESS = "pyperf"
DEFAULT_LANGUAGE = "python"
LANGUAGE = "python"
SUPPORTED_VERSIONS = ("1.0",)
_GZIP_MAGIC = b"\x1f\x8b"
# Metadata that describes a single run, not the benchmark.
_RUN_KEYS = ("date", "duration", "uptime", "load_avg_1min", "mem_max_rss", "mem_peak_pagefile_usage",
             "cpu_freq", "cpu_temp", "runnable_threads", "calibrate_loops", "recalibrate_loops",
             "calibrate_warmups", "recalibrate_warmups", "command_max_rss", "tracemalloc_peak")


def sniff(path_or_text: Path | str) -> bool:
    """Whether a text is pyperf JSON: ``version`` and a ``benchmarks`` list of objects with ``runs``."""
    data = json_object(path_or_text) if isinstance(path_or_text, str) else None
    if data is None or "version" not in data or not isinstance(data.get("benchmarks"), list):
        return False
    return all(isinstance(b, dict) and "runs" in b for b in data["benchmarks"])


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read every benchmark of a pyperf JSON (or .json.gz) file."""
    path = Path(path)
    lang = resolve_language(DEFAULT_LANGUAGE, language)
    parsed = Parsed()
    raw = path.read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            parsed.issues.append(nothing_found(path, HARNESS, f"not a readable gzip file: {exc}"))
            return parsed
    data, problem = benchmarks_json(raw, path, HARNESS, "pyperf JSON")
    if problem is not None:
        parsed.issues.append(problem)
        return parsed
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS:
        parsed.issues.append(issue(
            path, None,
            f"pyperf JSON format version {brief(version)} is not supported (reads {', '.join(SUPPORTED_VERSIONS)})"))
        return parsed
    file_md = data.get("metadata") or {}
    if not isinstance(file_md, dict):
        parsed.issues.append(issue(path, None, "metadata: expected a JSON object"))
        file_md = {}

    table = SeriesTable()
    for b, bench in enumerate(data["benchmarks"]):
        _read_benchmark(path, b, bench, file_md, lang, table, parsed.issues)
    parsed.results = build_results(table, parsed.issues)
    return finish(parsed, path, HARNESS)


def _threads_from_metadata(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, str) and value.strip().isdigit():
        t = int(value.strip())
        return t if t >= 1 else None
    return None


def _read_benchmark(path: Path, b: int, bench: Any, file_md: dict, lang: str,
                    table: SeriesTable, issues: list[ParseIssue]) -> None:
    where = f"benchmarks[{b}]"
    if not isinstance(bench, dict):
        issues.append(issue(path, None, f"{where}: expected a JSON object"))
        return
    bench_md = bench.get("metadata") or {}
    if not isinstance(bench_md, dict):
        issues.append(issue(path, None, f"{where}.metadata: expected a JSON object"))
        return
    md = {**file_md, **bench_md}
    full_name = md.get("name")
    if not isinstance(full_name, str) or not full_name.strip() or "\n" in full_name:
        issues.append(issue(path, None, f"{where}: no usable 'name' in its metadata"))
        return
    unit = md.get("unit", "second")
    if unit != "second":
        issues.append(issue(path, None,
                            f"{where} ({full_name}): unit {brief(unit)} is not a time; only 'second' is read"))
        return
    runs = bench.get("runs")
    if not isinstance(runs, list):
        issues.append(issue(path, None, f"{where} ({full_name}): expected a 'runs' list"))
        return

    name, name_threads = names.split_threads_segment(full_name)
    name = name or full_name
    md_threads = _threads_from_metadata(md.get("threads"))
    if md_threads is not None:
        threads, threads_source = md_threads, "pyperf metadata threads"
    elif name_threads is not None:
        threads, threads_source = name_threads, "pyperf name threads=T"
    else:
        threads, threads_source = None, "unknown"
    if md_threads is not None and name_threads is not None and md_threads != name_threads:
        issues.append(issue(path, None,
                            f"{where} ({full_name}): metadata threads={md_threads} disagrees with the "
                            f"name's threads={name_threads}; using the metadata"))
    mode = md.get("mode") if md.get("mode") in ("sequential", "parallel") else "unknown"

    key = (lang, name, threads)

    def make() -> Series:
        return Series(
            id=dict(language=lang, harness=HARNESS, name=name, canonical=None,
                    threads=threads, threads_source=threads_source, mode=mode),
            source=str(path),
            metadata={
                "full_name": full_name,
                "pyperf_metadata": jsonable({k: v for k, v in md.items() if k not in _RUN_KEYS}),
                "warmups_excluded": 0,
                "calibration_runs_skipped": 0,
            },
        )

    series = table.get(key, make)
    values_read = warmups_seen = 0
    for r, run in enumerate(runs):
        rwhere = f"{where}.runs[{r}]"
        if not isinstance(run, dict):
            issues.append(issue(path, None, f"{rwhere} ({full_name}): expected a JSON object"))
            continue
        run_md = run.get("metadata") or {}
        if not isinstance(run_md, dict):
            issues.append(issue(path, None, f"{rwhere}.metadata ({full_name}): expected a JSON object"))
            continue
        merged = {**md, **run_md}
        warmups = run.get("warmups") or []
        values = run.get("values") or []
        if not isinstance(values, list) or not isinstance(warmups, list):
            issues.append(issue(path, None, f"{rwhere} ({full_name}): 'values' and 'warmups' must be lists"))
            continue
        if not values:
            series.metadata["calibration_runs_skipped"] += 1
            warmups_seen += len(warmups)
            continue
        values_read += len(values)
        series.metadata["warmups_excluded"] += len(warmups)
        iterations = _iterations(merged)
        for v, value in enumerate(values):
            ns, problem = to_ns(value, "s")
            if problem is not None:
                issues.append(issue(path, None, f"{rwhere}.values[{v}] ({full_name}): {problem}"))
                continue
            series.add(ns, Measurement(value=float(value), unit="s"), iterations)
    if values_read == 0:
        what = (f"holds only warm-up values ({warmups_seen} in {len(runs)} run(s)), no timed value"
                if warmups_seen else f"holds no timed value ({len(runs)} run(s))")
        issues.append(issue(path, None, f"{where} ({full_name}): {what}; not read"))


def _iterations(md: dict) -> int | None:
    """``loops × inner_loops`` of a run, or None when ``loops`` is not recorded."""
    loops = md.get("loops")
    inner = md.get("inner_loops", 1)
    if isinstance(loops, bool) or isinstance(inner, bool):
        return None
    if not isinstance(loops, int) or not isinstance(inner, int) or loops < 1 or inner < 1:
        return None
    return loops * inner
