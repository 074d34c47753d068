"""Python: `python -m pysecret.bench` (pyperf) per cell, on one of pysecret's backends.

One cell runs as
    python -m pysecret.bench --backend libc --bench parallel-shared --threads 2
        -o STEP/pyperf.json --processes K --values 1 --warmups 1 --min-time 0.3
so each sample is one timed batch in a fresh pyperf worker process. pyperf's
JSON is read by the ``pyperf`` adapter.

Backends: ``libc`` is the pure-ctypes kernel (language ``python``); ``go``
and ``rust`` call the Go and Rust kernels' shared libraries through ctypes
(languages ``python→go`` and ``python→rust``), built first by the commands
pysecret.backends gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orchestrator.rundir import StepSpec
from orchestrator.runners import Cell, Profile, step_timeout

FORMAT = "pyperf"


class PythonRunner:
    FORMAT = FORMAT

    def __init__(self, backend: str, language: str):
        self.backend = backend
        self.LANGUAGE = language

    def build_steps(self, root: Path, build_dir: Path) -> list[StepSpec]:
        steps = [StepSpec(
            language=self.LANGUAGE,
            kind="build",
            label="import pysecret",
            command=[sys.executable, "-c", "import pysecret, pyperf; print(pysecret.__file__)"],
            cwd=str(root),
            timeout=120,
        )]
        if self.backend != "libc":
            from pysecret.backends import build_commands

            for i, (argv, cwd) in enumerate(build_commands(root)[self.backend], 1):
                steps.append(StepSpec(language=self.LANGUAGE, kind="build",
                                      label=f"{self.backend} shared library ({i})", command=argv, cwd=cwd,
                                      timeout=1800))
        return steps

    def bench_step(self, root: Path, build_dir: Path, cell: Cell, samples: int, profile: Profile,
                   round: int) -> StepSpec:
        return StepSpec(
            language=self.LANGUAGE,
            kind="bench",
            label=f"{cell.bench} T={cell.threads}",
            command=[
                sys.executable, "-m", "pysecret.bench",
                "--backend", self.backend,
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

    def ops_command(self, root: Path, build_dir: Path, bench: str, threads: int, ops: int) -> tuple[list[str], str]:
        argv = [sys.executable, "-m", "pysecret.ops", "--backend", self.backend, "--bench", bench,
                "--threads", str(threads), "--ops", str(ops)]
        return argv, str(root)


PYTHON = PythonRunner("libc", "python")
PYTHON_GO = PythonRunner("go", "python→go")
PYTHON_RUST = PythonRunner("rust", "python→rust")
