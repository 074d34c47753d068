"""Layout (suites/guarded-secret/kernel.md test 2): three mappings, ---p at rest, lo and dd on the data page."""

from __future__ import annotations

import ctypes
import gc

from pysecret import PAGE_SIZE, Secret


def test_three_distinct_mappings_all_protected_at_rest(maps):
    with Secret(b"layout-secret") as s:
        base, data = s._base, s._data
        assert data == base + PAGE_SIZE
        lower, middle, upper = maps(base), maps(data), maps(data + PAGE_SIZE)
        # The data page is a mapping of its own; the guards end / start at its
        # edges (a guard may merge with a neighbouring PROT_NONE mapping that
        # is not ours, so only the shared edge is checked).
        assert middle.start == data and middle.end == data + PAGE_SIZE
        assert lower.end == data and lower.start <= base
        assert upper.start == data + PAGE_SIZE and upper.end >= base + 3 * PAGE_SIZE
        assert len({lower, middle, upper}) == 3
        assert [v.perms for v in (lower, middle, upper)] == ["---p"] * 3


def test_data_page_is_locked_and_not_dumped(vmflags):
    with Secret(b"layout-secret") as s:
        flags = vmflags(s._data)
        assert {"lo", "dd"} <= flags
        for guard in (s._base, s._data + PAGE_SIZE):
            assert "lo" not in vmflags(guard)


def test_only_the_data_page_opens_and_only_read_only(maps):
    with Secret(b"layout-secret") as s:
        s._open()
        try:
            assert maps(s._data).perms == "r--p"
            assert maps(s._base).perms == "---p"
            assert maps(s._data + PAGE_SIZE).perms == "---p"
            # Still three mappings while open: the flags keep them apart.
            assert maps(s._data).start == s._data
            assert maps(s._data).end == s._data + PAGE_SIZE
        finally:
            s._close()
        assert maps(s._data).perms == "---p"


def test_secret_is_right_aligned_after_the_canary():
    data = b"\x11\x22\x33"
    with Secret(data) as s:
        s._open()
        try:
            page = s._data
            end = page + PAGE_SIZE
            assert ctypes.addressof(s._view) == end - len(data)
            assert ctypes.c_ubyte.from_address(end - 1).value == 0x33
            assert ctypes.c_ubyte.from_address(page).value == 0  # zero fill
        finally:
            s._close()


def test_destroy_and_collection_unmap_everything(maps):
    s = Secret(b"layout-secret")
    base = s._base
    s.destroy()
    assert [maps(base + i * PAGE_SIZE) for i in range(3)] == [None] * 3

    forgotten = Secret(b"forgotten")
    base = forgotten._base
    del forgotten
    gc.collect()
    assert [maps(base + i * PAGE_SIZE) for i in range(3)] == [None] * 3
