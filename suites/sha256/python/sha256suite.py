"""Suite ``sha256`` in Python: the op, the buffer, the vectors file and the
threaded workload, shared by ``bench.py``, ``verify.py`` and the tests.

One op is ``hashlib.sha256(buf).digest()`` of a buffer of ``size`` bytes,
byte i = i mod 251. :func:`hash_loop` is the only place that hashes: the
benchmarks time it and ``verify.py`` calls it once per vector, so what is
checked is what is timed.

hashlib releases the GIL while it hashes inputs of 2048 bytes or more
(smaller inputs are hashed with the GIL held), so ``hash-parallel`` threads
can overlap at 4096 and 1048576 bytes but not at 64.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

PATTERN_MOD = 251
SIZES = (64, 4096, 1048576)
BENCHES = ("hash", "hash-parallel")

#: Most ops a thread takes from the budget at once.
_MAX_GRAIN = 100


def pattern(mod: int, length: int) -> bytes:
    """``length`` bytes, byte i = i % mod."""
    if not 1 <= mod <= 256:
        raise ValueError(f"pattern modulus {mod} not in 1..256")
    block = bytes(range(mod))
    whole, rest = divmod(length, mod)
    return block * whole + block[:rest]


def buffer(size: int) -> bytes:
    """The benchmark buffer of ``size`` bytes."""
    return pattern(PATTERN_MOD, size)


def hash_loop(buf: bytes, n: int, sha256=hashlib.sha256) -> bytes:
    """Perform ``n`` ops on ``buf``; return the last digest (b"" if n == 0)."""
    d = b""
    for _ in range(n):
        d = sha256(buf).digest()
    return d


def digest(data: bytes) -> bytes:
    """One op through :func:`hash_loop`."""
    return hash_loop(data, 1)


class VectorsError(ValueError):
    """A vectors file that cannot be used."""


def parse_vectors(text: str) -> list[tuple[str, bytes, str]]:
    """(name, input bytes, expected hex digest) for every vector of a file."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VectorsError(f"not JSON: {exc}") from None
    vectors = doc.get("vectors") if isinstance(doc, dict) else None
    if not isinstance(vectors, list):
        raise VectorsError('no "vectors" array')
    out: list[tuple[str, bytes, str]] = []
    for i, v in enumerate(vectors):
        name = v.get("name") if isinstance(v, dict) else None
        if not isinstance(name, str) or not name or any(c.isspace() for c in name):
            raise VectorsError(f"vector {i}: name must be a non-empty string without spaces")
        if any(o[0] == name for o in out):
            raise VectorsError(f"vector {name!r} appears twice")
        want = v.get("sha256")
        if not (isinstance(want, str) and len(want) == 64 and all(c in "0123456789abcdef" for c in want)):
            raise VectorsError(f"vector {name!r}: sha256 must be 64 lower-case hex digits")
        try:
            data = _expand(v.get("input"))
        except VectorsError as exc:
            raise VectorsError(f"vector {name!r}: input {exc}") from None
        out.append((name, data, want))
    return out


def _count(inp: dict, key: str) -> int:
    n = inp[key]
    if type(n) is not int or n < 0:
        raise VectorsError(f"{key!r} must be a non-negative integer")
    return n


def _string(inp: dict, key: str) -> str:
    s = inp[key]
    if not isinstance(s, str):
        raise VectorsError(f"{key!r} must be a string")
    return s


def _expand(inp) -> bytes:
    if not isinstance(inp, dict):
        raise VectorsError("must be an object")
    keys = sorted(inp)
    if keys == ["text"]:
        return _string(inp, "text").encode()
    if keys == ["count", "repeat"]:
        return (_string(inp, "repeat") * _count(inp, "count")).encode()
    if keys == ["length", "pattern_mod"]:
        mod = _count(inp, "pattern_mod")
        if not 1 <= mod <= 256:
            raise VectorsError("'pattern_mod' must be in 1..256")
        return pattern(mod, _count(inp, "length"))
    raise VectorsError(f"has keys {keys}; expected text, repeat+count or pattern_mod+length")


def load_vectors(path: str) -> list[tuple[str, bytes, str]]:
    """Read and check a vectors file (OSError / VectorsError on failure)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return parse_vectors(text)
    except VectorsError as exc:
        raise VectorsError(f"{path}: {exc}") from None


class _Budget:
    """One run's ops; threads take them in batches of at most ``grain``."""

    def __init__(self, ops: int, grain: int) -> None:
        self._lock = threading.Lock()
        self._left = ops
        self._grain = grain

    def take(self) -> int:
        with self._lock:
            k = min(self._grain, self._left)
            self._left -= k
            return k

    def cancel(self) -> None:
        with self._lock:
            self._left = 0


class ParallelHash:
    """``hash-parallel``: T threads, started once and parked between runs,
    each hashing its own copy of the buffer.

    :meth:`run` follows Go's ``b.RunParallel``: the threads pull ``ops`` ops
    from one budget, and the clock runs from releasing them (one barrier) to
    the last one finishing (another barrier). Thread start-up is outside it.
    """

    def __init__(self, threads: int, size: int) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.threads = threads
        self.done = 0  # ops performed by the last run, summed over threads
        self._start = threading.Barrier(threads + 1)
        self._finish = threading.Barrier(threads + 1)
        self._budget = _Budget(0, 1)
        self._counted = threading.Lock()
        self._errors: list[BaseException] = []
        self._closed = False
        self._workers = [
            threading.Thread(target=self._work, args=(buffer(size),),
                             name=f"sha256-worker-{i}", daemon=True)
            for i in range(threads)
        ]
        for w in self._workers:
            w.start()

    def _work(self, own: bytes) -> None:
        loop = hash_loop
        while True:
            self._start.wait()
            if self._closed:
                return
            mine = 0
            try:
                take = self._budget.take
                while k := take():
                    loop(own, k)
                    mine += k
            except BaseException as exc:
                self._errors.append(exc)
                self._budget.cancel()
            finally:
                with self._counted:
                    self.done += mine
                self._finish.wait()

    def run(self, ops: int) -> int:
        """Perform exactly ``ops`` ops; return their wall time in ns."""
        if self._closed:
            raise RuntimeError("hash-parallel workload is closed")
        self._budget = _Budget(ops, max(1, min(_MAX_GRAIN, ops // (16 * self.threads))))
        self._errors.clear()
        self.done = 0
        clock = time.perf_counter_ns
        t0 = clock()
        self._start.wait()
        self._finish.wait()
        elapsed = clock() - t0
        if self._errors:
            raise self._errors[0]
        if self.done != ops:
            raise RuntimeError(f"hash-parallel performed {self.done} ops, not {ops}")
        return elapsed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._start.wait()
        for w in self._workers:
            w.join()
