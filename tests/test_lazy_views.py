"""The sections and panels not on screen are built when first opened, and then show what an eager build shows.

A new viewer's kernel builds only the widgets of what is on screen: the other tabs
and the closed panels are an empty box until they are opened, by a click or by the
page address. Each is compared, widget by widget (type, classes, values, chart
specs, what is hidden), with the same view in an explorer that built every view at
its start: opened late, after changes made while it was not built, it must show
exactly the same.
"""

from __future__ import annotations

from dataclasses import replace

import ipywidgets as widgets
import pytest

from sjia_explore import load_cohort
from sjia_explore.app import CohortExplorer
from sjia_explore.app.state import DETAIL_PANELS
from sjia_explore.app.vocabulary import SECTIONS

LATE_SECTIONS = [s for s in SECTIONS if s != "trajectories"]
LATE_PANELS = ["statistics", "share"]
CHILD = "Q03"


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


def eager(cohort, **kwargs) -> CohortExplorer:
    """An explorer that builds every view before it first renders (as the app did before views were lazy)."""
    class Eager(CohortExplorer):
        def _open_views(self, state):
            for view in self.lazy_views.values():
                view.build()

    return Eager(cohort, **kwargs)


def contents(widget) -> list:
    """What a widget and all inside it show: type, classes, value, options, chart, what is hidden."""
    out = []

    def walk(w):
        row = [type(w).__name__, tuple(sorted(getattr(w, "_dom_classes", ()))),
               getattr(getattr(w, "layout", None), "display", None)]
        for trait in ("value", "options", "description", "spec", "datasets", "items", "query", "text", "label"):
            if w.has_trait(trait):
                row.append((trait, getattr(w, trait)))
        out.append(row)
        for child in getattr(w, "children", ()) or ():
            walk(child)

    walk(widget)
    return out


def open_section(explorer: CohortExplorer, name: str) -> widgets.Widget:
    explorer.tabs.selected_index = SECTIONS.index(name)  # as a click on the tab does
    return explorer.tabs.children[SECTIONS.index(name)]


def open_panel(explorer: CohortExplorer, name: str) -> widgets.Widget:
    explorer.details.selected_index = DETAIL_PANELS.index(name)  # as a click on the panel's header does
    return explorer.details.children[DETAIL_PANELS.index(name)]


def test_at_start_only_what_is_on_screen_is_built(cohort):
    explorer = CohortExplorer(cohort, query="")
    assert [name for name, view in explorer.lazy_views.items() if view.built] == []
    for name in LATE_SECTIONS:
        assert explorer.tabs.children[SECTIONS.index(name)].children == ()
    for name in LATE_PANELS:
        assert explorer.details.children[DETAIL_PANELS.index(name)].children == ()


@pytest.mark.parametrize("name", LATE_SECTIONS)
def test_a_section_opened_late_shows_what_an_eager_build_shows(cohort, name):
    late, early = CohortExplorer(cohort, query=""), eager(cohort, query="")
    box = open_section(late, name)
    assert late.lazy_views[name].built and box.children
    assert late.state.section == name and not late.messages.error.value
    shown = contents(box)
    assert shown == contents(open_section(early, name))
    # there is something to compare: text written from the section's model
    assert any(len(str(v)) > 100 for row in shown for t, v in row[3:] if t == "value")
    # and the same again when the address opens on the section
    assert contents(CohortExplorer(cohort, query=f"section={name}").tabs.children[SECTIONS.index(name)]) == shown


@pytest.mark.parametrize("name", LATE_SECTIONS)
def test_changes_made_before_a_section_is_opened_are_shown_when_it_is(cohort, name):
    late, early = CohortExplorer(cohort, query=""), eager(cohort, query="")
    for explorer in (late, early):
        explorer.update(replace(explorer.state, early_cutoff_months=6, window_week=12, window_outcome="active_joints",
                                activity_score="jadas27", highlight=CHILD, test_method="mixed"))
    assert late.state.highlight == CHILD and not any(v.built for v in late.lazy_views.values())
    assert contents(open_section(late, name)) == contents(open_section(early, name))
    assert late.state == early.state


@pytest.mark.parametrize("name", LATE_PANELS)
def test_a_panel_opened_late_shows_what_an_eager_build_shows(cohort, name):
    late, early = CohortExplorer(cohort, query=""), eager(cohort, query="")
    for explorer in (late, early):
        explorer.update(replace(explorer.state, early_cutoff_months=6, test_outcome="active_joints"))
    box = open_panel(late, name)
    assert late.lazy_views[name].built and box.children and late.state.open_panel == name
    assert contents(box) == contents(open_panel(early, name))


def test_the_highlight_pickers_stay_in_step_whichever_is_built(cohort):
    explorer = CohortExplorer(cohort, query="")
    explorer.trajectories.highlight.value = CHILD  # "Each patient" not built yet
    assert explorer.state.highlight == CHILD and not explorer.outcomes.patients.built
    open_section(explorer, "patients")
    picker = explorer.outcomes.patients.highlight
    assert picker.value == CHILD and CHILD in explorer.outcomes.patients.highlight_note.value
    assert picker.options == explorer.trajectories.highlight.options
    picker.value = ""  # nobody, picked in "Each patient"
    assert explorer.state.highlight is None and explorer.trajectories.highlight.value == ""


def test_controls_of_a_view_built_late_update_the_view(cohort):
    explorer = CohortExplorer(cohort, query="")
    open_section(explorer, "window")
    explorer.window.outcome.value = "active_joints"
    assert explorer.state.window_outcome == "active_joints" and "active_joints" in explorer.address_bar.query
    open_panel(explorer, "statistics")
    explorer.statistics.method.value = "mixed"
    assert explorer.state.test_method == "mixed" and explorer.state.window_outcome == "active_joints"
    # a click on a child's point on the window chart built late picks them
    explorer.window.continuous.chart._handle_custom_msg({"click": CHILD}, [])
    assert explorer.state.highlight == CHILD


def test_downloads_use_the_small_count_choice_before_the_share_panel_is_built(cohort):
    explorer = CohortExplorer(cohort, query="")
    explorer.share.set_suppression(5)
    assert not explorer.share.built and explorer.share.suppression_value == 5
    open_panel(explorer, "share")
    assert explorer.share.suppression.value == 5
    explorer.share.suppression.value = 0
    assert explorer.share.suppression_value == 0


def test_the_explanation_of_reconstructed_values_is_written_when_opened(cohort):
    explorer = CohortExplorer(cohort, query="")
    messages = explorer.messages
    assert messages.explanation.value == "" and messages.explanation.layout.display == "none"
    messages.explain_button.click()
    assert messages.explanation.layout.display == ""
    assert "generated one plausible course per patient" in messages.explanation.value
    everyone = messages.explanation.value
    explorer.update(replace(explorer.state, sex="F"))  # open: it follows the selection
    assert "Visit rows behind the charts" in messages.explanation.value and messages.explanation.value != everyone
