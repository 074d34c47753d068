"""The data contract of a benchnorm run: pydantic models only, no I/O.

Every later step speaks these types: adapters turn a harness's native output
into ``Result`` and ``ParseIssue`` values, runners add ``Failure`` values, the
syscall accounting adds ``SyscallCount`` values, and ``RunRecord`` holds all of
it for one run. ``RunRecord.to_json()`` is the canonical ``results.json`` text:
keys sorted, lists in a fixed order, floats written as Python's shortest
round-trip form, two-space indent, trailing newline. Loading that text and
writing it again gives the same bytes, so regenerated docs diff cleanly.

A suite (``Suite``) is data: the languages, how each is built and run, the
benchmarks and the worker counts and parameters they run at, the events to
count and the report's optional sections. ``orchestrator.manifest`` reads
one from a TOML file; the record of a run embeds the suite it ran, so a
report can be rendered again from ``results.json`` alone.

Schema history:
  1 — first version (one built-in suite, languages and benchmarks fixed).
  2 — the suite is data: ``suite`` embedded, languages and formats are plain
      strings, ``BenchmarkId.params`` holds a cell's parameters besides T,
      ``Environment.toolchains`` replaces one field per toolchain.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any, Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = 2

#: How the workers of one benchmark share the op budget.
#: ``sequential``: one worker runs every op. ``parallel``: T workers pull ops
#: from one budget and the figure is wall time / ops (Go's RunParallel).
#: ``unknown``: the output alone cannot tell.
Mode = Literal["sequential", "parallel", "unknown"]

Step = Literal["build", "verify", "run", "parse", "syscalls", "environment"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True)


def _finite_non_negative(values: list[float], field: str) -> list[float]:
    for i, v in enumerate(values):
        if isinstance(v, float) and math.isnan(v):
            raise ValueError(f"{field}[{i}] is NaN")
        if math.isinf(v):
            raise ValueError(f"{field}[{i}] is infinite")
        if v < 0:
            raise ValueError(f"{field}[{i}] is negative ({v!r})")
    return values


class Environment(_Model):
    """The machine and toolchains a run was measured on."""

    cpu_model: Optional[str] = None
    logical_cpus: Optional[int] = Field(default=None, ge=1)
    physical_cpus: Optional[int] = Field(default=None, ge=1)
    virtualization: Optional[str] = None
    governor: Optional[str] = None
    kernel: Optional[str] = None
    page_size: Optional[int] = Field(default=None, ge=1)
    memlock_limit: Optional[str] = None
    toolchains: dict[str, str] = Field(
        default_factory=dict, description="label → version, from each language's declared commands")
    build_flags: dict[str, str] = Field(default_factory=dict)
    git_commit: Optional[str] = None
    git_dirty: Optional[bool] = None
    extra: dict[str, str] = Field(default_factory=dict)

    def fingerprint_text(self) -> str:
        """What makes timings comparable, one ``name: value`` line each: the CPU model,
        logical CPUs, kernel, virtualisation and every toolchain version."""
        def known(value: object) -> str:
            return "unknown" if value is None else str(value)

        lines = [f"cpu model: {known(self.cpu_model)}", f"logical cpus: {known(self.logical_cpus)}",
                 f"kernel: {known(self.kernel)}", f"virtualization: {known(self.virtualization)}"]
        lines += [f"toolchain {label}: {version}" for label, version in sorted(self.toolchains.items())]
        return "\n".join(lines)

    def fingerprint(self) -> str:
        """A short stable name of ``fingerprint_text()``: runs are compared only under the same one."""
        return hashlib.sha256(self.fingerprint_text().encode("utf-8")).hexdigest()[:12]


class BenchmarkId(_Model):
    """What was measured, in the harness's words and in the suite's."""

    language: str = Field(min_length=1)
    harness: str = Field(min_length=1, description="the output format it was read from")
    name: str = Field(min_length=1, description="the harness's own name, without its worker-count notation")
    canonical: Optional[str] = Field(
        default=None, description="the suite's benchmark name, once the name is mapped onto the suite"
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="the cell's parameters besides T (a suite's axes), e.g. size=64"
    )
    threads: Optional[int] = Field(
        default=None, ge=1, description="worker count T; None when it cannot be known"
    )
    threads_source: str = Field(
        default="unknown", description="where T came from: the harness notation or a declaration"
    )
    mode: Mode = "unknown"

    @field_validator("name")
    @classmethod
    def _name_is_one_line(cls, v: str) -> str:
        if "\n" in v:
            raise ValueError("name must be a single line")
        return v

    def key(self) -> tuple:
        """Sort key: language, benchmark, parameters, T, then the harness name."""
        return (self.language, self.canonical or "", sorted(self.params.items()), self.threads or 0,
                self.name, self.harness)


class Measurement(_Model):
    """One sample exactly as the harness reported it."""

    value: float
    unit: str = Field(min_length=1)

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if math.isnan(v) or math.isinf(v) or v < 0:
            raise ValueError(f"value must be a finite, non-negative number, got {v!r}")
        return v


class Result(_Model):
    """The samples of one benchmark of one language at one worker count."""

    id: BenchmarkId
    ns_per_op: list[float] = Field(description="one sample per timed batch, in ns/op")
    original: list[Measurement] = Field(description="the same samples in the harness's unit")
    iterations: Optional[list[int]] = Field(
        default=None, description="ops in each sample's batch, where the harness gives it"
    )
    rounds: Optional[list[int]] = Field(
        default=None, description="the interleaving round each sample came from"
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="harness-side summaries and notes, never used for stats"
    )
    source: Optional[str] = Field(default=None, description="file the samples were read from")

    @field_validator("ns_per_op")
    @classmethod
    def _samples(cls, v: list[float]) -> list[float]:
        if not v:
            raise ValueError("ns_per_op must hold at least one sample")
        return _finite_non_negative(v, "ns_per_op")

    @field_validator("iterations")
    @classmethod
    def _iterations(cls, v: Optional[list[int]]) -> Optional[list[int]]:
        if v is not None:
            for i, n in enumerate(v):
                if n < 1:
                    raise ValueError(f"iterations[{i}] must be >= 1, got {n}")
        return v

    @model_validator(mode="after")
    def _lengths_agree(self) -> "Result":
        n = len(self.ns_per_op)
        if len(self.original) != n:
            raise ValueError(f"original has {len(self.original)} entries, ns_per_op has {n}")
        for name in ("iterations", "rounds"):
            seq = getattr(self, name)
            if seq is not None and len(seq) != n:
                raise ValueError(f"{name} has {len(seq)} entries, ns_per_op has {n}")
        return self


class ParseIssue(_Model):
    """Input an adapter could not read, with where it was."""

    source: str = Field(min_length=1)
    line: Optional[int] = Field(default=None, ge=1)
    message: str = Field(min_length=1)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class Failure(_Model):
    """A step of one language that did not complete."""

    language: str = Field(min_length=1)
    step: Step
    message: str = Field(min_length=1)
    command: Optional[list[str]] = None
    exit_status: Optional[int] = None
    stderr_tail: str = ""
    log_path: Optional[str] = None
    benchmark: Optional[str] = None
    params: dict[str, str] = Field(default_factory=dict)
    threads: Optional[int] = Field(default=None, ge=1)


class SyscallCount(_Model):
    """The suite's counted event per op for one (language, benchmark, parameters, T) cell.

    ``per_op`` holds one figure per repetition: (count(2N) − count(N)) / N.
    Where the suite declares a cycle counter (``Suite.report.exposure``), the
    ops runner reports how many of its ops paid for a whole cycle of the
    counted calls: ``open_share`` is, per repetition, those cycles over the
    ops of both runs, and ``calls_per_cycle`` checks the counter against them:
    the slope of counted calls on cycles across all runs. ``method`` is how
    the calls were counted; ``none`` means not measured and ``reason`` says why.
    """

    language: str = Field(min_length=1)
    canonical: str
    params: dict[str, str] = Field(default_factory=dict)
    threads: int = Field(ge=1)
    method: Literal["perf", "strace", "none"]
    ops: Optional[int] = Field(default=None, ge=1)
    per_op: list[float] = Field(default_factory=list)
    counts: list[tuple[int, int]] = Field(
        default_factory=list, description="(count at N, count at 2N) per repetition"
    )
    open_share: list[float] = Field(
        default_factory=list,
        description="cycles counted by the ops runner / ops, per repetition",
    )
    transitions: list[tuple[int, int]] = Field(
        default_factory=list,
        description="the ops runner's cycles at N and at 2N, per repetition",
    )
    calls_per_cycle: Optional[float] = Field(
        default=None,
        description="least-squares slope of the counted calls on the runner's cycles over every run "
        "of the cell (the calls one cycle costs)",
    )
    reason: Optional[str] = None

    @field_validator("per_op")
    @classmethod
    def _finite_per_op(cls, v: list[float]) -> list[float]:
        # A difference of two counts: it can fall below zero when the runs
        # behave differently (how often workers overlap varies run to run).
        for i, x in enumerate(v):
            if math.isnan(x) or math.isinf(x):
                raise ValueError(f"per_op[{i}] is not a finite number")
        return v

    @field_validator("open_share")
    @classmethod
    def _share(cls, v: list[float]) -> list[float]:
        for i, x in enumerate(v):
            if math.isnan(x) or not 0 <= x <= 1:
                raise ValueError(f"open_share[{i}] must be a fraction in [0, 1], got {x!r}")
        return v

    @model_validator(mode="after")
    def _measured_or_explained(self) -> "SyscallCount":
        if self.method == "none" and not self.reason:
            raise ValueError("reason is required when method is 'none'")
        if self.method != "none" and not self.per_op:
            raise ValueError(f"per_op must hold the measured figures when method is '{self.method}'")
        return self


class RunParameters(_Model):
    """The normalized parameters every language ran with."""

    threads: list[int] = Field(default_factory=lambda: [1],
                               description="worker counts of the parallel benchmarks that declare none")
    samples: int = Field(default=10, ge=1)
    benchmarks: list[str] = Field(default_factory=list, description="benchmarks asked for; empty: all")
    quick: bool = False
    interleave: bool = True
    rounds: int = Field(default=1, ge=1)
    languages: list[str] = Field(default_factory=list, description="languages the run asked for")
    precision: Optional[float] = Field(
        default=None, gt=0, description="after the first rounds, more rounds go only to cells whose median's "
        "95% interval is wider than this fraction of the median (half-width)")
    budget_seconds: Optional[float] = Field(
        default=None, gt=0, description="wall time the extra rounds may take, from the end of the first rounds")

    @field_validator("threads")
    @classmethod
    def _threads(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("threads must list at least one worker count")
        for t in v:
            if t < 1:
                raise ValueError(f"threads must be >= 1, got {t}")
        return v


# --- the suite: what a run measures, declared as data --------------------------

#: Placeholders that name one cell. A bench command (and its env) that uses
#: none of them, nor an axis, names its cells only through the list
#: placeholders below, so one harness call can run several cells.
PER_CELL: frozenset[str] = frozenset({"id", "id_regex", "name", "bench", "threads"})
#: Placeholders that name every cell of one harness call.
CELL_LISTS: frozenset[str] = frozenset({"ids", "ids_regex", "names_regex", "threads_list", "calibration"})

_BENCH_PLACEHOLDERS: frozenset[str] = frozenset({
    "build", "python", "workdir", "suite", "step", "out", "samples", "batch_seconds", "warmup_seconds",
    "measure_seconds"}) | PER_CELL | CELL_LISTS

#: Placeholders a command template may use, by where it is used. A suite's
#: axis names may be used wherever a cell is known (bench, ids, ops).
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "build": frozenset({"build", "python", "workdir", "suite"}),
    "bench": _BENCH_PLACEHOLDERS,
    "ops": frozenset({"build", "python", "workdir", "suite", "bench", "id", "name", "threads", "ops"}),
    # the bench command once the cell's op count is known
    "calibrated": _BENCH_PLACEHOLDERS | {"ops_per_batch"},
    "verify": frozenset({"build", "python", "workdir", "suite", "vectors"}),
    "version": frozenset({"build", "python", "workdir", "suite"}),
    "ids": frozenset(),
}

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of a template, in order."""
    return _PLACEHOLDER.findall(text)


def render(template: str, values: dict[str, Any]) -> str:
    """Fill ``{name}`` placeholders; names without a value are left as they are."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
                            template)


class LanguageSpec(_Model):
    """How one language of a suite is built, run, counted and verified."""

    name: str = Field(min_length=1)
    display: str = Field(default="", description="the name in the report's title, e.g. Go; default: name")
    format: str = Field(min_length=1, description="the adapter that reads the harness's output")
    harness: str = Field(default="", description="the harness in words, for the report")
    workdir: str = Field(default=".", description="folder the commands run in, relative to the manifest")
    build: list[list[str]] = Field(default_factory=list, description="build commands, in order")
    bench: list[str] = Field(
        default_factory=list, description="the bench command: one cell's, or several cells' when it names them "
        "only through {ids}, {ids_regex}, {names_regex} and {threads_list}")
    bench_calibrated: Optional[list[str]] = Field(
        default=None, description="the bench command once an earlier round measured the cell: it may use "
        "{ops_per_batch} instead of letting the harness calibrate again")
    env: dict[str, str] = Field(default_factory=dict, description="environment of the bench command")
    artifact: Optional[str] = Field(
        default=None, description="what the harness writes in the step folder ({out}); default: stdout")
    parallel_name: str = Field(
        default="{id}", description="how the harness names a parallel cell, from {id} and {threads}")
    min_samples: int = Field(default=1, ge=1, description="fewest samples the harness accepts per call")
    ops: Optional[list[str]] = Field(default=None, description="the ops runner: N ops of one cell")
    verify: Optional[list[str]] = Field(default=None, description="prints NAME RESULT per shared vector")
    versions: dict[str, list[str]] = Field(default_factory=dict, description="label → version command")
    calls: Optional[str] = Field(default=None, description="the language whose implementation this one drives")
    names_as: Optional[str] = Field(default=None, description="benchmarks are named as in this language")

    def commands(self) -> list[tuple[str, list[str]]]:
        """Every command template with the placeholder set it may use."""
        out = [("build", c) for c in self.build] + [("bench", self.bench)]
        if self.bench_calibrated:
            out.append(("calibrated", self.bench_calibrated))
        if self.ops:
            out.append(("ops", self.ops))
        if self.verify:
            out.append(("verify", self.verify))
        out += [("version", c) for c in self.versions.values()]
        return out


class BenchmarkSpec(_Model):
    """One benchmark of a suite: its mode, where it runs, and each language's name for it."""

    name: str = Field(min_length=1)
    mode: Literal["sequential", "parallel"]
    description: str = ""
    threads: Optional[list[int]] = Field(
        default=None, description="parallel only: worker counts; default: the run's --threads")
    axes: list[str] = Field(default_factory=list, description="the suite's axes this benchmark runs over")
    bytes_per_op: Optional[str] = Field(
        default=None, description="bytes one op processes: an axis name or a number (gives MB/s)")
    ids: dict[str, str] = Field(description="language → the harness's name for it, with {axis} placeholders")
    languages: Optional[list[str]] = Field(
        default=None, description="only these languages run it (a diagnostic rung); default: every language")

    @model_validator(mode="after")
    def _threads_only_when_parallel(self) -> "BenchmarkSpec":
        if self.threads is not None:
            if self.mode == "sequential":
                raise ValueError("threads: a sequential benchmark runs one "
                                 "worker; worker counts are for parallel benchmarks")
            if not self.threads or any(t < 1 for t in self.threads):
                raise ValueError("threads: worker counts must be positive")
        return self

    def worker_counts(self, requested: list[int]) -> list[int]:
        """The T this benchmark runs at: 1 when sequential, else its own list or the run's.

        This is the one place that rule is written.
        """
        if self.mode == "sequential":
            return [1]
        return sorted(set(self.threads or requested))


class BaselineSpec(_Model):
    """"Where the time goes": ``benchmark`` is the bare cost inside ``of``; ``rungs`` are more steps of the ladder."""

    benchmark: str
    of: str
    rungs: list[str] = Field(default_factory=list, description="further benchmarks on the ladder, cheapest first")
    text: str = ""


class NaiveSpec(_Model):
    """The naive pairing: ``language``'s parallel benchmarks at every CPU against the others' ``against``."""

    language: str
    against: str
    text: str = ""


class ExposureSpec(_Model):
    """A cycle counter the ops runners report for ``benchmarks`` (key in their JSON line)."""

    benchmarks: list[str] = Field(min_length=1)
    key: str = Field(min_length=1)
    label: str = Field(min_length=1)
    text: str = ""


class EventSpec(_Model):
    """An event counted per op through the ops runners: perf tracepoint, else strace."""

    label: str = Field(min_length=1, description="words for the report, e.g. 'open calls'")
    tracepoint: str = Field(min_length=1, description="perf event, e.g. syscalls:sys_enter_open")
    syscall: str = Field(min_length=1, description="the syscall strace counts")
    ops: int = Field(default=10000, ge=1)
    quick_ops: int = Field(default=2000, ge=1)
    text: str = ""


class ReportSpec(_Model):
    """A suite's own words and optional sections in the report."""

    intro: str = ""
    parallel: str = ""
    interop: str = ""
    reference: Optional[str] = Field(
        default=None, description="a language every row is also set against (its ratio to it, with interval)")
    driven: str = Field(default="implementation",
                        description="what a driving language drives, in the interop rows' words (e.g. kernel)")
    baseline: Optional[BaselineSpec] = None
    naive: Optional[NaiveSpec] = None
    exposure: Optional[ExposureSpec] = None


class Axis(_Model):
    """A parameter besides T, e.g. ``size`` over 64, 4096 and 1048576 bytes; part of every cell's key."""

    name: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class Vector(_Model):
    """One shared input every language's verify command answers."""

    name: str = Field(min_length=1)
    expected: str = Field(description="the answer every language must print for it")


class LinkProbe(_Model):
    """A one-file program that must compile and link: how a library's presence is checked."""

    compiler: str = Field(min_length=1)
    language: str = Field(min_length=1, description="the compiler's -x language: c or c++")
    source: str = Field(min_length=1, description="a program that uses the library")
    flags: list[str] = Field(default_factory=list, description="link flags, e.g. -lcrypto")


class Requirement(_Model):
    """A tool or library a suite's languages need; ``invoke doctor`` checks every suite's."""

    name: str = Field(min_length=1)
    version: Optional[list[str]] = Field(default=None, description="a command printing the tool's version")
    links: Optional[LinkProbe] = Field(default=None, description="a program that must link against the library")
    package: Optional[str] = Field(default=None, description="the Debian package: its installed version is shown")
    hint: str = Field(min_length=1, description="how to install it")
    required: bool = True

    @model_validator(mode="after")
    def _one_check(self) -> "Requirement":
        if (self.version is None) == (self.links is None):
            raise ValueError("give exactly one of version (a command) and links (a program to link)")
        return self


class Suite(_Model):
    """A cross-language suite: the one source of what a run builds, runs and pairs."""

    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    default: bool = Field(default=False, description="the suite bench tasks run without --suite")
    path: Optional[str] = Field(default=None, description="folder the manifest was read from")
    languages: list[LanguageSpec] = Field(min_length=1)
    axes: list[Axis] = Field(default_factory=list, description="parameters besides T, with their values")
    benchmarks: list[BenchmarkSpec] = Field(min_length=1)
    events: Optional[EventSpec] = None
    vectors: list[Vector] = Field(default_factory=list)
    vectors_file: Optional[str] = Field(default=None, description="the vectors' inputs, for {vectors}")
    report: ReportSpec = Field(default_factory=ReportSpec)
    requires: list[Requirement] = Field(default_factory=list, description="tools and libraries doctor checks")

    @model_validator(mode="after")
    def _consistent(self) -> "Suite":
        langs = [lang.name for lang in self.languages]
        axes = {a.name for a in self.axes}
        _no_duplicates("axes", [a.name for a in self.axes])
        _no_duplicates("languages", langs)
        _no_duplicates("benchmarks", [b.name for b in self.benchmarks])
        for lang in self.languages:
            for ref, what in ((lang.calls, "calls"), (lang.names_as, "names_as")):
                if ref is not None and ref not in langs:
                    raise ValueError(f"languages.{lang.name}.{what}: {ref!r} is not a language of this suite")
            for kind, command in lang.commands():
                allowed = PLACEHOLDERS[kind] | (axes if kind in ("bench", "ops", "calibrated") else set())
                for arg in command:
                    _check_placeholders(f"languages.{lang.name}.{kind}", arg, allowed)
            for key, value in lang.env.items():
                _check_placeholders(f"languages.{lang.name}.env.{key}", value,
                                    PLACEHOLDERS["bench"] | axes)
            _check_placeholders(f"languages.{lang.name}.parallel_name", lang.parallel_name,
                                {"id", "threads"})
            if lang.verify and not self.vectors:
                raise ValueError(f"languages.{lang.name}.verify: the suite declares no vectors to verify")
        for i, b in enumerate(self.benchmarks):
            where = f"benchmarks[{i}] ({b.name})"
            for axis in b.axes:
                if axis not in axes:
                    raise ValueError(f"{where}.axes: {axis!r} is not an axis of this suite "
                                     f"(axes: {', '.join(sorted(axes)) or 'none'})")
            if b.bytes_per_op is not None and b.bytes_per_op not in b.axes and not b.bytes_per_op.isdigit():
                raise ValueError(f"{where}.bytes_per_op: {b.bytes_per_op!r} is neither an axis of the "
                                 "benchmark nor a number of bytes")
            for key in b.languages or []:
                if key not in langs:
                    raise ValueError(f"{where}.languages: {key!r} is not a language of this suite")
            for key, template in b.ids.items():
                if key not in langs:
                    raise ValueError(f"{where}.ids.{key}: {key!r} is not a language of this suite")
                _check_placeholders(f"{where}.ids.{key}", template, set(b.axes))
        names = {b.name for b in self.benchmarks}
        r = self.report
        for ref, where in (*((x, "report.baseline.rungs") for x in (r.baseline.rungs if r.baseline else [])),
                           (r.baseline and r.baseline.benchmark, "report.baseline.benchmark"),
                           (r.baseline and r.baseline.of, "report.baseline.of"),
                           (r.naive and r.naive.against, "report.naive.against"),
                           *((b, "report.exposure.benchmarks") for b in (r.exposure.benchmarks
                                                                         if r.exposure else []))):
            if ref is not None and ref not in names:
                raise ValueError(f"{where}: {ref!r} is not a benchmark of this suite")
        if r.reference and r.reference not in langs:
            raise ValueError(f"report.reference: {r.reference!r} is not a language of this suite")
        if r.naive and r.naive.language not in langs:
            raise ValueError(f"report.naive.language: {r.naive.language!r} is not a language of this suite")
        return self

    # -- what the core asks the suite ------------------------------------------

    def language(self, name: str) -> LanguageSpec:
        for lang in self.languages:
            if lang.name == name:
                return lang
        raise KeyError(name)

    def language_names(self) -> list[str]:
        return [lang.name for lang in self.languages]

    def benchmark(self, name: str) -> Optional[BenchmarkSpec]:
        return next((b for b in self.benchmarks if b.name == name), None)

    def native_languages(self) -> list[str]:
        """Languages that run their own implementation (not one driving another's)."""
        return [lang.name for lang in self.languages if lang.calls is None]

    def order(self, language: str) -> int:
        names = self.language_names()
        return names.index(language) if language in names else len(names)

    def benchmark_order(self, name: Optional[str]) -> int:
        names = [b.name for b in self.benchmarks]
        return names.index(name) if name in names else len(names)

    def batches(self, language: str) -> bool:
        """Whether one harness call of ``language`` may run several cells.

        It may when its bench command and environment name cells only through
        the list placeholders (:data:`CELL_LISTS`) and it has no calibrated
        command (whose op count is one cell's).
        """
        lang = self.language(language)
        if lang.bench_calibrated:
            return False
        one_cell = PER_CELL | {a.name for a in self.axes}
        used = {name for arg in [*lang.bench, *lang.env.values()] for name in placeholders(arg)}
        return not (used & one_cell)

    def runs(self, language: str, benchmark: str) -> bool:
        """Whether ``language`` runs ``benchmark`` (a benchmark may be for some languages only)."""
        bench = self.benchmark(benchmark)
        return bench is not None and (bench.languages is None or language in bench.languages)

    def param_sets(self, bench: BenchmarkSpec) -> list[dict[str, str]]:
        """Every combination of the benchmark's axis values, in declaration order."""
        values = {a.name: a.values for a in self.axes}
        out: list[dict[str, str]] = [{}]
        for axis in bench.axes:
            out = [{**p, axis: v} for p in out for v in values[axis]]
        return out

    def cells(self, params: RunParameters) -> list["CellKey"]:
        """Every (benchmark, parameters, T) cell a run with these parameters asks for, in report order."""
        wanted = params.benchmarks or [b.name for b in self.benchmarks]
        return [CellKey(benchmark=b.name, params=p, threads=t)
                for b in self.benchmarks if b.name in wanted
                for p in self.param_sets(b)
                for t in b.worker_counts(params.threads)]

    def harness_id(self, language: str, benchmark: str, params: dict[str, str]) -> Optional[str]:
        """The harness's own name of a benchmark in ``language`` (thread notation excluded)."""
        lang = self.language(language)
        bench = self.benchmark(benchmark)
        if bench is None:
            return None
        template = bench.ids.get(lang.names_as or lang.name) or bench.ids.get(lang.name)
        return None if template is None else render(template, params)

    def harness_name(self, language: str, cell: "CellKey") -> Optional[str]:
        """The name the harness gives a cell, thread notation included where the language adds it."""
        ident = self.harness_id(language, cell.benchmark, cell.params)
        bench = self.benchmark(cell.benchmark)
        if ident is None or bench is None:
            return None
        if bench.mode == "parallel":
            return render(self.language(language).parallel_name, {"id": ident, "threads": cell.threads})
        return ident


class CellKey(_Model):
    """One cell of a comparison: a benchmark, its parameters besides T, and T."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    benchmark: str
    params: dict[str, str] = Field(default_factory=dict)
    threads: int = Field(ge=1)

    def __hash__(self) -> int:
        return hash((self.benchmark, tuple(sorted(self.params.items())), self.threads))

    def label(self) -> str:
        """``hash size=64 T=2``: how progress lines and gaps name the cell."""
        return " ".join([self.benchmark, *(f"{k}={v}" for k, v in sorted(self.params.items())),
                         f"T={self.threads}"])


def param_text(params: dict[str, str]) -> str:
    """``mode=x, size=64`` (sorted) or the empty string."""
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def _no_duplicates(what: str, names: list[str]) -> None:
    seen = set()
    for n in names:
        if n in seen:
            raise ValueError(f"{what}: {n!r} is declared twice")
        seen.add(n)


def _check_placeholders(where: str, template: str, allowed: set[str] | frozenset[str]) -> None:
    for name in placeholders(template):
        if name not in allowed:
            raise ValueError(f"{where}: unknown placeholder {{{name}}} in {template!r} "
                             f"(allowed: {', '.join('{' + a + '}' for a in sorted(allowed)) or 'none'})")


class LanguageTime(_Model):
    """Where one language's share of a run went, from the step records."""

    language: str = Field(min_length=1)
    build_seconds: float = Field(default=0.0, ge=0)
    bench_steps: int = Field(default=0, ge=0)
    bench_seconds: float = Field(default=0.0, ge=0, description="wall time of the bench steps")
    measuring_seconds: Optional[float] = Field(
        default=None, ge=0, description="time inside the harness's timed batches: Σ ns/op × ops per sample")
    count_seconds: float = Field(default=0.0, ge=0, description="wall time of the counting steps")

    @property
    def overhead_share(self) -> Optional[float]:
        """The bench steps' share of wall time spent outside timed batches (start-up, calibration, analysis)."""
        if self.measuring_seconds is None or self.bench_seconds <= 0:
            return None
        return max(0.0, 1 - self.measuring_seconds / self.bench_seconds)


class InputFile(_Model):
    """An output a user brought to ``compare``: whose it is, where, and how it was read."""

    language: str = Field(min_length=1)
    path: str = Field(min_length=1)
    format: str = Field(min_length=1)
    declared: Optional[str] = Field(default=None, description="the --mode declaration for it, if any")


class RunRecord(_Model):
    """Everything one run measured, failed at, or could not read."""

    schema_version: int = SCHEMA_VERSION
    run_id: str = Field(min_length=1)
    started_at: str
    finished_at: Optional[str] = None
    parameters: RunParameters = Field(default_factory=RunParameters)
    suite: Optional[Suite] = Field(default=None, description="the suite the run measured; None: derived")
    inputs: list[InputFile] = Field(default_factory=list, description="compare: the outputs it was given")
    timings: list[LanguageTime] = Field(default_factory=list, description="where each language's time went")
    environment: Environment = Field(default_factory=Environment)
    results: list[Result] = Field(default_factory=list)
    issues: list[ParseIssue] = Field(default_factory=list)
    failures: list[Failure] = Field(default_factory=list)
    syscalls: list[SyscallCount] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v > SCHEMA_VERSION:
            raise ValueError(
                f"schema version {v} is newer than this benchnorm reads ({SCHEMA_VERSION}); "
                "upgrade benchnorm"
            )
        if v < 1:
            raise ValueError(f"schema version must be >= 1, got {v}")
        return v

    def sorted(self) -> "RunRecord":
        """The same record with every list in its canonical order."""
        return self.model_copy(
            update={
                "results": sorted(self.results, key=lambda r: r.id.key()),
                "issues": sorted(self.issues, key=lambda i: (i.source, i.line or 0, i.message)),
                "failures": sorted(
                    self.failures,
                    key=lambda f: (
                        f.language,
                        f.step,
                        f.benchmark or "",
                        sorted(f.params.items()),
                        f.threads or 0,
                        f.message,
                    ),
                ),
                "timings": sorted(self.timings, key=lambda t: t.language),
                "syscalls": sorted(
                    self.syscalls,
                    key=lambda s: (s.language, s.canonical, sorted(s.params.items()), s.threads),
                ),
            }
        )

    def to_json(self) -> str:
        """The canonical results.json text (see the module docstring)."""
        data = self.sorted().model_dump(mode="json")
        return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "RunRecord":
        """Parse results.json text; raises ``ValueError`` with the field at fault."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        if not isinstance(raw, dict):
            raise ValueError("results.json must hold a JSON object")
        raw = upgrade(raw)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(describe_validation_error(exc)) from None


#: Upgraders from one schema version to the next, applied in turn on load:
#: ``UPGRADES[n]`` turns a version-n dict into a version-(n+1) dict.
UPGRADES: dict[int, Any] = {}


def _upgrade_1(raw: dict) -> dict:
    """1 → 2: one field per toolchain becomes ``toolchains``; no suite is embedded.

    A version-1 record names no suite; it is read with a suite derived from
    its results (see ``orchestrator.derive``).
    """
    out = dict(raw)
    env = dict(out.get("environment") or {})
    toolchains = {}
    for field, label in (("go_version", "Go"), ("rustc_version", "rustc"), ("criterion_version", "criterion"),
                         ("pyperf_version", "pyperf")):
        value = env.pop(field, None)
        if value:
            toolchains[label] = value
    python = " ".join(x for x in (env.pop("python_implementation", None), env.pop("python_version", None)) if x)
    if python:
        toolchains["Python"] = python
    gomaxprocs = env.pop("gomaxprocs", None)
    if gomaxprocs:
        env["extra"] = {**(env.get("extra") or {}), "GOMAXPROCS": gomaxprocs}
    env["toolchains"] = toolchains
    out["environment"] = env
    out["schema_version"] = 2
    return out


UPGRADES[1] = _upgrade_1


def upgrade(raw: dict) -> dict:
    """Bring a results.json dict up to ``SCHEMA_VERSION``, or say which version is needed."""
    version = raw.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(
            f"schema_version is missing or not a whole number ({version!r}); "
            f"this benchnorm reads schema version {SCHEMA_VERSION}"
        )
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"schema version {version} is newer than this benchnorm reads ({SCHEMA_VERSION}); "
            "upgrade benchnorm"
        )
    while version < SCHEMA_VERSION:
        step = UPGRADES.get(version)
        if step is None:
            raise ValueError(
                f"schema version {version} cannot be read: this benchnorm reads schema version "
                f"{SCHEMA_VERSION} and upgrades from {min(UPGRADES, default=SCHEMA_VERSION)} on"
            )
        raw = step(raw)
        version = raw["schema_version"]
    return raw


def describe_validation_error(exc: ValidationError) -> str:
    """One line per problem: the field's dotted path and what is wrong with it."""
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"{path}: {err['msg']}")
    return "; ".join(lines)


def json_schema() -> str:
    """The JSON Schema of results.json, as committed under reports/schema/."""
    schema = RunRecord.model_json_schema()
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
