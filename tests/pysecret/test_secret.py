"""Secret: the vectors (suites/guarded-secret/kernel.md test 1), input checks and error reporting."""

from __future__ import annotations

import ctypes
import errno
import json
import os
from pathlib import Path

import pytest

from pysecret import MAX_SECRET_LEN, PAGE_SIZE, Secret
from pysecret import _libc
from pysecret import secret as secret_module
from pysecret.workloads import BENCH_CANDIDATE, BENCH_SECRET

SPEC = json.loads((Path(__file__).parents[2] / "spec" / "vectors.json").read_text())


@pytest.mark.parametrize("vector", SPEC["verify"], ids=[v["name"] for v in SPEC["verify"]])
def test_verify_vector(vector):
    secret = bytes.fromhex(vector["secret_hex"])
    candidate = bytes.fromhex(vector["candidate_hex"])
    with Secret(secret) as s:
        assert s.verify(candidate) is vector["expected"]
        # The same answer again: the page went back to rest in between.
        assert s.verify(candidate) is vector["expected"]
        assert s._readers == 0


@pytest.mark.parametrize("length", SPEC["invalid_secret_lengths"])
def test_invalid_secret_length_is_refused(length):
    before = len(open("/proc/self/maps").read().splitlines())
    with pytest.raises(ValueError, match="secret length must be 1"):
        Secret(b"\xa5" * length)
    # Refused before mmap: nothing was mapped.
    assert len(open("/proc/self/maps").read().splitlines()) == before


def test_length_bounds_follow_the_page_size():
    assert PAGE_SIZE == os.sysconf("SC_PAGESIZE")
    assert MAX_SECRET_LEN == PAGE_SIZE - 16
    if PAGE_SIZE == 4096:
        assert MAX_SECRET_LEN == SPEC["max_secret_len"]
    for n in (1, MAX_SECRET_LEN):
        with Secret(b"\x01" * n) as s:
            assert s.verify(b"\x01" * n)
    with pytest.raises(ValueError):
        Secret(b"\x01" * (MAX_SECRET_LEN + 1))


def test_bench_constants_match_vectors():
    assert BENCH_SECRET == bytes.fromhex(SPEC["bench_secret_hex"])
    assert BENCH_CANDIDATE == bytes.fromhex(SPEC["bench_candidate_hex"])


@pytest.mark.parametrize(
    "data", [bytearray(b"buffer-secret"), memoryview(bytearray(b"buffer-secret"))],
    ids=["bytearray", "memoryview"],
)
def test_writable_buffers_are_accepted_and_not_kept(data):
    with Secret(data) as s:
        data[0] ^= 0xFF  # the Secret holds its own copy
        assert s.verify(b"buffer-secret")
        assert s.verify(bytes(data)) is False


@pytest.mark.parametrize("bad", ["text", 12345, None, memoryview(b"read-only view")])
def test_non_bytes_secret_is_refused(bad):
    with pytest.raises(TypeError):
        Secret(bad)


def test_candidate_may_be_any_bytes_like():
    with Secret(b"abc") as s:
        assert s.verify(bytearray(b"abc"))
        assert s.verify(memoryview(b"abc"))
        assert s.verify((ctypes.c_ubyte * 3)(0x61, 0x62, 0x63))


def test_bad_candidate_type_raises_and_leaves_page_at_rest(maps):
    with Secret(b"abc") as s:
        with pytest.raises(TypeError):
            s.verify("abc")
        assert s._readers == 0
        assert maps(s._data).perms == "---p"
        assert s.verify(b"abc")


def test_repr_and_errors_never_show_the_secret():
    data = b"hunter2-hunter2"
    s = Secret(data)
    assert "hunter2" not in repr(s)
    assert repr(s) == "<Secret length=15>"
    s.destroy()
    assert repr(s) == "<Secret destroyed>"


def test_a_secret_cannot_be_pickled_or_copied():
    import copy
    import pickle

    with Secret(b"abc") as s:
        with pytest.raises(TypeError):
            pickle.dumps(s)
        with pytest.raises(TypeError):
            copy.copy(s)


# -- every foreign call is declared and every failure reported ---------------


def test_every_libc_function_is_declared():
    for name in ("mmap", "munmap", "mprotect", "madvise", "mlock", "munlock"):
        fn = getattr(_libc, name)
        assert fn.argtypes, name
        assert fn.restype is not None, name
        assert type(fn)._flags_ & ctypes._FUNCFLAG_USE_ERRNO, name  # use_errno=True
    assert _libc.mmap.restype is ctypes.c_void_p
    assert _libc.MAP_FAILED == 2 ** (8 * ctypes.sizeof(ctypes.c_void_p)) - 1


def test_per_op_mprotect_arguments_are_converted_once_and_declared():
    assert type(_libc.PAGE_SIZE_ARG) is ctypes.c_size_t and _libc.PAGE_SIZE_ARG.value == PAGE_SIZE
    assert type(_libc.PROT_READ_ARG) is ctypes.c_int and _libc.PROT_READ_ARG.value == _libc.PROT_READ
    assert type(_libc.PROT_NONE_ARG) is ctypes.c_int and _libc.PROT_NONE_ARG.value == _libc.PROT_NONE
    big = _libc.MAP_FAILED - 4095  # needs all pointer bits: never truncated
    assert type(_libc.address_arg(big)) is ctypes.c_void_p and _libc.address_arg(big).value == big


def test_verify_passes_mprotect_objects_of_its_declared_types(monkeypatch):
    # A spy that forwards to the real mprotect: the calls still happen.
    real = secret_module.mprotect
    seen = []

    def spy(addr, size, prot):
        seen.append((addr, size, prot))
        return real(addr, size, prot)

    with Secret(b"abc") as s:
        monkeypatch.setattr(secret_module, "mprotect", spy)
        assert s.verify(b"abc")
        assert not s.verify(b"abd")
        monkeypatch.undo()
        data_page = s._data
    assert len(seen) == 4
    for (addr, size, prot), want in zip(seen, [_libc.PROT_READ, _libc.PROT_NONE] * 2):
        assert [type(a) for a in (addr, size, prot)] == _libc.mprotect.argtypes
        assert (addr.value, size.value, prot.value) == (data_page, PAGE_SIZE, want)


def _failing(err: int):
    def call(*_args):
        ctypes.set_errno(err)
        return -1

    return call


def test_failed_open_raises_oserror_with_errno(monkeypatch):
    s = Secret(b"abc")
    monkeypatch.setattr(secret_module, "mprotect", _failing(errno.ENOMEM))
    with pytest.raises(OSError) as info:
        s.verify(b"abc")
    assert info.value.errno == errno.ENOMEM
    assert "mprotect(data page, PROT_READ)" in str(info.value)
    assert "ENOMEM" in str(info.value)
    assert s._readers == 0
    monkeypatch.undo()
    assert s.verify(b"abc")
    s.destroy()


def test_failed_close_raises_oserror_with_errno(monkeypatch):
    s = Secret(b"abc")
    real = secret_module.mprotect

    def fail_on_none(addr, size, prot):
        # verify passes prot as a converted c_int (_libc.PROT_NONE_ARG).
        if getattr(prot, "value", prot) == _libc.PROT_NONE:
            ctypes.set_errno(errno.EACCES)
            return -1
        return real(addr, size, prot)

    monkeypatch.setattr(secret_module, "mprotect", fail_on_none)
    with pytest.raises(OSError) as info:
        s.verify(b"abc")
    assert info.value.errno == errno.EACCES
    assert "mprotect(data page, PROT_NONE)" in str(info.value)
    monkeypatch.undo()
    s.destroy()


def test_mmap_failure_is_checked_against_map_failed(monkeypatch):
    def map_failed(*_args):
        ctypes.set_errno(errno.ENOMEM)
        return _libc.MAP_FAILED

    monkeypatch.setattr(_libc, "mmap", map_failed)
    with pytest.raises(OSError) as info:
        Secret(b"abc")
    assert info.value.errno == errno.ENOMEM
    assert "mmap(" in str(info.value)


@pytest.mark.parametrize("call", ["madvise", "mlock"])
def test_failed_setup_call_unmaps_the_half_built_secret(monkeypatch, call):
    unmapped = []
    real_munmap = _libc.munmap

    def munmap(addr, size):
        unmapped.append((addr, size))
        return real_munmap(addr, size)

    mapped = []
    real_mmap = _libc.mmap

    def mmap(*args):
        addr = real_mmap(*args)
        mapped.append(addr)
        return addr

    monkeypatch.setattr(_libc, "mmap", mmap)
    monkeypatch.setattr(_libc, "munmap", munmap)
    monkeypatch.setattr(_libc, call, _failing(errno.EPERM))
    with pytest.raises(OSError) as info:
        Secret(b"top secret")
    assert info.value.errno == errno.EPERM
    assert f"{call}(data page" in str(info.value)
    assert "top secret" not in str(info.value)
    assert unmapped == [(mapped[0], 3 * PAGE_SIZE)]


def test_mlock_error_names_rlimit_memlock(monkeypatch):
    monkeypatch.setattr(_libc, "mlock", _failing(errno.EPERM))
    with pytest.raises(OSError) as info:
        Secret(b"abc")
    message = str(info.value)
    assert "RLIMIT_MEMLOCK" in message
    assert "EPERM" in message and f"errno {errno.EPERM}" in message
