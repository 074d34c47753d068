"""invoke doctor on this machine and with a PATH that lacks go."""

import os
import shutil
import subprocess
import sys

import pytest

from orchestrator import doctor, manifest
from orchestrator.models import Requirement


def _required(root) -> dict[str, Requirement]:
    """Every suite's requirements by name: what the doctor checks beside Python and the counters."""
    return {r.name: r for r in manifest.requirements(root)}


def _invoke(root, env):
    return subprocess.run([sys.executable, "-m", "invoke", "doctor"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_doctor_passes_here(root):
    proc = _invoke(root, dict(os.environ))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for item in ("go", "cargo", "rustc", "python", "google benchmark", "openssl", "perf", "strace",
                 "logical CPUs", "page size", "RLIMIT_MEMLOCK"):
        assert item in proc.stdout
    assert "`g++ -x c++ - -lbenchmark -lpthread` links" in proc.stdout
    assert "`cc -x c - -lcrypto` links" in proc.stdout


def test_doctor_fails_with_hint_when_go_is_missing(root, tmp_path):
    # A PATH holding every tool but go: link the others into a private bin folder.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("cargo", "rustc", "perf", "strace", "true"):
        exe = shutil.which(tool)
        if exe:
            (bindir / tool).symlink_to(exe)
    env = dict(os.environ, PATH=str(bindir))
    proc = _invoke(root, env)
    assert proc.returncode != 0
    assert "go " in proc.stdout and "MISSING" in proc.stdout
    assert _required(root)["go"].hint in proc.stdout


def test_render_marks_optional_items_as_optional():
    items = [doctor.Check("strace", False, "not found on PATH", False, doctor.INSTALL_HINTS["strace"])]
    text = doctor.render(items)
    assert "missing (optional)" in text and "apt-get install strace" in text
    assert doctor.healthy(items)


def test_doctor_fails_with_hints_when_the_c_compilers_are_missing(root, tmp_path):
    # A PATH holding every tool but the C and C++ compilers: the C libraries cannot be linked.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("go", "cargo", "rustc", "perf", "strace", "dpkg-query"):
        exe = shutil.which(tool)
        if exe:
            (bindir / tool).symlink_to(exe)
    proc = _invoke(root, dict(os.environ, PATH=str(bindir)))
    assert proc.returncode != 0
    lines = {line.split("  ")[0]: line for line in proc.stdout.splitlines()}
    assert "MISSING" in lines["google benchmark"] and "g++ not found on PATH" in lines["google benchmark"]
    assert "MISSING" in lines["openssl"] and "cc not found on PATH" in lines["openssl"]
    assert _required(root)["google benchmark"].hint in proc.stdout
    assert _required(root)["openssl"].hint in proc.stdout
    assert "MISSING" not in lines["go"]


def test_a_library_that_does_not_link_is_missing_with_the_linker_reason():
    # Real compiler runs against names that do not exist here.
    ok, detail = doctor.links("g++", "c++", "int main() { return 0; }\n", ["-lbenchnorm_no_such_library"])
    assert not ok and "cannot find -lbenchnorm_no_such_library" in detail
    ok, detail = doctor.links("cc", "c", "#include <benchnorm/no_such.h>\nint main(void) { return 0; }\n", [])
    assert not ok and "benchnorm/no_such.h" in detail


def test_the_suites_library_probes_link_here(root):
    probes = [r for r in _required(root).values() if r.links is not None]
    assert {r.name for r in probes} >= {"google benchmark", "openssl"}
    for req in probes:
        check = doctor.requirement(req)
        assert check.ok, f"{req.name}: {check.detail}"


def test_a_suites_requirement_is_checked_by_its_own_command_and_hint():
    """What a language needs is the suite's data: the doctor knows no toolchain of its own."""
    missing = Requirement(name="zig", version=["benchnorm-no-such-zig", "version"], hint="install zig 0.13")
    here = Requirement(name="python3", version=[sys.executable, "--version"], hint="-", required=False)
    items = doctor.checks(None, [missing, here, missing])
    names = [c.name for c in items]
    assert names.count("zig") == 1 and names[:2] == ["zig", "python3"]
    zig = items[0]
    assert not zig.ok and zig.required and zig.hint == "install zig 0.13" and "not found on PATH" in zig.detail
    assert items[1].ok and items[1].detail.startswith("Python 3.")
    assert not doctor.healthy(items)
    assert "zig: install zig 0.13" in doctor.render(items)


def test_a_requirement_gives_exactly_one_check():
    with pytest.raises(ValueError, match="exactly one of version"):
        Requirement(name="x", hint="h")
    with pytest.raises(ValueError, match="exactly one of version"):
        Requirement(name="x", hint="h", version=["x"], links={"compiler": "cc", "language": "c", "source": "int main(void){return 0;}"})
