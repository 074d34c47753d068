"""The data contract of a benchnorm run: pydantic models only, no I/O.

Every later step speaks these types: adapters turn a harness's native output
into ``Result`` and ``ParseIssue`` values, runners add ``Failure`` values, the
syscall accounting adds ``SyscallCount`` values, and ``RunRecord`` holds all of
it for one run. ``RunRecord.to_json()`` is the canonical ``results.json`` text:
keys sorted, lists in a fixed order, floats written as Python's shortest
round-trip form, two-space indent, trailing newline. Loading that text and
writing it again gives the same bytes, so regenerated docs diff cleanly.

Schema history:
  1 — first version.
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal, Optional

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = 1

#: Languages a result can belong to. ``python→go`` / ``python→rust`` are the
#: Go and Rust kernels called from Python through ctypes.
Language = Literal["go", "rust", "python", "python→go", "python→rust", "c"]
LANGUAGES: tuple[str, ...] = Language.__args__  # type: ignore[attr-defined]

#: Interop rows → the language whose kernel they call.
INTEROP_KERNEL: dict[str, str] = {"python→go": "go", "python→rust": "rust"}

#: Native output formats the adapters read.
Harness = Literal["gobench", "criterion", "pyperf", "libtest", "pytest-benchmark", "googlebench"]
HARNESSES: tuple[str, ...] = Harness.__args__  # type: ignore[attr-defined]

#: The five canonical benchmarks of the kernel spec, in report order.
CANONICAL_BENCHMARKS: tuple[str, ...] = (
    "floor",
    "sequential",
    "parallel-owned",
    "parallel-locked",
    "parallel-shared",
)

#: Canonical benchmarks that always run with one worker (kernel.md).
SINGLE_WORKER_BENCHMARKS: tuple[str, ...] = ("floor", "sequential")

#: How the workers of one benchmark share the op budget.
#: ``sequential``: one worker runs every op. ``parallel``: T workers pull ops
#: from one budget and the figure is wall time / ops (Go's RunParallel).
#: ``unknown``: the output alone cannot tell.
Mode = Literal["sequential", "parallel", "unknown"]

Step = Literal["build", "run", "parse", "syscalls", "environment"]


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
    go_version: Optional[str] = None
    rustc_version: Optional[str] = None
    python_version: Optional[str] = None
    python_implementation: Optional[str] = None
    gomaxprocs: Optional[str] = None
    criterion_version: Optional[str] = None
    pyperf_version: Optional[str] = None
    build_flags: dict[str, str] = Field(default_factory=dict)
    git_commit: Optional[str] = None
    git_dirty: Optional[bool] = None
    extra: dict[str, str] = Field(default_factory=dict)


class BenchmarkId(_Model):
    """What was measured, in the harness's words and in ours."""

    language: Language
    harness: Harness
    name: str = Field(min_length=1, description="the harness's own name, as printed")
    canonical: Optional[str] = Field(
        default=None, description="canonical benchmark name when known (kernel.md)"
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
        """Sort key: language, canonical order, T, then the harness name."""
        canon = (
            CANONICAL_BENCHMARKS.index(self.canonical)
            if self.canonical in CANONICAL_BENCHMARKS
            else len(CANONICAL_BENCHMARKS)
        )
        lang = LANGUAGES.index(self.language)
        return (lang, canon, self.canonical or "", self.threads or 0, self.name, self.harness)


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

    language: Language
    step: Step
    message: str = Field(min_length=1)
    command: Optional[list[str]] = None
    exit_status: Optional[int] = None
    stderr_tail: str = ""
    log_path: Optional[str] = None
    benchmark: Optional[str] = None
    threads: Optional[int] = Field(default=None, ge=1)


class SyscallCount(_Model):
    """mprotect calls per op for one (language, benchmark, T) cell.

    ``per_op`` holds one figure per repetition: (count(2N) − count(N)) / N.
    ``open_share`` (parallel-shared) is, per repetition, the ops runner's own
    count of 0→1 open transitions over the ops of both runs: the share of ops
    that paid for their own open/close. ``calls_per_cycle`` checks the counter
    against it: the slope of counted calls on transitions across all runs.
    ``method`` is how the calls were counted; ``none`` means not measured and
    ``reason`` says why.
    """

    language: Language
    canonical: str
    threads: int = Field(ge=1)
    method: Literal["perf", "strace", "none"]
    ops: Optional[int] = Field(default=None, ge=1)
    per_op: list[float] = Field(default_factory=list)
    counts: list[tuple[int, int]] = Field(
        default_factory=list, description="(count at N, count at 2N) per repetition"
    )
    open_share: list[float] = Field(
        default_factory=list,
        description="parallel-shared: open transitions / ops, per repetition",
    )
    transitions: list[tuple[int, int]] = Field(
        default_factory=list,
        description="parallel-shared: the runner's open transitions at N and at 2N, per repetition",
    )
    calls_per_cycle: Optional[float] = Field(
        default=None,
        description="parallel-shared: least-squares slope of the counted calls on the runner's open "
        "transitions over every run of the cell (2.00 when each open/close is one mprotect pair)",
    )
    reason: Optional[str] = None

    @field_validator("per_op")
    @classmethod
    def _finite_per_op(cls, v: list[float]) -> list[float]:
        # A difference of two counts: it can fall below zero when the runs
        # behave differently (parallel-shared's overlap varies run to run).
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

    threads: list[int] = Field(default_factory=lambda: [1])
    samples: int = Field(default=10, ge=1)
    benchmarks: list[str] = Field(default_factory=lambda: list(CANONICAL_BENCHMARKS))
    quick: bool = False
    interleave: bool = True
    rounds: int = Field(default=1, ge=1)
    languages: list[Language] = Field(default_factory=list, description="languages the run asked for")

    def cells(self) -> list[tuple[str, int]]:
        """Every (benchmark, T) cell these parameters ask for, in report order."""
        return [(b, t) for b in self.benchmarks
                for t in ([1] if b in SINGLE_WORKER_BENCHMARKS else self.threads)]

    @field_validator("threads")
    @classmethod
    def _threads(cls, v: list[int]) -> list[int]:
        if not v:
            raise ValueError("threads must list at least one worker count")
        for t in v:
            if t < 1:
                raise ValueError(f"threads must be >= 1, got {t}")
        return v


class RunRecord(_Model):
    """Everything one run measured, failed at, or could not read."""

    schema_version: int = SCHEMA_VERSION
    run_id: str = Field(min_length=1)
    started_at: str
    finished_at: Optional[str] = None
    parameters: RunParameters = Field(default_factory=RunParameters)
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
                        LANGUAGES.index(f.language),
                        f.step,
                        f.benchmark or "",
                        f.threads or 0,
                        f.message,
                    ),
                ),
                "syscalls": sorted(
                    self.syscalls,
                    key=lambda s: (
                        LANGUAGES.index(s.language),
                        _canon_index(s.canonical),
                        s.threads,
                    ),
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


def _canon_index(name: str) -> int:
    return CANONICAL_BENCHMARKS.index(name) if name in CANONICAL_BENCHMARKS else len(CANONICAL_BENCHMARKS)


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
