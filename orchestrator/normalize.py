"""Raw results → like-for-like comparisons; mismatched pairs are refused.

Two results are comparable only when they are the same benchmark of the
suite, with the same parameters, run in the same mode, with the same worker
count T (docs/methodology.md §1). This module groups results into such
cells, says why a result could not be placed (no benchmark, unknown mode,
unknown T), and refuses pairs across modes, parameters or worker counts with
a reason naming both sides.

Declarations fill what output alone cannot tell: ``--mode go=parallel``
says a Go benchmark ran under ``b.RunParallel`` (so its ``-8`` suffix is
8 workers), ``rust=sequential`` says a criterion bench ran one worker,
``rust=parallel:8`` that it ran 8 workers. A harness name is put under a
benchmark of the comparison with ``--map NAME=BENCHMARK`` (or a map file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from orchestrator.models import Result, Suite, param_text

MODES = ("sequential", "parallel")


class DeclarationError(ValueError):
    """A --mode or --map value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Declared:
    """A declared mode, and for ``parallel:T`` the worker count the output did not print."""

    mode: str
    threads: Optional[int] = None

    def flag(self, language: str) -> str:
        return f"--mode {language}={self.mode}" + (f":{self.threads}" if self.threads else "")


def parse_modes(text: Optional[str], languages: Optional[list[str]] = None) -> dict[str, Declared]:
    """``go=parallel,rust=parallel:8,python=sequential`` → language → Declared."""
    out: dict[str, Declared] = {}
    if not text:
        return out
    for part in text.split(","):
        lang, sep, value = part.strip().partition("=")
        if not sep:
            raise DeclarationError(f"--mode: {part!r} is not LANGUAGE=MODE (e.g. go=parallel or rust=parallel:8)")
        if languages is not None and lang not in languages:
            raise DeclarationError(f"--mode: no output was given for language {lang!r} "
                                   f"(given: {', '.join(languages)})")
        mode, _, t = value.partition(":")
        if mode not in MODES:
            raise DeclarationError(f"--mode: unknown mode {mode!r} for {lang} (allowed: {', '.join(MODES)}, "
                                   "parallel:T)")
        threads = None
        if t:
            if mode != "parallel" or not t.isdigit() or int(t) < 1:
                raise DeclarationError(f"--mode: {value!r} for {lang}: a worker count goes with parallel "
                                       "and is a positive whole number (e.g. parallel:8)")
            threads = int(t)
        out[lang] = Declared(mode, threads)
    return out


def parse_mapping(text: Optional[str]) -> dict[str, str]:
    """``--map`` → harness name → benchmark.

    ``NAME=BENCHMARK`` pairs separated by commas, or ``@FILE`` naming a map
    file with one ``NAME=BENCHMARK`` per line (blank lines and ``#`` comments
    skipped). A pair splits at its last ``=``, so a name may hold ``=``
    (Go's ``BenchmarkNew/size=100K``); in a map file it may hold commas too.
    """
    if not text:
        return {}
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            lines = path.read_text().splitlines()
        except OSError as exc:
            raise DeclarationError(f"--map: cannot read map file {path} ({exc.strerror or exc})") from None
        items = [(f"{path}:{n}", line.strip()) for n, line in enumerate(lines, 1)
                 if line.strip() and not line.strip().startswith("#")]
    else:
        items = [("--map", part.strip()) for part in _split_pairs(text)]
    out: dict[str, str] = {}
    for where, item in items:
        name, sep, bench = item.rpartition("=")
        if not sep or not name or not bench:
            raise DeclarationError(f"{where}: {item!r} is not NAME=BENCHMARK")
        out[name] = bench
    return out


def _split_pairs(text: str) -> list[str]:
    """Split ``a=x,b/k=v=y`` at the commas that end a pair: a comma right after a pair's value.

    A comma inside a name is kept when the text after it has no ``=`` before
    the next comma (then it cannot start a pair of its own).
    """
    parts = text.split(",")
    out: list[str] = []
    for part in parts:
        if out and "=" not in part:
            out[-1] += "," + part
        else:
            out.append(part)
    return [p for p in out if p.strip()]


def declare(results: list[Result], modes: Optional[dict[str, Declared]] = None) -> list[Result]:
    """Apply declared modes to results read from the user's own files.

    A declared mode replaces ``unknown``; a declared ``sequential`` means one
    worker whatever GOMAXPROCS was; ``parallel`` takes the worker count from
    the harness notation, or from ``parallel:T`` when the output printed none
    (a printed count that disagrees is kept, and the pair it would make is
    refused later). A declaration never overrides a mode the output stated.
    """
    modes = modes or {}
    out = []
    for r in results:
        ident = r.id
        declared = modes.get(ident.language)
        if declared and ident.mode == "unknown":
            update: dict = {"mode": declared.mode}
            flag = declared.flag(ident.language)
            if declared.mode == "sequential":
                update["threads"] = 1
                update["threads_source"] = f"declared {flag} (one worker)"
            elif ident.threads is None and declared.threads:
                update["threads"] = declared.threads
                update["threads_source"] = f"declared {flag}"
            else:
                update["threads_source"] = f"{ident.threads_source}; declared {flag}"
            r = r.model_copy(update={"id": ident.model_copy(update=update)})
        out.append(r)
    return out


def side(r: Result) -> str:
    """How a result is named in a reason: language, harness name, parameters, mode and T."""
    t = "T unknown" if r.id.threads is None else f"T={r.id.threads}"
    mode = "mode unknown" if r.id.mode == "unknown" else r.id.mode
    params = f"{param_text(r.id.params)}, " if r.id.params else ""
    return f"{r.id.language} {r.id.name} ({params}{mode}, {t})"


def unknowns(r: Result) -> list[str]:
    """What keeps a result from being placed in a like-for-like cell, with the flag that fixes it."""
    out = []
    if r.id.canonical is None:
        out.append(f"{r.id.language} {r.id.name!r} is not a benchmark of this comparison "
                   f"(put it under one with --map '{r.id.name}=BENCHMARK')")
    if r.id.mode == "unknown":
        hint = f" (T={r.id.threads} is from the {r.id.threads_source})" if r.id.threads is not None else ""
        out.append(
            f"{r.id.language} {r.id.name}: the output does not say whether it ran one worker or "
            f"several{hint} (declare it with --mode {r.id.language}=sequential, "
            f"--mode {r.id.language}=parallel or --mode {r.id.language}=parallel:T)"
        )
    elif r.id.threads is None:
        out.append(
            f"{r.id.language} {r.id.name}: the worker count is not in the output "
            f"(declare --mode {r.id.language}=sequential if it ran one worker, "
            f"--mode {r.id.language}=parallel:T if it ran T)"
        )
    return out


@dataclass
class Refusal:
    """A pair the normalizer will not compare, and why."""

    benchmark: str
    left: str
    right: str
    reason: str

    def __str__(self) -> str:
        return f"{self.benchmark}: {self.left} vs {self.right}: {self.reason}"


def refuse_reason(a: Result, b: Result) -> Optional[str]:
    """Why ``a`` and ``b`` must not be compared, or None when they are like for like."""
    problems = []
    if a.id.canonical != b.id.canonical:
        problems.append(f"different benchmarks ({a.id.canonical} vs {b.id.canonical})")
    if a.id.params != b.id.params:
        problems.append(f"different parameters ({param_text(a.id.params) or 'none'} vs "
                        f"{param_text(b.id.params) or 'none'})")
    if a.id.mode != b.id.mode:
        problems.append(f"different modes ({a.id.mode} vs {b.id.mode})")
    if a.id.threads != b.id.threads:
        problems.append(f"different worker counts ({_t(a)} vs {_t(b)})")
    if "unknown" in (a.id.mode, b.id.mode) or a.id.threads is None or b.id.threads is None:
        problems.append("mode or worker count unknown")
    if not problems:
        return None
    return "; ".join(dict.fromkeys(problems))


def _t(r: Result) -> str:
    return "unknown" if r.id.threads is None else str(r.id.threads)


@dataclass
class Cell:
    """One like-for-like cell: a benchmark, its parameters, a mode, a worker count, one result per language."""

    benchmark: str
    mode: str
    threads: int
    by_language: dict[str, Result] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Normalized:
    cells: list[Cell] = field(default_factory=list)
    not_comparable: list[tuple[Result, list[str]]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def normalize(results: list[Result], suite: Optional[Suite] = None) -> Normalized:
    """Group results into like-for-like cells; explain the rest. ``suite`` gives the order."""
    out = Normalized()
    index: dict[tuple, Cell] = {}

    def lang_order(lang: str) -> tuple:
        return (suite.order(lang) if suite else 0, lang)
    for r in results:
        missing = unknowns(r)
        if missing:
            out.not_comparable.append((r, missing))
            continue
        key = (r.id.canonical, tuple(sorted(r.id.params.items())), r.id.mode, r.id.threads)
        cell = index.get(key)
        if cell is None:
            cell = index[key] = Cell(r.id.canonical, r.id.mode, r.id.threads,  # type: ignore[arg-type]
                                     params=dict(r.id.params))
        if r.id.language in cell.by_language:
            out.duplicates.append(
                f"{side(r)} duplicates {side(cell.by_language[r.id.language])}; the first one is used"
            )
            continue
        cell.by_language[r.id.language] = r
    # Two languages that both measured a benchmark but never in the same
    # (mode, T) are exactly the pair someone would be tempted to make: refuse
    # it, with both sides named.
    by_bench: dict[str, list[Cell]] = {}
    for cell in index.values():
        by_bench.setdefault(cell.benchmark, []).append(cell)
    for bench, group in by_bench.items():
        langs = sorted({lang for c in group for lang in c.by_language}, key=lang_order)
        for i, l1 in enumerate(langs):
            for l2 in langs[i + 1:]:
                if any(l1 in c.by_language and l2 in c.by_language for c in group):
                    continue
                for c1 in group:
                    for c2 in group:
                        if l1 in c1.by_language and l2 in c2.by_language:
                            r1, r2 = c1.by_language[l1], c2.by_language[l2]
                            out.refused.append(Refusal(bench, side(r1), side(r2), refuse_reason(r1, r2) or ""))
    out.cells = sorted(index.values(), key=lambda c: cell_order(suite, c.benchmark, c.params, c.mode, c.threads))
    for c in out.cells:
        c.by_language = dict(sorted(c.by_language.items(), key=lambda kv: lang_order(kv[0])))
    return out


def cell_order(suite: Optional[Suite], benchmark: str, params: dict[str, str], mode: str, threads: int) -> tuple:
    """Report order: the suite's benchmark order, then its axis values' order, then T."""
    if suite is None:
        return (0, benchmark, sorted(params.items()), mode, threads)
    values = {a.name: a.values for a in suite.axes}
    axis_pos = tuple(values[k].index(v) if k in values and v in values[k] else len(values.get(k, []))
                     for k, v in sorted(params.items()))
    return (suite.benchmark_order(benchmark), benchmark, axis_pos, sorted(params.items()), mode, threads)
