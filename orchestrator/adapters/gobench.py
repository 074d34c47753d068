"""Go benchmark data format (``go test -bench`` text, or a ``go test -json`` stream).

A result line, as golang.org/x/perf's benchfmt reads it::

    BenchmarkParallelShared-2   	    2000	       628.0 ns/op	       0 B/op	       0 allocs/op

is a name starting with ``Benchmark``, the iteration count, then value/unit
pairs. Configuration lines ``key: value`` (``goos``, ``goarch``, ``pkg``,
``cpu``, ``note``, ``commit``, and our own exports' ``lang``) apply to the
results after them.

Reading rules:

- The ``-N`` suffix is GOMAXPROCS (the ``-cpu`` value). It is removed from
  ``BenchmarkId.name`` and becomes ``threads``; no suffix means GOMAXPROCS=1.
  GOMAXPROCS is the worker count only for ``b.RunParallel`` benchmarks, so
  ``mode`` stays ``unknown`` for the normalizer to settle.
- The format requires only the ``Benchmark`` prefix ("typically followed by
  a capital letter"), so ``Benchmarkk8s_total 1 3387 total-bytes`` is a
  result line too. One exception keeps prose apart: a name going on in
  lower case (``Benchmarking the kernel now``) whose second field is not a
  whole number is not a result line and is skipped.
- Samples of one (language, full configuration, name, GOMAXPROCS) form one
  ``Result``, as benchstat keeps them apart: the same name in two packages,
  or under ``note: before`` and ``note: after``, or after a ``cpu:`` or
  ``commit:`` change, stays two results. ``metadata["config"]`` holds the
  configuration; when one name has several, ``metadata["config_differs"]``
  names the keys that tell them apart with this result's values.
- ``ns/op`` is the sample (another time unit per op, ``us/op`` or ``ms/op``,
  when there is no ``ns/op``); every other unit (``B/op``, ``allocs/op``,
  ``MB/s``, custom ``x/op`` from ``b.ReportMetric``) goes to
  ``metadata["metrics"]``, one list entry per sample.
- ``-v`` bare-name lines, ``--- BENCH:`` blocks and their indented log lines,
  ``=== RUN``, ``PASS``/``FAIL``/``ok`` trailers are skipped. ``--- FAIL:
  BenchmarkX`` becomes an issue naming the benchmark, and so does a panic
  (``BenchmarkX-2   panic: …`` or a ``panic:`` line of its own), with the
  panic's first line. A line that starts like a result but does not parse
  (no time per op, an iteration count beyond Go's int) becomes an issue;
  the lines around it are still read.
- A ``go test -json`` stream (first line a JSON object) is read by joining
  the ``Output`` fields of each package in order and reading that text;
  issue line numbers then refer to the JSON line the text came from.
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator import names, units
from orchestrator.adapters import Parsed
from orchestrator.adapters._common import (
    Series,
    SeriesTable,
    brief,
    build_results,
    finish,
    load_json,
    issue,
    resolve_language,
)
from orchestrator.models import Measurement, ParseIssue

HARNESS = "gobench"
DEFAULT_LANGUAGE = "go"
LANGUAGE = "go"
#: Go's int on the 64-bit platforms benchmarks run on: b.N cannot exceed it.
MAX_ITERATIONS = 2**63 - 1
THREADS_SOURCE = "go -N suffix, which is GOMAXPROCS, not whether b.RunParallel ran"
THREADS_SOURCE_ABSENT = "go -N suffix (absent: GOMAXPROCS=1)"

# benchfmt: a key starts with a lower-case letter and holds no space or
# upper-case letter; one or more spaces or tabs follow the colon.
_CONFIG = re.compile(r"^(?P<key>[a-z][^\sA-Z:]*):(?:[ \t]+(?P<value>.*))?$")
_FAIL = re.compile(r"^--- FAIL: (?P<name>\S+)")
_DIGITS = re.compile(r"[0-9]+")
_PANIC = re.compile(r"^panic: (?P<message>.*)$")
_SNIFF_TEXT = re.compile(r"^(?:Benchmark\S*[ \t]+\d+[ \t]+\S+[ \t]+\S|--- FAIL: Benchmark)", re.MULTILINE)
_SNIFF_EVENT = re.compile(r'^\{.*"Action"\s*:', re.MULTILINE)


def sniff(path_or_text: Path | str) -> bool:
    """Whether a text is Go benchmark output: a result or ``--- FAIL: Benchmark`` line,
    or a ``go test -json`` stream."""
    if not isinstance(path_or_text, str):
        return False
    text = path_or_text
    if _is_json_stream(text):
        return _SNIFF_EVENT.search(text) is not None
    return _SNIFF_TEXT.search(text) is not None


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read a ``go test -bench`` text file or a ``go test -json`` stream."""
    path = Path(path)
    text = path.read_bytes().decode("utf-8", errors="replace")
    default_lang = resolve_language(DEFAULT_LANGUAGE, language)
    reader = _Reader(path, default_lang, language_forced=language is not None)
    if _is_json_stream(text):
        for lines in _json_stream_sections(text, path, reader.issues):
            reader.read(lines)
    else:
        reader.read([(line, n) for n, line in enumerate(text.splitlines(), start=1)])
    parsed = Parsed(issues=reader.issues)
    _mark_differing_config(reader.table)
    parsed.results = build_results(reader.table, parsed.issues)
    return finish(parsed, path, HARNESS)


def _mark_differing_config(table: SeriesTable) -> None:
    """For each name read under several configurations, the keys that tell them apart."""
    groups: dict[tuple, list[Series]] = {}
    for series in table:
        ident = series.id
        groups.setdefault((ident["language"], ident["name"], ident["threads"]), []).append(series)
    for members in groups.values():
        if len(members) < 2:
            continue
        configs = [m.metadata["config"] for m in members]
        keys = sorted({k for c in configs for k in c if len({c.get(k) for c in configs}) > 1})
        for m in members:
            m.metadata["config_differs"] = {k: m.metadata["config"].get(k) for k in keys}


def _is_json_stream(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped:
            return stripped.startswith("{")
    return False


def _json_stream_sections(text: str, path: Path, issues: list[ParseIssue]) -> list[list[tuple[str, int]]]:
    """Per package, its output text as (line, JSON line number) pairs, packages in order."""
    pending: dict[str, tuple[str, int]] = {}  # package -> (unfinished text, line it began on)
    sections: dict[str, list[tuple[str, int]]] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        event, error = load_json(raw)
        if error is not None:
            issues.append(issue(path, n, f"not a go test -json event: {error[1]}"))
            continue
        if not isinstance(event, dict):
            issues.append(issue(path, n, "not a go test -json event: expected a JSON object"))
            continue
        package = event.get("Package") or event.get("ImportPath") or ""
        if not isinstance(package, str):
            package = brief(package)
        output = event.get("Output")
        if event.get("Action") not in ("output", "build-output") or not isinstance(output, str):
            continue
        lines = sections.setdefault(package, [])
        buf, start = pending.get(package, ("", n))
        if not buf:
            start = n
        buf += output
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            lines.append((line, start))
            start = n
        pending[package] = (buf, start)
    for package, (buf, start) in pending.items():
        if buf:
            sections[package].append((buf, start))
    return list(sections.values())


class _Reader:
    def __init__(self, path: Path, default_lang: str, *, language_forced: bool) -> None:
        self.path = path
        self.default_lang = default_lang
        self.language_forced = language_forced
        self.table = SeriesTable()
        self.issues: list[ParseIssue] = []

    def read(self, lines: list[tuple[str, int]]) -> None:
        """Read one section of text with its own configuration state."""
        config: dict[str, str] = {}
        lang = self.default_lang
        fail_issue: int | None = None  # index in self.issues of the last --- FAIL, for its log
        started: str | None = None     # the last -v bare-name line: the benchmark now running
        recent_log: list[str] = []     # indented lines since the last unindented one (-v logs)
        in_bench_block = False         # indented lines under --- BENCH: belong to a good result
        for raw, n in lines:
            line = raw.rstrip("\r")
            if not line.strip():
                continue
            if line[0] in " \t":
                log = line.strip()
                if fail_issue is not None:
                    self._append_reason(fail_issue, log)
                elif not in_bench_block:
                    recent_log.append(log)
                continue
            fail_issue = None
            preceding_log, recent_log = recent_log, []
            in_bench_block = line.startswith("--- BENCH:")

            m = _FAIL.match(line)
            if m:
                reason = "; ".join(preceding_log[-3:])
                message = f"benchmark {m.group('name')} failed (--- FAIL)"
                if reason:
                    message += f": {reason}"
                self.issues.append(issue(self.path, n, message))
                fail_issue = len(self.issues) - 1
                continue

            m = _PANIC.match(line)
            if m:
                who = f"benchmark {started}" if started else "a benchmark"
                self.issues.append(issue(self.path, n, f"{who} panicked: {m.group('message').strip()}"))
                started = None
                continue

            if line.startswith("Benchmark"):
                fields = line.split()
                if len(fields) == 1:
                    started = fields[0]  # -v prints the bare name when a benchmark starts
                    continue
                if fields[1] == "panic:":
                    message = line.split("panic:", 1)[1].strip()
                    self.issues.append(issue(self.path, n, f"benchmark {fields[0]} panicked: {message}"))
                    continue
                if line[9:10].islower() and not fields[1].isdigit():
                    continue  # prose such as "Benchmarking the kernel now"
                started = None
                self._result(fields, n, config, lang)
                continue

            m = _CONFIG.match(line)
            if m:
                key, value = m.group("key"), (m.group("value") or "").strip()
                if key == "lang":
                    if not value or len(value.split()) != 1:
                        self.issues.append(issue(
                            self.path, n, f"lang: line names no language: {brief(value)}"))
                        lang = self.default_lang
                    elif not self.language_forced:
                        lang = value
                if value:
                    config[key] = value
                else:
                    config.pop(key, None)
                continue
            # Anything else (PASS, ok, FAIL, exit status, --- BENCH, === RUN, stray
            # program output) is not benchmark data.

    def _append_reason(self, index: int, log: str) -> None:
        current = self.issues[index]
        if current.message.count("; ") >= 3 or len(current.message) > 400:
            return
        sep = ": " if "(--- FAIL):" not in current.message else "; "
        self.issues[index] = current.model_copy(update={"message": f"{current.message}{sep}{log}"})

    def _result(self, fields: list[str], n: int, config: dict[str, str], lang: str) -> None:
        full_name = fields[0]
        if len(fields) < 4 or len(fields) % 2 != 0:
            self.issues.append(issue(
                self.path, n,
                f"malformed benchmark line for {full_name}: expected name, iterations "
                "and value/unit pairs"))
            return
        digits = fields[1]
        if not _DIGITS.fullmatch(digits) or not digits.strip("0"):
            self.issues.append(issue(self.path, n,
                                     f"malformed benchmark line for {full_name}: "
                                     f"iteration count {brief(digits)} is not a positive integer"))
            return
        digits = digits.lstrip("0")
        iterations = int(digits) if len(digits) <= 20 else MAX_ITERATIONS + 1
        if iterations > MAX_ITERATIONS:
            self.issues.append(issue(self.path, n,
                                     f"malformed benchmark line for {full_name}: iteration count "
                                     f"{brief(fields[1], 30)} is larger than Go can count "
                                     f"(at most 2^63-1 = {MAX_ITERATIONS})"))
            return
        ns_value: tuple[float, str] | None = None
        metrics: dict[str, float] = {}
        pairs: list[tuple[float, str]] = []
        for value_text, unit in zip(fields[2::2], fields[3::2]):
            try:
                value = units.parse_number(value_text)
            except ValueError:
                self.issues.append(issue(self.path, n,
                                         f"malformed benchmark line for {full_name}: "
                                         f"{brief(value_text)} {unit} is not a number"))
                return
            pairs.append((value, unit))
        times = [(v, u) for v, u in pairs if _is_time_per_op(u)]
        ns_value = next(((v, u) for v, u in times if u == "ns/op"), times[0] if times else None)
        for value, unit in pairs:
            if (value, unit) != ns_value:
                metrics[unit] = value
        if ns_value is None:
            self.issues.append(issue(self.path, n,
                                     f"benchmark line for {full_name} has no ns/op value (nor another "
                                     f"time per op) and is not read; its units: "
                                     f"{', '.join(u for _, u in pairs)}"))
            return
        value, unit = ns_value
        if value < 0:
            self.issues.append(issue(self.path, n,
                                     f"benchmark line for {full_name}: negative ns/op {value!r}"))
            return
        base, procs = names.split_go_suffix(full_name)
        threads = procs if procs is not None else 1
        if threads < 1:
            self.issues.append(issue(self.path, n,
                                     f"benchmark line for {full_name}: GOMAXPROCS suffix must be >= 1"))
            return
        pkg = config.get("pkg")
        key = (lang, tuple(sorted(config.items())), base, threads)

        def make() -> Series:
            return Series(
                id=dict(
                    language=lang,
                    harness=HARNESS,
                    name=base,
                    canonical=None,
                    threads=threads,
                    threads_source=THREADS_SOURCE if procs is not None else THREADS_SOURCE_ABSENT,
                    mode="unknown",
                ),
                source=str(self.path),
                line=n,
                metadata={"full_name": full_name, "pkg": pkg, "config": dict(config)},
                per_sample_key="metrics",
            )

        series = self.table.get(key, make)
        series.add(units.to_ns(value, unit), Measurement(value=value, unit=unit), iterations, metrics)


def _is_time_per_op(unit: str) -> bool:
    if not unit.endswith("/op"):
        return False
    try:
        units.unit_scale(unit)
    except ValueError:
        return False
    return True
