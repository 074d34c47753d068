"""The five canonical benchmarks of suites/guarded-secret/kernel.md as workloads that run N ops.

=================  ==========================================  =======  ================
canonical name     one op                                      workers  mprotect per op
=================  ==========================================  =======  ================
floor              mprotect(READ) + mprotect(NONE), one page   1        2
sequential         one verify                                  1        2
parallel-owned     one verify; each worker has its own Secret  T        2
parallel-locked    one verify under one shared mutex           T        2
parallel-shared    one verify on one shared Secret             T        <= 2, measured
=================  ==========================================  =======  ================

``open_workload(name, threads, backend)`` builds one; ``run(ops)`` performs
exactly ``ops`` ops and returns the wall time in nanoseconds. Set-up (mapping
pages, building Secrets, starting threads) happens before and outside ``run``.

``backend`` (:mod:`pysecret.backends`) picks the kernel: ``libc`` (default)
is :class:`pysecret.Secret` and the floor op written here over libc; ``go``
and ``rust`` use the library's Secret (one ``bn_secret_verify`` call per
verify) and its floor op (one ``bn_floor_op`` call). The workload scheme is
the same for every backend: parallel-locked wraps the whole op in a
Python-side mutex, parallel-shared relies on the backend's own refcounted
verify, parallel-owned gives every worker its own Secret.

Parallel workloads follow Go's ``b.RunParallel``: T persistent worker threads
pull batches of ops from one budget; ``run`` starts the clock, releases the
workers through a barrier, waits for the last one to finish the budget and
stops the clock. Python threads hold the GIL between ctypes calls and release
it during each foreign call (:data:`GIL_NOTE`), so only the mprotect calls
can overlap.

Every op checks its result: a failed mprotect raises OSError and a verify
that returns False for the benchmark candidate raises RuntimeError.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from . import _libc, backends
from ._libc import PAGE_SIZE, PROT_NONE, PROT_READ, PROT_WRITE, mprotect
from .backends import Backend

__all__ = [
    "BENCH_CANDIDATE",
    "BENCH_SECRET",
    "CANONICAL",
    "GIL_NOTE",
    "SINGLE_WORKER",
    "Workload",
    "open_workload",
]

#: suites/guarded-secret/kernel.md's canonical benchmark names, in report order.
CANONICAL = (
    "floor",
    "sequential",
    "parallel-owned",
    "parallel-locked",
    "parallel-shared",
)
#: Benchmarks that always run with exactly one worker.
SINGLE_WORKER = frozenset({"floor", "sequential"})

#: vectors.json ``bench_secret_hex`` / ``bench_candidate_hex`` (equal, so the
#: compare runs over all 32 bytes); a test checks they match the file.
BENCH_SECRET = bytes.fromhex(
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
)
BENCH_CANDIDATE = bytes.fromhex(
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
)

#: The libc backend's GIL note (each backend's is ``Backend.gil``).
GIL_NOTE = backends.GIL_NOTES["libc"]

#: Most ops a worker takes from the budget at once.
_MAX_GRAIN = 100

Batch = Callable[[int], None]


class Workload:
    """One canonical benchmark, set up and ready to run ops."""

    name: str = ""

    def __init__(self, threads: int, backend: Backend | None = None) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        if self.name in SINGLE_WORKER and threads != 1:
            raise ValueError(f"{self.name} runs with exactly one worker, not {threads}")
        self.threads = threads
        self.backend = backend if backend is not None else backends.get(backends.DEFAULT)
        self._secrets: list = []  # pysecret.Secret or foreign.ForeignSecret

    def _new_secret(self):
        """A Secret holding BENCH_SECRET in this workload's backend, destroyed by close."""
        secret = self.backend.secret(BENCH_SECRET)
        self._secrets.append(secret)
        return secret

    def run(self, ops: int) -> int:
        """Perform exactly ``ops`` ops; return the wall time in nanoseconds."""
        raise NotImplementedError

    @property
    def transitions(self) -> int:
        """PROT_NONE -> PROT_READ transitions so far, over all Secrets used."""
        return sum(s.open_transitions for s in self._secrets)

    def close(self) -> None:
        for secret in self._secrets:
            secret.destroy()

    def __enter__(self) -> Workload:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.close()
        except Exception as close_error:
            if exc_type is None:
                raise
            # The run already failed (or was interrupted, e.g. by a Ctrl-C that
            # landed between a verify's open and its close and left a reader
            # counted): that first exception is what the caller must see.
            exc.add_note(f"while closing the workload afterwards: {type(close_error).__name__}: {close_error}")


def _check_ops(ops: int) -> None:
    if ops < 1:
        raise ValueError(f"ops must be >= 1, got {ops}")


def _wrong_result() -> RuntimeError:
    return RuntimeError("verify returned False for the benchmark candidate")


class Floor(Workload):
    """The bare syscall pair on one mlocked page; no Secret code at all."""

    name = "floor"

    def __init__(self, threads: int = 1, backend: Backend | None = None) -> None:
        super().__init__(threads, backend)
        if self.backend.foreign:
            raise ValueError("Floor is the libc floor; a library's floor is ForeignFloor")
        pg = PAGE_SIZE
        page = _libc.mmap(
            None, pg, PROT_READ | PROT_WRITE,
            _libc.MAP_PRIVATE | _libc.MAP_ANONYMOUS, -1, 0,
        )
        if page is None or page == _libc.MAP_FAILED:
            raise _libc.os_error(f"mmap({pg} bytes) for the floor page")
        if _libc.mlock(page, pg) != 0:
            err = _libc.os_error("mlock(floor page)", _libc.memlock_hint())
            _libc.munmap(page, pg)
            raise err
        if mprotect(page, pg, PROT_NONE) != 0:
            err = _libc.os_error("mprotect(floor page, PROT_NONE)")
            _libc.munmap(page, pg)
            raise err
        self._page = page

    def run(self, ops: int) -> int:
        _check_ops(ops)
        page = self._page
        if page is None:
            raise RuntimeError("floor workload is closed")
        # The same call as a verify's: arguments converted once (_libc).
        addr = _libc.address_arg(page)
        pg, read, none = _libc.PAGE_SIZE_ARG, _libc.PROT_READ_ARG, _libc.PROT_NONE_ARG
        protect = mprotect
        clock = time.perf_counter_ns
        t0 = clock()
        for _ in range(ops):
            if protect(addr, pg, read) or protect(addr, pg, none):
                raise _libc.os_error("mprotect(floor page)")
        return clock() - t0

    def close(self) -> None:
        page, self._page = self._page, None
        if page is None:
            return
        unlocked = _libc.munlock(page, PAGE_SIZE) == 0
        err = None if unlocked else _libc.os_error("munlock(floor page)")
        if _libc.munmap(page, PAGE_SIZE) != 0:
            raise _libc.os_error("munmap(floor page)")
        if err is not None:
            raise err


class ForeignFloor(Workload):
    """The library's floor op (bn_floor_op: the bare syscall pair on its
    mlocked page), one foreign call per op."""

    name = "floor"

    def __init__(self, threads: int = 1, backend: Backend | None = None) -> None:
        super().__init__(threads, backend)
        self._floor = self.backend.floor_page()

    def run(self, ops: int) -> int:
        _check_ops(ops)
        floor = self._floor
        if floor is None:
            raise RuntimeError("floor workload is closed")
        op, handle = floor.op_fn, floor.handle
        clock = time.perf_counter_ns
        t0 = clock()
        for _ in range(ops):
            rc = op(handle)
            if rc:
                raise floor.error(rc)
        return clock() - t0

    def close(self) -> None:
        floor, self._floor = self._floor, None
        if floor is not None:
            floor.close()


class Sequential(Workload):
    """One Secret, verified in the calling thread."""

    name = "sequential"

    def __init__(self, threads: int = 1, backend: Backend | None = None) -> None:
        super().__init__(threads, backend)
        self._new_secret()

    def run(self, ops: int) -> int:
        _check_ops(ops)
        verify = self._secrets[0].verify
        candidate = BENCH_CANDIDATE
        clock = time.perf_counter_ns
        t0 = clock()
        for _ in range(ops):
            if not verify(candidate):
                raise _wrong_result()
        return clock() - t0


class _Budget:
    """One budget of ops that workers take from in batches."""

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


class _Pool:
    """T persistent threads, each running its own batch function.

    ``run(ops)`` times from releasing the workers to the last one finishing.
    """

    def __init__(self, batches: list[Batch], name: str) -> None:
        parties = len(batches) + 1
        self._start = threading.Barrier(parties)
        self._done = threading.Barrier(parties)
        self._budget = _Budget(0, 1)
        self._errors: list[BaseException] = []
        self._stopping = False
        self._threads = [
            threading.Thread(
                target=self._work, args=(batch,), name=f"{name}-{i}", daemon=True
            )
            for i, batch in enumerate(batches)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self, batch: Batch) -> None:
        while True:
            self._start.wait()
            if self._stopping:
                return
            try:
                take = self._budget.take
                while k := take():
                    batch(k)
            except BaseException as exc:
                self._errors.append(exc)
                self._budget.cancel()
            finally:
                self._done.wait()

    def run(self, ops: int) -> int:
        workers = len(self._threads)
        self._budget = _Budget(ops, max(1, min(_MAX_GRAIN, ops // (16 * workers))))
        self._errors.clear()
        clock = time.perf_counter_ns
        t0 = clock()
        self._start.wait()
        try:
            self._done.wait()
        except BaseException:
            # Interrupted (Ctrl-C reaches the main thread only): stop handing
            # out ops, meet the workers once they finish their batch, so that
            # close() finds them parked, and re-raise.
            self._budget.cancel()
            self._done.wait()
            raise
        elapsed = clock() - t0
        if self._errors:
            raise self._errors[0]
        return elapsed

    def close(self) -> None:
        if self._stopping:
            return
        self._stopping = True
        self._start.wait()
        for thread in self._threads:
            thread.join()


class _Parallel(Workload):
    """T worker threads pulling verifies from one budget."""

    def __init__(self, threads: int, backend: Backend | None = None) -> None:
        super().__init__(threads, backend)
        self._pool: _Pool | None = None
        try:
            batches = self._batches()
            self._pool = _Pool(batches, f"pysecret-{self.name}")
        except BaseException:
            super().close()
            raise

    def _batches(self) -> list[Batch]:
        raise NotImplementedError

    def run(self, ops: int) -> int:
        _check_ops(ops)
        if self._pool is None:
            raise RuntimeError(f"{self.name} workload is closed")
        return self._pool.run(ops)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        super().close()


def _verify_batch(secret) -> Batch:
    verify = secret.verify

    def batch(k: int, verify=verify, candidate=BENCH_CANDIDATE) -> None:
        for _ in range(k):
            if not verify(candidate):
                raise _wrong_result()

    return batch


class ParallelOwned(_Parallel):
    """Every worker verifies its own Secret."""

    name = "parallel-owned"

    def _batches(self) -> list[Batch]:
        for _ in range(self.threads):
            self._new_secret()
        return [_verify_batch(s) for s in self._secrets]


class ParallelLocked(_Parallel):
    """One shared Secret; the whole verify runs under one shared mutex."""

    name = "parallel-locked"

    def _batches(self) -> list[Batch]:
        secret = self._new_secret()
        lock = threading.Lock()
        verify = secret.verify

        def batch(k: int, verify=verify, candidate=BENCH_CANDIDATE, lock=lock) -> None:
            for _ in range(k):
                with lock:
                    ok = verify(candidate)
                if not ok:
                    raise _wrong_result()

        return [batch] * self.threads


class ParallelShared(_Parallel):
    """One shared Secret; readers overlap through its refcounted open/close."""

    name = "parallel-shared"

    def _batches(self) -> list[Batch]:
        secret = self._new_secret()
        return [_verify_batch(secret)] * self.threads


_WORKLOADS: dict[str, type[Workload]] = {
    cls.name: cls
    for cls in (Floor, Sequential, ParallelOwned, ParallelLocked, ParallelShared)
}
assert tuple(_WORKLOADS) == CANONICAL


def open_workload(name: str, threads: int = 1, backend: str = backends.DEFAULT) -> Workload:
    """Set up canonical benchmark ``name`` with ``threads`` workers on ``backend``.

    Raises ValueError for an unknown name or backend, and
    :class:`pysecret.backends.LibraryMissingError` if the backend's library
    has not been built.
    """
    try:
        cls = _WORKLOADS[name]
    except KeyError:
        raise ValueError(
            f"unknown benchmark {name!r}; expected one of {', '.join(CANONICAL)}"
        ) from None
    kernel = backends.get(backend)
    if cls is Floor and kernel.foreign:
        cls = ForeignFloor
    return cls(threads, kernel)
