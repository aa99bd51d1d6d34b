"""A clinic's cohort kept as dates: visit dates to nominal weeks, onset to months, and the dates dropped."""

import datetime as dt
import hashlib
import io
import re

import openpyxl
import pandas as pd
import pytest

from sjia_explore import CohortValidationError, load_cohort
from sjia_explore.cli import main as cli_main
from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.readers import parse_visit_windows, visit_windows
from sjia_explore.trajectories import summarise

START = {"P1": dt.date(2024, 1, 10), "P2": dt.date(2024, 1, 20)}
ONSET = {"P1": dt.date(2023, 7, 10), "P2": dt.date(2023, 3, 15)}


def day(pid, n):
    return START[pid] + dt.timedelta(days=n)


def write(folder, patients, visits, events=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "patients.csv").write_text(patients)
    (folder / "visits.csv").write_text(visits)
    if events is not None:
        (folder / "adverse_events.csv").write_text(events)
    return folder


def iso(d):
    return d.isoformat()


def dmy(d):
    return d.strftime("%d/%m/%Y")


PATIENTS = ("patient_id,study,sex,Onset date,IL-1 start date\n"
            f"P1,mine,F,{iso(ONSET['P1'])},{iso(START['P1'])}\n"
            f"P2,mine,M,{iso(ONSET['P2'])},{iso(START['P2'])}\n")


def visits_text(rows, fmt=iso):
    return "patient_id,Visit date,joints\n" + "".join(f"{pid},{fmt(day(pid, n))},{j}\n" for pid, n, j in rows)


def problems(call):
    with pytest.raises(CohortValidationError) as err:
        call()
    return [str(p) for p in err.value.problems]


def test_visit_dates_become_nominal_weeks_and_onset_dates_months(tmp_path):
    rows = [("P1", 0, 5), ("P1", 30, 2), ("P1", 84, 1), ("P1", 170, 0), ("P2", 2, 3), ("P2", 60, 1)]
    c = load_cohort(write(tmp_path / "c", PATIENTS, visits_text(rows)))
    got = c.visits[["patient_id", "week", "active_joints"]].values.tolist()
    # days 0, 30, 84, 170, 2, 60 fall in the windows of weeks 0, 4, 12, 24, 0, 8
    assert got == [["P1", 0, 5], ["P1", 4, 2], ["P1", 12, 1], ["P1", 24, 0], ["P2", 0, 3], ["P2", 8, 1]]
    # 184 and 311 days from onset to start, in 30.4375-day months, three decimals
    months = dict(zip(c.patients["patient_id"], c.patients["months_onset_to_treatment"]))
    assert months == {"P1": round(184 / 30.4375, 3), "P2": round(311 / 30.4375, 3)} == {"P1": 6.045, "P2": 10.218}
    assert c.unscheduled_visits.empty


def test_a_child_treated_364_days_after_onset_is_treated_early_at_a_12_month_cut_off(tmp_path):
    """364 days are 11.959 months (of 365.25 / 12 days): under 12, however the months are rounded for show;
    365 days are still under, 366 days over."""
    rows = []
    for pid, days in (("A", 364), ("B", 365), ("C", 366)):
        start = dt.date(2024, 1, 1)
        rows.append(f"{pid},mine,F,{iso(start - dt.timedelta(days=days))},{iso(start)}")
    patients = "patient_id,study,sex,Onset date,IL-1 start date\n" + "\n".join(rows) + "\n"
    visits = "patient_id,week,active_joints\nA,0,1\nB,0,1\nC,0,1\n"
    c = load_cohort(write(tmp_path / "c", patients, visits))
    early = c.patient_features(12).set_index("patient_id")["early"].to_dict()
    assert early == {"A": True, "B": True, "C": False}
    assert c.filter(duration="early", early_cutoff_months=12).patients["patient_id"].tolist() == ["A", "B"]


def test_exact_dates_are_dropped_from_every_table_and_the_warning_says_what_became_what(tmp_path):
    events = f"patient_id,term,onset date\nP1,URTI,{iso(day('P1', 51))}\n"
    c = load_cohort(write(tmp_path / "c", PATIENTS, visits_text([("P1", 0, 5), ("P1", 40, 1), ("P2", 0, 3)]),
                          events))
    date = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")
    for frame in (c.patients, c.visits, c.treatments, c.adverse_events, c.unscheduled_visits):
        assert not [col for col in frame.columns if "date" in col.lower()]
        assert not frame.astype(str).apply(lambda s: s.str.contains(date)).any().any()
    said = "\n".join(c.warnings)
    assert 'patients.csv: exact dates are identifiers: the dates in "IL-1 start date", "Onset date"' in said
    assert "→ months_onset_to_treatment" in said and 'visits.csv: exact dates are identifiers' in said
    assert '"Visit date" → week' in said and 'adverse_events.csv: exact dates are identifiers' in said
    assert c.adverse_events["week"].tolist() == [round(51 / 7, 1)]


def test_two_visits_in_one_window_keep_the_nearest_and_name_both_rows(tmp_path):
    # rows 3 and 4 are days 23 and 29, both in the week-4 window (days 21-35); day 29 is nearer day 28
    c = load_cohort(write(tmp_path / "c", PATIENTS, visits_text([("P1", 0, 5), ("P1", 23, 2), ("P1", 29, 1),
                                                                  ("P2", 0, 3)])))
    assert c.visits.loc[c.visits["patient_id"] == "P1", ["week", "active_joints"]].values.tolist() == [[0, 5], [4, 1]]
    warning = next(w for w in c.warnings if "two visits" in w)
    assert warning.startswith("visits.csv:3:Visit date:") and "rows 3 and 4" in warning
    assert "row 4 (day 29) is nearest week 4" in warning
    assert c.unscheduled_visits[["patient_id", "study_day", "active_joints"]].values.tolist() == [["P1", 23, 2]]


def test_a_visit_outside_every_window_is_kept_for_the_timeline_but_not_summarised(tmp_path):
    c = load_cohort(write(tmp_path / "c", PATIENTS, visits_text([("P1", 0, 5), ("P1", 40, 1), ("P2", 0, 3),
                                                                  ("P2", 28, 2)])))
    assert sorted(c.visits["week"].unique().tolist()) == [0, 4]
    extra = c.unscheduled_visits
    assert extra[["patient_id", "study_day", "active_joints"]].values.tolist() == [["P1", 40, 1]]
    assert extra["week"].tolist() == [pytest.approx(40 / 7, abs=0.005)]
    warning = next(w for w in c.warnings if "outside every visit window" in w)
    assert warning.startswith("visits.csv:3:Visit date:")
    summary = summarise(c.visits, "active_joints")
    assert summary["week"].tolist() == [0, 4] and summary["n"].tolist() == [2, 1]
    assert c.filter(sex="M").unscheduled_visits.empty and len(c.filter(sex="F").unscheduled_visits) == 1


def test_a_study_day_column_is_read_like_a_date(tmp_path):
    patients = "patient_id,study,months_onset_to_treatment\nP1,mine,4\n"
    visits = "patient_id,days since start,joints\nP1,0,3\nP1,27,1\nP1,90,0\n"
    c = load_cohort(write(tmp_path / "c", patients, visits))
    assert c.visits[["week", "active_joints"]].values.tolist() == [[0, 3], [4, 1], [12, 0]]


def test_visit_windows_are_configurable_and_checked(tmp_path):
    folder = write(tmp_path / "c", PATIENTS, visits_text([("P1", 0, 5), ("P1", 40, 1), ("P2", 0, 3)]))
    c = load_cohort(folder, visit_windows={0: (0, 1), 4: (3, 6)})
    assert c.visits.loc[c.visits["patient_id"] == "P1", "week"].tolist() == [0, 4]
    assert visit_windows({4: 1}) == ((4, 21, 35),)
    assert visit_windows()[1:] == ((4, 21, 35), (8, 42, 70), (12, 70, 98), (24, 140, 196))
    with pytest.raises(ValueError, match="do not hold week 4"):
        load_cohort(folder, visit_windows={4: (5, 6)})
    with pytest.raises(ValueError, match="not a half-width"):
        load_cohort(folder, visit_windows={4: "wide"})
    assert parse_visit_windows("0=0-1,4=1") == {0: (0.0, 1.0), 4: 1.0}


def test_the_command_line_takes_visit_windows(tmp_path, capsys):
    folder = write(tmp_path / "c", PATIENTS, visits_text([("P1", 0, 5), ("P1", 40, 1), ("P2", 0, 3)]))
    assert cli_main(["validate", str(folder), "--visit-windows", "0=0-1,4=3-6"]) == 0
    assert "3 visits" in capsys.readouterr().out
    assert cli_main(["validate", str(folder)]) == 0
    assert "2 visits" in capsys.readouterr().out
    assert cli_main(["validate", str(folder), "--visit-windows", "4=x"]) == 2
    assert "is not a visit window" in capsys.readouterr().err


def test_day_first_dates_are_read_when_a_day_above_12_tells_the_order(tmp_path):
    patients = PATIENTS.replace(iso(ONSET["P2"]), dmy(ONSET["P2"]))  # 15/03/2023: day first
    rows = [("P1", 0, 5), ("P1", 30, 2), ("P2", 0, 3)]
    c = load_cohort(write(tmp_path / "c", patients, visits_text(rows, fmt=dmy)))
    assert c.visits["week"].tolist() == [0, 4, 0]
    assert c.patients["months_onset_to_treatment"].tolist() == [6.045, 10.218]


def test_ambiguous_day_month_order_is_a_problem_not_a_guess(tmp_path):
    # no date of the visits file has a day above 12: day-first and month-first both fit
    visits = "patient_id,Visit date,joints\nP1,01/10/2024,5\nP1,02/09/2024,2\nP2,01/12/2024,3\n"
    found = problems(lambda: load_cohort(write(tmp_path / "c", PATIENTS, visits)))
    assert any(p.startswith("visits.csv, column Visit date: these dates could be day/month/year or month/day/year")
               for p in found)


def test_ambiguous_start_dates_are_said_once_without_follow_on_problems(tmp_path):
    """The patients' dates could be read either way: that is the problem. Their visits are not also told they have
    "no IL-1 start date" (they have one), nor is visits.csv said to have "no rows" (it has three)."""
    patients = ("patient_id,study,sex,onset_date,il1_start_date\n"
                "P1,mine,F,10/01/2023,01/02/2024\nP2,mine,M,10/06/2023,01/02/2024\n")
    visits = "patient_id,visit_date,joints\nP1,2024-02-01,5\nP1,2024-03-01,2\nP2,2024-02-01,3\n"
    found = problems(lambda: load_cohort(write(tmp_path / "c", patients, visits)))
    assert len(found) == 2 and all("could be day/month/year or month/day/year" in p for p in found), found


def test_day_first_and_month_first_in_one_file_are_a_problem(tmp_path):
    visits = "patient_id,Visit date,joints\nP1,10/01/2024,5\nP1,13/02/2024,2\nP2,01/20/2024,3\n"
    found = problems(lambda: load_cohort(write(tmp_path / "c", PATIENTS, visits)))
    assert any(p.startswith("visits.csv:2:Visit date:") and "day-first on some rows and month-first" in p
               for p in found)


def test_an_unreadable_date_and_a_two_digit_year_name_their_cell(tmp_path):
    visits = "patient_id,Visit date,joints\nP1,2024-01-10,5\nP1,next week,2\nP2,20/01/24,3\n"
    found = problems(lambda: load_cohort(write(tmp_path / "c", PATIENTS, visits)))
    assert 'visits.csv:3:Visit date: "next week" is not a date (write dates as YYYY-MM-DD, years 1950–2099)' in found
    assert any(p.startswith("visits.csv:4:Visit date:") and "two-digit year" in p for p in found)


def test_a_visit_before_the_start_date_is_a_problem(tmp_path):
    visits = visits_text([("P1", 0, 5), ("P1", -3, 2), ("P2", 0, 3)])
    found = problems(lambda: load_cohort(write(tmp_path / "c", PATIENTS, visits)))
    assert ("visits.csv:3:Visit date: this visit is 3 day(s) before the IL-1 start date; it must be on or after "
            "it (week 0 is the start)") in found


def test_dates_before_onset_are_problems(tmp_path):
    late_onset = PATIENTS.replace(iso(ONSET["P1"]), iso(day("P1", 10)))
    found = problems(lambda: load_cohort(write(tmp_path / "c", late_onset, visits_text([("P1", 0, 5), ("P2", 0, 3)]))))
    assert "patients.csv:2:Onset date: the onset date is after the IL-1 start date; check both" in found
    assert "visits.csv:2:Visit date: this visit date is before the disease onset date; check both" in found


def test_an_onset_date_without_a_start_date_is_a_problem(tmp_path):
    patients = f"patient_id,study,Onset date\nP1,mine,{iso(ONSET['P1'])}\n"
    found = problems(lambda: load_cohort(write(tmp_path / "c", patients, "patient_id,week\nP1,0\n")))
    assert any(p.startswith("patients.csv:2:Onset date:") and "no IL-1 start date" in p for p in found)


def test_visit_dates_without_a_start_date_name_the_patient_once(tmp_path):
    patients = "patient_id,study,months_onset_to_treatment\nP1,mine,4\n"
    visits = "patient_id,visit_date\nP1,2024-01-10\nP1,2024-02-10\n"
    found = problems(lambda: load_cohort(write(tmp_path / "c", patients, visits)))
    assert [p for p in found if "no IL-1 start date" in p] == [
        'visits.csv:2:visit_date: patient "P1" has no IL-1 start date (il1_start_date), which is needed to turn '
        "visit dates into weeks; add it"]


def test_one_long_file_with_dates_is_split_and_checked(tmp_path):
    text = ("subject_id,study,IL-1 start date,onset_date,Visit date,joints\n"
            "S1,mine,2024-01-10,2023-07-10,2024-01-10,4\n"
            "S1,mine,2024-01-10,2023-07-10,2024-02-08,1\n")
    c = load_cohort_from_bytes(text.encode(), "export.csv")
    assert c.visits["week"].tolist() == [0, 4] and c.patients["months_onset_to_treatment"].tolist() == [6.045]
    assert "il1_start_date" not in c.patients.columns and "onset_date" not in c.patients.columns


def test_excel_dates_and_serial_numbers_in_a_workbook(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "patients"
    ws.append(["patient_id", "study", "onset_date", "il1_start_date"])
    ws.append(["P1", "mine", dt.datetime(2023, 7, 10), (START["P1"] - dt.date(1899, 12, 30)).days])  # serial
    visits = book.create_sheet("visits")
    visits.append(["patient_id", "visit_date", "joints"])
    visits.append(["P1", dt.datetime(2024, 1, 10), 4])
    visits.append(["P1", (day("P1", 29) - dt.date(1899, 12, 30)).days, 1])  # 45331: 2024-02-08
    buf = io.BytesIO()
    book.save(buf)
    c = load_cohort_from_bytes(buf.getvalue(), "clinic.xlsx")
    assert c.visits["week"].tolist() == [0, 4] and c.patients["months_onset_to_treatment"].tolist() == [6.045]
    # the same number in a CSV file is not a date
    found = problems(lambda: load_cohort_from_bytes(b"patient_id,study,il1_start_date,visit_date\n"
                                                    b"P1,mine,45301,45331\n", "clinic.csv"))
    assert any('"45301" is not a date' in p for p in found)


def test_input_files_with_dates_are_never_changed(tmp_path):
    folder = write(tmp_path / "c", PATIENTS, visits_text([("P1", 0, 5), ("P1", 40, 1), ("P2", -2, 3)]))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    with pytest.raises(CohortValidationError):
        load_cohort(folder)
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_a_week_column_wins_over_dates_and_the_dates_are_still_dropped(tmp_path):
    visits = "patient_id,week,visit_date,joints\nP1,0,2024-01-10,4\nP2,0,2024-01-20,3\n"
    c = load_cohort(write(tmp_path / "c", PATIENTS, visits))
    assert c.visits["week"].tolist() == [0, 0] and "visit_date" not in c.visits.columns
    assert any("the week column was used" in w for w in c.warnings)
    assert isinstance(c.visits, pd.DataFrame)
