"""Go: `go test -c` once, then the test binary per cell.

One cell runs as
    secret.test -test.run ^$ -test.bench ^BenchmarkSequential$ -test.cpu 1
                -test.count K -test.benchtime 0.3s -test.benchmem
with GOMAXPROCS=T in the environment too. Its stdout is the Go benchmark
format, read by the ``gobench`` adapter.
"""

from __future__ import annotations

from pathlib import Path

from orchestrator.rundir import StepSpec
from orchestrator.runners import Cell, Profile, step_timeout

LANGUAGE = "go"
FORMAT = "gobench"

BENCH_FUNCS = {
    "floor": "BenchmarkFloor",
    "sequential": "BenchmarkSequential",
    "parallel-owned": "BenchmarkParallelOwned",
    "parallel-locked": "BenchmarkParallelLocked",
    "parallel-shared": "BenchmarkParallelShared",
}


def _binary(build_dir: Path) -> Path:
    return build_dir / "go" / "secret.test"


def build_steps(root: Path, build_dir: Path) -> list[StepSpec]:
    return [
        StepSpec(
            language=LANGUAGE,
            kind="build",
            label="go test -c",
            command=["go", "test", "-c", "-o", str(_binary(build_dir)), "."],
            cwd=str(root / "go"),
            timeout=900,
        ),
        StepSpec(
            language=LANGUAGE,
            kind="build",
            label="secretops",
            command=["go", "build", "-o", str(build_dir / "go" / "secretops"), "./cmd/secretops"],
            cwd=str(root / "go"),
            timeout=900,
        ),
    ]


def bench_step(root: Path, build_dir: Path, cell: Cell, samples: int, profile: Profile, round: int) -> StepSpec:
    return StepSpec(
        language=LANGUAGE,
        kind="bench",
        label=f"{cell.bench} T={cell.threads}",
        command=[
            str(_binary(build_dir)),
            "-test.run", "^$",
            "-test.bench", f"^{BENCH_FUNCS[cell.bench]}$",
            "-test.cpu", str(cell.threads),
            "-test.count", str(samples),
            "-test.benchtime", f"{profile.sample_seconds}s",
            "-test.benchmem",
        ],
        cwd=str(root / "go"),
        env={"GOMAXPROCS": str(cell.threads)},
        format=FORMAT,
        round=round,
        benchmark=cell.bench,
        threads=cell.threads,
        timeout=step_timeout(samples, profile, cell.threads),
    )


def ops_command(root: Path, build_dir: Path, bench: str, threads: int, ops: int) -> tuple[list[str], str]:
    argv = [str(build_dir / "go" / "secretops"), "--bench", bench, "--threads", str(threads), "--ops", str(ops)]
    return argv, str(root / "go")
