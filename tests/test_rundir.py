"""The run folder: raw output saved as it comes, step records, atomic writes."""

import json
import sys

import pytest

from orchestrator import rundir
from orchestrator.rundir import RunDir, StepSpec, execute


def spec(tmp_path, code, **kw):
    return StepSpec(language="go", kind="bench", label="probe", command=[sys.executable, "-c", code],
                    cwd=str(tmp_path), **kw)


def test_create_makes_a_timestamped_folder_and_latest_link(tmp_path):
    a = RunDir.create(tmp_path, stamp="20261127T000000Z")
    b = RunDir.create(tmp_path, stamp="20261127T000000Z")
    assert a.path.name == "20261127T000000Z" and b.path.name == "20261127T000000Z-2"
    assert (tmp_path / "latest").resolve() == b.path.resolve()


def test_execute_saves_stdout_stderr_status_and_command(tmp_path):
    rd = RunDir.create(tmp_path / "runs")
    rec = execute(rd.new_step(spec(tmp_path, "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)")))
    assert rec.exit_status == 3 and not rec.ok
    assert (rec.folder / "stdout.txt").read_text() == "out\n"
    assert (rec.folder / "stderr.txt").read_text() == "err\n"
    saved = json.loads((rec.folder / "step.json").read_text())
    assert saved["exit_status"] == 3 and saved["spec"]["command"][0] == sys.executable
    assert saved["seconds"] >= 0
    again = rundir.StepRecord.load(rec.folder)
    assert again.exit_status == 3 and again.stderr_tail() == "err"


def test_step_placeholder_and_env(tmp_path):
    rd = RunDir.create(tmp_path / "runs")
    code = "import os, sys; open(sys.argv[1] + '/x.txt', 'w').write(os.environ['WHERE'])"
    s = StepSpec(language="go", kind="bench", label="p", command=[sys.executable, "-c", code, "{step}"],
                 cwd=str(tmp_path), env={"WHERE": "{step}/y"})
    rec = execute(rd.new_step(s))
    assert rec.ok
    assert (rec.folder / "x.txt").read_text() == f"{rec.folder}/y"


def test_a_killed_child_is_recorded_with_its_signal(tmp_path):
    rd = RunDir.create(tmp_path / "runs")
    rec = execute(rd.new_step(spec(tmp_path, "import os, signal; print('before', flush=True); os.kill(os.getpid(), signal.SIGKILL)")))
    assert rec.exit_status == -9
    assert rundir.describe_exit(rec.exit_status) == "killed by SIGKILL"
    assert (rec.folder / "stdout.txt").read_text() == "before\n"


def test_a_missing_program_is_an_error_not_a_crash(tmp_path):
    rd = RunDir.create(tmp_path / "runs")
    s = StepSpec(language="go", kind="build", label="x", command=["no-such-program-benchnorm"], cwd=str(tmp_path))
    rec = execute(rd.new_step(s))
    assert not rec.ok and "could not start no-such-program-benchnorm" in rec.error


def test_timeout_kills_the_step(tmp_path):
    rd = RunDir.create(tmp_path / "runs")
    rec = execute(rd.new_step(spec(tmp_path, "import time; time.sleep(60)", timeout=0.5)))
    assert rec.error == "timed out after 0 s" or rec.error.startswith("timed out")
    assert rec.exit_status == -9


def test_a_ctrl_c_right_after_the_child_started_still_stops_it(tmp_path, monkeypatch):
    """A mock, for a rare moment: Ctrl-C arriving between the child's start and the wait.

    The child is real (it would sleep a minute); starting the first output pump
    raises KeyboardInterrupt, as the signal would there.
    """
    import threading

    real_start = threading.Thread.start
    calls = []

    def interrupted_start(self):
        calls.append(self)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real_start(self)

    monkeypatch.setattr(threading.Thread, "start", interrupted_start)
    rd = RunDir.create(tmp_path / "runs")
    rec = rd.new_step(spec(tmp_path, "import os, time; print(os.getpid(), flush=True); time.sleep(60)"))
    with pytest.raises(KeyboardInterrupt):
        execute(rec)
    monkeypatch.undo()
    saved = rundir.StepRecord.load(rec.folder)
    assert saved.error == "interrupted (Ctrl-C)" and saved.exit_status == -9  # killed, not left running


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "r.json"
    rundir.atomic_write(target, "one")
    rundir.atomic_write(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_open_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(rundir.NotARunError, match="not a benchnorm run folder"):
        RunDir.open(tmp_path)
    with pytest.raises(rundir.NotARunError, match="not a folder"):
        RunDir.open(tmp_path / "nope")
