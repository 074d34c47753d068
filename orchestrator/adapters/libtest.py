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
- A name is everything between ``test`` and `` ... ``, spaces included:
  bencher-style harnesses (criterion's ``--output-format bencher``) print
  ids such as ``test Create Realm ... bench:  329 ns/iter (+/- 4)``.
- libtest has no thread notation: ``threads`` is None (``unknown``). The
  name stays the harness's own path (``benches::bench_parallel``).
- ``test x ... FAILED`` is an issue naming the benchmark and its line, with
  the first line of its panic message when the ``failures:`` section (or a
  ``--nocapture`` panic line just before) gives one. ``test result: FAILED.``
  is an issue too, naming the benchmarks that failed.
- ``running N tests``, ``test result: ok.``, ``test x ... ignored``/``ok`` and
  any other line are skipped; a ``test x ... bench:`` line that does not
  parse is an issue.
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
    finish,
    issue,
    resolve_language,
    to_ns,
)
from orchestrator.models import Measurement

HARNESS = "libtest"
DEFAULT_LANGUAGE = "rust"
LANGUAGE = "rust"

_BENCH_LINE = re.compile(r"^\s*test\s+(?P<name>\S.*?)\s+\.\.\.\s+bench:\s*(?P<rest>.*)$")
_FAILED_LINE = re.compile(r"^\s*test\s+(?P<name>\S.*?)\s+\.\.\.\s+FAILED\s*$")
_SUMMARY_FAILED = re.compile(r"^test result: FAILED\.\s*(?P<counts>.*)$")
_STDOUT_HEADER = re.compile(r"^---- (?P<name>.+) stdout ----$")
# "thread 'x' panicked at src/lib.rs:4:22:" (message on the next line, Rust 1.73+)
# or "thread 'x' panicked at 'message', src/lib.rs:4:22" (older).
_PANIC_NEW = re.compile(r"^thread '.*' (?:\(\d+\) )?panicked at [^']*:$")
_PANIC_OLD = re.compile(r"^thread '.*' (?:\(\d+\) )?panicked at '(?P<message>.*)', \S+$")
_SNIFF = re.compile(r"^\s*test\s+\S.*?\s+\.\.\.\s+bench:\s+\S", re.MULTILINE)
_NUM = r"[0-9][0-9,]*(?:\.[0-9]+)?"
_REST = re.compile(
    rf"^(?P<value>{_NUM})\s+(?P<unit>\S+/iter)\s+\(\+/-\s+(?P<spread>{_NUM})\)"
    rf"(?:\s+=\s+(?P<mbs>{_NUM})\s+MB/s)?\s*$"
)


def sniff(path_or_text: Path | str) -> bool:
    """Whether a text holds a libtest ``test … ... bench:`` line."""
    return isinstance(path_or_text, str) and _SNIFF.search(path_or_text) is not None


def _panic_messages(lines: list[str]) -> dict[str, str]:
    """First line of each benchmark's panic message, from libtest's ``failures:`` section."""
    found: dict[str, str] = {}
    current: str | None = None
    expect_message = False
    for line in lines:
        m = _STDOUT_HEADER.match(line)
        if m:
            current, expect_message = m.group("name"), False
            continue
        if current is None or current in found:
            continue
        if expect_message and line.strip():
            found[current] = line.strip()
            continue
        if _PANIC_NEW.match(line):
            expect_message = True
            continue
        m = _PANIC_OLD.match(line)
        if m:
            found[current] = m.group("message")
    return found


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read every ``test … bench:`` line of a cargo bench log."""
    path = Path(path)
    lang = resolve_language(DEFAULT_LANGUAGE, language)
    text = path.read_bytes().decode("utf-8", errors="replace")
    parsed = Parsed()
    table = SeriesTable()
    lines = [raw.rstrip("\r") for raw in text.splitlines()]
    panics = _panic_messages(lines)
    failed: list[str] = []
    pending: str | None = None  # with --nocapture a panic is printed before its FAILED line
    expect_message = False
    for n, line in enumerate(lines, start=1):
        if expect_message and line.strip():
            pending, expect_message = line.strip(), False
            continue
        if _PANIC_NEW.match(line):
            expect_message = True
            continue
        old = _PANIC_OLD.match(line)
        if old:
            pending = old.group("message")
            continue
        m = _FAILED_LINE.match(line)
        if m:
            name = m.group("name")
            failed.append(name)
            reason = panics.get(name) or pending
            pending = None
            message = f"benchmark {name} failed (libtest: FAILED)"
            if reason and len(reason) > 160:
                reason = reason[:159] + "…"
            parsed.issues.append(issue(path, n, f"{message}: {reason}" if reason else message))
            continue
        m = _SUMMARY_FAILED.match(line)
        if m:
            which = f" ({', '.join(failed)} failed)" if failed else ""
            parsed.issues.append(issue(path, n, f"the run reported FAILED{which}: {m.group('counts')}"))
            failed = []
            continue
        m = _BENCH_LINE.match(line)
        if not m:
            continue
        pending = None
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
    return finish(parsed, path, HARNESS)
