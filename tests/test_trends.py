"""Trend charts beside the report, from the history: this machine's runs of the suite only."""

import json
from pathlib import Path

from orchestrator import history, trends
from orchestrator.models import RunRecord

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "tests" / "fixtures" / "report" / "quick_run_all_languages.json"
OTHER = ROOT / "tests" / "fixtures" / "machines" / "kvm16_run.json"


def _copy(path: Path, run_id: str, started: str) -> RunRecord:
    raw = json.loads(path.read_text())
    raw["run_id"], raw["started_at"] = run_id, started
    return RunRecord.model_validate(raw)


def test_one_chart_per_headline_cell_over_this_machines_runs(tmp_path):
    db = tmp_path / "history.sqlite"
    for i in range(3):
        history.add(db, _copy(RUN, f"r{i}", f"2026-11-2{i}T00:00:00Z"))
    history.add(db, _copy(OTHER, "elsewhere", "2026-11-29T00:00:00Z"))  # another machine: never drawn here
    latest = _copy(RUN, "r2", "2026-11-22T00:00:00Z")
    path = trends.write(db, latest, tmp_path / "out")
    text = path.read_text()
    assert f"fingerprint `{latest.environment.fingerprint()}`" in text
    assert "## sequential, T = 1" in text and "3 runs; latest medians:" in text
    assert "## parallel-shared, T = 2" in text
    charts = sorted((tmp_path / "out" / "charts").glob("trend-*.svg"))
    assert len(charts) == text.count("![")
    assert all("<svg" in c.read_text() for c in charts)


def test_a_single_run_draws_nothing_and_says_so(tmp_path):
    db = tmp_path / "history.sqlite"
    record = _copy(RUN, "only", "2026-11-20T00:00:00Z")
    history.add(db, record)
    text = trends.write(db, record, tmp_path / "out").read_text()
    assert "No headline cell has two runs on this machine yet." in text
