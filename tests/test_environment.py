"""Environment capture: saved as raw output, read back without any toolchain."""

import os
import shutil
from pathlib import Path

from orchestrator import environment
from orchestrator.rundir import RunDir

ROOT = Path(__file__).resolve().parents[1]


def test_capture_then_load_describes_this_machine(tmp_path, builtin):
    rd = RunDir.create(tmp_path / "runs")
    environment.capture(rd, ROOT, builtin, tmp_path / "build")
    env = environment.load(rd)
    assert env.logical_cpus == os.cpu_count()
    assert env.page_size == os.sysconf("SC_PAGE_SIZE")
    assert env.kernel and env.memlock_limit.startswith("soft ")
    # every version command the suite declares, by its label
    assert env.toolchains["Go"].startswith("go version go")
    assert env.toolchains["rustc"].startswith("rustc ")
    assert env.toolchains["Python"].startswith("CPython 3.")
    assert env.toolchains["criterion"].startswith("criterion v")
    assert env.toolchains["pyperf"][0].isdigit()
    assert len(env.git_commit) == 40 and env.git_dirty in (True, False)
    # the raw output is what load() reads: it is all in the run folder
    assert (rd.path / environment.HOST_FILE).is_file()
    labels = [f.name for f in rd.step_folders()]
    assert any("version-Go" in name for name in labels)


def test_load_needs_no_toolchain(tmp_path, monkeypatch, builtin):
    rd = RunDir.create(tmp_path / "runs")
    rd.write_run_info({"state": "finished"})
    environment.capture(rd, ROOT, builtin, tmp_path / "build")
    monkeypatch.setenv("PATH", "")
    env = environment.load(RunDir.open(rd.path))
    assert env.toolchains["Go"].startswith("go version")


def test_missing_go_is_recorded_not_fatal(tmp_path, monkeypatch, builtin):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("rustc", "git", "systemd-detect-virt"):
        exe = shutil.which(tool)
        if exe:
            (bindir / tool).symlink_to(exe)
    monkeypatch.setenv("PATH", str(bindir))
    rd = RunDir.create(tmp_path / "runs")
    environment.capture(rd, ROOT, builtin, tmp_path / "build")
    env = environment.load(rd)
    assert "Go" not in env.toolchains
    assert env.toolchains["rustc"].startswith("rustc ")
