"""A run's results → the figures the report prints (no templates, no files).

``build(record)`` pairs results like for like (``normalize``), computes every
statistic from the raw samples (``stats``), corrects the whole table's tests
with Holm–Bonferroni, and returns plain data for the template. A verdict
("1.04× slower") is given only when the corrected test is significant;
otherwise the row says "no significant difference" with the interval.

What the report holds comes from the record's suite: its benchmarks and
their order, which languages drive another's implementation (their own
section), and the optional sections the suite declares — a baseline ("where
the time goes"), the naive pairing, an exposure counter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

from orchestrator import derive, normalize, stats
from orchestrator.models import Result, RunRecord, Suite, SyscallCount, param_text

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
    events_per_op: Optional[str] = None
    speedup: Optional[float] = None  # same language's median at T = 1 / this median
    open_share: Optional[str] = None
    bytes_per_op: Optional[int] = None
    reference: Optional[str] = None  # this median / the reference language's, with its interval


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
    def mb_per_s(self) -> Optional[float]:
        """Throughput from the declared bytes per op (10^6 bytes per second), the same for every language."""
        if self.bytes_per_op is None:
            return None
        return self.bytes_per_op * 1e3 / self.median if self.median > 0 else math.inf

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
    too_few: Optional[str] = None  # why these sample counts cannot support a verdict

    @property
    def significant(self) -> bool:
        return self.too_few is None and self.p_adj is not None and self.p_adj < stats.ALPHA


@dataclass
class Table:
    benchmark: str
    mode: str
    threads: int
    rows: list[Row] = field(default_factory=list)
    pairs: list[PairStat] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        """``hash (size=64)``: the benchmark and its parameters besides T."""
        return f"{self.benchmark} ({param_text(self.params)})" if self.params else self.benchmark

    @property
    def title(self) -> str:
        return f"{self.subject}, T = {self.threads}"

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
                return PairStat(a, b, 1 / ps.ratio, 1 / ps.hi, 1 / ps.lo, ps.p, ps.p_adj, ps.too_few)
        return None


def _row(result: Result, bytes_per_op: Optional[int] = None) -> Row:
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
        bytes_per_op=bytes_per_op,
    )


def bytes_per_op(suite: Suite, benchmark: str, params: dict[str, str]) -> Optional[int]:
    """The bytes one op processes, from the benchmark's declaration (an axis or a number)."""
    bench = suite.benchmark(benchmark)
    if bench is None or bench.bytes_per_op is None:
        return None
    text = params.get(bench.bytes_per_op, bench.bytes_per_op)
    return int(text) if str(text).isdigit() else None


def _table(cell: normalize.Cell, suite: Suite) -> Table:
    size = bytes_per_op(suite, cell.benchmark, cell.params)
    rows = [_row(r, size) for r in cell.by_language.values()]
    t = Table(cell.benchmark, cell.mode, cell.threads, rows, params=dict(cell.params))
    for i, ra in enumerate(rows):
        for rb in rows[i + 1:]:
            c = stats.compare(ra.result.ns_per_op, rb.result.ns_per_op)
            t.pairs.append(PairStat(ra.language, rb.language, c.ratio, c.interval.lo, c.interval.hi, c.p,
                                    too_few=too_few(ra.n, rb.n)))
    if rows:
        fastest = min(rows, key=lambda r: r.median)
        fastest.fastest = True
        fastest.ratio = 1.0
    return t


def too_few(n1: int, n2: int) -> Optional[str]:
    """Why samples of sizes n1 and n2 cannot support a verdict, or None when they can.

    A verdict needs a test that could reject at all (the smallest p a
    Mann–Whitney test can reach with these sizes must be below α) and, on each
    side, enough samples for the median's 95% interval — benchstat's rule of 4
    to test and 6 for an interval, derived here from the statistics themselves.
    """
    need_ci = stats.median_ci_min_samples(0.95)
    need_test = stats.mann_whitney_min_samples(stats.ALPHA)
    if min(n1, n2) < need_ci or not stats.mann_whitney_can_reject(n1, n2, stats.ALPHA):
        return (f"too few samples to compare (n = {n1} vs {n2}; a verdict needs at least "
                f"{max(need_ci, need_test)} on each side)")
    return None


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
            if ps.too_few:
                r.verdict = ps.too_few
            elif ps.significant:
                beaten.append(r.language)
                r.verdict = f"{ratio_text(ps.ratio)} slower than {fastest.language} {interval}"
            else:
                r.verdict = f"no significant difference from {fastest.language} {interval}"
        if not others:
            fastest.verdict = "only language measured"
        elif all(t.pair(r.language, fastest.language).too_few for r in others):
            fastest.verdict = "fastest median; too few samples to compare"
        elif beaten:
            fastest.verdict = f"fastest (significantly faster than {', '.join(beaten)})"
        else:
            fastest.verdict = "fastest median, not significantly"


def _reference(tables: list[Table], ref: str) -> None:
    """Every row's ratio to the reference language's row of its table, with the bootstrap interval."""
    for t in tables:
        if t.row(ref) is None:
            continue
        for r in t.rows:
            if r.language == ref:
                r.reference = "1 (reference)"
                continue
            ps = t.pair(r.language, ref)
            r.reference = f"{ratio_text(ps.ratio)} [{ratio_text(ps.lo)}, {ratio_text(ps.hi)}]"


# --- the report's sections ------------------------------------------------------


@dataclass
class Breakdown:
    """Where one language's time goes: the suite's baseline benchmark inside another."""

    language: str
    floor: Row
    sequential: Row
    overhead_ns: float
    share: float
    events_per_op: Optional[str]
    ratio: str = ""  # the second benchmark's median over the baseline's, with its bootstrap interval


@dataclass
class Rung:
    """One step of the ladder: a language's bare benchmark (or a further rung), with its interval."""

    language: str
    benchmark: str
    row: Row
    vs_reference: Optional[str] = None  # ratio of medians to the reference language's bare benchmark


@dataclass
class NaiveLine:
    benchmark: str
    threads: int
    other: str
    parallel_median: float
    other_median: float
    naive_ratio: float  # other / parallel: "how many times slower the other looks"


@dataclass
class LikeLine:
    benchmark: str
    threads: int
    other: str
    text: str


@dataclass
class Naive:
    language: str
    against: str
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
    """For an exposure benchmark: how the counted figure was obtained, per cell."""

    language: str
    threads: int
    calls_per_cycle: Optional[float]
    share: Optional[float]
    differenced: list[float]
    benchmark: str = ""


@dataclass
class Headline:
    """Which T the parallel headline uses, and why."""

    threads: Optional[int]
    note: str


@dataclass
class ReportData:
    record: RunRecord
    suite: Suite
    derived: bool
    cpus: Optional[int]
    head: Headline
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
    ladder: list[Rung] = field(default_factory=list)
    imprecise: list[str] = field(default_factory=list)

    @property
    def ladder_anchored(self) -> bool:
        """Whether the ladder's rungs are set against the reference language's baseline."""
        return any(r.vs_reference for r in self.ladder)

    @property
    def throughput(self) -> bool:
        return any(r.bytes_per_op is not None for t in self.all_tables for r in t.rows)


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
    """Cycles per op: the share of ops that paid for a whole cycle of the counted calls themselves."""
    if sc is None or not sc.open_share:
        return None
    vals = sc.open_share
    return f"{stats.median(vals):.3f} (runs: {', '.join(f'{v:.3f}' for v in vals)})"


def headline_threads(measured: list[int], cpus: Optional[int]) -> Headline:
    """The parallel headline's T: the largest measured T that does not exceed the logical CPUs."""
    if not measured:
        return Headline(None, "no parallel benchmark was measured")
    if cpus is None:
        t = max(measured)
        return Headline(t, f"T = {t}, the largest measured (the machine's CPU count is unknown)")
    fitting = [t for t in measured if t <= cpus]
    if not fitting:
        t = min(measured)
        return Headline(t, f"T = {t}, the smallest measured: every measured T exceeds the {cpus} logical CPUs")
    t = max(fitting)
    if t == cpus:
        return Headline(t, f"T = {t} uses every one of the {cpus} logical CPUs")
    return Headline(t, f"T = {t}, the largest measured T that does not exceed the {cpus} logical CPUs")


def build(record: RunRecord) -> ReportData:
    suite = record.suite
    derived = suite is None
    if suite is None:
        suite = derive.from_results(record.results)
    cpus = record.environment.logical_cpus
    # The language tables compare the languages that run their own
    # implementation; a language that drives another's (e.g. Python calling
    # the Go library) has its own section, against that language's native
    # row, so it neither crowds the verdicts nor dilutes the correction.
    drivers = {lang.name: lang.calls for lang in suite.languages if lang.calls}
    norm = normalize.normalize(record.results, suite)
    native_cells = [normalize.Cell(c.benchmark, c.mode, c.threads,
                                   {k: v for k, v in c.by_language.items() if k not in drivers}, dict(c.params))
                    for c in norm.cells]
    tables = [_table(c, suite) for c in native_cells if c.by_language]
    _verdicts(tables)
    if suite.report.reference:
        _reference(tables, suite.report.reference)
    sc_index = {(s.language, s.canonical, tuple(sorted(s.params.items())), s.threads): s for s in record.syscalls}
    for t in tables:
        for r in t.rows:
            sc = sc_index.get((r.language, t.benchmark, tuple(sorted(t.params.items())), t.threads))
            r.events_per_op = _syscall_text(sc)
            r.open_share = _share_text(sc)

    def table(bench: str, params: dict[str, str], threads: int) -> Optional[Table]:
        for t in tables:
            if t.benchmark == bench and t.params == params and t.threads == threads:
                return t
        return None

    head = headline_threads(sorted({t.threads for t in tables if t.mode == "parallel"}), cpus)
    # a benchmark that only some languages run (a diagnostic rung) stays out of the headline
    shared = {b.name for b in suite.benchmarks if b.languages is None}
    headline = [t for t in tables if t.benchmark in shared and ((t.mode == "sequential" and t.threads == 1)
                or (t.mode == "parallel" and t.threads == head.threads))]

    breakdown = []
    base = suite.report.baseline
    if base:
        for ft in (t for t in tables if t.benchmark == base.benchmark and t.threads == 1):
            st = table(base.of, ft.params, 1)
            if st is None:
                continue
            for f in ft.rows:
                sr = st.row(f.language)
                if sr:
                    a, b = sr.result.ns_per_op, f.result.ns_per_op
                    ci = stats.ratio_ci(a, b)
                    breakdown.append(Breakdown(
                        f.language, f, sr, sr.median - f.median, f.median / sr.median, sr.events_per_op,
                        f"{ratio_text(stats.ratio_of_medians(a, b))} [{ratio_text(ci.lo)}, {ratio_text(ci.hi)}]"))

    ladder = _ladder(suite, tables) if base else []

    parallel: dict[str, list[Table]] = {}
    for t in tables:
        if t.mode != "parallel":
            continue
        parallel.setdefault(t.subject, []).append(t)
    for subject, ts in parallel.items():
        ts.sort(key=lambda t: t.threads)
        one = next((t for t in ts if t.threads == 1), None)
        for t in ts:
            for r in t.rows:
                base_row = one.row(r.language) if one else None
                if base_row and r.median > 0:
                    r.speedup = base_row.median / r.median

    unstable = []
    for t in tables:
        for r in t.rows:
            if r.unstable:
                unstable.append(f"{r.language} {t.title}: {', '.join(r.unstable)}")

    exposure = suite.report.exposure
    return ReportData(
        record=record,
        suite=suite,
        derived=derived,
        cpus=cpus,
        head=head,
        headline=headline,
        all_tables=tables,
        breakdown=breakdown,
        parallel=parallel,
        naive=_naive(suite, tables, head.threads),
        interop=_interop(suite, norm.cells, record.syscalls),
        not_comparable=[(normalize.side(r), why) for r, why in norm.not_comparable],
        refused=[str(x) for x in norm.refused],
        duplicates=norm.duplicates,
        unstable=unstable,
        missing=_gaps(record, suite) if not derived else [],
        ladder=ladder,
        imprecise=_imprecise(record, tables),
        count_checks=[
            CountCheck(s.language, s.threads, s.calls_per_cycle,
                       stats.median(s.open_share) if s.open_share else None, s.per_op, s.canonical)
            for s in sorted(record.syscalls, key=lambda s: (suite.order(s.language), s.threads))
            if exposure and s.canonical in exposure.benchmarks and s.method != "none" and s.language not in drivers
        ],
    )


def _imprecise(record: RunRecord, tables: list[Table]) -> list[str]:
    """Rows whose median interval stayed wider than the run's precision target, with the precision reached."""
    target = record.parameters.precision
    if not target:
        return []
    out = []
    for t in tables:
        for r in t.rows:
            half = (r.ci_hi - r.ci_lo) / 2 / r.median if r.median > 0 else math.inf
            if half > target:
                out.append(f"{r.language} {t.title}: ±{pct(half)} after {r.n} samples")
    return out


def _ladder(suite: Suite, tables: list[Table]) -> list[Rung]:
    """The baseline benchmark of every language and the suite's further rungs, cheapest first.

    Each rung's ratio is to the reference language's baseline, with a
    bootstrap interval: what is kernel, what is runtime, what is library.
    """
    base = suite.report.baseline
    rungs = []
    for name in [base.benchmark, *base.rungs]:
        for t in tables:
            if t.benchmark == name and t.threads == 1 and not t.params:
                rungs += [Rung(r.language, name, r) for r in t.rows]
    if len({r.benchmark for r in rungs}) < 2 and len(rungs) < 2:
        return []
    ref = suite.report.reference
    anchor = next((r for r in rungs if r.language == ref and r.benchmark == base.benchmark), None)
    for r in rungs:
        if anchor is not None and r is not anchor:
            ci = stats.ratio_ci(r.row.result.ns_per_op, anchor.row.result.ns_per_op)
            ratio = stats.ratio_of_medians(r.row.result.ns_per_op, anchor.row.result.ns_per_op)
            r.vs_reference = f"{ratio_text(ratio)} [{ratio_text(ci.lo)}, {ratio_text(ci.hi)}]"
        elif r is anchor:
            r.vs_reference = "1 (reference)"
    return sorted(rungs, key=lambda r: r.row.median)


def _gaps(record: RunRecord, suite: Suite) -> list[Missing]:
    """One line per requested cell that has no result or whose step failed, with the log."""
    params = record.parameters
    languages = list(params.languages) or sorted(
        {r.id.language for r in record.results} | {f.language for f in record.failures}, key=suite.order)
    have = {(r.id.language, r.id.canonical, tuple(sorted(r.id.params.items())), r.id.threads)
            for r in record.results}
    stopped = {f.language: f for f in record.failures if f.step in ("build", "verify")}
    cell_failed = {(f.language, f.benchmark, tuple(sorted(f.params.items())), f.threads): f
                   for f in record.failures if f.benchmark}
    out = []
    for lang in languages:
        for cell in suite.cells(params):
            if lang in suite.language_names() and not suite.runs(lang, cell.benchmark):
                continue
            key = (lang, cell.benchmark, tuple(sorted(cell.params.items())), cell.threads)
            what = cell.label()
            failure = cell_failed.get(key)
            if key in have:
                if failure is not None:
                    out.append(Missing(lang, what, f"partial — {failure.message}; the samples saved "
                                                   "before it are used", failure.log_path))
            elif lang in stopped:
                f = stopped[lang]
                why = "not run — build failed" if f.step == "build" else "not run"
                out.append(Missing(lang, what, f"{why}: {f.message}", f.log_path))
            elif failure is not None:
                out.append(Missing(lang, what, f"failed — {failure.message}", failure.log_path))
            else:
                out.append(Missing(lang, what, "not run (no result in this run)", None))
    listed = {id(f) for f in stopped.values()} | {id(f) for f in cell_failed.values()}
    for f in record.failures:
        if id(f) not in listed:
            out.append(Missing(f.language, f.step, f.message, f.log_path))
    return out


def _naive(suite: Suite, tables: list[Table], threads: Optional[int]) -> Optional[Naive]:
    """One language's parallel benchmarks at the headline T against the others' one-worker benchmark."""
    spec = suite.report.naive
    if spec is None or threads is None:
        return None
    lead = spec.language
    seqs = [t for t in tables if t.benchmark == spec.against and t.threads == 1]
    pars = [t for t in tables if t.mode == "parallel" and t.threads == threads and t.row(lead) is not None]
    lines = []
    for p in pars:
        for seq in seqs:
            if seq.params != p.params and seq.params:
                continue
            for o in seq.rows:
                if o.language != lead:
                    g = p.row(lead)
                    lines.append(NaiveLine(p.subject, threads, o.language, g.median, o.median, o.median / g.median))
    if not lines:
        return None
    others = [lang for lang in suite.language_names() if any(line.other == lang for line in lines)]
    like: list[LikeLine] = []
    for t in (*seqs, *pars):
        if t.row(lead) is None:
            continue
        for other in others:
            if t.row(other) is not None:
                like.append(LikeLine(t.subject, t.threads, other, _rel(t, other, lead)))
    sentences = [_naive_sentence(lines, seqs, other, lead, spec.against, threads) for other in others]
    sentences.append(
        f"The naive figure sets {threads} workers' throughput against one worker's cost per op, "
        "so it measures the worker count and the benchmark, not the language."
    )
    return Naive(lead, spec.against, lines, like, " ".join(s for s in sentences if s))


def _rel(t: Table, other: str, lead: str) -> str:
    """``other`` against ``lead`` in one table: ratio of medians, interval, corrected significance."""
    ps = t.pair(other, lead)
    interval = f"[{ratio_text(ps.lo)}, {ratio_text(ps.hi)}]"
    if ps.too_few:
        return f"{ratio_text(ps.ratio)} {interval}, {ps.too_few}"
    if not ps.significant:
        return f"{ratio_text(ps.ratio)} {interval}, no significant difference"
    word = "slower" if ps.ratio > 1 else "faster"
    return f"{ratio_text(ps.ratio)} {interval}: {other} {word} than {lead}"


def _naive_sentence(lines: list[NaiveLine], seqs: list[Table], other: str, lead: str, against: str,
                    threads: int) -> str:
    """One sentence per language, from the data: the worst naive ratio against the true one."""
    worst = max((line for line in lines if line.other == other), key=lambda line: line.naive_ratio)
    seq = next((t for t in seqs if t.row(other) is not None and t.row(lead) is not None), None)
    if seq is None:
        return ""
    ps = seq.pair(other, lead)
    naive = looks(worst.naive_ratio)
    if ps.too_few:
        truth = f"{other} and {lead} cannot be told apart here: {ps.too_few}"
    elif ps.significant:
        truth = f"{other} is {looks(ps.ratio, ps.lo, ps.hi)} than {lead}"
    else:
        truth = (f"{other} and {lead} show no significant difference "
                 f"({ratio_text(ps.ratio)} [{ratio_text(ps.lo)}, {ratio_text(ps.hi)}])")
    return (
        f"Against {lead}'s {worst.benchmark} run on {threads} workers, {other}'s "
        f"one-worker {against} benchmark looks {naive}; like for like (both {against}, one "
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


def _interop(suite: Suite, cells: list[normalize.Cell], syscalls: list[SyscallCount]) -> list[dict]:
    """Per-op cost of driving another language's implementation: (driver) − (that language's own), per cell.

    A parallel row measures the driving language's threads driving the
    implementation, which is not the implementation's own parallelism, so
    the difference is not only the boundary; the row says so. A cost whose
    whole interval lies below zero is explained with the evidence the run
    has: the counted calls per op on both sides, and how each side's cost per
    op grows from T = 1 to this T (less growth: less contention).
    """
    out = []
    index = {(c.benchmark, tuple(sorted(c.params.items())), c.threads): c for c in cells}
    counts = {(s.language, s.canonical, tuple(sorted(s.params.items())), s.threads): s for s in syscalls}
    event = suite.events.label if suite.events else None
    for c in cells:
        for lang in suite.languages:
            if lang.calls is None:
                continue
            via, native = c.by_language.get(lang.name), c.by_language.get(lang.calls)
            if via is None or native is None:
                continue
            ci = stats.difference_ci(via.ns_per_op, native.ns_per_op)
            cost = stats.median(via.ns_per_op) - stats.median(native.ns_per_op)
            row = {
                "benchmark": c.benchmark if not c.params else f"{c.benchmark} ({param_text(c.params)})",
                "threads": c.threads,
                "mode": c.mode,
                "language": lang.name,
                "backend": lang.calls,
                "via": _row(via),
                "native": _row(native),
                "cost": cost,
                "lo": ci.lo,
                "hi": ci.hi,
                "caveat": (f"{lang.display or lang.name} threads driving the {_name(suite, lang.calls)} "
                           f"{suite.report.driven} (T = {c.threads}), not the {suite.report.driven}'s own "
                           "parallelism" if c.mode == "parallel" else ""),
                "why": "",
            }
            if ci.hi < 0:
                row["why"] = _negative_cost(lang.name, lang.calls, c, index, counts, event, cost, ci)
            out.append(row)
    return out


def _name(suite: Suite, language: str) -> str:
    lang = suite.language(language)
    return lang.display or lang.name


def _negative_cost(via: str, native: str, c: normalize.Cell, index: dict, counts: dict, event: Optional[str],
                   cost: float, ci: stats.Interval) -> str:
    """Words and figures for a boundary cost whose interval lies below zero."""
    key = tuple(sorted(c.params.items()))
    words = [f"{via} {c.benchmark} T = {c.threads}: the boundary cost {sig(cost, 3)} ns "
             f"[{sig(ci.lo, 3)}, {sig(ci.hi, 3)}] lies below zero. That is no free lunch: the two rows do "
             f"not run the same schedule."]
    if event:
        sa, sb = counts.get((via, c.benchmark, key, c.threads)), counts.get((native, c.benchmark, key, c.threads))
        if sa and sb and sa.per_op and sb.per_op:
            words.append(f"{event} per op: {_syscall_text(sa)} through {via}, {_syscall_text(sb)} natively "
                         "(the same work per op).")
        else:
            words.append(f"{event} per op were not counted for this cell in this run.")
    one = index.get((c.benchmark, key, 1))
    if c.threads > 1 and one and via in one.by_language and native in one.by_language:
        grow_via = stats.median(c.by_language[via].ns_per_op) / stats.median(one.by_language[via].ns_per_op)
        grow_nat = stats.median(c.by_language[native].ns_per_op) / stats.median(one.by_language[native].ns_per_op)
        words.append(f"From T = 1 to T = {c.threads} the cost per op grows {grow_nat:.2f}× natively but "
                     f"{grow_via:.2f}× through {via}: the driving threads spend part of every op outside the "
                     "implementation, so fewer of them are inside it at once, and less contention makes each op "
                     "cheaper.")
    return " ".join(words)
