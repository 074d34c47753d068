"""A suite's counted event per op, counted from outside the process.

For each (language, benchmark, parameters, T) cell the language's ops runner
(the manifest's ``ops`` command, e.g. ``--bench NAME --threads T --ops N``)
runs under a counter at N, 2N, 3N (and 4N) ops: a chain of runs. Each pair of
neighbours is one repetition, (count((k+1)N) − count(kN)) / N calls per op,
with every set-up call cancelled out — three runs give two repetitions, four
give three. When the first two repetitions agree exactly the fourth run is
skipped; ``--quick`` runs N and 2N only, one repetition. Two cells are
counted at a time, except those with a cycle counter (below), whose count
depends on how the workers overlap: they run alone. (Run folders made
before the chain hold pairs at N and 2N per repetition; they are read as
they are.) The suite declares the event
(``[events]``: a perf tracepoint and the syscall strace counts). The counter
is, in order of preference:

1. ``perf stat -x, -e TRACEPOINT -- CMD``; perf writes CSV to stderr, one
   line per event::

       20010,,syscalls:sys_enter_open,4117010,100.00,,

2. ``strace -f -c -e trace=SYSCALL -o FILE -- CMD``; FILE is strace's
   summary table, whose row for the syscall holds the call count::

       % time     seconds  usecs/call     calls    errors syscall
       100.00    0.041010           2     20010           open

3. neither: the cell is recorded as not measured, with the reason.

The ops runner prints one JSON line with at least ``ops``. Where the suite
declares a cycle counter (``[report.exposure]``, key K) for a benchmark, the
line also gives K: how many of the ops paid for a whole cycle of the counted
calls, counted inside the ops alone (no set-up to cancel). Per repetition,
(K(a) + K(b)) / (a + b) over its two runs is the share of ops that paid for
their own cycle. The differenced figure of such a benchmark is noisy, and
can even fall below zero, because how often workers overlap differs from one
run to the next. What is stable is the relation between the two counters:
the slope of the counted calls on the runner's cycles over every run is the
calls one cycle costs, and slope × share is the cell's calls per op. These
cells always take all four runs.
"""

from __future__ import annotations

import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from orchestrator import doctor, runner
from orchestrator.models import CellKey, EventSpec, Suite, SyscallCount
from orchestrator.rundir import RunDir, StepRecord, StepSpec, describe_exit, execute

REPEATS = 3  # repetitions at most: a chain of REPEATS + 1 runs (--quick: QUICK_REPEATS)
QUICK_REPEATS = 1
COUNT_WORKERS = 2  # counting runs at once for cells whose count does not depend on overlap
METHOD_FILE = "syscalls-method.json"
CHAIN = "chain"  # the layout of the counting steps, saved in METHOD_FILE


class CountError(ValueError):
    """Counter output that holds no usable count; says where and why."""


@dataclass
class Method:
    name: str  # "perf", "strace" or "none"
    reason: str = ""


def choose_method(event: EventSpec, which: Callable[[str], Optional[str]] = shutil.which,
                  perf_ok: Callable[[str], tuple[bool, str]] = doctor.perf_tracepoint) -> Method:
    """perf when it can count the tracepoint, else strace, else none with both reasons."""
    reasons = []
    if which("perf"):
        ok, why = perf_ok(event.tracepoint)
        if ok:
            return Method("perf")
        reasons.append(why)
    else:
        reasons.append("perf not found on PATH")
    if which("strace"):
        return Method("strace", "; ".join(reasons))
    reasons.append("strace not found on PATH")
    return Method("none", "; ".join(reasons))


def wrap(method: str, event: EventSpec, argv: list[str]) -> list[str]:
    """The ops runner's command line under the chosen counter."""
    if method == "perf":
        return ["perf", "stat", "-x,", "-e", event.tracepoint, "--", *argv]
    if method == "strace":
        return ["strace", "-f", "-c", "-e", f"trace={event.syscall}", "-o", "{step}/strace.txt", "--", *argv]
    raise ValueError(f"no counter for method {method!r}")


def parse_perf(text: str, tracepoint: str, source: str = "perf") -> int:
    """The event's count from ``perf stat -x,`` output (stderr)."""
    for n, line in enumerate(text.splitlines(), 1):
        fields = line.split(",")
        if len(fields) >= 3 and fields[2] == tracepoint:
            value = fields[0].strip()
            if value.isdigit():
                return int(value)
            raise CountError(f"{source}:{n}: perf did not count {tracepoint}: {value or 'empty'}")
    raise CountError(f"{source}: no {tracepoint} line in perf's output")


def parse_strace(text: str, syscall: str, source: str = "strace") -> int:
    """The syscall's call count from ``strace -c`` summary output.

    strace writes no table at all when the traced call never happened, so
    empty output is zero calls.
    """
    if not text.strip():
        return 0
    header = None
    for n, line in enumerate(text.splitlines(), 1):
        cols = line.split()
        if "calls" in cols and "syscall" in cols:
            header = cols
            continue
        if header and cols and cols[-1] == syscall:
            # the errors column may be empty, so count from the left
            idx = header.index("calls")
            if header[0] == "%":  # "% time" is two header words, one data column
                idx -= 1
            try:
                return int(cols[idx])
            except (ValueError, IndexError):
                raise CountError(f"{source}:{n}: unreadable {syscall} row: {line.strip()!r}") from None
    if header is None:
        raise CountError(f"{source}: no strace summary table")
    return 0  # strace lists only syscalls that were made


def parse_ops_line(text: str, source: str = "stdout") -> dict:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise CountError(f"{source}: expected one JSON line from the ops runner, got {len(lines)}")
    try:
        data = json.loads(lines[0])
    except ValueError as exc:
        raise CountError(f"{source}:1: not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("ops"), int):
        raise CountError(f"{source}:1: the ops runner's line has no integer 'ops'")
    return data


def plan_steps(suite: Suite, build_root: Path, languages: list[str], cells: list[CellKey], ops: int,
               method: Method, repeats: int = REPEATS) -> list[StepSpec]:
    """Every counting run: per cell, the chain at N, 2N, … (repeats + 1) N ops; ``round`` is k."""
    specs: list[StepSpec] = []
    if method.name == "none" or suite.events is None:
        return specs
    for lang in languages:
        if not suite.language(lang).ops:
            continue
        for cell in cells:
            if not suite.runs(lang, cell.benchmark):
                continue
            for k in range(1, repeats + 2):
                n = k * ops
                argv, cwd = runner.ops_command(suite, lang, cell, n, build_root)
                specs.append(StepSpec(
                    language=lang,
                    kind="syscalls",
                    label=f"{cell.label()} ops={n} {method.name}",
                    command=wrap(method.name, suite.events, argv),
                    cwd=cwd,
                    artifact="strace.txt" if method.name == "strace" else None,
                    format=method.name,
                    round=k,
                    benchmark=cell.benchmark,
                    params=dict(cell.params),
                    threads=cell.threads,
                    ops=n,
                    timeout=600,
                ))
    return specs


def run(
    rd: RunDir,
    suite: Suite,
    build_root: Path,
    languages: list[str],
    cells: list[CellKey],
    ops: int,
    echo: Callable[[str], None],
    method: Optional[Method] = None,
    repeats: int = REPEATS,
) -> None:
    """Run the counting steps (``repeats`` repetitions at most); their raw output stays in the run folder."""
    event = suite.events
    if event is None:
        return
    method = method or choose_method(event)
    counted = [lang for lang in languages if suite.language(lang).ops]
    exposure = suite.report.exposure
    info = {
        "method": method.name, "reason": method.reason, "ops": ops, "languages": counted,
        "cells": [c.model_dump(mode="json") for c in cells],
        "tracepoint": event.tracepoint, "syscall": event.syscall,
        "cycle_key": exposure.key if exposure else None,
        "layout": CHAIN,
    }
    rd.write_extra(METHOD_FILE, info)
    if method.name == "none":
        echo(f"[syscalls] not measured: {method.reason}")
        return
    specs = plan_steps(suite, build_root, counted, cells, ops, method, repeats)
    cycled = set(exposure.benchmarks) if exposure else set()
    chains: dict[tuple, list[StepSpec]] = {}
    for spec in specs:
        chains.setdefault(_chain_key(spec), []).append(spec)
    lock = threading.Lock()
    stop = threading.Event()
    started = [0]

    def chain(runs: list[StepSpec]) -> None:
        """One cell's runs in order; the last is skipped once two repetitions agree exactly."""
        got: dict[int, int] = {}
        for spec in runs:
            if stop.is_set():
                return
            with lock:
                started[0] += 1
                echo(f"[syscalls {started[0]}/{len(specs)}] {spec.language} {spec.label}")
                rec = rd.new_step(spec)
            rec = execute(rec)
            if not rec.ok:
                echo(f"    {spec.language} {spec.label}: {rec.error or describe_exit(rec.exit_status)}")
                continue
            if spec.benchmark in cycled:
                continue  # varies from run to run: every run is kept
            try:
                got[spec.round] = _count(rec, info)[0]
            except (CountError, OSError, KeyError):
                continue
            if all(k in got for k in (1, 2, 3)) and got[2] - got[1] == got[3] - got[2]:
                echo(f"    {spec.language} {spec.benchmark} T={spec.threads}: two repetitions agree exactly "
                     f"({(got[2] - got[1]) / ops:g} per op); the fourth run is skipped")
                return

    # A count of calls that does not depend on how workers overlap is exact
    # whatever runs beside it: those cells are counted two at a time. Cells
    # with a cycle counter are counted alone, after them.
    steady = [runs for key, runs in chains.items() if key[1] not in cycled]
    alone = [runs for key, runs in chains.items() if key[1] in cycled]
    pool = ThreadPoolExecutor(max_workers=COUNT_WORKERS)
    try:
        for future in [pool.submit(chain, runs) for runs in steady]:
            future.result()
    except BaseException:
        stop.set()  # Ctrl-C or a full disk: the runs under way finish, no new one starts
        raise
    finally:
        pool.shutdown(wait=True)
    for runs in alone:
        chain(runs)


def _count(rec: StepRecord, info: dict) -> tuple[int, dict]:
    where = rec.folder
    stdout = (where / "stdout.txt").read_text(errors="replace")
    line = parse_ops_line(stdout, str(where / "stdout.txt"))
    if rec.spec.format == "perf":
        calls = parse_perf((where / "stderr.txt").read_text(errors="replace"), info["tracepoint"],
                           str(where / "stderr.txt"))
    else:
        calls = parse_strace((where / "strace.txt").read_text(errors="replace"), info["syscall"],
                             str(where / "strace.txt"))
    return calls, line


def slope(counts: list[tuple[int, int]], cycles: list[tuple[int, int]]) -> Optional[float]:
    """Least-squares slope of counted calls on the runner's cycles, over every run of a cell.

    Each run's count is set-up plus the calls of its open/close cycles, so the
    slope is the calls one cycle costs, whatever the runs' overlap was. None
    without at least two distinct transition counts.
    """
    xs = [t for pair in cycles for t in pair]
    ys = [c for pair in counts for c in pair]
    if len(xs) != len(ys) or len(set(xs)) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


def from_steps(rd: RunDir, suite: Optional[Suite] = None) -> list[SyscallCount]:
    """SyscallCount per cell from a run folder's saved counting steps."""
    info = rd.read_extra(METHOD_FILE)
    if not info:
        return []
    # run folders made before suites were data did not save the event: it is the suite's
    if "tracepoint" not in info and suite is not None and suite.events is not None:
        info["tracepoint"], info["syscall"] = suite.events.tracepoint, suite.events.syscall
        info["cycle_key"] = suite.report.exposure.key if suite.report.exposure else None
    out = []
    if info.get("method") == "none":
        for lang in info.get("languages", []):
            for cell in info.get("cells", []):
                key = _cell(cell)
                out.append(SyscallCount(language=lang, canonical=key.benchmark, params=key.params,
                                        threads=key.threads, method="none",
                                        reason=info.get("reason") or "no counter available"))
        return out
    ops = int(info["ops"])
    cycle_key = info.get("cycle_key")
    for (lang, bench, params, threads), reps in _repetitions(rd, info.get("layout"), ops).items():
        per_op, counts, share, problems = [], [], [], []
        cycles: list[tuple[int, int]] = []
        for rep in sorted(reps):
            a, b = reps[rep]
            if a is None or b is None:
                problems.append(f"repetition {rep} incomplete")
                continue
            if not (a.ok and b.ok):
                bad = a if not a.ok else b
                problems.append(f"repetition {rep}: ops runner {bad.error or describe_exit(bad.exit_status)} "
                                f"(log: {bad.folder})")
                continue
            try:
                (ca, la), (cb, lb) = _count(a, info), _count(b, info)
            except (CountError, OSError) as exc:
                problems.append(str(exc))
                continue
            counts.append((ca, cb))
            per_op.append((cb - ca) / (b.spec.ops - a.spec.ops))
            if cycle_key and cycle_key in la and cycle_key in lb:
                ta, tb = la[cycle_key], lb[cycle_key]
                cycles.append((ta, tb))
                share.append((ta + tb) / (la["ops"] + lb["ops"]))
        if per_op:
            out.append(SyscallCount(language=lang, canonical=bench, params=dict(params), threads=threads,
                                    method=info["method"], ops=ops, per_op=per_op, counts=counts, open_share=share,
                                    transitions=cycles, calls_per_cycle=slope(counts, cycles),
                                    reason="; ".join(problems) or None))
        else:
            out.append(SyscallCount(language=lang, canonical=bench, params=dict(params), threads=threads,
                                    method="none", ops=ops, reason="; ".join(problems) or "no repetition finished"))
    return out


def _chain_key(spec: StepSpec) -> tuple:
    """(language, benchmark, parameters, T): the cell a counting run belongs to."""
    return spec.language, spec.benchmark, tuple(sorted((spec.params or {}).items())), spec.threads


def _repetitions(rd: RunDir, layout: Optional[str], ops: int) -> dict[tuple, dict[int, tuple]]:
    """cell → repetition → (the run with fewer ops, the run with more), either None when missing.

    In a chain, repetition r is runs r and r + 1 (kN ops at run k); in older
    folders repetition r is its own pair of runs at N and 2N. A chain whose
    last run was skipped has no half-filled repetition for it.
    """
    runs: dict[tuple, dict[int, dict[int, StepRecord]]] = {}
    for rec in rd.steps():
        s = rec.spec
        if s.kind != "syscalls":
            continue
        runs.setdefault(_chain_key(s), {}).setdefault(s.round or 1, {})[s.ops] = rec
    out: dict[tuple, dict[int, tuple]] = {}
    for key, by_round in runs.items():
        if layout == CHAIN:
            chain = {k: next(iter(v.values())) for k, v in by_round.items()}
            last = max(chain)
            out[key] = {r: (chain.get(r), chain.get(r + 1)) for r in range(1, max(last, 2))}
        else:
            out[key] = {r: (pair.get(ops), pair.get(2 * ops)) for r, pair in by_round.items()}
    return out


def _cell(raw) -> CellKey:
    """A saved cell: ``{"benchmark", "params", "threads"}``, or ``[benchmark, T]`` in older folders."""
    if isinstance(raw, list):
        return CellKey(benchmark=raw[0], threads=raw[1])
    return CellKey.model_validate(raw)
