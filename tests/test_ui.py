"""The dashboard in the kernel (no browser): state and address, escaping, failures, uploads, downloads, tests count."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets
import pytest

from sjia_explore import load_cohort, published
from sjia_explore.app import CohortExplorer, ViewState
from sjia_explore.app.address import MAX_QUERY_VALUE_CHARS
from sjia_explore.app.upload import UPLOAD_MAX_BYTES
from sjia_explore.app.vocabulary import DRUG_DISPLAY_NAMES, describe_subgroup, drug_label

PAYLOAD = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
PACKAGE = Path(__file__).resolve().parents[1] / "sjia_explore"


@pytest.fixture(scope="module")
def explorer(cohort):
    return CohortExplorer(cohort, query="")


@pytest.fixture
def app(explorer):
    """The shared explorer, back at the default view of the bundled cohort."""
    explorer.update(ViewState(), cohort=explorer.session.initial_cohort)
    explorer.details.selected_index = None
    yield explorer
    explorer.update(ViewState(), cohort=explorer.session.initial_cohort)


def html_values(widget) -> list[str]:
    """Every HTML text in a widget tree."""
    out = []
    if isinstance(widget, widgets.HTML):
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out += html_values(child)
    return out


def registry_zip(n: int = 40, seed: int = 3) -> bytes:
    from sjia_explore.simulate import registry

    reg = registry(n, seed=seed)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in ("patients", "treatments", "visits", "adverse_events"):
            z.writestr(f"{name}.csv", getattr(reg, name).to_csv(index=False))
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# ViewState: address round trip and allowlisting
# --------------------------------------------------------------------------------------------
STATES = [
    ViewState(),
    ViewState(sex="F", early_cutoff_months=6),
    ViewState(study="qiu2024", prior_biologic_any=("adalimumab", "jaki"), prior_biologic_none=("etanercept",),
              prior_mas=False, baseline_steroid=True, each_patient=True),
    ViewState(test_outcome="sjadas27", test_method="all", section="window", window_outcome="active_joints",
              window_week=12, theme="dark"),
    ViewState(section="safety", theme="light", early_cutoff_months=36),
]


@pytest.mark.parametrize("state", STATES)
def test_every_view_survives_the_round_trip_through_the_address_and_json(state, cohort):
    back, ignored = ViewState.from_query(state.to_query(), studies=cohort.studies,
                                         drugs=cohort.prior_biologic_options(), weeks=[0, 4, 8, 12, 24])
    assert ignored == []
    assert back == state
    assert ViewState.from_dict(json.loads(state.to_json())) == state


def test_the_default_view_has_an_empty_address():
    assert ViewState().to_query() == ""


@pytest.mark.parametrize("query, said", [
    ("sex=X", "sex “X”"),
    ("study=__import__('os').system('x')", "study “__import__('os').system('x')”"),
    ("cutoff=1e400", "cut-off “1e400”"),
    ("cutoff=nan", "cut-off “nan”"),
    ("cutoff=0", "cut-off “0”"),
    ("cutoff=7.5", "cut-off “7.5”"),
    ("had_any=<script>", "prior biologic “<script>”"),
    ("section=admin", "section “admin”"),
    ("theme=auto", "theme “auto”"),
    ("window_week=13", "window week “13”"),
    ("window_week=24.0", "window week “24.0”"),
    ("test_method=eval", "test method “eval”"),
    ("prior_mas=maybe", "prior mas “maybe”"),
])
def test_junk_values_are_left_out_and_named(query, said, cohort):
    state, ignored = ViewState.from_query(query, studies=cohort.studies, drugs=cohort.prior_biologic_options(),
                                          weeks=[0, 4, 8, 12, 24])
    assert state == ViewState()
    assert len(ignored) == 1 and said in ignored[0]


def test_server_keys_pass_silently_unknown_keys_are_named_and_long_values_refused(cohort):
    state, ignored = ViewState.from_query("token=abc&voila-template=x&template=lab&__class__=x&sex=F&study="
                                          + "q" * (MAX_QUERY_VALUE_CHARS + 1), studies=cohort.studies, drugs=[])
    assert state == ViewState(sex="F")
    assert ignored == ["setting “__class__” (not one this page knows)",
                       f"a value of “study” longer than {MAX_QUERY_VALUE_CHARS} characters"]


@pytest.mark.parametrize("query, said", [
    ("sex=F&sex=M", "“sex” given 2 times"),
    ("cutoff=6&cutoff=9&cutoff=12", "“cutoff” given 3 times"),
    ("had_any=anakinra&had_any=anakinra", "“had_any” given the same value more than once"),
    ("colour=red", "setting “colour”"),
])
def test_duplicate_and_unknown_keys_are_listed(query, said, cohort):
    state, ignored = ViewState.from_query(query, studies=cohort.studies, drugs=["anakinra"])
    assert len(ignored) == 1 and said in ignored[0]


def test_a_fractional_cut_off_is_left_out_with_the_plain_notice_not_an_error(cohort):
    app = CohortExplorer(cohort, query="cutoff=7.5&sex=F")
    assert app.state.early_cutoff_months == 12 and app.state.sex == "F"
    assert app.messages.notice_shown and "cut-off “7.5” (expected whole months" in app.messages.notice.value
    assert app.messages.error.layout.display == "none"


def test_the_address_is_never_evaluated(monkeypatch, cohort):
    import builtins

    def refuse(*_args, **_kwargs):
        raise AssertionError("the address reached eval/exec")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    ViewState.from_query("cutoff=__import__('os')&sex=F&window_week=1+1&theme=dark", studies=cohort.studies,
                         drugs=[])
    source = "".join(p.read_text() for folder in ("app", "plots") for p in (PACKAGE / folder).rglob("*.py"))
    assert not re.search(r"\b(eval|exec)\(|\.query\(|pickle", source)


@pytest.mark.parametrize("bad", [{"theme": "blue"}, {"section": "x"}, {"window_week": 0}, {"window_week": 2.5},
                                 {"window_outcome": "name"}, {"test_method": "t"}, {"sex": "X"}])
def test_a_view_with_an_impossible_value_cannot_be_made(bad):
    with pytest.raises(ValueError):
        ViewState(**bad)


def test_unknown_fields_in_json_are_an_error():
    with pytest.raises(ValueError, match="unknown view field"):
        ViewState.from_dict({"sex": "F", "run": "rm -rf"})


# --------------------------------------------------------------------------------------------
# Drug names
# --------------------------------------------------------------------------------------------
def test_drugs_are_shown_under_their_display_names(app):
    assert drug_label("jaki") == "JAK inhibitor"
    assert drug_label("nsaids") == "NSAIDs"
    assert drug_label("cyclosporine a") == "ciclosporin A"
    assert drug_label("tocilizumab") == "Tocilizumab"
    assert drug_label(PAYLOAD) == PAYLOAD  # unchanged text: escaped where it is shown
    sidebar = "".join(html_values(app.sidebar.drug_box))
    assert "JAK inhibitor" in sidebar and ">jaki<" not in sidebar
    assert describe_subgroup(ViewState(prior_biologic_any=("jaki",)).subgroup()) == "had JAK inhibitor"
    app.update(ViewState(prior_biologic_none=("jaki",)))
    assert "never had JAK inhibitor" in app.total.value
    assert set(DRUG_DISPLAY_NAMES) >= {"jaki", "nsaids", "cyclosporine a"}


# --------------------------------------------------------------------------------------------
# Hostile data text is shown as text
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(cohort):
    patients = cohort.patients.copy()
    first = patients["patient_id"].iloc[0]
    rename = {first: PAYLOAD}
    patients["patient_id"] = patients["patient_id"].replace(rename)
    patients.loc[patients["patient_id"] == PAYLOAD, "study"] = PAYLOAD
    patients.loc[patients["patient_id"] == PAYLOAD, "treatment"] = PAYLOAD
    tables = {}
    for name in ("treatments", "visits", "adverse_events"):
        df = getattr(cohort, name).copy()
        df["patient_id"] = df["patient_id"].replace(rename)
        tables[name] = df
    t = tables["treatments"]
    rows = (t["patient_id"] == PAYLOAD) & (t["period"] == "previous") & t["drug_class"].isin(["bDMARD", "JAKi"]) \
        & t["received"].fillna(False)
    t.loc[rows[rows].index[:1], "drug"] = PAYLOAD
    ae = tables["adverse_events"]
    ae.loc[ae.index[:1], "term"] = PAYLOAD
    return replace(cohort, patients=patients, **tables)


def test_data_text_is_escaped_in_every_html_the_app_builds(hostile):
    app = CohortExplorer(hostile, query="")
    app.details.selected_index = 0  # Table 1
    seen: list[str] = []
    for state in (ViewState(), ViewState(study=PAYLOAD), ViewState(prior_biologic_any=(PAYLOAD,)),
                  ViewState(section="window"), ViewState(section="window", study=PAYLOAD),
                  ViewState(section="safety"), ViewState(section="safety", study=PAYLOAD)):
        assert app.update(state), app.messages.error.value
        app.statistics.run.click()
        app.messages.explain_button.click()
        seen += html_values(app.view)
    app.load_file(b"patient_id,week\n" + PAYLOAD.encode() + b",x\n", PAYLOAD + ".csv")
    seen += html_values(app.view)
    text = "\n".join(seen)
    assert PAYLOAD not in text
    assert ESCAPED in text
    for where in (app.total.value, app.window.intro.value, app.safety.safety_text.value,
                  app.messages.upload_problems.value):
        assert PAYLOAD not in where
    assert ESCAPED in app.messages.upload_problems.value
    assert all(PAYLOAD not in "".join(html_values(box)) for box in (app.sidebar.drug_box,))


# --------------------------------------------------------------------------------------------
# Failures and empty selections
# --------------------------------------------------------------------------------------------
def test_a_failing_update_shows_a_plain_message_and_the_app_keeps_working(app, monkeypatch):
    before_total = app.total.value
    checked = app.session.checked

    def failing(state):
        if state.sex == "M":
            raise RuntimeError("induced <b>failure</b>")
        return checked(state)

    monkeypatch.setattr(app.session, "checked", failing)
    assert app.update(ViewState(sex="M")) is False
    assert app.messages.error.layout.display == ""
    assert "Something went wrong" in app.messages.error.value
    assert "induced &lt;b&gt;failure&lt;/b&gt;" in app.messages.error.value
    assert app.total.value == before_total and app.state == ViewState()
    assert app.sidebar.sex.value == "any"  # the controls agree with what is shown
    app.sidebar.sex.value = "F"  # a control still works
    assert app.messages.error.layout.display == "none"
    assert app.state.sex == "F"


def test_an_empty_selection_says_so_instead_of_drawing(app, cohort):
    drug = cohort.prior_biologic_options()[0]
    app.update(ViewState(prior_biologic_any=(drug,), prior_biologic_none=(drug,)))
    assert app.empty.layout.display == ""
    assert "No patient matches" in app.empty.value
    assert app.tabs.layout.display == "none"
    assert app.total.value.startswith("<b>No patients</b>")
    app.update(ViewState(section="window", prior_biologic_any=(drug,), prior_biologic_none=(drug,)))
    assert app.messages.error.layout.display == "none"


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------
def test_window_view_compares_early_and_late_and_names_the_confounders(app, cohort):
    app.update(ViewState(section="window"))
    view = app.session.model
    table = view.window.table
    assert list(table["cutoff_months"]) == [float(c) for c in range(3, 37, 3)]
    row = table[table["cutoff_months"] == 12].iloc[0]
    assert (row["n_early"], row["n_late"]) == (6, 9)  # with sJADAS27 at weeks 0 and 24
    intro = app.window.intro.value
    for word in ("studies", "drugs", "line of therapy", "confounding", "2 against 9"):
        assert word in intro
    titles = [p["title"] for p in view.window.spec["vconcat"][0]["hconcat"]]
    assert titles == ["Early: < 12 months after onset (n = 7)", "Late: ≥ 12 months after onset (n = 9)"]
    assert "At the current cut-off (12 months)" in app.window.current.value
    app.update(ViewState(section="window", early_cutoff_months=13))
    assert 13.0 in list(app.session.model.window.table["cutoff_months"])


def test_the_confounders_named_are_those_of_the_patients_shown(app):
    """One clinic's file, one drug, nobody on a biologic before: the caution does not speak of studies, drugs and
    lines of therapy that differ (the bundled wording did); within Qiu 2024 only the line of therapy differs."""
    from sjia_explore.app.views.sections import window_differences
    from sjia_explore.data import load_cohort_from_bytes

    app.update(ViewState(section="window", study="qiu2024"))
    model = app.session.model.window
    early, late = (next(s for s in model.sides if s.word == w) for w in ("Early", "Late"))
    assert [what for what, _ in window_differences(model)] == (
        ["line of therapy"] if early.n_prior_biologic * late.n != late.n_prior_biologic * early.n else [])
    assert "different <b>studies</b>" not in app.window.intro.value
    rows = ["patient_id,study,months_onset_to_treatment,week,active_joints,sjadas27"]
    for i, months in enumerate([2, 4, 6, 8, 20, 30, 40, 50]):
        rows += [f"P{i},Clinic,{months},0,{3 + i % 3},{20 + i}", f"P{i},Clinic,{months},24,{i % 2},{5 + i}"]
    one = load_cohort_from_bytes(("\n".join(rows) + "\n").encode(), "clinic.csv")
    app.update(ViewState(section="window"), cohort=one)
    intro = app.window.intro.value
    assert window_differences(app.session.model.window) == []
    for claim in ("different <b>studies</b>", "different <b>drugs</b>", "different <b>line of therapy</b>",
                  "anakinra or canakinumab"):
        assert claim not in intro
    assert "do not differ in study, drug or line of therapy" in intro
    assert "confounding" in intro


def test_the_continuous_window_chart_colours_children_by_side_and_shapes_them_by_study(app):
    """Its points were coloured by study in the early/late blue and orange, so Vastert's early children looked
    late. Colour is now the side of the cut-off, in the colours of the side-by-side panels; the study is a shape."""
    app.update(ViewState(section="window"))
    model = app.session.model.window
    points = next(part for part in model.continuous_spec["layer"] if part.get("name") == "window_points")
    colour = points["encoding"]["color"]
    assert colour["field"] == "side" and points["encoding"]["shape"]["field"] == "study"
    sides = model.spec["vconcat"][0]["hconcat"]
    early_colour = json.dumps(sides[0]).split('"range": ["')[1].split('"')[0]
    assert colour["scale"]["range"][0] == early_colour
    rows = points["data"]["values"]
    assert {r["side"] for r in rows if r["months_onset_to_treatment"] < 12} == {colour["scale"]["domain"][0]}
    assert {r["side"] for r in rows if r["months_onset_to_treatment"] >= 12} == {colour["scale"]["domain"][1]}


def test_a_filter_says_how_many_patients_it_left_out_for_having_no_value(app, cohort):
    """Vastert 2011 did not report sex: "female" keeps none of its 5 patients, and the line under the filter says
    why instead of only "no patients left"."""
    app.update(ViewState(study="vastert2011", sex="F"))
    assert app.sidebar.n_labels["sex"].value == "→ no patients left (5 with sex not recorded left out)"
    no_sex = int(cohort.patients["sex"].isna().sum())
    app.update(ViewState(sex="M"))
    assert f"({no_sex} with sex not recorded left out)" in app.sidebar.n_labels["sex"].value
    app.update(ViewState(prior_mas=True))  # MAS is recorded for everyone: nothing to add
    assert "not recorded" not in app.sidebar.n_labels["prior_mas"].value


def test_a_group_without_values_of_a_panels_outcome_is_said_not_left_as_bare_n0(app, cohort):
    """Qiu 2024 did not measure IL-18: the late group (all Qiu) has n=0 under that panel, and the notes say why."""
    app.update(ViewState(trajectory_outcomes=("active_joints", "il18_pg_ml", "steroid_mg_kg_day")))
    late = cohort.patient_features(12).query("early == False")["patient_id"]
    assert cohort.visits.loc[cohort.visits["patient_id"].isin(late), "il18_pg_ml"].isna().all()  # the premise
    notes = " ".join(app.trajectories.chart.signals["sjia_subtitle"])
    assert "No values of IL-18 for late (≥ 12 mo) (n=0 under the panel)." in notes
    app.update(ViewState())
    assert "No values of" not in " ".join(app.trajectories.chart.signals["sjia_subtitle"])


def test_too_few_patients_on_a_side_is_never_given_a_number(app):
    app.update(ViewState(section="window", study="qiu2024", window_week=24))
    table = app.session.model.window.table
    few = table[(table["n_early"] < 3) | (table["n_late"] < 3)]
    assert len(few)  # Qiu 2024 has 2 early patients at 12 months
    rows = {r["cutoff_months"]: r for r in app.session.model.window.spec["datasets"]["strip_rows"]}
    for cut in few["cutoff_months"]:
        assert rows[cut]["too_few"] and not rows[cut]["estimate"] and rows[cut]["p_text"] == ""
    assert "Too few to estimate" in app.window.current.value


def test_safety_section_gives_steroid_free_and_the_published_ae_rate(app):
    app.update(ViewState(section="safety"))
    steroid = app.safety.steroid_text.value
    assert "4 of 11 selected patients" in steroid and "By week 24, 4 of 4 were off it (100%)" in steroid
    assert "not reported by Vastert 2011" in steroid
    ae = app.session.model.safety.adverse_events.table.set_index("study")
    qiu = ae.loc["qiu2024"]
    assert (qiu["n_events"], qiu["n_patients_with_event"]) == (published.N_AE, published.N_PATIENTS_WITH_AE)
    assert round(qiu["rate_per_100_py"]) == published.AE_RATE_PER_100_PY.value
    assert "over weeks 1–24 (0.5 years per patient)" in app.safety.safety_text.value
    assert "as the paper counted" in app.safety.safety_text.value
    assert ae.loc["vastert2011", "status"] == "not reported"
    assert "Reconstructed" in app.safety.safety_text.value


# --------------------------------------------------------------------------------------------
# Statistics and the multiplicity ledger
# --------------------------------------------------------------------------------------------
def test_the_ledger_counts_every_test_of_the_session_once_and_starts_again_on_request(app):
    app.statistics.ledger.reset.click()  # the viewer chooses to start counting again
    assert "so far in this session: none" in app.statistics.ledger.value
    app.statistics.run.click()
    assert "so far in this session: 5</b>" in app.statistics.ledger.value  # 4 visits + 1 overall test
    app.statistics.run.click()  # the same again: shown from the first run, not counted again
    assert "so far in this session: 5</b>" in app.statistics.ledger.value
    assert "not counted again" in app.statistics.results.value
    app.update(replace(app.state, early_cutoff_months=18))  # a cut-off does not change the patients
    assert "so far in this session: 5</b>" in app.statistics.ledger.value
    app.update(replace(app.state, section="window"))
    strip = app.session.ledger.to_frame()
    n = 5 + int(strip.loc[strip["analysis"].str.startswith("early vs late"), "n_tests"].sum())
    assert n > 5 and f"so far in this session: {n}</b>" in app.window.ledger.value
    app.update(replace(app.state, sex="F", section="trajectories"))  # other patients: their tests add up
    app.statistics.run.click()
    frame = app.session.ledger.to_frame()
    assert f"so far in this session: {n + 5}</b>" in app.statistics.ledger.value
    assert set(frame["selection"]) == {"all patients", "female"}
    expected = 0.05 * (n + 5)  # what chance alone would give at p < 0.05
    assert f"about {expected:.1f} of them below 0.05" in app.statistics.ledger.value
    app.update(ViewState())
    app.details.selected_index = 0  # Table 1 opened (7 early, 9 late): its p-values are counted too
    table1 = app.session.ledger.to_frame().query("analysis == 'Table 1'")
    assert len(table1) and table1["selection"].str.contains("split at 12 months").all()
    app.window.ledger.reset.click()
    assert "none" in app.window.ledger.value and "none" in app.statistics.ledger.value
    assert app.session.ledger.n_tests == 0


def test_p_values_are_given_only_where_the_small_n_guards_allow(app):
    app.update(ViewState(prior_biologic_any=("jaki",)))  # 2 patients
    app.statistics.run.click()
    text = app.statistics.results.value
    assert "not given: see note" in text and "fewer than 3" in text
    assert "one-way ANOVA" in app.statistics.method_text.value


def test_the_statistics_call_values_reconstructed_only_when_they_are(app):
    app.update(ViewState())
    app.statistics.run.click()
    assert "These values are reconstructed" in app.statistics.results.value
    rows = ["patient_id,study,months_onset_to_treatment,week,active_joints"]
    for i, months in enumerate([2, 4, 6, 8, 20, 30]):
        rows += [f"P{i},Clinic,{months},0,{3 + i % 3}", f"P{i},Clinic,{months},24,{i % 2}"]
    assert app.load_file(("\n".join(rows) + "\n").encode(), "clinic.csv")
    app.statistics.run.click()
    assert "Exploratory" in app.statistics.results.value
    assert "reconstructed" not in app.statistics.results.value.lower()


def test_after_an_upload_the_ledger_says_which_cohort_each_test_was_run_on(app):
    """Tests run on the bundled studies were labelled only "[all patients]", as if they were about the file."""
    app.statistics.ledger.reset.click()
    app.update(ViewState())
    app.statistics.run.click()
    assert "[all patients]" in app.statistics.ledger.value  # one cohort so far: no need to name it
    rows = ["patient_id,study,months_onset_to_treatment,week,active_joints"]
    for i, months in enumerate([2, 4, 6, 8, 20, 30]):
        rows += [f"P{i},Clinic,{months},0,{3 + i % 3}", f"P{i},Clinic,{months},24,{i % 2}"]
    assert app.load_file(("\n".join(rows) + "\n").encode(), "clinic.csv")
    app.statistics.run.click()
    ledger = app.statistics.ledger.value
    assert "[all patients; the bundled studies]" in ledger and "[all patients; clinic.csv]" in ledger
    assert "[all patients]" not in ledger
    app.statistics.ledger.reset.click()


# --------------------------------------------------------------------------------------------
# Upload
# --------------------------------------------------------------------------------------------
def upload(app, content: bytes, name: str) -> None:
    """What the FileUpload widget hands the kernel."""
    import datetime as dt

    app.sidebar.upload.value = ({"name": name, "type": "", "size": len(content), "content": memoryview(content),
                                 "last_modified": dt.datetime.now(dt.timezone.utc)},)


def test_a_good_upload_swaps_in_the_cohort_and_back_returns(app, cohort):
    upload(app, registry_zip(40), "registry.zip")
    assert app.cohort.n_patients == 40 and app.messages.upload_problems.layout.display == "none"
    assert "40 patients" in app.total.value and "registry.zip" in app.messages.upload_warnings.value
    assert [v for _, v in app.sidebar.study.options] == ["", "simulated"]
    assert app.sidebar.back_button.layout.display == ""
    assert "Simulated data" in app.messages.reconstructed_label.value
    assert app.sidebar.upload.value == ()  # released
    app.update(ViewState(section="safety"))
    assert app.messages.error.layout.display == "none"
    assert "simulated" in app.session.model.safety.adverse_events.table["study"].tolist()
    app.sidebar.back_button.click()
    assert app.cohort is cohort and f"{cohort.n_patients} patients" in app.total.value
    assert app.sidebar.back_button.layout.display == "none"


def test_a_broken_upload_lists_its_problems_and_changes_nothing(app, cohort):
    app.update(ViewState(sex="F"))
    before = (app.cohort, app.state, app.total.value)
    upload(app, b"patient_id,week,active_joints\nP1,zero,3\n", "broken.csv")
    assert (app.cohort, app.state, app.total.value) == before
    problems = app.messages.upload_problems.value
    assert app.messages.upload_problems.layout.display == ""
    lines = re.findall(r'<div class="sjia-problem-line">(.*?)</div>', problems)
    assert any(line.startswith("broken.csv:2:week:") for line in lines)
    assert any(line.startswith("broken.csv:1:study:") for line in lines)
    app.sidebar.sex.value = "M"  # still working
    assert app.state.sex == "M"


@pytest.mark.parametrize("size, words", [(0, "empty"), (UPLOAD_MAX_BYTES + 1, "limit of 8 MiB")])
def test_empty_and_oversized_uploads_are_refused_from_their_real_size(app, size, words):
    app.load_file(b"x" * size, "big.csv")
    assert words in app.messages.upload_problems.value
    assert app.cohort is app.session.initial_cohort


def test_upload_warnings_about_identifiers_are_shown(app):
    text = ("patient_id,study,months_onset_to_treatment,week,active_joints,patient_name\n"
            "P1,mine,3,0,4,Ann Smith\nP1,mine,3,4,1,Ann Smith\nP2,mine,30,0,2,Bob Jones\n")
    assert app.load_file(text.encode(), "named.csv")
    assert "patient_name" in app.messages.upload_warnings.value
    assert "Ann Smith" not in "".join(html_values(app.view))


# --------------------------------------------------------------------------------------------
# Downloads and theme
# --------------------------------------------------------------------------------------------
def test_downloads_are_made_in_memory_with_provenance(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written here (or anywhere)
    app.update(ViewState(section="window"))
    name, mime, data = app.download("trajectories_csv")
    assert mime == "text/csv" and name.endswith(".csv")
    text = data.decode("utf-8-sig")
    assert text.startswith("# Reconstructed data") and "Subgroup: all patients" in text
    assert "outcome,group,week,n," in text
    assert app.download("window_png")[2][:8] == b"\x89PNG\r\n\x1a\n"
    svg = app.download("window_svg")[2].decode()
    assert svg.startswith("<svg") and "Reconstructed data" in svg
    xlsx = app.download("window_xlsx")[2]
    assert xlsx[:2] == b"PK"
    doc = json.loads(app.download("state_json")[2])
    assert doc["state"]["section"] == "window"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="Steroids and safety"):
        app.download("ae_csv")


def test_a_file_without_the_window_outcome_opens_on_one_it_has_and_says_why_nothing_downloads(app):
    """A file with active joints only: the window of opportunity and the statistics open on active joints, not on
    an sJADAS27 it does not have; an outcome chosen without values says so when a download is asked for."""
    rows = ["patient_id,study,months_onset_to_treatment,week,active_joints"]
    for i, months in enumerate([2, 4, 6, 8, 20, 30, 40, 50]):
        rows += [f"P{i},Clinic,{months},0,{3 + i % 3}", f"P{i},Clinic,{months},24,{i % 2}"]
    app.update(ViewState(section="window"))
    assert app.load_file(("\n".join(rows) + "\n").encode(), "joints.csv")
    assert app.state.window_outcome == "active_joints" and app.state.test_outcome == "active_joints"
    assert app.session.model.window.spec is not None
    assert app.download("window_csv")[2]
    app.update(replace(app.state, window_outcome="sjadas27"))
    with pytest.raises(ValueError, match="This cohort has no values of sJADAS27"):
        app.download("window_csv")


def test_small_counts_can_be_hidden_in_downloaded_tables(app):
    app.update(ViewState(section="safety"))
    app.share.suppression.value = 5
    text = app.download("steroid_csv")[2].decode("utf-8-sig")
    assert "<5" in text and "Small counts suppressed" in text
    app.share.suppression.value = 0


def test_dark_theme_reaches_the_app_the_page_and_the_charts(app):
    app.theme.value = "dark"
    assert app.state.theme == "dark" and "theme=dark" in app.address_bar.query
    assert "sjia-theme-dark" in app.view._dom_classes and app.page_theme.dark
    assert app.trajectories.chart.spec["config"]["background"] == "#1a1a1a"
    app.theme.value = "light"
    assert app.state.theme == "light" and "sjia-theme-light" in app.view._dom_classes
    app.update(ViewState())  # auto: follows the page
    app.page_theme.page_dark = True
    assert app.state.theme == "auto" and app.theme.value == "dark" and app.page_theme.dark
    app.page_theme.page_dark = False
    assert app.theme.value == "light"


def test_an_address_applied_after_the_view_was_built_gives_the_same_view(cohort):
    """A preheated kernel builds the view before the viewer's address is known, then applies it."""
    query = "cutoff=24&sex=F&each_patient=yes&prior_mas=maybe&section=safety&theme=dark"
    direct = CohortExplorer(cohort, query=query)
    later = CohortExplorer(cohort, query="")
    assert later.state == ViewState()
    assert later.apply_query(query)
    assert later.state == direct.state
    assert later.state.sex == "F" and later.state.early_cutoff_months == 24 and later.state.section == "safety"
    assert later.address_bar.query == direct.address_bar.query
    assert later.sidebar.sex.value == "F" and later.sidebar.each_patient.value is True
    assert later.messages.notice.layout.display == "" and "prior mas “maybe”" in later.messages.notice.value
    assert later.total.value == direct.total.value
    assert later.apply_query("") and later.apply_query(None) and later.state == direct.state


def test_page_query_outside_voila_is_none_and_under_voila_is_the_address(monkeypatch):
    from sjia_explore.app import page_query

    for name in ("VOILA_PREHEAT", "VOILA_KERNEL_ID", "SERVER_SOFTWARE", "QUERY_STRING"):
        monkeypatch.delenv(name, raising=False)
    assert page_query() is None  # JupyterLab, nbmake: nothing to wait for
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setenv("QUERY_STRING", "sex=F")
    assert page_query() == "sex=F"
    monkeypatch.delenv("SERVER_SOFTWARE")
    monkeypatch.delenv("QUERY_STRING")
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_KERNEL_ID", "k1")
    with voila_request_socket({"QUERY_STRING": "cutoff=6", "SERVER_SOFTWARE": "voila/0.5.13"}) as port:
        monkeypatch.setenv("VOILA_APP_PORT", str(port))
        monkeypatch.setenv("VOILA_SERVER_URL", "/base/")
        assert page_query() == "cutoff=6"
    assert os.environ["SERVER_SOFTWARE"] == "voila/0.5.13"  # the request's details, as Voila gives them


@contextlib.contextmanager
def voila_request_socket(request: dict[str, str]):
    """A WebSocket server standing in for Voila's ``voila/query/<kernel id>``: sends ``request`` as JSON, once."""
    import asyncio
    import threading

    from websockets.asyncio.server import serve

    ready, stop, paths = threading.Event(), threading.Event(), []
    port: list[int] = []

    async def handler(socket):
        paths.append(socket.request.path)
        await socket.send(json.dumps(request))

    async def main():
        async with serve(handler, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.02)

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield port[0]
    finally:
        stop.set()
        thread.join(10)
    assert paths == ["/base/voila/query/k1"]


def test_a_preheated_kernel_that_cannot_reach_voila_opens_the_default_view_and_says_why(monkeypatch, caplog):
    import socket

    from sjia_explore.app import page_query

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    for name, value in {"VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k2", "VOILA_APP_PORT": str(free)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert page_query() == ""
    assert "could not be read from Voila" in caplog.text


def test_reading_the_page_address_does_not_import_voilas_server():
    import subprocess

    code = ("import sys\nfrom sjia_explore.app import address\naddress.page_query()\n"
            "print(sorted(m for m in ('voila', 'jupyter_server', 'nbconvert') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k3", "VOILA_APP_PORT": "9"})
    assert out.stdout.strip() == "[]"


def test_each_patients_line_is_drawn_for_a_stated_sample_of_a_large_cohort():
    """Thousands of thin lines would stall the browser: a fixed random sample is drawn, and the chart says so."""
    from sjia_explore import CohortExplorer, simulate
    from sjia_explore.app import vocabulary as ui

    big = simulate.registry(ui.PATIENT_LINES_MAX * 3, seed=3)
    explorer = CohortExplorer(big)
    state = ViewState(each_patient=True)

    def drawn(spec):
        ids = {row["patient_id"] for name, rows in spec["datasets"].items() if name.endswith("_patients")
               for row in rows}
        return ids, " ".join(spec["title"]["subtitle"])

    ids, subtitle = drawn(explorer.session.compute(state).trajectories.spec)
    assert len(ids) == ui.PATIENT_LINES_MAX
    assert ids <= set(big.patients["patient_id"].astype(str))
    assert f"{ui.PATIENT_LINES_MAX:,} of {big.n_patients:,} patients" in subtitle
    assert drawn(explorer.session.compute(state).trajectories.spec)[0] == ids  # the same patients every time
    # the means still use every patient
    summary = dict(explorer.session.compute(state).trajectories.numbers)["active_joints"]
    assert summary.loc[summary["week"] == 0, "n"].sum() + summary.loc[summary["week"] == 0, "n_missing"].sum() \
        == big.n_patients

    small = CohortExplorer(load_cohort())
    ids, subtitle = drawn(small.session.compute(state).trajectories.spec)
    assert len(ids) == small.cohort.n_patients and "picked at random" not in subtitle


def test_a_cohort_without_a_core_column_says_so_where_its_chart_would_be(app):
    content = (b"patient_id,study,months_onset_to_treatment,week,sjadas27\n"
               b"P1,s,3,0,10\nP1,s,3,4,5\nP2,s,20,0,12\nP2,s,20,4,8\n")
    assert app.load_file(content, "no_joints.csv")
    shown = app.trajectories.missing
    assert shown.layout.display == ""
    assert "No active-joint counts" in shown.value and "add a column active_joints" in shown.value
    assert "No corticosteroid doses" in shown.value
    assert "sjadas27" not in shown.value  # the score that is there is not said to be missing
    app.sidebar.back_button.click()
    assert app.trajectories.missing.layout.display == "none"


def test_a_new_cut_off_does_not_look_again_at_what_depends_only_on_the_patients(cohort, monkeypatch):
    from sjia_explore.app.compute.selection import SelectedPatients
    from sjia_explore.app.session import Session

    calls = []
    original = SelectedPatients.is_reconstructed
    monkeypatch.setattr(SelectedPatients, "is_reconstructed",
                        lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    session = Session(cohort)
    first = session.compute(ViewState(early_cutoff_months=6))
    asked = len(calls)
    second = session.compute(ViewState(early_cutoff_months=9))
    assert asked > 0 and len(calls) == asked  # same patients: the provenance is not looked up again
    assert first.sections["trajectories"].spec != second.sections["trajectories"].spec  # the chart did change
    session.compute(ViewState(early_cutoff_months=9, sex="F"))  # new patients: looked up again
    assert len(calls) > asked


def test_a_cutoff_change_sends_only_what_changed(monkeypatch):
    """The chart (rows and values in one message), the two count lines that name the groups, and the address:
    no widget is sent a value it already had, nor an intermediate one."""
    explorer = CohortExplorer(load_cohort())
    explorer.view  # noqa: B018 - built, as on a page
    sent: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    send = widgets.Widget._send

    def spy(self, msg, buffers=None):
        state = tuple(sorted(msg.get("state") or {}))
        sent.append((type(self).__name__, tuple(getattr(self, "_dom_classes", ())), state))
        return send(self, msg, buffers)

    monkeypatch.setattr(widgets.Widget, "_send", spy)
    explorer.update(replace(explorer.state, early_cutoff_months=6))
    kinds = [(name, next((c for c in classes if c.startswith("sjia-n-") or c == "sjia-chart"), ""), keys)
             for name, classes, keys in sent]
    # (the slider is sent the state set here; a change made on the page's slider is not sent back to it)
    assert kinds == [("VegaChart", "sjia-chart", ("datasets", "signals")), ("IntSlider", "", ("value",)),
                     ("HTML", "sjia-n-cutoff", ("value",)), ("HTML", "sjia-n-total", ("value",)),
                     ("AddressBar", "", ("query",))], kinds


def test_the_share_panel_speaks_of_the_browsers_address_only_in_the_app(monkeypatch):
    """In JupyterLab the browser's address bar holds JupyterLab's address, not the view's: the Share panel
    says there to add what it shows to the app's address."""
    from sjia_explore.app.address import served_by_voila

    for name in ("SERVER_SOFTWARE", "VOILA_KERNEL_ID"):
        monkeypatch.delenv(name, raising=False)
    assert not served_by_voila()
    share = CohortExplorer(load_cohort()).share
    share.build()
    words = " ".join(w.value for w in share.box.children if isinstance(w, widgets.HTML))
    assert "address bar" not in words and "Added to the app's address" in words
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    assert served_by_voila()
