"""Harness benchmark names → canonical names and worker counts.

Each harness spells the same benchmark its own way; these pure functions
read the notation and nothing else:

  Go         BenchmarkParallelShared-2       → parallel-shared, GOMAXPROCS 2
             BenchmarkSequential             → sequential, GOMAXPROCS 1 (no suffix means 1)
  criterion  secret/parallel-shared/threads=2 → parallel-shared, T = 2
  pyperf     parallel-shared/threads=2        → parallel-shared, T = 2

A name that does not map to one of the five canonical benchmarks gets
``None``; callers may pass an explicit mapping for such names.
"""

from __future__ import annotations

import re

from orchestrator.models import CANONICAL_BENCHMARKS

_GO_SUFFIX = re.compile(r"^(?P<base>.*?)-(?P<procs>\d+)$")
_THREADS_SEGMENT = re.compile(r"^threads=(?P<t>\d+)$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def split_go_suffix(name: str) -> tuple[str, int | None]:
    """``BenchmarkX-8`` → (``BenchmarkX``, 8); no suffix → (name, None)."""
    m = _GO_SUFFIX.match(name)
    if m and m.group("base"):
        return m.group("base"), int(m.group("procs"))
    return name, None


def split_threads_segment(name: str) -> tuple[str, int | None]:
    """``group/bench/threads=4`` → (``group/bench``, 4); the segment may sit anywhere."""
    parts = name.split("/")
    kept, threads = [], None
    for part in parts:
        m = _THREADS_SEGMENT.match(part)
        if m and threads is None:
            threads = int(m.group("t"))
        else:
            kept.append(part)
    return "/".join(kept), threads


def kebab(word: str) -> str:
    """``ParallelShared`` → ``parallel-shared``; ``parallel_shared`` → ``parallel-shared``."""
    return _CAMEL.sub("-", word).replace("_", "-").lower()


def canonical(name: str, mapping: dict[str, str] | None = None) -> str | None:
    """The canonical benchmark a harness name stands for, or None.

    ``name`` must already be free of thread notation (a Go ``-N`` suffix or a
    ``threads=T`` segment). ``mapping`` maps whole harness names (or their
    last path segment) to canonical names and wins over the rules.
    """
    if mapping:
        for key in (name, name.rsplit("/", 1)[-1]):
            if key in mapping:
                return mapping[key]
    last = name.rsplit("/", 1)[-1]
    if last.startswith("Benchmark"):
        last = last[len("Benchmark"):]
    last = last.split("/")[0]
    candidate = kebab(last)
    return candidate if candidate in CANONICAL_BENCHMARKS else None
