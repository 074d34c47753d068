"""Report data → markdown, through the jinja2 templates in ``templates/``.

The output is deterministic: the same results.json renders to the same
bytes (fixed ordering, fixed number formats, the run's own timestamps in the
footer, never the time of rendering).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import jinja2

from orchestrator import report
from orchestrator.models import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment_rows(env: Environment) -> list[tuple[str, str]]:
    rows = [
        ("CPU", env.cpu_model),
        ("logical / physical CPUs", _pair(env.logical_cpus, env.physical_cpus)),
        ("virtualisation", env.virtualization),
        ("frequency governor", env.governor),
        ("kernel", env.kernel),
        ("page size", f"{env.page_size} bytes" if env.page_size else None),
        ("RLIMIT_MEMLOCK", env.memlock_limit),
    ]
    rows += sorted(env.toolchains.items())
    rows += [(f"build flags ({k})", f"`{v}`") for k, v in sorted(env.build_flags.items())]
    commit = env.git_commit
    if commit:
        commit = f"{commit}{' (working tree dirty)' if env.git_dirty else ''}"
    rows.append(("benchnorm commit", commit))
    rows += sorted(env.extra.items())
    return [(label, str(value).replace("|", "\\|").replace("\n", " ")) for label, value in rows
            if value not in (None, "")] or [("environment", "not captured")]


def _pair(a, b) -> Optional[str]:
    if a is None and b is None:
        return None
    return f"{a if a is not None else '?'} / {b if b is not None else '?'}"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
        lstrip_blocks=False,
        autoescape=False,
    )
    env.filters["sig"] = report.sig
    env.filters["pct"] = report.pct
    env.filters["times"] = report.ratio_text
    env.filters["looks"] = report.looks
    return env


def render_template(name: str, **values) -> str:
    """One of templates/ rendered with the report's filters, blank-line runs collapsed."""
    return _tidy(_env().get_template(name).render(**values))


def markdown(data: report.ReportData) -> str:
    suite = data.suite
    base = suite.report.baseline
    floor_tables = [t for t in data.all_tables if base and t.benchmark == base.benchmark and t.threads == 1]
    n_tests = sum(len(t.pairs) for t in data.all_tables)
    measured = {r.id.language for r in data.record.results}
    drivers = {lang.name for lang in suite.languages if lang.calls}
    shown = [lang for lang in suite.languages if lang.name in measured and lang.name not in drivers]
    languages = [lang.name for lang in shown]
    harnesses = list(dict.fromkeys(lang.harness or lang.format for lang in suite.languages
                                   if lang.name in languages))
    text = _env().get_template("report.md.j2").render(
        d=data,
        suite=suite,
        record=data.record,
        env=data.record.environment,
        environment_rows=environment_rows(data.record.environment),
        floor_table=floor_tables[0] if len(floor_tables) == 1 else None,
        n_tests=n_tests,
        languages=[lang.display or lang.name for lang in shown],
        harnesses=harnesses,
        has_params=any(t.params for t in data.all_tables),
        has_parallel=any(b.mode == "parallel" for b in suite.benchmarks),
        reference=_display(suite, suite.report.reference) if suite.report.reference else None,
        timings=sorted(data.record.timings, key=lambda t: (suite.order(t.language), t.language)),
        event_label=suite.events.label if suite.events else "counted calls",
    )
    return _tidy(text)


def _display(suite, language: str) -> str:
    lang = suite.language(language)
    return lang.display or lang.name


def _tidy(text: str) -> str:
    """Collapse runs of blank lines that template branches leave behind."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def publish(record, out_dir: Path, charts: bool = True) -> dict[str, Path]:
    """Write REPORT.md, results.json, charts and exports into ``out_dir``, each atomically."""
    from orchestrator import export
    from orchestrator import charts as charts_mod
    from orchestrator.rundir import atomic_write

    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    results = out_dir / "results.json"
    atomic_write(results, record.to_json())
    written["results"] = results
    data = report.build(record)
    if charts:
        data.charts = charts_mod.write_charts(data, out_dir / "charts")
    else:
        data.charts = charts_mod.links(data)
    md = out_dir / "REPORT.md"
    atomic_write(md, markdown(data))
    written["report"] = md
    gob = out_dir / "results.txt"
    atomic_write(gob, export.gobench_text(record))
    written["gobench"] = gob
    bmf = out_dir / "bmf.json"
    atomic_write(bmf, export.bmf_json(record))
    written["bmf"] = bmf
    return written


def check(record, out_dir: Path) -> list[str]:
    """What differs between the committed report and what ``record`` renders to."""
    from orchestrator import charts as charts_mod

    data = report.build(record)
    data.charts = charts_mod.links(data)
    return differences(out_dir / "REPORT.md", markdown(data))


def differences(path: Path, expected: str) -> list[str]:
    """A committed file against what it should hold: a short unified diff, empty when equal."""
    import difflib

    try:
        actual = path.read_text()
    except OSError as exc:
        return [f"{path}: cannot read ({exc.strerror})"]
    if actual == expected:
        return []
    diff = difflib.unified_diff(actual.splitlines(), expected.splitlines(),
                                f"{path} (committed)", f"{path} (rendered)", lineterm="", n=1)
    return list(diff)[:80]
