"""Environment capture: saved as raw output, read back without any toolchain."""

import os
import shutil
from pathlib import Path

from orchestrator import environment
from orchestrator.models import RunParameters
from orchestrator.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]


def test_capture_then_load_describes_this_machine(tmp_path):
    rd = RunDir.create(tmp_path / "runs")
    environment.capture(rd, ROOT)
    env = environment.load(rd, RunParameters(threads=[1, 2, 4]))
    assert env.logical_cpus == os.cpu_count()
    assert env.page_size == os.sysconf("SC_PAGE_SIZE")
    assert env.kernel and env.memlock_limit.startswith("soft ")
    assert env.go_version.startswith("go version go")
    assert env.rustc_version.startswith("rustc ")
    assert env.python_implementation == "cpython" and env.python_version.startswith("3.")
    assert env.pyperf_version and env.criterion_version
    assert env.gomaxprocs.startswith("= T in every cell (1, 2, 4)")
    assert len(env.git_commit) == 40 and env.git_dirty in (True, False)
    assert set(env.build_flags) >= {"go", "rust", "python"}
    # the raw output is what load() reads: it is all in the run folder
    assert (rd.path / environment.HOST_FILE).is_file()
    labels = [f.name for f in rd.step_folders()]
    assert any("go-version" in name for name in labels)


def test_load_needs_no_toolchain(tmp_path, monkeypatch):
    rd = RunDir.create(tmp_path / "runs")
    rd.write_run_info({"state": "finished"})
    environment.capture(rd, ROOT)
    monkeypatch.setenv("PATH", "")
    env = environment.load(RunDir.open(rd.path))
    assert env.go_version.startswith("go version")


def test_missing_go_is_recorded_not_fatal(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("rustc", "git", "systemd-detect-virt"):
        exe = shutil.which(tool)
        if exe:
            (bindir / tool).symlink_to(exe)
    monkeypatch.setenv("PATH", str(bindir))
    rd = RunDir.create(tmp_path / "runs")
    environment.capture(rd, ROOT)
    env = environment.load(rd)
    assert env.go_version is None
    assert env.rustc_version.startswith("rustc ")
