"""Run the built-in kernel suite in every language, in rounds, and collect it.

``run()`` is what ``invoke bench-all`` (and bench-go / bench-rust /
bench-python) call: build each language once, then run every (benchmark, T)
cell of every language, interleaved by round (round 1: Go, Rust, Python;
round 2: …) so that machine drift hits every language alike. Each step's raw
output lands in the run folder before anything parses it (see
``orchestrator.rundir``). ``collect()`` turns a run folder — finished,
failed or killed half-way — into a ``RunRecord``; it needs no toolchain.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from orchestrator import adapters, environment, syscalls
from orchestrator.models import (
    CANONICAL_BENCHMARKS,
    SINGLE_WORKER_BENCHMARKS,
    Failure,
    ParseIssue,
    Result,
    RunParameters,
    RunRecord,
)
from orchestrator.rundir import (
    RunDir,
    RunFolderError,
    StepRecord,
    describe_exit,
    execute,
    progress,
    utc_iso,
)
from orchestrator.runners import Cell, Profile, all_runners

SUITE_SOURCE = "benchnorm suite (kernel.md): {how}"
UNFINISHED = "did not finish (the run was stopped during this step)"


class UsageError(ValueError):
    """A bad parameter given by the user; the message names it and what is allowed."""


def default_threads(cpus: Optional[int] = None) -> list[int]:
    """1, 2, 4, … up to 2 × logical CPUs."""
    cpus = cpus or os.cpu_count() or 1
    out, t = [], 1
    while t <= 2 * cpus:
        out.append(t)
        t *= 2
    return out


def parse_threads(text: Optional[str]) -> list[int]:
    if text is None or text == "":
        return default_threads()
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"--threads: {part!r} is not a worker count (allowed: positive integers, e.g. 1,2,4)")
        out.append(int(part))
    return sorted(set(out))


def parse_benchmarks(text: Optional[str]) -> list[str]:
    if not text:
        return list(CANONICAL_BENCHMARKS)
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    for n in names:
        if n not in CANONICAL_BENCHMARKS:
            raise UsageError(f"--bench: unknown benchmark {n!r} (allowed: {', '.join(CANONICAL_BENCHMARKS)})")
    return [n for n in CANONICAL_BENCHMARKS if n in names]


def make_parameters(
    threads: Optional[str] = None,
    samples: Optional[int | str] = None,
    bench: Optional[str] = None,
    quick: bool = False,
    interleave: bool = True,
) -> RunParameters:
    if samples is None or samples == "":
        k = 3 if quick else 10
    else:
        try:
            k = int(samples)
        except (TypeError, ValueError):
            raise UsageError(f"--samples: {samples!r} is not a whole number (allowed: 1 or more)") from None
        if k < 1:
            raise UsageError(f"--samples: {k} is too small (allowed: 1 or more)")
    rounds = min(k, 3 if quick else 2) if interleave else 1
    return RunParameters(
        threads=parse_threads(threads),
        samples=k,
        benchmarks=parse_benchmarks(bench),
        quick=quick,
        interleave=interleave,
        rounds=rounds,
    )


def cells(params: RunParameters) -> list[Cell]:
    return [Cell(b, t) for b, t in params.cells()]


def samples_in_round(total: int, rounds: int, r: int) -> int:
    """Split ``total`` samples over ``rounds`` rounds; round ``r`` counts from 1."""
    base, extra = divmod(total, rounds)
    return base + (1 if r <= extra else 0)


@dataclass
class Outcome:
    run_dir: RunDir
    record: RunRecord
    interrupted: bool = False
    storage_error: Optional[str] = None

    @property
    def partial(self) -> bool:
        return (self.interrupted or self.storage_error is not None or bool(self.record.failures)
                or bool(self.record.issues))


def run(
    root: Path,
    params: RunParameters,
    languages: list[str],
    runs_root: Optional[Path] = None,
    build_dir: Optional[Path] = None,
    echo: Callable[[str], None] = progress,
    syscall_ops: Optional[int] = None,
) -> Outcome:
    """Build, run every cell in rounds, collect. Never raises for a language's failure."""
    runners = all_runners()
    for lang in languages:
        if lang not in runners:
            raise UsageError(f"unknown language {lang!r} (allowed: {', '.join(runners)})")
    runs_root = runs_root or root / "reports" / "runs"
    build_dir = build_dir or root / "build"
    params = params.model_copy(update={"languages": list(languages)})
    profile = Profile.quick() if params.quick else Profile.default()
    rd = RunDir.create(runs_root)
    info = {
        "started_at": utc_iso(),
        "parameters": params.model_dump(mode="json"),
        "languages": languages,
        "profile": profile.name,
        "state": "running",
    }
    rd.write_run_info(info)
    echo(f"run folder: {rd.path}")
    interrupted = False
    storage_error: Optional[str] = None
    usable: list[str] = []
    try:
        environment.capture(rd, root, echo)
        usable = build(rd, root, build_dir, languages, echo)
        plan = cells(params)
        order = _schedule(params, usable, plan)
        total = len(order)
        for i, (r, lang, cell) in enumerate(order, 1):
            k = samples_in_round(params.samples, params.rounds, r)
            if k == 0:
                continue
            spec = wrapped(runners[lang].bench_step(root, build_dir, cell, k, profile, r))
            echo(f"[round {r}/{params.rounds} · step {i}/{total}] {lang} {cell.bench} T={cell.threads} "
                 f"({k} sample{'s' if k != 1 else ''})")
            rec = execute(rd.new_step(spec))
            if not rec.ok:
                echo(f"    {lang} {cell.bench} T={cell.threads}: {rec.error or describe_exit(rec.exit_status)}; "
                     f"log: {rec.folder / 'stderr.txt'}")
        if syscall_ops and usable:
            # after the timing rounds, never during them
            syscalls.run(rd, root, build_dir, runners, usable, plan, syscall_ops, echo)
    except KeyboardInterrupt:
        interrupted = True
        echo("interrupted: keeping every finished step; collecting what was measured")
    except RunFolderError as exc:
        storage_error = f"{exc.filename}: {exc.strerror}"
        echo(f"stopped: {storage_error}; every step saved before it is kept")
    info["state"] = "interrupted" if interrupted else ("stopped" if storage_error else "finished")
    info["finished_at"] = utc_iso()
    try:
        rd.write_run_info(info)
    except RunFolderError:
        pass  # already reported: the folder takes no more writes
    record = collect(rd)
    return Outcome(rd, record, interrupted=interrupted, storage_error=storage_error)


WRAP_VAR = "BENCHNORM_WRAP_{lang}"


def wrap_variable(language: str) -> str:
    """``go`` → BENCHNORM_WRAP_GO; ``python→rust`` → BENCHNORM_WRAP_PYTHON_TO_RUST."""
    return WRAP_VAR.format(lang=language.replace("→", "_to_").upper())


def wrapped(spec):
    """Prefix a bench step's command with ``$BENCHNORM_WRAP_<LANG>`` when set.

    For pinning or limiting a harness (``BENCHNORM_WRAP_GO="taskset -c 0"``);
    the wrapper is part of the saved command line, so the run records it.
    """
    prefix = os.environ.get(wrap_variable(spec.language), "").strip()
    if prefix:
        spec.command = shlex.split(prefix) + spec.command
    return spec


def build(rd: RunDir, root: Path, build_dir: Path, languages: list[str],
          echo: Callable[[str], None]) -> list[str]:
    """Run each language's build steps; return the languages that built."""
    runners = all_runners()
    usable = []
    for lang in languages:
        ok = True
        for spec in runners[lang].build_steps(root, build_dir):
            echo(f"[build] {lang}: {spec.label}")
            rec = execute(rd.new_step(spec))
            if not rec.ok:
                echo(f"[build] {lang}: FAILED ({rec.error or describe_exit(rec.exit_status)}); "
                     f"log: {rec.folder / 'stderr.txt'}")
                ok = False
                break
        if ok:
            usable.append(lang)
    return usable


def _schedule(params: RunParameters, languages: list[str], plan: list[Cell]) -> list[tuple[int, str, Cell]]:
    if params.interleave:
        return [(r, lang, c) for r in range(1, params.rounds + 1) for lang in languages for c in plan]
    return [(r, lang, c) for lang in languages for r in range(1, params.rounds + 1) for c in plan]


# --- collecting a run folder -------------------------------------------------


def collect(rd: RunDir) -> RunRecord:
    """Parse every saved step of a run folder into one RunRecord."""
    info = rd.read_run_info()
    try:
        params = RunParameters.model_validate(info.get("parameters", {}))
    except ValueError:
        params = RunParameters()
    results: dict[tuple, Result] = {}
    issues: list[ParseIssue] = []
    failures: list[Failure] = []
    steps = rd.steps()
    for rec in steps:
        spec = rec.spec
        if spec.kind == "build":
            if rec.exit_status is not None or rec.error:
                if not rec.ok:
                    failures.append(_failure(rec, "build"))
            else:
                failures.append(_failure(rec, "build", UNFINISHED))
            continue
        if spec.kind != "bench":
            continue
        if rec.exit_status is None and rec.error is None:
            failures.append(_failure(rec, "run", UNFINISHED))
        elif not rec.ok:
            failures.append(_failure(rec, "run"))
        parsed = _parse_step(rec)
        issues.extend(parsed.issues)
        got_cell = False
        for res in parsed.results:
            res = _apply_suite(res, rec, issues)
            if res is None:
                continue
            got_cell = True
            key = (res.id.language, res.id.harness, res.id.name, res.id.threads)
            res = res.model_copy(update={"rounds": [spec.round or 1] * len(res.ns_per_op)})
            if key in results:
                results[key] = _merge(results[key], res)
            else:
                results[key] = res
        if rec.ok and not got_cell:
            failures.append(_failure(rec, "parse", "the harness exited 0 but no result for this cell was read"))
    record = RunRecord(
        run_id=rd.path.name,
        started_at=info.get("started_at", ""),
        finished_at=info.get("finished_at"),
        parameters=params,
        results=list(results.values()),
        issues=issues,
        failures=failures,
        environment=environment.load(rd, params),
        syscalls=syscalls.from_steps(rd),
    )
    return record.sorted()


def _parse_step(rec: StepRecord) -> adapters.Parsed:
    spec = rec.spec
    if not spec.format:
        return adapters.Parsed()
    path = rec.folder / (spec.artifact or "stdout.txt")
    if not path.exists():
        return adapters.Parsed()
    try:
        return adapters.get(spec.format)(path, language=spec.language)
    except OSError as exc:
        return adapters.Parsed(issues=[ParseIssue(source=str(path), message=f"could not read: {exc}")])


def _failure(rec: StepRecord, step: str, why: Optional[str] = None) -> Failure:
    """A Failure for one step; ``why`` defaults to how the step ended."""
    spec = rec.spec
    message = f"{spec.label}: {why or rec.error or describe_exit(rec.exit_status)}"
    return Failure(
        language=spec.language,
        step=step,  # type: ignore[arg-type]
        message=message,
        command=spec.command,
        exit_status=rec.exit_status,
        stderr_tail=rec.stderr_tail(),
        log_path=str(rec.folder),
        benchmark=spec.benchmark,
        threads=spec.threads,
    )


def _apply_suite(res: Result, rec: StepRecord, issues: list[ParseIssue]) -> Optional[Result]:
    """Results of our own suite: the step says which cell it ran; check and declare the mode.

    The step asked for one (benchmark, T). A result whose canonical name or
    worker count contradicts that is reported as a parse issue and dropped —
    never silently relabelled.
    """
    spec = rec.spec
    if spec.benchmark is None:
        return res
    if res.id.canonical != spec.benchmark:
        issues.append(ParseIssue(
            source=res.source or str(rec.folder),
            message=f"{res.id.name}: expected benchmark {spec.benchmark!r} in this step, "
                    f"read {res.id.canonical!r}; not used",
        ))
        return None
    if res.id.threads is not None and res.id.threads != spec.threads:
        issues.append(ParseIssue(
            source=res.source or str(rec.folder),
            message=f"{res.id.name}: the step ran T={spec.threads} but the output says T={res.id.threads}; not used",
        ))
        return None
    if spec.benchmark in SINGLE_WORKER_BENCHMARKS:
        mode = "sequential"
        how = "one worker"
    else:
        mode = "parallel"
        how = f"{spec.threads} workers pulling from one op budget"
    source = res.id.threads_source if res.id.threads is not None else "step"
    ident = res.id.model_copy(update={
        "threads": spec.threads,
        "mode": mode,
        "threads_source": f"{source}; " + SUITE_SOURCE.format(how=how),
    })
    return res.model_copy(update={"id": ident})


def _merge(a: Result, b: Result) -> Result:
    iters = None
    if a.iterations is not None and b.iterations is not None:
        iters = a.iterations + b.iterations
    meta = dict(a.metadata)
    per_round = meta.pop("per_round", None) or [a.metadata]
    per_round.append(b.metadata)
    return a.model_copy(update={
        "ns_per_op": a.ns_per_op + b.ns_per_op,
        "original": a.original + b.original,
        "iterations": iters,
        "rounds": (a.rounds or []) + (b.rounds or []),
        "metadata": {"per_round": per_round},
        "source": a.source if a.source == b.source else None,
    })
