"""The statistics do what the report claims, checked on synthetic samples with known truth."""

import math

import numpy as np
import pytest

from orchestrator import stats


def test_median_and_cv_on_known_values():
    assert stats.median([3.0, 1.0, 2.0]) == 2.0
    assert stats.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    assert stats.cv([10.0, 10.0, 10.0]) == 0.0
    assert stats.cv([9.0, 11.0]) == pytest.approx(math.sqrt(2) / 10)
    with pytest.raises(ValueError):
        stats.median([])


@pytest.mark.parametrize("n, lo_index, coverage", [(10, 1, 0.978515625), (20, 5, 0.958610534), (3, 0, 0.75)])
def test_median_ci_picks_order_statistics(n, lo_index, coverage):
    ci = stats.median_ci(list(range(n)))
    assert ci.lo == lo_index and ci.hi == n - 1 - lo_index
    assert ci.coverage == pytest.approx(coverage)


def test_median_ci_covers_the_true_median_at_about_the_nominal_rate():
    rng = np.random.default_rng(7)
    trials, hits = 2000, 0
    true_median = math.exp(0.0)  # lognormal(0, 0.3): skewed like benchmark data
    for _ in range(trials):
        xs = rng.lognormal(0.0, 0.3, size=10)
        ci = stats.median_ci(list(xs))
        hits += ci.lo <= true_median <= ci.hi
    rate = hits / trials
    # order statistics for n = 10 give 97.85% nominal coverage
    assert 0.96 <= rate <= 0.995, rate


def test_equal_distributions_give_no_significant_difference_in_95_percent_of_seeds():
    significant = 0
    seeds = 400
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        a = rng.normal(2000.0, 40.0, size=10)
        b = rng.normal(2000.0, 40.0, size=10)
        if stats.mann_whitney_p(list(a), list(b)) < stats.ALPHA:
            significant += 1
    assert (seeds - significant) / seeds >= 0.95, significant


def test_a_ten_percent_shift_with_ten_samples_and_two_percent_noise_is_detected():
    detected = 0
    for seed in range(100):
        rng = np.random.default_rng(1000 + seed)
        a = rng.normal(1.00, 0.02, size=10)
        b = rng.normal(1.10, 0.02, size=10)
        c = stats.compare(list(b), list(a))
        if c.p < stats.ALPHA and c.interval.lo > 1.0:
            detected += 1
            assert c.ratio == pytest.approx(1.10, rel=0.05)
    assert detected >= 99


def test_ratio_ci_is_deterministic_and_brackets_the_ratio():
    rng = np.random.default_rng(3)
    a, b = list(rng.normal(120, 3, 10)), list(rng.normal(100, 3, 10))
    one, two = stats.ratio_ci(a, b), stats.ratio_ci(a, b)
    assert one == two
    r = stats.ratio_of_medians(a, b)
    assert one.lo < r < one.hi


def test_holm_adjusts_in_input_order_and_is_monotone():
    assert stats.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert stats.holm([]) == []
    assert stats.holm([0.9]) == [0.9]


def test_holm_turns_a_borderline_table_non_significant():
    ps = [0.02] * 5
    assert all(p >= stats.ALPHA for p in stats.holm(ps))


def test_identical_constant_samples_are_not_significant():
    assert stats.mann_whitney_p([5.0] * 5, [5.0] * 5) == 1.0


def test_difference_ci_brackets_a_known_shift():
    rng = np.random.default_rng(11)
    a, b = list(rng.normal(150, 2, 20)), list(rng.normal(100, 2, 20))
    ci = stats.difference_ci(a, b)
    assert ci.lo < 50 < ci.hi
    assert ci.hi - ci.lo < 6


# --- What a sample size allows, checked against counts made here ----------

from itertools import combinations


def _exact_two_sided_min_p(n1: int, n2: int) -> float:
    """Count the rank arrangements: how many give U as small as the fully separated one."""
    n = n1 + n2
    us = []
    for ranks_a in combinations(range(n), n1):
        # U of side a: pairs (a, b) with a above b
        ranks_b = [r for r in range(n) if r not in ranks_a]
        us.append(sum(1 for ra in ranks_a for rb in ranks_b if ra > rb))
    u_min = min(us)
    one_side = sum(1 for u in us if u <= u_min) / len(us)
    return min(1.0, 2 * one_side)


@pytest.mark.parametrize("n1, n2", [(5, 5), (3, 3), (4, 4), (2, 6), (1, 7)])
def test_smallest_exact_p_matches_counting_arrangements(n1, n2):
    counted = _exact_two_sided_min_p(n1, n2)
    assert stats.mann_whitney_exact_min_p(n1, n2) == pytest.approx(counted)
    assert stats.mann_whitney_min_p(n1, n2) == pytest.approx(counted)  # small sizes: the exact test


def test_five_against_five_can_reach_0_0079_and_no_lower():
    counted = _exact_two_sided_min_p(5, 5)
    assert counted == pytest.approx(2 / 252)  # one arrangement in 252 on each side
    assert stats.mann_whitney_can_reject(5, 5, alpha=0.008)
    assert not stats.mann_whitney_can_reject(5, 5, alpha=0.0079)


def test_one_against_a_hundred_can_never_reach_0_0015():
    # One sample among 101 ranks: it sits lowest in 1 of 101 arrangements.
    smallest = 2 / 101
    assert stats.mann_whitney_min_p(1, 100) >= smallest - 1e-12
    assert not stats.mann_whitney_can_reject(1, 100, alpha=0.0015)
    assert not stats.mann_whitney_can_reject(1, 100, alpha=0.05 / 10)  # ten Holm comparisons
    assert stats.mann_whitney_can_reject(1, 100, alpha=0.05)


def test_minimum_sizes_meet_benchstats_rule():
    # Test: n per side needs 2 / C(2n, n) < 0.05, i.e. C(2n, n) > 40: C(6,3) = 20, C(8,4) = 70.
    assert math.comb(6, 3) <= 40 < math.comb(8, 4)
    assert stats.mann_whitney_min_samples(0.05) == 4
    # Ten Holm comparisons: C(2n, n) > 400: C(10,5) = 252, C(12,6) = 924.
    assert stats.mann_whitney_min_samples(0.05, comparisons=10) == 6
    # Interval: (min, max) holds the median unless all n fall on one side, 2 / 2^n:
    # n = 5 gives 1 - 1/16 = 0.9375, n = 6 gives 1 - 1/32 = 0.96875.
    assert 1 - 2 / 2**5 < 0.95 <= 1 - 2 / 2**6
    assert stats.median_ci_min_samples(0.95) == 6
    assert stats.median_ci(list(range(6))).coverage == pytest.approx(1 - 2 / 2**6)


def test_attainable_sums_up_both_claims():
    few = stats.attainable(3, 3)
    assert few.min_p == pytest.approx(2 / math.comb(6, 3)) and not few.can_reject
    assert not few.interval_a and not few.interval_b
    enough = stats.attainable(6, 10)
    assert enough.can_reject and enough.interval_a and enough.interval_b


def test_mann_whitney_and_the_binomial_agree_with_scipy():
    """benchnorm computes its own p-values; scipy's (method="auto") is the reference they must equal."""
    from hypothesis import given, settings, strategies as st
    from scipy import stats as sp

    values = st.one_of(st.floats(0.5, 2.0), st.sampled_from([1.0, 1.5, 2.0]))  # ties half the time

    @settings(max_examples=400, deadline=None)
    @given(st.lists(values, min_size=1, max_size=14), st.lists(values, min_size=1, max_size=14))
    def same_p(a, b):
        if len(set(a) | set(b)) == 1:
            assert stats.mann_whitney_p(a, b) == 1.0
            return
        want = float(sp.mannwhitneyu(a, b, alternative="two-sided", method="auto").pvalue)
        assert stats.mann_whitney_p(a, b) == pytest.approx(want, abs=1e-12)

    same_p()
    for n in range(1, 41):
        for k in range(-1, n + 1):
            assert stats._half_binomial_cdf(k, n) == pytest.approx(float(sp.binom.cdf(k, n, 0.5)), abs=1e-12)
    # the exact test's counts are every ordering once
    assert sum(stats._u_counts(6, 9)) == math.comb(15, 6)

