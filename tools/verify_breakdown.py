"""Where a Python verify's time goes: each piece alone, and each piece inside the op.

    python tools/verify_breakdown.py [--rounds R] [--ops N] [--json FILE] [--kernel DIR]

The built-in suite's report gives Python's ``sequential`` (one verify) and
``floor`` (the two mprotect calls through ctypes, made the same way). This
splits the difference into pieces, two ways:

- **alone**: each piece in a loop of its own, with no system call near it;
- **inside the op**: the real ``Secret.verify``, with one piece swapped for
  a stand-in that does nothing (the mutex for one whose take and give are
  empty; ``compare_digest`` for a two-argument C function that returns
  True), minus the same op with the piece in place. The page is still
  opened and closed, so the op stays valid.

The two differ on this project's VM: code that runs right after a system
call runs slower than the same code in a tight loop (see tools/probes/).

Every kind of loop runs ``--ops`` ops once per round, in a fresh random order
each round, and a figure is the median over rounds of that loop's ns/op
(or, inside the op, of its difference from the floor *in the same round*):
the machine's cost of a system call drifts by tens of percent within a
minute (docs/methodology.md, "How far two runs can agree"), and short
interleaved batches cancel most of that.

``--kernel DIR`` measures the ``pysecret`` of another checkout (for a before
and after); by default it is this one's. Progress goes to stderr; the table
to stdout.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import operator
import random
import statistics
import sys
import threading
import time
import types
from pathlib import Path

from hmac import compare_digest

ROOT = Path(__file__).resolve().parent.parent


def _load_kernel(checkout: Path) -> None:
    """Import ``checkout``'s pysecret into this module's globals."""
    sys.path.insert(0, str(checkout))
    global kernel, _libc, BENCH_CANDIDATE, BENCH_SECRET, Floor, Mutex, TOKEN
    import pysecret.secret as kernel
    from pysecret import _libc
    from pysecret.workloads import BENCH_CANDIDATE, BENCH_SECRET, Floor
    try:
        from pysecret._mutex import TOKEN, Mutex
    except ImportError:  # a kernel from before the one-token mutex
        Mutex, TOKEN = None, True


class _NoMutex:
    """Takes and gives nothing, with the names either kernel's verify uses."""

    __slots__ = ()
    hold = True
    # one C call each, like the real ones; bool accepts no argument or one
    put = acquire = release = staticmethod(bool)


def _per_op(run):
    """Wrap a loop body function ``run(ops) -> ns`` to give ns per op."""
    return lambda ops: run(ops) / ops


def _alone_pieces(candidate: bytes) -> tuple[dict, object]:
    """Each piece of the op in a loop of its own, without any system call.

    Returns the loops and the buffer they read, which must outlive them.
    """
    # A readable page with the bench secret at its end, like a Secret's
    # page while it is open; the view over it is built the same way.
    buf = ctypes.create_string_buffer(_libc.PAGE_SIZE)
    n = len(BENCH_SECRET)
    view = (ctypes.c_ubyte * n).from_address(ctypes.addressof(buf) + _libc.PAGE_SIZE - n)
    ctypes.memmove(view, BENCH_SECRET, n)
    clock = time.perf_counter_ns

    def empty(ops):
        t0 = clock()
        for _ in range(ops):
            pass
        return clock() - t0

    class Holder:
        __slots__ = ()

        def method(self, candidate):
            return True

    def call(ops):
        m, c = Holder().method, candidate
        t0 = clock()
        for _ in range(ops):
            m(c)
        return clock() - t0

    def compare(ops):
        cd, v, c = compare_digest, view, candidate
        t0 = clock()
        for _ in range(ops):
            cd(v, c)
        return clock() - t0

    rlock = threading.RLock()

    def rlock_pairs(ops):
        lock = rlock
        t0 = clock()
        for _ in range(ops):
            lock.acquire()
            lock.release()
            lock.acquire()
            lock.release()
        return clock() - t0

    pieces = {
        "empty loop iteration": empty,
        "method call, one argument": call,
        "compare_digest, 32 bytes over a ctypes array": compare,
        "two RLock acquire/release pairs": rlock_pairs,
    }
    if Mutex is not None:
        one = Mutex()

        def mutex_pairs(ops):
            mutex, token = one, TOKEN
            t0 = clock()
            for _ in range(ops):
                mutex.hold
                mutex.put(token)
                mutex.hold
                mutex.put(token)
            return clock() - t0

        pieces["two Mutex hold/put pairs"] = mutex_pairs
    return {k: _per_op(v) for k, v in pieces.items()}, buf


def _measure(args, alone: dict, floor, secrets: list) -> dict:
    """Every loop, ``--ops`` ops once per round in a fresh random order: (inside|alone, name) → ns/op per round."""
    def variant(no_mutex: bool, no_compare: bool):
        """A timed loop of verify on a Secret of its own, with the pieces swapped out.

        Each variant runs its own copy of verify's code object: CPython
        keeps its specialised bytecode in the code object, and swapping
        types or globals under one copy would undo that on every swap
        (for the real verify too).
        """
        secret = kernel.Secret(BENCH_SECRET)
        secrets.append((secret, secret._lock))
        fn = kernel.Secret.verify
        if no_mutex or no_compare:
            namespace = dict(vars(kernel))
            if no_compare:
                # is_not(view, candidate) is True: a two-argument C call that reads nothing
                namespace["compare_digest"] = operator.is_not
            fn = types.FunctionType(fn.__code__.replace(), namespace, fn.__name__)
        if no_mutex:
            secret._lock = _NoMutex()

        def run(ops):
            v, s, c = fn, secret, BENCH_CANDIDATE
            clock = time.perf_counter_ns
            t0 = clock()
            for _ in range(ops):
                v(s, c)
            return (clock() - t0) / ops
        return run

    inside = {
        "floor": lambda ops: floor.run(ops) / ops,
        "verify": variant(False, False),
        "verify without the mutex": variant(True, False),
        "verify without the compare": variant(False, True),
        "verify without either": variant(True, True),
    }
    loops = {**{("inside", k): v for k, v in inside.items()},
             **{("alone", k): v for k, v in alone.items()}}
    values: dict = {key: [] for key in loops}
    order = list(loops)
    rng = random.Random(0)
    for key in order:  # one warm-up pass, not kept
        loops[key](min(args.ops, 200))
    step = max(1, args.rounds // 10)
    for r in range(args.rounds):
        rng.shuffle(order)
        for key in order:
            values[key].append(loops[key](args.ops))
        if (r + 1) % step == 0 or r + 1 == args.rounds:
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    return values


def _release(floor, secrets: list) -> None:
    """Close the floor page and destroy every Secret, each with its own mutex back; report, don't stop, on a failure."""
    failures = []
    try:
        floor.close()
    except Exception as exc:
        failures.append(f"floor page: {exc}")
    for secret, mutex in secrets:
        secret._lock = mutex
        try:
            secret.destroy()
        except Exception as exc:
            failures.append(f"a Secret: {type(exc).__name__}: {exc}")
    for failure in failures:
        print(f"verify_breakdown: while cleaning up, {failure}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="rounds (default 200)")
    parser.add_argument("--ops", type=int, default=2000, help="ops per loop per round (default 2000)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--kernel", metavar="DIR", type=Path, default=ROOT,
                        help="the checkout whose pysecret to measure (default: this one)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.ops < 1:
        parser.error("--rounds and --ops must be at least 1")
    if not (args.kernel / "pysecret" / "secret.py").is_file():
        parser.error(f"--kernel {args.kernel}: no pysecret/secret.py there")
    if args.json and not Path(args.json).resolve().parent.is_dir():
        parser.error(f"--json {args.json}: no such folder")
    _load_kernel(args.kernel)

    alone, keep = _alone_pieces(BENCH_CANDIDATE)
    floor = Floor()
    secrets: list = []  # (Secret, its own mutex), each destroyed at the end
    try:
        values = _measure(args, alone, floor, secrets)
    finally:
        _release(floor, secrets)
    del keep

    fl = values[("inside", "floor")]

    def over_floor(name):
        return statistics.median(v - f for v, f in zip(values[("inside", name)], fl))

    def between(a, b):
        return statistics.median(x - y for x, y in zip(values[("inside", a)], values[("inside", b)]))

    result = {
        "rounds": args.rounds,
        "ops": args.ops,
        "python": sys.version.split()[0],
        "kernel": str(Path(kernel.__file__).resolve().parent.parent),
        "mutex": type(secrets[0][1]).__name__,
        "floor_ns": statistics.median(fl),
        "verify_ns": statistics.median(values[("inside", "verify")]),
        "inside": {
            "verify - floor (all the library)": over_floor("verify"),
            "the mutex: two takes and two gives": between("verify", "verify without the mutex"),
            "the compare": between("verify", "verify without the compare"),
            "the rest: call, reader count, checks": over_floor("verify without either"),
        },
        "alone": {k: statistics.median(values[("alone", k)]) for k in alone},
    }
    result["sequential_over_floor"] = result["verify_ns"] / result["floor_ns"]

    print(f"Python {result['python']}, kernel's mutex: {result['mutex']}; "
          f"{args.rounds} rounds of {args.ops} ops per loop, medians over rounds")
    print()
    print(f"floor {result['floor_ns']:,.0f} ns/op, verify {result['verify_ns']:,.0f} ns/op, "
          f"verify / floor {result['sequential_over_floor']:.3f}")
    print()
    print("Inside the op, a piece's figure is verify minus verify with that piece swapped for a stand-in,")
    print("in the same round; the stand-ins' own calls (bool() for a give, operator.is_not for the compare)")
    print("stay in 'the rest'.")
    print()
    print("| inside the op | ns/op |")
    print("|---|---:|")
    for k, v in result["inside"].items():
        print(f"| {k} | {v:,.0f} |")
    print()
    print("| alone | ns/op |")
    print("|---|---:|")
    for k, v in result["alone"].items():
        print(f"| {k} | {v:,.0f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
