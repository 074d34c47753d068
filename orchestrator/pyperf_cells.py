"""What bench-all asks of a pyperf script that runs many cells in one process.

A suite's pyperf script (the built-in suite's and ``suites/sha256``'s use
this module) is called once per round for a group of cells, with ``--in-process``, no
warm-up values, and from the second round on ``--loops-for NAME=LOOPS,...``
(the manifest's ``{calibration}``: the loops one batch of each cell took in
an earlier round). This module is that protocol, written once:

- :func:`add_loops_for` adds the option, and :func:`pass_loops_for` hands
  it on to pyperf's worker processes (for a run without ``--in-process``);
- :class:`CellRunner` starts, before the first cell, the child processes
  pyperf's metadata would start after it (so every cell runs in the same
  process state), refuses a ``--loops-for`` name that is not a benchmark
  of the run, instead of quietly calibrating it, and runs each cell: it
  calls the cell's ``open()`` (which builds the workload and runs one op,
  outside any value), picks the loops — ``--loops-for``, else ``--loops``,
  else with ``--in-process`` a short probe (:func:`probe_loops`) instead of
  pyperf's calibration run — records where they came from as metadata
  ``loops_from``, runs the benchmark and closes the cell.

A cell is a pyperf time function (``loops`` → seconds) with ``open()`` and
``close()`` methods.
"""

from __future__ import annotations

import argparse
import platform
from typing import Any, Callable, Iterable, Protocol


class Cell(Protocol):
    def __call__(self, loops: int) -> float: ...

    def open(self) -> None: ...

    def close(self) -> None: ...


def parse_loops_for(text: str) -> dict[str, int]:
    """``hash/size=64=4096,work/threads=2=8192`` → {name: loops}; an empty text names none.

    The loops follow a name's last ``=``, since names may hold one.
    """
    loops: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, eq, count = part.rpartition("=")
        if not eq or not name or not count.isdigit() or int(count) < 1:
            raise argparse.ArgumentTypeError(
                f"--loops-for wants NAME=LOOPS pairs separated by commas (LOOPS a positive integer); "
                f"{part!r} is not one")
        loops[name] = int(count)
    return loops


def add_loops_for(runner) -> None:
    """Add ``--loops-for`` to a ``pyperf.Runner``'s arguments."""
    runner.argparser.add_argument(
        "--loops-for", type=parse_loops_for, default={}, metavar="NAME=LOOPS[,...]",
        help="loops per value for the benchmarks named, measured by an earlier run: those skip "
        "pyperf's calibration (the others keep --loops, or are calibrated)")


def pass_loops_for(cmd: list[str], args: argparse.Namespace) -> None:
    """For a script's ``add_cmdline_args``: hand ``--loops-for`` on to pyperf's workers."""
    if args.loops_for:
        cmd.extend(("--loops-for", ",".join(f"{name}={n}" for name, n in args.loops_for.items())))


def probe_loops(time_func: Callable[[int], float], min_time: float) -> int:
    """Loops that make one value last at least ``min_time`` seconds, from a short probe.

    Doubles the loops from 1 until a call lasts a quarter of ``min_time``,
    then scales up from that call's time per loop and rounds up to a power of
    two: about half of ``min_time`` spent, where pyperf's own calibration
    runs several whole values.
    """
    loops = 1
    while True:
        seconds = time_func(loops)
        if seconds >= min_time / 4 or loops >= 2 ** 40:
            break
        loops *= 2
    want = min_time * loops / max(seconds, 1e-12)
    n = 1
    while n < want:
        n *= 2
    return n


class CellRunner:
    """Runs a script's cells the way bench-all asks (module docstring).

    Made after ``runner.parse_args()``; ``known`` is every benchmark name the
    run could have: a ``--loops-for`` name outside it exits 2 (argparse's
    error) instead of being calibrated quietly.
    """

    def __init__(self, runner, known: Iterable[str]) -> None:
        self._runner = runner
        self._args = runner.args
        # pyperf reads the loops from runner.args when a benchmark starts, so
        # run() overwrites them per cell; this is what the command line asked
        self._default_loops = self._args.loops
        unknown = sorted(set(self._args.loops_for) - set(known))
        if unknown:
            runner.argparser.error(f"argument --loops-for: {unknown[0]!r} is not a benchmark of this run")
        if self._args.in_process:
            # pyperf collects its metadata after every benchmark, and that
            # starts child processes (platform runs `uname -p` the first time
            # and `file` on the interpreter every time). A process that has
            # started a child pays more for some system calls from then on
            # (changes of memory protection), so the first cell alone would
            # run in another state (docs/methodology.md, "Cells that share a
            # process share its state"). The same two calls, here, put every
            # cell after them.
            platform.processor()
            platform.architecture()

    def run(self, name: str, cell: Cell, metadata: dict[str, Any]) -> None:
        args = self._args
        try:
            if args.in_process:
                cell.open()
            loops = args.loops_for.get(name, self._default_loops)
            if loops:
                metadata = {**metadata, "loops_from": "--loops-for" if name in args.loops_for else "--loops"}
            elif args.in_process:
                loops = probe_loops(cell, args.min_time)
                metadata = {**metadata, "loops_from": "probe"}
            args.loops = loops  # 0: calibrate, which a run without --in-process still does
            self._runner.bench_time_func(name, cell, metadata=metadata)
        finally:
            cell.close()
