"""mlock failure (suites/guarded-secret/kernel.md test 6): RLIMIT_MEMLOCK = 0 without CAP_IPC_LOCK.

The child lowers RLIMIT_MEMLOCK itself (``resource``) and, when the tests run
as root, is started under ``setpriv`` with CAP_IPC_LOCK dropped; otherwise
root's capability would make mlock ignore the limit.
"""

from __future__ import annotations

import errno
import json
import textwrap

CHILD = textwrap.dedent(
    """
    import json, resource

    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))

    import pysecret._libc as libc
    from pysecret import PAGE_SIZE, Secret

    mapped = []
    real_mmap = libc.mmap

    def recording_mmap(*args):
        addr = real_mmap(*args)
        mapped.append(addr)
        return addr

    libc.mmap = recording_mmap

    def status(field):
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return line.split(":", 1)[1].strip()

    out = {"cap_ipc_lock": bool(int(status("CapEff"), 16) & (1 << 14))}
    for attempt in range(50):  # a leak would pile up, a hang would time out
        try:
            Secret(b"never-locked-secret")
        except OSError as exc:
            out.update(errno=exc.errno, message=str(exc))
        else:
            out.update(errno=None, message="constructed")
            break

    spans = []
    for line in open("/proc/self/maps"):
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        spans.append((lo, hi))
    out["still_mapped"] = sorted({
        hex(a) for a in mapped
        for page in range(3)
        if any(lo <= a + page * PAGE_SIZE < hi for lo, hi in spans)
    })
    out["attempts"] = len(mapped)
    out["vmlck"] = status("VmLck")
    print(json.dumps(out))
    """
)


def test_mlock_failure_is_reported_and_leaks_nothing(run_python, without_ipc_lock):
    child = run_python(CHILD, prefix=without_ipc_lock, timeout=60)
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout)
    assert out["cap_ipc_lock"] is False
    assert out["errno"] in (errno.EPERM, errno.ENOMEM), out
    message = out["message"]
    assert "mlock(data page" in message
    assert "RLIMIT_MEMLOCK" in message
    assert f"errno {out['errno']}" in message
    assert "never-locked-secret" not in message
    assert out["attempts"] == 50  # each attempt mapped, failed and unmapped
    assert out["still_mapped"] == []
    assert out["vmlck"] == "0 kB"


def test_ops_runner_exits_1_on_mlock_failure(run_python, without_ipc_lock):
    code = textwrap.dedent(
        """
        import resource, runpy, sys
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
        sys.argv = ["pysecret.ops", "--bench", "sequential", "--threads", "1", "--ops", "10"]
        runpy.run_module("pysecret.ops", run_name="__main__", alter_sys=True)
        """
    )
    child = run_python(code, prefix=without_ipc_lock, timeout=60)
    assert child.returncode == 1, child.stderr
    assert child.stdout == ""
    assert "RLIMIT_MEMLOCK" in child.stderr and "errno" in child.stderr
