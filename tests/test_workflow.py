"""The CI workflow that regenerates the docs stays valid (actionlint) and runs the README's commands."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "bench.yml"
ACTIONLINT = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"


def readme_commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^   (python -m pip install -e .*)$", text, re.M)


def test_workflow_passes_actionlint(tmp_path):
    if shutil.which("go") is None:
        pytest.skip("go is not installed: actionlint cannot be built")
    gobin = tmp_path / "bin"
    built = subprocess.run(["go", "install", ACTIONLINT], env={**os.environ, "GOBIN": str(gobin)},
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    lint = subprocess.run([str(gobin / "actionlint"), "-no-color", str(WORKFLOW)], capture_output=True, text=True,
                          timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_workflow_runs_both_readme_commands_and_the_report_check():
    text = WORKFLOW.read_text()
    bench, tests = readme_commands()
    assert "invoke bench-all" in bench and "invoke test" in tests
    assert f"run: {tests}" in text
    assert f"run: {bench} --quick" in text
    assert "invoke report --check" in text
    assert "upload-artifact" in text and "path: reports/" in text
    assert "schedule:" in text and "push:" in text
