"""Ops runner: perform exactly N ops of one canonical benchmark, then exit.

    python -m pysecret.ops --bench NAME --threads T --ops N [--backend libc|go|rust]

NAME is one of floor, sequential, parallel-owned, parallel-locked,
parallel-shared; T workers pull from one budget of N ops (T must be 1 for
floor and sequential). Used to count syscalls under perf or strace: run it at
N and 2N and subtract, which cancels start-up and set-up calls.

``--backend`` picks the kernel (:mod:`pysecret.backends`): ``libc``, the
default, is pysecret's own; ``go`` and ``rust`` drive those kernels'
C libraries through ctypes, and ``lang`` says so (``python→go``,
``python→rust``; ``python`` for libc).

stdout carries exactly one JSON line and nothing else, e.g.::

    {"lang":"python","bench":"sequential","threads":1,"ops":10000,"wall_ns":48213377}
    {"lang":"python→go","bench":"sequential","threads":1,"ops":10000,"wall_ns":23016554}

plus ``"open_transitions":K`` (PROT_NONE -> PROT_READ transitions of the
shared Secret during the N ops) for parallel-shared only.

Exit status: 0 on success; 2 with usage on stderr for bad or missing flags,
an unknown benchmark or backend, T < 1 or N < 1; 1 with the message on
stderr for any error while running (a backend library that is not built
included: the message names the file and the build command). Ctrl-C stops
a run with KeyboardInterrupt, for every backend.
"""

from __future__ import annotations

import argparse
import json
import sys

from .backends import BACKENDS, DEFAULT, LANG
from .workloads import CANONICAL, SINGLE_WORKER, open_workload


def positive_int(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pysecret.ops",
        description="Perform exactly N ops of one canonical benchmark and "
        "print one JSON line describing the run.",
    )
    parser.add_argument("--bench", required=True, choices=CANONICAL, metavar="NAME",
                        help="one of: " + ", ".join(CANONICAL))
    parser.add_argument("--threads", required=True, type=positive_int, metavar="T",
                        help="workers pulling from one budget (1 for floor and sequential)")
    parser.add_argument("--ops", required=True, type=positive_int, metavar="N",
                        help="number of ops to perform")
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT,
                        help="kernel to drive: " + ", ".join(BACKENDS) + f" (default: {DEFAULT})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.bench in SINGLE_WORKER and args.threads != 1:
        parser.error(f"--threads must be 1 for {args.bench}, got {args.threads}")

    try:
        with open_workload(args.bench, args.threads, args.backend) as workload:
            before = workload.transitions
            wall_ns = workload.run(args.ops)
            transitions = workload.transitions - before
    except Exception as exc:  # every runtime failure: message, exit 1
        print(f"pysecret.ops: {args.bench}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1

    record = {
        "lang": LANG[args.backend],
        "bench": args.bench,
        "threads": args.threads,
        "ops": args.ops,
        "wall_ns": wall_ns,
    }
    if args.bench == "parallel-shared":
        record["open_transitions"] = transitions
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
