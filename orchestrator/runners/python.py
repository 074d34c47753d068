"""Python: `python -m pysecret.bench` (pyperf) per cell.

One cell runs as
    python -m pysecret.bench --bench parallel-shared --threads 2
        -o STEP/pyperf.json --processes K --values 1 --warmups 1 --min-time 0.3
so each sample is one timed batch in a fresh pyperf worker process. pyperf's
JSON is read by the ``pyperf`` adapter. Nothing to build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orchestrator.rundir import StepSpec
from orchestrator.runners import Cell, Profile, step_timeout

LANGUAGE = "python"
FORMAT = "pyperf"


def build_steps(root: Path, build_dir: Path) -> list[StepSpec]:
    return [
        StepSpec(
            language=LANGUAGE,
            kind="build",
            label="import pysecret",
            command=[sys.executable, "-c", "import pysecret, pyperf; print(pysecret.__file__)"],
            cwd=str(root),
            timeout=120,
        )
    ]


def bench_step(root: Path, build_dir: Path, cell: Cell, samples: int, profile: Profile, round: int) -> StepSpec:
    return StepSpec(
        language=LANGUAGE,
        kind="bench",
        label=f"{cell.bench} T={cell.threads}",
        command=[
            sys.executable, "-m", "pysecret.bench",
            "--bench", cell.bench,
            "--threads", str(cell.threads),
            "-o", "{step}/pyperf.json",
            "--processes", str(samples),
            "--values", "1",
            "--warmups", "1",
            "--min-time", f"{profile.sample_seconds}",
        ],
        cwd=str(root),
        artifact="pyperf.json",
        format=FORMAT,
        round=round,
        benchmark=cell.bench,
        threads=cell.threads,
        timeout=step_timeout(samples, profile, cell.threads),
    )


def ops_command(root: Path, build_dir: Path, bench: str, threads: int, ops: int) -> tuple[list[str], str]:
    argv = [sys.executable, "-m", "pysecret.ops", "--bench", bench, "--threads", str(threads), "--ops", str(ops)]
    return argv, str(root)
