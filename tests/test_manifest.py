"""Suites as data: the manifest reader, its errors, the built-in suite, a toy suite end to end."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator import manifest, report
from orchestrator.models import RunParameters, RunRecord

ROOT = Path(__file__).resolve().parents[1]
TOY = ROOT / "tests" / "fixtures" / "suites" / "toy"
KERNEL_WORDS = re.compile(r"[\"']floor[\"']|parallel-(owned|locked|shared)|mprotect|pysecret|[Ss]ecret")


def invoke(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_the_builtin_suite_is_the_default_and_declares_todays_cells(builtin):
    assert manifest.default_suite(ROOT).name == builtin.name
    assert builtin.language_names()[:3] == ["go", "rust", "python"]
    cells = builtin.cells(RunParameters(threads=[1, 2, 4]))
    # three one-worker benchmarks (floor-raw is Go's alone), three parallel ones at every T
    assert len(cells) == 3 + 3 * 3
    assert [lang for lang in builtin.language_names() if builtin.runs(lang, "floor-raw")] == ["go"]
    assert {c.threads for c in cells if builtin.benchmark(c.benchmark).mode == "sequential"} == {1}
    assert builtin.harness_name("rust", cells[-1]) == "secret/parallel-shared/threads=4"
    assert builtin.harness_name("python→go", cells[-1]) == "parallel-shared/threads=4"


def test_axes_become_part_of_every_cell_key():
    toy = manifest.load(TOY)
    cells = toy.cells(RunParameters(threads=[1, 2]))
    assert [(c.benchmark, c.params, c.threads) for c in cells] == [
        ("sum", {"size": "16"}, 1), ("sum", {"size": "256"}, 1)]
    assert toy.harness_id("go", "sum", {"size": "256"}) == "BenchmarkSum/size=256"


def test_the_generic_core_names_no_kernel():
    hits = []
    for path in sorted((ROOT / "orchestrator").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2"):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if KERNEL_WORDS.search(line):
                    hits.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert hits == []


GOOD = (TOY / "suite.toml").read_text()


def _bad(text_edit):
    return text_edit(GOOD)


BAD_MANIFESTS = [
    ("bad TOML", lambda t: t.replace('name = "toy"', 'name = "toy'), "bad TOML"),
    ("unknown key", lambda t: t.replace('title = "toy arithmetic"', 'title = "toy arithmetic"\ntitel = "x"'),
     "titel: unknown key"),
    ("no id for a language", lambda t: t.replace(', python = "sum/size={size}"', ""),
     "benchmarks[0] (sum).ids: no id for language 'python'"),
    ("unknown format", lambda t: t.replace('format = "gobench"', 'format = "gotest"'),
     "languages.go.format: unknown format 'gotest'"),
    ("misspelt placeholder", lambda t: t.replace('"-test.count", "{samples}"', '"-test.count", "{sample}"'),
     "languages.go.bench: unknown placeholder {sample}"),
    ("duplicate benchmark", lambda t: t + t[t.index("[[benchmarks]]"):], "benchmarks: 'sum' is declared twice"),
    ("worker counts on a sequential benchmark", lambda t: t.replace('mode = "sequential"',
                                                                   'mode = "sequential"\nthreads = [1, 2]'),
     "benchmarks[0] (sum): threads: a sequential benchmark runs one worker"),
    ("missing working folder", lambda t: t.replace('workdir = "python"', 'workdir = "pyhton"'),
     "languages.python.workdir: folder 'pyhton' does not exist"),
]


@pytest.mark.parametrize("what, edit, message", BAD_MANIFESTS, ids=[b[0] for b in BAD_MANIFESTS])
def test_bad_manifest_is_one_line_naming_file_and_key_with_exit_2(tmp_path, what, edit, message):
    suite = tmp_path / "bad"
    suite.mkdir()
    for sub in ("go", "rust", "python"):
        (suite / sub).mkdir()
    (suite / "suite.toml").write_text(edit(GOOD))
    with pytest.raises(manifest.ManifestError) as err:
        manifest.load(suite)
    assert message in str(err.value)
    assert str(suite / "suite.toml") in str(err.value)
    # the same through the task: one line, exit 2, no traceback
    out = invoke("bench-all", "--suite", str(suite), "--quick", "--runs", str(tmp_path / "runs"))
    assert out.returncode == 2, out.stdout + out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in out.stderr
    assert not (tmp_path / "runs").exists()


def test_invoke_suites_lists_languages_and_benchmarks():
    out = invoke("suites")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "guarded-secret (default): the guarded-secret kernel" in out.stdout
    assert "languages:  go, rust, python" in out.stdout


def test_a_six_cpu_machine_gets_a_parallel_headline_and_the_naive_section(root):
    """A saved run whose environment says 6 CPUs and T = 1, 2, 4, 8: the headline uses T = 4."""
    raw = json.loads((root / "tests" / "fixtures" / "report" / "quick_run_all_languages.json").read_text())
    raw["environment"]["logical_cpus"] = 6
    raw["parameters"]["threads"] = [1, 2, 4, 8]
    eights = []
    for r in raw["results"]:
        if r["id"]["threads"] == 4:
            copy = json.loads(json.dumps(r))
            copy["id"]["threads"] = 8
            eights.append(copy)
    raw["results"] += eights
    data = report.build(RunRecord.model_validate(raw))
    assert data.head.threads == 4
    assert "the largest measured T that does not exceed the 6 logical CPUs" in data.head.note
    assert {t.threads for t in data.headline if t.mode == "parallel"} == {4}
    assert data.naive is not None and {line.threads for line in data.naive.lines} == {4}


def test_a_toy_suite_runs_end_to_end_and_its_report_names_only_itself(tmp_path):
    # no --out: a --quick run keeps its report in its run folder, not in reports/toy/
    out = invoke("bench-all", "--suite", str(TOY), "--quick", "--runs", str(tmp_path / "runs"))
    assert out.returncode == 0, out.stdout + out.stderr
    (run,) = [p for p in (tmp_path / "runs").iterdir() if p.name != "latest"]
    assert f"report: {run / 'REPORT.md'}" in out.stdout
    assert not (ROOT / "reports" / "toy").exists()
    text = (run / "REPORT.md").read_text()
    assert text.startswith("# Go vs Rust vs Python: toy arithmetic, like for like")
    for size in ("16", "256"):
        assert f"### sum (size={size}), T = 1 (sequential)" in text
    assert not KERNEL_WORDS.search(text), KERNEL_WORDS.search(text)
    record = RunRecord.from_json((run / "results.json").read_text())
    assert record.suite.name == "toy"
    assert {(r.id.language, r.id.params["size"]) for r in record.results} == {
        (lang, size) for lang in ("go", "rust", "python") for size in ("16", "256")}
    assert record.failures == [] and record.issues == []


def test_a_wrong_implementation_is_reported_and_kept_out_of_every_comparison(tmp_path):
    """The fixture's Python side hashes one byte short: verify catches it before anything is measured."""
    wrong = ROOT / "tests" / "fixtures" / "suites" / "wrong-sha256"
    out = invoke("bench-all", "--suite", str(wrong), "--quick", "--out", str(tmp_path / "out"),
                 "--runs", str(tmp_path / "runs"))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "python: verify: wrong result — not compared: vector 'abc': expected ba7816bf" in out.stdout
    record = RunRecord.from_json((tmp_path / "out" / "results.json").read_text())
    assert {r.id.language for r in record.results} == {"go"}  # the other language is still reported
    (failure,) = record.failures
    assert failure.language == "python" and failure.step == "verify"
    data = report.build(record)
    assert all(r.language != "python" for t in data.all_tables for r in t.rows)
    text = (tmp_path / "out" / "REPORT.md").read_text()
    assert "- python hash size=64 T=1: not run: verify: wrong result — not compared: vector 'abc'" in text
    # no Python step was measured
    steps = [json.loads(p.read_text())["spec"] for p in (tmp_path / "runs").glob("*/steps/*/step.json")]
    assert not [s for s in steps if s["language"] == "python" and s["kind"] == "bench"]
