"""Per-language knowledge of how to build and run each native harness.

Every runner (a module, or for Python one object per backend) exposes the same names:

    LANGUAGE: str                  the language its results belong to
    FORMAT: str                    the adapter that reads its raw output
    build_steps(root, build_dir)   -> list[StepSpec]
    bench_step(root, build_dir, cell, samples, profile, round) -> StepSpec
    ops_command(root, build_dir, bench, threads, ops) -> (argv, cwd)

The orchestration in ``orchestrator.bench`` is the same for every language;
nothing outside this package knows a harness's flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Cell:
    """One (benchmark, worker count) cell of the comparison table."""

    bench: str
    threads: int


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


def all_runners() -> dict[str, ModuleType]:
    """Every runner by language, in report order: the native three, then the interop ones."""
    from orchestrator.runners import go, python, rust

    return {m.LANGUAGE: m for m in (go, rust, python.PYTHON, python.PYTHON_GO, python.PYTHON_RUST)}


def step_timeout(samples: int, profile: Profile, threads: int) -> float:
    """A generous ceiling for one bench step, so a hung harness cannot stall the run."""
    return 300.0 + samples * profile.sample_seconds * 40 * max(1, threads)
