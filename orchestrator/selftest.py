"""The project's test suites and how ``invoke test`` runs them.

Each suite is the language's own test runner with its native output: go vet
and ``go test -race`` in go/, ``cargo test --release`` in rust/, ``make test``
in c/ (builds and runs the C kernel's test program), the sha256 suite's own
tests in each of its language folders, and pytest at the root. A suite whose
folder does not exist yet is reported as absent, never as passed; the run
fails when any present suite fails.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass
class Suite:
    name: str
    workdir: str
    marker: str  # the file that says the suite exists
    commands: list[list[str]] = field(default_factory=list)


@dataclass
class Outcome:
    suite: str
    status: str  # "passed", "failed", "absent"
    detail: str = ""


def default_suites() -> list[Suite]:
    return [
        Suite("go", "go", "go.mod", [["go", "vet", "./..."], ["go", "test", "-race", "-count=1", "./..."]]),
        Suite("rust", "rust", "Cargo.toml", [["cargo", "test", "--release"]]),
        Suite("c", "c", "Makefile", [["make", "test"]]),
        Suite("sha256 go", "suites/sha256/go", "go.mod", [["go", "vet", "./..."], ["go", "test", "-count=1", "./..."]]),
        Suite("sha256 rust", "suites/sha256/rust", "Cargo.toml", [["cargo", "test", "--release"]]),
        Suite("sha256 c", "suites/sha256/c", "Makefile", [["make", "test"]]),
        Suite("sha256 py", "suites/sha256/python", "test_sha256suite.py",
              [[sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_sha256suite.py"]]),
        Suite("python", ".", "tests", [[sys.executable, "-m", "pytest"]]),
    ]


def run(
    root: Path,
    suites: list[Suite] | None = None,
    echo: Callable[[str], None] = print,
) -> list[Outcome]:
    """Run every suite in order, streaming each runner's own output."""
    outcomes = []
    for suite in suites if suites is not None else default_suites():
        workdir = root / suite.workdir
        if not (workdir / suite.marker).exists():
            outcomes.append(Outcome(suite.name, "absent", f"no {suite.workdir}/{suite.marker}"))
            echo(f"== {suite.name}: absent (no {suite.workdir}/{suite.marker})")
            continue
        status, detail = "passed", ""
        for cmd in suite.commands:
            echo(f"== {suite.name}: {' '.join(cmd)}  (in {suite.workdir}/)")
            try:
                code = subprocess.call(cmd, cwd=workdir)
            except OSError as exc:
                status, detail = "failed", f"{cmd[0]} could not start: {exc}"
                break
            if code != 0:
                status, detail = "failed", f"`{' '.join(cmd)}` exited {code}"
                break
        outcomes.append(Outcome(suite.name, status, detail))
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    lines = ["test suites:"]
    for o in outcomes:
        lines.append(f"  {o.suite:<11} {o.status}" + (f" — {o.detail}" if o.detail else ""))
    return "\n".join(lines)


def all_passed(outcomes: list[Outcome]) -> bool:
    return not any(o.status == "failed" for o in outcomes)
