"""The C ABI of ``include/benchnorm_secret.h``, declared once through ctypes.

Contract (the header is the reference; ABI version 1):

- ``bn_handle`` is an opaque non-zero ``uint64_t``; handles are never reused,
  so a stale one is reported, never dereferenced;
- every ``int`` result is 0 on success, a positive errno when a system call
  failed, or a negative ``BN_ERR_*`` code (:data:`LENGTH` ...
  :data:`INTERNAL`); out-parameters are written only on success;
- ``bn_last_error`` copies the calling thread's last message (snprintf
  semantics); a successful call leaves it alone, as errno does. Messages
  never contain the secret.

Every function has ``argtypes`` and ``restype`` declared. The library is a
``ctypes.CDLL``, so the GIL is released for the whole of each call: one
verify or one floor op is one foreign call.

:func:`load` opens a library and checks its ABI version; :func:`error`
turns a non-zero code into the exception the pure-Python kernel would raise
for the same failure.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
from pathlib import Path

from .secret import CanaryMismatchError, SecretDestroyedError, SecretError

__all__ = [
    "ABI_VERSION",
    "BAD_HANDLE",
    "CANARY",
    "DESTROYED",
    "INTERNAL",
    "LENGTH",
    "NULL",
    "ForeignCallError",
    "error",
    "load",
]

ABI_VERSION = 1

# The negative codes of the header.
LENGTH = -1
DESTROYED = -2
CANARY = -3
BAD_HANDLE = -4
NULL = -5
INTERNAL = -6

CODE_NAMES = {
    LENGTH: "BN_ERR_LENGTH",
    DESTROYED: "BN_ERR_DESTROYED",
    CANARY: "BN_ERR_CANARY",
    BAD_HANDLE: "BN_ERR_BAD_HANDLE",
    NULL: "BN_ERR_NULL",
    INTERNAL: "BN_ERR_INTERNAL",
}


class ForeignCallError(SecretError):
    """A backend library refused a call: bad handle, NULL pointer or internal error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


_handle = ctypes.c_uint64
_handle_p = ctypes.POINTER(ctypes.c_uint64)
_int = ctypes.c_int
_int_p = ctypes.POINTER(ctypes.c_int)
_size_t = ctypes.c_size_t
# const uint8_t *: bytes, ctypes arrays and None pass without a copy.
_bytes_in = ctypes.c_void_p

#: name -> (restype, argtypes), as in the header.
SIGNATURES = {
    "bn_abi_version": (ctypes.c_uint32, ()),
    "bn_max_len": (_size_t, ()),
    "bn_secret_new": (_int, (_bytes_in, _size_t, _handle_p)),
    "bn_secret_verify": (_int, (_handle, _bytes_in, _size_t, _int_p)),
    "bn_secret_open_transitions": (_int, (_handle, ctypes.POINTER(ctypes.c_uint64))),
    "bn_secret_destroy": (_int, (_handle,)),
    "bn_floor_new": (_int, (_handle_p,)),
    "bn_floor_op": (_int, (_handle,)),
    "bn_floor_free": (_int, (_handle,)),
    "bn_last_error": (_size_t, (ctypes.c_char_p, _size_t)),
}


class ABIMismatchError(RuntimeError):
    """The library implements another ABI version than this module."""


def load(path: Path) -> ctypes.CDLL:
    """Open the library at ``path`` and declare every function of the header.

    Raises OSError if it cannot be loaded and :class:`ABIMismatchError` if
    its ``bn_abi_version()`` is not :data:`ABI_VERSION`.
    """
    lib = ctypes.CDLL(os.fspath(path))
    for name, (restype, argtypes) in SIGNATURES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = list(argtypes)
    version = lib.bn_abi_version()
    if version != ABI_VERSION:
        raise ABIMismatchError(
            f"{path} implements benchnorm_secret ABI {version}, pysecret speaks "
            f"{ABI_VERSION}; rebuild the library"
        )
    return lib


def last_error(lib: ctypes.CDLL) -> str:
    """The calling thread's last error message from ``lib``."""
    size = lib.bn_last_error(None, 0)
    buf = ctypes.create_string_buffer(size + 1)
    lib.bn_last_error(buf, size + 1)
    return buf.value.decode("utf-8", "replace")


def error(lib: ctypes.CDLL, code: int, backend: str) -> Exception:
    """The exception for non-zero ``code``, with the library's message.

    Call it on the thread that made the failing call (the message is kept
    per thread). The mapping follows :class:`pysecret.Secret`: a bad length
    is ValueError, a failed system call OSError with its errno, use after
    destroy SecretDestroyedError, a changed canary CanaryMismatchError.
    """
    message = f"{backend} backend: {last_error(lib)}"
    if code > 0:
        name = _errno.errorcode.get(code, f"errno {code}")
        return OSError(code, f"{message} [{name}]")
    if code == LENGTH:
        return ValueError(message)
    if code == DESTROYED:
        return SecretDestroyedError(message)
    if code == CANARY:
        return CanaryMismatchError(message)
    name = CODE_NAMES.get(code, f"code {code}")
    return ForeignCallError(code, f"{message} [{name}]")
