"""``python -m pysecret.verify``: the suite's verify command for Python.

Run as a real child process on spec/vectors.json with every backend (libc,
and the Go and Rust libraries through ctypes, built by the session fixture
when missing): one ``NAME true|false`` line per vector, equal to the file's
``expected``; exit 2 with one line for a missing or malformed file and for
usage errors; exit 1 with one line when the kernel cannot lock its page; and
no output line ever holds a secret.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "spec" / "vectors.json"
SPEC = json.loads(VECTORS.read_text())
USAGE = "usage: python -m pysecret.verify [--backend libc|go|rust] VECTORS\n"

FIXTURE_SECRET = "c0ffee00c0ffee00c0ffee00c0ffee00"


def run_verify(*args: str, cwd: Path = REPO, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``python -m pysecret.verify args...`` in ``cwd``, the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run([*prefix, sys.executable, "-m", "pysecret.verify", *args],
                          capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def assert_no_secrets(run: subprocess.CompletedProcess, extra: tuple[str, ...] = ()) -> None:
    """No line of stdout or stderr holds a vector's secret_hex, in either case,
    nor the raw bytes of a secret long enough to be told from chance.

    A hex shorter than 8 digits (the one-byte secret "00") would turn up in
    any number by chance, so it must not stand as a word of its own; longer
    ones must not appear anywhere in a line.
    """
    secrets = [v["secret_hex"] for v in SPEC["verify"]] + list(extra)
    for line in (run.stdout + run.stderr).splitlines():
        words = [w.lower() for w in re.split(r"[^0-9A-Za-z]+", line)]
        for i, hexed in enumerate(secrets):
            if len(hexed) < 8:
                assert hexed.lower() not in words, f"an output line holds the hex of secret {i}"
                continue
            assert hexed.lower() not in line.lower(), f"an output line holds the hex of secret {i}"
            raw = bytes.fromhex(hexed)
            if len(raw) >= 8:
                assert raw.decode("latin-1") not in line, f"an output line holds the bytes of secret {i}"


def assert_one_line(stderr: str) -> None:
    assert stderr.endswith("\n") and stderr.count("\n") == 1 and stderr.strip(), \
        f"stderr is not exactly one line: {stderr!r}"


def test_vectors_file_has_a_verify_list():
    assert SPEC["verify"], "spec/vectors.json holds no verify vectors"


def test_answers_every_vector(backend_name):
    args = ("--backend", backend_name, str(VECTORS))
    run = run_verify(*args)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    want = "".join(f"{v['name']} {'true' if v['expected'] else 'false'}\n" for v in SPEC["verify"])
    assert run.stdout == want
    assert_no_secrets(run)


def test_default_backend_is_libc():
    run = run_verify(str(VECTORS))
    assert run.returncode == 0, run.stderr
    assert run.stdout == run_verify("--backend=libc", str(VECTORS)).stdout
    assert_no_secrets(run)


def test_missing_file_is_exit_2_with_one_line(tmp_path):
    # A relative name in an empty folder: the message holds no path that
    # could happen to contain a short secret's hex.
    run = run_verify("missing.json", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    assert_one_line(run.stderr)
    assert "missing.json" in run.stderr
    assert_no_secrets(run)


@pytest.mark.parametrize("args", [
    [],
    [str(VECTORS), str(VECTORS)],
    ["-h"],
    ["--help"],
    ["--backend", "java", str(VECTORS)],
    ["--backend=", str(VECTORS)],
    ["--backend", "go", "--backend", "go", str(VECTORS)],
    [str(VECTORS), "--backend"],
])
def test_usage_errors_are_exit_2(args):
    run = run_verify(*args)
    assert (run.returncode, run.stdout, run.stderr) == (2, "", USAGE)


GOOD = {"name": "ok", "secret_hex": FIXTURE_SECRET, "candidate_hex": "00"}


def _one(**fields) -> str:
    return json.dumps({"verify": [fields]})


MALFORMED = {
    "not-json": '{"verify": [' + json.dumps(GOOD),
    "not-utf8": b'{"verify": [{"name": "\xff"}]}',
    "not-an-object": json.dumps([GOOD]),
    "no-verify": json.dumps({"vectors": [GOOD]}),
    "verify-not-list": json.dumps({"verify": {"name": "x"}}),
    "empty-list": json.dumps({"verify": []}),
    "item-not-object": json.dumps({"verify": [GOOD, 3]}),
    "name-missing": _one(secret_hex=FIXTURE_SECRET, candidate_hex="00"),
    "name-with-space": _one(name="a b", secret_hex=FIXTURE_SECRET, candidate_hex="00"),
    "secret-null": _one(name="n", secret_hex=None, candidate_hex="00"),
    "secret-number": _one(name="n", secret_hex=12, candidate_hex="00"),
    "secret-bad-hex": _one(name="n", secret_hex=FIXTURE_SECRET + "zz", candidate_hex="00"),
    "secret-odd-hex": _one(name="n", secret_hex=FIXTURE_SECRET + "0", candidate_hex="00"),
    "secret-with-space": _one(name="n", secret_hex=FIXTURE_SECRET + " 00", candidate_hex="00"),
    "candidate-absent": _one(name="n", secret_hex=FIXTURE_SECRET),
    "bad-escape": '{"verify": [{"name": "n", "secret_hex": "' + FIXTURE_SECRET + '\\q", "candidate_hex": "00"}]}',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_file_is_exit_2_and_quotes_no_secret(name, tmp_path):
    text = MALFORMED[name]
    (tmp_path / "v.json").write_bytes(text if isinstance(text, bytes) else text.encode())
    run = run_verify("v.json", cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert_one_line(run.stderr)
    assert_no_secrets(run, extra=(FIXTURE_SECRET,))


def test_kernel_failure_is_exit_1_with_one_line(without_ipc_lock):
    """RLIMIT_MEMLOCK = 0 (and no CAP_IPC_LOCK): mlock fails in the kernel."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        pytest.skip("prlimit (util-linux) is not installed")
    run = run_verify(str(VECTORS), prefix=(prlimit, "--memlock=0:0", *without_ipc_lock, "--"))
    assert run.returncode == 1, run.stderr
    assert run.stdout == ""
    assert_one_line(run.stderr)
    assert "mlock" in run.stderr and "RLIMIT_MEMLOCK" in run.stderr
    assert_no_secrets(run)
