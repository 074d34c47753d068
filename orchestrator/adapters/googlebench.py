"""Google Benchmark JSON (``--benchmark_format=json`` or ``--benchmark_out=F --benchmark_out_format=json``).

As Google Benchmark 1.7.1 writes it::

    {"context": {"date": "...", "num_cpus": 2, "mhz_per_cpu": 2445, "cpu_scaling_enabled": false,
                 "caches": [...], "load_avg": [...], "library_build_type": "release"},
     "benchmarks": [
       {"name": "BM_spin/real_time/threads:2", "run_name": "BM_spin/real_time/threads:2",
        "run_type": "iteration", "repetitions": 5, "repetition_index": 0, "threads": 2,
        "iterations": 530044, "real_time": 1.9e+02, "cpu_time": 1.3e+02, "time_unit": "ns"},
       {"name": "BM_spin/real_time/threads:2_mean", "run_type": "aggregate",
        "aggregate_name": "mean", "aggregate_unit": "time", ...}]}

What the numbers mean with ``->Threads(T)`` (GB 1.7; evidence in
tests/fixtures/googlebench/README.md): each of the T workers runs the same
iteration count with its own timers; the runner sums ``iterations`` and the
times of all workers and divides the summed real (and manual) time by T.
So ``iterations`` is the total ops of all workers, ``real_time`` is the
mean of the workers' own wall spans / total ops, and ``cpu_time`` is the
CPU time of all workers / total ops. ``UseRealTime()`` changes neither
figure, only which clock picks the iteration count. ``real_time`` is thus
our ns/op (wall time / total ops) when the workers finish together; when
they finish unevenly (more workers than free cores) it lies below it
(measured down to 0.78× on a busy 2-core machine), so a result with T above
the context's ``num_cpus`` is marked ``oversubscribed`` in metadata.

Reading rules:

- Each ``run_type == "iteration"`` row is one sample of its benchmark
  (``run_name``); repetitions give several samples. The sample is
  ``real_time`` in ``time_unit`` (ns, us, ms, s), converted to ns once;
  ``original`` keeps it as printed, ``iterations`` keeps the row's count.
- ``run_type == "aggregate"`` rows (mean, median, stddev, cv, BigO, RMS,
  any user statistic) go to ``metadata["aggregates"]`` only; a benchmark
  with aggregates but no iteration row (``--benchmark_report_aggregates_only``)
  is an issue: no samples.
- ``error_occurred`` rows become issues naming the benchmark and its
  ``error_message``.
- T is the ``threads`` field (a ``threads:T`` name part must agree). The
  name parts ``threads:T``, ``real_time``, ``manual_time``,
  ``process_time``, ``iterations:N``, ``repeats:N``, ``min_time:X`` and
  ``min_warmup_time:X`` are run options, not the benchmark's name: they are
  removed from ``BenchmarkId.name`` and kept in ``metadata["run_options"]``.
  T > 1 is ``mode`` ``parallel``; T = 1 stays ``unknown`` (the body may start
  workers of its own).
- Not converted, with an issue: T > 1 with ``manual_time`` (what each
  worker's ``SetIterationTime`` measured is the benchmark's own business),
  and T > 1 from a library naming itself 1.9 or later in
  ``context.library_version`` (that release stopped dividing real time by T;
  its figure has not been checked here).
- ``cpu_time``, ``repetition_index``, ``bytes_per_second``,
  ``items_per_second``, user counters and ``label`` go to
  ``metadata["per_sample"]``; the context to ``metadata["context"]``.
- Issue lines point at the row (or the offending field) in the file.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from orchestrator.adapters import Parsed
from orchestrator.adapters._common import (
    Series,
    SeriesTable,
    brief,
    benchmarks_json,
    build_results,
    finish,
    issue,
    jsonable,
    load_json,
    nothing_found,
    resolve_language,
    to_ns,
)
from orchestrator.models import Measurement, ParseIssue

HARNESS = "googlebench"
LANGUAGE = "c"
DEFAULT_LANGUAGE = LANGUAGE
THREADS_SOURCE = "google benchmark threads field (its worker count; the body may start its own)"
TIME_UNITS = ("ns", "us", "ms", "s")
#: The first release whose real_time is no longer divided by the worker count.
UNDIVIDED_REAL_TIME_FROM = (1, 9)

CONTEXT_KEYS = ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
                "caches", "load_avg", "library_build_type", "library_version", "json_schema_version")
# Row fields that are not per-sample counters.
_ROW_KEYS = {"name", "family_index", "per_family_instance_index", "run_name", "run_type", "repetitions",
             "repetition_index", "threads", "aggregate_name", "aggregate_unit", "iterations", "real_time",
             "cpu_time", "time_unit", "error_occurred", "error_message", "skipped", "label"}
# Name parts Google Benchmark adds for run options: (pattern, whether it carries a value).
_OPTION_PART = re.compile(
    r"^(?:(?P<flag>real_time|manual_time|process_time)"
    r"|(?P<key>threads|iterations|repeats|min_time|min_warmup_time):(?P<value>[^/]+))$")
_VERSION = re.compile(r"^v?(\d+)\.(\d+)")


def sniff(text: str | bytes) -> bool:
    """Whether ``text`` is Google Benchmark JSON: a context object and a benchmarks list."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str) or not text.lstrip().startswith("{") or '"benchmarks"' not in text:
        return False
    data, error = load_json(text)
    if error is not None or not isinstance(data, dict):
        return False
    context = data.get("context")
    return (isinstance(context, dict) and isinstance(data.get("benchmarks"), list)
            and any(k in context for k in ("library_build_type", "num_cpus", "mhz_per_cpu", "caches")))


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read every benchmark row of a Google Benchmark JSON file."""
    path = Path(path)
    lang = resolve_language(DEFAULT_LANGUAGE, language)
    parsed = Parsed()
    raw = path.read_bytes()
    if not raw.strip():
        parsed.issues.append(nothing_found(path, HARNESS, "empty file"))
        return parsed
    data, problem = benchmarks_json(raw, path, HARNESS, "Google Benchmark JSON")
    if problem is not None:
        parsed.issues.append(problem)
        return parsed
    text = raw.decode("utf-8", errors="replace")
    reader = _Reader(path, lang, _context(data.get("context"), path, parsed.issues), _row_lines(text))
    if not data["benchmarks"]:
        parsed.issues.append(issue(path, None, "the 'benchmarks' list is empty: nothing was run"))
    for index, row in enumerate(data["benchmarks"]):
        reader.row(index, row)
    reader.finish()
    parsed.issues.extend(reader.issues)
    parsed.results = build_results(reader.table, parsed.issues)
    return finish(parsed, path, HARNESS)


def _context(value: Any, path: Path, issues: list[ParseIssue]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        issues.append(issue(path, None, f"'context' is {brief(value)}, not a JSON object; ignored"))
        return {}
    return jsonable({k: value[k] for k in CONTEXT_KEYS if k in value})


def _library_version(context: dict[str, Any]) -> tuple[int, int] | None:
    m = _VERSION.match(str(context.get("library_version") or ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


def split_name(name: str) -> tuple[str, dict[str, Any]]:
    """``BM_x/64/real_time/threads:2`` → (``BM_x/64``, {"real_time": True, "threads": "2"})."""
    kept, options = [], {}
    for part in name.split("/"):
        m = _OPTION_PART.match(part)
        if m and kept:  # the first part is always the function name
            if m.group("flag"):
                options[m.group("flag")] = True
            else:
                options[m.group("key")] = m.group("value")
        else:
            kept.append(part)
    return "/".join(kept), options


class _Reader:
    def __init__(self, path: Path, lang: str, context: dict[str, Any], lines: list[dict[str, int]]):
        self.path = path
        self.lang = lang
        self.context = context
        self.lines = lines
        self.version = _library_version(context)
        self.table = SeriesTable()
        self.issues: list[ParseIssue] = []
        self.run_names: dict[tuple, list[str]] = {}
        self.errors: set[str] = set()
        self.iteration_rows: set[str] = set()  # run names with at least one iteration row, usable or not

    def at(self, index: int, key: str | None = None) -> int | None:
        found = self.lines[index] if index < len(self.lines) else {}
        return found.get(key) if key in found else found.get("")

    def problem(self, index: int, key: str | None, message: str) -> None:
        self.issues.append(issue(self.path, self.at(index, key), message))

    def row(self, index: int, row: Any) -> None:
        where = f"benchmarks[{index}]"
        if not isinstance(row, dict):
            self.problem(index, None, f"{where}: expected a JSON object, got {brief(row)}")
            return
        name = row.get("name")
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            self.problem(index, "name", f"{where}: no usable 'name' string")
            return
        run_type = row.get("run_type", "aggregate" if "aggregate_name" in row else "iteration")
        run_name = row.get("run_name")
        if not isinstance(run_name, str) or not run_name.strip() or "\n" in run_name:
            suffix = f"_{row.get('aggregate_name')}"
            run_name = name[: -len(suffix)] if run_type == "aggregate" and name.endswith(suffix) else name
        if row.get("error_occurred"):
            message = row.get("error_message")
            text = brief(message) if message is not None else "no error_message"
            self.problem(index, "error_occurred", f"{run_name}: the benchmark reported an error: {text}")
            self.errors.add(run_name)
            return
        if run_type not in ("iteration", "aggregate"):
            self.problem(index, "run_type", f"{name}: unknown run_type {brief(run_type)}; row skipped")
            return
        series = self.series(index, row, run_name)
        if series is None:
            return
        if run_type == "aggregate":
            self.aggregate(row, name, series)
        else:
            self.iteration_rows.add(run_name)
            self.sample(index, row, name, series)

    def series(self, index: int, row: dict, run_name: str) -> Series | None:
        base, options = split_name(run_name)
        threads = row.get("threads")
        name_threads = options.get("threads")
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            if "threads" in row:
                self.problem(index, "threads", f"{run_name}: threads {brief(threads)} is not a positive integer")
                return None
            if name_threads is None or not str(name_threads).isdigit() or int(name_threads) < 1:
                self.problem(index, None, f"{run_name}: no 'threads' field and no threads:T in the name")
                return None
            threads = int(name_threads)
        elif name_threads is not None and name_threads != str(threads):
            self.problem(index, "threads", f"{run_name}: threads field {threads} disagrees with the name's "
                                           f"threads:{name_threads}; using the field")
        key = (self.lang, run_name)
        seen = self.run_names.setdefault((self.lang, base, threads), [])
        if run_name not in seen:
            if seen:
                self.problem(index, "name", f"{run_name}: same benchmark name and threads as {seen[0]!r}; "
                                            "kept as a separate result (see metadata run_name)")
            seen.append(run_name)

        def make() -> Series:
            metadata: dict[str, Any] = {
                "run_name": run_name,
                "run_options": jsonable(options),
                "time_source": "manual_time" if options.get("manual_time") else "real_time",
                "context": self.context,
            }
            cpus = self.context.get("num_cpus")
            if threads > 1 and isinstance(cpus, int) and not isinstance(cpus, bool):
                metadata["oversubscribed"] = threads > cpus
            return Series(
                id=dict(language=self.lang, harness=HARNESS, name=base or run_name, canonical=None,
                        threads=threads, threads_source=THREADS_SOURCE,
                        mode="parallel" if threads > 1 else "unknown"),
                source=str(self.path),
                line=self.at(index),
                metadata=metadata,
                per_sample_key="per_sample",
            )

        return self.table.get(key, make)

    def aggregate(self, row: dict, name: str, series: Series) -> None:
        label = row.get("aggregate_name")
        label = label if isinstance(label, str) and label else name
        unit = row.get("time_unit")
        kind = row.get("aggregate_unit", "time")
        entry: dict[str, Any] = {"aggregate_unit": kind, "time_unit": unit}
        for key, value in row.items():
            if key in ("real_time", "cpu_time") and kind == "time" and unit in TIME_UNITS:
                ns, problem = to_ns(value, unit)
                entry[f"{key}_ns"] = ns if problem is None else jsonable(value)
            elif key not in ("name", "run_name", "run_type", "family_index", "per_family_instance_index",
                             "aggregate_name", "aggregate_unit", "time_unit", "threads"):
                entry[key] = jsonable(value)
        series.metadata.setdefault("aggregates", {})[label] = entry

    def sample(self, index: int, row: dict, name: str, series: Series) -> None:
        unit = row.get("time_unit", "ns")
        if unit not in TIME_UNITS:
            self.problem(index, "time_unit", f"{name}: unknown time_unit {brief(unit)} "
                                             f"(known: {', '.join(TIME_UNITS)}); row skipped")
            return
        if "real_time" not in row:
            self.problem(index, None, f"{name}: no 'real_time'; row skipped")
            return
        value = row["real_time"]
        ns, problem = to_ns(value, unit)
        if problem is not None:
            self.problem(index, "real_time", f"{name}: real_time: {problem}")
            return
        iterations = row.get("iterations")
        if (isinstance(iterations, bool) or not isinstance(iterations, (int, float))
                or not _whole_positive(iterations)):
            self.problem(index, "iterations", f"{name}: iterations {brief(iterations)} is not a positive integer")
            return
        threads = series.id["threads"]
        if threads > 1 and series.metadata["time_source"] == "manual_time":
            self.problem(index, "name", f"{name}: manual time with {threads} threads is not converted: "
                                        "each worker's SetIterationTime is the benchmark's own measure, "
                                        "not wall time over all ops")
            return
        if threads > 1 and self.version is not None and self.version >= UNDIVIDED_REAL_TIME_FROM:
            self.problem(index, "real_time", f"{name}: not converted: Google Benchmark "
                                             f"{self.context.get('library_version')} no longer divides real "
                                             "time by the thread count, and that figure is unchecked here")
            return
        extras: dict[str, Any] = {"repetition_index": jsonable(row.get("repetition_index"))}
        cpu_ns, cpu_problem = to_ns(row.get("cpu_time"), unit)
        extras["cpu_time_ns"] = cpu_ns if cpu_problem is None else None
        counters = {k: jsonable(v) for k, v in row.items() if k not in _ROW_KEYS}
        if counters:
            extras["counters"] = counters
        if "label" in row:
            extras["label"] = jsonable(row["label"])
        series.add(ns, Measurement(value=float(value), unit=unit), int(iterations), extras)

    def finish(self) -> None:
        for s in self.table:
            run_name = s.metadata["run_name"]
            if "aggregates" in s.metadata and run_name not in self.iteration_rows | self.errors:
                names = ", ".join(s.metadata["aggregates"])
                self.issues.append(issue(
                    self.path, s.line,
                    f"{run_name}: only aggregate rows ({names}), no per-repetition samples; "
                    "run without --benchmark_report_aggregates_only"))


def _whole_positive(value: int | float) -> bool:
    try:
        return value >= 1 and value == int(value)
    except (OverflowError, ValueError):
        return False


def _row_lines(text: str) -> list[dict[str, int]]:
    """Line numbers of each ``benchmarks`` row: {"": the row's "{", key: that key}.

    Follows the layout of a file that already parsed as JSON; anything it
    cannot follow gives no line numbers rather than an error.
    """
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    rows: list[dict[str, int]] = []
    try:
        i = ws.match(text).end()
        if text[i] != "{":
            return []
        i = ws.match(text, i + 1).end()
        while text[i] != "}":
            key, i = scanstring(text, i + 1)
            i = ws.match(text, i).end() + 1  # past ':'
            i = ws.match(text, i).end()
            if key == "benchmarks" and text[i] == "[":
                rows = []
                i = ws.match(text, i + 1).end()
                while text[i] != "]":
                    row = {"": line(i)}
                    if text[i] == "{":
                        i = ws.match(text, i + 1).end()
                        while text[i] != "}":
                            field, j = scanstring(text, i + 1)
                            row.setdefault(field, line(i))
                            j = ws.match(text, j).end() + 1
                            _, i = decoder.raw_decode(text, ws.match(text, j).end())
                            i = ws.match(text, i).end()
                            if text[i] == ",":
                                i = ws.match(text, i + 1).end()
                        i += 1
                    else:
                        _, i = decoder.raw_decode(text, i)
                    rows.append(row)
                    i = ws.match(text, i).end()
                    if text[i] == ",":
                        i = ws.match(text, i + 1).end()
                i += 1
            else:
                _, i = decoder.raw_decode(text, i)
            i = ws.match(text, i).end()
            if text[i] == ",":
                i = ws.match(text, i + 1).end()
    except (ValueError, IndexError, RecursionError):
        return rows
    return rows
