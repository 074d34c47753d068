"""Building blocks every adapter shares: language choice, sample checks, grouping.

An adapter reads its format and hands each sample to a ``Series`` keyed by
what identifies one benchmark of one language at one worker count; at the
end ``build_results`` turns the series into ``Result`` models. Anything a
model refuses becomes a ``ParseIssue`` instead of an exception, so an
adapter never raises on bad input.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import ValidationError

from orchestrator import units
from orchestrator.models import (
    BenchmarkId,
    Measurement,
    ParseIssue,
    Result,
    describe_validation_error,
)


def resolve_language(default: str, override: str | None) -> str:
    """The language results get: ``override`` when given, else the format's default.

    Languages are a suite's data, so any one-word name is accepted; an empty
    or multi-word ``override`` is a caller's mistake and raises ``ValueError``.
    """
    lang = override if override is not None else default
    if not lang or len(lang.split()) != 1:
        raise ValueError(f"not a language name: {lang!r} (one word, e.g. go or python→rust)")
    return lang


def issue(source: Path | str, line: int | None, message: str) -> ParseIssue:
    """A ``ParseIssue``; a line number below 1 (none known) is dropped."""
    return ParseIssue(source=str(source), line=line if line and line >= 1 else None, message=message)


def nothing_found(source: Path | str, fmt: str, reason: str | None = None,
                  line: int | None = None) -> ParseIssue:
    """The one issue of an input in which no benchmark result was read.

    ``reason`` says why, when the adapter knows (not JSON, not this
    harness's shape); it follows the fixed opening so that every format
    words the case the same way.
    """
    message = f"no benchmark results found in {source} (read as {fmt})"
    if reason:
        message += f": {reason}"
    return issue(source, line, message)


def benchmarks_json(raw: bytes | str, source: Path | str, fmt: str, what: str) -> tuple[Any, ParseIssue | None]:
    """(data, None) for a JSON object holding a ``benchmarks`` list, else (None, the nothing-found issue).

    pyperf and Google Benchmark both write such an object; ``what`` names the
    format in the message (``pyperf JSON``).
    """
    data, error = load_json(raw)
    if error is not None:
        line, message = error
        return None, nothing_found(source, fmt, message, line)
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        return None, nothing_found(source, fmt, f"not {what}: expected an object with a 'benchmarks' list")
    return data, None


def finish(parsed: Any, source: Path | str, fmt: str) -> Any:
    """``parsed``, with the nothing-found issue added when it holds neither results nor issues.

    Nothing read is not a clean read: an empty file, binary data or another
    harness's output must not pass silently. When issues already say what
    was refused (a benchmark without raw samples, say), they stand alone.
    """
    if not parsed.results and not parsed.issues:
        parsed.issues.append(nothing_found(source, fmt))
    return parsed


_JSON_CACHE: dict[str, Any] = {}


def json_object(text: str) -> dict | None:
    """``text`` parsed as a JSON object, or None; the last answer is kept for the next sniffer."""
    if not text.lstrip().startswith("{"):
        return None
    if text not in _JSON_CACHE:
        _JSON_CACHE.clear()
        value, error = load_json(text)
        _JSON_CACHE[text] = value if error is None and isinstance(value, dict) else None
    return _JSON_CACHE[text]


def brief(value: Any, limit: int = 60) -> str:
    """A short, always-safe rendering of a value read from input, for messages."""
    if isinstance(value, (dict, list, tuple)):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return "a very large integer"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sample_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a time sample, or None when it can."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"not a number: {brief(value)}"
    try:
        as_float = float(value)
    except OverflowError:
        return f"number too large: {brief(value)}"
    if math.isnan(as_float) or math.isinf(as_float):
        return f"not a finite number: {brief(value)}"
    if as_float < 0:
        return f"negative time: {brief(value)}"
    return None


def to_ns(value: Any, unit: str) -> tuple[float | None, str | None]:
    """(ns, None) for a usable sample in ``unit``, or (None, why not)."""
    problem = sample_problem(value)
    if problem is not None:
        return None, problem
    try:
        ns = units.to_ns(float(value), unit)
    except ValueError as exc:
        return None, str(exc)
    if not math.isfinite(ns):
        return None, f"{brief(value)} {unit} overflows when converted to ns"
    return ns, None


def load_json(data: bytes | str) -> tuple[Any, tuple[int | None, str] | None]:
    """(value, None) for valid JSON, else (None, (line, message)); never raises."""
    try:
        return json.loads(data), None
    except json.JSONDecodeError as exc:
        return None, (exc.lineno, f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
    except UnicodeDecodeError as exc:
        return None, (None, f"not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})")
    except (ValueError, RecursionError) as exc:
        return None, (None, f"not valid JSON: {type(exc).__name__}: {exc}"[:200])


#: Metadata nested deeper than this is summarised, so that nothing later
#: (validation, JSON output) recurses without bound on hostile input.
MAX_METADATA_DEPTH = 16


def jsonable(value: Any, _depth: int = 0) -> Any:
    """``value`` with NaN and infinities replaced by None, for strict JSON output."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (dict, list, tuple)) and _depth >= MAX_METADATA_DEPTH:
        return f"<{brief(value)} nested deeper than {MAX_METADATA_DEPTH} levels>"
    if isinstance(value, dict):
        return {str(k): jsonable(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, _depth + 1) for v in value]
    return value


@dataclass
class Series:
    """The samples of one benchmark id, collected in file order."""

    id: dict[str, Any]
    source: str
    line: Optional[int] = None
    metadata: dict[str, Any] = field(default_factory=dict)
    ns_per_op: list[float] = field(default_factory=list)
    original: list[Measurement] = field(default_factory=list)
    iterations: list[Optional[int]] = field(default_factory=list)
    #: per-sample values (aligned with ``ns_per_op``) stored in metadata under
    #: ``per_sample_key`` (or at the top level of metadata when it is None).
    per_sample: dict[str, list[Any]] = field(default_factory=dict)
    per_sample_key: Optional[str] = None

    def add(self, ns: float, original: Measurement, iterations: Optional[int] = None,
            extras: Optional[dict[str, Any]] = None) -> None:
        n = len(self.ns_per_op)
        extras = extras or {}
        for key in extras:
            if key not in self.per_sample:
                self.per_sample[key] = [None] * n
        for key, values in self.per_sample.items():
            values.append(extras.get(key))
        self.ns_per_op.append(ns)
        self.original.append(original)
        self.iterations.append(iterations)


class SeriesTable:
    """Series by key, in order of first appearance."""

    def __init__(self) -> None:
        self._series: dict[tuple, Series] = {}

    def get(self, key: tuple, make: Callable[[], Series]) -> Series:
        found = self._series.get(key)
        if found is None:
            found = self._series[key] = make()
        return found

    def __iter__(self):
        return iter(self._series.values())


def build_results(table: SeriesTable | list[Series], issues: list[ParseIssue]) -> list[Result]:
    """One ``Result`` per series; a series the models refuse becomes an issue."""
    results: list[Result] = []
    for s in table:
        if not s.ns_per_op:
            continue
        threads = s.id.get("threads")
        if isinstance(threads, int) and not isinstance(threads, bool) and threads < 1:
            name = s.id.get("name") or "<unnamed>"
            issues.append(issue(s.source, s.line,
                                f"benchmark {name!r}: threads={threads} is not a worker count "
                                "(it must be 1 or more); its samples are not read"))
            continue
        metadata = dict(s.metadata)
        if s.per_sample:
            if s.per_sample_key:
                metadata[s.per_sample_key] = dict(s.per_sample)
            else:
                metadata.update(s.per_sample)
        iterations = None if any(i is None for i in s.iterations) else list(s.iterations)
        try:
            results.append(
                Result(
                    id=BenchmarkId(**s.id),
                    ns_per_op=list(s.ns_per_op),
                    original=list(s.original),
                    iterations=iterations,
                    metadata=metadata,
                    source=s.source,
                )
            )
        except ValidationError as exc:
            name = s.id.get("name") or "<unnamed>"
            issues.append(issue(s.source, s.line,
                                f"benchmark {name!r}: {describe_validation_error(exc)}"))
    return results
