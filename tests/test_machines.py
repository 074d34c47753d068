"""Several machines in one report: per-machine verdicts, the cross-machine table, --check."""

import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator import machines
from orchestrator.models import RunRecord

ROOT = Path(__file__).resolve().parents[1]
KVM16 = ROOT / "tests" / "fixtures" / "machines" / "kvm16_run.json"
HERE = ROOT / "tests" / "fixtures" / "report" / "quick_run_all_languages.json"


def records():
    return [RunRecord.from_json(KVM16.read_text()), RunRecord.from_json(HERE.read_text())]


def test_machines_are_told_apart_by_their_fingerprint():
    a, b = records()
    assert a.environment.logical_cpus == 16 and b.environment.logical_cpus == 2
    assert a.environment.fingerprint() != b.environment.fingerprint()
    assert "logical cpus: 16" in a.environment.fingerprint_text()


def test_cross_machine_rows_hold_each_machines_own_verdict():
    ms = machines.build(records())
    rows = machines.cross_rows(ms)
    seq = next(r for r in rows if r.cell == "sequential, T = 1" and (r.a, r.b) == ("go", "rust"))
    # each machine's ratio comes from its own tables: never a pair across machines
    for m in ms:
        t = next(t for t in m.data.all_tables if t.benchmark == "sequential")
        ps = t.pair("go", "rust")
        assert seq.ratios[m.label].startswith(f"{ps.ratio:.3f}×")
        assert seq.medians[m.label] == (t.row("go").median, t.row("rust").median)
    # T = 16 exists on one machine only: no row for it
    assert not any("T = 16" in r.cell for r in rows)
    # agreement is only claimed between verdicts that could be made
    for r in rows:
        told = {v for v in r.verdicts.values() if v != machines.TOO_FEW}
        if len(told) > 1:
            assert r.agreement == "**differs**"


def test_merged_report_renders_and_check_catches_an_edit(tmp_path):
    out = tmp_path / "machines"
    machines.publish(records(), out, charts=False)
    text = (out / "REPORT.md").read_text()
    assert text.startswith("# The guarded-secret kernel on 2 machines")
    assert "## Machine A: Go vs Rust vs Python: the guarded-secret kernel" in text
    assert "## Machine B: " in text and "## Cross-machine table" in text
    done = subprocess.run([sys.executable, "-m", "invoke", "report", "--check", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "REPORT.md").write_text(text.replace("## Cross-machine table", "## Table"))
    bad = subprocess.run([sys.executable, "-m", "invoke", "report", "--check", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "differs" in bad.stdout


def test_runs_of_different_suites_are_refused():
    a, b = records()
    b = b.model_copy(update={"suite": b.suite.model_copy(update={"name": "other"})})
    with pytest.raises(ValueError, match="runs of different suites cannot share a report"):
        machines.build([a, b])


def test_negative_boundary_costs_are_explained_and_parallel_rows_carry_the_caveat(builtin):
    """The 16-core run: python→rust parallel-owned at T = 16 is cheaper than native Rust."""
    from orchestrator import render, report

    record = RunRecord.from_json(KVM16.read_text()).model_copy(update={"suite": builtin})
    data = report.build(record)
    negative = [i for i in data.interop if i["hi"] < 0]
    assert negative, "the saved run has a boundary cost whose interval lies below zero"
    for i in negative:
        assert "lies below zero" in i["why"] and "no free lunch" in i["why"]
        assert "grows" in i["why"] and "natively but" in i["why"]
    row = next(i for i in negative if (i["language"], i["benchmark"], i["threads"]) == ("python→rust",
                                                                                        "parallel-owned", 16))
    assert row["cost"] < 0 and "From T = 1 to T = 16" in row["why"]
    for i in data.interop:
        if i["mode"] == "parallel":
            assert i["caveat"].startswith("Python threads driving the ")
            assert "not the kernel's own parallelism" in i["caveat"]
        else:
            assert i["caveat"] == ""
    text = render.markdown(data)
    assert "Boundary costs below zero:" in text
