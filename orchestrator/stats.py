"""Statistics over benchmark samples: pure functions over lists of floats.

The median is the centre everywhere, because benchmark samples are not
normal: they are skewed right (interrupts, page faults, a neighbour's burst)
and often multi-modal. Every interval here is distribution-free:

- the median's 95% interval comes from order statistics (the binomial
  argument: the number of samples below the true median is Binomial(n, ½));
- a ratio of medians gets a percentile-bootstrap interval with a fixed seed,
  so the same samples always give the same report;
- two samples are compared with the Mann–Whitney U test, and a table of
  comparisons is corrected with Holm–Bonferroni.

These functions compute; they do not decide what to print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

ALPHA = 0.05
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20261127


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float
    coverage: float  # the confidence actually achieved (order statistics are discrete)


def median(xs: Sequence[float]) -> float:
    if len(xs) == 0:
        raise ValueError("median of no samples")
    return float(np.median(np.asarray(xs, dtype=float)))


def median_ci(xs: Sequence[float], confidence: float = 0.95) -> Interval:
    """Distribution-free interval for the median from order statistics.

    Picks the narrowest symmetric pair (x_(j), x_(n+1-j)) whose coverage
    P(j+1 ≤ B ≤ n−j−1), B ~ Binomial(n, ½), is at least ``confidence``. With too
    few samples no pair reaches it; then the interval is (min, max) and
    ``coverage`` says what it really is (e.g. 0.75 for 3 samples).
    """
    n = len(xs)
    if n == 0:
        raise ValueError("interval of no samples")
    s = sorted(float(x) for x in xs)
    best = (0, 1.0 - 2 * 0.5 ** n)  # (x_(1), x_(n)) as a 0-based index
    for j in range(1, n // 2 + 1):
        # (x_(j+1), x_(n-j)), 1-based, holds the median when j+1 ≤ B ≤ n−j−1
        cov = _half_binomial_cdf(n - j - 1, n) - _half_binomial_cdf(j, n)
        if cov >= confidence:
            best = (j, cov)
        else:
            break
    j, cov = best
    if n == 1:
        cov = 0.0
    return Interval(s[j], s[n - 1 - j], cov)


def _half_binomial_cdf(k: int, n: int) -> float:
    """P(B ≤ k) for B ~ Binomial(n, ½), exactly (integer counts, one division)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n


def cv(xs: Sequence[float]) -> float:
    """Coefficient of variation: sample standard deviation / mean (0 for one sample)."""
    a = np.asarray(xs, dtype=float)
    if len(a) < 2 or a.mean() == 0:
        return 0.0
    return float(a.std(ddof=1) / a.mean())


def ratio_of_medians(a: Sequence[float], b: Sequence[float]) -> float:
    """median(a) / median(b)."""
    mb = median(b)
    if mb == 0:
        return math.inf
    return median(a) / mb


def _bootstrap_medians(a, b, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Medians of ``resamples`` independent resamples of ``a`` and of ``b``."""
    rng = np.random.default_rng(seed)
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    ma = np.median(xa[rng.integers(0, len(xa), size=(resamples, len(xa)))], axis=1)
    mb = np.median(xb[rng.integers(0, len(xb), size=(resamples, len(xb)))], axis=1)
    return ma, mb


def ratio_ci(
    a: Sequence[float],
    b: Sequence[float],
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """Percentile-bootstrap interval of median(a) / median(b).

    Both samples are resampled independently; the seed is fixed so the same
    data always gives the same interval.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _bootstrap_interval(a, b, np.divide, confidence, resamples, seed)


def difference_ci(
    a: Sequence[float],
    b: Sequence[float],
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> Interval:
    """Percentile-bootstrap interval of median(a) − median(b), fixed seed."""
    return _bootstrap_interval(a, b, np.subtract, confidence, resamples, seed)


def _bootstrap_interval(a, b, combine, confidence: float, resamples: int, seed: int) -> Interval:
    """Percentile interval of combine(median(a*), median(b*)) over independent resamples."""
    ma, mb = _bootstrap_medians(a, b, resamples, seed)
    values = combine(ma, mb)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return Interval(math.nan, math.nan, confidence)
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(values, [tail, 1 - tail])
    return Interval(float(lo), float(hi), confidence)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann–Whitney U p-value (exact for small samples without ties)."""
    if len(a) == 0 or len(b) == 0:
        raise ValueError("Mann–Whitney U needs samples on both sides")
    if len(set(a) | set(b)) == 1:
        return 1.0
    n1, n2 = len(a), len(b)
    ranks, ties = _average_ranks([*a, *b])
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    if (n1 <= 8 or n2 <= 8) and not ties:
        # exact: the share of the C(n1+n2, n1) equally likely orderings whose U is at least u
        counts = _u_counts(n1, n2)
        p = 2 * sum(counts[round(u):]) / math.comb(n1 + n2, n1)
    else:
        # normal approximation with the tie correction and a continuity correction of ½
        n = n1 + n2
        tie_term = sum(t ** 3 - t for t in ties)
        sd = math.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        p = math.erfc((u - n1 * n2 / 2 - 0.5) / sd / math.sqrt(2))
    return min(1.0, max(0.0, p))


def _average_ranks(xs: list[float]) -> tuple[list[float], list[int]]:
    """Ranks 1..n with ties given their average rank, and the size of every tied group (> 1)."""
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return ranks, ties


def _u_counts(n1: int, n2: int) -> list[int]:
    """How many orderings of n1 + n2 distinct values give each U = 0 … n1·n2.

    The generating function of U is the Gaussian binomial coefficient
    [n1+n2 choose n1] in q; it is built here one factor at a time.
    """
    counts = [1]  # the polynomial 1
    for i in range(1, n1 + 1):
        # multiply by (1 − q^(n2+i)) / (1 − q^i): exact, the division has no remainder
        top = n2 + i
        grown = counts + [0] * top
        for k in range(len(grown) - 1, top - 1, -1):
            grown[k] -= grown[k - top]
        out = [0] * (len(grown) - i)
        for k in range(len(out)):
            out[k] = grown[k] + (out[k - i] if k >= i else 0)
        counts = out
    return counts


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order.

    Compare each adjusted value with α: it controls the family-wise error
    over the whole table, not test by test.
    """
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        value = min(1.0, (m - rank) * pvalues[i])
        running = max(running, value)
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class Comparison:
    """median(a) / median(b) with its interval and test, before correction."""

    ratio: float
    interval: Interval
    p: float


def compare(a: Sequence[float], b: Sequence[float]) -> Comparison:
    return Comparison(ratio_of_medians(a, b), ratio_ci(a, b), mann_whitney_p(a, b))


# --- What a sample size allows at all -------------------------------------
#
# Before claiming "no significant difference", ask whether a difference could
# have been found with that many samples. The Mann–Whitney U test is
# rank-based: with n1 and n2 samples and no ties, the most extreme outcome
# (every sample of one side below every sample of the other) has two-sided
# exact probability 2 / C(n1+n2, n1), so no p below that can ever come out.
# benchstat's rule of thumb (4 samples to test, 6 for a 95% interval) is the
# same arithmetic at α = 0.05.


def mann_whitney_exact_min_p(n1: int, n2: int) -> float:
    """Smallest two-sided exact Mann–Whitney p for sizes n1, n2 without ties: 2 / C(n1+n2, n1)."""
    if n1 < 1 or n2 < 1:
        raise ValueError("Mann–Whitney U needs samples on both sides")
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def mann_whitney_min_p(n1: int, n2: int) -> float:
    """Smallest p that ``mann_whitney_p`` can return for sizes n1, n2.

    That is its p on two fully separated samples, computed by the same
    method (exact for small samples, the normal approximation for larger
    ones), so it is what the report's test can reach, not a bound on paper.
    """
    if n1 < 1 or n2 < 1:
        raise ValueError("Mann–Whitney U needs samples on both sides")
    return mann_whitney_p([float(i) for i in range(n1)], [float(n1 + i) for i in range(n2)])


def mann_whitney_can_reject(n1: int, n2: int, alpha: float = ALPHA, comparisons: int = 1) -> bool:
    """Whether any data of sizes n1, n2 could be called significant.

    ``comparisons`` is the size of the Holm family: its smallest p is
    multiplied by that count before the comparison with ``alpha``.
    """
    if comparisons < 1:
        raise ValueError("comparisons must be 1 or more")
    return mann_whitney_min_p(n1, n2) * comparisons < alpha


def mann_whitney_min_samples(alpha: float = ALPHA, comparisons: int = 1, limit: int = 1000) -> int:
    """Fewest samples per side (equal sizes) with which ``mann_whitney_can_reject`` is true."""
    for n in range(1, limit + 1):
        if mann_whitney_can_reject(n, n, alpha, comparisons):
            return n
    raise ValueError(f"no sample size up to {limit} can reach alpha={alpha} over {comparisons} comparisons")


def median_ci_min_samples(confidence: float = 0.95, limit: int = 1000) -> int:
    """Fewest samples for which ``median_ci`` reaches ``confidence`` coverage."""
    for n in range(1, limit + 1):
        if median_ci([float(i) for i in range(n)], confidence).coverage >= confidence:
            return n
    raise ValueError(f"no sample size up to {limit} gives {confidence:.0%} coverage")


@dataclass(frozen=True)
class Attainable:
    """What samples of sizes n1 and n2 can support at all."""

    min_p: float                 # smallest p the test can give
    can_reject: bool             # min_p (× comparisons) < alpha
    interval_a: bool             # side a reaches the interval's confidence
    interval_b: bool


def attainable(n1: int, n2: int, alpha: float = ALPHA, comparisons: int = 1,
               confidence: float = 0.95) -> Attainable:
    """The test and interval claims that sizes n1, n2 allow, before looking at any value."""
    need = median_ci_min_samples(confidence)
    return Attainable(
        min_p=mann_whitney_min_p(n1, n2),
        can_reject=mann_whitney_can_reject(n1, n2, alpha, comparisons),
        interval_a=n1 >= need,
        interval_b=n2 >= need,
    )
