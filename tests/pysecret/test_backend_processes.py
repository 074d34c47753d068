"""Backends in child processes: faults, Ctrl-C, syscall counts, the two runners, mlock, C.

- A read of a Secret's data page at rest, made by Python through ctypes,
  kills the child by SIGSEGV for every backend. With the Go runtime loaded
  that holds because a fault in non-Go code is forwarded to the previous
  handler, and with none (SIG_DFL) the runtime re-raises it with the default
  action: no Go panic trace.
- SIGINT stops ``python -m pysecret.ops`` with KeyboardInterrupt for every
  backend: a c-shared Go library installs no SIGINT handler (os/signal,
  "Non-Go programs that call Go code"), so Python's stays in force.
- 20000 more sequential ops make exactly 40000 more mprotect calls, counted
  with perf (else strace) around the ops runner; a visible skip otherwise.
- The ops runner's JSON line and the pyperf metadata name the backend.
- mlock failure (RLIMIT_MEMLOCK = 0, CAP_IPC_LOCK dropped) is an OSError with
  its errno and the RLIMIT_MEMLOCK hint through every backend.
- A C program compiled against include/benchnorm_secret.h runs against both
  libraries.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyperf
import pytest

from pysecret import backends

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONFAULTHANDLER", None)  # the fault must reach SIG_DFL
    env["PYTHONUNBUFFERED"] = "1"
    return env


# -- a guard-page fault is still SIGSEGV -------------------------------------

FAULT_CHILD = textwrap.dedent(
    """
    import ctypes, sys, threading
    from pysecret import backends

    def locked_dontdump_pages():
        found, span = set(), None
        with open("/proc/self/smaps") as smaps:
            for line in smaps:
                head = line.split()[0] if line.strip() else ""
                if "-" in head and not head.endswith(":"):
                    span = tuple(int(x, 16) for x in head.split("-"))
                elif head == "VmFlags:" and {"lo", "dd"} <= set(line.split()[1:]):
                    found.add(span)
        return found

    def perms(addr):
        with open("/proc/self/maps") as maps:
            for line in maps:
                span, mode = line.split()[:2]
                start, end = (int(x, 16) for x in span.split("-"))
                if start <= addr < end:
                    return mode

    backend = backends.get(sys.argv[1])
    before = locked_dontdump_pages()
    secret = bytes(range(1, 33))
    s = backend.secret(secret)
    assert s.verify(secret) and not s.verify(bytes(32))
    (page,) = locked_dontdump_pages() - before   # the Secret's data page
    start, end = page
    addr = end - len(secret)                     # secret[0], right-aligned
    assert perms(addr) == "---p", perms(addr)

    def read():
        print("reading at rest", flush=True)
        ctypes.c_ubyte.from_address(addr).value

    if sys.argv[2] == "thread":
        t = threading.Thread(target=read)
        t.start()
        t.join()
    else:
        read()
    print("survived", flush=True)
    """
)


@pytest.mark.parametrize("where", ["main", "thread"])
def test_reading_the_data_page_at_rest_dies_by_sigsegv(backend_name, where):
    child = subprocess.run([sys.executable, "-c", FAULT_CHILD, backend_name, where],
                           capture_output=True, text=True, cwd=REPO, env=_env(), timeout=60)
    assert child.stdout == "reading at rest\n", child.stderr
    assert child.returncode == -signal.SIGSEGV, (child.returncode, child.stderr)
    assert "goroutine" not in child.stderr and "fatal error" not in child.stderr


# -- Ctrl-C ------------------------------------------------------------------


@pytest.mark.parametrize("bench, threads", [("sequential", 1), ("parallel-shared", 2)])
def test_sigint_stops_the_ops_runner(backend_name, bench, threads):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pysecret.ops", "--backend", backend_name,
         "--bench", bench, "--threads", str(threads), "--ops", "100000000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=_env(),
    )
    try:
        time.sleep(1.0)
        assert proc.poll() is None, proc.communicate()
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGINT, err
    assert "KeyboardInterrupt" in err
    assert out == ""
    assert took < 5


# The mprotect count through every backend is in test_syscalls.py.


# -- the runners name the backend ----------------------------------------------


def test_ops_runner_json_names_the_backend(backend_name):
    run = subprocess.run(
        [sys.executable, "-m", "pysecret.ops", "--backend", backend_name,
         "--bench", "parallel-shared", "--threads", "2", "--ops", "300"],
        capture_output=True, text=True, cwd=REPO, env=_env(), timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1
    record = json.loads(run.stdout)
    assert list(record) == ["lang", "bench", "threads", "ops", "wall_ns", "open_transitions"]
    assert record["lang"] == {"libc": "python", "go": "python→go",
                              "rust": "python→rust"}[backend_name]
    assert 1 <= record["open_transitions"] <= 300


def test_ops_runner_refuses_an_unknown_backend():
    run = subprocess.run(
        [sys.executable, "-m", "pysecret.ops", "--backend", "cobol",
         "--bench", "sequential", "--threads", "1", "--ops", "10"],
        capture_output=True, text=True, cwd=REPO, env=_env(), timeout=60,
    )
    assert run.returncode == 2 and run.stdout == ""
    assert "--backend" in run.stderr


def test_pyperf_names_stay_canonical_and_metadata_names_the_backend(foreign_backend, tmp_path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "pysecret.bench", "-p", "1", "-n", "1", "-w", "0", "-l", "20",
         "--bench", "floor,sequential,parallel-shared", "--threads", "2",
         "--backend", foreign_backend.name, "--quiet", "-o", str(out)],
        capture_output=True, text=True, cwd=REPO, env=_env(), timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    suite = pyperf.BenchmarkSuite.load(str(out))
    assert suite.get_benchmark_names() == ["floor", "sequential", "parallel-shared/threads=2"]
    for bench in suite.get_benchmarks():
        meta = bench.get_metadata()
        assert meta["backend"] == foreign_backend.name
        assert meta["lang"] == f"python→{foreign_backend.name}"
        assert "GIL released for the whole op" in meta["gil"]
        assert bench.median() > 0


# -- mlock failure through a backend -------------------------------------------

MLOCK_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    from pysecret import backends
    backend = backends.get(sys.argv[1])
    try:
        backend.secret(b"never-locked")
    except OSError as exc:
        print(json.dumps({"errno": exc.errno, "message": str(exc)}))
    else:
        print(json.dumps({"errno": 0, "message": "constructed"}))
    with open("/proc/self/status") as status:
        locked = [line.split()[1] for line in status if line.startswith("VmLck:")]
    print(json.dumps({"vmlck_kb": int(locked[0])}))
    """
)


def test_mlock_failure_is_an_oserror_with_the_hint(backend_name, without_ipc_lock):
    child = subprocess.run([*without_ipc_lock, sys.executable, "-c", MLOCK_CHILD, backend_name],
                           capture_output=True, text=True, cwd=REPO, env=_env(), timeout=60)
    assert child.returncode == 0, child.stderr
    failure, status = (json.loads(line) for line in child.stdout.splitlines())
    assert failure["errno"] in (errno.EPERM, errno.ENOMEM), failure
    assert "RLIMIT_MEMLOCK" in failure["message"]
    assert "never-locked" not in failure["message"]
    assert status["vmlck_kb"] == 0


# -- the header from C ------------------------------------------------------------


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler (cc) installed")
def test_a_c_program_runs_against_each_library(foreign_backend, tmp_path):
    lib = backends.library_path(foreign_backend.name)
    exe = tmp_path / "abi_smoke"
    cc = subprocess.run(
        ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(REPO / "include"),
         str(Path(__file__).with_name("abi_smoke.c")), "-o", str(exe), str(lib),
         f"-Wl,-rpath,{lib.parent}"],
        capture_output=True, text=True, timeout=120,
    )
    assert cc.returncode == 0, cc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().endswith("ok")
