"""pysecret: the guarded-secret kernel of suites/guarded-secret/kernel.md, in Python with ctypes.

    >>> from pysecret import Secret
    >>> with Secret(b"correct horse") as s:
    ...     s.verify(b"correct horse"), s.verify(b"battery staple")
    (True, False)

- :mod:`pysecret.secret`  the Secret (three pages, mprotect'ed, mlocked);
- :mod:`pysecret.workloads`  the five canonical benchmarks as runnable
  workloads with T worker threads pulling from one budget of ops;
- ``python -m pysecret.bench``  the pyperf harness;
- ``python -m pysecret.ops``  the ops runner used to count syscalls;
- :mod:`pysecret.backends`  ``--backend libc|go|rust`` for both: this
  package's kernel, or the Go or Rust kernel as a C library through ctypes.
"""

from .secret import (
    MAX_SECRET_LEN,
    PAGE_SIZE,
    CanaryMismatchError,
    Secret,
    SecretDestroyedError,
    SecretError,
    SecretInUseError,
)

__all__ = [
    "MAX_SECRET_LEN",
    "PAGE_SIZE",
    "CanaryMismatchError",
    "Secret",
    "SecretDestroyedError",
    "SecretError",
    "SecretInUseError",
]
