"""Statistics for small cohorts: change from baseline, group comparisons, steroids, safety.

Every function takes long (tidy) data and column names, returns a tidy
DataFrame with one row per test or estimate, and never changes its input.
Every row carries ``n``; where a number cannot be trusted (fewer than
:data:`MIN_PATIENTS` patients in a group or at a visit, no variation, no pairs)
``p`` is missing (NaN) and ``note`` says why in plain words.

Change from baseline (:func:`vs_baseline`, :func:`omnibus`) can be tested four ways:

``"paper"``
    What Qiu et al. 2024 did in GraphPad: a one-way ANOVA across visits that
    treats each visit as an independent group, then Bonferroni-corrected
    comparisons of each week with week 0 using the ANOVA's pooled error.
    It ignores that the same children are measured at every visit.
``"rm_anova"``
    Repeated-measures ANOVA with the Greenhouse–Geisser sphericity
    correction; paired t-tests of each week against week 0, Holm-adjusted.
    Complete cases only.
``"friedman"``
    Friedman test (exact permutation p while every ordering of the patients'
    ranks can be counted, else the χ² approximation, named in ``test``);
    Wilcoxon signed-rank tests against week 0 (exact for small n, ties
    included), Holm-adjusted. Complete cases only.
``"mixed"``
    Linear mixed model (random intercept per patient, week as a category),
    which keeps patients with missing visits; each week against week 0,
    Holm-adjusted, referred to t and F on between-within degrees of freedom
    (never a large-sample z), to an exact sign-flip permutation with fewer
    than 6 patients, and given no p-value at all when the fit is degenerate
    (see :mod:`sjia_explore.stats.mixed`).

:func:`compare_methods` stacks all four so the effect of ignoring the pairing
can be seen side by side.

Heavy libraries (scipy.stats, statsmodels) are imported inside the functions
that need them, so ``import sjia_explore.stats`` stays fast.

Examples
--------
>>> import pandas as pd
>>> visits = pd.DataFrame({"patient_id": list("abcdabcd"), "week": [0] * 4 + [4] * 4,
...                        "active_joints": [6, 4, 8, 5, 1, 0, 3, 1]})
>>> vs_baseline(visits, "active_joints", method="rm_anova")[["week", "n", "diff_vs_baseline"]]
   week  n  diff_vs_baseline
0     4  4              -4.5
"""

from __future__ import annotations

# The names below are the public interface: ``from sjia_explore.stats import omnibus`` or ``stats.omnibus``
# (and a few private helpers the tests check against independent references); hence the F401 exemptions.
from ._common import (  # noqa: F401
    CI_LEVEL,
    DAYS_PER_WEEK,
    EXACT_WITH_TIES_MAX_N,
    HL_EXACT_MAX_PAIRS,
    MIN_PATIENTS,
    MONTHS_PER_YEAR,
    PATIENT_YEARS_UNIT,
    ZERO_VARIANCE_RTOL,
)
from .exact import (  # noqa: F401
    FRIEDMAN_EXACT_MAX_STATES,
    _mann_whitney_null_cdf,
    _rank_sum_exact_with_ties,
    _signed_rank_exact_with_ties,
    friedman_exact_p,
)
from .groups import GROUP_COLUMNS, compare_groups, hodges_lehmann  # noqa: F401
from .ledger import LEDGER_ALPHA, LedgerScope, TestLedger  # noqa: F401
from .mixed import MIXED_MIN_PATIENTS_FOR_MODEL_P, MIXED_TESTS, sign_flip_p  # noqa: F401
from .rates import (  # noqa: F401
    AE_COLUMNS,
    NoRecordingWindowWarning,
    adverse_event_summary,
    describe_window,
    poisson_rate_ci,
    recording_windows,
    unrecorded_studies,
)
from .steroids import STEROID_COLUMN, cumulative_steroid_dose, steroid_free, time_to_steroid_free  # noqa: F401
from .within import (  # noqa: F401
    METHOD_DESCRIPTIONS,
    METHODS,
    OMNIBUS_COLUMNS,
    PAPER_PAIRING_NOTE,
    VS_BASELINE_COLUMNS,
    compare_methods,
    compare_omnibus,
    omnibus,
    vs_baseline,
)
