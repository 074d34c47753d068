"""The environment of a run: captured to the run folder, then read back.

``capture(rd, root, suite, build_root)`` saves, like every other step, the
raw output of the commands that describe the machine (``systemd-detect-virt``,
``git``) and of every version command the suite's languages declare
(``versions = { Go = ["go", "version"] }``), plus ``environment/host.json``
with what Python reads directly (/proc/cpuinfo, cpufreq, page size,
RLIMIT_MEMLOCK). ``load(rd)`` builds the ``Environment`` model from those
files alone, so a report can be re-rendered with no toolchain on the machine.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
from pathlib import Path
from typing import Optional

from orchestrator import runner
from orchestrator.models import Environment, Suite
from orchestrator.rundir import RunDir, StepRecord, StepSpec, execute

HOST_FILE = "environment/host.json"


VERSION_LABEL = "version: "
#: Version steps of run folders made before suites declared them: step label → toolchain label.
LEGACY_VERSION_STEPS = {"go version": "Go", "rustc -vV": "rustc"}


def _specs(root: Path) -> list[StepSpec]:
    def spec(label: str, command: list[str]) -> StepSpec:
        return StepSpec(language="host", kind="environment", label=label, command=command,
                        cwd=str(root), timeout=120)

    return [
        spec("systemd-detect-virt", ["systemd-detect-virt"]),
        spec("git commit", ["git", "rev-parse", "HEAD"]),
        spec("git status", ["git", "status", "--porcelain", "--untracked-files=no"]),
    ]


def host_facts(root: Path) -> dict:
    """What Python can read directly about this machine."""
    cpuinfo = _read("/proc/cpuinfo") or ""
    model = None
    cores = set()
    phys = core = None
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "model name" and model is None:
            model = value
        elif key == "physical id":
            phys = value
        elif key == "core id":
            core = value
        elif key == "" and phys is not None and core is not None:
            cores.add((phys, core))
            phys = core = None
    if phys is not None and core is not None:
        cores.add((phys, core))
    flags = re.search(r"^flags\s*:(.*)$", cpuinfo, re.M)
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)

    def lim(v: int) -> str:
        return "unlimited" if v == resource.RLIM_INFINITY else f"{v} bytes"

    return {
        "cpu_model": model,
        "logical_cpus": os.cpu_count(),
        "physical_cpus": len(cores) or None,
        "hypervisor_flag": bool(flags and " hypervisor" in f" {flags.group(1)} "),
        "governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "page_size": os.sysconf("SC_PAGE_SIZE"),
        "memlock_limit": f"soft {lim(soft)}, hard {lim(hard)}",
        "build_env": {k: os.environ[k] for k in BUILD_ENV if os.environ.get(k)},
    }


#: Environment variables that change how the languages build; recorded when set.
BUILD_ENV = ("RUSTFLAGS", "CFLAGS", "CXXFLAGS", "GOFLAGS", "CGO_CFLAGS", "GOAMD64")


def _read(path: str) -> Optional[str]:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def capture(rd: RunDir, root: Path, suite: Suite, build_root: Path, echo=None) -> None:
    """Save the environment's raw facts into the run folder (never raises for a missing tool)."""
    rd.write_extra(HOST_FILE, host_facts(root))
    for spec in _specs(root) + runner.version_steps(suite, build_root):
        if echo:
            echo(f"[environment] {spec.label}")
        execute(rd.new_step(spec))


def load(rd: RunDir) -> Environment:
    """Build the Environment from what ``capture`` saved."""
    try:
        host = json.loads((rd.path / HOST_FILE).read_text())
    except (OSError, ValueError):
        host = {}
    out: dict[str, Optional[str]] = {}
    toolchains: dict[str, str] = {}
    for rec in rd.steps():
        if rec.spec.kind != "environment":
            continue
        text = _stdout(rec) if rec.exit_status is not None else None
        label = rec.spec.label
        if label.startswith(VERSION_LABEL) or label in LEGACY_VERSION_STEPS:
            if rec.ok and text:
                name = LEGACY_VERSION_STEPS.get(label) or label[len(VERSION_LABEL):]
                toolchains[name] = text.splitlines()[0].strip()
            continue
        out[rec.spec.label] = text
        if rec.spec.label == "git status":
            out["git status ok"] = "yes" if rec.exit_status == 0 else None

    found = []
    detected = out.get("systemd-detect-virt")
    if detected and detected != "none":
        found.append(f"{detected} (systemd-detect-virt)")
    if host.get("hypervisor_flag"):
        found.append("CPU hypervisor flag set: a virtual machine")
    virt = "; ".join(found) or ("none detected" if detected == "none" else None)
    dirty = None
    if out.get("git status ok"):
        dirty = bool((out.get("git status") or "").strip())
    return Environment(
        cpu_model=host.get("cpu_model"),
        logical_cpus=host.get("logical_cpus"),
        physical_cpus=host.get("physical_cpus"),
        virtualization=virt,
        governor=host.get("governor") or "not exposed (no cpufreq in this machine)",
        kernel=host.get("kernel"),
        page_size=host.get("page_size"),
        memlock_limit=host.get("memlock_limit"),
        toolchains=toolchains,
        build_flags=dict(host.get("build_env") or {}),
        git_commit=out.get("git commit"),
        git_dirty=dirty,
    )


def _stdout(rec: StepRecord) -> Optional[str]:
    try:
        text = (rec.folder / "stdout.txt").read_text(errors="replace").strip()
    except OSError:
        return None
    return text or None
