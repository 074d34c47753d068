"""What the user-facing commands do, shared by tasks.py and ``python -m orchestrator``.

Each function returns ``(message, exit_code)`` and raises ``ValueError`` with
a one-line message for bad input (the caller prints it and exits 2). Exit
codes: 0 clean, 1 partial or failed (the report says what), 130 interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from orchestrator import adapters, normalize
from orchestrator.models import RunRecord
from orchestrator.rundir import NotARunError, RunDir, atomic_write, progress


def bench(
    root: Path,
    languages: list[str],
    threads: Optional[str],
    samples,
    bench_names: Optional[str],
    quick: bool,
    interleave: bool,
    count_syscalls: bool,
    out: Optional[str],
    runs: Optional[str] = None,
) -> tuple[str, int]:
    from orchestrator import bench as b
    from orchestrator import render

    params = b.make_parameters(threads, samples, bench_names, quick, interleave)
    ops = (2000 if quick else 10000) if count_syscalls else None
    runs_root = Path(runs) if runs else None
    if runs_root is not None and runs_root.exists() and not runs_root.is_dir():
        raise ValueError(f"--runs: {runs_root} is not a folder")
    outcome = b.run(root, params, languages, runs_root=runs_root, syscall_ops=ops)
    lines = [f"raw output: {outcome.run_dir.path}"]
    code = 0
    try:
        atomic_write(outcome.run_dir.path / "results.json", outcome.record.to_json())
    except OSError as exc:
        lines.append(f"could not save results.json in the run folder: {exc.strerror or exc}")
    # The committed comparison docs come from a full run; a one-language run
    # reports into its own run folder unless told otherwise.
    full = set(languages) == set(b.all_runners())
    out_dir = Path(out) if out else (root / "reports" if full else outcome.run_dir.path)
    try:
        written = render.publish(outcome.record, out_dir)
        lines += [f"{k}: {p}" for k, p in written.items()]
    except OSError as exc:
        lines.append(f"could not write the report to {out_dir}: {exc.strerror or exc} "
                     "(files already there were left as they were)")
        code = 1
    if outcome.storage_error:
        lines.append(f"stopped early: {outcome.storage_error}; the report holds what was saved before")
        code = 1
    if outcome.interrupted:
        lines.append("interrupted: the report holds what finished")
        code = 130
    elif outcome.partial and not outcome.storage_error:
        lines.append(
            f"partial run: {len(outcome.record.failures)} failure(s), {len(outcome.record.issues)} parse "
            "issue(s); the report's section 5 lists them with their logs"
        )
        code = 1
    return "\n".join(lines), code


def load_run(root: Path, run: Optional[str]) -> RunRecord:
    """A RunRecord from a run folder (re-parsed from its raw output) or a results.json file."""
    from orchestrator import bench as b

    if run is None:
        latest = root / "reports" / "runs" / "latest"
        if latest.exists():
            run = str(latest)
        else:
            return _read_results(root / "reports" / "results.json")
    path = Path(run)
    if path.is_file():
        return _read_results(path)
    try:
        rd = RunDir.open(path)
    except NotARunError as exc:
        raise ValueError(f"--run: {exc}") from None
    if rd.step_folders():
        return b.collect(rd)
    return _read_results(rd.path / "results.json")


def _read_results(path: Path) -> RunRecord:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return RunRecord.from_json(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def report(root: Path, run: Optional[str], check: bool, out: Optional[str]) -> tuple[str, int]:
    from orchestrator import render

    out_dir = Path(out) if out else root / "reports"
    if check and run:
        raise ValueError("--check compares REPORT.md with the results.json beside it; it takes no --run "
                         "(use --out to name another folder)")
    if check:
        record = _read_results(out_dir / "results.json")
        diff = render.check(record, out_dir)
        if diff:
            return ("REPORT.md differs from what results.json renders to (run `invoke report --run "
                    f"{out_dir / 'results.json'}` and commit):\n" + "\n".join(diff)), 1
        return f"{out_dir / 'REPORT.md'} is up to date with {out_dir / 'results.json'}", 0
    record = load_run(root, run)
    written = render.publish(record, out_dir)
    return "\n".join(f"{k}: {p}" for k, p in written.items()), 0


def detect_format(path: Path) -> str:
    """Which adapter reads ``path``: by shape and content, never by guessing a language."""
    if path.is_dir():
        return "criterion"
    try:
        head = path.read_bytes()[:4096]
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if path.suffix == ".gz":
        return "pyperf"
    text = head.decode("utf-8", errors="replace").lstrip()
    if text.startswith("{"):
        if '"machine_info"' in text or '"commit_info"' in text:
            return "pytest-benchmark"
        if '"Action"' in text:
            return "gobench"
        return "pyperf"
    if "ns/iter" in text:
        return "libtest"
    return "gobench"


def compare(
    root: Path,
    inputs: dict[str, Optional[str]],
    modes: Optional[str],
    mapping: Optional[str],
    out: Optional[str],
) -> tuple[str, int]:
    from orchestrator import render
    from orchestrator.rundir import utc_iso

    given = {lang: p for lang, p in inputs.items() if p}
    if not given:
        raise ValueError("compare: give at least one of --go FILE, --rust DIR, --python FILE")
    declared = normalize.parse_modes(modes)
    names = normalize.parse_mapping(mapping)
    parsed = adapters.Parsed()
    for lang, p in given.items():
        path = Path(p)
        if not path.exists():
            raise ValueError(f"--{lang}: {path} does not exist")
        fmt = detect_format(path)
        parsed.extend(adapters.get(fmt)(path, language=lang))
    results = normalize.declare(parsed.results, declared, names)
    record = RunRecord(
        run_id="compare",
        started_at=utc_iso(),
        results=results,
        issues=parsed.issues,
    )
    out_dir = Path(out) if out else root / "reports" / "compare"
    written = render.publish(record, out_dir)
    lines = [f"{k}: {p}" for k, p in written.items()]
    for issue in parsed.issues:
        lines.append(f"warning: {issue}")
    return "\n".join(lines), 1 if parsed.issues else 0


def syscalls(root: Path, threads: Optional[str], bench_names: Optional[str], ops) -> tuple[str, int]:
    from orchestrator import bench as b
    from orchestrator import syscalls as sc
    from orchestrator.runners import all_runners

    try:
        n = 10000 if ops is None else int(ops)
    except (TypeError, ValueError):
        raise ValueError(f"--ops: {ops!r} is not a whole number (allowed: 1 or more)") from None
    if n < 1:
        raise ValueError(f"--ops: {n} is too small (allowed: 1 or more)")
    params = b.make_parameters(threads, None, bench_names)
    runners = all_runners()
    build_dir = root / "build"
    rd = RunDir.create(root / "reports" / "runs")
    rd.write_run_info({"kind": "syscalls", "parameters": params.model_dump(mode="json")})
    languages = b.build(rd, root, build_dir, list(runners), progress)
    sc.run(rd, root, build_dir, runners, languages, b.cells(params), n, progress)
    counts = sc.from_steps(rd)
    lines = [f"raw output: {rd.path}", "language  benchmark        T  method  mprotect/op (each repetition)"]
    code = 0
    for s in sorted(counts, key=lambda s: (s.language, s.canonical, s.threads)):
        figures = ", ".join(f"{x:.4f}" for x in s.per_op) if s.per_op else f"not measured: {s.reason}"
        if s.open_share:
            figures += "; open/close share " + ", ".join(f"{x:.3f}" for x in s.open_share)
        lines.append(f"{s.language:<9} {s.canonical:<16} {s.threads:<2} {s.method:<7} {figures}")
        if s.method == "none":
            code = 1
    missing = sorted(set(all_runners()) - set(languages))
    if missing:
        lines.append(f"not built: {', '.join(missing)} (see {rd.path / 'steps'})")
        code = 1
    return "\n".join(lines), code


def build(root: Path) -> tuple[str, int]:
    """Build both interop shared libraries into build/interop/, logging like any run."""
    from orchestrator import bench as b

    rd = RunDir.create(root / "reports" / "runs")
    rd.write_run_info({"kind": "build"})
    built = b.build(rd, root, root / "build", ["python→go", "python→rust"], progress)
    from pysecret.backends import library_path

    lines = [f"{lang}: {'built ' + str(library_path(lang.split('→')[1], root)) if lang in built else 'FAILED'}"
             for lang in ("python→go", "python→rust")]
    lines.append(f"logs: {rd.path / 'steps'}")
    return "\n".join(lines), 0 if len(built) == 2 else 1
