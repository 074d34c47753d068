"""invoke doctor on this machine and with a PATH that lacks go."""

import os
import shutil
import subprocess
import sys

from orchestrator import doctor


def _invoke(root, env):
    return subprocess.run([sys.executable, "-m", "invoke", "doctor"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_doctor_passes_here(root):
    proc = _invoke(root, dict(os.environ))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for item in ("go", "cargo", "rustc", "python", "perf", "strace", "logical CPUs", "page size",
                 "RLIMIT_MEMLOCK"):
        assert item in proc.stdout


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
    assert doctor.INSTALL_HINTS["go"] in proc.stdout


def test_render_marks_optional_items_as_optional():
    items = [doctor.Check("strace", False, "not found on PATH", False, doctor.INSTALL_HINTS["strace"])]
    text = doctor.render(items)
    assert "missing (optional)" in text and "apt-get install strace" in text
    assert doctor.healthy(items)
