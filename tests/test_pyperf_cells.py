"""orchestrator/pyperf_cells.py: bench-all's protocol for pyperf scripts.

The parser and the probe are tested on their own; CellRunner against a real
pyperf.Runner in a child process (pyperf parses the process's command line
and writes the file), with a toy cell whose time per loop is known.
"""

import argparse
import subprocess
import sys

import pyperf
import pytest

from orchestrator.pyperf_cells import parse_loops_for, probe_loops

TOY_SCRIPT = r'''
import sys, time
import pyperf
from orchestrator.pyperf_cells import CellRunner, add_loops_for

# every child process this one starts, and which cell had been opened by then
CHILD_EVENTS = {"subprocess.Popen", "os.fork", "os.posix_spawn", "os.exec"}
children = []
sys.addaudithook(lambda event, args: children.append(Toy.current) if event in CHILD_EVENTS else None)

class Toy:
    """A cell that spins for 2 microseconds per loop and counts its set-up."""
    opened = 0
    current = None
    def __call__(self, loops):
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < loops * 2e-6:
            pass
        return time.perf_counter() - t0
    def open(self):
        Toy.opened += 1
        Toy.current = Toy.opened
        self(1)
    def close(self):
        print("closed", file=sys.stderr)

runner = pyperf.Runner()
add_loops_for(runner)
runner.parse_args()
cells = CellRunner(runner, known=["a", "b/threads=2", "c"])
for name in ("a", "b/threads=2", "c"):
    cells.run(name, Toy(), {"toy": name})
print("opened", Toy.opened, file=sys.stderr)
print("first child started after opening cell:", children[0] if children else "no child", file=sys.stderr)
'''


def _toy(tmp_path, *args):
    script = tmp_path / "toy.py"
    script.write_text(TOY_SCRIPT)
    out = tmp_path / "out.json"
    run = subprocess.run([sys.executable, str(script), "-o", str(out), "--quiet", "--values", "2",
                          "--min-time", "0.01", *args], capture_output=True, text=True, timeout=300)
    return run, out


def _loops(out):
    """Benchmark name → (loops, where they came from), as pyperf reads the file back."""
    loaded = pyperf.BenchmarkSuite.load(str(out)).get_benchmarks()
    return {b.get_name(): (b.get_metadata()["loops"], b.get_metadata()["loops_from"]) for b in loaded}


def test_loops_for_parses_name_equals_loops_at_the_last_equals():
    assert parse_loops_for("") == {}
    assert parse_loops_for("floor=64, work/threads=2=8192,") == {"floor": 64, "work/threads=2": 8192}
    for bad in ("floor", "floor=0", "floor=x", "=5"):
        with pytest.raises(argparse.ArgumentTypeError, match="NAME=LOOPS"):
            parse_loops_for(bad)


def test_probe_loops_fills_the_batch_rounded_up_to_a_power_of_two():
    calls = []

    def one_microsecond_per_loop(loops):
        calls.append(loops)
        return loops * 1e-6

    assert probe_loops(one_microsecond_per_loop, 0.1) == 131072  # 100,000 loops wanted
    # doubling stops once a call lasts a quarter of the batch: 32768 µs ≥ 25,000 µs
    assert calls == [2 ** k for k in range(16)]
    assert probe_loops(lambda loops: 1.0, 0.1) == 1


def test_in_process_cells_are_opened_once_then_given_loops_or_probed(tmp_path):
    run, out = _toy(tmp_path, "--in-process", "--warmups", "0", "--loops-for", "a=300")
    assert run.returncode == 0, run.stderr
    loops = _loops(out)
    assert loops["a"] == (300, "--loops-for")
    for name in ("b/threads=2", "c"):
        n, source = loops[name]
        # 2 µs per loop and 10 ms asked: 5,000 loops, rounded up to a power of two
        assert source == "probe" and n & (n - 1) == 0 and n >= 4096, (name, n)
    assert "opened 3" in run.stderr and run.stderr.count("closed") == 3


def test_in_process_cells_all_run_after_the_process_has_started_a_child(tmp_path):
    # pyperf collects metadata after every benchmark and starts child
    # processes to do it (platform's `uname -p`, `file`); a process that has
    # started a child makes its system calls slower from then on. So the
    # first cell must not be the only one that runs before any child: the
    # runner has one started before it opens the first cell.
    run, out = _toy(tmp_path, "--in-process", "--warmups", "0", "--loops", "50")
    assert run.returncode == 0, run.stderr
    assert "opened 3" in run.stderr
    assert "first child started after opening cell: None" in run.stderr


def test_loops_given_on_the_command_line_hold_for_every_cell_not_named(tmp_path):
    # the runner overwrites pyperf's loops per cell; the command line's value must survive that
    run, out = _toy(tmp_path, "--in-process", "--warmups", "0", "--loops", "7", "--loops-for", "b/threads=2=9")
    assert run.returncode == 0, run.stderr
    assert _loops(out) == {"a": (7, "--loops"), "b/threads=2": (9, "--loops-for"), "c": (7, "--loops")}


@pytest.mark.parametrize("value, message", [
    ("b=4", "'b' is not a benchmark of this run"),
    ("a", "NAME=LOOPS"),
])
def test_a_loops_for_that_names_no_benchmark_or_is_malformed_exits_2(tmp_path, value, message):
    run, out = _toy(tmp_path, "--in-process", "--loops-for", value)
    assert run.returncode == 2 and message in run.stderr
    assert not out.exists()
