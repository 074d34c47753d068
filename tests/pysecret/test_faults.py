"""Faults (suites/guarded-secret/kernel.md test 3), each in a child process that must die of SIGSEGV.

Every child first proves it reached the access under test (a legal access
next to it succeeds and it prints a marker), so an early crash cannot pass
for the expected fault.
"""

from __future__ import annotations

import signal
import textwrap

import pytest

PRELUDE = textwrap.dedent(
    """
    import ctypes, sys
    from pysecret import PAGE_SIZE, Secret

    N = 32
    s = Secret(bytes(range(1, N + 1)))
    secret = s._data + PAGE_SIZE - N

    def byte(addr):
        return ctypes.c_ubyte.from_address(addr).value

    def reached(marker):
        sys.stdout.write(marker + "\\n")
        sys.stdout.flush()
    """
)

CASES = {
    "read-at-rest": """
        s._open(); assert byte(secret) == 1; s._close()
        reached("at rest")
        byte(secret)
    """,
    "read-secret[n]": """
        s._open()
        assert byte(secret + N - 1) == N
        reached("open")
        byte(secret + N)
    """,
    "read-byte-before-data-page": """
        s._open()
        assert byte(s._data) == 0
        reached("open")
        byte(s._data - 1)
    """,
    "write-while-open-read-only": """
        s._open()
        assert byte(secret) == 1
        reached("open")
        ctypes.c_ubyte.from_address(secret).value = 0
    """,
}


@pytest.mark.parametrize("case", list(CASES))
def test_access_faults(case, run_python):
    code = PRELUDE + textwrap.dedent(CASES[case]) + '\nreached("survived")\n'
    child = run_python(code, timeout=60)
    assert "survived" not in child.stdout
    assert child.stdout.strip() in {"at rest", "open"}, child.stderr
    assert child.returncode == -signal.SIGSEGV, (child.returncode, child.stderr)


def test_prelude_alone_runs_cleanly(run_python):
    child = run_python(PRELUDE + '\nreached("fine")\ns.destroy()\n', timeout=60)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "fine"
