"""Exports carry their provenance, never run as formulas, and can hide small counts."""

import csv
import io
import json

import altair as alt
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.export import (
    COMPLEMENTARY_MASK,
    FORMULA_TRIGGERS,
    NEUTRALISING_PREFIX,
    RECONSTRUCTED_LABEL,
    Provenance,
    Suppression,
    chart_png,
    chart_spec_with_footer,
    chart_svg,
    neutralise_cell,
    state_json,
    suppress_small_counts,
    table_csv,
    table_xlsx,
)

PROV = Provenance(source="clinic export.xlsx", sha256="0123456789abcdef" * 4, subgroup="treated < 12 months from onset",
                  reconstructed=True, version="9.9.9", date="2026-01-31")
PLAIN = Provenance(source="mine.csv", sha256="f" * 64, subgroup="all patients", version="9.9.9", date="2026-01-31")
EXAMPLES = settings(max_examples=60, deadline=None)


def split_csv(payload: bytes) -> tuple[list[str], list[list[str]]]:
    """(provenance lines, RFC 4180 rows) of an exported CSV."""
    text = payload.decode("utf-8-sig")
    lines = text.split("\r\n")
    comments = []
    while lines and lines[0].startswith("# "):
        comments.append(lines.pop(0)[2:])
    return comments, list(csv.reader(io.StringIO("\r\n".join(lines), newline="")))


def read_back(payload: bytes) -> pd.DataFrame:
    comments, _ = split_csv(payload)
    return pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", skiprows=len(comments), keep_default_na=False)


# -- provenance --------------------------------------------------------------------------
def test_provenance_lines_are_at_the_top_of_the_csv():
    comments, rows = split_csv(table_csv(pd.DataFrame({"week": [0, 4], "n": [11, 10]}), PROV))
    assert comments == [
        RECONSTRUCTED_LABEL,
        "Data: clinic export.xlsx (SHA-256 0123456789ab)",
        "Subgroup: treated < 12 months from onset",
        "sjia-explore 9.9.9, exported 2026-01-31",
    ]
    assert rows == [["week", "n"], ["0", "11"], ["4", "10"]]


def test_provenance_from_a_cohort_names_source_digest_subgroup_and_reconstruction():
    text = ("patient_id,study,months_onset_to_treatment,prior_mas,week,provenance\n"
            "P1,mine,3,yes,0,observed\nP2,mine,30,no,0,reconstructed\n")
    cohort = load_cohort_from_bytes(text.encode(), "mine.csv")
    prov = Provenance.from_cohort(cohort.filter(duration="early"), date="2026-01-31")
    assert (prov.source, prov.sha256, prov.subgroup) == ("mine.csv", cohort.sha256, "treated < 12 months from onset")
    assert prov.reconstructed is False  # P2, the reconstructed row, is not in the early subgroup
    assert Provenance.from_cohort(cohort).reconstructed is True
    assert prov.version and prov.date == "2026-01-31"


def test_a_source_with_line_breaks_cannot_add_lines_or_cells():
    sneaky = Provenance(source='x\n=cmd|" /C calc"!A0,=1+1;@SUM(1)', subgroup="had any of -2+3", date="d", version="v")
    comments, rows = split_csv(table_csv(pd.DataFrame({"n": [1]}), sneaky))
    assert len(comments) == 3 and rows == [["n"], ["1"]]
    for line in comments:
        for piece in line.replace(";", ",").split(","):
            assert not piece.lstrip(" ").startswith(("=", "+", "-", "@")), line


@EXAMPLES
@given(st.text(max_size=40), st.text(max_size=40))
def test_provenance_lines_never_open_a_formula_cell(source, subgroup):
    payload = table_csv(pd.DataFrame({"n": [1]}), Provenance(source=source, subgroup=subgroup, date="d", version="v"))
    comments, rows = split_csv(payload)
    assert rows[0] == ["n"]
    for line in comments:
        for piece in line.replace(";", ",").split(","):
            assert not piece.lstrip(" ").startswith(("=", "+", "-", "@"))


# -- formula injection -------------------------------------------------------------------
@EXAMPLES
@given(st.lists(st.tuples(st.text(max_size=12), st.integers(-10**6, 10**6),
                          st.floats(allow_nan=False, allow_infinity=False)), min_size=1, max_size=8),
       st.text(min_size=1, max_size=8))
def test_no_csv_cell_starts_a_formula_and_numbers_round_trip(rows, header):
    df = pd.DataFrame(rows, columns=["text", "count", "value"])
    df[header] = df["text"]
    payload = table_csv(df, PLAIN)
    _, parsed = split_csv(payload)
    for original_row, parsed_row in zip(df.itertuples(index=False), parsed[1:]):
        for original, cell in zip(original_row, parsed_row):
            if isinstance(original, str):
                expected = neutralise_cell(original)
                assert cell == expected
                if original.startswith(FORMULA_TRIGGERS) and cell != original:
                    assert cell == NEUTRALISING_PREFIX + original
            if cell.startswith(FORMULA_TRIGGERS):
                float(cell)  # only a plain number may start with + or -
    assert parsed[0][-1] == neutralise_cell(header)
    back = read_back(payload)
    assert back["count"].tolist() == df["count"].tolist()
    assert back["value"].tolist() == df["value"].tolist()


def test_negative_numbers_stay_numbers_and_formulas_are_neutralised():
    df = pd.DataFrame({"drug": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "\nx", "-3", "ok"],
                       "change": [-1.5, 2, -3, 0, 1, 2, 3, 4, 5]})
    _, rows = split_csv(table_csv(df, PLAIN))
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx", "'\nx", "-3", "ok"]
    assert read_back(table_csv(df, PLAIN))["change"].tolist() == [-1.5, 2, -3, 0, 1, 2, 3, 4, 5]


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers():
    df = pd.DataFrame({"drug": ["=1+1", "anakinra", "-3"], "n": [3, -2, 0], "mean": [1.5, float("nan"), -0.25]})
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(df, PROV)))
    ws = book["data"]
    assert [c.value for c in ws[1]] == ["drug", "n", "mean"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == "'=1+1"
    assert ws["A4"].value == "-3" and ws["A4"].data_type == "s"
    assert [ws.cell(row=r, column=2).value for r in (2, 3, 4)] == [3, -2, 0]
    assert ws["B3"].data_type == "n" and ws["C3"].value is None and ws["C4"].value == -0.25
    assert [c.value for c in book["provenance"]["A"]] == PROV.lines()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_no_xlsx_text_cell_starts_a_formula(texts):
    book = openpyxl.load_workbook(io.BytesIO(table_xlsx(pd.DataFrame({"t": texts}), PLAIN)))
    for (cell,) in book["data"].iter_rows(min_row=2):
        if cell.value is None:
            continue
        assert cell.data_type == "s"
        assert not str(cell.value).startswith(FORMULA_TRIGGERS) or neutralise_cell(str(cell.value)) == cell.value


# -- small-cell suppression ----------------------------------------------------------------
def test_counts_below_the_threshold_are_masked_and_zero_and_threshold_kept():
    counts = pd.DataFrame({"n": [0, 1, 4, 5, 10, 11]})
    assert suppress_small_counts(counts, ["n"], threshold=11)["n"].tolist() == [0, "<11", "<11", "<11", "<11", 11]
    assert suppress_small_counts(counts, ["n"])["n"].tolist() == [0, "<5", "<5", 5, 10, 11]
    wide = pd.DataFrame([[0, 1, 4, 5, 10, 11]], columns=list("abcdef"))
    assert suppress_small_counts(wide, list("abcdef"), threshold=11).iloc[0].tolist() == \
        [0, "<11", "<11", "<11", "<11", 11]
    assert counts["n"].tolist() == [0, 1, 4, 5, 10, 11], "the input is not changed"


def test_a_lone_masked_cell_cannot_be_recovered_from_the_row_total():
    table = pd.DataFrame({"early": [1, 6, 0, 2], "late": [7, 9, 3, None], "other": [9, 8, 0, None],
                          "overall": [17, 23, 3, 6], "early_pct": [5.9, 26.1, 0.0, 33.3]})
    out = suppress_small_counts(table, ["early", "late", "other"], total_column="overall",
                                percent_columns={"early_pct": "early"})
    assert out.iloc[0].tolist() == ["<5", COMPLEMENTARY_MASK, 9, 17, COMPLEMENTARY_MASK]
    assert out.iloc[1].tolist() == [6, 9, 8, 23, 26.1]
    # a total that is itself small is masked, so the row total is not known
    assert out.iloc[2].tolist() == [0, "<5", 0, "<5", 0.0]
    # no other count in the row: the total is hidden instead
    assert out.iloc[3]["early"] == "<5"
    assert out.iloc[3]["overall"] == COMPLEMENTARY_MASK and out.iloc[3]["early_pct"] == COMPLEMENTARY_MASK


@EXAMPLES
@given(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=5), min_size=1, max_size=6),
       st.integers(2, 11))
def test_every_row_with_a_masked_count_hides_a_second_cell_or_its_total(rows, threshold):
    width = min(len(r) for r in rows)
    cols = [f"c{i}" for i in range(width)]
    df = pd.DataFrame([r[:width] for r in rows], columns=cols)
    df["total"] = df[cols].sum(axis=1)
    out = Suppression(tuple(cols), threshold=threshold, total_column="total").apply(df)
    for _, row in out.iterrows():
        hidden = [c for c in cols if isinstance(row[c], str)]
        if hidden and not isinstance(row["total"], str):
            assert len(hidden) >= 2
        for c in cols:
            if not isinstance(row[c], str):
                assert row[c] == 0 or row[c] >= threshold


def test_suppression_is_described_in_the_exported_provenance():
    rule = Suppression(("n",), threshold=11)
    comments, rows = split_csv(table_csv(pd.DataFrame({"n": [3, 12]}), PLAIN, suppression=rule))
    assert rows[1:] == [["<11"], ["12"]]
    assert comments[-1] == rule.describe() and "1–10 are shown as <11" in comments[-1]


def test_suppression_hides_the_small_counts_of_a_formatted_table_one():
    """Table 1 prints counts as "k (percent)": each k from 1 to 4 is hidden whole (its percentage gives it away),
    with a second cell of its row so that it cannot be worked out from the total; means and medians stay."""
    import re

    from sjia_explore import load_cohort, tables

    qiu = load_cohort().filter(studies=("qiu2024",))
    table = tables.table_one(qiu.patient_features(), groupby="duration_group")
    groups = ("early (< 12 mo)", "late (≥ 12 mo)")
    rule = Suppression(groups, total_column="Overall")
    comments, rows = split_csv(table_csv(table, PLAIN, suppression=rule))
    header = rows[0]
    body = [dict(zip(header, r)) for r in rows[1:]]
    fever = next(r for r in body if r[header[0]].startswith("Fever"))
    assert (fever[groups[0]], fever[groups[1]], fever["Overall"]) == ("<5", COMPLEMENTARY_MASK, "7 (63.6)")
    count = re.compile(r"(\d+) \(")
    for r in body:  # no visible count of 1-4 in a group column, however it is printed
        for g in groups:
            found = count.match(r[g])
            assert not (found and "." not in found.group(1) and 1 <= int(found.group(1)) <= 4), (r, g)
    onset = next(r for r in body if r[header[0]].startswith("Age at onset"))
    assert onset[groups[0]] == table.loc[table.index[1], groups[0]]  # a mean (SD) is no count: shown
    assert comments[-1] == rule.describe()
    # the total column named among the counts too: still one total, no error
    both = Suppression((*groups, "Overall"), total_column="Overall").apply(table.reset_index())
    assert (both[groups[0]] == "<5").any()


# -- state -------------------------------------------------------------------------------
def test_state_json_carries_the_state_and_its_provenance():
    doc = json.loads(state_json({"duration": "early", "studies": ("qiu2024",), "cut": 12.0}, PROV))
    assert doc["state"] == {"duration": "early", "studies": ["qiu2024"], "cut": 12.0}
    assert doc["provenance"]["reconstructed"] is True and doc["provenance"]["sha256"] == PROV.sha256


# -- charts ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chart():
    df = pd.DataFrame({"week": [0, 4, 8, 12, 24], "mean_active_joints": [5.9, 2.0, 1.5, 1.1, 0.9]})
    return alt.Chart(df, title="Active joints").mark_line(point=True).encode(x="week:Q", y="mean_active_joints:Q")


def test_png_is_a_png(chart):
    payload = chart_png(chart, PROV)
    assert payload[:8] == b"\x89PNG\r\n\x1a\n" and len(payload) > 1000


def test_svg_draws_the_provenance_and_the_reconstructed_label(chart):
    svg = chart_svg(chart, PROV).decode("utf-8")
    assert svg.lstrip().startswith("<svg")
    assert RECONSTRUCTED_LABEL in svg
    for line in PROV.lines():
        assert line.replace("&", "&amp;").replace("<", "&lt;") in svg
    plain = chart_svg(chart, PLAIN).decode("utf-8")
    assert RECONSTRUCTED_LABEL not in plain and "Data: mine.csv (SHA-256 ffffffffffff)" in plain


def test_layered_concatenated_and_interactive_charts_all_get_the_footer(chart):
    pick = alt.selection_point(fields=["week"])
    charts = [chart.add_params(pick), alt.layer(chart, chart.mark_point()),
              alt.hconcat(chart, chart).configure_view(stroke=None), chart.add_params(alt.selection_interval())]
    for each in charts:
        spec = chart_spec_with_footer(each, PROV)
        assert spec["title"]["text"] == PROV.lines() and spec["title"]["orient"] == "bottom"
        assert RECONSTRUCTED_LABEL in chart_svg(each, PROV).decode("utf-8")


def test_charts_render_offline_only(chart):
    remote = {"data": {"url": "https://example.org/cohort.csv"}, "mark": "point", "encoding": {"x": {"field": "x"}}}
    with pytest.raises(ValueError, match="not allowed"):
        chart_svg(remote, PROV)


def test_simulated_registry_exports_carry_the_simulated_label():
    from sjia_explore.export import SIMULATED_LABEL, Provenance
    from sjia_explore.simulate import registry

    stamp = Provenance.from_cohort(registry(20, seed=2)).lines()
    assert SIMULATED_LABEL in stamp
    from sjia_explore import load_cohort

    assert Provenance.from_cohort(load_cohort()).simulated is False
