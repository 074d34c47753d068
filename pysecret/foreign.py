"""A Secret and a floor page that live in a Go or Rust backend library.

:class:`ForeignSecret` has the interface of :class:`pysecret.Secret`
(``verify``, ``destroy``, ``open_transitions``, ``destroyed``, context
manager) but holds only a handle: the three pages, the mutex, the reader
count and the constant-time compare are the backend's own kernel, reached
through ``include/benchnorm_secret.h``. One ``verify`` is one foreign call
(``bn_secret_verify``), made with the GIL released.

:class:`ForeignFloorPage` is the backend's floor page; ``bn_floor_op`` is
its floor op.

Errors become the exceptions :class:`pysecret.Secret` raises (see
:func:`pysecret._capi.error`). Nothing here ever sees the secret after
construction, and no message or repr contains it.
"""

from __future__ import annotations

import ctypes

from . import _capi
from .secret import _source_buffer

__all__ = ["ForeignFloorPage", "ForeignSecret"]


def _input_buffer(data) -> object:
    """A candidate as something a ``const uint8_t *`` argument takes: bytes
    and writable buffers uncopied, read-only buffers copied (a candidate is
    not the secret)."""
    if isinstance(data, bytes):
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"expected bytes or a bytes-like object, got {type(data).__name__}"
        ) from None
    with view:
        if not view.contiguous:
            raise TypeError("expected a contiguous buffer")
        if view.readonly or view.nbytes == 0:
            return view.tobytes()
        return (ctypes.c_char * view.nbytes).from_buffer(view.cast("B"))


class ForeignSecret:
    """A Secret held by a backend library; see the module docstring."""

    __slots__ = ("_lib", "_backend", "_handle", "_verify", "_length", "_destroyed",
                 "__weakref__")

    def __init__(self, lib: ctypes.CDLL, backend: str, data) -> None:
        self._destroyed = True  # until the library has handed out a handle
        self._lib = lib
        self._backend = backend
        # The same checks as pysecret.Secret: bytes or a writable buffer.
        src, length = _source_buffer(data)
        handle = ctypes.c_uint64()
        rc = lib.bn_secret_new(src, length, ctypes.byref(handle))
        del src
        if rc != 0:
            raise _capi.error(lib, rc, backend)
        self._handle = handle.value
        self._verify = lib.bn_secret_verify
        self._length = length
        self._destroyed = False

    def verify(self, candidate) -> bool:
        """Constant-time compare of ``candidate`` with the secret, in the backend.

        ``candidate`` is any bytes-like object; a length mismatch is False.
        Raises SecretDestroyedError after destroy and OSError if an mprotect
        fails.
        """
        if type(candidate) is not bytes:
            candidate = _input_buffer(candidate)
        equal = ctypes.c_int()
        rc = self._verify(self._handle, candidate, len(candidate), equal)
        if rc != 0:
            raise _capi.error(self._lib, rc, self._backend)
        return equal.value == 1

    def destroy(self) -> None:
        """Check the canary, zero, unlock and unmap, in the backend. Idempotent.

        Waits for verifies in progress on other threads. A changed canary
        raises CanaryMismatchError after the page was released anyway.
        """
        if self._destroyed:
            return
        self._destroyed = True  # the handle is gone whatever the result
        rc = self._lib.bn_secret_destroy(self._handle)
        if rc != 0:
            raise _capi.error(self._lib, rc, self._backend)

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    @property
    def open_transitions(self) -> int:
        """How many times the data page went from PROT_NONE to PROT_READ."""
        count = ctypes.c_uint64()
        rc = self._lib.bn_secret_open_transitions(self._handle, ctypes.byref(count))
        if rc != 0:
            raise _capi.error(self._lib, rc, self._backend)
        return count.value

    @property
    def handle(self) -> int:
        return self._handle

    def __enter__(self) -> ForeignSecret:
        return self

    def __exit__(self, *exc_info) -> None:
        self.destroy()

    def __del__(self) -> None:
        # A forgotten Secret must not keep locked memory.
        if getattr(self, "_destroyed", True) is False:
            self.destroy()

    def __repr__(self) -> str:
        state = "destroyed" if self._destroyed else f"length={self._length}"
        return f"<Secret backend={self._backend} {state}>"


class ForeignFloorPage:
    """The backend's floor page: ``op()`` is one mprotect(READ) + mprotect(NONE)."""

    __slots__ = ("_lib", "_backend", "handle", "op_fn", "_freed")

    def __init__(self, lib: ctypes.CDLL, backend: str) -> None:
        self._freed = True
        self._lib = lib
        self._backend = backend
        handle = ctypes.c_uint64()
        rc = lib.bn_floor_new(ctypes.byref(handle))
        if rc != 0:
            raise _capi.error(lib, rc, backend)
        self.handle = handle.value
        #: ``bn_floor_op``: call it with :attr:`handle`; non-zero is an error
        #: code for :meth:`error`.
        self.op_fn = lib.bn_floor_op
        self._freed = False

    def op(self) -> None:
        rc = self.op_fn(self.handle)
        if rc != 0:
            raise self.error(rc)

    def error(self, code: int) -> Exception:
        return _capi.error(self._lib, code, self._backend)

    def close(self) -> None:
        if self._freed:
            return
        self._freed = True
        rc = self._lib.bn_floor_free(self.handle)
        if rc != 0:
            raise self.error(rc)

    def __del__(self) -> None:
        if getattr(self, "_freed", True) is False:
            self.close()
