"""The environment of a run: captured to the run folder, then read back.

``capture(rd, root, params)`` saves, like every other step, the raw output
of the commands that describe the machine and toolchains (``go version``,
``go env``, ``rustc -vV``, ``python -m pyperf collect_metadata`` — pyperf's
own metadata collection —, ``systemd-detect-virt``, ``git``), plus
``environment/host.json`` with what Python reads directly (/proc/cpuinfo,
cpufreq, page size, RLIMIT_MEMLOCK, Cargo.lock's criterion version).
``load(rd)`` builds the ``Environment`` model from those files alone, so a
report can be re-rendered with no toolchain on the machine.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import sys
from pathlib import Path
from typing import Optional

from orchestrator.models import Environment, RunParameters
from orchestrator.rundir import RunDir, StepRecord, StepSpec, execute

HOST_FILE = "environment/host.json"


def _specs(root: Path) -> list[StepSpec]:
    def spec(label: str, command: list[str], artifact: Optional[str] = None) -> StepSpec:
        return StepSpec(language="host", kind="environment", label=label, command=command,
                        cwd=str(root), artifact=artifact, timeout=120)

    return [
        spec("go version", ["go", "version"]),
        spec("go env", ["go", "env", "GOVERSION", "GOARCH", "GOAMD64", "CGO_ENABLED", "GOFLAGS"]),
        spec("rustc -vV", ["rustc", "-vV"]),
        spec("pyperf metadata", [sys.executable, "-m", "pyperf", "collect_metadata", "-o",
                                 "{step}/metadata.json"], artifact="metadata.json"),
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
        "criterion_version": _lock_version(root / "rust" / "Cargo.lock", "criterion"),
        "rust_profile": _bench_profile(root / "rust" / "Cargo.toml"),
        "rustflags": os.environ.get("RUSTFLAGS", ""),
    }


def _read(path: str) -> Optional[str]:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _lock_version(lock: Path, package: str) -> Optional[str]:
    try:
        text = lock.read_text()
    except OSError:
        return None
    m = re.search(rf'^name = "{re.escape(package)}"\nversion = "([^"]+)"', text, re.M)
    return m.group(1) if m else None


def _bench_profile(manifest: Path) -> str:
    """The settings of [profile.bench] / [profile.release] in Cargo.toml, or cargo's defaults."""
    try:
        text = manifest.read_text()
    except OSError:
        return "unknown"
    found = []
    for section in ("profile.release", "profile.bench"):
        m = re.search(rf"^\[{re.escape(section)}\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S)
        if m:
            body = "; ".join(line.strip() for line in m.group(1).splitlines() if line.strip()
                             and not line.strip().startswith("#"))
            found.append(f"[{section}] {body}")
    return " ".join(found) or "cargo bench defaults (opt-level 3)"


def capture(rd: RunDir, root: Path, echo=None) -> None:
    """Save the environment's raw facts into the run folder (never raises for a missing tool)."""
    rd.write_extra(HOST_FILE, host_facts(root))
    for spec in _specs(root):
        if echo:
            echo(f"[environment] {spec.label}")
        execute(rd.new_step(spec))


def load(rd: RunDir, params: Optional[RunParameters] = None) -> Environment:
    """Build the Environment from what ``capture`` saved."""
    try:
        host = json.loads((rd.path / HOST_FILE).read_text())
    except (OSError, ValueError):
        host = {}
    out: dict[str, Optional[str]] = {}
    meta: dict = {}
    for rec in rd.steps():
        if rec.spec.kind != "environment":
            continue
        if rec.spec.artifact:
            try:
                meta = json.loads((rec.folder / rec.spec.artifact).read_text()).get("metadata", {})
            except (OSError, ValueError, AttributeError):
                meta = {}
            continue
        out[rec.spec.label] = _stdout(rec) if rec.exit_status is not None else None
        if rec.spec.label == "git status":
            out["git status ok"] = "yes" if rec.exit_status == 0 else None

    found = []
    detected = out.get("systemd-detect-virt")
    if detected and detected != "none":
        found.append(f"{detected} (systemd-detect-virt)")
    if host.get("hypervisor_flag"):
        found.append("CPU hypervisor flag set: a virtual machine")
    virt = "; ".join(found) or ("none detected" if detected == "none" else None)
    go_env = (out.get("go env") or "").splitlines()
    go_flags = {}
    for key, value in zip(["GOVERSION", "GOARCH", "GOAMD64", "CGO_ENABLED", "GOFLAGS"], go_env):
        go_flags[key] = value
    build_flags = {}
    if go_flags:
        build_flags["go"] = "go test -c; " + " ".join(f"{k}={v}" for k, v in go_flags.items()
                                                      if k != "GOVERSION" and v != "")
    if host.get("rust_profile"):
        rf = host.get("rustflags")
        build_flags["rust"] = host["rust_profile"] + (f"; RUSTFLAGS={rf}" if rf else "")
    if meta.get("python_cflags"):
        build_flags["python"] = f"CFLAGS {meta['python_cflags']}"
    rustc = out.get("rustc -vV")
    if rustc:
        lines = rustc.splitlines()
        llvm = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("LLVM version")), None)
        rustc = lines[0] + (f" (LLVM {llvm})" if llvm else "")
    threads = params.threads if params else None
    dirty = None
    if out.get("git status ok"):
        dirty = bool((out.get("git status") or "").strip())
    return Environment(
        cpu_model=host.get("cpu_model") or meta.get("cpu_model_name"),
        logical_cpus=host.get("logical_cpus") or meta.get("cpu_count"),
        physical_cpus=host.get("physical_cpus"),
        virtualization=virt,
        governor=host.get("governor") or "not exposed (no cpufreq in this machine)",
        kernel=host.get("kernel"),
        page_size=host.get("page_size"),
        memlock_limit=host.get("memlock_limit"),
        go_version=out.get("go version"),
        rustc_version=rustc,
        python_version=meta.get("python_version"),
        python_implementation=meta.get("python_implementation"),
        gomaxprocs=(f"= T in every cell ({', '.join(map(str, threads))}); set with -test.cpu and GOMAXPROCS"
                    if threads else None),
        criterion_version=host.get("criterion_version"),
        pyperf_version=meta.get("perf_version"),
        build_flags=build_flags,
        git_commit=out.get("git commit"),
        git_dirty=dirty,
    )


def _stdout(rec: StepRecord) -> Optional[str]:
    try:
        text = (rec.folder / "stdout.txt").read_text(errors="replace").strip()
    except OSError:
        return None
    return text or None
