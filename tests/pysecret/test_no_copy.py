"""The verify path never copies the secret into a Python object (suites/guarded-secret/kernel.md, Compare).

Two guards: the source of verify/_open/_close contains no construct that
could copy (string_at, bytes(...), .raw, slicing, ...), and at run time
``compare_digest`` receives the ctypes array that sits on the mapping itself
while the copying ctypes helpers are booby-trapped.
"""

from __future__ import annotations

import ast
import ctypes
import inspect
import textwrap

import pytest

from pysecret import PAGE_SIZE, Secret
from pysecret import secret as secret_module

VERIFY_PATH = (Secret.verify, Secret._open, Secret._close)
COPYING_CALLS = {"bytes", "bytearray", "string_at", "wstring_at", "memoryview",
                 "list", "tuple", "tobytes", "hex", "copy", "deepcopy", "join"}
COPYING_ATTRIBUTES = {"raw", "value", "contents", "tobytes", "hex"}


@pytest.mark.parametrize("func", VERIFY_PATH, ids=lambda f: f.__name__)
def test_verify_path_source_has_no_copying_construct(func):
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.Subscript, ast.Slice)), ast.unparse(node)
        assert not isinstance(node, (ast.Starred, ast.For, ast.comprehension)), ast.unparse(node)
        if isinstance(node, ast.Attribute):
            assert node.attr not in COPYING_ATTRIBUTES, ast.unparse(node)
        if isinstance(node, ast.Call):
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            assert name not in COPYING_CALLS, ast.unparse(node)


def test_compare_reads_the_mapping_in_place(monkeypatch):
    def forbidden(*_args, **_kwargs):
        raise AssertionError("the secret was copied out of the mapping")

    monkeypatch.setattr(ctypes, "string_at", forbidden)
    monkeypatch.setattr(ctypes, "wstring_at", forbidden)

    real_compare = secret_module.compare_digest
    seen = []

    def spy(a, b):
        seen.append((type(a), ctypes.addressof(a), ctypes.sizeof(a)))
        return real_compare(a, b)

    monkeypatch.setattr(secret_module, "compare_digest", spy)
    data = b"in-place-secret"
    with Secret(data) as s:
        assert s.verify(data)
        assert not s.verify(b"in-place-secreT")
        expected_addr = s._data + PAGE_SIZE - len(data)
        calls = list(seen)  # destroy's canary check compares too; not counted
    assert len(calls) == 2
    for kind, addr, size in calls:
        assert issubclass(kind, ctypes.Array)
        assert addr == expected_addr and size == len(data)


def test_view_is_built_once_at_construction():
    with Secret(b"abc") as s:
        view = s._view
        s.verify(b"abc")
        s.verify(b"abd")
        assert s._view is view
