"""Run a suite in every language, in rounds, and collect it.

``run()`` is what ``invoke bench-all`` (and the one-language bench tasks)
call: build each language once, check its answers on the suite's vectors,
then run every (benchmark, parameters, T) cell of every language,
interleaved by round (round 1: every language in the suite's order; round 2:
…) so that machine drift hits every language alike. Each step's raw output
lands in the run folder before anything parses it (see
``orchestrator.rundir``), and the suite itself is saved there first.
``collect()`` turns a run folder — finished, failed or killed half-way —
into a ``RunRecord``; it needs no toolchain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from orchestrator import adapters, environment, runner, stats, syscalls
from orchestrator.models import (
    CellKey,
    Failure,
    LanguageTime,
    ParseIssue,
    Result,
    RunParameters,
    RunRecord,
    Suite,
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
from orchestrator.runner import Profile

SUITE_FILE = "suite.json"
SUITE_SOURCE = "declared by suite {suite}: {how}"
UNFINISHED = "did not finish (the run was stopped during this step)"
WRONG_RESULT = "wrong result — not compared"


class UsageError(ValueError):
    """A bad parameter given by the user; the message names it and what is allowed."""


def default_threads(cpus: Optional[int] = None) -> list[int]:
    """1, 2, 4, … up to 2 × logical CPUs, and the CPU count itself (the headline's T)."""
    cpus = cpus or os.cpu_count() or 1
    out, t = [], 1
    while t <= 2 * cpus:
        out.append(t)
        t *= 2
    return sorted(set(out) | {cpus})


def parse_threads(text: Optional[str]) -> list[int]:
    """``--threads 1,2,4`` → [1, 2, 4]: the one reader of a worker-count list."""
    if text is None or text == "":
        return default_threads()
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part.isdigit() or int(part) < 1:
            raise UsageError(f"--threads: {part!r} is not a worker count (allowed: positive integers, e.g. 1,2,4)")
        out.append(int(part))
    return sorted(set(out))


def parse_list(flag: str, text: Optional[str], allowed: list[str]) -> list[str]:
    """``--bench a,b`` / ``--languages a,b`` → the names, checked against ``allowed``, in its order."""
    if not text:
        return []
    names = [n.strip() for n in str(text).split(",") if n.strip()]
    for n in names:
        if n not in allowed:
            raise UsageError(f"{flag}: unknown name {n!r} (allowed: {', '.join(allowed)})")
    return [n for n in allowed if n in names]


#: The default profile: the first rounds give every cell the samples a 95%
#: interval needs; further rounds go to the cells still wider than the target.
#: A 95% interval of the median from a few dozen samples narrows to ±1% only
#: when their middle half lies within about 2% of each other, which on a noisy
#: machine few cells reach: ±3% lets the steady cells stop and sends the time
#: to the noisy ones.
DEFAULT_SAMPLES, DEFAULT_PRECISION, DEFAULT_BUDGET = 6, 0.03, 90.0


def _positive(flag: str, text, cast):
    try:
        value = cast(text)
    except (TypeError, ValueError):
        raise UsageError(f"{flag}: {text!r} is not a number (allowed: above 0)") from None
    if not value > 0:
        raise UsageError(f"{flag}: {text!r} is not above 0")
    return value


def make_parameters(
    suite: Suite,
    threads: Optional[str] = None,
    samples: Optional[int | str] = None,
    bench: Optional[str] = None,
    quick: bool = False,
    interleave: bool = True,
    languages: Optional[str] = None,
    precision: Optional[str | float] = None,
    budget: Optional[str | float] = None,
) -> RunParameters:
    """The run's parameters; the default profile sets the precision target and its budget, --quick none."""
    if precision in (None, ""):
        target = None if quick or samples not in (None, "") else DEFAULT_PRECISION
    else:
        target = _positive("--precision", precision, float)
    if budget in (None, ""):
        seconds = DEFAULT_BUDGET if target else None
    else:
        seconds = _positive("--budget", budget, float)
    if samples is None or samples == "":
        k = 3 if quick else (DEFAULT_SAMPLES if target else 10)
    else:
        try:
            k = int(samples)
        except (TypeError, ValueError):
            raise UsageError(f"--samples: {samples!r} is not a whole number (allowed: 1 or more)") from None
        if k < 1:
            raise UsageError(f"--samples: {k} is too small (allowed: 1 or more)")
    # Samples taken close together share their luck: the machine's state of
    # that moment (on a virtual machine the cost of a system call moves by a
    # quarter or more over seconds, docs/methodology.md section 8) and their
    # harness process's. So every sample of the default profile comes from a
    # round of its own, spread over the run; --quick takes two.
    rounds = (min(k, 2) if quick else k) if interleave else 1
    return RunParameters(
        threads=parse_threads(threads),
        samples=k,
        benchmarks=parse_list("--bench", bench, [b.name for b in suite.benchmarks]),
        quick=quick,
        interleave=interleave,
        rounds=rounds,
        languages=parse_list("--languages", languages, suite.language_names()) or suite.language_names(),
        precision=target,
        budget_seconds=seconds if target else None,
    )


#: Samples each extra round adds to a cell still wider than the precision target
#: (one: a fresh process per sample, as in the first rounds).
EXTRA_SAMPLES = 1


def half_width(samples: list[float]) -> Optional[float]:
    """The median's 95% interval half-width as a fraction of the median; None below the count it needs."""
    from orchestrator import stats

    if len(samples) < stats.median_ci_min_samples(0.95):
        return None
    ci = stats.median_ci(samples)
    med = stats.median(samples)
    return (ci.hi - ci.lo) / 2 / med if med > 0 else None


def wide_cells(seen: dict[tuple, list[float]], precision: float) -> list[tuple]:
    """The (language, cell) keys whose interval is still wider than ``precision`` (or not yet known)."""
    out = []
    for key, samples in seen.items():
        h = half_width(samples)
        if h is None or h > precision:
            out.append(key)
    return out


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
    suite: Suite,
    params: RunParameters,
    runs_root: Optional[Path] = None,
    build_root: Optional[Path] = None,
    echo: Callable[[str], None] = progress,
    syscall_ops: Optional[int] = None,
) -> Outcome:
    """Build, verify, run every cell in rounds, collect. Never raises for a language's failure."""
    languages = params.languages or suite.language_names()
    for lang in languages:
        if lang not in suite.language_names():
            raise UsageError(f"unknown language {lang!r} (allowed: {', '.join(suite.language_names())})")
    runs_root = runs_root or root / "reports" / "runs"
    build_root = build_root or root / "build"
    params = params.model_copy(update={"languages": list(languages)})
    profile = Profile.quick() if params.quick else Profile.default()
    rd = RunDir.create(runs_root)
    info = {
        "started_at": utc_iso(),
        "parameters": params.model_dump(mode="json"),
        "suite": suite.name,
        "languages": languages,
        "profile": profile.name,
        "state": "running",
    }
    rd.write_extra(SUITE_FILE, suite.model_dump(mode="json"))
    rd.write_run_info(info)
    echo(f"run folder: {rd.path}")
    echo(f"suite: {suite.name} ({suite.title}); languages: {', '.join(languages)}")
    interrupted = False
    storage_error: Optional[str] = None
    try:
        environment.capture(rd, root, suite, build_root, echo)
        usable = build(rd, suite, build_root, languages, echo)
        usable = verify(rd, suite, build_root, usable, echo)
        plan = suite.cells(params)
        order = _schedule(params, usable, plan, suite)
        total = len(order)
        seen: dict[tuple, list[float]] = {}  # (language, cell) → samples so far

        def step(r: int, lang: str, cells: list, k: int, where: str) -> None:
            medians = {c: stats.median(seen[(lang, c)]) for c in cells if seen.get((lang, c))}
            spec = runner.wrapped(runner.bench_step(suite, lang, cells, k, profile, r, build_root, medians))
            many = f"{len(cells)} cells: " if len(cells) > 1 else ""
            echo(f"[{where}] {lang} {many}{spec.label} ({k} sample{'s' if k != 1 else ''} each)")
            rec = execute(rd.new_step(spec))
            if not rec.ok:
                echo(f"    {lang} {spec.label}: {rec.error or describe_exit(rec.exit_status)}; "
                     f"log: {rec.folder / 'stderr.txt'}")
            for res in _parse_step(rec).results:
                found = _apply_suite(suite, res, rec, [])
                if found is not None:
                    cell, res = found
                    seen.setdefault((lang, cell), []).extend(res.ns_per_op)

        for i, (r, lang, cells) in enumerate(order, 1):
            k = samples_in_round(params.samples, params.rounds, r)
            if k:
                step(r, lang, cells, k, f"round {r}/{params.rounds} · step {i}/{total}")
        if params.precision and params.budget_seconds:
            _precision_rounds(suite, params, usable, seen, step, echo)
        if syscall_ops and usable and suite.events:
            # after the timing rounds, never during them
            syscalls.run(rd, suite, build_root, usable, plan, syscall_ops, echo,
                         repeats=syscalls.QUICK_REPEATS if params.quick else syscalls.REPEATS)
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
    record = collect(rd, suite)
    return Outcome(rd, record, interrupted=interrupted, storage_error=storage_error)


def build(rd: RunDir, suite: Suite, build_root: Path, languages: list[str],
          echo: Callable[[str], None]) -> list[str]:
    """Run each language's build steps; return the languages that built."""
    usable = []
    for lang in languages:
        runner.build_dir(build_root, suite, lang).mkdir(parents=True, exist_ok=True)
        ok = True
        for spec in runner.build_steps(suite, lang, build_root):
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


def _precision_rounds(suite: Suite, params: RunParameters, languages: list[str], seen: dict, step, echo) -> None:
    """Further rounds for the cells still wider than the target, languages interleaved, until the budget is spent."""
    import time

    deadline = time.monotonic() + params.budget_seconds
    r = params.rounds
    while time.monotonic() < deadline:
        wide = wide_cells(seen, params.precision)
        if not wide:
            echo(f"[precision] every cell's interval is within ±{params.precision:.1%}")
            return
        r += 1
        echo(f"[precision] round {r}: {len(wide)} cell(s) wider than ±{params.precision:.1%}")
        for lang in languages:
            for cells in runner.batches(suite, lang, [cell for (wlang, cell) in wide if wlang == lang]):
                if time.monotonic() >= deadline:
                    break
                step(r, lang, cells, EXTRA_SAMPLES, f"precision round {r}")
    echo(f"[precision] budget of {params.budget_seconds:g} s spent; {len(wide_cells(seen, params.precision))} "
         "cell(s) stay wider than the target and are reported with the precision they reached")


def verify(rd: RunDir, suite: Suite, build_root: Path, languages: list[str],
           echo: Callable[[str], None]) -> list[str]:
    """Run each language's verify command on the suite's vectors; return the languages that answered right.

    A language whose answers differ is not measured: its cells would compare a
    different job. The step's output stays in the run folder and ``collect``
    reports the first differing vector.
    """
    right = []
    for lang in languages:
        if not suite.language(lang).verify:
            right.append(lang)
            continue
        echo(f"[verify] {lang}: {len(suite.vectors)} vectors")
        rec = execute(rd.new_step(runner.verify_step(suite, lang, build_root)))
        problem = verify_problem(suite, rec)
        if problem is None:
            right.append(lang)
        else:
            echo(f"[verify] {lang}: {WRONG_RESULT}: {problem}")
    return right


def verify_problem(suite: Suite, rec: StepRecord) -> Optional[str]:
    """Why a verify step's answers are not the suite's, or None when every vector matches.

    The command prints one ``NAME ANSWER`` line per vector.
    """
    if not rec.ok:
        return f"the verify command {rec.error or describe_exit(rec.exit_status)} (log: {rec.folder})"
    try:
        text = (rec.folder / "stdout.txt").read_text(errors="replace")
    except OSError as exc:
        return f"its output cannot be read ({exc.strerror or exc})"
    got: dict[str, str] = {}
    for line in text.splitlines():
        name, _, answer = line.strip().partition(" ")
        if name:
            got.setdefault(name, answer.strip())
    for v in suite.vectors:
        if v.name not in got:
            return f"vector {v.name!r}: no answer printed"
        if got[v.name] != v.expected:
            return f"vector {v.name!r}: expected {v.expected}, got {got[v.name] or 'nothing'}"
    return None


def _schedule(params: RunParameters, languages: list[str], plan: list, suite: Suite) -> list[tuple]:
    """(round, language, cells of one harness call) in the order they run."""
    def calls(lang: str) -> list[list]:
        return runner.batches(suite, lang, [c for c in plan if suite.runs(lang, c.benchmark)])

    if params.interleave:
        return [(r, lang, c) for r in range(1, params.rounds + 1) for lang in languages for c in calls(lang)]
    return [(r, lang, c) for lang in languages for r in range(1, params.rounds + 1) for c in calls(lang)]


# --- collecting a run folder -------------------------------------------------


def saved_suite(rd: RunDir) -> Optional[Suite]:
    """The suite a run folder was made with, as saved at its start (None for older folders)."""
    data = rd.read_extra(SUITE_FILE)
    if not data:
        return None
    try:
        return Suite.model_validate(data)
    except ValueError:
        return None


def collect(rd: RunDir, suite: Optional[Suite] = None) -> RunRecord:
    """Parse every saved step of a run folder into one RunRecord.

    The suite is the one saved in the folder; ``suite`` is used for folders
    that predate that (they ran the suite given).
    """
    suite = saved_suite(rd) or suite
    if suite is None:
        raise ValueError(f"{rd.path}: the run folder holds no {SUITE_FILE}; name its suite with --suite")
    info = rd.read_run_info()
    try:
        params = RunParameters.model_validate(info.get("parameters", {}))
    except ValueError:
        params = RunParameters()
    if not params.languages:
        params = params.model_copy(update={"languages": list(info.get("languages") or [])})
    results: dict[tuple, Result] = {}
    issues: list[ParseIssue] = []
    failures: list[Failure] = []
    times: dict[str, dict] = {}
    for rec in rd.steps():
        spec = rec.spec
        _time(times, rec)
        if spec.kind == "build":
            if rec.exit_status is not None or rec.error:
                if not rec.ok:
                    failures.append(_failure(rec, "build"))
            else:
                failures.append(_failure(rec, "build", UNFINISHED))
            continue
        if spec.kind == "verify":
            problem = verify_problem(suite, rec)
            if problem is not None:
                failures.append(_failure(rec, "verify", f"{WRONG_RESULT}: {problem}"))
            continue
        if spec.kind != "bench":
            continue
        unfinished = rec.exit_status is None and rec.error is None
        parsed = _parse_step(rec)
        issues.extend(parsed.issues)
        _measuring(times, spec.language, parsed.results)
        got: set = set()
        for res in parsed.results:
            found = _apply_suite(suite, res, rec, issues)
            if found is None:
                continue
            cell, res = found
            got.add(cell)
            key = (res.id.language, res.id.harness, res.id.name, tuple(sorted(res.id.params.items())),
                   res.id.threads)
            res = res.model_copy(update={"rounds": [spec.round or 1] * len(res.ns_per_op)})
            if key in results:
                results[key] = _merge(results[key], res)
            else:
                results[key] = res
        cells = runner.step_cells(spec)
        missing = [c for c in cells if c not in got]
        if not rec.ok and not missing:
            # every cell measured (or none named), yet the call failed: said once
            failures.append(_failure(rec, "run", UNFINISHED if unfinished else None))
        for cell in missing:
            if not rec.ok:
                failures.append(_failure(rec, "run", UNFINISHED if unfinished else None, cell=cell))
            else:
                failures.append(_failure(rec, "parse", "the harness exited 0 but no result for this cell was read",
                                         cell=cell))
    record = RunRecord(
        run_id=rd.path.name,
        started_at=info.get("started_at", ""),
        finished_at=info.get("finished_at"),
        parameters=params,
        suite=suite,
        results=list(results.values()),
        issues=issues,
        failures=failures,
        environment=environment.load(rd),
        syscalls=syscalls.from_steps(rd, suite),
        timings=[LanguageTime(language=lang, **t) for lang, t in times.items()],
    )
    return record.sorted()


_TIME_FIELD = {"build": "build_seconds", "verify": "build_seconds", "bench": "bench_seconds",
               "syscalls": "count_seconds"}


def _time(times: dict[str, dict], rec: StepRecord) -> None:
    """Add a finished step's wall time to its language's account."""
    field = _TIME_FIELD.get(rec.spec.kind)
    if field is None or rec.seconds is None:
        return
    t = times.setdefault(rec.spec.language, {"build_seconds": 0.0, "bench_steps": 0, "bench_seconds": 0.0,
                                             "measuring_seconds": 0.0, "count_seconds": 0.0})
    t[field] += rec.seconds
    if rec.spec.kind == "bench":
        t["bench_steps"] += 1


def _measuring(times: dict[str, dict], language: str, results: list[Result]) -> None:
    """Time inside the timed batches of a step's samples: Σ ns/op × ops; unknown when a count is missing."""
    t = times.get(language)
    if t is None or t["measuring_seconds"] is None:
        return
    for r in results:
        if r.iterations is None:
            t["measuring_seconds"] = None
            return
        t["measuring_seconds"] += sum(ns * n for ns, n in zip(r.ns_per_op, r.iterations)) / 1e9


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


def _failure(rec: StepRecord, step: str, why: Optional[str] = None, cell: Optional[CellKey] = None) -> Failure:
    """A Failure for one step, or for one ``cell`` of it; ``why`` defaults to how the step ended."""
    spec = rec.spec
    if cell is None:
        only = runner.step_cells(spec)
        cell = only[0] if len(only) == 1 else None
    label = cell.label() if cell is not None else spec.label
    message = f"{label}: {why or rec.error or describe_exit(rec.exit_status)}"
    return Failure(
        language=spec.language,
        step=step,  # type: ignore[arg-type]
        message=message,
        command=spec.command,
        exit_status=rec.exit_status,
        stderr_tail=rec.stderr_tail(),
        log_path=str(rec.folder),
        benchmark=cell.benchmark if cell else None,
        params=dict(cell.params) if cell else {},
        threads=cell.threads if cell else None,
    )


def _apply_suite(suite: Suite, res: Result, rec: StepRecord,
                 issues: list[ParseIssue]) -> Optional[tuple[Optional[CellKey], Result]]:
    """Which of the step's cells a result is, and the result labelled as that cell.

    The step says which cells it ran; a result is the cell whose id in this
    language it bears, at the worker count it reports. A result that is none
    of them is reported as a parse issue and dropped — never silently
    relabelled. (Steps of no suite cell pass through as they are.)
    """
    spec = rec.spec
    cells = runner.step_cells(spec)
    if not cells:
        return None, res  # a step that names no cell (older run folders): kept as the harness said
    ran = {c: suite.harness_id(spec.language, c.benchmark, c.params) for c in cells}
    named = [c for c in cells if ran[c] == res.id.name and suite.benchmark(c.benchmark) is not None]
    where = res.source or str(rec.folder)
    if not named:
        expected = ", ".join(repr(i) for i in dict.fromkeys(ran.values()))
        issues.append(ParseIssue(
            source=where,
            message=f"{res.id.name}: this step ran {spec.label} of {spec.language}, whose name"
                    f"{'s are' if len(set(ran.values())) > 1 else ' is'} {expected}; not used",
        ))
        return None
    if res.id.threads is not None:
        at = [c for c in named if c.threads == res.id.threads]
    else:
        at = named if len(named) == 1 else []
    if len(at) != 1:
        ts = ",".join(str(c.threads) for c in named)
        issues.append(ParseIssue(
            source=where,
            message=f"{res.id.name}: the step ran T={ts} but the output says "
                    f"T={res.id.threads if res.id.threads is not None else 'nothing'}; not used",
        ))
        return None
    cell = at[0]
    bench = suite.benchmark(cell.benchmark)
    how = "one worker" if bench.mode == "sequential" else f"{cell.threads} workers pulling from one op budget"
    source = res.id.threads_source if res.id.threads is not None else "step"
    ident = res.id.model_copy(update={
        "canonical": bench.name,
        "params": dict(cell.params),
        "threads": cell.threads,
        "mode": bench.mode,
        "threads_source": f"{source}; " + SUITE_SOURCE.format(suite=suite.name, how=how),
    })
    return cell, res.model_copy(update={"id": ident})


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
