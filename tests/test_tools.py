"""tools/: cargo_bench_executable.py (the bench executable from cargo's build messages), the machine
probes and verify_breakdown.py."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pysecret.workloads import BENCH_SECRET

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "cargo_bench_executable.py"
FIXTURE = ROOT / "tests" / "fixtures" / "cargo" / "bench_no_run.jsonl"

sys.path.insert(0, str(TOOL.parent))
import cargo_bench_executable as tool  # noqa: E402


def test_the_bench_target_is_found_among_real_build_messages():
    text = FIXTURE.read_text()
    path = tool.executable(text, "secret")
    assert path is not None and "/deps/secret-" in path
    # the library of the same name and the binaries are not the bench target
    assert tool.executable(text, "secretops") is None
    assert tool.executable(text, "nosuch") is None
    assert tool.executable("not json\n{}\n[1]\n", "secret") is None


def test_the_real_build_copies_the_executable_and_a_wrong_name_fails_plainly(tmp_path):
    to = tmp_path / "secret-bench"
    run = subprocess.run([sys.executable, str(TOOL), "--bench", "secret", "--to", str(to),
                          "--target-dir", "target/bench"], cwd=ROOT / "rust", capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stderr
    assert to.is_file() and to.stat().st_mode & 0o111
    listed = subprocess.run([str(to), "--list"], capture_output=True, text=True, timeout=60)
    assert "secret/floor: benchmark" in listed.stdout
    bad = subprocess.run([sys.executable, str(TOOL), "--bench", "nosuch", "--to", str(tmp_path / "x"),
                          "--target-dir", "target/bench"], cwd=ROOT / "rust", capture_output=True, text=True,
                         timeout=600)
    assert bad.returncode != 0 and "exit status" in bad.stderr and not (tmp_path / "x").exists()


# tools/probes/: the machine probes build and print what their README says.

PROBES = ROOT / "tools" / "probes"
NUMBER = r"-?\d+"


@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    out = tmp_path_factory.mktemp("probes")
    run = subprocess.run(["make", "-C", str(PROBES), f"OUT={out}"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def _probe(probes, *args, **kw):
    return subprocess.run([str(probes / args[0]), *map(str, args[1:])], capture_output=True, text=True,
                          timeout=120, **kw)


def test_drift_prints_one_line_per_block_with_three_positive_costs(probes):
    run = _probe(probes, "drift", 5, 200)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "block mprotect_pair_ns getppid_pair_ns cpu_ns"
    rows = [list(map(int, line.split())) for line in lines[1:]]
    assert [r[0] for r in rows] == [0, 1, 2, 3, 4]
    assert all(len(r) == 4 and all(v > 0 for v in r[1:]) for r in rows)


def test_neighbour_wakes_its_helper_in_every_waking_block(probes):
    # Blocks this short once ran with the helper still asleep from the parked
    # mode (0 wakeups); parking on a condition variable fixed that.
    run = _probe(probes, "neighbour", 4, 2000)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"floor pair with the helper parked: \d+ ns", lines[0])
    waking = re.fullmatch(rf"waking every 20 us adds: {NUMBER} \[{NUMBER}, {NUMBER}\] ns per pair "
                          r"\((\d+\.\d+) wakeups per pair\)", lines[1])
    assert waking and float(waking.group(1)) > 0, lines[1]
    assert re.fullmatch(rf"spinning adds: {NUMBER} \[{NUMBER}, {NUMBER}\] ns per pair", lines[2])
    held = _probe(probes, "neighbour", 4, 2000, "waking", "empty")
    assert held.returncode == 0, held.stderr
    woke = re.fullmatch(r"floor pair with the helper waking: \d+ ns \((\d+\.\d+) wakeups per pair\)",
                        held.stdout.strip())
    assert woke and float(woke.group(1)) > 0, held.stdout


def test_after_flush_gives_a_line_per_kind_of_pair_for_both_kinds_of_work(probes):
    for kind, title in ((0, "indirect calls x 30"), (1, "page loads x 30")):
        run = _probe(probes, "after_flush", 4, 30, kind)
        assert run.returncode == 0, run.stderr
        lines = run.stdout.splitlines()
        assert lines[0].startswith(title)
        for line, name in zip(lines[1:], ("after the floor mprotect", "after getppid", "with no call")):
            assert re.fullmatch(rf"{name}: {NUMBER} \[{NUMBER}, {NUMBER}\]", line), line
        assert len(lines) == 4


def test_after_spawn_gives_the_ratio_after_over_before_for_each_mode(probes):
    run = _probe(probes, "after_spawn", 2, 500)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "mode after/before median [q1, q3] over 2 rounds x 2 batches of 500 pairs"
    ratio = r"(\d+\.\d{3})"
    for line, mode in zip(lines[1:], ("none", "spawn", "fork")):
        m = re.fullmatch(rf"{mode} {ratio} \[{ratio}, {ratio}\]", line)
        assert m and all(float(v) > 0 for v in m.groups()), line
    assert len(lines) == 4


def test_after_spawn_fails_plainly_when_its_child_cannot_be_started(probes):
    # no `true` on PATH: posix_spawnp fails in the spawn worker
    run = _probe(probes, "after_spawn", 1, 10, env={"PATH": "/nonexistent"})
    assert run.returncode == 1
    assert run.stdout == "" and run.stderr == "after_spawn: the spawn worker failed (exit 3)\n"


@pytest.mark.parametrize("args", [
    ("drift", 0), ("drift", 3, -1), ("after_spawn", 0), ("after_spawn", 2, 0),
    ("neighbour", 2), ("neighbour", 4, 100, "sometimes"), ("neighbour", 4, 100, "all", "half"),
    ("after_flush", 4, 5000), ("after_flush", 4, 10, 7),
])
def test_a_probe_given_bad_arguments_prints_its_usage_and_exits_2(probes, args):
    run = _probe(probes, *args)
    assert run.returncode == 2
    assert run.stdout == "" and run.stderr.startswith(f"usage: {args[0]}")


# tools/verify_breakdown.py: the pieces of a Python verify, on the real kernel.

BREAKDOWN = ROOT / "tools" / "verify_breakdown.py"


def test_verify_breakdown_prints_every_piece_inside_the_op_and_alone(tmp_path):
    out = tmp_path / "b.json"
    run = subprocess.run([sys.executable, str(BREAKDOWN), "--rounds", "3", "--ops", "50", "--json", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    figures = json.loads(out.read_text())
    assert figures["mutex"] == "Mutex" and figures["rounds"] == 3 and figures["ops"] == 50
    assert figures["kernel"] == str(ROOT)
    assert set(figures["inside"]) == {"verify - floor (all the library)", "the mutex: two takes and two gives",
                                      "the compare", "the rest: call, reader count, checks"}
    assert set(figures["alone"]) == {"empty loop iteration", "method call, one argument",
                                     "compare_digest, 32 bytes over a ctypes array",
                                     "two RLock acquire/release pairs", "two Mutex hold/put pairs"}
    assert figures["floor_ns"] > 0 and figures["verify_ns"] > 0
    assert figures["sequential_over_floor"] == pytest.approx(figures["verify_ns"] / figures["floor_ns"])
    for piece in (*figures["inside"], *figures["alone"]):
        assert f"| {piece} |" in run.stdout
    assert "round 3/3" in run.stderr
    # the bench secret is the candidate too: neither its bytes nor its hex may show
    shown = run.stdout + run.stderr + out.read_text()
    assert BENCH_SECRET.hex() not in shown and repr(BENCH_SECRET) not in shown


@pytest.mark.parametrize("args, message", [
    (("--rounds", "0"), "--rounds and --ops must be at least 1"),
    (("--kernel", "/nonexistent"), "--kernel /nonexistent: no pysecret/secret.py there"),
    (("--json", "/nonexistent/b.json"), "--json /nonexistent/b.json: no such folder"),
])
def test_verify_breakdown_refuses_bad_arguments_with_exit_2(args, message):
    run = subprocess.run([sys.executable, str(BREAKDOWN), *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and message in run.stderr
