"""Rust libtest bench output (``cargo bench`` with nightly ``#[bench]``).

One line per benchmark, integer nanoseconds before Rust 1.80, two decimals
since (rust-lang/rust#124774), an optional throughput after ``=``::

    test bench_x ... bench:      18,149 ns/iter (+/- 755)
    test bench_x ... bench:  40,865.31 ns/iter (+/- 607.76) = 1008 MB/s

Reading rules:

- Each line is one sample (libtest's own summary of a run: the median of
  its samples); the same name on several lines (several ``cargo bench``
  runs in one file) gives one ``Result`` with one sample per line. libtest
  prints no iteration count, so ``iterations`` is None.
- The ``(+/- x)`` spread (max − min of libtest's samples) and ``MB/s`` go to
  metadata, one entry per sample, never into ``ns_per_op``.
- libtest has no thread notation: ``threads`` is None (``unknown``). The
  name stays the harness's own path (``benches::bench_parallel``).
- ``running N tests``, ``test result:``, ``test x ... ignored``/``ok`` and any
  other line are skipped; a ``test x ... bench:`` line that does not parse
  is an issue.
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestrator import units
from orchestrator.adapters import Parsed
from orchestrator.adapters._common import (
    Series,
    SeriesTable,
    brief,
    build_results,
    issue,
    resolve_language,
    to_ns,
)
from orchestrator.models import Measurement

HARNESS = "libtest"
DEFAULT_LANGUAGE = "rust"

_BENCH_LINE = re.compile(r"^\s*test\s+(?P<name>\S+)\s+\.\.\.\s+bench:\s*(?P<rest>.*)$")
_NUM = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_REST = re.compile(
    rf"^(?P<value>{_NUM})\s+(?P<unit>\S+/iter)\s+\(\+/-\s+(?P<spread>{_NUM})\)"
    rf"(?:\s+=\s+(?P<mbs>{_NUM})\s+MB/s)?\s*$"
)


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read every ``test … bench:`` line of a cargo bench log."""
    path = Path(path)
    lang = resolve_language(DEFAULT_LANGUAGE, language)
    text = path.read_bytes().decode("utf-8", errors="replace")
    parsed = Parsed()
    table = SeriesTable()
    for n, raw in enumerate(text.splitlines(), start=1):
        m = _BENCH_LINE.match(raw.rstrip("\r"))
        if not m:
            continue
        name = m.group("name")
        rest = _REST.match(m.group("rest"))
        if not rest:
            parsed.issues.append(issue(
                path, n, f"malformed bench line for {name}: expected 'N ns/iter (+/- M)' "
                         f"optionally followed by '= K MB/s', got {brief(m.group('rest'))}"))
            continue
        try:
            value = units.parse_number(rest.group("value"))
            spread = units.parse_number(rest.group("spread"))
            mbs = units.parse_number(rest.group("mbs")) if rest.group("mbs") else None
        except ValueError as exc:
            parsed.issues.append(issue(path, n, f"malformed bench line for {name}: {exc}"))
            continue
        unit = rest.group("unit")
        ns, problem = to_ns(value, unit)
        if problem is not None:
            parsed.issues.append(issue(path, n, f"bench line for {name}: {problem}"))
            continue

        def make(name: str = name, line: int = n) -> Series:
            return Series(
                id=dict(language=lang, harness=HARNESS, name=name, canonical=None,
                        threads=None, threads_source="unknown", mode="unknown"),
                source=str(path),
                line=line,
                metadata={"full_name": name},
            )

        series = table.get((lang, name), make)
        series.add(ns, Measurement(value=value, unit=unit), None,
                   {"plus_minus_ns": spread, "mb_per_s": mbs})
    parsed.results = build_results(table, parsed.issues)
    return parsed
