"""Shared addresses: the open panel, and the uploaded file a view was made on (its name and fingerprint, never
its data), in the address, in Python, and in the dashboard that opens such an address (no browser)."""

from __future__ import annotations

import hashlib
import json
import re

import ipywidgets as widgets
import pytest

from sjia_explore.app import CohortExplorer, ViewState
from sjia_explore.app.address import (
    MAX_ADDRESS_FILE_NAME_CHARS,
    address_file_name,
    fingerprint,
    is_file_name,
)

SHA = "1a2b3c4d5e6f"


def long_csv(n: int = 8, study: str = "mine", shift: int = 0) -> bytes:
    """A small cohort in long form: a row per patient and visit, half of them female."""
    rows = ["patient_id,study,sex,months_onset_to_treatment,week,active_joints,sjadas27,steroid_mg_kg_day"]
    for i in range(n):
        sex, months = ("F" if i % 2 else "M"), 3 + 4 * i
        for week, joints in ((0, 6 + i + shift), (4, 3 + i % 3), (12, 1 + i % 2)):
            rows.append(f"P{i},{study},{sex},{months},{week},{joints},{10 + 2 * joints},{0.5 if week == 0 else 0.1}")
    return ("\n".join(rows) + "\n").encode()


def html_values(widget) -> list[str]:
    out = [widget.value] if isinstance(widget, widgets.HTML) else []
    for child in getattr(widget, "children", ()):
        out += html_values(child)
    return out


# --------------------------------------------------------------------------------------------
# The address and its other forms
# --------------------------------------------------------------------------------------------
def test_the_file_and_the_open_panel_are_written_as_plain_keys():
    state = ViewState(sex="F", open_panel="statistics", data_name="mycohort.csv", data_sha=SHA)
    assert state.to_query() == "sex=F&open=statistics&data=mycohort.csv&sha=1a2b3c4d5e6f"
    assert ViewState(open_panel="table1").to_query() == "open=table1"
    assert ViewState(data_name="my cohort (v2).csv", data_sha=SHA).to_query() \
        == "data=my%20cohort%20%28v2%29.csv&sha=1a2b3c4d5e6f"


STATES = [
    ViewState(open_panel="table1"),
    ViewState(open_panel="statistics", section="window"),
    ViewState(open_panel="share", theme="dark"),
    ViewState(data_name="mycohort.csv", data_sha=SHA),
    ViewState(data_name="données 2024 (v2).csv", data_sha="ab" * 32, open_panel="statistics"),
    ViewState(study="qiu2024", sex="F", early_cutoff_months=6, section="safety", open_panel="table1",
              data_name="export_1.xlsx", data_sha=SHA),
]


@pytest.mark.parametrize("state", STATES)
def test_views_with_a_panel_or_a_file_survive_the_address_and_json(state, cohort):
    back, ignored = ViewState.from_query(state.to_query(), studies=cohort.studies,
                                         drugs=cohort.prior_biologic_options(), weeks=[0, 4, 8, 12, 24])
    assert ignored == []
    assert back == state
    assert ViewState.from_dict(json.loads(state.to_json())) == state


def test_the_fingerprint_is_read_in_either_case_and_kept_in_lower_case(cohort):
    state, ignored = ViewState.from_query("data=a.csv&sha=1A2B3C4D5E6F", studies=cohort.studies, drugs=[])
    assert ignored == [] and state.data_sha == SHA


@pytest.mark.parametrize("query, said", [
    ("data=../secret.csv&sha=1a2b3c4d5e6f", "file name “../secret.csv”"),
    ("data=%2Fetc%2Fpasswd&sha=1a2b3c4d5e6f", "file name “/etc/passwd”"),
    ("data=C%3A%5Cdata%5Cx.csv&sha=1a2b3c4d5e6f", "file name “C:\\data\\x.csv”"),
    ("data=%3Cscript%3Ealert(1)%3C%2Fscript%3E.csv&sha=1a2b3c4d5e6f", "file name “<script>alert(1)</script>.csv”"),
    ("data=%3Cb%3Ebold.csv&sha=1a2b3c4d5e6f", "file name “<b>bold.csv”"),
    ("data=.hidden&sha=1a2b3c4d5e6f", "file name “.hidden”"),
    ("data=" + "a" * 81 + "&sha=1a2b3c4d5e6f", "file name “" + "a" * 81 + "”"),
    ("data=x.csv&sha=not-hex-at-all", "fingerprint “not-hex-at-all”"),
    ("data=x.csv&sha=1a2b3c", "fingerprint “1a2b3c”"),
    ("data=x.csv&sha=%3Cimg%3E", "fingerprint “<img>”"),
    ("data=x.csv", "file name “x.csv” given without its fingerprint"),
    ("sha=1a2b3c4d5e6f", "fingerprint “1a2b3c4d5e6f” given without its file name"),
    ("open=admin", "open panel “admin”"),
    ("open=%3Cb%3E", "open panel “<b>”"),
])
def test_odd_file_names_fingerprints_and_panels_are_left_out_and_named(query, said, cohort):
    state, ignored = ViewState.from_query(query, studies=cohort.studies, drugs=cohort.prior_biologic_options())
    assert state == ViewState()  # no file is asked for, no panel opened
    assert any(said in line for line in ignored), ignored


def test_a_file_given_twice_is_listed_and_the_first_is_used(cohort):
    state, ignored = ViewState.from_query("data=a.csv&data=b.csv&sha=1a2b3c4d5e6f", studies=cohort.studies,
                                          drugs=[])
    assert state.data_name == "a.csv" and ignored == ["“data” given 2 times (the first value understood is used)"]


@pytest.mark.parametrize("given, kept", [
    ("mycohort.csv", "mycohort.csv"),
    ("/home/ann/exports/mycohort.csv", "mycohort.csv"),
    ("C:\\Users\\ann\\mycohort.csv", "mycohort.csv"),
    ("../../mycohort.csv", "mycohort.csv"),
    ("my cohort <2024>.csv", "my cohort _2024_.csv"),
    ("<img src=x onerror=alert(1)>.csv", "_img src_x onerror_alert(1)_.csv"),
    ("e\u0301chantillon.csv", "\u00e9chantillon.csv"),  # written as e + accent, kept as one letter
    (".hidden.csv", "hidden.csv"),
    ("", "upload"),
    ("..", "upload"),
    ("/", "upload"),
    ("<>", "__"),
])
def test_an_uploaded_files_name_is_carried_without_folders_or_markup(given, kept):
    assert address_file_name(given) == kept


def test_a_long_name_is_cut_to_the_limit_with_its_extension_kept():
    name = address_file_name("registry export " + "x" * 200 + ".xlsx")
    assert len(name) == MAX_ADDRESS_FILE_NAME_CHARS and name.startswith("registry export xx") and name.endswith(".xlsx")
    assert len(address_file_name("y" * 300)) == MAX_ADDRESS_FILE_NAME_CHARS


@pytest.mark.parametrize("given", ["a\x00b.csv", "tab\there.csv", "new\nline.csv", "quote\"'.csv", "amp&lt;.csv",
                                   "semi;colon.csv", " spaced .csv ", "%2e%2e%2fx.csv", "\u202eevil.csv", "😀.csv",
                                   "x" * 500, "a/b\\c/..", "((()))"])
def test_every_carried_name_is_read_back_from_the_address_unchanged(given, cohort):
    name = address_file_name(given)
    assert is_file_name(name) and not re.search(r"[/\\<>&\"'\x00-\x1f]", name)
    back, ignored = ViewState.from_query(ViewState(data_name=name, data_sha=SHA).to_query(), studies=[], drugs=[])
    assert ignored == [] and back.data_name == name


def test_the_fingerprint_is_the_start_of_the_sha256_of_the_bytes():
    # FIPS 180-2, appendix B.1, and the SHA-256 of nothing
    assert fingerprint(b"abc") == "ba7816bf8f01"
    assert fingerprint(b"") == "e3b0c44298fc"


def test_a_view_holds_both_file_keys_or_neither():
    with pytest.raises(ValueError, match="go together"):
        ViewState(data_name="a.csv")
    with pytest.raises(ValueError, match="hexadecimal"):
        ViewState(data_name="a.csv", data_sha="xyz")
    with pytest.raises(ValueError, match="no folders"):
        ViewState(data_name="../a.csv", data_sha=SHA)
    with pytest.raises(ValueError, match="open_panel"):
        ViewState(open_panel="settings")


def test_the_python_of_a_view_made_on_a_file_loads_that_file_after_checking_it(tmp_path, monkeypatch):
    content = long_csv()
    state = ViewState(sex="F", section="window", data_name="mycohort.csv",
                      data_sha=hashlib.sha256(content).hexdigest()[:12])
    code = state.to_python()
    assert 'cohort = load_cohort("mycohort.csv")' in code
    assert f"fingerprint {state.data_sha}" in code and "data_name" not in code
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mycohort.csv").write_bytes(content)
    scope: dict = {}
    exec(compile(code, "snippet", "exec"), scope)  # the snippet as a user would run it
    assert scope["cohort"].n_patients == 8 and scope["state"].sex == "F"
    assert len(scope["selected"].patients) == 4
    (tmp_path / "mycohort.csv").write_bytes(long_csv(shift=1))  # another file under the same name
    with pytest.raises(AssertionError, match="fingerprint differs"):
        exec(compile(code, "snippet", "exec"), {})


# --------------------------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------------------------
MINE = long_csv()
MINE_SHA = hashlib.sha256(MINE).hexdigest()[:12]
SHARED = f"study=mine&cutoff=6&sex=F&section=window&open=statistics&data=mycohort.csv&sha={MINE_SHA}"


def test_an_upload_puts_the_files_name_and_fingerprint_in_the_address_never_its_data(cohort):
    app = CohortExplorer(cohort, query="")
    assert "never any data" in app.share.privacy.value
    assert app.load_file(MINE, "mycohort.csv")
    query = app.address_bar.query
    assert query.endswith(f"data=mycohort.csv&sha={MINE_SHA}") and app.share.address.query == query
    assert "P1" not in query and "mine" not in query  # no value of the file: only its name and fingerprint
    assert "never the data" in app.share.privacy.value and "mycohort.csv" in app.share.privacy.value
    assert 'load_cohort("mycohort.csv")' in app.share.python_text.value
    assert json.loads(app.share.json_text.value)["data_sha"] == MINE_SHA
    app.sidebar.back_button.click()
    assert "data=" not in app.address_bar.query and "never any data" in app.share.privacy.value


def test_an_address_made_on_a_file_shows_the_bundled_cohort_and_a_banner_until_that_file_comes(cohort):
    app = CohortExplorer(cohort, query=SHARED)
    assert app.cohort is cohort
    banner = app.messages.shared_text.value
    assert app.messages.shared_file_shown
    assert f"This view was made on “mycohort.csv” (fingerprint {MINE_SHA})" in banner
    assert "Upload that file to see it; until then the app shows the bundled studies" in banner
    assert app.messages.shared_upload.label == "Upload “mycohort.csv”"
    assert not app.messages.notice_shown  # "study=mine" is for the file, not an odd part of the address
    # the rest of the view is shown; the filters wait for the file
    assert app.state.section == "window" and app.state.open_panel == "statistics"
    assert app.details.selected_index == 1 and app.state.sex is None and app.state.study is None
    # while nothing is changed, the address stays the one shared
    assert app.address_bar.query == "study=mine&cutoff=6&sex=F&section=window&open=statistics" \
        f"&data=mycohort.csv&sha={MINE_SHA}"
    assert 'load_cohort("mycohort.csv")' in app.share.python_text.value

    assert app.load_file(MINE, "mycohort.csv")
    assert not app.messages.shared_file_shown
    assert app.cohort.n_patients == 8
    state = app.state
    assert (state.study, state.sex, state.early_cutoff_months, state.section, state.open_panel) \
        == ("mine", "F", 6, "window", "statistics")
    assert app.details.selected_index == 1 and app.tabs.selected_index == 1
    assert app.sidebar.sex.value == "F"
    assert "4 patients" in app.total.value
    assert f"data=mycohort.csv&sha={MINE_SHA}" in app.address_bar.query


def test_another_file_is_accepted_but_the_banner_says_its_fingerprint_differs(cohort):
    app = CohortExplorer(cohort, query=SHARED)
    other = long_csv(shift=2)
    other_sha = hashlib.sha256(other).hexdigest()[:12]
    assert app.load_file(other, "mycohort.csv")
    assert app.cohort.n_patients == 8 and app.state.sex is None  # shown, without the shared filters
    banner = app.messages.shared_text.value
    assert app.messages.shared_file_shown
    assert "is not the file this view was made on" in banner and "fingerprint" in banner and "differs" in banner
    assert other_sha in banner and MINE_SHA in banner
    assert f"sha={other_sha}" in app.address_bar.query  # the address now names the file shown
    app.sidebar.back_button.click()  # back: the banner offers the file again
    assert "Upload that file to see it" in app.messages.shared_text.value
    assert app.load_file(MINE, "mycohort (1).csv")  # the right bytes, under another name
    assert not app.messages.shared_file_shown and app.state.sex == "F" and app.state.study == "mine"
    assert "data=mycohort%20%281%29.csv" in app.address_bar.query


def test_changing_the_view_before_the_file_comes_gives_the_address_of_what_is_shown(cohort):
    app = CohortExplorer(cohort, query=SHARED)
    app.sidebar.sex.value = "M"
    assert "data=" not in app.address_bar.query and "sex=M" in app.address_bar.query
    assert app.messages.shared_file_shown  # still offered
    assert app.load_file(MINE, "mycohort.csv")  # the shared view, as the banner promised
    assert app.state.sex == "F" and not app.messages.shared_file_shown


def test_a_preheated_kernel_shows_the_same_banner(cohort):
    later = CohortExplorer(cohort, query="")
    assert not later.messages.shared_file_shown
    assert later.apply_query(SHARED)
    direct = CohortExplorer(cohort, query=SHARED)
    assert later.messages.shared_file_shown and later.messages.shared_text.value == direct.messages.shared_text.value
    assert later.state == direct.state and later.address_bar.query == direct.address_bar.query
    assert later.apply_query("sex=F") and not later.messages.shared_file_shown


@pytest.mark.parametrize("query", [
    "data=%3Cb%20onclick%3Dx%3Ebold%3C%2Fb%3E.csv&sha=1a2b3c4d5e6f&sex=F",
    "data=..%2F..%2Fetc%2Fpasswd&sha=1a2b3c4d5e6f&sex=F",
    "data=x.csv&sha=%3Cscript%3Ealert(1)%3C%2Fscript%3E&sex=F",
])
def test_odd_file_keys_get_the_plain_notice_and_never_markup(query, cohort):
    app = CohortExplorer(cohort, query=query)
    assert app.state.sex == "F"  # the rest of the address is used
    assert not app.messages.shared_file_shown
    notice = app.messages.notice.value
    assert app.messages.notice_shown and "was not understood and was left out" in notice
    for text in html_values(app.view):
        assert "<script" not in text and "<b onclick" not in text


def test_a_hostile_upload_name_is_carried_as_plain_text(cohort):
    app = CohortExplorer(cohort, query="")
    assert app.load_file(MINE, "<img src=x onerror=alert(1)>.csv")
    assert is_file_name(app.state.data_name) and "<img" not in app.address_bar.query
    for text in html_values(app.view):
        assert "<img src=x" not in text


def test_the_open_panel_is_part_of_the_view_and_of_its_address(cohort):
    app = CohortExplorer(cohort, query="open=table1&sex=F")
    assert app.details.selected_index == 0 and app.state.open_panel == "table1"
    assert "<table" in app.table1.value  # made, because it is open
    app.details.selected_index = 1
    assert app.state.open_panel == "statistics" and "open=statistics" in app.address_bar.query
    app.details.selected_index = None
    assert app.state.open_panel is None and "open=" not in app.address_bar.query
    assert app.state.sex == "F"


def test_the_share_panel_gives_the_address_of_the_panel_open_before_it(cohort):
    app = CohortExplorer(cohort, query="sex=F")
    app.details.selected_index = 1  # Statistics
    app.details.selected_index = 2  # then Share, to copy the address
    assert app.state.open_panel == "share"
    assert app.share.address.query == app.address_bar.query == "sex=F&open=statistics"
    assert "open_panel='statistics'" in app.share.python_text.value
    app.details.selected_index = None
    app.details.selected_index = 2  # Share opened with nothing open before it
    assert app.share.address.query == "sex=F" and "open_panel" not in app.share.python_text.value
    opened = CohortExplorer(cohort, query="sex=F&open=statistics")
    assert opened.details.selected_index == 1


def test_an_app_started_on_a_file_opens_an_address_made_on_that_file_at_once(tmp_path, cohort):
    """A clinic serves the app on its own export; a colleague shares a view they made after uploading the
    same file elsewhere. The fingerprints match: the view opens, with no banner asking for the file. An
    address made on another file still gets the banner."""
    from sjia_explore import load_cohort

    path = tmp_path / "mycohort.csv"
    path.write_bytes(MINE)
    own = load_cohort(path, cache=False)
    app = CohortExplorer(own, query=SHARED)
    assert not app.messages.shared_file_shown
    assert (app.state.study, app.state.sex, app.state.early_cutoff_months) == ("mine", "F", 6)
    assert "4 patients" in app.total.value
    other = CohortExplorer(own, query=SHARED.replace(MINE_SHA, "0" * 12))
    assert other.messages.shared_file_shown and other.state.sex is None
    bundled = CohortExplorer(cohort, query=SHARED)  # the bundled studies are no file of the viewer's
    assert bundled.messages.shared_file_shown
