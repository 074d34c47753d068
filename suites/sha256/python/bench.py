"""pyperf benchmarks of suite ``sha256`` (``hashlib.sha256``).

    python suites/sha256/python/bench.py -o OUT.json [--bench hash,hash-parallel]
        [--size 64,4096,1048576] [--threads 1,2,4] [pyperf options]
    python suites/sha256/python/bench.py -o OUT.json --ids hash/size=64,... [--threads 1,2,4]

pyperf benchmark names (one per selected bench, size and, for
``hash-parallel``, thread count)::

    hash/size=S
    hash-parallel/size=S/threads=T

One op is ``hashlib.sha256(buf).digest()`` of S bytes (byte i = i mod 251);
each value is the time of ``loops`` ops divided by ``loops``. ``--threads``
applies to ``hash-parallel`` only; ``hash`` always runs in one thread.
Metadata: ``size`` and ``threads``.

pyperf re-launches this script for its worker processes; ``--bench``,
``--size``, ``--threads`` and ``--loops-for`` are passed on to them, and each
worker builds only the buffer (and threads) of the one benchmark it runs.

``--loops-for`` and the in-process set-up follow bench-all's protocol for
pyperf scripts (``orchestrator.pyperf_cells``): with ``--in-process`` every
benchmark is set up, and one op run, before anything is timed, and the loops
come from ``--loops-for``, ``--loops`` or a short probe instead of pyperf's
calibration run.
"""

from __future__ import annotations

import argparse
import sys
import time

import pyperf
from orchestrator.pyperf_cells import CellRunner, add_loops_for, pass_loops_for

from sha256suite import BENCHES, SIZES, ParallelHash, buffer, hash_loop


class UsageError(Exception):
    pass


def _list(text: str, parse, allowed=None) -> list:
    out = []
    for part in text.split(","):
        part = part.strip()
        try:
            value = parse(part)
        except ValueError:
            value = None
        if value is None or (allowed is not None and value not in allowed):
            if allowed is None:
                raise UsageError(f"{part!r} is not a positive integer")
            raise UsageError(f"{part!r} is not one of {', '.join(map(str, allowed))}")
        if value in out:
            raise UsageError(f"{part!r} is listed twice")
        out.append(value)
    return out


def _positive(s: str) -> int | None:
    return int(s) if s.isdigit() and int(s) >= 1 else None


def _arg_type(parse, allowed=None):
    def convert(text: str) -> list:
        try:
            return _list(text, parse, allowed)
        except UsageError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def name_of(bench: str, size: int, threads: int) -> str:
    if bench == "hash":
        return f"hash/size={size}"
    return f"hash-parallel/size={size}/threads={threads}"


def plan(benches: list[str], sizes: list[int], threads: list[int]) -> list[tuple[str, int, int]]:
    """(bench, size, T) in a fixed order: pyperf's workers find their
    benchmark by its position, so every process must compute the same list."""
    out = []
    for size in sizes:
        for bench in benches:
            for t in ([1] if bench == "hash" else threads):
                out.append((bench, size, t))
    return out


class Sequential:
    """``hash``: the buffer is built on the first call, outside the timing.
    Timed: ``loops`` calls of the op in this thread, nothing else."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._buf: bytes | None = None

    def __call__(self, loops: int) -> float:
        if self._buf is None:
            self._buf = buffer(self._size)
        buf, loop, clock = self._buf, hash_loop, time.perf_counter
        t0 = clock()
        loop(buf, loops)
        return clock() - t0

    def open(self) -> None:
        """Build the buffer and hash it once, outside any value."""
        self(1)

    def close(self) -> None:
        pass


class Parallel:
    """``hash-parallel``: the T threads (each with its own buffer) are
    started on the first call that pyperf makes in this worker process, which
    is outside that call's timing, and reused by every later call (pyperf
    calls a time function repeatedly in one process: warm-ups, then values).

    Timed (ParallelHash.run): releasing the parked threads through a
    barrier, the threads pulling ``loops`` ops from one shared budget in
    batches and hashing, and the last thread reaching the finishing barrier.
    Not timed: building buffers, starting threads, setting up the budget.
    """

    def __init__(self, size: int, threads: int) -> None:
        self._size = size
        self._threads = threads
        self._pool: ParallelHash | None = None

    def __call__(self, loops: int) -> float:
        if self._pool is None:
            self._pool = ParallelHash(self._threads, self._size)
        return self._pool.run(loops) / 1e9

    def open(self) -> None:
        """Start the threads and run one op through them, outside any value."""
        self(1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def parse_ids(text: str) -> list[tuple[str, int]]:
    """``hash/size=64,hash-parallel/size=4096`` → [("hash", 64), ("hash-parallel", 4096)]."""
    out = []
    for part in text.split(","):
        bench, sep, size = part.strip().partition("/size=")
        if not sep or bench not in BENCHES or _positive(size) is None or int(size) not in SIZES:
            raise UsageError(f"{part.strip()!r} is not BENCH/size=S (BENCH one of {', '.join(BENCHES)}, "
                             f"S one of {', '.join(map(str, SIZES))})")
        out.append((bench, int(size)))
    return out


def _pass_args(cmd: list[str], args) -> None:
    cmd.extend(("--bench", ",".join(args.bench)))
    cmd.extend(("--size", ",".join(map(str, args.size))))
    cmd.extend(("--threads", ",".join(map(str, args.threads))))
    if args.ids:
        cmd.extend(("--ids", ",".join(f"{b}/size={s}" for b, s in args.ids)))
    pass_loops_for(cmd, args)


def _one_line_error(prog: str):
    def error(message: str):
        sys.stderr.write(f"{prog}: error: {message}\n")
        sys.exit(2)

    return error


def main() -> None:
    runner = pyperf.Runner(add_cmdline_args=_pass_args)
    ap = runner.argparser
    ap.error = _one_line_error("bench.py")
    ap.add_argument("--bench", type=_arg_type(lambda s: s if s in BENCHES else None, BENCHES),
                    default=list(BENCHES), metavar="NAME[,NAME]",
                    help="hash, hash-parallel or both (default: both)")
    ap.add_argument("--size", type=_arg_type(_positive, SIZES), default=list(SIZES),
                    metavar="S[,S...]", help="buffer sizes in bytes (default: 64,4096,1048576)")
    ap.add_argument("--threads", type=_arg_type(_positive), default=[1, 2, 4],
                    metavar="T[,T...]", help="hash-parallel thread counts (default: 1,2,4)")
    ap.add_argument("--ids", type=_arg_type(lambda s: parse_ids(s)[0]), default=None, metavar="ID[,ID...]",
                    help="instead of --bench and --size: the (bench, size) pairs to run, as BENCH/size=S")
    add_loops_for(runner)
    args = runner.parse_args()

    every = plan(list(BENCHES), list(SIZES), args.threads)
    cells = CellRunner(runner, known=(name_of(b, s, t) for b, s, t in every))
    todo = plan(args.bench, args.size, args.threads)
    if args.ids:
        todo = [(b, s, t) for b, s, t in every if (b, s) in args.ids]
    for bench, size, threads in todo:
        func = Sequential(size) if bench == "hash" else Parallel(size, threads)
        cells.run(name_of(bench, size, threads), func, {"size": size, "threads": threads})


if __name__ == "__main__":
    main()
