"""Quantiles of Student's t distribution in plain Python, for the confidence intervals on the charts.

The first chart of the app needs only the t quantile of each visit's n; importing
:mod:`scipy.special` for it costs a new viewer's kernel more CPU than the rest
of the chart's numbers. This module computes the same value from the
regularised incomplete beta function (continued fraction, Numerical Recipes
§6.4) and Newton's method on the exact distribution function, to about 1e-10
relative; ``tests/test_student_t.py`` compares it with :func:`scipy.stats.t.ppf`.

Examples
--------
>>> round(t_quantile(0.975, 1), 6), round(t_quantile(0.975, 10), 6)
(12.706205, 2.228139)
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

_TINY = 1e-300
_EPS = 1e-15


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            step = d * c
            h *= step
        if abs(step - 1.0) < _EPS:
            break
    return h


def _tail_gap(t: float, dof: float, p: float) -> float:
    """P(T > t) - (1 - p) for t >= 0, from the regularised incomplete beta function.

    P(T > t) = I_x(dof/2, 1/2) / 2 and P(0 < T <= t) = I_(1-x)(1/2, dof/2) / 2, x = dof / (dof + t²);
    whichever the continued fraction gives directly is used, so that neither tail loses digits.
    """
    a, b = dof / 2.0, 0.5
    x, one_minus_x = dof / (dof + t * t), t * t / (dof + t * t)
    if one_minus_x == 0.0:
        return p - 0.5
    log_front = _log_gamma_ratio(a) - math.lgamma(b) - a * math.log1p(t * t / dof) + b * math.log(one_minus_x)
    if x < (a + 1.0) / (a + b + 2.0):
        upper = 0.5 * math.exp(log_front) * _beta_fraction(a, b, x) / a
        return upper - (1.0 - p)
    central = 0.5 * math.exp(log_front) * _beta_fraction(b, a, one_minus_x) / b
    return (p - 0.5) - central


def _log_gamma_ratio(a: float) -> float:
    """log(Γ(a + 1/2) / Γ(a)); for large ``a`` from its asymptotic series (the difference of two lgammas of
    large numbers would lose digits)."""
    if a < 1000:
        return math.lgamma(a + 0.5) - math.lgamma(a)
    return 0.5 * math.log(a) - 1 / (8 * a) + 1 / (192 * a ** 3)


def _density(t: float, dof: float) -> float:
    return math.exp(_log_gamma_ratio(dof / 2) - 0.5 * math.log(dof * math.pi)
                    - (dof + 1) / 2 * math.log1p(t * t / dof))


@lru_cache(maxsize=4096)
def t_quantile(p: float, dof: float) -> float:
    """The ``p`` quantile of Student's t distribution with ``dof`` degrees of freedom.

    Parameters
    ----------
    p
        Probability, strictly between 0 and 1.
    dof
        Degrees of freedom, > 0 (``inf`` gives the normal quantile); NaN gives NaN.

    Returns
    -------
    float
        ``t`` such that P(T <= t) = p.

    Examples
    --------
    >>> round(t_quantile(0.975, 4), 6), t_quantile(0.5, 3), round(t_quantile(0.025, 4), 6)
    (2.776445, 0.0, -2.776445)
    """
    p, dof = float(p), float(dof)
    if math.isnan(p) or math.isnan(dof):
        return math.nan
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, not {p}")
    if dof <= 0:
        raise ValueError(f"degrees of freedom must be positive, not {dof}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, dof)
    if dof == 1:
        return math.tan(math.pi * (p - 0.5)) if p < 0.75 else 1.0 / math.tan(math.pi * (1.0 - p))
    if dof == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1.0 - p))
    z = NormalDist().inv_cdf(p)
    # Cornish-Fisher expansion (exact to O(1/dof³): enough for a very large dof), then Newton on the exact
    # tail (convex and decreasing in t: it converges from either side)
    t = z + (z ** 3 + z) / (4 * dof) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * dof ** 2)
    if dof > 1e7:
        return t
    for _ in range(100):
        step = _tail_gap(t, dof, p) / _density(t, dof)
        new = t + step
        if new <= 0:
            new = t / 2
        if abs(new - t) <= 1e-14 * abs(new):
            return new
        t = new
    return t  # pragma: no cover - Newton converges in a few steps


def t_quantiles(p: float, dof: np.ndarray) -> np.ndarray:
    """:func:`t_quantile` of each value of ``dof`` (an array; NaN stays NaN), as an array of the same shape.

    Examples
    --------
    >>> np.round(t_quantiles(0.975, np.array([1.0, np.nan, 29.0])), 4)
    array([12.7062,     nan,  2.0452])
    """
    dof = np.asarray(dof, dtype=float)
    out = np.full(dof.shape, np.nan)
    for value in np.unique(dof[~np.isnan(dof)]):
        out[dof == value] = t_quantile(p, float(value))
    return out
