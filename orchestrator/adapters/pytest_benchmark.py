"""pytest-benchmark JSON (``--benchmark-json=FILE``, or a file ``--benchmark-save`` stored).

One entry per benchmarked test::

    {"benchmarks": [{"group": "sha1", "name": "test_sha1_sizes[16]",
                     "fullname": "test_tiny.py::test_sha1_sizes[16]", "params": {"size": 16},
                     "stats": {"min": 2.4e-07, ..., "iterations": 1, "data": [4.3e-07, ...]}}],
     "machine_info": {...}, "commit_info": {...}, "datetime": "...", "version": "5.3.1"}

Reading rules:

- Raw samples are ``stats.data``: seconds per call, one per round, each
  round being ``stats.iterations`` calls. ``--benchmark-json`` always writes
  them; files stored by ``--benchmark-save``/``--benchmark-autosave`` hold
  them only with ``--benchmark-save-data``. Without them the benchmark is an
  issue: the summaries (min, mean, median …) are never turned into samples.
- ``BenchmarkId.name`` is ``fullname`` (``file.py::test[param]``): ``name``
  alone repeats across test files.
- T comes from a ``threads`` parameter (``params["threads"]``) when there is
  one; otherwise it is unknown.
- ``group``, ``params``, ``param``, ``extra_info``, ``options`` and the
  harness's own summary statistics go to metadata.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from orchestrator.adapters import Parsed
from orchestrator.adapters._common import (
    Series,
    SeriesTable,
    build_results,
    finish,
    issue,
    json_object,
    load_json,
    nothing_found,
    jsonable,
    resolve_language,
    to_ns,
)
from orchestrator.models import Measurement, ParseIssue

HARNESS = "pytest-benchmark"
DEFAULT_LANGUAGE = "python"
LANGUAGE = "python"
MISSING_DATA_HELP = (
    "raw samples (stats.data) are missing: the summaries are not samples. "
    "Write the file with --benchmark-json=FILE, or add --benchmark-save-data "
    "to --benchmark-save/--benchmark-autosave"
)
_PARAM_ID = re.compile(r"\[.*\]$")



def sniff(path_or_text: Path | str) -> bool:
    """Whether a text is pytest-benchmark JSON: a ``benchmarks`` list beside ``machine_info``,
    ``commit_info`` or entries with ``stats``."""
    data = json_object(path_or_text) if isinstance(path_or_text, str) else None
    if data is None or not isinstance(data.get("benchmarks"), list):
        return False
    if "machine_info" in data or "commit_info" in data:
        return True
    benches = data["benchmarks"]
    return bool(benches) and all(isinstance(b, dict) and "stats" in b for b in benches)


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read every benchmark of a pytest-benchmark JSON file."""
    path = Path(path)
    lang = resolve_language(DEFAULT_LANGUAGE, language)
    parsed = Parsed()
    data, error = load_json(path.read_bytes())
    if error is not None:
        line, message = error
        parsed.issues.append(nothing_found(path, HARNESS, message, line))
        return parsed
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        parsed.issues.append(nothing_found(path, HARNESS,
                                           "not pytest-benchmark JSON: expected an object with a 'benchmarks' list"))
        return parsed
    table = SeriesTable()
    for b, bench in enumerate(data["benchmarks"]):
        _read_benchmark(path, b, bench, data.get("version"), lang, table, parsed.issues)
    parsed.results = build_results(table, parsed.issues)
    return finish(parsed, path, HARNESS)


def _threads(params: Any) -> int | None:
    if not isinstance(params, dict):
        return None
    t = params.get("threads")
    if isinstance(t, int) and not isinstance(t, bool) and t >= 1:
        return t
    return None


def _read_benchmark(path: Path, b: int, bench: Any, version: Any, lang: str,
                    table: SeriesTable, issues: list[ParseIssue]) -> None:
    where = f"benchmarks[{b}]"
    if not isinstance(bench, dict):
        issues.append(issue(path, None, f"{where}: expected a JSON object"))
        return
    fullname = bench.get("fullname")
    if not isinstance(fullname, str) or not fullname.strip() or "\n" in fullname:
        fullname = bench.get("name")
    if not isinstance(fullname, str) or not fullname.strip() or "\n" in fullname:
        issues.append(issue(path, None, f"{where}: no usable 'fullname' or 'name'"))
        return
    stats = bench.get("stats")
    if not isinstance(stats, dict):
        issues.append(issue(path, None, f"{where} ({fullname}): no 'stats' object"))
        return
    samples = stats.get("data")
    if samples is None:
        issues.append(issue(path, None, f"{where} ({fullname}): {MISSING_DATA_HELP}"))
        return
    if not isinstance(samples, list) or not samples:
        issues.append(issue(path, None, f"{where} ({fullname}): stats.data must be a non-empty list"))
        return
    iterations = stats.get("iterations")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        iterations = None

    threads = _threads(bench.get("params"))
    summary = {k: v for k, v in stats.items() if k != "data"}
    metadata: dict[str, Any] = {"full_name": fullname}
    for key in ("name", "group", "params", "param", "extra_info", "options"):
        if key in bench:
            metadata[key] = jsonable(bench[key])
    metadata["harness_stats_s"] = jsonable(summary)
    if version is not None:
        metadata["pytest_benchmark_version"] = jsonable(version)

    def make() -> Series:
        return Series(
            id=dict(language=lang, harness=HARNESS, name=fullname, canonical=None,
                    threads=threads,
                    threads_source="pytest-benchmark params threads" if threads is not None else "unknown",
                    mode="unknown"),
            source=str(path),
            metadata=metadata,
        )

    series = table.get((lang, fullname, threads), make)
    for i, value in enumerate(samples):
        ns, problem = to_ns(value, "s")
        if problem is not None:
            issues.append(issue(path, None, f"{where}.stats.data[{i}] ({fullname}): {problem}"))
            continue
        series.add(ns, Measurement(value=float(value), unit="s"), iterations)
