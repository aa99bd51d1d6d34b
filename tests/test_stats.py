"""Statistics checked against independent references computed here, on the same data.

References: scipy.stats (f_oneway, t, wilcoxon, mannwhitneyu, beta, chi2),
pingouin (rm_anova, friedman), statsmodels (OLS, MixedLM formula interface),
hand-worked small examples, and the numbers Qiu 2024 prints (published.py).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from sjia_explore import load_cohort, stats
from sjia_explore import published as pub
from sjia_explore.stats import (
    MIN_PATIENTS,
    TestLedger,
    adverse_event_summary,
    compare_groups,
    compare_methods,
    compare_omnibus,
    cumulative_steroid_dose,
    hodges_lehmann,
    omnibus,
    poisson_rate_ci,
    steroid_free,
    time_to_steroid_free,
    vs_baseline,
)

pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword:Warning")  # raised inside pingouin

WEEKS = [0, 4, 8, 12, 24]


# --- data -----------------------------------------------------------------------

def long_frame(wide: dict[str, list[float]], weeks=WEEKS, outcome="y") -> pd.DataFrame:
    """Patients -> values per week (None = missing visit value) as a long visit table."""
    rows = [{"patient_id": pid, "week": w, outcome: v} for pid, values in wide.items() for w, v in zip(weeks, values)]
    return pd.DataFrame(rows)


def random_cohort(seed: int, n: int = 9, weeks=WEEKS, ties: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    subject = rng.normal(0, 2, n)
    effect = np.array([0.0, -2.0, -2.5, -3.0, -3.2])[: len(weeks)]
    y = 10 + subject[:, None] + effect[None, :] + rng.normal(0, 1.5, (n, len(weeks)))
    if ties:
        y = np.round(y)
    return long_frame({f"P{i:02d}": y[i].tolist() for i in range(n)}, weeks)


@pytest.fixture(scope="module")
def qiu():
    from sjia_explore.data import bundled_data_dir

    if not (bundled_data_dir() / "visits.csv").is_file():
        pytest.skip("the bundled data (data/visits.csv) is not there yet")
    from sjia_explore import load_cohort

    return load_cohort().filter(studies=("qiu2024",))


@pytest.fixture(scope="module")
def cohort():
    from sjia_explore import load_cohort

    return load_cohort()


# --- the paper's method: one-way ANOVA + Bonferroni vs week 0 --------------------------

def test_paper_method_on_a_hand_worked_example():
    # week 0: 6, 8, 10 (mean 8); week 4: 2, 4, 6 (mean 4); week 8: 1, 2, 3 (mean 2)
    # SS within = (4+0+4) + (4+0+4) + (1+0+1) = 18, df = 9 - 3 = 6, MSE = 3
    # grand mean 42/9; SS between = 3 * ((8-14/3)^2 + (4-14/3)^2 + (2-14/3)^2) = 56, MS = 28, F = 28/3
    # t(week 4) = (4 - 8) / sqrt(3 * (1/3 + 1/3)) = -4/sqrt(2); t(week 8) = -6/sqrt(2)
    # Bonferroni: p x 2 comparisons
    visits = long_frame({"a": [6, 2, 1], "b": [8, 4, 2], "c": [10, 6, 3]}, weeks=[0, 4, 8])
    omni = omnibus(visits, "y", method="paper").iloc[0]
    assert omni["statistic"] == pytest.approx(28 / 3)
    assert (omni["df1"], omni["df2"]) == (2, 6)
    assert omni["p"] == pytest.approx(st.f.sf(28 / 3, 2, 6))
    out = vs_baseline(visits, "y", method="paper")
    assert out["week"].tolist() == [4, 8]
    assert out["diff_vs_baseline"].tolist() == [-4, -6]
    t = np.array([-4 / math.sqrt(2), -6 / math.sqrt(2)])
    np.testing.assert_allclose(out["statistic"], t)
    p = 2 * st.t.sf(np.abs(t), 6)
    np.testing.assert_allclose(out["p"], p)
    np.testing.assert_allclose(out["p_adjusted"], np.minimum(1, 2 * p))
    assert out["n"].tolist() == [3, 3]
    assert out["mean"].tolist() == [4, 2]


def test_paper_omnibus_equals_scipy_f_oneway():
    visits = random_cohort(3)
    groups = [visits.loc[visits["week"] == w, "y"].to_numpy() for w in WEEKS]
    ref = st.f_oneway(*groups)
    got = omnibus(visits, "y", method="paper").iloc[0]
    assert got["statistic"] == pytest.approx(ref.statistic)
    assert got["p"] == pytest.approx(ref.pvalue)


def test_paper_post_hoc_equals_ols_treatment_contrasts_with_unequal_groups():
    import statsmodels.formula.api as smf

    visits = random_cohort(4, n=10)
    visits.loc[[7, 13, 21], "y"] = np.nan  # unequal group sizes
    ref = smf.ols("y ~ C(week)", data=visits.dropna()).fit()
    out = vs_baseline(visits, "y", method="paper").set_index("week")
    for w in WEEKS[1:]:
        name = f"C(week)[T.{w}]"
        assert out.loc[w, "diff_vs_baseline"] == pytest.approx(ref.params[name])
        assert out.loc[w, "statistic"] == pytest.approx(ref.tvalues[name])
        assert out.loc[w, "p"] == pytest.approx(ref.pvalues[name])
        assert out.loc[w, "p_adjusted"] == pytest.approx(min(1, 4 * ref.pvalues[name]))
    omni = omnibus(visits, "y", method="paper").iloc[0]
    assert omni["p"] == pytest.approx(ref.f_pvalue)
    assert omni["n_observations"] == visits["y"].notna().sum()


def test_paper_rows_say_the_pairing_is_ignored():
    out = vs_baseline(random_cohort(5), "y", method="paper")
    assert out["note"].str.contains("independent groups").all()


# --- repeated-measures ANOVA ------------------------------------------------------------

def _holm_by_hand(p):
    p = np.asarray(p, float)
    order = np.argsort(p)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def test_rm_anova_equals_pingouin_with_greenhouse_geisser():
    import pingouin as pg

    visits = random_cohort(6, n=8)
    ref = pg.rm_anova(visits, dv="y", within="week", subject="patient_id", correction=True).iloc[0]
    got = omnibus(visits, "y", method="rm_anova").iloc[0]
    assert got["statistic"] == pytest.approx(ref["F"])
    assert got["p"] == pytest.approx(ref["p_GG_corr"])
    assert got["df1"] == pytest.approx(ref["eps"] * ref["ddof1"])
    assert got["df2"] == pytest.approx(ref["eps"] * ref["ddof2"])
    assert f"{ref['eps']:.3f}" in got["note"]


def test_rm_anova_post_hoc_paired_t_with_holm():
    visits = random_cohort(7, n=8)
    wide = visits.pivot(index="patient_id", columns="week", values="y")
    ref = [st.ttest_rel(wide[w], wide[0]) for w in WEEKS[1:]]
    out = vs_baseline(visits, "y", method="rm_anova")
    np.testing.assert_allclose(out["statistic"], [r.statistic for r in ref])
    np.testing.assert_allclose(out["p"], [r.pvalue for r in ref])
    np.testing.assert_allclose(out["p_adjusted"], _holm_by_hand([r.pvalue for r in ref]))
    np.testing.assert_allclose(out["diff_vs_baseline"], [(wide[w] - wide[0]).mean() for w in WEEKS[1:]])


def test_rm_anova_uses_complete_cases_and_says_so():
    import pingouin as pg

    visits = random_cohort(8, n=9)
    visits.loc[(visits["patient_id"] == "P03") & (visits["week"] == 8), "y"] = np.nan
    out = vs_baseline(visits, "y", method="rm_anova")
    assert (out["n"] == 8).all()
    assert out["note"].str.contains("1 patient without a value at every visit").all()
    complete = visits.loc[visits["patient_id"] != "P03"]
    ref = pg.rm_anova(complete, dv="y", within="week", subject="patient_id", correction=True).iloc[0]
    assert omnibus(visits, "y", method="rm_anova").iloc[0]["p"] == pytest.approx(ref["p_GG_corr"])


# --- Friedman + Wilcoxon ------------------------------------------------------------------

def test_friedman_equals_pingouin():
    import pingouin as pg

    for ties in (False, True):
        visits = random_cohort(9, n=10, ties=ties)
        ref = pg.friedman(visits, dv="y", within="week", subject="patient_id").iloc[0]
        got = omnibus(visits, "y", method="friedman").iloc[0]
        assert got["statistic"] == pytest.approx(ref["Q"])
        assert got["p"] == pytest.approx(ref["p_unc"])
        assert got["df1"] == ref["ddof1"]


def test_wilcoxon_post_hoc_is_exact_without_ties():
    visits = random_cohort(10, n=9)
    wide = visits.pivot(index="patient_id", columns="week", values="y")
    ref = [st.wilcoxon(wide[w] - wide[0], method="exact") for w in WEEKS[1:]]
    out = vs_baseline(visits, "y", method="friedman")
    np.testing.assert_allclose(out["p"], [r.pvalue for r in ref])
    np.testing.assert_allclose(out["statistic"], [r.statistic for r in ref])
    np.testing.assert_allclose(out["p_adjusted"], _holm_by_hand([r.pvalue for r in ref]))
    assert out["note"].str.contains("exact").all()


def _signed_rank_p_by_enumeration(d):
    """Exact two-sided signed-rank p with ties: every sign pattern of the mid-ranks (zeros dropped)."""
    d = np.asarray([x for x in d if x != 0], float)
    ranks = st.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    total = ranks.sum()
    sums = np.array([sum(r for r, s in zip(ranks, signs) if s) for signs in itertools.product([0, 1], repeat=len(d))])
    centre = total / 2
    return np.mean(np.abs(sums - centre) >= abs(observed - centre) - 1e-9)


def test_wilcoxon_with_ties_and_zeros_is_exact_by_enumeration():
    # differences week 4 - week 0: -3, -3, -1, -2, 0, -3, 1, -2 (ties, one zero)
    visits = long_frame({f"P{i}": [b, a] for i, (b, a) in enumerate(
        [(6, 3), (5, 2), (4, 3), (8, 6), (2, 2), (7, 4), (1, 2), (9, 7)])}, weeks=[0, 4])
    out = vs_baseline(visits, "y", method="friedman").iloc[0]
    d = [-3, -3, -1, -2, 0, -3, 1, -2]
    assert out["p"] == pytest.approx(_signed_rank_p_by_enumeration(d))
    assert "1 unchanged patient left out" in out["note"]


@pytest.mark.parametrize("seed", range(6))
def test_exact_rank_tests_with_ties_equal_brute_force_enumeration(seed):
    rng = np.random.default_rng(seed)
    d = rng.integers(-3, 4, 9).astype(float)
    if (d != 0).sum() >= MIN_PATIENTS:
        nz = d[d != 0]
        assert stats._signed_rank_exact_with_ties(nz) == pytest.approx(_signed_rank_p_by_enumeration(nz))
    x, y = rng.integers(0, 4, 5).astype(float), rng.integers(1, 5, 6).astype(float)
    pooled = np.concatenate([x, y])
    ranks = st.rankdata(pooled)
    observed = ranks[:5].sum()
    sums = np.array([ranks[list(ix)].sum() for ix in itertools.combinations(range(11), 5)])
    p_ref = min(1.0, 2 * min(np.mean(sums <= observed + 1e-9), np.mean(sums >= observed - 1e-9)))
    assert stats._rank_sum_exact_with_ties(x, y) == pytest.approx(p_ref)


# --- mixed model -----------------------------------------------------------------------------

def test_mixed_model_equals_statsmodels_formula_fit_and_keeps_incomplete_patients():
    import statsmodels.formula.api as smf

    visits = random_cohort(11, n=10)
    visits.loc[[3, 12, 30], "y"] = np.nan
    data = visits.dropna()
    ref = smf.mixedlm("y ~ C(week)", data, groups=data["patient_id"]).fit(reml=True)
    out = vs_baseline(visits, "y", method="mixed").set_index("week")
    df = len(data) - 10 - 4  # between-within: observations - patients - visit effects
    for w in WEEKS[1:]:
        name = f"C(week)[T.{w}]"
        assert out.loc[w, "diff_vs_baseline"] == pytest.approx(ref.params[name], rel=1e-4)
        assert out.loc[w, "statistic"] == pytest.approx(ref.tvalues[name], rel=1e-3)
        assert out.loc[w, "p"] == pytest.approx(2 * st.t.sf(abs(ref.tvalues[name]), df), rel=1e-3)
        assert out.loc[w, "p"] > ref.pvalues[name]  # never the optimistic z
        assert out.loc[w, "n"] == data.loc[data["week"] == w].shape[0]
    raw = [2 * st.t.sf(abs(ref.tvalues[f"C(week)[T.{w}]"]), df) for w in WEEKS[1:]]
    np.testing.assert_allclose(out["p_adjusted"], _holm_by_hand(raw), rtol=1e-3)
    assert out["note"].str.contains("approximate").all()  # missing visits: the df are approximate
    omni = omnibus(visits, "y", method="mixed").iloc[0]
    assert omni["n"] == 10 and omni["n_observations"] == len(data)
    names = [f"C(week)[T.{w}]" for w in WEEKS[1:]]
    wald = ref.wald_test(", ".join(f"{n} = 0" for n in names), scalar=True)
    assert omni["statistic"] == pytest.approx(float(wald.statistic) / 4, rel=1e-3)  # F = Wald / q
    assert (omni["df1"], omni["df2"]) == (4, df)
    assert omni["p"] == pytest.approx(st.f.sf(float(wald.statistic) / 4, 4, df), rel=1e-3)


def test_mixed_model_with_complete_balanced_data_is_the_two_way_anova():
    # Complete, balanced data and a positive patient variance: the REML mixed model's t and F on
    # between-within df are exactly those of the patient + visit fixed-effects ANOVA (OLS).
    import statsmodels.formula.api as smf

    visits = random_cohort(4, n=8)
    ols = smf.ols("y ~ C(patient_id) + C(week)", visits).fit()
    assert ols.df_resid == (8 - 1) * (5 - 1)
    out = vs_baseline(visits, "y", method="mixed").set_index("week")
    for w in WEEKS[1:]:
        name = f"C(week)[T.{w}]"
        assert out.loc[w, "statistic"] == pytest.approx(ols.tvalues[name], rel=1e-3)
        assert out.loc[w, "p"] == pytest.approx(ols.pvalues[name], rel=1e-3)
    omni = omnibus(visits, "y", method="mixed").iloc[0]
    ref = pg_rm_anova(visits)
    assert omni["statistic"] == pytest.approx(ref["F"], rel=1e-3)
    assert omni["p"] == pytest.approx(ref["p_unc"], rel=1e-3)
    assert "between-within" in omni["note"] and "approximate" not in omni["note"]


def pg_rm_anova(visits):
    import pingouin as pg

    res = pg.rm_anova(visits, dv="y", within="week", subject="patient_id", correction=False).iloc[0]
    return {"F": float(res["F"]), "p_unc": float(res["p_unc"] if "p_unc" in res else res["p-unc"])}


def test_three_patients_who_all_change_by_the_same_amount_get_no_mixed_model_p():
    # The example: a, b, c at 2, 3, 5 then 1, 2, 4. The Wald z was -44,040 and p = 0.
    visits = pd.DataFrame({"patient_id": list("abcabc"), "week": [0, 0, 0, 4, 4, 4], "y": [2, 3, 5, 1, 2, 4]})
    row = vs_baseline(visits, "y", method="mixed").iloc[0]
    assert math.isnan(row["p"]) and math.isnan(row["statistic"])
    assert row["diff_vs_baseline"] == pytest.approx(-1.0, abs=1e-6)
    assert "no within-patient variation" in row["note"] and "degenerate" in row["note"]
    omni = omnibus(visits, "y", method="mixed").iloc[0]
    assert math.isnan(omni["p"]) and "degenerate" in omni["note"]
    # the exact sign-flip p of the same changes, by hand: 2 of the 8 sign patterns are as extreme
    assert stats.sign_flip_p([-1.0, -1.0, -1.0]) == (0.25, 8)


def _sign_flip_by_brute_force(d):
    d = np.asarray(d, float)
    observed = abs(d.sum())
    hits = [abs((np.array(s) * d).sum()) >= observed - 1e-12 for s in itertools.product([1, -1], repeat=d.size)]
    return float(np.mean(hits))


@pytest.mark.parametrize("seed", range(4))
def test_few_patients_get_the_exact_sign_flip_p(seed):
    # fewer than 6 patients: the mixed model's p is the permutation p of the paired changes
    visits = random_cohort(seed, n=5)
    out = vs_baseline(visits, "y", method="mixed").set_index("week")
    wide = visits.pivot(index="patient_id", columns="week", values="y")
    for w in WEEKS[1:]:
        d = (wide[w] - wide[0]).to_numpy()
        assert out.loc[w, "p"] == pytest.approx(_sign_flip_by_brute_force(d))
        assert out.loc[w, "p"] >= 2 / 2 ** 5
        assert "sign-flip" in out.loc[w, "test"] and "32 arrangements" in out.loc[w, "note"]


def test_the_sign_flip_note_counts_the_patients_whose_changes_are_flipped():
    """One of 5 patients has only a week-0 visit: 4 patients' changes, 2^4 = 16 arrangements, and the note says so."""
    visits = random_cohort(3, n=5)
    visits = visits.loc[~((visits["patient_id"] == visits["patient_id"].iloc[0]) & (visits["week"] > 0))]
    note = omnibus(visits, "y", method="mixed").iloc[0]["note"]
    assert "of 4 patients (16 arrangements, all counted)" in note
    assert "1 of the 5 patients has no later visit" in note


def test_mixed_omnibus_sign_flip_equals_enumeration_by_hand():
    visits = random_cohort(7, n=4, weeks=[0, 4, 8])
    wide = visits.pivot(index="patient_id", columns="week", values="y")
    d = np.column_stack([wide[4] - wide[0], wide[8] - wide[0]])

    def stat(signs):
        s = (np.array(signs)[:, None] * d).sum(axis=0)
        return float((s ** 2).sum() / 4)

    observed = stat([1] * 4)
    ref = np.mean([stat(s) >= observed - 1e-12 for s in itertools.product([1, -1], repeat=4)])
    omni = omnibus(visits, "y", method="mixed").iloc[0]
    assert omni["p"] == pytest.approx(ref) and omni["p"] >= 2 / 16


def test_mixed_model_says_when_the_patient_variance_is_at_its_boundary():
    # every patient's noise sums to zero: no between-patient variation at all
    rng = np.random.default_rng(0)
    wide = {}
    for i in range(6):
        e = rng.normal(0, 1, 3)
        wide[f"P{i}"] = (10 - np.array([0, 1, 2]) + e - e.mean()).tolist()
    out = vs_baseline(long_frame(wide, weeks=[0, 4, 8]), "y", method="mixed")
    assert out["note"].str.contains("boundary").all()
    assert out["p"].notna().all()  # 6 patients: still tested, on between-within df
    # 5 patients whose levels differ less than their noise: with complete data REML's patient variance is
    # max(0, (MS_patients - MS_error) / visits), so it is 0 exactly when MS_patients <= MS_error.
    small = {}
    for i in range(5):
        e = rng.normal(0, 1, 3)
        small[f"P{i}"] = (10 - np.array([0, 1, 2]) + e - e.mean() + 0.05 * i).tolist()
    visits = long_frame(small, weeks=[0, 4, 8])
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    table = sm.stats.anova_lm(smf.ols("y ~ C(patient_id) + C(week)", visits).fit())
    assert table.loc["C(patient_id)", "mean_sq"] < table.loc["Residual", "mean_sq"]
    out = vs_baseline(visits, "y", method="mixed")
    assert out["p"].isna().all() and out["note"].str.contains("boundary").all()
    assert out["note"].str.contains("degenerate").all()
    assert math.isnan(omnibus(visits, "y", method="mixed").iloc[0]["p"])


def test_bundled_small_subgroups_get_no_near_zero_mixed_model_p(cohort):
    qiu = cohort.filter(studies=("qiu2024",))
    features = qiu.patient_features()
    mas = features.loc[features["prior_mas"].astype("boolean").fillna(False).astype(bool), "patient_id"]
    assert len(mas) == 3
    out = vs_baseline(qiu.visits[qiu.visits["patient_id"].isin(mas)], "active_joints", method="mixed")
    assert (out["p"].isna() | (out["p"] >= 0.25)).all()  # 3 patients: nothing below 2/8 is possible
    vastert = cohort.filter(studies=("vastert2011",))
    omni = omnibus(vastert.visits, "sjadas27", method="mixed").iloc[0]
    assert omni["n"] == 5 and (math.isnan(omni["p"]) or omni["p"] >= 2 / 2 ** 5)


def test_compare_methods_stacks_the_four_methods():
    visits = random_cohort(12)
    out = compare_methods(visits, "y")
    assert out["method"].tolist() == [m for m in stats.METHODS for _ in WEEKS[1:]]
    assert list(out.columns[:9]) == ["outcome", "week", "n", "mean", "diff_vs_baseline", "statistic", "p",
                                     "p_adjusted", "method"]
    assert "note" in out.columns
    assert compare_omnibus(visits, "y")["method"].tolist() == list(stats.METHODS)


def test_pairing_makes_the_paired_tests_far_more_sensitive_than_the_paper_method():
    # large differences between patients, a small but consistent fall in every one of them
    falls = [1.0, 1.3, 0.8, 1.1, 1.2, 0.9]
    visits = long_frame({f"P{i}": [base, base - f, base - 1.2 * f]
                         for i, (base, f) in enumerate(zip([2, 9, 15, 22, 30, 41], falls))}, weeks=[0, 4, 8])
    p = compare_methods(visits, "y").set_index(["method", "week"])["p"]
    assert p[("paper", 8)] > 0.5
    assert p[("rm_anova", 8)] < 0.001


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        vs_baseline(random_cohort(1), "y", method="anova")


# --- small-n honesty ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", stats.METHODS)
def test_a_visit_with_two_patients_gets_no_p_value(method):
    visits = random_cohort(13, n=6)
    visits.loc[(visits["week"] == 24) & ~visits["patient_id"].isin(["P00", "P01"]), "y"] = np.nan
    out = vs_baseline(visits, "y", method=method).set_index("week")
    assert math.isnan(out.loc[24, "p"]) and math.isnan(out.loc[24, "p_adjusted"])
    assert f"only 2 patients with a value at week 24; fewer than {MIN_PATIENTS}" in out.loc[24, "note"]
    assert out.loc[24, "n"] == 2
    assert np.isfinite(out.loc[4, "p"])


@pytest.mark.parametrize("method", stats.METHODS)
def test_two_patients_in_all_get_no_p_values(method):
    visits = long_frame({"a": [5, 1, 0, 0, 0], "b": [7, 2, 1, 0, 0]})
    out = vs_baseline(visits, "y", method=method)
    assert out["p"].isna().all()
    assert out["note"].str.contains("only 2 patients").all()
    assert np.isnan(omnibus(visits, "y", method=method).iloc[0]["p"])


@pytest.mark.parametrize("method", stats.METHODS)
def test_no_variation_gives_no_p_values(method):
    visits = long_frame({p: [3, 3, 3] for p in "abcd"}, weeks=[0, 4, 8])
    out = vs_baseline(visits, "y", method=method)
    assert out["p"].isna().all()
    assert (out["note"].str.len() > 0).all()
    row = omnibus(visits, "y", method=method).iloc[0]
    assert np.isnan(row["p"]) and row["note"]


def test_identical_changes_give_no_paired_t_or_wilcoxon():
    visits = long_frame({"a": [5, 4], "b": [7, 6], "c": [9, 8], "d": [2, 1]}, weeks=[0, 4])
    rm = vs_baseline(visits, "y", method="rm_anova").iloc[0]
    assert np.isnan(rm["p"]) and "same amount" in rm["note"]
    assert rm["diff_vs_baseline"] == -1


def test_friedman_with_too_few_changers_says_so():
    visits = long_frame({"a": [5, 5], "b": [7, 7], "c": [9, 8], "d": [2, 2]}, weeks=[0, 4])
    out = vs_baseline(visits, "y", method="friedman").iloc[0]
    assert np.isnan(out["p"]) and "only 1 patient changed" in out["note"]


def test_no_baseline_week_is_an_error():
    with pytest.raises(ValueError, match="baseline"):
        vs_baseline(long_frame({"a": [1, 2]}, weeks=[4, 8]), "y")


def test_duplicate_visits_are_an_error():
    visits = pd.concat([random_cohort(1, n=3), random_cohort(1, n=3).iloc[:1]])
    with pytest.raises(ValueError, match="more than one row"):
        vs_baseline(visits, "y")


# --- two groups -------------------------------------------------------------------------------

def _u_distribution_by_enumeration(m, n):
    """P(U = u) of Mann–Whitney U by listing every split of ranks 1..m+n (no ties)."""
    counts = np.zeros(m * n + 1)
    for chosen in itertools.combinations(range(m + n), m):
        u = sum(r for r in chosen) - m * (m - 1) / 2  # U = rank sum - m(m+1)/2, ranks from 0
        counts[int(u)] += 1
    return counts / counts.sum()


def test_hodges_lehmann_on_a_hand_worked_example():
    # x - y, all 25 differences sorted:
    # -1 1 1 2 3 3 3 4 4 5 5 5 6 6 7 7 7 8 8 9 9 10 10 11 12
    # estimate = 13th = 6. For m = n = 5 the null counts of U = 0, 1, 2, 3 are 1, 1, 2, 3 of 252,
    # so P(U <= 2) = 4/252 < 0.025 <= P(U <= 3) = 7/252: k = 3, interval = [3rd, 23rd] = [1, 10],
    # achieved coverage 1 - 2 * 4/252.
    r = hodges_lehmann([5, 7, 9, 11, 13], [1, 2, 3, 4, 6])
    assert r["estimate"] == 6
    assert (r["ci_low"], r["ci_high"]) == (1, 10)
    assert r["ci_level"] == pytest.approx(1 - 2 * 4 / 252)


def test_mann_whitney_null_distribution_matches_enumeration():
    for m, n in [(3, 3), (4, 5), (5, 5), (2, 6)]:
        ref = np.cumsum(_u_distribution_by_enumeration(m, n))
        np.testing.assert_allclose(stats._mann_whitney_null_cdf(m, n), ref)


def test_hodges_lehmann_interval_uses_the_enumerated_critical_value():
    rng = np.random.default_rng(2)
    x, y = rng.normal(2, 1, 6), rng.normal(0, 1, 7)
    cdf = np.cumsum(_u_distribution_by_enumeration(6, 7))
    k = int(np.argmax(cdf >= 0.025))  # smallest k with P(U <= k) >= alpha/2
    d = np.sort((x[:, None] - y[None, :]).ravel())
    r = hodges_lehmann(x, y)
    assert r["estimate"] == pytest.approx(np.median(d))
    assert (r["ci_low"], r["ci_high"]) == (d[k - 1], d[len(d) - k])


def test_hodges_lehmann_too_small_for_95_percent_says_so():
    r = hodges_lehmann([1, 2, 3], [4, 5, 6])  # smallest two-sided p is 2/20 = 0.1
    assert math.isnan(r["ci_low"]) and "too small" in r["note"]


def _groups_data(changes_1, changes_2):
    ids = [f"P{i}" for i in range(len(changes_1) + len(changes_2))]
    base = [20.0] * len(ids)
    later = [20.0 + c for c in list(changes_1) + list(changes_2)]
    visits = pd.DataFrame({"patient_id": ids * 2, "week": [0] * len(ids) + [24] * len(ids), "y": base + later})
    patients = pd.DataFrame({"patient_id": ids, "early": [True] * len(changes_1) + [False] * len(changes_2)})
    return visits, patients


def test_compare_groups_equals_scipy_exact_mann_whitney():
    c1, c2 = [-12.5, -8.0, -15.0, -9.5, -11.0], [-4.0, -7.5, -1.0, -6.0]
    visits, patients = _groups_data(c1, c2)
    out = compare_groups(visits, patients, "y", "early", week=24, order=("yes", "no")).iloc[0]
    ref = st.mannwhitneyu(c1, c2, method="exact")
    assert out["statistic"] == ref.statistic
    assert out["p"] == pytest.approx(ref.pvalue)
    assert (out["n_1"], out["n_2"]) == (5, 4)
    assert out["median_change_1"] == np.median(c1) and out["median_change_2"] == np.median(c2)
    assert out["hl_shift"] == np.median(np.subtract.outer(c1, c2))


def test_compare_groups_refuses_an_order_that_names_no_group_of_the_column():
    """order=(True, False) on a yes/no column silently gave n_1 = n_2 = 0; a group with no patient is still fine."""
    visits, patients = _groups_data([-3, -2, -5], [-1, 0, -1])
    with pytest.raises(ValueError, match="its groups are 'no', 'yes'"):
        compare_groups(visits, patients, "y", "early", week=24, order=(True, False))
    with pytest.raises(ValueError, match="'maybe'"):
        compare_groups(visits, patients, "y", "early", week=24, order=("yes", "maybe"))
    only_yes = patients.assign(early=True)
    r = compare_groups(visits, only_yes, "y", "early", week=24, order=("yes", "no")).iloc[0]
    assert (r["n_1"], r["n_2"]) == (6, 0) and np.isnan(r["p"])


def test_compare_groups_with_ties_is_exact_by_enumeration():
    c1, c2 = [-3, -2, -2, -1], [-1, 0, 0, -2, 0]
    visits, patients = _groups_data(c1, c2)
    out = compare_groups(visits, patients, "y", "early", week=24, order=("yes", "no")).iloc[0]
    pooled = np.array(c1 + c2, float)
    ranks = st.rankdata(pooled)
    observed = ranks[: len(c1)].sum()
    sums = np.array([ranks[list(ix)].sum() for ix in itertools.combinations(range(len(pooled)), len(c1))])
    # With ties the null distribution of the rank sum is not symmetric; the two-sided p doubles the
    # smaller tail (the convention of scipy's exact and permutation tests).
    lower, upper = np.mean(sums <= observed + 1e-9), np.mean(sums >= observed - 1e-9)
    p_ref = min(1.0, 2 * min(lower, upper))
    assert out["p"] == pytest.approx(p_ref)
    assert "exact" in out["note"]


def test_compare_groups_with_two_patients_in_a_group_gives_no_p():
    visits, patients = _groups_data([-10, -12], [-1, -2, -3, -4])
    out = compare_groups(visits, patients, "y", "early", week=24).iloc[0]
    assert np.isnan(out["p"])
    assert "only 2 patients in group yes" in out["note"]
    assert (out["n_1"], out["n_2"]) == (4, 2)  # sorted labels: "no" first


def test_compare_groups_refuses_a_column_with_three_values():
    visits, patients = _groups_data([-1, -2, -3], [-4, -5, -6])
    patients = patients.assign(arm=["a", "b", "c", "a", "b", "c"])
    with pytest.raises(ValueError, match="exactly two values"):
        compare_groups(visits, patients, "y", "arm", week=24)


# --- steroids ------------------------------------------------------------------------------

def steroid_visits():
    doses = {"a": [1.0, 0.0, 0.0], "b": [0.8, 0.4, 0.0], "c": [0.5, 0.3, 0.2], "d": [0.0, 0.0, 0.0],
             "e": [0.6, None, 0.0]}
    return long_frame(doses, weeks=[0, 4, 12], outcome="steroid_mg_kg_day")


def test_steroid_free_counts_and_clopper_pearson_interval():
    out = steroid_free(steroid_visits()).set_index("week")
    # on steroid at week 0: a, b, c, e (d never was)
    assert out.loc[4, ["n", "n_missing", "k"]].tolist() == [3, 1, 1]
    assert out.loc[12, ["n", "k"]].tolist() == [4, 3]
    # Clopper–Pearson from beta quantiles
    for w, (k, n) in {4: (1, 3), 12: (3, 4)}.items():
        lo = st.beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
        hi = st.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
        assert out.loc[w, "ci_low"] == pytest.approx(lo)
        assert out.loc[w, "ci_high"] == pytest.approx(hi)
        assert out.loc[w, "proportion"] == pytest.approx(k / n)


def test_time_to_steroid_free_is_the_product_limit_estimate():
    out = time_to_steroid_free(steroid_visits()).set_index("week")
    # 4 followed; a stops at 4; b and e stop at 12; c censored at 12
    # S(4) = 3/4; S(12) = 3/4 * (1 - 2/3) = 1/4
    assert out.loc[4, ["n_at_risk", "n_events"]].tolist() == [4, 1]
    assert out.loc[12, ["n_at_risk", "n_events"]].tolist() == [3, 2]
    assert out.loc[4, "proportion_steroid_free"] == pytest.approx(1 / 4)
    assert out.loc[12, "proportion_steroid_free"] == pytest.approx(3 / 4)
    # log(-log) interval around S(4) = 3/4 with Greenwood's variance
    s, var = 0.75, 0.75 ** 2 * (1 / (4 * 3))
    half = 1.959963984540054 * math.sqrt(var) / (s * abs(math.log(s)))
    assert out.loc[4, "ci_low"] == pytest.approx(1 - s ** math.exp(-half))
    assert out.loc[4, "ci_high"] == pytest.approx(1 - s ** math.exp(half))


def test_cumulative_steroid_dose_by_the_trapezoid_rule():
    out = cumulative_steroid_dose(steroid_visits()).set_index("patient_id")
    # a: (1 + 0)/2 * 28 days = 14; then 0
    assert out.loc["a", "cumulative_mg_kg"] == pytest.approx(14.0)
    # b: (0.8 + 0.4)/2 * 28 + (0.4 + 0)/2 * 56 = 16.8 + 11.2
    assert out.loc["b", "cumulative_mg_kg"] == pytest.approx(28.0)
    # e: week 4 missing, the line is drawn from week 0 to 12: 0.6/2 * 84
    assert out.loc["e", "cumulative_mg_kg"] == pytest.approx(25.2)
    assert "1 visit without a recorded dose" in out.loc["e", "note"]
    assert out.loc["d", "cumulative_mg_kg"] == 0


# --- safety ------------------------------------------------------------------------------------

def test_poisson_interval_by_hand_with_the_chi_square_method():
    rate, lo, hi = poisson_rate_ci(20, 5.5)
    assert rate == pytest.approx(20 / 5.5 * 100)
    assert lo == pytest.approx(st.chi2.ppf(0.025, 40) / 2 / 5.5 * 100)
    assert hi == pytest.approx(st.chi2.ppf(0.975, 42) / 2 / 5.5 * 100)
    assert poisson_rate_ci(0, 2.0)[1] == 0.0


def test_adverse_event_rate_is_the_published_364_per_100_patient_years_for_20_events():
    patients = pd.DataFrame({"patient_id": [f"P{i}" for i in range(pub.N_PATIENTS)]})
    owners = [f"P{i}" for i in range(pub.N_PATIENTS_WITH_AE)]
    events = pd.DataFrame({"patient_id": owners + [owners[0]] * (pub.N_AE - len(owners))})
    out = adverse_event_summary(events, patients, follow_up_years=pub.AE_FOLLOW_UP_YEARS).iloc[0]
    assert out["n_events"] == pub.N_AE
    assert out["n_patients_with_event"] == pub.N_PATIENTS_WITH_AE
    assert out["patient_years"] == pytest.approx(pub.N_PATIENTS * pub.AE_FOLLOW_UP_YEARS)
    assert pub.AE_RATE_PER_100_PY.matches(out["rate_per_100_py"])
    py = pub.N_PATIENTS * pub.AE_FOLLOW_UP_YEARS
    assert out["ci_low"] == pytest.approx(100 * st.chi2.ppf(0.025, 2 * pub.N_AE) / 2 / py)
    assert out["ci_high"] == pytest.approx(100 * st.chi2.ppf(0.975, 2 * pub.N_AE + 2) / 2 / py)


def test_adverse_events_by_term_and_exposure_from_months():
    patients = pd.DataFrame({"patient_id": ["a", "b", "c"], "exposure_months": [12.0, 6.0, 18.0]})
    events = pd.DataFrame({"patient_id": ["a", "a", "b", "zz"], "term": ["URTI", "rash", "URTI", "URTI"]})
    with pytest.warns(stats.NoRecordingWindowWarning, match="no adverse-event recording window"):
        out = adverse_event_summary(events, patients, by="term").set_index("group")
    assert out.loc["all adverse events", "n_events"] == 3  # zz is not a patient
    assert (out["window"] == stats.rates.EXPOSURE_WINDOW).all()
    assert out.loc["URTI", ["n_events", "n_patients_with_event"]].tolist() == [2, 2]
    assert out.loc["all adverse events", "patient_years"] == pytest.approx(3.0)
    assert "exposure_months" in out.loc["URTI", "note"] and "1 event" in out.loc["URTI", "note"]


# --- the ledger ------------------------------------------------------------------------------------

def test_ledger_counts_the_tests_that_produced_a_p_value():
    ledger = TestLedger()
    visits = random_cohort(14, n=6)
    vs_baseline(visits, "y", method="paper", ledger=ledger)  # 4
    omnibus(visits, "y", method="paper", ledger=ledger)  # 1
    visits.loc[visits["week"] == 24, "y"] = np.nan
    vs_baseline(visits, "y", method="rm_anova", ledger=ledger)  # 3 (week 24 has no values)
    v2, p2 = _groups_data([-3, -2, -5], [-1, 0, -1])
    compare_groups(v2, p2, "y", "early", week=24, ledger=ledger)  # 1
    assert ledger.n_tests == 9
    assert ledger.to_frame()["n_tests"].tolist() == [4, 1, 3, 1]
    assert ledger.summary() == "9 tests in 4 analyses"
    assert TestLedger().n_tests == 0  # no state shared between ledgers


def test_the_same_test_shown_twice_counts_once_and_another_selection_counts_again():
    ledger = TestLedger()
    visits = random_cohort(16, n=8)
    for method in stats.METHODS:  # each single method first ...
        vs_baseline(visits, "y", method=method, ledger=ledger)
    assert ledger.n_tests == 16
    compare_methods(visits, "y", ledger=ledger)  # ... then "all four": nothing new
    assert ledger.n_tests == 16 and ledger.to_frame()["n_repeated"].iloc[-4:].tolist() == [4, 4, 4, 4]
    compare_methods(visits, "y", ledger=ledger.scoped("girls only"))  # another selection: 16 new tests
    assert ledger.n_tests == 32
    assert set(ledger.to_frame()["selection"]) == {"", "girls only"}
    ledger.reset()
    assert ledger.n_tests == 0 and ledger.to_frame().empty


def test_a_ledger_without_scopes_tells_selections_apart_by_their_patients(cohort):
    """Qiu's 11 and Vastert's 5 patients give different p-values: 4 tests each, not 4 and 4 repeats."""
    ledger = TestLedger()
    qiu, vastert = (cohort.filter(studies=(s,)) for s in ("qiu2024", "vastert2011"))
    vs_baseline(qiu.visits, "sjadas27", method="rm_anova", ledger=ledger)
    assert ledger.n_tests == 4
    vs_baseline(vastert.visits, "sjadas27", method="rm_anova", ledger=ledger)
    assert ledger.n_tests == 8 and ledger.to_frame()["n_repeated"].tolist() == [0, 0]
    vs_baseline(qiu.visits.sample(frac=1, random_state=1), "sjadas27", method="rm_anova", ledger=ledger)
    assert ledger.n_tests == 8  # the same patients (in another order): shown again, not new


def test_the_ledgers_table_follows_every_record_and_reset_and_a_change_to_it_stays_outside():
    """The table is kept between records (the app asks for it on every redraw); it must never be stale."""
    ledger = TestLedger()
    ledger.record("overall test across visits", "sjadas27", "paper", 3)
    first = ledger.to_frame()
    first.loc[0, "n_tests"] = 99  # a caller's change
    assert ledger.to_frame()["n_tests"].tolist() == [3]
    ledger.record("vs week 0", "sjadas27", "paper", 2)
    assert ledger.to_frame()["n_tests"].tolist() == [3, 2]
    ledger.reset()
    assert ledger.to_frame().empty
    ledger.record("vs week 0", "sjadas27", "paper", 2)  # as many entries as once before, after a reset
    assert ledger.to_frame()["n_tests"].tolist() == [2] and ledger.to_frame()["analysis"].tolist() == ["vs week 0"]


def test_the_ledger_sentence_says_what_chance_alone_would_give():
    ledger = TestLedger()
    ledger.record("Table 1", "sex", "Fisher's exact", 1)
    ledger.record("overall test across visits", "y", "paper", 13)
    assert ledger.n_tests == 14 and ledger.expected_by_chance() == pytest.approx(0.7)
    text = ledger.sentence()
    assert "14 different p-values" in text and "about 0.7 of them below 0.05" in text
    assert "would be 51%" in text  # 1 - 0.95^14 = 0.512, by hand


# --- inputs are not changed ---------------------------------------------------------------------

def test_no_function_changes_its_input():
    visits = random_cohort(15, n=7)
    visits["steroid_mg_kg_day"] = np.tile([0.5, 0.3, 0.1, 0.0, 0.0], 7)
    patients = pd.DataFrame({"patient_id": [f"P{i:02d}" for i in range(7)], "early": [True, False] * 3 + [None],
                             "exposure_months": [12.0] * 7})
    events = pd.DataFrame({"patient_id": ["P00", "P01"], "term": ["URTI", "URTI"]})
    frames = (visits, patients, events)
    before = [f.copy(deep=True) for f in frames]
    compare_methods(visits, "y")
    compare_omnibus(visits, "y")
    compare_groups(visits, patients, "y", "early", week=24)
    steroid_free(visits)
    time_to_steroid_free(visits)
    cumulative_steroid_dose(visits)
    adverse_event_summary(events, patients, by="term")
    for f, b in zip(frames, before):
        pd.testing.assert_frame_equal(f, b)


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, sjia_explore.stats; print('statsmodels' in sys.modules, 'scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


# --- Qiu 2024: the bundled data reproduce the published p-values ------------------------------------

def test_joint_count_anova_p_is_the_published_0_0059(qiu):
    row = omnibus(qiu.visits, "active_joints", method="paper").iloc[0]
    assert row["n"] == pub.N_PATIENTS and row["n_observations"] == pub.N_PATIENTS * len(pub.WEEKS)
    assert pub.JOINTS_ANOVA_P.matches(row["p"])
    groups = [qiu.visits.loc[qiu.visits["week"] == w, "active_joints"].astype(float) for w in pub.WEEKS]
    assert row["p"] == pytest.approx(st.f_oneway(*groups).pvalue)


def test_sjadas27_anova_p_is_below_the_published_0_0001(qiu):
    row = omnibus(qiu.visits, "sjadas27", method="paper").iloc[0]
    assert row["p"] < pub.SJADAS_ANOVA_P_BELOW


def test_mean_active_joints_falls_from_5_9_to_0_9(qiu):
    out = vs_baseline(qiu.visits, "active_joints", method="paper").set_index("week")
    base = qiu.visits.loc[qiu.visits["week"] == 0, "active_joints"].astype(float).mean()
    assert pub.JOINTS_MEAN_WEEK_0.matches(base)
    assert pub.JOINTS_MEAN_WEEK_24.matches(out.loc[24, "mean"])


def test_steroid_free_1_3_4_of_4_at_weeks_4_12_24(qiu):
    out = steroid_free(qiu.visits).set_index("week")
    for week, k in pub.STEROID_FREE_BY_WEEK.items():
        assert out.loc[week, "k"] == k
        assert out.loc[week, "n"] == pub.N_BASELINE_STEROID


def test_steroid_stopped_one_two_one_at_weeks_4_12_24(qiu):
    out = time_to_steroid_free(qiu.visits).set_index("week")
    assert {w: int(out.loc[w, "n_events"]) for w in pub.STEROID_STOPPED_AT_WEEK} == pub.STEROID_STOPPED_AT_WEEK


def test_bundled_adverse_event_rate_is_364(qiu):
    out = adverse_event_summary(qiu.adverse_events, qiu.patients, follow_up_years=pub.AE_FOLLOW_UP_YEARS).iloc[0]
    assert out["n_events"] == pub.N_AE and out["n_patients_with_event"] == pub.N_PATIENTS_WITH_AE
    assert pub.AE_RATE_PER_100_PY.matches(out["rate_per_100_py"])


def test_the_bundled_recording_window_is_the_default_and_printed_with_the_rate(qiu):
    # the issue: the full exposure gave 175.8 / 100 PY; events were recorded over weeks 1-24 (0.5 years)
    import json
    import warnings

    from sjia_explore.data import bundled_data_dir

    package = json.loads((bundled_data_dir() / "datapackage.json").read_text(encoding="utf-8"))
    window = next(s for s in package["sources"] if s["sjia:key"] == "qiu2024")["sjia:adverse_event_window"]
    assert (window["first_week"], window["last_week"], window["years_per_patient"]) == (1, 24, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a known window: no warning
        out = adverse_event_summary(qiu.adverse_events, qiu.patients).iloc[0]
    assert out["patient_years"] == pytest.approx(11 * 0.5)
    assert out["rate_per_100_py"] == pytest.approx(100 * 20 / 5.5)  # 363.6, by hand
    assert out["window"] == "weeks 1–24 (0.5 years per patient)" and "weeks 1–24" in out["note"]
    with pytest.warns(stats.NoRecordingWindowWarning, match="qiu2024"):
        exposure = adverse_event_summary(qiu.adverse_events, qiu.patients, windows={}).iloc[0]
    years = qiu.patients["exposure_months"].astype(float).sum() / 12
    assert exposure["rate_per_100_py"] == pytest.approx(100 * 20 / years)  # the diluted 175.8
    assert round(float(exposure["rate_per_100_py"]), 1) == 175.8


def test_patients_whose_adverse_events_were_not_collected_are_no_denominator(cohort, tmp_path):
    """Vastert 2011 reported no adverse events: its patients are not counted as 0 events (the pooled rate used
    to be 216 / 100 PY, Qiu's 20 events over 5.5 + 3.75 patient-years); alone, they give no rate at all."""
    vastert = cohort.filter(studies=("vastert2011",))
    assert stats.unrecorded_studies() == {"vastert2011": "not reported"}
    alone = adverse_event_summary(vastert.adverse_events, vastert.patients).iloc[0]
    assert alone["n_patients"] == 0 and pd.isna(alone["n_events"]) and pd.isna(alone["rate_per_100_py"])
    assert "5 patients of vastert2011 left out: adverse events not reported" in alone["note"]
    pooled = adverse_event_summary(cohort.adverse_events, cohort.patients).iloc[0]
    assert pooled["n_patients"] == 11 and pooled["patient_years"] == pytest.approx(5.5)
    assert pooled["rate_per_100_py"] == pytest.approx(100 * 20 / 5.5)  # the paper's 363.6, by hand
    assert cohort.adverse_event_summary().iloc[0]["rate_per_100_py"] == pytest.approx(100 * 20 / 5.5)
    # told nothing is missing, the old pooled figure comes back: the parameter is what changes it
    told = adverse_event_summary(cohort.adverse_events, cohort.patients, not_recorded={}).iloc[0]
    assert told["n_patients"] == 16 and told["patient_years"] > 5.5
    # your own files with no adverse-events table: "not recorded", never a rate of 0
    (tmp_path / "patients.csv").write_text(
        "patient_id,study,months_onset_to_treatment,exposure_months\nA,mine,3,6\nB,mine,20,12\n", encoding="utf-8")
    (tmp_path / "visits.csv").write_text("patient_id,week,active_joints\nA,0,2\nB,0,1\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        own = load_cohort(tmp_path)
    r = own.adverse_event_summary().iloc[0]
    assert r["n_patients"] == 0 and pd.isna(r["rate_per_100_py"])
    assert "2 patients of mine left out: adverse events not recorded" in r["note"]


def test_recording_windows_are_read_from_a_users_datapackage(tmp_path):
    (tmp_path / "datapackage.json").write_text(
        '{"sources": [{"sjia:key": "mine", "sjia:adverse_event_window": {"first_week": 0, "last_week": 52, '
        '"years_per_patient": 1}}]}', encoding="utf-8")
    windows = stats.recording_windows(tmp_path)
    patients = pd.DataFrame({"patient_id": ["a", "b"], "study": ["mine", "mine"]})
    events = pd.DataFrame({"patient_id": ["a"]})
    out = adverse_event_summary(events, patients, windows=windows).iloc[0]
    assert out["patient_years"] == 2 and out["rate_per_100_py"] == pytest.approx(50)
    assert out["window"] == "weeks 0–52 (1 years per patient)"
    (tmp_path / "datapackage.json").write_text('{"sources": [{"sjia:key": "mine", '
                                               '"sjia:adverse_event_window": {"first_week": "x"}}]}')
    with pytest.raises(ValueError, match="datapackage.json: the sjia:adverse_event_window of source mine"):
        stats.recording_windows(tmp_path)


def test_all_four_methods_run_on_the_bundled_data(qiu):
    for outcome in ("active_joints", "sjadas27"):
        out = compare_methods(qiu.visits, outcome)
        assert len(out) == 4 * (len(pub.WEEKS) - 1)
        assert (out["n"] == pub.N_PATIENTS).all()
        assert out["p"].notna().sum() >= 12


def test_two_patients_never_give_a_negative_count_of_dropped_patients():
    # the example: rm_anova on two patients said "-2 patients without a value at every visit"
    visits = pd.DataFrame({"patient_id": list("abab"), "week": [0, 0, 4, 4], "y": [2, 3, 1, 2]})
    for method in ("rm_anova", "friedman"):
        row = omnibus(visits, "y", method=method).iloc[0]
        assert "-2" not in row["note"] and "without a value at every visit" not in row["note"]
        assert "only 2 patients" in row["note"] and math.isnan(row["p"])


# --- Friedman at tiny n: exact permutation ------------------------------------------------------------

def _friedman_p_by_brute_force(y):
    """Every ordering of every patient's values, scored by scipy's Friedman χ² (the reference)."""
    observed = st.friedmanchisquare(*y.T).statistic
    hits = total = 0
    for orders in itertools.product(itertools.permutations(range(y.shape[1])), repeat=y.shape[0]):
        stat = st.friedmanchisquare(*np.array([row[list(o)] for row, o in zip(y, orders)]).T).statistic
        hits += stat >= observed - 1e-9
        total += 1
    return hits / total


def test_friedman_exact_p_matches_friedmans_table():
    # Friedman (1937) / Siegel's table: n = 3, k = 3, χ²r = 6.00 has exact p = 0.028 (1/36)
    visits = long_frame({"a": [3, 2, 1], "b": [3, 2, 1], "c": [3, 2, 1]}, weeks=[0, 4, 8])
    row = omnibus(visits, "y", method="friedman").iloc[0]
    assert row["statistic"] == pytest.approx(6.0)
    assert row["p"] == pytest.approx(1 / 36)
    assert st.chi2.sf(6.0, 2) == pytest.approx(0.0498, abs=1e-4)  # what the χ² approximation said
    assert "exact" in row["test"] and "exact" in row["note"]


@pytest.mark.parametrize("seed", range(3))
def test_friedman_exact_p_equals_brute_force_enumeration_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=(4, 3)).astype(float)  # small integers: ties within patients
    visits = long_frame({f"p{i}": y[i].tolist() for i in range(4)}, weeks=[0, 4, 8])
    row = omnibus(visits, "y", method="friedman").iloc[0]
    if np.isnan(row["p"]):
        return
    assert row["p"] == pytest.approx(_friedman_p_by_brute_force(y))


def test_friedman_names_the_approximation_when_the_orderings_are_too_many(monkeypatch):
    from sjia_explore.stats import exact

    visits = random_cohort(3, n=5)
    monkeypatch.setattr(exact, "FRIEDMAN_EXACT_MAX_STATES", 10)
    row = omnibus(visits, "y", method="friedman").iloc[0]
    ref = st.friedmanchisquare(*visits.pivot(index="patient_id", columns="week", values="y").to_numpy().T)
    assert row["p"] == pytest.approx(ref.pvalue)
    assert "approximation" in row["test"] and "approximation" in row["note"]


# --- sustained steroid-free --------------------------------------------------------------------------

def _restart_example():
    # the example: a stops at week 4 and restarts; b never stops; c stops at week 4 and stays off
    doses = {"a": [1, 0, 0.5, 0.5], "b": [1, 0.5, 0.5, 0.5], "c": [1, 0, 0, 0]}
    return long_frame(doses, weeks=[0, 4, 12, 24], outcome="steroid_mg_kg_day")


def test_a_restart_is_not_steroid_free_in_the_kaplan_meier_estimate():
    km = time_to_steroid_free(_restart_example()).set_index("week")
    # by hand: only c stops for good, at week 4, of 3 at risk: 1 - 2/3 = 1/3 (the old estimate said 2/3)
    assert km.loc[4, "n_events"] == 1 and km.loc[4, "n_at_risk"] == 3
    assert km.loc[4, "proportion_steroid_free"] == pytest.approx(1 / 3)
    assert list(km.index) == [0, 4]
    assert (km["n_restarted"] == 1).all()
    assert "1 patient stopped and restarted" in km.loc[0, "note"] and "sustained" in km.loc[0, "note"]


def test_a_restart_is_not_steroid_free_at_the_visit_it_stopped():
    out = steroid_free(_restart_example()).set_index("week")
    assert out.loc[4, "k_off_at_visit"] == 2 and out.loc[4, "k"] == 1 and out.loc[4, "k_restarted_later"] == 1
    assert out.loc[4, "proportion"] == pytest.approx(1 / 3)
    ci = st.binomtest(1, 3).proportion_ci(method="exact")
    assert (out.loc[4, "ci_low"], out.loc[4, "ci_high"]) == pytest.approx((ci.low, ci.high))
    assert "restarted later" in out.loc[4, "note"]
    assert out.loc[24, "k"] == 1 and out.loc[24, "k_restarted_later"] == 0
    assert out["note"].str.contains("sustained").all()


def test_the_within_patient_check_equals_the_two_way_fixed_effects_residual():
    import statsmodels.formula.api as smf

    from sjia_explore.stats.mixed import _no_within_variation

    visits = random_cohort(21, n=7)
    visits.loc[[2, 9, 20], "y"] = np.nan  # unbalanced
    data = visits.dropna().rename(columns={"patient_id": "subject", "y": "value"})
    assert smf.ols("value ~ C(subject) + C(week)", data).fit().ssr > 1
    assert not _no_within_variation(data)
    # values that are exactly patient + visit effects: no residual at all
    exact = data.assign(value=data["subject"].str[1:].astype(float) * 3 + data["week"] / 4)
    assert smf.ols("value ~ C(subject) + C(week)", exact).fit().ssr == pytest.approx(0, abs=1e-9)
    assert _no_within_variation(exact)
