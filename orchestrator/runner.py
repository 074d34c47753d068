"""A suite's command templates → the steps a run executes.

Every language is built and run the same way: its manifest entry gives the
build commands, one cell's bench command, the ops runner and the verify
command as templates, and this module fills them in. Placeholders:

    {build}            build/<suite>/<language>/ (created before the build)
    {python}           the interpreter running benchnorm
    {workdir} {suite}  the language's working folder, the manifest's folder
    {step} {out}       the step folder; {out} is the artifact path in it
    {bench} {id}       the suite's benchmark name; the harness's id for the cell
    {name}             the harness's full name of the cell (thread notation included)
    {id_regex}         {id} as a path of anchored regular expressions, ^a$/^b$ (Go's -test.bench)
    {threads}          T
    {samples}          samples this step takes (at least the language's min_samples)
    {batch_seconds}    seconds one sample's timed batch runs
    {warmup_seconds}   warm-up before the first sample
    {measure_seconds}  samples × batch_seconds (criterion's --measurement-time)
    {ops}              ops-runner op count
    {ops_per_batch}    (bench_calibrated only) ops that fill one batch, from the cell's earlier samples:
                       the batch length over their median ns/op, rounded up to a power of two
    {vectors}          the suite's vectors file (verify)
    {<axis>}           a cell's value of a suite axis, e.g. {size}

Nothing here knows a harness's flags: they are the manifest's.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from orchestrator.models import CellKey, LanguageSpec, Suite, render
from orchestrator.rundir import StepSpec


@dataclass(frozen=True)
class Profile:
    """How long each sample's timed batch runs, shared by every language."""

    name: str
    sample_seconds: float
    warmup_seconds: float

    @classmethod
    def default(cls) -> "Profile":
        return cls("default", sample_seconds=0.3, warmup_seconds=1.0)

    @classmethod
    def quick(cls) -> "Profile":
        return cls("quick", sample_seconds=0.05, warmup_seconds=0.1)


def step_timeout(samples: int, profile: Profile, threads: int) -> float:
    """A generous ceiling for one bench step, so a hung harness cannot stall the run."""
    return 300.0 + samples * profile.sample_seconds * 40 * max(1, threads)


def build_dir(build_root: Path, suite: Suite, language: str) -> Path:
    """Where one language of one suite puts what it builds."""
    slug = language.replace("→", "-to-")
    return Path(build_root) / suite.name / slug


def _base(suite: Suite, lang: LanguageSpec, build_root: Path) -> dict[str, Any]:
    folder = Path(suite.path or ".")
    return {
        "build": str(build_dir(build_root, suite, lang.name)),
        "python": sys.executable,
        "workdir": str((folder / lang.workdir).resolve()),
        "suite": str(folder),
        "vectors": suite.vectors_file or "",
    }


def _fill(args: list[str], values: dict[str, Any]) -> list[str]:
    return [render(a, values) for a in args]


def _cwd(suite: Suite, lang: LanguageSpec) -> str:
    return str((Path(suite.path or ".") / lang.workdir).resolve())


def _cell_values(suite: Suite, lang: LanguageSpec, cell: CellKey) -> dict[str, Any]:
    ident = suite.harness_id(lang.name, cell.benchmark, cell.params) or ""
    return {
        **cell.params,
        "bench": cell.benchmark,
        "id": ident,
        "id_regex": "/".join(f"^{re.escape(part)}$" for part in ident.split("/")),
        "name": suite.harness_name(lang.name, cell),
        "threads": cell.threads,
    }


def build_steps(suite: Suite, language: str, build_root: Path) -> list[StepSpec]:
    lang = suite.language(language)
    values = _base(suite, lang, build_root)
    return [StepSpec(language=language, kind="build", label=shlex.join(cmd[:3]),
                     command=_fill(cmd, values), cwd=_cwd(suite, lang), timeout=1800)
            for cmd in lang.build]


def samples_for(suite: Suite, language: str, samples: int) -> int:
    """The samples one step takes: what was asked, raised to the harness's minimum."""
    return max(suite.language(language).min_samples, samples)


def ops_per_batch(median_ns: float, batch_seconds: float) -> int:
    """Ops that fill one timed batch at ``median_ns`` per op, rounded up to a power of two (at least 1)."""
    want = max(1.0, batch_seconds * 1e9 / max(median_ns, 1e-3))
    n = 1
    while n < want:
        n *= 2
    return n


def bench_step(suite: Suite, language: str, cell: CellKey, samples: int, profile: Profile, round: int,
               build_root: Path, median_ns: Optional[float] = None) -> StepSpec:
    """One cell's step; with ``median_ns`` from earlier rounds a language's calibrated command is used."""
    lang = suite.language(language)
    n = samples_for(suite, language, samples)
    template = lang.bench
    calibration: dict[str, Any] = {}
    if lang.bench_calibrated and median_ns is not None:
        template = lang.bench_calibrated
        calibration["ops_per_batch"] = ops_per_batch(median_ns, profile.sample_seconds)
    out = "{step}/" + lang.artifact if lang.artifact else "{step}/stdout.txt"
    values = {
        **_base(suite, lang, build_root),
        **_cell_values(suite, lang, cell),
        "step": "{step}",
        "out": out,
        "samples": n,
        "batch_seconds": f"{profile.sample_seconds:g}",
        "warmup_seconds": f"{profile.warmup_seconds:g}",
        "measure_seconds": f"{n * profile.sample_seconds:g}",
        **calibration,
    }
    return StepSpec(
        language=language,
        kind="bench",
        label=cell.label(),
        command=_fill(template, values),
        cwd=_cwd(suite, lang),
        env={k: render(v, values) for k, v in lang.env.items()},
        artifact=lang.artifact,
        format=lang.format,
        round=round,
        benchmark=cell.benchmark,
        params=dict(cell.params),
        threads=cell.threads,
        timeout=step_timeout(n, profile, cell.threads),
    )


def ops_command(suite: Suite, language: str, cell: CellKey, ops: int, build_root: Path) -> tuple[list[str], str]:
    """The ops runner's argv and working folder for ``ops`` ops of one cell."""
    lang = suite.language(language)
    if not lang.ops:
        raise ValueError(f"language {language!r} of suite {suite.name!r} declares no ops runner")
    values = {**_base(suite, lang, build_root), **_cell_values(suite, lang, cell), "ops": ops}
    return _fill(lang.ops, values), _cwd(suite, lang)


def verify_step(suite: Suite, language: str, build_root: Path) -> StepSpec:
    lang = suite.language(language)
    assert lang.verify is not None
    return StepSpec(language=language, kind="verify", label="verify", command=_fill(lang.verify,
                    _base(suite, lang, build_root)), cwd=_cwd(suite, lang), timeout=600)


def version_steps(suite: Suite, build_root: Path) -> list[StepSpec]:
    """One environment step per declared toolchain version command."""
    out = []
    for lang in suite.languages:
        values = _base(suite, lang, build_root)
        for label, cmd in lang.versions.items():
            out.append(StepSpec(language="host", kind="environment", label=f"version: {label}",
                                command=_fill(cmd, values), cwd=_cwd(suite, lang), timeout=120))
    return out


WRAP_VAR = "BENCHNORM_WRAP_{lang}"


def wrap_variable(language: str) -> str:
    """``go`` → BENCHNORM_WRAP_GO; ``python→rust`` → BENCHNORM_WRAP_PYTHON_TO_RUST."""
    return WRAP_VAR.format(lang=language.replace("→", "_to_").replace("-", "_").upper())


def wrapped(spec: StepSpec) -> StepSpec:
    """Prefix a bench step's command with ``$BENCHNORM_WRAP_<LANG>`` when set.

    For pinning or limiting a harness (``BENCHNORM_WRAP_GO="taskset -c 0"``);
    the wrapper is part of the saved command line, so the run records it.
    """
    prefix = os.environ.get(wrap_variable(spec.language), "").strip()
    if prefix:
        spec.command = shlex.split(prefix) + spec.command
    return spec
