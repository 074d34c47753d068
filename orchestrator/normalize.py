"""Raw results → like-for-like comparisons; mismatched pairs are refused.

Two results are comparable only when they are the same canonical benchmark,
run in the same mode, with the same worker count T (methodology.md §1). This
module groups results into such cells, says why a result could not be placed
(unknown name, unknown mode, unknown T), and refuses pairs across modes or
worker counts with a reason naming both sides.

Declarations fill what output alone cannot tell: ``--mode go=parallel``
says a Go benchmark ran under ``b.RunParallel`` (so its ``-8`` suffix is
8 workers), ``rust=sequential`` says a criterion bench ran one worker. A
name that does not normalize can be mapped with ``--map NAME=canonical``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from orchestrator import names
from orchestrator.models import CANONICAL_BENCHMARKS, LANGUAGES, Result

MODES = ("sequential", "parallel")


class DeclarationError(ValueError):
    """A --mode or --map value that cannot be used; the message names it."""


def parse_modes(text: Optional[str]) -> dict[str, str]:
    """``go=parallel,rust=sequential`` → {"go": "parallel", "rust": "sequential"}."""
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(","):
        lang, sep, mode = part.strip().partition("=")
        if not sep:
            raise DeclarationError(f"--mode: {part!r} is not LANGUAGE=MODE (e.g. go=parallel)")
        if lang not in LANGUAGES:
            raise DeclarationError(f"--mode: unknown language {lang!r} (allowed: {', '.join(LANGUAGES)})")
        if mode not in MODES:
            raise DeclarationError(f"--mode: unknown mode {mode!r} for {lang} (allowed: {', '.join(MODES)})")
        out[lang] = mode
    return out


def parse_mapping(text: Optional[str]) -> dict[str, str]:
    """``BenchmarkGuard=sequential,bench_guard=sequential`` → name → canonical."""
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.split(","):
        name, sep, canon = part.strip().partition("=")
        if not sep or not name:
            raise DeclarationError(f"--map: {part!r} is not NAME=CANONICAL")
        if canon not in CANONICAL_BENCHMARKS:
            raise DeclarationError(
                f"--map: {canon!r} is not a canonical benchmark (allowed: {', '.join(CANONICAL_BENCHMARKS)})"
            )
        out[name] = canon
    return out


def declare(
    results: list[Result],
    modes: Optional[dict[str, str]] = None,
    mapping: Optional[dict[str, str]] = None,
) -> list[Result]:
    """Apply user declarations to results read from the user's own files.

    A declared mode replaces ``unknown``; a declared ``sequential`` means one
    worker whatever GOMAXPROCS was; ``parallel`` takes the worker count from
    the harness notation (and leaves it unknown when there is none). A
    declaration never overrides a mode the output itself stated.
    """
    modes = modes or {}
    out = []
    for r in results:
        ident = r.id
        update: dict = {}
        if mapping:
            canon = names.canonical(ident.name, mapping)
            if canon != ident.canonical:
                update["canonical"] = canon
        declared = modes.get(ident.language)
        if declared and ident.mode == "unknown":
            update["mode"] = declared
            if declared == "sequential":
                update["threads"] = 1
                update["threads_source"] = f"declared --mode {ident.language}=sequential (one worker)"
            else:
                update["threads_source"] = f"{ident.threads_source}; declared --mode {ident.language}=parallel"
        if update:
            r = r.model_copy(update={"id": ident.model_copy(update=update)})
        out.append(r)
    return out


def side(r: Result) -> str:
    """How a result is named in a reason: language, harness name, mode and T."""
    t = "T unknown" if r.id.threads is None else f"T={r.id.threads}"
    mode = "mode unknown" if r.id.mode == "unknown" else r.id.mode
    return f"{r.id.language} {r.id.name} ({mode}, {t})"


def unknowns(r: Result) -> list[str]:
    """What keeps a result from being placed in a like-for-like cell, with the flag that fixes it."""
    out = []
    if r.id.canonical is None:
        out.append(
            f"{r.id.language} {r.id.name!r} does not name a canonical benchmark "
            f"(declare it with --map {r.id.name}=<one of {', '.join(CANONICAL_BENCHMARKS)}>)"
        )
    if r.id.mode == "unknown":
        hint = f" (T={r.id.threads} is from the {r.id.threads_source})" if r.id.threads is not None else ""
        out.append(
            f"{r.id.language} {r.id.name}: the output does not say whether it ran one worker or "
            f"several{hint} (declare it with --mode {r.id.language}=sequential or "
            f"--mode {r.id.language}=parallel)"
        )
    elif r.id.threads is None:
        out.append(
            f"{r.id.language} {r.id.name}: the worker count is not in the output "
            f"(declare --mode {r.id.language}=sequential if it ran one worker)"
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
    """One like-for-like cell: a benchmark, a mode, a worker count, one result per language."""

    benchmark: str
    mode: str
    threads: int
    by_language: dict[str, Result] = field(default_factory=dict)


@dataclass
class Normalized:
    cells: list[Cell] = field(default_factory=list)
    not_comparable: list[tuple[Result, list[str]]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def normalize(results: list[Result]) -> Normalized:
    """Group results into like-for-like cells; explain the rest."""
    out = Normalized()
    index: dict[tuple, Cell] = {}
    for r in results:
        missing = unknowns(r)
        if missing:
            out.not_comparable.append((r, missing))
            continue
        key = (r.id.canonical, r.id.mode, r.id.threads)
        cell = index.get(key)
        if cell is None:
            cell = index[key] = Cell(r.id.canonical, r.id.mode, r.id.threads)  # type: ignore[arg-type]
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
        langs = sorted({lang for c in group for lang in c.by_language}, key=LANGUAGES.index)
        for i, l1 in enumerate(langs):
            for l2 in langs[i + 1:]:
                if any(l1 in c.by_language and l2 in c.by_language for c in group):
                    continue
                for c1 in group:
                    for c2 in group:
                        if l1 in c1.by_language and l2 in c2.by_language:
                            r1, r2 = c1.by_language[l1], c2.by_language[l2]
                            out.refused.append(Refusal(bench, side(r1), side(r2), refuse_reason(r1, r2) or ""))
    out.cells = sorted(
        index.values(),
        key=lambda c: (CANONICAL_BENCHMARKS.index(c.benchmark), c.mode, c.threads),
    )
    return out
