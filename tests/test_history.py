"""History across commits: a real SQLite file filled with real runs of the toy suite.

The runs are made once per module by really running ``invoke bench-all`` on
tests/fixtures/suites/toy (Go only, --quick: 3 samples per cell, no syscall
counting): ten unchanged runs and one with TOY_EXTRA=3, which makes each Go op
sum its range four times instead of once (about 3.5–4× the time per op).

Thresholds chosen for a noisy, shared 2-core machine: the regression tests
check with --threshold 0.5. A flag needs Holm-corrected p < 0.05 *and* the
whole bootstrap interval of latest/before beyond 1.5, i.e. the latest run's
samples about 50% slower than the pooled 27 earlier samples throughout; the
slowed run is ~+270%, while machine noise between unchanged runs stays far
below 50% (a few to ~20%).
"""

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestrator import commands, history, stats
from orchestrator.models import RunRecord

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "fixtures" / "suites" / "toy"
BUILTIN_RUN = ROOT / "tests" / "fixtures" / "report" / "quick_run_all_languages.json"
CHECK_THRESHOLD = "0.5"
SLOWDOWN = "3"  # TOY_EXTRA: extra sums per op


def invoke(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def toy_run(runs: Path, out: Path, env=None) -> Path:
    """One real run of the toy suite; returns its run folder."""
    done = invoke("bench-all", "--suite", str(TOY), "--quick", "--languages", "go", "--no-syscalls",
                  "--out", str(out), "--runs", str(runs), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("raw output: "))
    return Path(line.removeprefix("raw output: "))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """Ten unchanged real runs and one slowed by TOY_EXTRA, as run folders, in the order they ran."""
    base = tmp_path_factory.mktemp("toy")
    unchanged = [toy_run(base / "runs", base / f"out{i}") for i in range(10)]
    slowed = toy_run(base / "runs", base / "out-slow", env={"TOY_EXTRA": SLOWDOWN})
    return unchanged, slowed


def record(folder: Path) -> RunRecord:
    return commands.load_run(ROOT, str(folder))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def error_line(done: subprocess.CompletedProcess) -> str:
    """The one line a refused command prints, with no traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# --- the ten-run flow through the tasks ----------------------------------------------------


def test_a_slowed_last_run_is_flagged_and_ten_unchanged_runs_are_not(toy, tmp_path):
    unchanged, slowed = toy
    db = tmp_path / "history.sqlite"
    added = invoke("history-add", str(BUILTIN_RUN), "--db", str(db))  # a real run of the built-in suite
    assert added.returncode == 0, added.stdout + added.stderr
    for folder in unchanged[:9] + [slowed]:
        added = invoke("history-add", str(folder), "--db", str(db))
        assert added.returncode == 0, added.stdout + added.stderr
        assert f"added run {folder.name} to {db}: suite toy, 6 samples of 2 (cell, language) series" in added.stdout

    listed = invoke("history", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert "11 run(s) in" in listed.stdout
    for folder in unchanged[:9] + [slowed]:
        assert folder.name in listed.stdout

    done = invoke("history-check", "--db", str(db), "--threshold", CHECK_THRESHOLD, "--fail-on-regression")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert f"suite toy: run {slowed.name}" in out and "against 9 earlier run(s)" in out
    assert "suite guarded-secret: run 20261127T142140Z" in out and "nothing compared" in out
    for size in ("16", "256"):
        line = next(x for x in out.splitlines() if x.endswith(")") and f"go sum size={size} T=1" in x)
        assert line.strip().startswith("regressed by "), out
        percent = float(line.split("regressed by ")[1].split("%")[0])
        assert percent >= 100, line  # four sums per op instead of one: at least twice the time
    assert "failing: 2 regression(s) flagged" in out

    # Ten unchanged runs: nothing flagged, exit 0 even with --fail-on-regression.
    calm = tmp_path / "calm.sqlite"
    for folder in unchanged:
        history.add(calm, record(folder))
    done = invoke("history-check", "--db", str(calm), "--threshold", CHECK_THRESHOLD, "--fail-on-regression")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"suite toy: run {unchanged[-1].name}" in done.stdout and "against 9 earlier run(s)" in done.stdout
    assert "regressed" not in done.stdout and "improved" not in done.stdout
    assert "2 cell(s) not flagged" in done.stdout


def test_a_change_smaller_than_the_threshold_is_never_flagged(toy, tmp_path):
    unchanged, slowed = toy
    db = tmp_path / "history.sqlite"
    for folder in unchanged[:9] + [slowed]:
        history.add(db, record(folder))
    # the slowdown is about +270%: a 1000% threshold must not flag it, though it is significant
    done = invoke("history-check", "--db", str(db), "--threshold", "10", "--fail-on-regression")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "regressed" not in done.stdout
    assert "2 cell(s) not flagged: 0 without a significant change, 2 significant but within the 1000.0% threshold" \
        in done.stdout
    result = history.check(db, "toy", 10.0)
    assert [c.verdict for c in result.suites[0].changes] == ["inside threshold"] * 2
    assert all(c.comparison.ratio > 2 and c.p_adj < stats.ALPHA for c in result.suites[0].changes)


def test_too_few_samples_give_no_verdict(toy, tmp_path):
    unchanged, _ = toy
    db = tmp_path / "history.sqlite"
    for folder in unchanged[:2]:
        history.add(db, record(folder))
    done = invoke("history-check", "--db", str(db), "--fail-on-regression")
    assert done.returncode == 0, done.stdout + done.stderr
    # 3 samples against 3: the most extreme split gives p = 0.1, so nothing can be called
    assert not stats.mann_whitney_can_reject(3, 3)
    for size in ("16", "256"):
        assert f"too few samples to test: go sum size={size} T=1 (3 now, 3 before" in done.stdout
    for word in ("regressed", "improved", "no significant change", "not flagged"):
        assert word not in done.stdout


def test_trend_gives_each_runs_median_and_interval(toy, tmp_path):
    unchanged, _ = toy
    db = tmp_path / "history.sqlite"
    records = [record(folder) for folder in unchanged]
    for r in records:
        history.add(db, r)
    points = history.trend(db, "toy", "sum", {"size": "256"}, 1, "go")
    assert [p.run.run_id for p in points] == [r.run_id for r in records]
    for p, r in zip(points, records):
        samples = next(x.ns_per_op for x in r.results if x.id.params == {"size": "256"})
        assert p.n == len(samples) == 3
        assert p.median == stats.median(samples)
        assert (p.interval.lo, p.interval.hi) == (min(samples), max(samples))
        assert p.run.commit == r.environment.git_commit
    shown = invoke("history", "--db", str(db), "--cell", "sum size=256 T=1", "--language", "go")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "toy: go sum size=256 T=1 — median ns/op per run [interval, its coverage]"
    assert len(lines) == 11 and all("n=3" in x for x in lines[1:])
    both = invoke("history", "--db", str(db), "--cell", "sum")  # size and T left out: every stored cell
    assert both.returncode == 0 and both.stdout.count("toy: go sum size=") == 2
    bad = invoke("history", "--db", str(db), "--cell", "nope T=1")
    assert error_line(bad).startswith("error: --cell: nothing stored for 'nope T=1'")


# --- one file, several writers ----------------------------------------------------------------


def enlarged(r: RunRecord, times: int) -> RunRecord:
    """A real record with every result's samples repeated ``times`` over: appends that take a while."""
    def more(result):
        return result.model_copy(update={
            name: getattr(result, name) * times for name in ("ns_per_op", "original", "iterations", "rounds")
            if getattr(result, name) is not None})

    return r.model_copy(update={"results": [more(x) for x in r.results]})


WRITER = """
import sys
from orchestrator import history
from orchestrator.models import RunRecord

db, source, prefix, count, barrier = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
base = RunRecord.from_json(open(source).read())
import os, time
# start together: each writer says it is ready, then waits for the other (however slowly either started)
open(os.path.join(barrier, prefix), "w").close()
deadline = time.time() + 120
while len(os.listdir(barrier)) < 2 and time.time() < deadline:
    time.sleep(0.001)
began = time.time()
for i in range(count):
    history.add(db, base.model_copy(update={"run_id": f"{prefix}-{i}"}))
print(began, time.time())  # when this writer's first append began and its last one ended
"""


def test_two_processes_appending_at_once_lose_nothing(toy, tmp_path):
    unchanged, _ = toy
    db = tmp_path / "shared.sqlite"  # not made yet: both writers start on a missing file
    source = tmp_path / "results.json"
    # a real record, its samples repeated so each append is a transaction of some length
    base = record(unchanged[0])
    bigger = enlarged(base, 200)
    source.write_text(bigger.to_json())
    barrier = tmp_path / "ready"
    barrier.mkdir()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(source), name, "20", str(barrier)],
                                cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    spans = []
    for w in writers:
        out, err = w.communicate(timeout=300)
        assert w.returncode == 0, err
        spans.append(tuple(float(x) for x in out.split()))
    stored = history.runs(db)
    assert sorted(r.run_id for r in stored) == sorted(f"{p}-{i}" for p in "ab" for i in range(20))
    assert {r.samples for r in stored} == {len(history.rows(bigger).samples)} == {1200}
    # the two writers really ran at once: each began appending before the other had finished
    # (whose transactions went first is SQLite's lock and busy wait to decide: one may take all its turns first)
    (a_began, a_ended), (b_began, b_ended) = spans
    assert a_began < b_ended and b_began < a_ended, spans


KILLED_WRITER = """
import sys
from orchestrator import history
from orchestrator.models import RunRecord

db, source = sys.argv[1], sys.argv[2]
base = RunRecord.from_json(open(source).read())
i = 0
while True:
    run_id = f"big-{i}"
    print("begin", run_id, flush=True)
    history.add(db, base.model_copy(update={"run_id": run_id}))
    print("done", run_id, flush=True)
    i += 1
"""


def _writer_holds_the_lock(db: Path) -> bool:
    """Whether another connection is inside a write transaction (a raw probe of SQLite's lock)."""
    probe = sqlite3.connect(str(db), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc) or "busy" in str(exc), exc
        return True
    finally:
        probe.close()


def test_a_writer_killed_inside_its_transaction_leaves_whole_runs_only(toy, tmp_path):
    unchanged, _ = toy
    db = tmp_path / "history.sqlite"
    source = tmp_path / "big.json"
    base = record(unchanged[0])
    big = enlarged(base, 40000)
    source.write_text(big.to_json())
    per_run = len(history.rows(big).samples)
    assert per_run == 240000
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(db), str(source)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    done, killed, held = [], None, False
    try:
        for line in writer.stdout:
            word, run_id = line.split()
            if word == "done":
                done.append(run_id)
            elif len(done) >= 2:
                killed = run_id
                deadline = time.time() + 60
                while time.time() < deadline and not held:
                    held = _writer_holds_the_lock(db)
                    if not held:
                        time.sleep(0.002)
                os.kill(writer.pid, signal.SIGKILL)
                break
    finally:
        writer.kill()
        writer.wait()
    assert held, "the writer never entered its transaction"
    assert killed is not None and writer.returncode == -signal.SIGKILL
    stored = {r.run_id: r.samples for r in history.runs(db)}
    for run_id in done:
        assert stored[run_id] == per_run
    assert stored.get(killed, per_run) == per_run  # wholly there or absent, never half
    assert set(stored) <= set(done) | {killed}
    history.add(db, base.model_copy(update={"run_id": "after"}))  # the file takes appends again
    assert history.runs(db)[-1].run_id == "after"


# --- the file itself ---------------------------------------------------------------------------


def test_the_same_run_twice_is_refused_plainly(toy, tmp_path):
    unchanged, _ = toy
    db = tmp_path / "history.sqlite"
    assert invoke("history-add", str(unchanged[0]), "--db", str(db)).returncode == 0
    again = invoke("history-add", str(unchanged[0] / "results.json"), "--db", str(db))
    line = error_line(again)
    assert line.startswith(f"error: {db}: run {unchanged[0].name} is already there (added ")
    assert line.endswith("nothing was added")
    assert [r.samples for r in history.runs(db)] == [6]


def test_a_version_1_file_migrates_to_the_same_schema_as_a_fresh_one(toy, tmp_path):
    unchanged, _ = toy
    r = record(unchanged[0])
    old, fresh = tmp_path / "old.sqlite", tmp_path / "fresh.sqlite"
    assert history.migrate(old, 1) == 1
    with sqlite3.connect(old) as conn:
        assert "samples_by_cell" not in {x[0] for x in conn.execute("SELECT name FROM sqlite_master")}
    history.add(old, r)
    history.add(fresh, r)
    assert history.schema_version(old) == history.schema_version(fresh) == history.SCHEMA_VERSION == 2

    def schema(path):
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()

    assert schema(old) == schema(fresh)
    assert any(row[1] == "samples_by_cell" for row in schema(old))
    assert [x.samples for x in history.runs(old)] == [6]


def _filled(tmp_path: Path, folders) -> Path:
    db = tmp_path / "history.sqlite"
    for folder in folders:
        history.add(db, record(folder))
    assert not (tmp_path / "history.sqlite-wal").exists()  # closed cleanly: everything is in the file
    return db


def _refused_everywhere(db: Path, run: Path, problem: str) -> None:
    before = sha(db)
    for args in (["history"], ["history", "--cell", "sum"], ["history-add", str(run)], ["history-check"]):
        line = error_line(invoke(*args, "--db", str(db)))
        assert line.startswith(f"error: {db}: ") and problem in line, (args, line)
        assert sha(db) == before, args


def test_a_file_that_is_not_sqlite_is_refused_and_left_as_it_was(toy, tmp_path):
    unchanged, _ = toy
    db = tmp_path / "history.sqlite"
    db.write_text("run,median\n" * 500)
    _refused_everywhere(db, unchanged[0], "not an SQLite database")


def test_a_truncated_file_is_refused_and_left_as_it_was(toy, tmp_path):
    unchanged, _ = toy
    db = _filled(tmp_path, unchanged[:5])
    data = db.read_bytes()
    assert len(data) >= 4 * 4096
    db.write_bytes(data[:len(data) // 2 + 100])  # cut inside a page
    _refused_everywhere(db, unchanged[5], "truncated or damaged")
    db.write_bytes(data[:2 * 4096])  # cut at a page boundary
    _refused_everywhere(db, unchanged[5], "truncated or damaged")


def test_a_file_from_a_newer_benchnorm_is_refused_and_left_as_it_was(toy, tmp_path):
    unchanged, _ = toy
    db = _filled(tmp_path, unchanged[:2])
    with sqlite3.connect(db) as conn:  # what a later benchnorm would have written
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()
    _refused_everywhere(db, unchanged[2], "schema version 99 is newer than this benchnorm reads (2)")
    with pytest.raises(history.HistoryError):
        history.add(db, record(unchanged[2]))
    assert history.schema_version(db) == 99


def test_a_missing_file_is_named_and_not_made_by_reading(tmp_path):
    db = tmp_path / "nothing.sqlite"
    for args in (["history"], ["history-check"]):
        assert error_line(invoke(*args, "--db", str(db))) == \
            f"error: {db}: no history file here (`invoke history-add` starts one)"
    assert not db.exists()


# --- machines ----------------------------------------------------------------------------------


def test_runs_of_another_fingerprint_are_never_compared(toy, tmp_path):
    unchanged, slowed = toy
    here = record(unchanged[0]).environment
    # the slowed run, as if measured on another machine (another kernel) — copied from a real record
    elsewhere = record(slowed)
    elsewhere = elsewhere.model_copy(update={
        "run_id": "other-machine",
        "environment": elsewhere.environment.model_copy(update={"kernel": "Linux 5.10.0 aarch64"})})
    assert elsewhere.environment.fingerprint() != here.fingerprint()
    assert "kernel: Linux 5.10.0 aarch64" in elsewhere.environment.fingerprint_text()

    # the other machine's run is the latest: it has no earlier run of its own, so nothing is compared
    db = tmp_path / "latest-elsewhere.sqlite"
    for folder in unchanged[:9]:
        history.add(db, record(folder))
    history.add(db, elsewhere)
    done = invoke("history-check", "--db", str(db), "--fail-on-regression")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "run other-machine" in done.stdout and "no earlier run on this machine and toolchains" in done.stdout
    assert "9 run(s) of toy on other machines or toolchains: never compared" in done.stdout
    assert "regressed" not in done.stdout

    # the other machine's slow samples sit among earlier runs: they are not pooled with this machine's
    db = tmp_path / "earlier-elsewhere.sqlite"
    early = elsewhere.model_copy(update={"started_at": "2000-01-01T00:00:00Z"})
    for r in [early] + [record(folder) for folder in unchanged[:10]]:
        history.add(db, r)
    result = history.check(db, "toy", float(CHECK_THRESHOLD))
    (s,) = result.suites
    assert s.latest.run_id == unchanged[9].name and len(s.previous) == 9 and s.elsewhere == 1
    assert [c.before for c in s.changes] == [27, 27]
    assert not result.regressions()
    assert "  1 run(s) of toy on other machines or toolchains: never compared" in result.lines()
