"""The run folder: raw output of every step, written as it is produced.

Layout of ``reports/runs/<UTC timestamp>/``::

    run.json                  parameters and start time (written first)
    steps/NNN-<slug>/
        step.json             what the step is: language, kind, command, cwd,
                              env overrides, the artifact to parse and its format;
                              after it ends also exit_status, seconds, finished_at
        stdout.txt            the child's stdout, line by line as it arrives
        stderr.txt            the child's stderr, as it arrives
        <artifacts>           what the harness wrote (criterion dir, pyperf JSON)
    results.json              the parsed results (written last, atomically)

``reports/runs/latest`` is a symlink to the newest run. Nothing here is ever
rewritten once the step that produced it has ended; results.json and the
report are replaced atomically (temporary file + rename).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

STEP_FILE = "step.json"
RUN_FILE = "run.json"


def utc_stamp(now: Optional[datetime] = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


def utc_iso(now: Optional[datetime] = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@dataclass
class StepSpec:
    """One command of one language, and where its raw output ends up."""

    language: str
    kind: str  # "build", "verify", "bench", "syscalls", "environment"
    label: str  # human words for progress: "sequential T=1"
    command: list[str]  # "{step}" in an argument or env value is the step folder
    cwd: str
    env: dict[str, str] = field(default_factory=dict)
    artifact: Optional[str] = None  # relative to the step folder; None = stdout.txt
    format: Optional[str] = None  # adapter that reads the artifact
    round: Optional[int] = None
    benchmark: Optional[str] = None
    params: dict[str, str] = field(default_factory=dict)  # the cell's parameters besides T
    threads: Optional[int] = None
    # a bench step that runs several cells in one harness call: every cell, as
    # {"benchmark", "params", "threads"}; benchmark/params/threads are then unset
    cells: Optional[list[dict]] = None
    ops: Optional[int] = None  # for ops-runner steps: the ops asked for
    timeout: Optional[float] = None


@dataclass
class StepRecord:
    spec: StepSpec
    folder: Path
    exit_status: Optional[int] = None
    seconds: Optional[float] = None
    started_at: Optional[str] = None
    finished_at: Optional[str] = None
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and self.error is None

    def stderr_tail(self, lines: int = 20) -> str:
        path = self.folder / "stderr.txt"
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip("\n").splitlines()[-lines:])

    def to_json(self) -> str:
        data = {
            "spec": asdict(self.spec),
            "exit_status": self.exit_status,
            "seconds": self.seconds,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, folder: Path) -> "StepRecord":
        data = json.loads((folder / STEP_FILE).read_text())
        return cls(
            spec=StepSpec(**data["spec"]),
            folder=folder,
            exit_status=data.get("exit_status"),
            seconds=data.get("seconds"),
            started_at=data.get("started_at"),
            finished_at=data.get("finished_at"),
            error=data.get("error"),
        )


class NotARunError(ValueError):
    """A folder given as a run folder is not one."""


class RunDir:
    """One run folder under ``reports/runs``."""

    def __init__(self, path: Path):
        self.path = path
        self._seq = 0

    @classmethod
    def create(cls, runs_root: Path, stamp: Optional[str] = None) -> "RunDir":
        stamp = stamp or utc_stamp()
        with _saving(runs_root):
            runs_root.mkdir(parents=True, exist_ok=True)
            return cls._create(runs_root, stamp)

    @classmethod
    def _create(cls, runs_root: Path, stamp: str) -> "RunDir":
        path = runs_root / stamp
        n = 1
        while path.exists():
            n += 1
            path = runs_root / f"{stamp}-{n}"
        (path / "steps").mkdir(parents=True)
        latest = runs_root / "latest"
        tmp_link = runs_root / f".latest-{os.getpid()}"
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(path.name)
        os.replace(tmp_link, latest)
        return cls(path)

    @classmethod
    def open(cls, path: Path) -> "RunDir":
        path = Path(path)
        if not path.is_dir():
            raise NotARunError(f"{path}: not a folder")
        if not (path / RUN_FILE).is_file() and not (path / "results.json").is_file():
            raise NotARunError(f"{path}: not a benchnorm run folder (no {RUN_FILE} or results.json)")
        rd = cls(path.resolve())
        rd._seq = len(rd.step_folders())
        return rd

    def step_folders(self) -> list[Path]:
        steps = self.path / "steps"
        if not steps.is_dir():
            return []
        return sorted(p for p in steps.iterdir() if p.is_dir() and (p / STEP_FILE).is_file())

    def steps(self) -> list[StepRecord]:
        out = []
        for folder in self.step_folders():
            try:
                out.append(StepRecord.load(folder))
            except (OSError, ValueError, TypeError, KeyError):
                continue
        return out

    def write_run_info(self, info: dict) -> None:
        self.write_extra(RUN_FILE, info)

    def read_run_info(self) -> dict:
        return self.read_extra(RUN_FILE)

    def write_extra(self, name: str, data: dict) -> None:
        with _saving(self.path):
            atomic_write(self.path / name, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def read_extra(self, name: str) -> dict:
        try:
            data = json.loads((self.path / name).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def new_step(self, spec: StepSpec) -> StepRecord:
        self._seq += 1
        slug = re.sub(r"[^A-Za-z0-9=.]+", "-", f"{spec.language}-{spec.kind}-{spec.label}")[:80].strip("-")
        if spec.round is not None:
            slug = f"r{spec.round}-{slug}"
        folder = self.path / "steps" / f"{self._seq:03d}-{slug}"
        rec = StepRecord(spec=spec, folder=folder)
        with _saving(folder):
            folder.mkdir(parents=True)
            atomic_write(folder / STEP_FILE, rec.to_json())
        return rec


class RunFolderError(OSError):
    """The run folder cannot be written (disk full, read-only): nothing more can be saved."""


class _saving:
    """Turn an OSError while writing under ``path`` into a RunFolderError naming it."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is not None and isinstance(exc, OSError) and not isinstance(exc, RunFolderError):
            raise RunFolderError(exc.errno, f"cannot write to the run folder ({exc.strerror or exc})",
                                 str(self.path)) from None
        return False


def _pump(stream, sink, on_line: Optional[Callable[[str], None]], errors: list) -> None:
    """Copy a child's stream to its file as it arrives; keep draining if the file cannot take more.

    A file already closed means the step was given up (Ctrl-C): the rest is drained, not written.
    """
    closed = False
    for raw in iter(stream.readline, b""):
        if not errors and not closed:
            try:
                sink.write(raw)
                sink.flush()
            except ValueError:  # closed: the step ended without waiting for this stream
                closed = True
            except OSError as exc:
                errors.append(exc)
        if on_line is not None:
            on_line(raw.decode("utf-8", errors="replace").rstrip("\n"))
    stream.close()


def _finish(rec: StepRecord, t0: float) -> None:
    rec.seconds = time.monotonic() - t0
    rec.finished_at = utc_iso()
    with _saving(rec.folder):
        atomic_write(rec.folder / STEP_FILE, rec.to_json())


def execute(rec: StepRecord, on_line: Optional[Callable[[str], None]] = None) -> StepRecord:
    """Run a step's command, saving stdout/stderr line by line as they arrive.

    ``on_line`` sees each stdout line (for progress). A Ctrl-C stops the child,
    records the step as interrupted, and is raised again to the caller. When
    the run folder cannot be written, the child is still drained and waited
    for, and ``RunFolderError`` is raised once the step has ended.
    """
    spec = rec.spec
    here = str(rec.folder)
    command = [arg.replace("{step}", here) for arg in spec.command]
    env = dict(os.environ)
    env.update({k: v.replace("{step}", here) for k, v in spec.env.items()})
    rec.started_at = utc_iso()
    t0 = time.monotonic()
    out_path, err_path = rec.folder / "stdout.txt", rec.folder / "stderr.txt"
    errors: list[OSError] = []
    with _saving(rec.folder), open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            proc = subprocess.Popen(
                command,
                cwd=spec.cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            rec.error = f"could not start {command[0]}: {exc.strerror or exc}"
            err.write((rec.error + "\n").encode())
            _finish(rec, t0)
            return rec
        pumps = [
            threading.Thread(target=_pump, args=(proc.stdout, out, on_line, errors), daemon=True),
            threading.Thread(target=_pump, args=(proc.stderr, err, None, errors), daemon=True),
        ]
        try:
            # the pumps start inside the try: a Ctrl-C that lands right after
            # the child started still stops it
            for p in pumps:
                p.start()
            try:
                proc.wait(timeout=spec.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
                rec.error = f"timed out after {spec.timeout:.0f} s"
        except KeyboardInterrupt:
            _kill_group(proc)
            proc.wait()
            for p in pumps:
                if p.ident is not None:
                    p.join(timeout=5)
            rec.exit_status = proc.returncode
            rec.error = "interrupted (Ctrl-C)"
            _finish(rec, t0)
            raise
        for p in pumps:
            p.join(timeout=30)
    rec.exit_status = proc.returncode
    if errors:
        rec.error = f"its output could not be saved in full ({errors[0].strerror or errors[0]})"
    _finish(rec, t0)
    if errors:
        raise RunFolderError(errors[0].errno, f"cannot write to the run folder ({errors[0].strerror})",
                             str(rec.folder))
    return rec


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def describe_exit(code: Optional[int]) -> str:
    if code is None:
        return "did not finish"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited {code}"


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)
