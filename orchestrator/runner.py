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
  naming every cell of a harness call (a command that uses only these runs several cells at once):
    {ids}              the cells' harness ids, comma-separated
    {ids_regex}        their {id_regex} forms joined by | (Go's -test.bench reads | between paths)
    {names_regex}      one anchored regular expression matching exactly the cells' full names
    {threads_list}     the cells' worker counts, comma-separated
    {calibration}      NAME=OPS for each cell an earlier round measured, comma-separated (may be empty):
                       its full name and the ops that fill one batch ({ops_per_batch}), so the
                       harness need not calibrate that cell again
  the same for every kind of command:
    {samples}          samples this step takes (at least the language's min_samples)
    {batch_seconds}    seconds one sample's timed batch runs
    {warmup_seconds}   warm-up before the first sample
    {measure_seconds}  the samples asked for × batch_seconds (criterion's --measurement-time): a harness
                       that takes more samples than asked (min_samples) splits the same time into them
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
        return cls("default", sample_seconds=0.1, warmup_seconds=0.1)

    @classmethod
    def quick(cls) -> "Profile":
        return cls("quick", sample_seconds=0.03, warmup_seconds=0.03)


def step_timeout(samples: int, profile: Profile, threads: list[int]) -> float:
    """A generous ceiling for one bench step (its cells' worker counts), so a hung harness cannot stall the run."""
    return 300.0 + samples * profile.sample_seconds * 40 * sum(max(1, t) for t in threads)


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


_REGEX_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def regex_escape(text: str) -> str:
    """``text`` as a regular expression matching itself.

    Only the characters every regex dialect our harnesses use (Go's RE2,
    Rust's regex, POSIX and std::regex, Python's re) treats as special are
    escaped: ``-``, ``/``, ``=`` and ``:`` stay as they are, since an escaped
    hyphen means nothing defined in a POSIX expression.
    """
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def _path_regex(ident: str) -> str:
    return "/".join(f"^{regex_escape(part)}$" for part in ident.split("/"))


def _cell_values(suite: Suite, lang: LanguageSpec, cell: CellKey) -> dict[str, Any]:
    ident = suite.harness_id(lang.name, cell.benchmark, cell.params) or ""
    return {
        **cell.params,
        "bench": cell.benchmark,
        "id": ident,
        "id_regex": _path_regex(ident),
        "name": suite.harness_name(lang.name, cell),
        "threads": cell.threads,
    }


def _unique(items) -> list:
    return list(dict.fromkeys(items))


def _cells_values(suite: Suite, lang: LanguageSpec, cells: list[CellKey]) -> dict[str, Any]:
    """The list placeholders for the cells of one harness call (with one cell, its own values too)."""
    ids = _unique(suite.harness_id(lang.name, c.benchmark, c.params) or "" for c in cells)
    names = _unique(suite.harness_name(lang.name, c) or "" for c in cells)
    values = {
        "ids": ",".join(ids),
        "ids_regex": "|".join(_path_regex(i) for i in ids),
        "names_regex": "^(" + "|".join(regex_escape(n) for n in names) + ")$",
        "threads_list": ",".join(str(t) for t in sorted({c.threads for c in cells})),
    }
    if len(cells) == 1:
        values.update(_cell_values(suite, lang, cells[0]))
    return values


def batches(suite: Suite, language: str, cells: list[CellKey]) -> list[list[CellKey]]:
    """The harness calls that run ``cells`` for ``language``: the one rule for grouping cells.

    A language whose command names one cell (``Suite.batches``) runs each cell
    in its own call. Otherwise one call runs every cell whose (benchmark,
    parameters) asks for the same worker counts: a harness given a list of
    ids and a list of counts runs each id at each count, so every call is
    such a product and runs exactly its cells. First-seen order is kept.
    """
    if not suite.batches(language):
        return [[c] for c in cells]
    counts: dict[tuple, list[int]] = {}
    for c in cells:
        counts.setdefault((c.benchmark, tuple(sorted(c.params.items()))), []).append(c.threads)
    groups: dict[tuple[int, ...], list[tuple]] = {}
    for key, ts in counts.items():
        groups.setdefault(tuple(sorted(set(ts))), []).append(key)
    return [[CellKey(benchmark=b, params=dict(p), threads=t) for (b, p) in keys for t in shape]
            for shape, keys in groups.items()]


def cells_label(cells: list[CellKey]) -> str:
    """``hash size=64 T=1`` for one cell; ``hash size=64, hash size=4096 T=1,2`` for several."""
    if len(cells) == 1:
        return cells[0].label()
    heads = _unique(" ".join([c.benchmark, *(f"{k}={v}" for k, v in sorted(c.params.items()))]) for c in cells)
    return f"{', '.join(heads)} T={','.join(str(t) for t in sorted({c.threads for c in cells}))}"


def step_cells(spec: StepSpec) -> list[CellKey]:
    """The cells a bench step ran (none for other steps)."""
    if spec.cells:
        return [CellKey.model_validate(c) for c in spec.cells]
    if spec.benchmark is not None and spec.threads is not None:
        return [CellKey(benchmark=spec.benchmark, params=dict(spec.params or {}), threads=spec.threads)]
    return []


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


def bench_step(suite: Suite, language: str, cells: list[CellKey], samples: int, profile: Profile, round: int,
               build_root: Path, medians: Optional[dict[CellKey, float]] = None) -> StepSpec:
    """One harness call running ``cells`` (see ``batches``).

    ``medians`` are the ns/op earlier rounds measured for some cells: they
    fill {calibration}, and for a one-cell call with a median a language's
    calibrated command is used.
    """
    lang = suite.language(language)
    n = samples_for(suite, language, samples)
    medians = medians or {}
    template = lang.bench
    known = [(c, medians[c]) for c in cells if c in medians]
    calibration: dict[str, Any] = {"calibration": ",".join(
        f"{suite.harness_name(language, c)}={ops_per_batch(m, profile.sample_seconds)}" for c, m in known)}
    if lang.bench_calibrated and len(cells) == 1 and known:
        template = lang.bench_calibrated
        calibration["ops_per_batch"] = ops_per_batch(known[0][1], profile.sample_seconds)
    out = "{step}/" + lang.artifact if lang.artifact else "{step}/stdout.txt"
    values = {
        **_base(suite, lang, build_root),
        **_cells_values(suite, lang, cells),
        "step": "{step}",
        "out": out,
        "samples": n,
        "batch_seconds": f"{profile.sample_seconds:g}",
        "warmup_seconds": f"{profile.warmup_seconds:g}",
        # the measuring time the samples asked for, even when the harness splits it into more
        "measure_seconds": f"{samples * profile.sample_seconds:g}",
        **calibration,
    }
    one = cells[0] if len(cells) == 1 else None
    return StepSpec(
        language=language,
        kind="bench",
        label=cells_label(cells),
        command=_fill(template, values),
        cwd=_cwd(suite, lang),
        env={k: render(v, values) for k, v in lang.env.items()},
        artifact=lang.artifact,
        format=lang.format,
        round=round,
        benchmark=one.benchmark if one else None,
        params=dict(one.params) if one else {},
        threads=one.threads if one else None,
        cells=None if one else [c.model_dump(mode="json") for c in cells],
        timeout=step_timeout(n, profile, [c.threads for c in cells]),
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
