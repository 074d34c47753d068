"""The libc calls the kernel needs, declared once through ctypes.

Contract (suites/guarded-secret/kernel.md, "Construction" and "Destroy"):

- libc is loaded with ``use_errno=True``, so ``ctypes.get_errno()`` holds
  the errno of the last foreign call made by the current thread;
- every function below has ``argtypes`` and ``restype`` declared, so no
  argument is ever guessed (a pointer is never truncated to an int);
- ``mmap`` returns ``MAP_FAILED`` (``(void *) -1``) on failure, never NULL,
  and callers compare against :data:`MAP_FAILED`;
- callers turn any other non-zero result into :func:`os_error`, which carries
  errno and names the call that failed — and never the secret.

ctypes releases the GIL for the duration of each foreign call made through a
``CDLL`` and holds it everywhere else.

Constants come from the :mod:`mmap` module where it exports them; the page
size is read at run time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import mmap as _mmap
import os
import resource

__all__ = [
    "PAGE_SIZE",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "MAP_PRIVATE",
    "MAP_ANONYMOUS",
    "MADV_DONTDUMP",
    "MAP_FAILED",
    "PAGE_SIZE_ARG",
    "PROT_READ_ARG",
    "PROT_NONE_ARG",
    "address_arg",
    "mmap",
    "munmap",
    "mprotect",
    "madvise",
    "mlock",
    "munlock",
    "memlock_hint",
    "os_error",
]

PAGE_SIZE: int = _mmap.PAGESIZE
if PAGE_SIZE != os.sysconf("SC_PAGESIZE"):  # pragma: no cover - sanity only
    raise RuntimeError("mmap.PAGESIZE and sysconf(_SC_PAGESIZE) disagree")

PROT_NONE = 0  # the mmap module does not export it; it is 0 on every ABI
PROT_READ: int = _mmap.PROT_READ
PROT_WRITE: int = _mmap.PROT_WRITE
MAP_PRIVATE: int = _mmap.MAP_PRIVATE
MAP_ANONYMOUS: int = _mmap.MAP_ANONYMOUS
MADV_DONTDUMP: int = _mmap.MADV_DONTDUMP

#: ``(void *) -1`` as ctypes hands it back through a ``c_void_p`` restype.
MAP_FAILED: int = ctypes.c_void_p(-1).value


def _load_libc() -> ctypes.CDLL:
    # "libc.so.6" avoids find_library's ldconfig subprocess on glibc systems.
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        name = ctypes.util.find_library("c")
        if name is None:
            raise
        return ctypes.CDLL(name, use_errno=True)


_libc = _load_libc()


def _declare(name: str, restype, *argtypes):
    fn = getattr(_libc, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


_void_p = ctypes.c_void_p
_size_t = ctypes.c_size_t
_int = ctypes.c_int
_off_t = ctypes.c_long  # off_t on LP64 Linux

#: void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
mmap = _declare("mmap", _void_p, _void_p, _size_t, _int, _int, _int, _off_t)
#: int munmap(void *addr, size_t length)
munmap = _declare("munmap", _int, _void_p, _size_t)
#: int mprotect(void *addr, size_t len, int prot)
mprotect = _declare("mprotect", _int, _void_p, _size_t, _int)
#: int madvise(void *addr, size_t length, int advice)
madvise = _declare("madvise", _int, _void_p, _size_t, _int)
#: int mlock(const void *addr, size_t len)
mlock = _declare("mlock", _int, _void_p, _size_t)
#: int munlock(const void *addr, size_t len)
munlock = _declare("munlock", _int, _void_p, _size_t)


# -- mprotect's per-op arguments, converted once ------------------------------
#
# With ``argtypes`` declared, ctypes builds a new argument object from every
# Python int on every call (``c_size_t.from_param(4096)``, ...), which costs
# more per call than the rest of a verify's bookkeeping. An argument that is
# already an instance of its declared type is passed through as it is, still
# checked against ``argtypes``. The kernel's per-op mprotect calls and the
# floor's pass these, so both make the call the same way. Never assign to
# their ``.value``.

#: ``PAGE_SIZE`` as mprotect's ``size_t len``.
PAGE_SIZE_ARG = _size_t(PAGE_SIZE)
#: ``PROT_READ`` as mprotect's ``int prot``.
PROT_READ_ARG = _int(PROT_READ)
#: ``PROT_NONE`` as mprotect's ``int prot``.
PROT_NONE_ARG = _int(PROT_NONE)


def address_arg(address: int) -> ctypes.c_void_p:
    """``address`` as mprotect's ``void *addr``, to keep and pass on every call."""
    return _void_p(address)


def os_error(what: str, hint: str = "") -> OSError:
    """Build the OSError for a failed call, from this thread's saved errno.

    ``what`` names the call and its target (``"mprotect(data page,
    PROT_READ)"``); ``hint`` is appended to the message. Neither may contain
    secret material.
    """
    err = ctypes.get_errno()
    name = errno.errorcode.get(err, "errno %d" % err)
    message = f"{what} failed: {name} (errno {err}): {os.strerror(err)}"
    if hint:
        message = f"{message}; {hint}"
    return OSError(err, message)


def memlock_hint() -> str:
    """What to tell the user when mlock fails: the RLIMIT_MEMLOCK in force."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    limit = "unlimited" if soft == resource.RLIM_INFINITY else f"{soft} bytes"
    return f"RLIMIT_MEMLOCK is {limit}; raise it (ulimit -l) or grant CAP_IPC_LOCK"
