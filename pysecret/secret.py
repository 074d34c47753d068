"""The guarded Secret: suites/guarded-secret/kernel.md's contract in Python, through ctypes and libc.

Layout of one Secret (PG = page size read at run time)::

    base         guard page   PROT_NONE for the Secret's whole life
    base+PG      data page    mlocked, MADV_DONTDUMP, PROT_NONE at rest
                   [ zero ... ][ canary: 16 random bytes ][ secret: n bytes ]
    base+2PG     guard page   PROT_NONE for the Secret's whole life

``1 <= n <= PG - 16``; the secret is right-aligned so ``secret[n]`` is the
first byte of the trailing guard page.

``verify(candidate)`` is open / compare / close:

1. open: under the Secret's mutex, ``readers += 1``; on 0 -> 1,
   ``mprotect(data, PROT_READ)``;
2. compare: ``hmac.compare_digest`` over a ctypes array that sits on the
   mapping (built once at construction). The secret is read in place and
   never copied into a Python object;
3. close: under the mutex, ``readers -= 1``; on 1 -> 0,
   ``mprotect(data, PROT_NONE)``.

A transition and its mprotect always happen together under the mutex, so a
sequential verify is exactly two mprotect calls. Every failed call raises
OSError with errno and the name of the call; no message or repr contains the
secret. Use after :meth:`Secret.destroy` raises :class:`SecretDestroyedError`.
"""

from __future__ import annotations

import ctypes
import os
from hmac import compare_digest

from . import _libc
from ._mutex import TOKEN, Mutex
from ._libc import (
    PAGE_SIZE,
    PAGE_SIZE_ARG,
    PROT_NONE,
    PROT_NONE_ARG,
    PROT_READ,
    PROT_READ_ARG,
    PROT_WRITE,
    mprotect,
)

__all__ = [
    "CANARY_LEN",
    "MAX_SECRET_LEN",
    "PAGE_SIZE",
    "CanaryMismatchError",
    "Secret",
    "SecretDestroyedError",
    "SecretError",
    "SecretInUseError",
]

CANARY_LEN = 16
#: Longest secret that fits right-aligned on the data page after the canary.
MAX_SECRET_LEN = PAGE_SIZE - CANARY_LEN

#: Drawn once per process; checked by every destroy.
_CANARY = os.urandom(CANARY_LEN)


class SecretError(Exception):
    """Base class for misuse and integrity errors of a Secret."""


class SecretDestroyedError(SecretError):
    """The Secret was destroyed; its memory is gone and cannot be used."""


class SecretInUseError(SecretError):
    """destroy() was called while a verify() on another thread was open."""


class CanaryMismatchError(SecretError):
    """The canary before the secret changed: something wrote out of bounds."""


def _source_buffer(data) -> tuple[object, int]:
    """Return (something memmove reads from, length) without copying data."""
    if isinstance(data, bytes):
        return data, len(data)
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"Secret needs bytes or a bytes-like object, got {type(data).__name__}"
        ) from None
    with view:
        if not view.contiguous:
            raise TypeError("Secret needs a contiguous buffer")
        if view.readonly:
            raise TypeError("Secret needs bytes or a writable bytes-like object")
        length = view.nbytes
        if length == 0:
            return b"", 0
        return (ctypes.c_char * length).from_buffer(view.cast("B")), length


class Secret:
    """n bytes that can only be read inside a verify().

    ``Secret(data)`` copies ``data`` (1 to :data:`MAX_SECRET_LEN` bytes) onto a
    locked page between two guard pages and keeps no reference to ``data``.
    Use it as a context manager, or call :meth:`destroy`; both are safe to
    repeat. Safe to share between threads.
    """

    __slots__ = (
        "_lock",
        "_readers",
        "_view",
        "_base",
        "_data",
        "_data_arg",
        "_length",
        "_open_transitions",
        "_on_zeroed",
        "__weakref__",
    )

    def __init__(self, data: bytes) -> None:
        self._view = None  # None means "no live mapping": destroyed or never built
        self._base = None
        src, n = _source_buffer(data)
        if not 1 <= n <= MAX_SECRET_LEN:
            raise ValueError(
                f"secret length must be 1..{MAX_SECRET_LEN} bytes, got {n}"
            )

        pg = PAGE_SIZE
        # 1. mmap three read-write pages.
        base = _libc.mmap(
            None,
            3 * pg,
            PROT_READ | PROT_WRITE,
            _libc.MAP_PRIVATE | _libc.MAP_ANONYMOUS,
            -1,
            0,
        )
        if base is None or base == _libc.MAP_FAILED:
            raise _libc.os_error(f"mmap({3 * pg} bytes, PROT_READ|PROT_WRITE)")
        data_page = base + pg
        try:
            # 2. Keep the data page out of core dumps.
            if _libc.madvise(data_page, pg, _libc.MADV_DONTDUMP) != 0:
                raise _libc.os_error("madvise(data page, MADV_DONTDUMP)")
            # 3. Lock it in RAM (this also faults it in).
            if _libc.mlock(data_page, pg) != 0:
                raise _libc.os_error(
                    f"mlock(data page, {pg} bytes)", _libc.memlock_hint()
                )
        except BaseException:
            # Nothing is locked or written yet. A failing munmap here would
            # hide the error being raised, so its result is not checked.
            _libc.munmap(base, 3 * pg)
            raise

        try:
            # 4. Canary, then the secret, right-aligned.
            secret_addr = data_page + pg - n
            ctypes.memmove(secret_addr - CANARY_LEN, _CANARY, CANARY_LEN)
            ctypes.memmove(secret_addr, src, n)
            del src
            # 5. Guards and data page to PROT_NONE. One call covers all three
            #    pages; the data page's mlock/dontdump flags keep its VMA apart.
            if mprotect(base, 3 * pg, PROT_NONE) != 0:
                raise _libc.os_error("mprotect(guards and data page, PROT_NONE)")
        except BaseException:
            # Wipe what was written; mprotect back in case the failure left
            # the page unreadable, then give everything back. The error being
            # raised is the one to report; these clean-up results are not.
            mprotect(data_page, pg, PROT_READ | PROT_WRITE)
            ctypes.memset(data_page, 0, pg)
            _libc.munlock(data_page, pg)
            _libc.munmap(base, 3 * pg)
            raise

        # The Secret's mutex (pysecret/_mutex.py); nothing here takes it twice.
        self._lock = Mutex()
        self._readers = 0
        self._open_transitions = 0
        self._on_zeroed = None
        self._base = base
        self._data = data_page
        # The data page's address as mprotect's converted argument (_libc).
        self._data_arg = _libc.address_arg(data_page)
        self._length = n
        # The one view the compare reads through; building it reads nothing.
        self._view = (ctypes.c_ubyte * n).from_address(secret_addr)

    # -- the operation ------------------------------------------------------

    def verify(self, candidate) -> bool:
        """Constant-time compare of ``candidate`` with the secret.

        ``candidate`` is any bytes-like object. A length mismatch returns
        False. Raises :class:`SecretDestroyedError` after destroy and OSError
        if an mprotect fails.
        """
        # The steps of _open and _close, written out here: two Python calls
        # fewer per op. Keep the three methods in step.
        #
        # The mutex is taken by reading ``mutex.hold`` right before ``try``
        # and given back with ``put`` in ``finally``: cheaper than an RLock's
        # acquire()/release() (pysecret/README.md has the breakdown), and
        # safe against an exception from a signal handler (KeyboardInterrupt)
        # at any point when no trace function is set; pysecret/_mutex.py
        # says why.
        mutex = self._lock
        mutex.hold
        try:
            view = self._view
            if view is None:
                raise SecretDestroyedError("Secret used after destroy()")
            readers = self._readers + 1
            self._readers = readers
            if readers == 1:
                if mprotect(self._data_arg, PAGE_SIZE_ARG, PROT_READ_ARG):
                    self._readers = 0
                    raise _libc.os_error("mprotect(data page, PROT_READ)")
                self._open_transitions += 1
        finally:
            mutex.put(TOKEN)
        try:
            return compare_digest(view, candidate)
        finally:
            mutex.hold
            try:
                readers = self._readers - 1
                self._readers = readers
                if readers == 0 and mprotect(self._data_arg, PAGE_SIZE_ARG, PROT_NONE_ARG):
                    raise _libc.os_error("mprotect(data page, PROT_NONE)")
            finally:
                mutex.put(TOKEN)

    def _open(self):
        """Make the data page readable for one reader; return the view.

        verify's first half, on its own for tests that read the page.
        """
        with self._lock:
            view = self._view
            if view is None:
                raise SecretDestroyedError("Secret used after destroy()")
            readers = self._readers + 1
            self._readers = readers
            if readers == 1:
                if mprotect(self._data_arg, PAGE_SIZE_ARG, PROT_READ_ARG):
                    self._readers = 0
                    raise _libc.os_error("mprotect(data page, PROT_READ)")
                self._open_transitions += 1
            return view

    def _close(self) -> None:
        """Release one reader; the last one makes the data page PROT_NONE.

        verify's second half, on its own for tests that read the page.
        """
        with self._lock:
            readers = self._readers - 1
            self._readers = readers
            if readers == 0 and mprotect(self._data_arg, PAGE_SIZE_ARG, PROT_NONE_ARG):
                raise _libc.os_error("mprotect(data page, PROT_NONE)")

    # -- lifetime -----------------------------------------------------------

    def destroy(self) -> None:
        """Check the canary, zero the data page, unlock and unmap. Idempotent.

        The page is always wiped and released once destroy gets past the
        first mprotect; a changed canary is then reported as
        :class:`CanaryMismatchError`. Raises :class:`SecretInUseError` if a
        verify on another thread is in progress (nothing is changed then).
        """
        if self._base is None:  # construction failed before the mapping existed
            return
        with self._lock:
            if self._view is None:
                return
            if self._readers:
                raise SecretInUseError(
                    f"destroy() while {self._readers} verify() call(s) are open"
                )
            pg = PAGE_SIZE
            data_page = self._data
            if mprotect(data_page, pg, PROT_READ | PROT_WRITE) != 0:
                raise _libc.os_error("mprotect(data page, PROT_READ|PROT_WRITE)")
            canary = (ctypes.c_ubyte * CANARY_LEN).from_address(
                data_page + pg - self._length - CANARY_LEN
            )
            canary_ok = compare_digest(canary, _CANARY)
            del canary
            self._view = None  # from here on the Secret is destroyed
            ctypes.memset(data_page, 0, pg)
            failure: BaseException | None = None
            if self._on_zeroed is not None:
                # a test hook; it runs under the Secret's mutex, which is not
                # recursive, so it must not call verify or destroy
                try:
                    self._on_zeroed(data_page, pg)
                except BaseException as exc:  # report it after cleaning up
                    failure = exc
            if _libc.munlock(data_page, pg) != 0 and failure is None:
                failure = _libc.os_error("munlock(data page)")
            if _libc.munmap(self._base, 3 * pg) != 0 and failure is None:
                failure = _libc.os_error("munmap(secret mapping)")
            if not canary_ok:
                raise CanaryMismatchError(
                    "canary before the secret was overwritten; the page was "
                    "zeroed and released"
                ) from failure
            if failure is not None:
                raise failure

    def __enter__(self) -> Secret:
        return self

    def __exit__(self, *exc_info) -> None:
        self.destroy()

    def __del__(self) -> None:
        # A forgotten Secret must not keep locked memory; errors surface
        # through sys.unraisablehook.
        if getattr(self, "_view", None) is not None:
            self.destroy()

    # -- introspection (never the secret) -------------------------------------

    @property
    def destroyed(self) -> bool:
        return self._view is None

    @property
    def open_transitions(self) -> int:
        """How many times the data page went from PROT_NONE to PROT_READ."""
        return self._open_transitions

    def __repr__(self) -> str:
        state = "destroyed" if self._view is None else f"length={self._length}"
        return f"<Secret {state}>"

    def __reduce__(self):
        raise TypeError("a Secret cannot be pickled or copied")

