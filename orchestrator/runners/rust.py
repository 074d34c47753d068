"""Rust: `cargo bench --no-run` once, then `cargo bench` per cell with criterion.

One cell runs as
    cargo bench --bench secret -- --exact secret/parallel-shared/threads=2
          --sample-size S --warm-up-time W --measurement-time M
with BENCHNORM_THREADS=T (the benches' thread list) and CRITERION_HOME set to
the step folder, so every step keeps its own criterion JSON (benchmark.json,
sample.json, estimates.json), read by the ``criterion`` adapter.

criterion refuses fewer than 10 samples, so a round asks for max(10, K)
samples; the report shows each cell's sample count.
"""

from __future__ import annotations

from pathlib import Path

from orchestrator.models import SINGLE_WORKER_BENCHMARKS
from orchestrator.rundir import StepSpec
from orchestrator.runners import Cell, Profile, step_timeout

LANGUAGE = "rust"
FORMAT = "criterion"
MIN_SAMPLES = 10


def criterion_id(cell: Cell) -> str:
    if cell.bench in SINGLE_WORKER_BENCHMARKS:
        return f"secret/{cell.bench}"
    return f"secret/{cell.bench}/threads={cell.threads}"


def build_steps(root: Path, build_dir: Path) -> list[StepSpec]:
    return [
        StepSpec(
            language=LANGUAGE,
            kind="build",
            label="cargo bench --no-run",
            command=["cargo", "bench", "--bench", "secret", "--no-run"],
            cwd=str(root / "rust"),
            timeout=1800,
        ),
        StepSpec(
            language=LANGUAGE,
            kind="build",
            label="secretops",
            command=["cargo", "build", "--release", "--bin", "secretops"],
            cwd=str(root / "rust"),
            timeout=1800,
        ),
    ]


def bench_step(root: Path, build_dir: Path, cell: Cell, samples: int, profile: Profile, round: int) -> StepSpec:
    n = max(MIN_SAMPLES, samples)
    return StepSpec(
        language=LANGUAGE,
        kind="bench",
        label=f"{cell.bench} T={cell.threads}",
        command=[
            "cargo", "bench", "--bench", "secret", "--",
            "--exact", criterion_id(cell),
            "--sample-size", str(n),
            "--warm-up-time", f"{profile.warmup_seconds}",
            "--measurement-time", f"{n * profile.sample_seconds:g}",
        ],
        cwd=str(root / "rust"),
        env={"BENCHNORM_THREADS": str(cell.threads), "CRITERION_HOME": "{step}/criterion"},
        artifact="criterion",
        format=FORMAT,
        round=round,
        benchmark=cell.bench,
        threads=cell.threads,
        timeout=step_timeout(n, profile, cell.threads),
    )


def ops_command(root: Path, build_dir: Path, bench: str, threads: int, ops: int) -> tuple[list[str], str]:
    exe = root / "rust" / "target" / "release" / "secretops"
    return [str(exe), "--bench", bench, "--threads", str(threads), "--ops", str(ops)], str(root / "rust")
