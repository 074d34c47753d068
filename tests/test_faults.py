"""Faults caused for real during bench-all: nothing measured is lost, the report says what is missing.

Each test runs `invoke bench-all` in a subprocess with a short profile and one
fault: go missing from PATH, a Rust bench that panics, a Python harness that
exits non-zero, a harness killed by SIGKILL half-way, a run folder on a full
disk, and Ctrl-C. Faults in one language's harness are caused through
BENCHNORM_WRAP_<LANG>, which prefixes that language's bench commands: here
with `setpriv`/`prlimit`, so the harness really cannot mlock its Secret.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestrator.models import RunRecord
from orchestrator.rundir import STEP_FILE, NotARunError, RunDir, StepRecord

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["--quick", "--samples", "2", "--threads", "1", "--bench", "sequential", "--no-syscalls"]
NO_MLOCK = "setpriv --bounding-set=-ipc_lock --inh-caps=-ipc_lock prlimit --memlock=0:0 --"


def bench_all(tmp_path, *extra, env=None, timeout=900):
    runs, out = tmp_path / "runs", tmp_path / "out"
    cmd = [sys.executable, "-m", "invoke", "bench-all", *SHORT, "--runs", str(runs), "--out", str(out), *extra]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    return proc, runs, out


def load(out):
    return RunRecord.from_json((out / "results.json").read_text()), (out / "REPORT.md").read_text()


def languages(record):
    return {r.id.language for r in record.results}


def need(*tools):
    for t in tools:
        if shutil.which(t) is None:
            pytest.skip(f"{t} is not installed: this fault cannot be caused here")


def test_path_without_go(tmp_path):
    path = os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep)
                           if not (Path(d) / "go").exists())
    proc, runs, out = bench_all(tmp_path, env={"PATH": path})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "partial run" in proc.stdout
    record, report = load(out)
    assert languages(record) == {"rust", "python", "python→rust", "c"}
    line = next(x for x in report.splitlines() if x.startswith("- go sequential T=1:"))
    assert "not run — build failed" in line and "could not start go" in line and "(log: `" in line
    log = line.split("(log: `")[1].rstrip("`)")
    assert "could not start go" in (Path(log) / "stderr.txt").read_text()


def test_rust_bench_that_panics(tmp_path):
    need("setpriv", "prlimit")
    proc, runs, out = bench_all(tmp_path, env={"BENCHNORM_WRAP_RUST": NO_MLOCK})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    record, report = load(out)
    assert languages(record) == {"go", "python", "python→go", "python→rust", "c"}
    failures = [f for f in record.failures if f.language == "rust"]
    assert failures and len(failures) == record.parameters.rounds  # one per round, each a panic
    for failure in failures:
        assert failure.step == "run" and "panicked" in failure.stderr_tail
        assert "RLIMIT_MEMLOCK" in failure.stderr_tail
    line = next(x for x in report.splitlines() if x.startswith("- rust sequential T=1:"))
    assert line.startswith("- rust sequential T=1: failed — sequential T=1: exited") and "(log: `" in line
    # the sequential table still compares the languages that ran
    assert "| go |" in report and "| python |" in report


def test_python_harness_that_exits_non_zero(tmp_path):
    need("setpriv", "prlimit")
    proc, runs, out = bench_all(tmp_path, env={"BENCHNORM_WRAP_PYTHON": NO_MLOCK})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    record, report = load(out)
    assert languages(record) == {"go", "rust", "python→go", "python→rust", "c"}
    failures = [f for f in record.failures if f.language == "python"]
    assert failures and all(f.exit_status not in (0, None) for f in failures)
    assert "- python sequential T=1: failed — sequential T=1: exited" in report


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _steps(runs):
    """The steps of the newest run so far ([] until its folder holds run.json)."""
    try:
        return [StepRecord.load(f) for f in RunDir.open(runs / "latest").step_folders()]
    except (NotARunError, FileNotFoundError):
        return []


def test_harness_killed_by_sigkill_half_way(tmp_path):
    need("pgrep")
    runs, out = tmp_path / "runs", tmp_path / "out"
    cmd = [sys.executable, "-m", "invoke", "bench-all", "--samples", "8", "--threads", "1", "--bench", "sequential",
           "--no-syscalls", "--no-interleave", "--runs", str(runs), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def go_step_with_a_sample():
        for rec in _steps(runs):
            if rec.spec.language == "go" and rec.spec.kind == "bench" and rec.exit_status is None:
                if "ns/op" in (rec.folder / "stdout.txt").read_text():
                    return rec
        return None

    step = _wait(go_step_with_a_sample, 600, "the Go harness's first sample")
    pids = subprocess.run(["pgrep", "-f", "build/guarded-secret/go/secret.test"], capture_output=True, text=True).stdout.split()
    assert pids, "the Go harness is not running"
    for pid in pids:
        os.kill(int(pid), signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 1, stdout + stderr
    rec = StepRecord.load(step.folder)
    assert rec.exit_status == -signal.SIGKILL
    record, report = load(out)
    go = next(r for r in record.results if r.id.language == "go")
    assert 1 <= len(go.ns_per_op) < 8  # the samples printed before the kill are kept
    assert {"rust", "python", "python→go", "python→rust"} <= languages(record)
    line = next(x for x in report.splitlines() if x.startswith("- go sequential T=1:"))
    assert "partial — sequential T=1: killed by SIGKILL" in line and str(step.folder) in line


def test_a_harness_call_killed_between_its_cells_keeps_the_first_and_fails_the_second(tmp_path):
    """One Go call runs floor, then sequential: killed after floor's first sample, before sequential's."""
    need("pgrep")
    runs, out = tmp_path / "runs", tmp_path / "out"
    cmd = [sys.executable, "-m", "invoke", "bench-all", "--samples", "8", "--threads", "1", "--bench",
           "floor,sequential", "--languages", "go,c", "--no-syscalls", "--no-interleave", "--runs", str(runs),
           "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def go_call_after_its_first_floor_sample():
        for rec in _steps(runs):
            if rec.spec.language == "go" and rec.spec.kind == "bench" and rec.exit_status is None:
                text = (rec.folder / "stdout.txt").read_text()
                if "BenchmarkFloor " in text or "BenchmarkFloor\t" in text:
                    return rec
        return None

    step = _wait(go_call_after_its_first_floor_sample, 600, "the Go call's first floor sample")
    assert [c["benchmark"] for c in step.spec.cells] == ["floor", "sequential"]
    for pid in subprocess.run(["pgrep", "-f", "build/guarded-secret/go/secret.test"], capture_output=True,
                              text=True).stdout.split():
        os.kill(int(pid), signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == 1, stdout + stderr
    assert "BenchmarkSequential" not in (step.folder / "stdout.txt").read_text()  # killed before it began
    record, report = load(out)
    floor = next(r for r in record.results if r.id.language == "go" and r.id.canonical == "floor")
    assert 1 <= len(floor.ns_per_op) < 8  # the samples printed before the kill are kept
    assert not any(r.id.language == "go" and r.id.canonical == "sequential" for r in record.results)
    (failure,) = [f for f in record.failures if f.language == "go"]
    assert (failure.benchmark, failure.threads, failure.step) == ("sequential", 1, "run")
    assert failure.message == "sequential T=1: killed by SIGKILL"
    assert {r.id.canonical for r in record.results if r.id.language == "c"} == {"floor", "sequential"}
    line = next(x for x in report.splitlines() if x.startswith("- go sequential T=1:"))
    assert "killed by SIGKILL" in line and str(step.folder) in line


def test_run_folder_on_a_full_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    runs = tmp_path / "runs"
    runs.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40k", "tmpfs", str(runs)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        out = tmp_path / "out"
        cmd = [sys.executable, "-m", "invoke", "bench-all", *SHORT, "--runs", str(runs), "--out", str(out)]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
        text = proc.stdout + proc.stderr
        assert proc.returncode == 1, text
        assert "No space left on device" in text and "Traceback" not in text
        # every step record that exists is whole JSON: nothing was half-written
        for folder in (runs / "latest" / "steps").iterdir():
            if (folder / STEP_FILE).exists():
                json.loads((folder / STEP_FILE).read_text())
        record, report = load(out)
        assert "## 5. Stability, gaps and environment" in report
        assert any("not run" in line for line in report.splitlines())
    finally:
        subprocess.run(["umount", str(runs)], check=False)


def test_ctrl_c_during_bench_all(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "out"
    cmd = [sys.executable, "-m", "invoke", "bench-all", "--samples", "4", "--threads", "1", "--bench",
           "sequential,floor", "--no-syscalls", "--runs", str(runs), "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)

    def rust_bench_running():
        done = [r for r in _steps(runs) if r.spec.kind == "bench" and r.exit_status is not None]
        running = [r for r in _steps(runs) if r.spec.language == "rust" and r.spec.kind == "bench"
                   and r.exit_status is None]
        return running if done else None

    _wait(rust_bench_running, 600, "a Rust bench step after a finished one")
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    info = json.loads((runs / "latest" / "run.json").read_text())
    assert info["state"] == "interrupted"
    record, report = load(out)
    assert "go" in languages(record)
    stopped = [f for f in record.failures if "interrupted" in f.message]
    assert stopped and stopped[0].language == "rust"
    assert "not run (no result in this run)" in report
