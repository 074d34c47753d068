"""What the user-facing commands do, shared by tasks.py and ``python -m orchestrator``.

Each function returns ``(message, exit_code)`` and raises ``ValueError`` with
a one-line message for bad input (the caller prints it and exits 2). Exit
codes: 0 clean, 1 partial or failed (the report says what), 130 interrupted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from orchestrator import adapters, derive, manifest, normalize
from orchestrator.models import InputFile, RunRecord, Suite
from orchestrator.rundir import NotARunError, RunDir, atomic_write, progress


def bench(
    root: Path,
    suite_path: Optional[str],
    languages: Optional[str],
    threads: Optional[str],
    samples,
    bench_names: Optional[str],
    quick: bool,
    interleave: bool,
    count_syscalls: bool,
    out: Optional[str],
    runs: Optional[str] = None,
    precision: Optional[str] = None,
    budget: Optional[str] = None,
    history_db: Optional[str] = None,
) -> tuple[str, int]:
    """``history_db``: also append the run to that history file and write the trend charts beside the report."""
    from orchestrator import bench as b
    from orchestrator import render

    suite = manifest.resolve(root, suite_path)
    params = b.make_parameters(suite, threads, samples, bench_names, quick, interleave, languages, precision, budget)
    ops = None
    if count_syscalls and suite.events:
        ops = suite.events.quick_ops if quick else suite.events.ops
    runs_root = Path(runs) if runs else None
    if runs_root is not None and runs_root.exists() and not runs_root.is_dir():
        raise ValueError(f"--runs: {runs_root} is not a folder")
    outcome = b.run(root, suite, params, runs_root=runs_root, syscall_ops=ops)
    lines = [f"raw output: {outcome.run_dir.path}"]
    code = 0
    try:
        atomic_write(outcome.run_dir.path / "results.json", outcome.record.to_json())
    except OSError as exc:
        lines.append(f"could not save results.json in the run folder: {exc.strerror or exc}")
    # The committed comparison docs come from a full default run of a suite; a
    # run of some of its languages, or a --quick one, reports into its own run
    # folder unless told otherwise.
    full = set(params.languages) == set(suite.language_names()) and not quick
    out_dir = Path(out) if out else (reports_dir(root, suite) if full else outcome.run_dir.path)
    try:
        written = render.publish(outcome.record, out_dir)
        lines += [f"{k}: {p}" for k, p in written.items()]
    except OSError as exc:
        lines.append(f"could not write the report to {out_dir}: {exc.strerror or exc} "
                     "(files already there were left as they were)")
        code = 1
    if history_db and code == 0:
        lines += _remember(Path(history_db), outcome.record, out_dir)
    lines += time_lines(outcome.record)
    wrong = [f for f in outcome.record.failures if f.step == "verify"]
    for f in wrong:
        lines.append(f"{f.language}: {f.message}")
    if outcome.storage_error:
        lines.append(f"stopped early: {outcome.storage_error}; the report holds what was saved before")
        code = 1
    if outcome.interrupted:
        lines.append("interrupted: the report holds what finished")
        code = 130
    elif outcome.partial and not outcome.storage_error:
        lines.append(
            f"partial run: {len(outcome.record.failures)} failure(s), {len(outcome.record.issues)} parse "
            "issue(s); the report's last section lists them with their logs"
        )
        code = 1
    return "\n".join(lines), code


def _remember(db: Path, record: RunRecord, out_dir: Path) -> list[str]:
    """Append a run to the history and draw the trends; a history that cannot take it is said, not fatal."""
    from orchestrator import history, trends

    try:
        history.add(db, record)
        return [f"history: {db}", f"trends: {trends.write(db, record, out_dir)}"]
    except history.HistoryError as exc:
        return [f"history not updated: {exc}"]


def time_lines(record: RunRecord) -> list[str]:
    """The run summary: per language, wall time of its steps, time measuring, and the share lost."""
    out = ["time per language: build | bench steps (wall) | measuring | lost to start-up, calibration, "
           "analysis | counting"]
    order = record.suite.order if record.suite else (lambda lang: 0)
    for t in sorted(record.timings, key=lambda t: (order(t.language), t.language)):
        measuring = "unknown" if t.measuring_seconds is None else f"{t.measuring_seconds:.1f} s"
        share = "–" if t.overhead_share is None else f"{t.overhead_share:.0%}"
        out.append(f"  {t.language:<12} {t.build_seconds:6.1f} s | {t.bench_steps:3d} steps {t.bench_seconds:6.1f} s"
                   f" | {measuring} | {share} | {t.count_seconds:.1f} s")
    return out


def reports_dir(root: Path, suite: Suite) -> Path:
    """Where a suite's comparison docs live: reports/ for the default suite, reports/<name>/ for others."""
    return root / "reports" if suite.default else root / "reports" / suite.name


def load_run(root: Path, run: Optional[str], suite_path: Optional[str] = None) -> RunRecord:
    """A RunRecord from a run folder (re-parsed from its raw output) or a results.json file.

    A run folder or record that predates suites as data names none; it is
    read with ``--suite`` (default: the default suite, the only one such runs
    could have measured).
    """
    from orchestrator import bench as b

    if run is None:
        latest = root / "reports" / "runs" / "latest"
        if latest.exists():
            run = str(latest)
        else:
            return _with_suite(root, _read_results(root / "reports" / "results.json"), suite_path)
    path = Path(run)
    if path.is_file():
        return _with_suite(root, _read_results(path), suite_path)
    try:
        rd = RunDir.open(path)
    except NotARunError as exc:
        raise ValueError(f"--run: {exc}") from None
    if rd.step_folders():
        saved = b.saved_suite(rd)
        return b.collect(rd, saved or manifest.resolve(root, suite_path))
    return _with_suite(root, _read_results(rd.path / "results.json"), suite_path)


def _with_suite(root: Path, record: RunRecord, suite_path: Optional[str]) -> RunRecord:
    if record.suite is not None or record.inputs:
        return record
    return record.model_copy(update={"suite": manifest.resolve(root, suite_path)})


def _read_results(path: Path) -> RunRecord:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return RunRecord.from_json(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def report(root: Path, run, check: bool, out: Optional[str],
           suite_path: Optional[str] = None) -> tuple[str, int]:
    """Render a run again; several runs (``--run A --run B``) make one report with a section per machine."""
    from orchestrator import machines, render

    runs = [run] if isinstance(run, str) else list(run or [])
    if len(runs) > 1:
        if check:
            raise ValueError("--check takes no --run (use --out to name another folder)")
        records = [load_run(root, r, suite_path) for r in runs]
        out_dir = Path(out) if out else root / "reports" / "machines"
        written = machines.publish(records, out_dir)
        return "\n".join(f"{k}: {p}" for k, p in written.items()), 0
    run = runs[0] if runs else None
    out_dir = Path(out) if out else root / "reports"
    if check and run:
        raise ValueError("--check compares REPORT.md with the results.json beside it; it takes no --run "
                         "(use --out to name another folder)")
    if check:
        folders = [out_dir] if out else committed_reports(root)
        if not folders:
            raise ValueError(f"--check: no REPORT.md beside a results.json under {root / 'reports'}")
        lines, code = [], 0
        for folder in folders:
            if (folder / machines.INDEX).is_file():
                diff = machines.check(folder)
            else:
                diff = render.check(_read_results(folder / "results.json"), folder)
            if diff:
                lines.append(f"{folder / 'REPORT.md'} differs from what results.json renders to (run "
                             f"`invoke report --run {folder / 'results.json'} --out {folder}` and commit):")
                lines += diff
                code = 1
            else:
                source = machines.INDEX if (folder / machines.INDEX).is_file() else "results.json"
                lines.append(f"{folder / 'REPORT.md'} is up to date with {folder / source}")
        return "\n".join(lines), code
    record = load_run(root, run, suite_path)
    if out is None and record.suite is not None:
        out_dir = reports_dir(root, record.suite)
    written = render.publish(record, out_dir)
    return "\n".join(f"{k}: {p}" for k, p in written.items()), 0


def committed_reports(root: Path) -> list[Path]:
    """Every folder under reports/ (run folders aside) holding REPORT.md and its results (or a merged index)."""
    from orchestrator import machines

    base = root / "reports"
    found = [p.parent for p in base.rglob("REPORT.md")
             if ((p.parent / "results.json").is_file() or (p.parent / machines.INDEX).is_file())
             and "runs" not in p.relative_to(base).parts]
    return sorted(found)


def detect_format(path: Path) -> str:
    """Which adapter reads ``path``: the one whose own ``sniff`` claims it, read whole."""
    try:
        fmt = adapters.detect(path)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if fmt is None:
        raise ValueError(f"{path}: the format could not be told (none or several of "
                         f"{', '.join(adapters.formats())} claim it); name it with --format LANG=FORMAT")
    return fmt


def compare(
    root: Path,
    inputs: dict[str, Optional[str]],
    modes: Optional[str],
    mapping: Optional[str],
    out: Optional[str],
    formats: Optional[str] = None,
) -> tuple[str, int]:
    """A report from outputs the user brings, against a suite derived from them."""
    from orchestrator import render
    from orchestrator.rundir import utc_iso

    given = {lang: p for lang, p in inputs.items() if p}
    if not given:
        raise ValueError("compare: give at least one output: " + ", ".join(f"--{x} PATH" for x in inputs))
    declared = normalize.parse_modes(modes, list(given))
    names = normalize.parse_mapping(mapping)
    declared_formats = _parse_formats(formats, list(given))
    parsed = adapters.Parsed()
    files = []
    for lang, p in given.items():
        path = Path(p)
        if not path.exists():
            raise ValueError(f"--{lang}: {path} does not exist")
        fmt = declared_formats.get(lang) or detect_format(path)
        native = adapters.language(fmt)
        if lang not in declared_formats and native is not None and native != lang:
            raise ValueError(f"--{lang}: {path} reads as {fmt} output, which is {native}'s, not {lang}'s; "
                             f"give it as --{native}, or declare it with --format {lang}={fmt}")
        parsed.extend(adapters.get(fmt)(path, language=lang))
        d = declared.get(lang)
        files.append(InputFile(language=lang, path=str(path), format=fmt, declared=d.flag(lang) if d else None))
    results = normalize.declare(derive.assign(parsed.results, names), declared)
    suite = derive.from_results(results)
    record = RunRecord(run_id="compare", started_at=utc_iso(), suite=suite, inputs=files, results=results,
                       issues=parsed.issues)
    out_dir = Path(out) if out else root / "reports" / "compare"
    written = render.publish(record, out_dir)
    lines = [f"{k}: {p}" for k, p in written.items()]
    for issue in parsed.issues:
        lines.append(f"warning: {issue}")
    why = nothing_compared(record)
    if why:
        lines.append(f"nothing was compared: {why}")
        return "\n".join(lines), 1
    return "\n".join(lines), 1 if parsed.issues else 0


def _parse_formats(text: Optional[str], languages: list[str]) -> dict[str, str]:
    """``--format rust=gobench`` → {"rust": "gobench"}: the user vouches for an output's format."""
    out: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        lang, sep, fmt = part.strip().partition("=")
        if not sep or lang not in languages:
            raise ValueError(f"--format: {part!r} is not LANGUAGE=FORMAT for a language given "
                             f"({', '.join(languages)})")
        adapters.get(fmt)  # raises with the known formats
        out[lang] = fmt
    return out


def nothing_compared(record: RunRecord) -> Optional[str]:
    """Why no two languages were compared, or None when at least one pair was."""
    from orchestrator import report as rep

    data = rep.build(record)
    if any(len(t.rows) >= 2 for t in data.all_tables):
        return None
    langs = sorted({r.id.language for r in record.results})
    if len(langs) < 2:
        return f"results of {len(langs)} language{'s' if len(langs) != 1 else ''} only ({', '.join(langs) or 'none'})"
    if data.refused:
        return f"every pair was refused ({len(data.refused)} refused; see the report's last section)"
    if data.not_comparable:
        return (f"{len(data.not_comparable)} result(s) lack a mode or worker count; declare them with --mode "
                "(see the report's last section)")
    return "no benchmark is common to two languages (put names under one with --map NAME=BENCHMARK)"


def syscalls(root: Path, suite_path: Optional[str], languages: Optional[str], threads: Optional[str],
             bench_names: Optional[str], ops) -> tuple[str, int]:
    """Count the suite's event per op for every cell, alone."""
    from orchestrator import bench as b
    from orchestrator import syscalls as sc

    suite = manifest.resolve(root, suite_path)
    if suite.events is None:
        raise ValueError(f"suite {suite.name!r} declares no [events] to count")
    try:
        n = suite.events.ops if ops is None else int(ops)
    except (TypeError, ValueError):
        raise ValueError(f"--ops: {ops!r} is not a whole number (allowed: 1 or more)") from None
    if n < 1:
        raise ValueError(f"--ops: {n} is too small (allowed: 1 or more)")
    params = b.make_parameters(suite, threads, None, bench_names, languages=languages)
    build_root = root / "build"
    rd = RunDir.create(root / "reports" / "runs")
    rd.write_run_info({"kind": "syscalls", "parameters": params.model_dump(mode="json")})
    built = b.build(rd, suite, build_root, params.languages, progress)
    sc.run(rd, suite, build_root, built, suite.cells(params), n, progress)
    counts = sc.from_steps(rd, suite)
    lines = [f"raw output: {rd.path}",
             f"language     benchmark                T  method  {suite.events.label} / op (each repetition)"]
    code = 0
    for s in sorted(counts, key=lambda s: (suite.order(s.language), suite.benchmark_order(s.canonical),
                                           sorted(s.params.items()), s.threads)):
        figures = ", ".join(f"{x:.4f}" for x in s.per_op) if s.per_op else f"not measured: {s.reason}"
        if s.open_share:
            figures += "; cycle share " + ", ".join(f"{x:.3f}" for x in s.open_share)
        bench = " ".join([s.canonical, *(f"{k}={v}" for k, v in sorted(s.params.items()))])
        lines.append(f"{s.language:<12} {bench:<24} {s.threads:<2} {s.method:<7} {figures}")
        if s.method == "none":
            code = 1
    missing = [lang for lang in params.languages if lang not in built]
    if missing:
        lines.append(f"not built: {', '.join(missing)} (see {rd.path / 'steps'})")
        code = 1
    return "\n".join(lines), code


def build(root: Path, suite_path: Optional[str], languages: Optional[str]) -> tuple[str, int]:
    """Run the build commands of a suite's languages (default: all), logging like any run."""
    from orchestrator import bench as b

    suite = manifest.resolve(root, suite_path)
    chosen = b.parse_list("--languages", languages, suite.language_names()) or suite.language_names()
    rd = RunDir.create(root / "reports" / "runs")
    rd.write_run_info({"kind": "build", "suite": suite.name})
    built = b.build(rd, suite, root / "build", chosen, progress)
    lines = [f"{lang}: {'built' if lang in built else 'FAILED'}" for lang in chosen]
    lines.append(f"logs: {rd.path / 'steps'}")
    return "\n".join(lines), 0 if len(built) == len(chosen) else 1


def list_suites(root: Path) -> tuple[str, int]:
    """Every suite under suites/, with its languages and benchmarks; a bad manifest says why."""
    lines = []
    code = 0
    for path in manifest.discover(root):
        try:
            suite = manifest.load(path)
        except manifest.ManifestError as exc:
            lines.append(f"{path.parent.name}: unusable — {exc}")
            code = 2
            continue
        mark = " (default)" if suite.default else ""
        lines.append(f"{suite.name}{mark}: {suite.title} — {path.parent}")
        lines.append(f"  languages:  {', '.join(suite.language_names())}")
        for bench in suite.benchmarks:
            axes = "".join(f" × {a}" for a in bench.axes)
            lines.append(f"  {bench.name:<20} {bench.mode}{axes}")
    return ("\n".join(lines) or f"no suites under {root / manifest.SUITES_DIR}"), code


# --- history across commits (orchestrator.history) ----------------------------------


def _history_file(root: Path, db: Optional[str]) -> Path:
    from orchestrator import history

    return Path(db) if db else history.default_path(root)


def history_add(root: Path, run: Optional[str], db: Optional[str]) -> tuple[str, int]:
    """Append a run folder or results.json (default: the latest run) to the history file."""
    from orchestrator import history

    path = _history_file(root, db)
    record = load_run(root, run)
    run_id = history.add(path, record)
    stored = history.rows(record)
    env = record.environment
    lines = [f"added run {run_id} to {path}: suite {record.suite.name}, {len(stored.samples)} samples of "
             f"{stored.cells()} (cell, language) series, commit {(env.git_commit or 'unknown')[:12]}"
             f"{' (dirty)' if env.git_dirty else ''}, machine {env.fingerprint()}"]
    if stored.skipped:
        lines.append(f"not stored (no cell to file them under): {', '.join(stored.skipped)}")
    return "\n".join(lines), 0


def trends_redraw(root: Path, run: Optional[str], db: Optional[str], out: Optional[str]) -> tuple[str, int]:
    """Draw TRENDS.md again for a run already in the history (default: the latest run), appending nothing."""
    from orchestrator import history, trends

    path = _history_file(root, db)
    record = load_run(root, run)
    if record.suite is None:
        raise ValueError("trends: the run names no suite")
    if not any(r.run_id == record.run_id for r in history.runs(path, record.suite.name)):
        raise ValueError(f"trends: run {record.run_id} is not in {path} (add it with invoke history-add)")
    out_dir = Path(out) if out else reports_dir(root, record.suite)
    return f"trends: {trends.write(path, record, out_dir)}", 0


def history_list(root: Path, db: Optional[str], suite: Optional[str], cell: Optional[str],
                 language: Optional[str] = None) -> tuple[str, int]:
    """The stored runs, or with ``cell`` the trend of that cell (per language, or only ``language``)."""
    from orchestrator import history
    from orchestrator.report import sig

    path = _history_file(root, db)
    if cell is None:
        if language:
            raise ValueError("--language picks a language of --cell; give --cell too, e.g. --cell 'sum size=16 T=1'")
        found = history.runs(path, suite)
        if not found:
            return f"no runs{f' of suite {suite}' if suite else ''} in {path}", 0
        lines = [f"{len(found)} run(s) in {path}:",
                 f"{'run':<22} {'suite':<16} {'started':<21} {'commit':<20} {'machine':<13} samples"]
        lines += [f"{r.run_id:<22} {r.suite:<16} {r.started_at:<21} {r.commit_text():<20} {r.fingerprint:<13} "
                  f"{r.samples}" for r in found]
        return "\n".join(lines), 0
    benchmark, params, threads = history.parse_cell(cell)
    stored = history.cells(path, suite)
    matching = [s for s in stored if s.cell.benchmark == benchmark
                and all(s.cell.params.get(k) == v for k, v in params.items())
                and (threads is None or s.cell.threads == threads)
                and (language is None or s.language == language)]
    if not matching:
        known = sorted({f"{s.cell.label()} ({s.language})" for s in stored})
        raise ValueError(f"--cell: nothing stored for {cell!r}{f' in {language}' if language else ''}"
                         f"{f' of suite {suite}' if suite else ''} in {path} (stored: "
                         f"{', '.join(known[:12]) or 'none'}{', …' if len(known) > 12 else ''})")
    lines = []
    for s in matching:
        points = history.trend(path, s.suite, s.cell.benchmark, s.cell.params, s.cell.threads, s.language)
        lines.append(f"{s.suite}: {s.language} {s.cell.label()} — median ns/op per run [interval, its coverage]")
        previous = None
        for p in points:
            mark = "" if previous in (None, p.run.fingerprint) else "  ← another machine or toolchain"
            previous = p.run.fingerprint
            iv = p.interval
            lines.append(f"  {p.run.started_at:<21} {p.run.commit_text():<20} {p.run.fingerprint:<13} "
                         f"n={p.n:<4} {sig(p.median)} [{sig(iv.lo)}, {sig(iv.hi)}, {iv.coverage:.0%}]{mark}")
    return "\n".join(lines), 0


def history_check(root: Path, db: Optional[str], suite: Optional[str], threshold,
                  fail_on_regression: bool) -> tuple[str, int]:
    """The latest run of each suite against its earlier runs on the same machine; exit 1 on a
    flagged regression when ``fail_on_regression``."""
    from orchestrator import history

    path = _history_file(root, db)
    if threshold is None or threshold == "":
        value = history.DEFAULT_THRESHOLD
    else:
        text = str(threshold).strip()
        try:
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(f"--threshold: {threshold!r} is not a fraction, e.g. 0.05 (or 5%)") from None
    result = history.check(path, suite, value)
    lines = result.lines()
    regressed = result.regressions()
    code = 1 if fail_on_regression and regressed else 0
    if code:
        lines.append(f"failing: {len(regressed)} regression(s) flagged (--fail-on-regression)")
    return "\n".join(lines), code
