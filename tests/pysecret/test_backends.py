"""Backends (pysecret.backends): the libc, Go and Rust kernels behind one interface.

In this process: every vector through every backend, the errors each
failure becomes, the header and both libraries agreeing on the ABI, Python
threads calling in, every workload on every backend, and the loader's
message when a library is missing. The session fixture ``backend_libraries``
(conftest) builds missing libraries first, so a fresh clone's pytest works.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from pysecret import CanaryMismatchError, SecretDestroyedError, _capi, backends
from pysecret.foreign import ForeignSecret
from pysecret.workloads import CANONICAL, SINGLE_WORKER, open_workload

REPO = Path(__file__).resolve().parents[2]
SPEC = json.loads((REPO / "spec" / "vectors.json").read_text())
HEADER = (REPO / "include" / "benchnorm_secret.h").read_text()


# -- suites/guarded-secret/kernel.md test 1 through every backend ----------------------------------


@pytest.mark.parametrize("vector", SPEC["verify"], ids=[v["name"] for v in SPEC["verify"]])
def test_verify_vector(backend, vector):
    secret = bytes.fromhex(vector["secret_hex"])
    candidate = bytes.fromhex(vector["candidate_hex"])
    with backend.secret(secret) as s:
        assert s.verify(candidate) is vector["expected"]
        # Again: the page went back to rest in between.
        assert s.verify(candidate) is vector["expected"]
        assert s.open_transitions == 2


@pytest.mark.parametrize("length", SPEC["invalid_secret_lengths"])
def test_invalid_secret_length_is_refused(backend, length):
    with pytest.raises(ValueError, match="length"):
        backend.secret(b"\xa5" * length)


def test_max_len_follows_the_page_size(backend):
    assert backend.max_len() == os.sysconf("SC_PAGESIZE") - 16
    if os.sysconf("SC_PAGESIZE") == 4096:
        assert backend.max_len() == SPEC["max_secret_len"]
    n = backend.max_len()
    with backend.secret(b"\x07" * n) as s:
        assert s.verify(b"\x07" * n)
        assert not s.verify(b"\x07" * (n - 1) + b"\x08")


@pytest.mark.parametrize("make", [bytearray, lambda b: memoryview(bytearray(b))],
                         ids=["bytearray", "memoryview"])
def test_secret_takes_bytes_or_a_writable_buffer(backend, make):
    with backend.secret(make(b"buffer-secret")) as s:
        assert s.verify(b"buffer-secret")
    with pytest.raises(TypeError):
        backend.secret(memoryview(b"read-only view"))
    with pytest.raises(TypeError):
        backend.secret("text")


@pytest.mark.parametrize("make", [bytearray, lambda b: memoryview(bytearray(b)), memoryview],
                         ids=["bytearray", "memoryview-rw", "memoryview-ro"])
def test_candidate_is_any_bytes_like(backend, make):
    with backend.secret(b"buffer-secret") as s:
        assert s.verify(make(b"buffer-secret"))
        assert not s.verify(make(b"buffer-secreT"))
        assert not s.verify(make(b""))


# -- errors -------------------------------------------------------------------


def test_use_after_destroy_is_a_clean_error_and_destroy_is_idempotent(backend):
    s = backend.secret(b"short-lived")
    s.destroy()
    s.destroy()
    assert s.destroyed
    with pytest.raises(SecretDestroyedError):
        s.verify(b"short-lived")
    assert "short-lived" not in repr(s)


def test_foreign_errors_carry_the_library_message_never_the_secret(foreign_backend):
    s = foreign_backend.secret(b"swordfish")
    handle = s.handle
    s.destroy()
    with pytest.raises(SecretDestroyedError) as destroyed:
        s.verify(b"swordfish")
    message = str(destroyed.value)
    assert message.startswith(f"{foreign_backend.name} backend: bn_secret_verify")
    assert "destroyed" in message and "swordfish" not in message
    lib = foreign_backend._lib
    # The library itself keeps refusing the stale handle; destroy stays idempotent.
    equal = ctypes.c_int(7)
    assert lib.bn_secret_verify(handle, b"swordfish", 9, equal) == _capi.DESTROYED
    assert equal.value == 7  # out-parameters are written only on success
    assert lib.bn_secret_destroy(handle) == 0
    with pytest.raises(ValueError, match="4081|length"):
        foreign_backend.secret(b"\x01" * (foreign_backend.max_len() + 1))


def test_foreign_bad_handles_and_null_pointers_have_their_own_codes(foreign_backend):
    lib = foreign_backend._lib
    equal = ctypes.c_int()
    handle = ctypes.c_uint64()
    for bogus in (0, 2**64 - 1, 12345 << 1 | 1):
        assert lib.bn_secret_verify(bogus, b"x", 1, equal) == _capi.BAD_HANDLE
        assert lib.bn_secret_destroy(bogus) == _capi.BAD_HANDLE
        assert lib.bn_floor_op(bogus) == _capi.BAD_HANDLE
    assert "not issued" in _capi.last_error(lib)
    assert lib.bn_secret_new(b"k", 1, None) == _capi.NULL
    assert lib.bn_secret_new(None, 4, handle) == _capi.NULL
    assert lib.bn_secret_new(None, 0, handle) == _capi.LENGTH
    with foreign_backend.secret(b"k") as s:
        assert lib.bn_secret_verify(s.handle, b"k", 1, None) == _capi.NULL
        assert lib.bn_secret_verify(s.handle, None, 0, equal) == 0 and equal.value == 0
        assert lib.bn_secret_open_transitions(s.handle, None) == _capi.NULL
        # A Secret handle is not a floor handle, and the other way round.
        assert lib.bn_floor_op(s.handle) == _capi.BAD_HANDLE
        floor = foreign_backend.floor_page()
        assert lib.bn_secret_verify(floor.handle, b"k", 1, equal) == _capi.BAD_HANDLE
        floor.op()
        floor.close()
        floor.close()
        assert lib.bn_floor_op(floor.handle) == _capi.DESTROYED
    with pytest.raises(_capi.ForeignCallError, match="BN_ERR_BAD_HANDLE"):
        raise _capi.error(lib, lib.bn_floor_op(0), foreign_backend.name)


def test_foreign_messages_are_per_thread(foreign_backend):
    lib = foreign_backend._lib
    assert lib.bn_secret_destroy(0) == _capi.BAD_HANDLE
    here = _capi.last_error(lib)
    seen = []

    def other():
        seen.append(_capi.last_error(lib))
        assert lib.bn_secret_new(b"", 0, ctypes.c_uint64()) == _capi.LENGTH
        seen.append(_capi.last_error(lib))

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen[0] == "" and "length" in seen[1]
    assert _capi.last_error(lib) == here
    # snprintf semantics: the full length comes back, the copy is truncated.
    small = ctypes.create_string_buffer(5)
    assert lib.bn_last_error(small, 5) == len(here)
    assert small.value == here[:4].encode()


def test_error_codes_map_to_the_libc_kernels_exceptions(foreign_backend):
    lib, name = foreign_backend._lib, foreign_backend.name
    assert isinstance(_capi.error(lib, _capi.LENGTH, name), ValueError)
    assert isinstance(_capi.error(lib, _capi.DESTROYED, name), SecretDestroyedError)
    assert isinstance(_capi.error(lib, _capi.CANARY, name), CanaryMismatchError)
    err = _capi.error(lib, 1, name)
    assert isinstance(err, OSError) and err.errno == 1 and "EPERM" in str(err)
    for code in (_capi.BAD_HANDLE, _capi.NULL, _capi.INTERNAL):
        assert _capi.error(lib, code, name).code == code


# -- the header and the two libraries agree ----------------------------------

PROTOTYPE = re.compile(r"^\w[\w ]*?\b(bn_\w+)\(", re.MULTILINE)
ERROR_CODE = re.compile(r"^#define BN_ERR_(\w+) \((-\d+)\)", re.MULTILINE)


def test_header_and_ctypes_declarations_agree():
    assert sorted(PROTOTYPE.findall(HEADER)) == sorted(_capi.SIGNATURES)
    codes = {name: int(value) for name, value in ERROR_CODE.findall(HEADER)}
    assert codes == {name[len("BN_ERR_"):]: code for code, name in _capi.CODE_NAMES.items()}
    assert f"#define BN_ABI_VERSION {_capi.ABI_VERSION}\n" in HEADER


@pytest.mark.skipif(shutil.which("nm") is None, reason="nm (binutils) is not installed")
def test_each_library_exports_exactly_the_header_functions(foreign_backend):
    path = backends.library_path(foreign_backend.name)
    out = subprocess.run(["nm", "-D", "--defined-only", str(path)],
                         capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines() if line.split()[-1].startswith("bn_")}
    assert exported == set(PROTOTYPE.findall(HEADER))


# -- threads created by Python call in ---------------------------------------


def test_python_threads_share_one_secret_while_others_churn(backend):
    secret = bytes(range(32))
    wrong = [secret[:-1] + b"\x00", b"", secret + b"\x00"]
    shared = backend.secret(secret)
    errors: list[str] = []
    readers = 2 * (os.cpu_count() or 1)
    start = threading.Barrier(readers + 2)

    def reader(i):
        start.wait()
        for j in range(1500):
            candidate = secret if (i + j) % 2 else wrong[j % len(wrong)]
            if shared.verify(candidate) is not (candidate == secret):
                errors.append(f"reader {i}: wrong result at {j}")
                return

    def churner(i):
        start.wait()
        for j in range(100):
            own = bytes([i, j]) * 8
            with backend.secret(own) as s:
                if not s.verify(own) or s.verify(own[::-1] + b"\x01"):
                    errors.append(f"churner {i}: wrong result at {j}")
                    return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    threads += [threading.Thread(target=churner, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert 1 <= shared.open_transitions <= readers * 1500
    shared.destroy()


def test_destroy_waits_for_verifies_in_progress(foreign_backend):
    # (pysecret.Secret refuses instead: SecretInUseError, see test_destroy.)
    secret = b"\x5a" * 32
    s = foreign_backend.secret(secret)
    outcomes: list[object] = []
    go = threading.Event()

    def reader():
        go.wait()
        try:
            while True:
                assert s.verify(secret)
        except SecretDestroyedError:
            outcomes.append("destroyed")
        except BaseException as exc:  # anything else fails the test
            outcomes.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    go.set()
    threading.Event().wait(0.05)
    s.destroy()
    for t in threads:
        t.join(timeout=30)
    assert outcomes == ["destroyed"] * 3


# -- workloads on every backend ----------------------------------------------


@pytest.mark.parametrize("name", CANONICAL)
def test_every_workload_runs_on_every_backend(backend, name):
    threads = 1 if name in SINGLE_WORKER else 2
    with open_workload(name, threads, backend.name) as w:
        assert w.backend is backend
        assert w.run(200) > 0
        assert w.run(1) > 0
        if name == "floor":
            assert w.transitions == 0
        elif name == "parallel-shared":
            assert 1 <= w.transitions <= 201
        else:
            assert w.transitions == 201
        secrets = list(w._secrets)
    assert all(s.destroyed for s in secrets)


def test_foreign_floor_is_the_libraries_floor_op(foreign_backend):
    with open_workload("floor", 1, foreign_backend.name) as w:
        assert type(w).__name__ == "ForeignFloor"
        handle = w._floor.handle
        w.run(10)
    assert foreign_backend._lib.bn_floor_op(handle) == _capi.DESTROYED


def test_foreign_secret_is_a_handle_not_a_mapping(foreign_backend):
    s = foreign_backend.secret(b"opaque")
    assert isinstance(s, ForeignSecret)
    assert repr(s) == f"<Secret backend={foreign_backend.name} length=6>"
    s.destroy()
    assert repr(s) == f"<Secret backend={foreign_backend.name} destroyed>"


# -- the loader and the build commands -----------------------------------------


def test_library_paths_are_under_build_interop():
    assert backends.library_path("go") == REPO / "build" / "interop" / "libbenchnorm_secret_go.so"
    assert backends.library_path("rust") == REPO / "build" / "interop" / "libbenchnorm_secret_rust.so"
    assert backends.ROOT == REPO
    with pytest.raises(ValueError):
        backends.library_path("libc")


def test_build_commands_say_how_to_build_each_library(tmp_path):
    commands = backends.build_commands(tmp_path)
    assert set(commands) == {"go", "rust"}
    for name, steps in commands.items():
        assert steps
        for argv, cwd in steps:
            assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
            assert isinstance(cwd, str) and Path(cwd).is_relative_to(tmp_path)
    (go_argv, go_cwd), = commands["go"]
    assert go_argv[:3] == ["go", "build", "-buildmode=c-shared"]
    assert go_cwd == str(tmp_path / "go")
    assert str(backends.library_path("go", tmp_path)) in go_argv
    (cargo, cargo_cwd), (copy, _) = commands["rust"]
    assert cargo[:2] == ["cargo", "build"] and "--release" in cargo
    assert cargo_cwd == str(tmp_path / "rust")
    assert copy[-2:] == [str(tmp_path / "rust" / "target" / "release" / "libsecret.so"),
                         str(backends.library_path("rust", tmp_path))]


def test_the_copy_step_installs_the_library(tmp_path):
    (_, _), (copy, cwd) = backends.build_commands(tmp_path)["rust"]
    built = Path(copy[-2])
    built.parent.mkdir(parents=True)
    built.write_bytes(b"\x7fELF not really")
    subprocess.run(copy, cwd=tmp_path, check=True)
    installed = backends.library_path("rust", tmp_path)
    assert installed.read_bytes() == b"\x7fELF not really"
    assert os.access(installed, os.X_OK)


@pytest.mark.parametrize("name", backends.FOREIGN)
def test_a_missing_library_names_the_file_and_the_build_command(name, tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "ROOT", tmp_path)
    with pytest.raises(backends.LibraryMissingError) as missing:
        backends.get.__wrapped__(name)
    message = str(missing.value)
    assert str(backends.library_path(name, tmp_path)) in message
    assert f"python -m pysecret.backends build {name}" in message
    first_argv, _ = backends.build_commands(tmp_path)[name][0]
    assert " ".join(first_argv[:2]) in message


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend"):
        backends.get("cobol")
    with pytest.raises(ValueError, match="unknown backend"):
        open_workload("sequential", 1, "cobol")


def test_needs_build_sees_a_stale_library(tmp_path):
    lib = backends.library_path("go", tmp_path)
    assert backends.needs_build("go", tmp_path)  # missing
    (tmp_path / "go").mkdir()
    source = tmp_path / "go" / "secret.go"
    source.write_text("package secret\n")
    lib.parent.mkdir(parents=True)
    lib.write_bytes(b"")
    os.utime(source, (1_000_000, 1_000_000))
    assert not backends.needs_build("go", tmp_path)
    os.utime(source, None)
    os.utime(lib, (1_000_000, 1_000_000))
    assert backends.needs_build("go", tmp_path)


def test_backends_cli_lists_the_paths():
    run = subprocess.run([sys.executable, "-m", "pysecret.backends", "paths"],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = [line.split("\t") for line in run.stdout.splitlines()]
    assert [(n, p) for n, p, _ in lines] == [
        (name, str(backends.library_path(name))) for name in backends.FOREIGN
    ]
