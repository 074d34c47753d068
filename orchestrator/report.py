"""A run's results → the figures the report prints (no templates, no files).

``build(record)`` pairs results like for like (``normalize``), computes every
statistic from the raw samples (``stats``), corrects the whole table's tests
with Holm–Bonferroni, and returns plain data for the template. A verdict
("1.04× slower") is given only when the corrected test is significant;
otherwise the row says "no significant difference" with the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from orchestrator import normalize, stats
from orchestrator.models import INTEROP_KERNEL, LANGUAGES, Result, RunRecord, SyscallCount

PARALLEL = ("parallel-owned", "parallel-locked", "parallel-shared")
INTEROP_BENCHMARKS = ("floor", "sequential", "parallel-owned")
CV_LIMIT = 0.05
MIN_SAMPLES = 5


# --- number formatting -------------------------------------------------------


def sig(x: Optional[float], digits: int = 4) -> str:
    """``x`` to ``digits`` significant figures, without scientific notation for usual sizes."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "∞"
    if x == 0:
        return "0"
    exp = math.floor(math.log10(abs(x)))
    decimals = max(0, digits - 1 - exp)
    return f"{x:,.{decimals}f}"


def ratio_text(r: Optional[float]) -> str:
    return "–" if r is None or math.isnan(r) else f"{r:.3f}×"


def pct(x: Optional[float]) -> str:
    return "–" if x is None or math.isnan(x) else f"{100 * x:.1f}%"


# --- rows and tables -----------------------------------------------------------


@dataclass
class Row:
    language: str
    result: Result
    median: float
    ci_lo: float
    ci_hi: float
    ci_coverage: float
    n: int
    cv: float
    ratio: Optional[float] = None  # median / fastest median
    ratio_lo: Optional[float] = None
    ratio_hi: Optional[float] = None
    p: Optional[float] = None
    p_adj: Optional[float] = None
    verdict: str = ""
    fastest: bool = False
    mprotect_per_op: Optional[str] = None
    speedup: Optional[float] = None  # same language's sequential median / this median
    open_share: Optional[str] = None

    @property
    def ci(self) -> str:
        """The median's interval; its real coverage is named when it falls short of 95%."""
        text = f"[{sig(self.ci_lo)}, {sig(self.ci_hi)}]"
        if self.ci_coverage < 0.95:
            text += f" ({self.ci_coverage:.0%} CI: too few samples for 95%)"
        return text

    @property
    def ops_per_s(self) -> float:
        return 1e9 / self.median if self.median > 0 else math.inf

    @property
    def unstable(self) -> list[str]:
        out = []
        if self.cv > CV_LIMIT:
            out.append(f"CV {pct(self.cv)} > {pct(CV_LIMIT)}")
        if self.n < MIN_SAMPLES:
            out.append(f"{self.n} samples < {MIN_SAMPLES}")
        return out


@dataclass
class PairStat:
    """median(a) / median(b) for two languages of one table, with its tests."""

    a: str
    b: str
    ratio: float
    lo: float
    hi: float
    p: float
    p_adj: Optional[float] = None

    @property
    def significant(self) -> bool:
        return self.p_adj is not None and self.p_adj < stats.ALPHA


@dataclass
class Table:
    benchmark: str
    mode: str
    threads: int
    rows: list[Row] = field(default_factory=list)
    pairs: list[PairStat] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.benchmark}, T = {self.threads}"

    def row(self, language: str) -> Optional[Row]:
        for r in self.rows:
            if r.language == language:
                return r
        return None

    def pair(self, a: str, b: str) -> Optional[PairStat]:
        """The comparison of ``a`` over ``b`` (inverted when stored the other way round)."""
        for ps in self.pairs:
            if (ps.a, ps.b) == (a, b):
                return ps
            if (ps.a, ps.b) == (b, a):
                return PairStat(a, b, 1 / ps.ratio, 1 / ps.hi, 1 / ps.lo, ps.p, ps.p_adj)
        return None


def _row(result: Result) -> Row:
    xs = result.ns_per_op
    ci = stats.median_ci(xs)
    return Row(
        language=result.id.language,
        result=result,
        median=stats.median(xs),
        ci_lo=ci.lo,
        ci_hi=ci.hi,
        ci_coverage=ci.coverage,
        n=len(xs),
        cv=stats.cv(xs),
    )


def _table(cell: normalize.Cell) -> Table:
    rows = [_row(r) for _, r in sorted(cell.by_language.items(), key=lambda kv: LANGUAGES.index(kv[0]))]
    t = Table(cell.benchmark, cell.mode, cell.threads, rows)
    for i, ra in enumerate(rows):
        for rb in rows[i + 1:]:
            c = stats.compare(ra.result.ns_per_op, rb.result.ns_per_op)
            t.pairs.append(PairStat(ra.language, rb.language, c.ratio, c.interval.lo, c.interval.hi, c.p))
    if rows:
        fastest = min(rows, key=lambda r: r.median)
        fastest.fastest = True
        fastest.ratio = 1.0
    return t


def _verdicts(tables: list[Table]) -> None:
    """Holm–Bonferroni over every pairwise comparison in the report, then the words."""
    pairs = [ps for t in tables for ps in t.pairs]
    for ps, adj in zip(pairs, stats.holm([ps.p for ps in pairs])):
        ps.p_adj = adj
    for t in tables:
        fastest = next((r for r in t.rows if r.fastest), None)
        if fastest is None:
            continue
        others = [r for r in t.rows if not r.fastest]
        beaten = []
        for r in others:
            ps = t.pair(r.language, fastest.language)
            r.ratio, r.ratio_lo, r.ratio_hi, r.p, r.p_adj = ps.ratio, ps.lo, ps.hi, ps.p, ps.p_adj
            interval = f"[{ratio_text(ps.lo)}, {ratio_text(ps.hi)}]"
            if ps.significant:
                beaten.append(r.language)
                r.verdict = f"{ratio_text(ps.ratio)} slower than {fastest.language} {interval}"
            else:
                r.verdict = f"no significant difference from {fastest.language} {interval}"
        if not others:
            fastest.verdict = "only language measured"
        elif beaten:
            fastest.verdict = f"fastest (significantly faster than {', '.join(beaten)})"
        else:
            fastest.verdict = "fastest median, not significantly"


# --- the report's sections ------------------------------------------------------


@dataclass
class Breakdown:
    """Where one language's sequential time goes."""

    language: str
    floor: Row
    sequential: Row
    overhead_ns: float
    mprotect_share: float
    mprotect_per_op: Optional[str]


@dataclass
class NaiveLine:
    go_benchmark: str
    go_threads: int
    other: str
    go_median: float
    other_median: float
    naive_ratio: float  # other / go: "how many times slower the other looks"


@dataclass
class LikeLine:
    benchmark: str
    threads: int
    other: str
    text: str


@dataclass
class Naive:
    lines: list[NaiveLine]
    like_for_like: list[LikeLine]
    sentence: str


@dataclass
class Missing:
    language: str
    what: str
    reason: str
    log_path: Optional[str]


@dataclass
class CountCheck:
    """For parallel-shared: how the mprotect figure was obtained, per cell."""

    language: str
    threads: int
    calls_per_cycle: Optional[float]
    share: Optional[float]
    differenced: list[float]


@dataclass
class ReportData:
    record: RunRecord
    cpus: int
    headline: list[Table]
    all_tables: list[Table]
    breakdown: list[Breakdown]
    parallel: dict[str, list[Table]]
    naive: Optional[Naive]
    interop: list[dict]
    not_comparable: list[tuple[str, list[str]]]
    refused: list[str]
    duplicates: list[str]
    unstable: list[str]
    missing: list[Missing]
    count_checks: list[CountCheck] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)


def _syscall_text(sc: Optional[SyscallCount]) -> Optional[str]:
    if sc is None:
        return None
    if sc.method == "none":
        return f"not measured ({sc.reason})"
    if sc.calls_per_cycle is not None and sc.open_share:
        return f"{sc.calls_per_cycle * stats.median(sc.open_share):.2f}"
    vals = sc.per_op
    med = stats.median(vals)
    if max(vals) - min(vals) < 0.005:
        return f"{med:.2f}"
    return f"{med:.2f} (runs: {', '.join(f'{v:.2f}' for v in vals)})"


def _share_text(sc: Optional[SyscallCount]) -> Optional[str]:
    """Protection cycles per op: the share of ops that opened and closed the page themselves."""
    if sc is None or not sc.open_share:
        return None
    vals = sc.open_share
    return f"{stats.median(vals):.3f} (runs: {', '.join(f'{v:.3f}' for v in vals)})"


def build(record: RunRecord, cpus: Optional[int] = None) -> ReportData:
    cpus = cpus or record.environment.logical_cpus or max(record.parameters.threads)
    # The language tables compare the native harnesses; the interop rows
    # (python→go, python→rust) have their own section, against their kernel's
    # native row, so they neither crowd the verdicts nor dilute the correction.
    norm = normalize.normalize(record.results)
    native_cells = [normalize.Cell(c.benchmark, c.mode, c.threads,
                                   {k: v for k, v in c.by_language.items() if k not in INTEROP_KERNEL})
                    for c in norm.cells]
    tables = [_table(c) for c in native_cells if c.by_language]
    _verdicts(tables)
    sc_index = {(s.language, s.canonical, s.threads): s for s in record.syscalls}
    for t in tables:
        for r in t.rows:
            sc = sc_index.get((r.language, t.benchmark, t.threads))
            r.mprotect_per_op = _syscall_text(sc)
            r.open_share = _share_text(sc)

    def table(bench: str, threads: int) -> Optional[Table]:
        for t in tables:
            if t.benchmark == bench and t.threads == threads:
                return t
        return None

    headline = [t for t in (table("sequential", 1), *(table(p, cpus) for p in PARALLEL)) if t]

    breakdown = []
    floor_t, seq_t = table("floor", 1), table("sequential", 1)
    if floor_t and seq_t:
        for lang in LANGUAGES:
            f, s = floor_t.row(lang), seq_t.row(lang)
            if f and s:
                breakdown.append(Breakdown(lang, f, s, s.median - f.median, f.median / s.median,
                                           s.mprotect_per_op))

    parallel: dict[str, list[Table]] = {}
    for p in PARALLEL:
        ts = sorted((t for t in tables if t.benchmark == p), key=lambda t: t.threads)
        for t in ts:
            for r in t.rows:
                base = seq_t.row(r.language) if seq_t else None
                if base:
                    r.speedup = base.median / r.median if r.median > 0 else None
        if ts:
            parallel[p] = ts

    missing = _gaps(record)

    unstable = []
    for t in tables:
        for r in t.rows:
            if r.unstable:
                unstable.append(f"{r.language} {t.title}: {', '.join(r.unstable)}")

    return ReportData(
        record=record,
        cpus=cpus,
        headline=headline,
        all_tables=tables,
        breakdown=breakdown,
        parallel=parallel,
        naive=_naive(tables, cpus),
        interop=_interop(norm.cells),
        not_comparable=[(normalize.side(r), why) for r, why in norm.not_comparable],
        refused=[str(x) for x in norm.refused],
        duplicates=norm.duplicates,
        unstable=unstable,
        missing=missing,
        count_checks=[
            CountCheck(s.language, s.threads, s.calls_per_cycle,
                       stats.median(s.open_share) if s.open_share else None, s.per_op)
            for s in record.syscalls
            if s.canonical == "parallel-shared" and s.method != "none" and s.language not in INTEROP_KERNEL
        ],
    )


def _gaps(record: RunRecord) -> list[Missing]:
    """One line per requested cell that has no result or whose step failed, with the log."""
    params = record.parameters
    languages = list(params.languages) or sorted(
        {r.id.language for r in record.results} | {f.language for f in record.failures}, key=LANGUAGES.index)
    have = {(r.id.language, r.id.canonical, r.id.threads) for r in record.results}
    build_failed = {f.language: f for f in record.failures if f.step == "build"}
    cell_failed = {(f.language, f.benchmark, f.threads): f for f in record.failures if f.benchmark}
    out = []
    for lang in languages:
        for b, t in params.cells():
            what = f"{b} T={t}"
            failure = cell_failed.get((lang, b, t))
            if (lang, b, t) in have:
                if failure is not None:
                    out.append(Missing(lang, what, f"partial — {failure.message}; the samples saved "
                                                   "before it are used", failure.log_path))
            elif lang in build_failed:
                f = build_failed[lang]
                out.append(Missing(lang, what, f"not run — build failed: {f.message}", f.log_path))
            elif failure is not None:
                out.append(Missing(lang, what, f"failed — {failure.message}", failure.log_path))
            else:
                out.append(Missing(lang, what, "not run (no result in this run)", None))
    listed = {id(f) for f in build_failed.values()} | {id(f) for f in cell_failed.values()}
    for f in record.failures:
        if id(f) not in listed:
            out.append(Missing(f.language, f.step, f.message, f.log_path))
    return out


def _naive(tables: list[Table], cpus: int) -> Optional[Naive]:
    """Go's RunParallel at T = CPUs against the others' sequential, beside like for like."""
    seq = next((t for t in tables if t.benchmark == "sequential" and t.threads == 1), None)
    if seq is None or seq.row("go") is None:
        return None
    lines = []
    for p in PARALLEL:
        t = next((t for t in tables if t.benchmark == p and t.threads == cpus), None)
        if t is None or t.row("go") is None:
            continue
        g = t.row("go")
        for other in ("rust", "python"):
            o = seq.row(other)
            if o is not None:
                lines.append(NaiveLine(p, cpus, other, g.median, o.median, o.median / g.median))
    if not lines:
        return None
    like: list[LikeLine] = []
    for t in (seq, *(t for t in tables if t.benchmark in PARALLEL and t.threads == cpus)):
        g = t.row("go")
        if g is None:
            continue
        for other in ("rust", "python"):
            o = t.row(other)
            if o is not None:
                like.append(LikeLine(t.benchmark, t.threads, other, _rel(t, other)))
    sentences = [_naive_sentence(lines, seq, other, cpus) for other in ("rust", "python")
                 if any(line.other == other for line in lines)]
    sentences.append(
        f"The naive figure sets {cpus} workers' throughput against one worker's cost per op, "
        "so it measures the worker count and the benchmark, not the language."
    )
    return Naive(lines, like, " ".join(sentences))


def _rel(t: Table, other: str) -> str:
    """``other`` against go in one table: ratio of medians, interval, corrected significance."""
    ps = t.pair(other, "go")
    interval = f"[{ratio_text(ps.lo)}, {ratio_text(ps.hi)}]"
    if not ps.significant:
        return f"{ratio_text(ps.ratio)} {interval}, no significant difference"
    word = "slower" if ps.ratio > 1 else "faster"
    return f"{ratio_text(ps.ratio)} {interval}: {other} {word} than go"


def _naive_sentence(lines: list[NaiveLine], seq: Table, other: str, cpus: int) -> str:
    """One sentence per language, from the data: the worst naive ratio against the true one."""
    worst = max((line for line in lines if line.other == other), key=lambda line: line.naive_ratio)
    ps = seq.pair(other, "go")
    naive = looks(worst.naive_ratio)
    if ps.significant:
        truth = f"{other} is {looks(ps.ratio, ps.lo, ps.hi)} than go"
    else:
        truth = (f"{other} and go show no significant difference "
                 f"({ratio_text(ps.ratio)} [{ratio_text(ps.lo)}, {ratio_text(ps.hi)}])")
    return (
        f"Against Go's {worst.go_benchmark} run with b.RunParallel on {cpus} workers, {other}'s "
        f"one-worker sequential benchmark looks {naive}; like for like (both sequential, one "
        f"worker) {truth}."
    )


def looks(ratio: float, lo: Optional[float] = None, hi: Optional[float] = None) -> str:
    """A ratio of times as words: 3.02 → "3.02× slower", 0.96 → "1.04× faster".

    With an interval of the ratio, the interval follows in the same direction
    as the words (inverted for "faster").
    """
    if ratio >= 1:
        words, bounds = f"{ratio:.2f}× slower", (lo, hi)
    else:
        words, bounds = f"{1 / ratio:.2f}× faster", (1 / hi if hi else None, 1 / lo if lo else None)
    if bounds[0] is None or bounds[1] is None:
        return words
    return f"{words} [{bounds[0]:.3f}×, {bounds[1]:.3f}×]"


def _interop(cells: list[normalize.Cell]) -> list[dict]:
    """Per-op cost of calling a kernel from Python: (python→X) − (X's own), per cell."""
    out = []
    for c in cells:
        if c.benchmark not in INTEROP_BENCHMARKS:
            continue
        for via_lang, lang in INTEROP_KERNEL.items():
            via, native = c.by_language.get(via_lang), c.by_language.get(lang)
            if via is None or native is None:
                continue
            ci = stats.difference_ci(via.ns_per_op, native.ns_per_op)
            out.append({
                "benchmark": c.benchmark,
                "threads": c.threads,
                "backend": lang,
                "via": _row(via),
                "native": _row(native),
                "cost": stats.median(via.ns_per_op) - stats.median(native.ns_per_op),
                "lo": ci.lo,
                "hi": ci.hi,
            })
    return out
