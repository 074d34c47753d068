"""Fixtures for the pysecret tests: /proc readers and child processes.

Faulting cases and anything that changes process-wide state (rlimits,
capabilities) run in a child Python started by ``run_python``; the child's
stdout says how far it got, so a test can tell the expected fault from an
early crash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]


class Vma(NamedTuple):
    """One line of /proc/<pid>/maps."""

    start: int
    end: int
    perms: str


def read_maps(pid: str = "self") -> list[Vma]:
    vmas = []
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            span, perms = line.split()[:2]
            start, end = (int(x, 16) for x in span.split("-"))
            vmas.append(Vma(start, end, perms))
    return vmas


def vma_at(addr: int, pid: str = "self") -> Vma | None:
    """The mapping that contains ``addr``, or None if it is unmapped."""
    for vma in read_maps(pid):
        if vma.start <= addr < vma.end:
            return vma
    return None


def vmflags_at(addr: int, pid: str = "self") -> set[str]:
    """The VmFlags of the mapping that contains ``addr``, from smaps."""
    inside = False
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            head = line.split()[0] if line.strip() else ""
            if "-" in head and not head.endswith(":"):
                start, end = (int(x, 16) for x in head.split("-"))
                inside = start <= addr < end
            elif inside and head == "VmFlags:":
                return set(line.split()[1:])
    raise LookupError(f"no mapping with VmFlags contains {addr:#x}")


@pytest.fixture
def maps() -> Callable[[int], Vma | None]:
    return vma_at


@pytest.fixture
def vmflags() -> Callable[[int], set[str]]:
    return vmflags_at


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # A fault must kill the child with SIGSEGV, nothing else in between.
    env.pop("PYTHONFAULTHANDLER", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_child(
    code: str, *, prefix: tuple[str, ...] = (), timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the repository root."""
    return subprocess.run(
        [*prefix, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=_child_env(),
    )


def run_module(
    module: str, *args: str, prefix: tuple[str, ...] = (), timeout: float = 120
) -> subprocess.CompletedProcess:
    """Run ``python -m module args...`` from the repository root."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=_child_env(),
    )


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    return run_child


@pytest.fixture
def run_python_module() -> Callable[..., subprocess.CompletedProcess]:
    return run_module


@pytest.fixture
def without_ipc_lock() -> tuple[str, ...]:
    """A command prefix under which mlock honours RLIMIT_MEMLOCK.

    Root (CAP_IPC_LOCK) ignores the limit, so as root the child runs under
    setpriv with CAP_IPC_LOCK dropped from the bounding and inheritable sets.
    Skips, with the reason, when that is impossible here.
    """
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is missing: cannot drop CAP_IPC_LOCK")
    prefix = (setpriv, "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock")
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop CAP_IPC_LOCK here: {probe.stderr.strip()}")
    return prefix


# -- backends (pysecret.backends) ------------------------------------------


def _build_missing_libraries() -> dict[str, str | None]:
    """Build each backend library that is missing or older than its sources.

    Returns backend -> None when its library is ready, or the reason it
    cannot be (the toolchain is not installed). A build that fails is a
    test failure, not a skip.
    """
    from pysecret import backends

    status: dict[str, str | None] = {name: None for name in backends.BACKENDS}
    commands = backends.build_commands(backends.ROOT)
    for name in backends.FOREIGN:
        if not backends.needs_build(name):
            continue
        absent = [argv[0] for argv, _ in commands[name] if shutil.which(argv[0]) is None]
        if absent:
            if not backends.library_path(name).exists():
                status[name] = (f"{backends.library_path(name)} is missing and "
                                f"{', '.join(absent)} is not installed to build it")
            continue  # else: older than its sources, but the only one there is
        try:
            backends.build([name], capture=True)
        except subprocess.CalledProcessError as exc:
            pytest.fail(f"building the {name} backend library failed: {exc}\n"
                        f"{exc.stdout}\n{exc.stderr}", pytrace=False)
    return status


@pytest.fixture(scope="session")
def backend_libraries() -> dict[str, str | None]:
    """Builds the Go and Rust libraries once per session if they are missing or stale."""
    return _build_missing_libraries()


def _backend_params():
    from pysecret import backends

    return backends.BACKENDS


@pytest.fixture(params=_backend_params())
def backend_name(request, backend_libraries) -> str:
    """Each backend name in turn (libc, go, rust), its library built."""
    reason = backend_libraries[request.param]
    if reason is not None:
        pytest.skip(reason)
    return request.param


@pytest.fixture
def backend(backend_name):
    """Each backend in turn, loaded in this process."""
    from pysecret import backends

    return backends.get(backend_name)


@pytest.fixture(params=("go", "rust"))
def foreign_backend(request, backend_libraries):
    """The go and rust backends in turn, loaded in this process."""
    from pysecret import backends

    reason = backend_libraries[request.param]
    if reason is not None:
        pytest.skip(reason)
    return backends.get(request.param)
