"""Exact null distributions of rank and permutation statistics, by dynamic programming or enumeration."""

from __future__ import annotations

import numpy as np

from ._common import EXACT_WITH_TIES_MAX_N, HL_EXACT_MAX_PAIRS, _two_sided


def _signed_rank_exact_with_ties(nz: np.ndarray) -> float:
    """Exact two-sided signed-rank p with tied |differences|: the distribution of T+ over all 2^n sign
    patterns of the mid-ranks, by dynamic programming on doubled (integer) mid-ranks."""
    from scipy.stats import rankdata

    scores = np.rint(2 * rankdata(np.abs(nz))).astype(int)
    dist = np.zeros(int(scores.sum()) + 1)
    dist[0] = 1.0
    for r in scores:  # each rank is positive or negative with probability 1/2
        shifted = np.zeros_like(dist)
        shifted[r:] = dist[:-r]
        dist = 0.5 * (dist + shifted)
    observed = int(scores[nz > 0].sum())
    return _two_sided(dist, observed)


def _signed_rank(d: np.ndarray):
    """Two-sided Wilcoxon signed-rank test of differences ``d`` (zeros dropped); returns (W, p, how)."""
    from scipy import stats as st

    nz = d[d != 0]
    n = nz.size
    ties = np.unique(np.abs(nz)).size < n
    if not ties:
        res = st.wilcoxon(nz, method="exact")
        return float(res.statistic), float(res.pvalue), "exact"
    res = st.wilcoxon(nz, method="approx", correction=True)  # for W = min(T+, T-), and the large-n p
    if n <= EXACT_WITH_TIES_MAX_N:
        return float(res.statistic), _signed_rank_exact_with_ties(nz), "exact (ties: all sign patterns counted)"
    return float(res.statistic), float(res.pvalue), "normal approximation (ties, large n)"



def _mann_whitney_null_cdf(m: int, n: int) -> np.ndarray:
    """P(U ≤ u), u = 0..m·n, of the Mann–Whitney U statistic with no ties (exact recursion)."""
    # p[a][b] holds the distribution of U for sample sizes a and b; built up one observation at a time:
    # P_{a,b}(u) = a/(a+b) P_{a-1,b}(u-b) + b/(a+b) P_{a,b-1}(u).
    prev_row = [np.ones(1) for _ in range(n + 1)]  # a = 0: U = 0 for every b
    for a in range(1, m + 1):
        row = [np.ones(1)]  # b = 0
        for b in range(1, n + 1):
            dist = np.zeros(a * b + 1)
            left = prev_row[b]  # sizes (a-1, b): support 0..(a-1)b; shifted by b
            dist[b:b + left.size] += a / (a + b) * left
            down = row[b - 1]  # sizes (a, b-1): support 0..a(b-1)
            dist[:down.size] += b / (a + b) * down
            row.append(dist)
        prev_row = row
    return np.cumsum(prev_row[n])



def _rank_sum_exact_with_ties(x: np.ndarray, y: np.ndarray) -> float:
    """Exact two-sided p of the rank sum of ``x`` with ties: its distribution over every way of choosing
    len(x) of the pooled mid-ranks, by dynamic programming on doubled (integer) mid-ranks."""
    from scipy.stats import rankdata

    m = x.size
    scores = np.rint(2 * rankdata(np.concatenate([x, y]))).astype(int)
    total = int(scores.sum())
    ways = np.zeros((m + 1, total + 1))  # ways[k, s]: subsets of k scores summing to s (as a proportion)
    ways[0, 0] = 1.0
    for i, r in enumerate(scores):
        for k in range(min(i + 1, m), 0, -1):
            ways[k, r:] += ways[k - 1, :-r]
    dist = ways[m] / ways[m].sum()
    observed = int(scores[:m].sum())
    return _two_sided(dist, observed)


def _mann_whitney(x: np.ndarray, y: np.ndarray):
    """Two-sided Mann–Whitney U of x vs y (U of x); exact for small n, ties included; returns (U, p, how)."""
    from scipy import stats as st

    m, n = x.size, y.size
    ties = np.unique(np.concatenate([x, y])).size < m + n
    if not ties and m * n <= HL_EXACT_MAX_PAIRS:
        res = st.mannwhitneyu(x, y, method="exact")
        return float(res.statistic), float(res.pvalue), "exact"
    res = st.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)
    if ties and m + n <= EXACT_WITH_TIES_MAX_N:
        return float(res.statistic), _rank_sum_exact_with_ties(x, y), "exact (ties: all group assignments counted)"
    return float(res.statistic), float(res.pvalue), "normal approximation"


#: Largest number of intermediate arrangements (distinct rank-sum vectors × row orderings) for which the
#: Friedman test's exact permutation distribution is built; beyond it the χ² approximation is used and named.
FRIEDMAN_EXACT_MAX_STATES = 2_000_000


def _distinct_orderings(row: np.ndarray) -> np.ndarray:
    """Every distinct ordering of one row's (doubled, integer) mid-ranks, each equally likely under no effect."""
    import itertools

    return np.array(sorted(set(itertools.permutations(row.tolist()))), dtype=np.int64)


def friedman_exact_p(y) -> float | None:
    """Exact p of the Friedman test: its distribution over every ordering of each patient's ranks.

    Under no visit effect, each patient's within-patient ranks are equally
    likely in any order. The rank sums of the visits are built one patient at
    a time, merging equal rank-sum vectors (dynamic programming), and the p is
    the share of orderings whose Σ R_j² is at least the observed one (the
    Friedman χ², tie-corrected or not, is an increasing function of it).
    Ties within a patient are kept as mid-ranks.

    Parameters
    ----------
    y
        Patients × visits array of values (complete cases).

    Returns
    -------
    float or None
        The exact p, or ``None`` when the enumeration would exceed
        :data:`FRIEDMAN_EXACT_MAX_STATES` (then use the χ² approximation).

    Examples
    --------
    >>> round(friedman_exact_p([[1, 2, 3], [1, 2, 3], [1, 2, 3]]), 4)  # Friedman's table: n = 3, k = 3, χ² = 6
    0.0278
    """
    from scipy.stats import rankdata

    y = np.asarray(y, dtype=float)
    ranks = np.rint(2 * rankdata(y, axis=1)).astype(np.int64)  # doubled mid-ranks: integers
    n, k = ranks.shape
    base = int(2 * k * n + 1)  # every doubled rank sum is below this: a rank-sum vector as one integer key
    if base ** k >= 2 ** 62:
        return None
    place = base ** np.arange(k, dtype=np.int64)
    keys, weights = np.array([int(ranks[0] @ place)], dtype=np.int64), np.ones(1)
    for row in ranks[1:]:
        orders = _distinct_orderings(row) @ place
        if keys.size * orders.size > FRIEDMAN_EXACT_MAX_STATES:
            return None
        merged = (keys[:, None] + orders[None, :]).ravel()
        w = np.repeat(weights / orders.size, orders.size)
        keys, inverse = np.unique(merged, return_inverse=True)
        weights = np.bincount(inverse.ravel(), weights=w)
    states = (keys[:, None] // place[None, :]) % base
    stat = (states.astype(float) ** 2).sum(axis=1)
    observed = float((ranks.sum(axis=0).astype(float) ** 2).sum())
    return float(min(1.0, weights[stat >= observed - 1e-9].sum() / weights.sum()))
