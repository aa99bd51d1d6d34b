"""data/literature.csv holds each published figure exactly as its source prints it.

SOURCE_FIGURES below is a second, independent transcription from the sources'
own words (abstracts and tables), typed separately from the CSV: every CSV
number must agree with it, and every figure in it must be in the CSV.
"""

import json
from pathlib import Path

import pandas as pd
import pytest

from sjia_explore import published
from sjia_explore.literature import FIELDS, FILENAME, literature

DATA = Path(__file__).parents[1] / "data"

# (study_id, outcome, group, time point) -> (numerator, denominator, percent as printed); None where not printed.
SOURCE_FIGURES = {
    # Vastert 2014 abstract: "At the 3-month time point, 85% ... After 1 year, 17 of the 20 patients ...
    # After 2 years, 12 (86%) of 14 ... After 3 years, 10 (91%) of 11"
    ("vastert2014", "aacr_pedi_90_or_inactive", "all", "3 months"): (None, None, 85),
    ("vastert2014", "inactive_disease", "all", "1 year"): (17, 20, None),
    ("vastert2014", "remission", "all", "2 years"): (12, 14, 86),
    ("vastert2014", "remission", "all", "3 years"): (10, 11, 91),
    # Nigrovic 2011 abstract: "Active arthritis persisted at 1 month in 39% ..., at 3 months in 27%, and at >6 months
    # of followup in 11%"; "including 8 of 10 receiving anakinra monotherapy, attained a complete response"
    ("nigrovic2011", "active_arthritis", "all", "1 month"): (None, None, 39),
    ("nigrovic2011", "active_arthritis", "all", "3 months"): (None, None, 27),
    ("nigrovic2011", "active_arthritis", "all", ">6 months of follow-up"): (None, None, 11),
    ("nigrovic2011", "complete_response", "anakinra monotherapy", "median follow-up 14.5 months"): (8, 10, None),
    # ANAJIS (Quartier 2011), as quoted: "Eight of 12 patients (67%) ... compared with only one of 12 patients (8%)
    # who received placebo. Modified pediatric ACR 50 and pediatric ACR 70 ... 58% and 42%"
    ("quartier2011", "acr_pedi_30_modified", "anakinra arm", "month 1"): (8, 12, 67),
    ("quartier2011", "acr_pedi_30_modified", "placebo arm", "month 1"): (1, 12, 8),
    ("quartier2011", "acr_pedi_50_modified", "anakinra arm", "month 1"): (None, None, 58),
    ("quartier2011", "acr_pedi_70_modified", "anakinra arm", "month 1"): (None, None, 42),
    # Ruperto 2012 trial 1 abstract "(36 of 43 [84%]" and the Ann Rheum Dis review table: "M1: 13 (30%)",
    # "ACR70 29/43 (67%)", "ACR90 20/43 (47%)", placebo "aACR70 1/41 (2%)"; open-label lead-in "55/176 (31)"
    ("ruperto2012", "acr_pedi_30_adapted", "canakinumab arm", "day 15"): (36, 43, 84),
    ("ruperto2012", "inactive_disease", "canakinumab arm", "month 1"): (13, 43, 30),
    ("ruperto2012", "acr_pedi_70_adapted", "canakinumab arm", "month 1"): (29, 43, 67),
    ("ruperto2012", "acr_pedi_90_adapted", "canakinumab arm", "month 1"): (20, 43, 47),
    ("ruperto2012", "acr_pedi_70_adapted", "placebo arm", "month 1"): (1, 41, 2),
    ("ruperto2012_trial2", "inactive_disease", "open-label lead-in", "end of open-label phase (up to 32 weeks)"):
        (55, 176, 31),
    # Pardeo 2015 abstract: "Among 25 patients evaluated, 14 (56%) met the criteria for inactive disease at 6 months"
    ("pardeo2015", "inactive_disease", "all", "6 months"): (14, 25, 56),
    # Pardeo series, ACR abstract: "44 patients (69.8%)" of 63; "Fifteen of 19 (78.9%)"; "29/44 (65.9%)"
    ("pardeo_acr_abstract", "inactive_disease", "all", "6 months"): (44, 63, 69.8),
    ("pardeo_acr_abstract", "inactive_disease_off_gc", "anakinra monotherapy", "6 months"): (15, 19, 78.9),
    ("pardeo_acr_abstract", "inactive_disease_off_gc", "anakinra with glucocorticoids", "6 months"): (29, 44, 65.9),
    # Foley 2023 abstract: "(90% vs. 53%, p = 0.002)" at 1 year, bDMARD within 3 months of diagnosis or not
    ("foley2023", "inactive_disease", "bDMARD within 3 months of diagnosis", "1 year"): (None, None, 90),
    ("foley2023", "inactive_disease", "no bDMARD within 3 months of diagnosis", "1 year"): (None, None, 53),
    # Lainka 2021 (AID-registry) abstract: "inactive disease 28/55 and 17/20, remission over 6 months under
    # medication 13/55 and 7/20"
    ("lainka2021", "inactive_disease", "anakinra, evaluated in the first 12 months", "first 12 months"): (28, 55, None),
    ("lainka2021", "inactive_disease", "canakinumab, evaluated in the first 12 months", "first 12 months"):
        (17, 20, None),
    ("lainka2021", "remission_on_medication", "anakinra, evaluated in the first 12 months", "first 12 months"):
        (13, 55, None),
    ("lainka2021", "remission_on_medication", "canakinumab, evaluated in the first 12 months", "first 12 months"):
        (7, 20, None),
    # Horneff 2017 (BiKeR) abstract, IL-1i column: "20%/37%/52%", "35%/61%/68%", "24%/33%/56%"
    ("horneff2017", "jadas_remission", "IL-1 inhibitor cohort", "within 24 months"): (None, None, 52),
    ("horneff2017", "jadas_minimal", "IL-1 inhibitor cohort", "within 24 months"): (None, None, 68),
    ("horneff2017", "inactive_disease", "IL-1 inhibitor cohort", "within 24 months"): (None, None, 56),
    # ter Haar 2019 abstract: "At 1 year, 76% had inactive disease, and 52% had inactive disease while not receiving
    # medication ... After 5 years of follow-up, 96% ... and 75% ...", "only 33% of the patients received
    # glucocorticoids"
    ("terhaar2019", "inactive_disease", "all", "1 year"): (None, None, 76),
    ("terhaar2019", "inactive_disease_off_medication", "all", "1 year"): (None, None, 52),
    ("terhaar2019", "inactive_disease", "all", "5 years"): (None, None, 96),
    ("terhaar2019", "inactive_disease_off_medication", "all", "5 years"): (None, None, 75),
    ("terhaar2019", "received_glucocorticoids", "all", "during follow-up (median 5.8 years)"): (None, None, 33),
}
#: The shared literature notes (outside the package), where the reference rows were first collected.
NOTES = Path(__file__).resolve().parents[2] / "shared" / "notes" / "literature.md"


@pytest.fixture(scope="module")
def lit():
    return literature()


def key(row):
    return (row["study_id"], row["outcome"], row["group"], row["time_point"])


def test_every_row_matches_the_independent_transcription(lit):
    assert len(lit) == len(SOURCE_FIGURES)
    for _, row in lit.iterrows():
        num, den, percent = SOURCE_FIGURES[key(row)]
        assert (None if pd.isna(row["numerator"]) else int(row["numerator"])) == num, key(row)
        assert (None if pd.isna(row["denominator"]) else int(row["denominator"])) == den, key(row)
        if num is not None and den is not None:
            assert row["proportion"] == pytest.approx(num / den, abs=5e-5), key(row)
            if percent is not None:  # the printed percentage is numerator / denominator rounded as printed
                decimals = 1 if percent != int(percent) else 0
                assert round(100 * num / den, decimals) == percent, key(row)
        else:
            assert row["proportion"] == pytest.approx(percent / 100), key(row)


def test_every_printed_number_appears_in_the_quoted_text(lit):
    for _, row in lit.iterrows():
        num, den, percent = SOURCE_FIGURES[key(row)]
        text = row["printed"]
        if percent is not None and num is None:
            assert f"{percent:g}%" in text, key(row)
        if num is not None and den is not None:
            spelled = {8: "Eight", 1: "one", 15: "Fifteen"}
            assert str(num) in text or spelled.get(num, "@") in text, key(row)


def test_proportions_lie_in_0_1_and_numerators_do_not_exceed_denominators(lit):
    assert lit["proportion"].between(0, 1).all()
    both = lit.dropna(subset=["numerator", "denominator"])
    assert (both["numerator"] <= both["denominator"]).all()


def test_the_required_studies_are_present(lit):
    for study in ("vastert2014", "foley2023", "pardeo2015", "pardeo_acr_abstract", "nigrovic2011", "quartier2011",
                  "ruperto2012", "lainka2021", "horneff2017", "terhaar2019"):
        assert study in set(lit["study_id"]), study
    foley = lit[lit["study_id"] == "foley2023"]
    assert len(foley) == 2  # early and late


def test_every_row_says_where_it_was_read_and_is_labelled_published(lit):
    assert lit["read_at"].str.startswith("http").all()
    assert lit["doi_or_url"].str.startswith("http").all()
    assert lit["read_from"].notna().all() and lit["printed"].str.len().gt(5).all()
    assert (lit["note"] == "published, different population and definitions").all()


def test_time_point_weeks_is_only_a_unit_conversion(lit):
    per_month = 30.4375 / 7
    expected = {"1 month": per_month, "month 1": per_month, "3 months": 3 * per_month, "6 months": 6 * per_month,
                "1 year": 12 * per_month, "first 12 months": 12 * per_month, "2 years": 24 * per_month,
                "within 24 months": 24 * per_month, "3 years": 36 * per_month, "5 years": 60 * per_month,
                "day 15": 15 / 7}
    for _, row in lit.iterrows():
        if row["time_point"] in expected:
            assert row["time_point_weeks"] == pytest.approx(expected[row["time_point"]], abs=0.005), key(row)
        else:
            assert pd.isna(row["time_point_weeks"]), key(row)


def test_datapackage_describes_the_literature_table_as_published():
    package = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in package["resources"] if r["name"] == "literature"]
    assert resource["path"] == FILENAME and resource["sjia:provenance"] == "published"
    header = pd.read_csv(DATA / FILENAME, nrows=0).columns.tolist()
    assert [f["name"] for f in resource["schema"]["fields"]] == header == [name for name, _, _ in FIELDS]


def test_published_module_gives_the_same_table(lit):
    pd.testing.assert_frame_equal(published.literature(), lit)


def test_the_bundled_cohort_does_not_warn_about_the_literature_file():
    from sjia_explore import load_cohort

    assert not any("literature" in w for w in load_cohort().warnings)


def test_reference_points_have_exact_intervals_only_where_counts_are_printed():
    from scipy import stats

    from sjia_explore.literature import reference_points

    pts = reference_points(matches="inactive_by_week")
    assert set(pts["outcome"]) == {"inactive_disease"}
    for _, row in pts.iterrows():
        if pd.isna(row["numerator"]):
            assert pd.isna(row["ci_low"]) and "percentage only" in row["note"]
        else:
            ci = stats.binomtest(int(row["numerator"]), int(row["denominator"])).proportion_ci(method="exact")
            assert row["ci_low"] == pytest.approx(ci.low) and row["ci_high"] == pytest.approx(ci.high)
    assert pts["label"].str.contains("Foley").any()


def _notes_rows(cohort):
    """The rows of the notes' table of suggested reference figures (section C5) for one cohort."""
    text = NOTES.read_text(encoding="utf-8")
    section = text.split("### C5.", 1)[1].split("\n#", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] == cohort:
            rows.append(cells)
    return rows


@pytest.mark.skipif(not NOTES.exists(), reason="the shared literature notes are not beside this checkout")
def test_ter_haar_rows_equal_the_literature_notes(lit):
    rows = _notes_rows("ter Haar 2019")
    assert len(rows) == 3
    by_time = {"1 yr": "1 year", "5 yr": "5 years", "ever": "during follow-up (median 5.8 years)"}
    by_metric = {"ID": "inactive_disease", "ID off drugs": "inactive_disease_off_medication",
                 "received glucocorticoids": "received_glucocorticoids"}
    ours = lit[lit["study_id"] == "terhaar2019"]
    seen = 0
    for _, n, when, metrics, values in rows:
        for metric, value in zip(metrics.split(" / "), values.split(" / ")):
            (row,) = [r for _, r in ours.iterrows()
                      if r["outcome"] == by_metric[metric] and r["time_point"] == by_time[when]]
            assert int(row["n"]) == int(n)
            assert row["proportion"] == pytest.approx(float(value.rstrip("%")) / 100)
            assert pd.isna(row["numerator"]) and pd.isna(row["denominator"])  # the abstract prints percentages only
            seen += 1
    assert seen == len(ours) == 5
    assert (ours["doi_or_url"] == "https://doi.org/10.1002/art.40865").all()
    assert ours["study"].str.contains("PMID 30848528").all() and ours["study"].str.contains("71\\(7\\)").all()
