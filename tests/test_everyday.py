"""Everyday use (issue 15): absent is "not recorded" never zero, uploads checked in the browser, a lost kernel said,
keyboard and screen-reader names."""

from __future__ import annotations

import io
import zipfile

import pytest

from sjia_explore import load_cohort
from sjia_explore.app import CohortExplorer, ViewState
from sjia_explore.data import load_cohort_from_bytes

LONG = ("patient_id,study,months_onset_to_treatment,week,active_joints,sjadas27,steroid_mg_kg_day\n"
        "P1,mine,3,0,4,20,0.5\nP1,mine,3,4,1,5,0\nP2,mine,20,0,2,18,0\nP2,mine,20,4,2,10,0\n")


def zipped(cohort, names=("patients", "treatments", "visits")) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(f"{name}.csv", getattr(cohort, name).to_csv(index=False))
    return buf.getvalue()


@pytest.fixture(scope="module")
def bundled():
    return load_cohort()


def not_recorded(cohort, table, column):
    return cohort.provenance_studies(table, "not recorded", [column])


def test_a_zip_without_adverse_events_is_not_recorded_with_a_warning(bundled):
    cohort = load_cohort_from_bytes(zipped(bundled), "noae.zip")
    assert not_recorded(cohort, "adverse_events", "patient_id") == sorted(bundled.studies)
    assert any("no adverse-events table was found" in w and "never as 0" in w for w in cohort.warnings)
    # the study whose file has no steroid dose at all: not recorded, said once
    assert not_recorded(cohort, "visits", "steroid_mg_kg_day") == ["vastert2011"]


def test_a_long_csv_without_event_columns_is_not_recorded(bundled):
    cohort = load_cohort_from_bytes(LONG.encode(), "long.csv")
    assert not_recorded(cohort, "adverse_events", "patient_id") == ["mine"]
    assert not_recorded(cohort, "visits", "steroid_mg_kg_day") == []


def test_a_file_with_no_dose_column_is_told_once_with_how_to_add_it():
    no_dose = "\n".join(",".join(line.split(",")[:-1]) for line in LONG.strip().splitlines()) + "\n"
    cohort = load_cohort_from_bytes(no_dose.encode(), "nodose.csv")
    assert not_recorded(cohort, "visits", "steroid_mg_kg_day") == ["mine"]
    about_dose = [w for w in cohort.warnings if "steroid_mg_kg_day" in w]
    assert len(about_dose) == 1 and "add a column steroid_mg_kg_day" in about_dose[0]


def test_the_bundled_cohort_and_a_zip_with_events_have_nothing_marked(bundled):
    assert bundled.warnings == () and (bundled.provenance["status"] != "not recorded").all()
    cohort = load_cohort_from_bytes(zipped(bundled, ("patients", "treatments", "visits", "adverse_events")), "all.zip")
    assert not_recorded(cohort, "adverse_events", "patient_id") == []


def test_the_safety_view_says_not_recorded_never_zero(bundled):
    app = CohortExplorer(bundled, query="section=safety")
    assert app.load_file(zipped(bundled), "noae.zip")
    assert "no adverse-events table was found" in app.messages.upload_warnings.value
    app.update(ViewState(section="safety"))
    table = app.session.model.safety.adverse_events.table
    assert set(table["status"]) == {"not recorded"} and "n_events" not in table.columns
    shown = app.safety.safety_text.value
    assert "<td>not recorded</td>" in shown and "<td>0</td>" not in shown


def test_a_study_with_no_steroid_dose_gets_a_sentence_not_an_empty_panel(bundled):
    app = CohortExplorer(bundled, query="study=vastert2011&section=safety")
    assert "No corticosteroid dose is recorded for the selected patients" in app.safety.steroid_text.value
    assert "No selected patient was on corticosteroid" not in app.safety.steroid_text.value
    spec = app.session.model.trajectories.spec
    assert "joints_summary" in spec["datasets"] and "steroid_summary" not in spec["datasets"]
    assert "Not recorded for the selected patients, so not drawn: Corticosteroid dose." in spec["title"]["subtitle"]


# --------------------------------------------------------------------------------------------
# The upload control: sizes checked in the browser; what the kernel receives
# --------------------------------------------------------------------------------------------
def test_a_file_refused_in_the_browser_is_listed_in_mib_and_the_control_keeps_working(bundled):
    from sjia_explore.app.upload import UPLOAD_MAX_BYTES

    app = CohortExplorer(bundled, query="")
    upload = app.sidebar.upload
    assert upload.max_bytes == UPLOAD_MAX_BYTES and "(0)" not in upload.label
    upload._on_message(upload, {"event": "too_large", "name": "big.csv", "size": 42_000_000}, [])
    said = app.messages.upload_problems.value
    assert "big.csv: the file is 40.1 MiB, over this app&#x27;s limit of 8 MiB" in said
    assert app.cohort is bundled and upload.value == ()
    upload._on_message(upload, {"event": "file", "name": "long.csv"}, [LONG.encode()])
    assert app.cohort.n_patients == 2 and upload.value == ()


def test_the_kernel_answers_the_page_s_ping_so_a_live_session_is_never_called_ended(bundled):
    from sjia_explore.app.browser import KernelWatch

    app = CohortExplorer(bundled, query="")
    assert isinstance(app.kernel_watch, KernelWatch) and app.kernel_watch in app.view.children
    sent = []
    app.kernel_watch.send = sent.append
    app.kernel_watch._on_message(app.kernel_watch, {"event": "ping", "n": 1}, [])
    app.kernel_watch._on_message(app.kernel_watch, {"event": "other"}, [])
    assert sent == [{"event": "pong"}]
    assert "Reload the page" in app.kernel_watch.message and "address keeps your view" in app.kernel_watch.message


def test_every_drug_check_box_is_named_with_its_drug_for_screen_readers(bundled):
    from sjia_explore.app.vocabulary import drug_label

    app = CohortExplorer(bundled, query="")
    names = app.accessible_names.labels
    drugs = bundled.prior_biologic_options()
    assert names["sjia-study"] == "Study" and "cut-off" in names["sjia-cutoff"]
    for i, drug in enumerate(drugs):
        assert names[f"sjia-had-any-{i}"] == f"had {drug_label(drug)}"
        assert names[f"sjia-had-none-{i}"] == f"did not have {drug_label(drug)}"


def test_an_upload_with_an_unknown_redcap_event_is_mapped_by_the_viewers_option():
    """A REDCap event whose name gives no week: refused with how to map it, then read with the option typed."""
    import io
    import zipfile

    from test_redcap import DICTIONARY, RECORDS, RECORDS_NAME

    from sjia_explore import CohortExplorer, load_cohort

    records = RECORDS.replace("1,month_3_arm_1", "1,flare_arm_1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(RECORDS_NAME, records)
        archive.writestr("Clinic_DataDictionary_2026-11-30.csv", DICTIONARY)
    content = buffer.getvalue()
    app = CohortExplorer(load_cohort(), query="")
    assert not app.load_file(content, "clinic.zip")
    assert "flare_arm_1" in app.messages.upload_problems.value
    app.sidebar.event_weeks.value = "flare_arm_1=16, bad entry"
    assert not app.load_file(content, "clinic.zip")  # a mistake in the option is said, the file not read
    assert "“bad entry” is not event=week" in app.messages.upload_problems.value
    app.sidebar.event_weeks.value = "flare_arm_1=16"
    assert app.load_file(content, "clinic.zip")
    assert 16 in set(app.cohort.visits["week"])
    app.sidebar.event_weeks.value = "/etc/passwd"  # typed text is never taken as a file path
    assert not app.load_file(content, "clinic.zip")
    assert "is not event=week" in app.messages.upload_problems.value
