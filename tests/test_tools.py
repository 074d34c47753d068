"""tools/cargo_bench_executable.py: the bench executable from cargo's build messages."""

import subprocess
import sys
from pathlib import Path

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
