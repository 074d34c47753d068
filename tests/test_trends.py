"""Trend charts beside the report, from the history: this machine's runs of the suite only."""

import json
from pathlib import Path

import pytest

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


def _scaled(path: Path, run_id: str, started: str, language: str, factor: float) -> RunRecord:
    """The real run with one language's samples multiplied by ``factor``: every ratio with that
    language moves by exactly that factor, every other ratio stays put."""
    raw = json.loads(path.read_text())
    raw["run_id"], raw["started_at"] = run_id, started
    for r in raw["results"]:
        if r["id"]["language"] == language:
            r["ns_per_op"] = [x * factor for x in r["ns_per_op"]]
    return RunRecord.model_validate(raw)


def _agreement_rows(text: str) -> list[list[str]]:
    section = text.split("## Run-to-run agreement", 1)[1]
    return [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| cell ")]


def test_every_ratio_of_the_latest_run_is_set_against_the_run_before_it(tmp_path):
    db = tmp_path / "history.sqlite"
    # the oldest run is far off; the latest must be compared with the one just before it
    history.add(db, _scaled(RUN, "r0", "2026-11-20T00:00:00Z", "python", 2.0))
    history.add(db, _copy(RUN, "r1", "2026-11-21T00:00:00Z"))
    history.add(db, _copy(OTHER, "elsewhere", "2026-11-22T00:00:00Z"))  # another machine: not "before"
    latest = _scaled(RUN, "r2", "2026-11-23T00:00:00Z", "python", 1.05)
    history.add(db, latest)
    text = trends.write(db, latest, tmp_path / "out").read_text()
    assert "in run `r2` (latest) and run `r1` (the one before it on this machine)" in text
    rows = _agreement_rows(text)
    cells = {r[0] for r in rows}
    assert len(cells) == 5 and len(rows) == 3 * len(cells)  # go, rust, python: three pairs per cell
    for cell, pair, before, latest_ci, moved, inside in rows:
        a, b = pair.split(" / ")
        now = latest_ci.split(" [")[0]
        if "python" not in (a, b):
            assert (moved, inside) == ("+0.0%", "yes") and before == now, pair
        else:
            assert moved == ("+5.0%" if a == "python" else "-4.8%"), (cell, pair, moved)
            factor = 1.05 if a == "python" else 1 / 1.05
            assert float(now.rstrip("×")) == pytest.approx(float(before.rstrip("×")) * factor, abs=0.002)
    assert f"{len(cells)} of {len(rows)} ratios moved by 3.0% or less (the largest move: -4.8%)" in text


def test_no_agreement_section_without_a_run_before_on_this_machine(tmp_path):
    db = tmp_path / "history.sqlite"
    history.add(db, _copy(OTHER, "elsewhere", "2026-11-20T00:00:00Z"))
    first = _copy(RUN, "first", "2026-11-21T00:00:00Z")
    history.add(db, first)
    assert "Run-to-run agreement" not in trends.write(db, first, tmp_path / "out").read_text()


def test_the_trends_command_redraws_for_a_stored_run_and_refuses_one_not_stored(tmp_path):
    from orchestrator import commands

    db = tmp_path / "history.sqlite"
    history.add(db, _copy(RUN, "r1", "2026-11-21T00:00:00Z"))
    latest = _scaled(RUN, "r2", "2026-11-22T00:00:00Z", "python", 1.05)
    history.add(db, latest)
    stored = tmp_path / "r2.json"
    stored.write_text(latest.model_dump_json())
    text, code = commands.trends_redraw(ROOT, str(stored), str(db), str(tmp_path / "out"))
    assert code == 0 and text == f"trends: {tmp_path / 'out' / 'TRENDS.md'}"
    assert "in run `r2` (latest) and run `r1`" in (tmp_path / "out" / "TRENDS.md").read_text()
    missing = tmp_path / "r3.json"
    missing.write_text(_copy(RUN, "r3", "2026-11-23T00:00:00Z").model_dump_json())
    with pytest.raises(ValueError, match=r"run r3 is not in .*history\.sqlite \(add it with invoke history-add\)"):
        commands.trends_redraw(ROOT, str(missing), str(db), str(tmp_path / "out"))
