"""pyperf harness for the five canonical benchmarks.

    python -m pysecret.bench -o FILE.json [--threads 1,2,4] [--bench NAME[,NAME...]]
                             [--backend libc|go|rust] [pyperf options]

Writes pyperf's JSON with one benchmark per (canonical name, T)::

    floor
    sequential
    parallel-owned/threads=T
    parallel-locked/threads=T
    parallel-shared/threads=T      for every T in --threads (default 1,2,4)

Each value is the wall time of ``loops`` ops divided by ``loops``: for the
parallel benchmarks, T threads pull the ops from one budget (Go's
``b.RunParallel``), so the figure is the machine's cost per op. Every
benchmark's metadata records ``canonical_name``, ``threads``, ``lang``,
``backend`` and ``gil`` (how the GIL is held for that backend).

``--backend`` (:mod:`pysecret.backends`) picks the kernel: ``libc`` (the
default, ``lang`` ``python``), or the Go or Rust library through ctypes
(``lang`` ``python→go`` / ``python→rust``). Benchmark names are the same
canonical names for every backend; the metadata tells them apart.

pyperf re-launches this module (``python -m pysecret.bench --worker ...``)
for its worker processes; ``--threads``, ``--bench`` and ``--backend`` are
passed on to them and each worker builds only the Secrets and threads of the
one benchmark it runs — nothing is pickled.
"""

from __future__ import annotations

import argparse
import sys

import pyperf

from orchestrator.pyperf_cells import CellRunner, add_loops_for, pass_loops_for

from . import backends
from .secret import PAGE_SIZE
from .workloads import BENCH_SECRET, CANONICAL, SINGLE_WORKER, Workload, open_workload

DEFAULT_THREADS = (1, 2, 4)


def thread_list(text: str) -> list[int]:
    """Parse ``1,2,4`` into ``[1, 2, 4]``: positive ints, duplicates dropped."""
    counts: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = int(part, 10)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(
                f"--threads wants positive integers separated by commas "
                f"(e.g. 1,2,4); {part!r} is not one"
            )
        if value not in counts:
            counts.append(value)
    return counts


def bench_list(text: str) -> list[str]:
    """Parse ``floor,sequential`` into canonical names, in the order given."""
    names: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if part not in CANONICAL:
            raise argparse.ArgumentTypeError(
                f"unknown benchmark {part!r}; choose from {', '.join(CANONICAL)}"
            )
        if part not in names:
            names.append(part)
    return names


def benchmark_name(name: str, threads: int) -> str:
    """The pyperf benchmark name of canonical benchmark ``name`` at T threads."""
    return name if name in SINGLE_WORKER else f"{name}/threads={threads}"


def plan(names: list[str], thread_counts: list[int]) -> list[tuple[str, int]]:
    """(canonical name, T) pairs to run, in a fixed order for every process.

    pyperf identifies a worker's benchmark by its position in this order, so
    the manager and every worker must compute the same list.
    """
    pairs: list[tuple[str, int]] = []
    for name in names:
        counts = [1] if name in SINGLE_WORKER else thread_counts
        pairs.extend((name, t) for t in counts)
    return pairs


class _Lazy:
    """A pyperf time function that sets up its workload on first use.

    pyperf calls the time function only in the worker process that runs this
    benchmark, so the manager and the other workers never build anything.
    """

    def __init__(self, name: str, threads: int, backend: str) -> None:
        self._name = name
        self._threads = threads
        self._backend = backend
        self._workload: Workload | None = None

    def __call__(self, loops: int) -> float:
        if self._workload is None:
            self._workload = open_workload(self._name, self._threads, self._backend)
        return self._workload.run(loops) / 1e9

    def open(self) -> None:
        """Build the workload now and run one op through it, outside any timed value."""
        if self._workload is None:
            self._workload = open_workload(self._name, self._threads, self._backend)
            self._workload.run(1)

    def close(self) -> None:
        if self._workload is not None:
            self._workload.close()
            self._workload = None


def _pass_flags(cmd: list[str], args: argparse.Namespace) -> None:
    cmd.extend(("--threads", ",".join(map(str, args.threads))))
    cmd.extend(("--bench", ",".join(args.bench)))
    cmd.extend(("--backend", args.backend))
    pass_loops_for(cmd, args)


def main(argv: list[str] | None = None) -> None:
    runner = pyperf.Runner(
        program_args=("-m", "pysecret.bench"),
        add_cmdline_args=_pass_flags,
        metadata={"pysecret_page_size": PAGE_SIZE},
    )
    runner.argparser.add_argument(
        "--threads", type=thread_list, default=list(DEFAULT_THREADS), metavar="T[,T...]",
        help="worker thread counts for the parallel benchmarks (default: 1,2,4)",
    )
    runner.argparser.add_argument(
        "--bench", type=bench_list, default=list(CANONICAL), metavar="NAME[,NAME...]",
        help="canonical benchmarks to run (default: all: " + ",".join(CANONICAL) + ")",
    )
    runner.argparser.add_argument(
        "--backend", choices=backends.BACKENDS, default=backends.DEFAULT,
        help="kernel to drive: " + ", ".join(backends.BACKENDS)
        + f" (default: {backends.DEFAULT})",
    )
    add_loops_for(runner)
    args = runner.parse_args(argv)
    # Fail here, in the manager, with the build command, rather than in
    # every worker.
    try:
        kernel = backends.get(args.backend)
    except (backends.LibraryMissingError, OSError) as exc:
        runner.argparser.error(f"--backend {args.backend}: {exc}")

    cells = CellRunner(runner, known=(benchmark_name(name, threads)
                                      for name, threads in plan(list(CANONICAL), args.threads)))
    for name, threads in plan(args.bench, args.threads):
        metadata = {
            "canonical_name": name,
            "threads": threads,
            "lang": kernel.lang,
            "backend": kernel.name,
            "gil": kernel.gil,
            "secret_len": len(BENCH_SECRET),
        }
        # with --in-process the Secrets, pages and threads are built before
        # pyperf times anything (the cell's open()), so no value pays for them
        cells.run(benchmark_name(name, threads), _Lazy(name, threads, args.backend), metadata)


if __name__ == "__main__":
    main(sys.argv[1:])
