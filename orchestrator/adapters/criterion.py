"""criterion.rs raw data (a ``target/criterion`` directory).

For every benchmark criterion writes ``<directory_name>/new/`` with::

    benchmark.json  {"group_id":"sha256","function_id":"hash-parallel","value_str":"threads=2",
                     "throughput":null,"full_id":"sha256/hash-parallel/threads=2", ...}
    sample.json     {"sampling_mode":"Linear","iters":[376689.0, ...],"times":[10216101.0, ...]}
    estimates.json  {"mean":{"point_estimate":24.3,"confidence_interval":{...}, ...}, "median":{...}, ...}

Reading rules:

- The id is ``full_id`` from benchmark.json, never the directory name
  (criterion sanitises that). A ``threads=T`` segment is removed from the
  name and becomes ``threads``.
- One sample per entry of sample.json: ``times[i] / iters[i]`` ns per
  iteration, with ``iters[i]`` as the sample's iteration count. ``original``
  holds that per-iteration figure in ``ns`` (criterion prints no
  per-sample value of its own); ``sampling_mode`` goes to metadata.
- estimates.json (criterion's own statistics) goes to metadata only.
- Only ``new/`` folders are read; ``base/``, ``change/`` and ``report/`` are
  earlier baselines, comparisons and HTML.
- ``path`` may also be a benchmark.json, sample.json or estimates.json file:
  its folder is read as one ``new/`` folder. Any other file (criterion's
  terminal output, say) is not criterion data: one issue names it.
- Malformed or missing JSON becomes an issue naming the file (and the line,
  where the JSON error gives one). ``Result.source`` is the sample.json path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orchestrator import names
from orchestrator.adapters import Parsed
from orchestrator.adapters._common import (
    Series,
    build_results,
    finish,
    issue,
    brief,
    json_object,
    nothing_found,
    load_json,
    jsonable,
    resolve_language,
    sample_problem,
    to_ns,
)
from orchestrator.models import Measurement, ParseIssue

HARNESS = "criterion"
DEFAULT_LANGUAGE = "rust"
LANGUAGE = "rust"
_DATA_FILES = ("benchmark.json", "sample.json", "estimates.json")
THREADS_SOURCE = "criterion id threads=T"
_SKIPPED_FOLDERS = {"base", "change", "report"}


def sniff(path_or_text: Path | str) -> bool:
    """Whether a directory holds criterion's ``new/benchmark.json``, or a text is one of its JSON files."""
    if isinstance(path_or_text, Path):
        return path_or_text.is_dir() and (
            (path_or_text / "benchmark.json").is_file()
            or any(p.parent.name == "new" for p in path_or_text.rglob("benchmark.json")))
    data = json_object(path_or_text)
    if data is None:
        return False
    return ("full_id" in data and "group_id" in data) or ("iters" in data and "times" in data)


def parse(path: Path, *, language: str | None = None) -> Parsed:
    """Read every ``new/`` benchmark under a criterion directory (or one such folder)."""
    path = Path(path)
    lang = resolve_language(DEFAULT_LANGUAGE, language)
    parsed = Parsed()
    if path.is_dir():
        folders = sorted(
            {p.parent for p in path.rglob("benchmark.json") if p.parent.name == "new"}
            | {p.parent for p in path.rglob("sample.json") if p.parent.name == "new"}
        )
        if not folders and path.name == "new":
            folders = [path]
        if not folders:
            parsed.issues.append(nothing_found(path, HARNESS,
                                               "no criterion data: no new/benchmark.json below this directory"))
            return parsed
    elif path.exists():
        if path.name not in _DATA_FILES:
            parsed.issues.append(nothing_found(
                path, HARNESS, "criterion data is a target/criterion directory, or a benchmark.json "
                               "or sample.json file of one benchmark's new/ folder; this is neither"))
            return parsed
        missing = [name for name in ("benchmark.json", "sample.json") if not (path.parent / name).is_file()]
        if missing:
            parsed.issues.append(nothing_found(
                path, HARNESS, f"no {' or '.join(missing)} beside it (criterion writes benchmark.json "
                               "and sample.json together in each new/ folder)"))
            return parsed
        folders = [path.parent]
    else:
        raise FileNotFoundError(f"no such file or directory: {path}")

    series: list[Series] = []
    for folder in folders:
        found = _read_folder(folder, lang, parsed.issues)
        if found is not None:
            series.append(found)
    parsed.results = build_results(series, parsed.issues)
    return finish(parsed, path, HARNESS)


def _load(path: Path, issues: list[ParseIssue]) -> Any | None:
    """The JSON in ``path``, or None after recording why it could not be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        issues.append(issue(path, None, f"missing {path.name}"))
        return None
    value, error = load_json(data)
    if error is not None:
        issues.append(issue(path, *error))
    return value


def _read_folder(folder: Path, lang: str, issues: list[ParseIssue]) -> Series | None:
    bench_path = folder / "benchmark.json"
    sample_path = folder / "sample.json"
    bench = _load(bench_path, issues)
    if bench is None:
        return None
    full_id = bench.get("full_id") if isinstance(bench, dict) else None
    if not isinstance(full_id, str) or not full_id.strip() or "\n" in full_id:
        issues.append(issue(bench_path, None, "benchmark.json has no usable full_id string"))
        return None
    samples = _load(sample_path, issues)
    if samples is None:
        return None
    if not isinstance(samples, dict):
        issues.append(issue(sample_path, None, f"{full_id}: sample.json must hold a JSON object"))
        return None
    iters, times = samples.get("iters"), samples.get("times")
    if not isinstance(iters, list) or not isinstance(times, list):
        issues.append(issue(sample_path, None, f"{full_id}: sample.json needs 'iters' and 'times' lists"))
        return None
    if len(iters) != len(times):
        issues.append(issue(sample_path, None,
                            f"{full_id}: sample.json has {len(iters)} iters but {len(times)} times"))
        return None
    if not iters:
        issues.append(issue(sample_path, None, f"{full_id}: sample.json holds no samples"))
        return None

    name, threads = names.split_threads_segment(full_id)
    if not name:
        name = full_id
    metadata: dict[str, Any] = {"full_id": full_id, "full_name": full_id}
    for key in ("group_id", "function_id", "value_str", "throughput", "directory_name"):
        if isinstance(bench, dict) and key in bench:
            metadata[key] = jsonable(bench[key])
    if "sampling_mode" in samples:
        metadata["sampling_mode"] = jsonable(samples["sampling_mode"])
    estimates = _estimates(folder / "estimates.json", issues)
    if estimates is not None:
        metadata["criterion_estimates_ns"] = estimates

    series = Series(
        id=dict(
            language=lang,
            harness=HARNESS,
            name=name,
            canonical=None,
            threads=threads,
            threads_source=THREADS_SOURCE if threads is not None else "unknown",
            mode="unknown",
        ),
        source=str(sample_path),
        metadata=metadata,
    )
    for i, (n, t) in enumerate(zip(iters, times)):
        problem = sample_problem(t) or _iteration_problem(n)
        if problem is not None:
            issues.append(issue(sample_path, None, f"{full_id}: sample {i}: {problem}"))
            continue
        per_iter, problem = to_ns(float(t) / float(n), "ns")
        if problem is not None:
            issues.append(issue(sample_path, None, f"{full_id}: sample {i}: {problem}"))
            continue
        series.add(per_iter, Measurement(value=per_iter, unit="ns"), int(n))
    return series


def _iteration_problem(n: Any) -> str | None:
    """Why ``n`` cannot be a sample's iteration count, or None when it can."""
    problem = sample_problem(n)
    if problem is not None and problem.startswith("negative"):
        return f"negative iteration count: {brief(n)}"
    if problem is not None:
        return f"iteration count {problem}"
    if n < 1 or n != int(n):
        return f"iteration count {brief(n)} is not a positive whole number"
    return None


def _estimates(path: Path, issues: list[ParseIssue]) -> dict[str, Any] | None:
    """criterion's own point estimates and intervals, in ns; None when absent."""
    if not path.exists():
        return None
    data = _load(path, issues)
    if data is None:
        return None
    if not isinstance(data, dict):
        issues.append(issue(path, None, "estimates.json must hold a JSON object"))
        return None
    out: dict[str, Any] = {}
    for stat, body in data.items():
        if not isinstance(body, dict):
            out[str(stat)] = None  # e.g. "slope": null under flat sampling
            continue
        entry = {"point_estimate": body.get("point_estimate")}
        ci = body.get("confidence_interval")
        if isinstance(ci, dict):
            entry["lower_bound"] = ci.get("lower_bound")
            entry["upper_bound"] = ci.get("upper_bound")
            entry["confidence_level"] = ci.get("confidence_level")
        out[str(stat)] = jsonable(entry)
    return out
