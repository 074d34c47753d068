"""Check that the toolchains and counters benchnorm needs are on this machine.

``checks()`` returns one ``Check`` per item; ``render()`` makes the table that
``invoke doctor`` prints. What a suite's languages need (compilers,
harness libraries) is the suite's own data, its ``[[requires]]`` entries: a
tool is checked by running its version command, a C or C++ library by
compiling and linking a one-line program against it (not by looking for
files, so a header without its library, or the reverse, counts as missing).
Required items make the doctor fail when missing. What benchnorm itself
needs is checked here: Python, and the counters (perf, strace), which are
optional — without them only the syscall column is lost — and say how to get
them back.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Iterable

from orchestrator.models import Requirement

INSTALL_HINTS = {
    "python": "install Python >= 3.11",
    "perf": "apt-get install linux-perf (Debian) or linux-tools-$(uname -r) (Ubuntu)",
    "perf tracepoint": "run as root or lower /proc/sys/kernel/perf_event_paranoid to -1 "
    "(sysctl kernel.perf_event_paranoid=-1); tracefs must be mounted",
    "strace": "apt-get install strace",
}

@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool
    hint: str = ""


def _version(cmd: list[str]) -> tuple[bool, str]:
    exe = shutil.which(cmd[0])
    if exe is None:
        return False, "not found on PATH"
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{cmd[0]} did not run: {exc}"
    text = (out.stdout or out.stderr).strip().splitlines()
    if out.returncode != 0:
        return False, f"`{' '.join(cmd)}` exited {out.returncode}"
    return True, text[0] if text else exe


def links(compiler: str, language: str, source: str, flags: list[str]) -> tuple[bool, str]:
    """Whether ``source`` compiles and links with ``compiler -x language - flags``, and why not."""
    if shutil.which(compiler) is None:
        return False, f"{compiler} not found on PATH"
    shown = f"{compiler} -x {language} - {' '.join(flags)}"
    with tempfile.TemporaryDirectory(prefix="benchnorm-doctor-") as tmp:
        cmd = [compiler, "-x", language, "-", "-o", os.path.join(tmp, "probe"), *flags]
        try:
            out = subprocess.run(cmd, input=source, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"{compiler} did not run: {exc}"
    if out.returncode != 0:
        lines = [ln.strip() for ln in out.stderr.splitlines() if ln.strip()]
        errors = [ln for ln in lines if "error" in ln or "cannot find" in ln]
        why = (errors or lines or [f"exit status {out.returncode}"])[0]
        return False, f"`{shown}` failed: {why}"[:300]
    return True, f"`{shown}` links"


def deb_version(package: str) -> str | None:
    """The installed version of a Debian package, or None (not installed, or no dpkg)."""
    if shutil.which("dpkg-query") is None:
        return None
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = out.stdout.split()
    if out.returncode != 0 or fields[:3] != ["install", "ok", "installed"] or len(fields) < 4:
        return None
    return fields[3]


def perf_tracepoint(event: str) -> tuple[bool, str]:
    """Whether perf can count the tracepoint ``event`` here, and why not."""
    if shutil.which("perf") is None:
        return False, "perf not found on PATH"
    try:
        out = subprocess.run(
            ["perf", "stat", "-x,", "-e", event, "--", sys.executable, "-c", ""],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"perf did not run: {exc}"
    for line in out.stderr.splitlines():
        fields = line.split(",")
        if len(fields) >= 3 and fields[2] == event:
            if fields[0].strip().isdigit():
                return True, f"{event} countable"
            return False, f"{event} {fields[0].strip() or 'not counted'}"
    paranoid = _read("/proc/sys/kernel/perf_event_paranoid")
    tail = out.stderr.strip().splitlines()[-1:] or ["no output"]
    return False, f"perf cannot count {event} (perf_event_paranoid={paranoid}): {tail[0]}"


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "unreadable"


def memlock_limit() -> str:
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)

    def fmt(v: int) -> str:
        return "unlimited" if v == resource.RLIM_INFINITY else f"{v} bytes"

    return f"soft {fmt(soft)}, hard {fmt(hard)}"


def requirement(req: Requirement) -> Check:
    """One suite requirement, checked: its version command runs, or its program links."""
    if req.links is not None:
        probe = req.links
        ok, detail = links(probe.compiler, probe.language, probe.source, probe.flags)
    else:
        ok, detail = _version(req.version or [])
    if req.package:
        version = deb_version(req.package)
        if version is not None:
            detail = f"{req.package} {version}; {detail}"
    return Check(req.name, ok, detail, req.required, "" if ok else req.hint)


def checks(tracepoint: str | None = None, requirements: Iterable[Requirement] = ()) -> list[Check]:
    """Every item: the suites' ``requirements`` (each name once, first given first), Python, the counters.

    ``tracepoint`` is the event the default suite counts (checked when perf is there).
    """
    out: list[Check] = []
    seen: set[str] = set()
    for req in requirements:
        if req.name not in seen:
            seen.add(req.name)
            out.append(requirement(req))
    py_ok = sys.version_info >= (3, 11)
    out.append(
        Check(
            "python",
            py_ok,
            f"{sys.implementation.name} {sys.version.split()[0]} ({sys.executable})",
            True,
            "" if py_ok else INSTALL_HINTS["python"],
        )
    )
    ok, detail = _version(["perf", "--version"])
    out.append(Check("perf", ok, detail, False, "" if ok else INSTALL_HINTS["perf"]))
    if ok and tracepoint:
        tp_ok, tp_detail = perf_tracepoint(tracepoint)
        out.append(
            Check("perf tracepoint", tp_ok, tp_detail, False, "" if tp_ok else INSTALL_HINTS["perf tracepoint"])
        )
    ok, detail = _version(["strace", "-V"])
    out.append(Check("strace", ok, detail, False, "" if ok else INSTALL_HINTS["strace"]))
    out.append(Check("logical CPUs", True, str(os.cpu_count()), False))
    out.append(Check("page size", True, f"{os.sysconf('SC_PAGE_SIZE')} bytes", False))
    out.append(Check("RLIMIT_MEMLOCK", True, memlock_limit(), False))
    return out


def render(items: list[Check]) -> str:
    """A plain-text table: item, status, detail; hints below for what is missing."""
    rows = [("item", "status", "detail")]
    for c in items:
        status = "ok" if c.ok else ("MISSING" if c.required else "missing (optional)")
        rows.append((c.name, status, c.detail))
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]}" for r in rows]
    hints = [f"  {c.name}: {c.hint}" for c in items if not c.ok and c.hint]
    if hints:
        lines += ["", "To fix:"] + hints
    return "\n".join(lines)


def healthy(items: list[Check]) -> bool:
    return all(c.ok for c in items if c.required)
