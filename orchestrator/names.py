"""Worker-count notation in harness benchmark names.

Each harness writes T its own way; these pure functions split it off and
leave the rest of the name as the harness printed it:

  Go         BenchmarkHash/size=64-2      → BenchmarkHash/size=64, GOMAXPROCS 2
             BenchmarkHash                → BenchmarkHash, no suffix (GOMAXPROCS 1)
  criterion  group/hash/threads=2         → group/hash, T = 2
  pyperf     hash/threads=2               → hash, T = 2

Which suite benchmark a name stands for is decided later, once, by
``orchestrator.normalize`` with the suite's declared ids.
"""

from __future__ import annotations

import re


_GO_SUFFIX = re.compile(r"^(?P<base>.*?)-(?P<procs>\d+)$")
_THREADS_SEGMENT = re.compile(r"^threads=(?P<t>\d+)$")


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
