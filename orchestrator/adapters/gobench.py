"""Go benchmark data format (``go test -bench`` text, or a ``go test -json`` stream).

A result line, as golang.org/x/perf's benchfmt reads it::

    BenchmarkParallelShared-2   	    2000	       628.0 ns/op	       0 B/op	       0 allocs/op

is a name starting with ``Benchmark``, the iteration count, then value/unit
pairs. Configuration lines ``key: value`` (``goos``, ``goarch``, ``pkg``,
``cpu``, and our own exports' ``lang``) apply to the results after them.

Reading rules:

- The ``-N`` suffix is GOMAXPROCS (the ``-cpu`` value). It is removed from
  ``BenchmarkId.name`` and becomes ``threads``; no suffix means GOMAXPROCS=1.
  GOMAXPROCS is the worker count only for ``b.RunParallel`` benchmarks, so
  ``mode`` stays ``unknown`` for the normalizer to settle.
- Samples of one (language, ``pkg``, name, GOMAXPROCS) form one ``Result``:
  the same name in two packages stays two results.
- ``ns/op`` is the sample; every other unit (``B/op``, ``allocs/op``,
  ``MB/s``, custom ``x/op`` from ``b.ReportMetric``) goes to
  ``metadata["metrics"]``, one list entry per sample.
- ``-v`` bare-name lines, ``--- BENCH:`` blocks and their indented log lines,
  ``=== RUN``, ``PASS``/``FAIL``/``ok`` trailers are skipped. ``--- FAIL:
  BenchmarkX`` becomes an issue naming the benchmark. A line that starts
  like a result but does not parse becomes an issue; the lines around it
  are still read.
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
    load_json,
    issue,
    resolve_language,
)
from orchestrator.models import Measurement, ParseIssue

HARNESS = "gobench"
DEFAULT_LANGUAGE = "go"
THREADS_SOURCE = "go -N suffix, which is GOMAXPROCS, not whether b.RunParallel ran"
THREADS_SOURCE_ABSENT = "go -N suffix (absent: GOMAXPROCS=1)"

# benchfmt: a key starts with a lower-case letter and holds no space or
# upper-case letter; one or more spaces or tabs follow the colon.
_CONFIG = re.compile(r"^(?P<key>[a-z][^\sA-Z:]*):(?:[ \t]+(?P<value>.*))?$")
_FAIL = re.compile(r"^--- FAIL: (?P<name>\S+)")


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
    parsed.results = build_results(reader.table, parsed.issues)
    return parsed


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

            if line.startswith("Benchmark") and not line[9:10].islower():
                fields = line.split()
                if len(fields) == 1:
                    continue  # -v prints the bare name when a benchmark starts
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
        try:
            iterations = int(fields[1])
            if iterations < 1:
                raise ValueError
        except ValueError:
            self.issues.append(issue(self.path, n,
                                     f"malformed benchmark line for {full_name}: "
                                     f"iteration count {brief(fields[1])} is not a positive integer"))
            return
        ns_value: tuple[float, str] | None = None
        metrics: dict[str, float] = {}
        for value_text, unit in zip(fields[2::2], fields[3::2]):
            try:
                value = units.parse_number(value_text)
            except ValueError:
                self.issues.append(issue(self.path, n,
                                         f"malformed benchmark line for {full_name}: "
                                         f"{brief(value_text)} {unit} is not a number"))
                return
            if unit == "ns/op":
                ns_value = (value, unit)
            else:
                metrics[unit] = value
        if ns_value is None:
            self.issues.append(issue(self.path, n,
                                     f"benchmark line for {full_name} has no ns/op value"))
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
        key = (lang, pkg, base, threads)

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
