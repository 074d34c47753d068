"""Destroy (suites/guarded-secret/kernel.md tests 4 and 5): canary check, zeroing, use after destroy."""

from __future__ import annotations

import ctypes

import pytest

from pysecret import (
    PAGE_SIZE,
    CanaryMismatchError,
    Secret,
    SecretDestroyedError,
    SecretInUseError,
)
from pysecret._libc import PROT_NONE, PROT_READ, PROT_WRITE, mprotect


def _poke(page: int, addr: int, xor: int) -> None:
    """Flip bits of one byte on a Secret's data page, as a stray write would."""
    assert mprotect(page, PAGE_SIZE, PROT_READ | PROT_WRITE) == 0
    ctypes.c_ubyte.from_address(addr).value ^= xor
    assert mprotect(page, PAGE_SIZE, PROT_NONE) == 0


@pytest.mark.parametrize("offset", [0, 15], ids=["first-canary-byte", "last-canary-byte"])
def test_corrupted_canary_is_reported_by_destroy(offset, maps):
    data = b"canary-guarded"
    s = Secret(data)
    canary = s._data + PAGE_SIZE - len(data) - 16
    _poke(s._data, canary + offset, 0x01)
    base = s._base
    with pytest.raises(CanaryMismatchError) as info:
        s.destroy()
    assert "canary" in str(info.value)
    assert data.decode() not in str(info.value)
    # Reported, but the page was still wiped and released.
    assert s.destroyed
    assert maps(base + PAGE_SIZE) is None
    s.destroy()  # idempotent, even after a failed check


def test_clean_destroy_passes_and_is_idempotent():
    s = Secret(b"clean")
    assert s.verify(b"clean")
    s.destroy()
    s.destroy()
    assert s.destroyed


def test_a_write_next_to_the_canary_is_not_a_canary_error():
    # Bytes before the canary are zero fill, not checked: only the canary is.
    s = Secret(b"abc")
    _poke(s._data, s._data, 0xFF)
    s.destroy()


def test_destroy_zeroes_the_page_before_unmapping(maps):
    data = b"\xff" * 64
    s = Secret(data)
    seen = []

    def on_zeroed(page: int, size: int) -> None:
        vma = maps(page)
        assert vma is not None and vma.perms == "rw-p"  # still mapped, before munmap
        seen.append(bytes((ctypes.c_ubyte * size).from_address(page)))

    s._on_zeroed = on_zeroed
    s.destroy()
    assert seen == [bytes(PAGE_SIZE)]


def test_hook_failure_is_reported_after_cleanup(maps):
    s = Secret(b"abc")
    base = s._base

    def broken(page: int, size: int) -> None:
        raise RuntimeError("hook failed")

    s._on_zeroed = broken
    with pytest.raises(RuntimeError, match="hook failed"):
        s.destroy()
    assert s.destroyed and maps(base + PAGE_SIZE) is None


def test_use_after_destroy_is_a_clean_error():
    s = Secret(b"gone")
    s.destroy()
    with pytest.raises(SecretDestroyedError, match="after destroy"):
        s.verify(b"gone")
    with pytest.raises(SecretDestroyedError):
        s.verify(b"")
    assert s.open_transitions == 0


def test_context_manager_destroys_on_exit_even_after_an_error():
    with pytest.raises(KeyError):
        with Secret(b"scoped") as s:
            assert s.verify(b"scoped")
            raise KeyError("boom")
    assert s.destroyed
    with pytest.raises(SecretDestroyedError):
        s.verify(b"scoped")


def test_destroy_while_a_verify_is_open_refuses_and_changes_nothing(maps):
    s = Secret(b"busy")
    s._open()
    with pytest.raises(SecretInUseError):
        s.destroy()
    assert not s.destroyed and maps(s._data).perms == "r--p"
    s._close()
    assert s.verify(b"busy")
    s.destroy()


def test_open_transitions_counts_zero_to_one_only():
    with Secret(b"count") as s:
        for _ in range(5):
            s.verify(b"count")
        assert s.open_transitions == 5
        s._open()
        s.verify(b"count")  # nested reader: no transition
        s._close()
        assert s.open_transitions == 6
