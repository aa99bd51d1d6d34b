"""Columns that look like direct identifiers are named (never echoed) and dropped before anyone sees them."""

import pandas as pd
import pytest

from sjia_explore import CohortValidationError
from sjia_explore.data import load_cohort_from_bytes
from sjia_explore.identifiers import (
    check_column,
    content_rule,
    find_identifiers,
    header_rule,
    looks_identifying,
    redact,
)
from sjia_explore.schema import SYNONYMS

# (header, cells, the rule's words): each must be flagged; HIPAA Safe Harbor list
FLAGGED = [
    ("name", ["Ann Smith", "Bo Lee"], "a person's name"),
    ("Patient Name", ["Ann Smith", "Bo Lee"], "a person's name"),
    ("Surname", ["Smith", "Lee"], "a person's name"),
    ("dob", ["2015-04-01", "2016-07-12"], "a date of birth"),
    ("date_of_birth", ["01/04/2015", "12/07/2016"], "a date of birth"),
    ("admission_date", ["2024-03-01", "2024-03-09"], "an exact date"),
    ("zip", ["02139", "10001"], "an address or a place smaller than a state"),
    ("postcode", ["SW1A 1AA", "M1 1AE"], "an address or a place smaller than a state"),
    ("Home address", ["1 High St", "2 Low Rd"], "an address or a place smaller than a state"),
    ("phone", ["020 7946 0958", "0161 496 0000"], "a telephone or fax number"),
    ("email", ["ann@example.org", "bo@example.org"], "an email address"),
    ("nhs_number", ["943 476 5919", "401 023 2137"], "a record, account or licence number"),
    ("MRN", ["A123", "B456"], "a record, account or licence number"),
    ("ssn", ["078-05-1120", "219-09-9999"], "a record, account or licence number"),
    ("ip", ["192.0.2.1", "198.51.100.7"], "a web or IP address"),
    ("url", ["https://example.org/a", "https://example.org/b"], "a web or IP address"),
    ("age", ["7", "93"], "an age over 89"),
    # content only: the header says nothing
    ("x1", ["ann@example.org", "bo@example.org"], "email addresses"),
    ("x2", ["+44 20 7946 0958", "+1 (617) 555-0100"], "telephone numbers"),
    ("x3", ["9434765919", "4010232137"], "NHS numbers"),
    ("x4", ["2024-03-01", "01.03.2024"], "exact dates"),
    ("x5", ["078-05-1120", "219-09-9999"], "US social security numbers"),
    ("notes", ["call mum", "see www.example.org"], "web addresses"),
    ("notes2", ["ok", "<script src=https://x.example/a.js></script>"], "HTML or script markup with web addresses"),
]
NOT_FLAGGED = [
    ("age_years", ["7", "89"]), ("year_of_onset", ["2019", "2020"]), ("drug_name", ["anakinra", "canakinumab"]),
    ("study_name", ["mine", "mine"]), ("weeks", ["0", "4"]), ("crp_result", ["12.5", "1234567.89"]),
    ("code", ["P001", "P002"]), ("study_no", ["0012345670", "0012345671"]), ("visit_label", ["W4", "W12"]),
]


@pytest.mark.parametrize("header, cells, rule", FLAGGED, ids=[f[0] for f in FLAGGED])
def test_each_identifier_kind_is_flagged_with_its_rule(header, cells, rule):
    finding = check_column(header, cells)
    assert finding is not None and finding.rule == rule and finding.column == header
    for cell in cells:
        assert cell not in finding.describe()


def test_markup_with_a_web_address_is_said_to_be_markup_not_just_a_web_address():
    said = check_column("comment", ['<a href="http://example.org">x</a>']).describe()
    assert said.startswith("the cells hold HTML or script markup with web addresses (")
    assert check_column("comment", ["<script>alert(1)</script>", "<b>x</b>"]) is None  # no address: shown as text


@pytest.mark.parametrize("header, cells", NOT_FLAGGED, ids=[f[0] for f in NOT_FLAGGED])
def test_ordinary_study_columns_are_not_flagged(header, cells):
    assert check_column(header, cells) is None


def test_find_identifiers_does_not_change_the_frame_and_checks_schema_columns_by_content_only():
    df = pd.DataFrame({"patient_id": ["P1", "P2"], "dob": ["2015-01-01", "2016-02-02"],
                       "study": ["ann@example.org", "x"]})
    before = df.copy()
    found = find_identifiers(df, schema_columns=("patient_id", "study"))
    pd.testing.assert_frame_equal(df, before)
    assert [(f.column, f.basis) for f in found] == [("dob", "header"), ("study", "content")]


def test_the_nhs_check_digit_is_checked():
    assert content_rule(["943 476 5919"]) == "NHS numbers"
    assert content_rule(["9434765918"]) is None  # wrong check digit (and no spaces: not phone-like)


def test_no_documented_synonym_looks_like_an_identifier():
    for table, mapping in SYNONYMS.items():
        for spelling in mapping:
            assert header_rule(spelling) is None, (table, spelling)


def test_redaction_hides_identifier_like_values_in_messages():
    assert redact('"2024-03-01" is not a whole number of weeks') == \
        "(a value that looks like an exact date, not shown) is not a whole number of weeks"
    assert redact('"abc" is not a number') == '"abc" is not a number'
    assert looks_identifying("P001") is None


# every core outcome present, so that the only warnings are about the extra column
LONG = ("patient_id,study,months_onset_to_treatment,week,active_joints,sjadas27,steroid_mg_kg_day,{extra}\n"
        "P1,mine,3,0,4,20,0,{a}\nP1,mine,3,4,1,5,0,{a}\nP2,mine,20,0,2,18,0,{b}\n")


@pytest.mark.parametrize("header, cells, rule", [f for f in FLAGGED if "," not in "".join(f[1])],
                         ids=[f[0] for f in FLAGGED if "," not in "".join(f[1])])
def test_loading_drops_identifier_columns_and_warns_without_echoing_values(header, cells, rule):
    text = LONG.format(extra=header, a=cells[0], b=cells[1])
    cohort = load_cohort_from_bytes(text.encode(), "mine.csv")
    shown = " ".join(cohort.warnings)
    assert f"mine.csv:1:{header}: " in shown and rule in shown and "dropped" in shown
    for cell in cells:
        assert cell not in shown
    for table in (cohort.patients, cohort.visits):
        assert header not in table.columns
        assert not table.astype(str).isin(cells).any().any()


def test_a_study_code_that_looks_like_an_identifier_is_kept_with_a_warning():
    text = "patient_id,study,months_onset_to_treatment,week\nann@example.org,mine,3,0\nbo@example.org,mine,4,0\n"
    cohort = load_cohort_from_bytes(text.encode(), "mine.csv")
    warned = [w for w in cohort.warnings if w.startswith("mine.csv:1:patient_id:")]
    assert warned and "replace the values with study codes" in warned[0] and "example.org" not in warned[0]


def test_problems_never_echo_a_value_that_looks_like_an_identifier():
    text = "patient_id,study,months_onset_to_treatment,week\nP1,mine,3,2024-03-01\n"
    with pytest.raises(CohortValidationError) as err:
        load_cohort_from_bytes(text.encode(), "mine.csv")
    lines = [str(p) for p in err.value.problems]
    assert ("mine.csv:2:week: (a value that looks like an exact date, not shown) "
            "is not a whole number of weeks (0–520)") in lines
    assert "2024-03-01" not in str(err.value)
