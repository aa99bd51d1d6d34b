"""The dashboard: :class:`CohortExplorer` wires events to a new view state, the session and the views.

event (a control, the page address, an upload)  ->  new :class:`ViewState`
    ->  :meth:`Session.update` (every number, table and chart spec, or an error)
    ->  each view's ``render(model)`` (the only code that writes a widget)

Errors never escape to the page as a traceback: the last good view stays on
screen with a plain message above it, and the details go to the server log.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets

from sjia_explore import format as fmt
from sjia_explore.app.address import FINGERPRINT_DIGITS, address_file_name, served_query
from sjia_explore.app.browser import AccessibleNames, AddressBar, KernelWatch, PageTheme
from sjia_explore.app.compute.context import CohortOptions, has_values
from sjia_explore.app.model import ViewModel
from sjia_explore.app.session import Session
from sjia_explore.app.state import ViewState
from sjia_explore.app.theme import style_sheet
from sjia_explore.app.upload import read_upload, too_large
from sjia_explore.app.views.details import PANEL_TITLES, PANELS, SharePanel, StatisticsPanel, table1_html
from sjia_explore.app.views.html import esc, fixed_layout, text
from sjia_explore.app.views.messages import Messages
from sjia_explore.app.views.outcomes import NOBODY, OutcomeViews, highlight_html, highlight_options
from sjia_explore.app.views.sections import SafetyView, TrajectoriesView, WindowView, download_bar
from sjia_explore.app.views.sidebar import Sidebar
from sjia_explore.app.vocabulary import (
    DOWNLOADS,
    FILTER_FIELDS,
    OUTCOME_COLUMNS,
    SECTION_TITLES,
    SECTIONS,
    SMALL_GROUP_N,
    study_label,
)
from sjia_explore.cohort import Cohort

log = logging.getLogger("sjia_explore.app")
W = widgets


def _ensure_log_handler() -> None:
    """Send the app's log to the real stderr (the server log), not to the page."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[sjia-explore] %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


class CohortExplorer:
    """An interactive dashboard over a :class:`sjia_explore.Cohort`.

    Parameters
    ----------
    cohort
        The cohort to explore (e.g. :func:`sjia_explore.load_cohort`).
    state
        The view to start from (default: every patient, cut-off 12 months).
    query
        A URL query string to start from (``"cutoff=6&sex=F"``); by default,
        inside Voila, the page's own address (empty in a preheated kernel: see
        :meth:`apply_query`). Keys and values that are not
        understood are left out and listed on the page.

    Attributes
    ----------
    view : ipywidgets.VBox
        The dashboard; display it (as ``app.ipynb`` does).
    session : Session
        The cohort, the view shown and everything computed for it.

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> explorer = CohortExplorer(load_cohort(), query="sex=F")
    >>> explorer.state.sex, explorer.session.model.selection.description
    ('F', 'female')
    """

    def __init__(self, cohort: Cohort, state: ViewState | None = None, query: str | None = None):
        _ensure_log_handler()
        self.session = Session(cohort)
        self._syncing = False
        # The SHA-256 of the file shown: an uploaded one, or the file the app was started on (an address made
        # on an upload of that same file then opens here at once); None for the bundled studies.
        self._file_sha: str | None = self._initial_sha
        self._expected: ViewState | None = None  # an opened address's view, made on a file not uploaded yet
        self._expected_shown: ViewState | None = None  # the view shown meanwhile, until the viewer changes it
        self._mismatch: tuple[str, str] | None = None  # a file uploaded instead: (name, fingerprint)
        self._panel_before_share: str | None = None  # the panel open before the Share panel was opened
        self._ledger_shown: tuple | None = None  # (ledger, revision) of the ledger on screen
        self._build()
        self._show_cohort()
        notes: list[str] = []
        if state is None:
            query = served_query() if query is None else query
            state, notes = self._open_address(query or "")
        self._query = query or ""
        self._notes = notes
        self.update(state)
        self._prepare()

    # -- the session's values, as attributes ------------------------------------------------
    @property
    def state(self) -> ViewState:
        return self.session.state

    @property
    def cohort(self) -> Cohort:
        return self.session.cohort

    @property
    def weeks(self) -> tuple[int, ...]:
        return self.session.options.weeks

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        safe = self._safe
        self.messages = Messages()
        self.sidebar = Sidebar(safe(self._on_control))
        # a section's download bar is made with its other widgets, when it is first shown
        bars = {name: (lambda name=name, items=items: download_bar(name, items, self.download))
                for name, items in DOWNLOADS.items()}
        self.trajectories = TrajectoriesView(bars["trajectories"]())
        self.window = WindowView(bars["window"], safe(self._on_reset_ledger))
        self.safety = SafetyView(bars["safety"])
        self.outcomes = OutcomeViews(bars)
        self.statistics = StatisticsPanel(safe(self._on_run_tests), safe(self._on_reset_ledger))
        self.share = SharePanel(bars["state"])
        #: The views built the first time their tab or panel is shown (see views/lazy.py).
        self.lazy_views = {"window": self.window, "safety": self.safety, **self.outcomes.views,
                           "statistics": self.statistics, "share": self.share}
        self.table1 = text()
        self.table1.add_class("sjia-table1")

        self.total = text(layout=W.Layout(flex="1 1 auto"))
        self.total.add_class("sjia-n")
        self.total.add_class("sjia-n-total")
        self.theme = W.ToggleButtons(options=[("Light", "light"), ("Dark", "dark")], value="light",
                                     style={"button_width": "64px"},
                                     tooltips=["Dark text on a light background",
                                               "Light text on a dark background (projectors, dim rooms)"])
        self.theme.add_class("sjia-theme")
        topbar = W.HBox([self.total, self.theme], layout=W.Layout(width="100%"))
        topbar.add_class("sjia-topbar")
        self.empty = text(layout=W.Layout(display="none"))
        self.empty.add_class("sjia-empty")
        self.tabs = W.Tab(children=[self.trajectories.box, self.window.box, self.safety.box, *self.outcomes.boxes],
                          titles=[SECTION_TITLES[s] for s in SECTIONS], selected_index=0)
        self.tabs.add_class("sjia-tabs")
        self.details = W.Accordion(children=[self.table1, self.statistics.box, self.share.box], selected_index=None)
        for i, title in enumerate(PANEL_TITLES):
            self.details.set_title(i, title)
        main = W.VBox([topbar, self.empty, self.tabs, self.details], layout=W.Layout(flex="1 1 600px", min_width="0"))
        # page helpers with nothing to show: one shared layout, never changed
        self.address_bar = AddressBar(layout=fixed_layout())
        self.page_theme = PageTheme(layout=fixed_layout())
        self.kernel_watch = KernelWatch(layout=fixed_layout())
        self.accessible_names = AccessibleNames(layout=fixed_layout())
        self.view = W.VBox([
            text(style_sheet()), *self.messages.widgets,
            W.HBox([self.sidebar.box, main], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.address_bar, self.page_theme, self.kernel_watch, self.accessible_names,
        ])
        self.view.add_class("sjia-app")
        self.view.add_class("sjia-theme-light")

        on_control, on_click = safe(self._on_control), safe(self._on_patient_click)

        def observe(*controls) -> None:
            for control in controls:
                control.observe(on_control, names="value")

        observe(*self.sidebar.controls, self.theme, *self.trajectories.choices)
        # the controls of a view built later are observed once they exist
        self.statistics.when_built(lambda v: observe(v.outcome, v.method))
        self.window.when_built(lambda v: observe(v.outcome, v.week))
        self.outcomes.activity.when_built(lambda v: observe(v.score))
        self.outcomes.patients.when_built(lambda v: observe(v.highlight))
        self.tabs.observe(on_control, names="selected_index")
        self.trajectories.highlight.observe(safe(self._on_highlight_beside), names="value")
        # a click on a child's row, line or point picks them (again: nobody)
        self.trajectories.chart.on_click(on_click, "patient_id")
        self.window.when_built(lambda v: v.continuous.on_click(on_click, "patient_id"))
        self.outcomes.patients.when_built(lambda v: v.chart.on_click(on_click, "patient_id"))
        self.details.observe(safe(self._on_panel), names="selected_index")
        self.sidebar.reset.on_click(safe(lambda _b: self.update(replace(
            self.state, **{f: getattr(ViewState(), f) for f in FILTER_FIELDS}))))
        self.sidebar.upload.observe(safe(self._on_upload), names="value")
        self.messages.shared_upload.observe(safe(self._on_upload), names="value")
        self.sidebar.back_button.on_click(safe(self._on_back))
        self.page_theme.observe(safe(self._on_page_theme), names="page_dark")

    def _show_cohort(self) -> None:
        """Offer the session's cohort in the controls (no redraw)."""
        from sjia_explore.app.compute.trajectories import choosable

        session, cohort = self.session, self.session.cohort
        initial = cohort is session.initial_cohort
        if cohort.is_bundled:
            what = "Bundled studies: " + ", ".join(study_label(s) for s in session.options.studies)
        else:
            what = f"{'Your file' if not initial else 'Cohort'}: {cohort.source or 'no source given'}"
        back = "Back to the bundled cohort" if session.initial_cohort.is_bundled else "Back to the first cohort"
        self._syncing = True
        try:
            self.sidebar.set_options(session.options, what, cohort.n_patients, back, show_back=not initial)
            self.accessible_names.labels = self.sidebar.accessible_names()
            self.window.set_weeks(session.options.follow_up_weeks)
            self.trajectories.set_outcomes(choosable(cohort.visits))
            self.share.set_suppression(0 if cohort.is_bundled else 5)
        finally:
            self._syncing = False

    # -- events -> a new state ------------------------------------------------------------------
    def _safe(self, callback):
        """Wrap a widget callback: an exception is logged and shown as a message, never lost."""
        def wrapped(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as exc:  # shown to the user, logged for the maintainer
                self._show_error(exc)
        return wrapped

    def _on_control(self, change=None) -> None:
        if not self._syncing:
            self.update(self._state_from_controls())

    def _on_highlight_beside(self, change) -> None:
        """The picker beside the trajectories: the patient picked is highlighted (the one in "Each patient"
        follows)."""
        if not self._syncing:
            self.update(replace(self._state_from_controls(), highlight=change["new"] or None))

    def _on_patient_click(self, patient_id: str) -> None:
        """A child clicked on a chart is highlighted (or, when they already are, nobody is)."""
        picker = self.trajectories.highlight  # always built; the one in "Each patient" has the same patients
        if patient_id in {v for _, v in picker.options}:
            picker.value = "" if picker.value == patient_id else patient_id

    def _on_panel(self, change) -> None:
        if not self._syncing:  # the open panel is part of the view (and of its address)
            index = change["new"]
            self.update(replace(self.state, open_panel=PANELS[index] if index is not None else None))

    def _on_page_theme(self, change) -> None:
        before = self.session.dark(self.state)
        self.session.page_dark = bool(change["new"])
        if self.session.dark(self.state) != before:
            self.update(self.state)

    def _state_from_controls(self) -> ViewState:
        shown_theme = "dark" if self.session.dark(self.state) else "light"
        theme = self.state.theme if self.theme.value == shown_theme else self.theme.value
        index = self.tabs.selected_index if self.tabs.selected_index is not None else 0
        shown = self.state  # a view not built yet has no controls: its fields stay as shown
        return ViewState(**self.sidebar.read(), **self.statistics.read(shown), section=SECTIONS[index],
                         **self.window.read(shown), theme=theme,
                         trajectory_outcomes=self.trajectories.read() or self.state.trajectory_outcomes,
                         **self.outcomes.read(shown), open_panel=self._open_panel(), data_name=self.state.data_name,
                         data_sha=self.state.data_sha)

    def _open_panel(self) -> str | None:
        index = self.details.selected_index
        return PANELS[index] if index is not None else None

    def _state_from_query(self, query: str) -> tuple[ViewState, list[str]]:
        """The view a query string asks for, with a note for the parts that were not understood."""
        options = self.session.options
        state, ignored = ViewState.from_query(query, studies=options.studies, drugs=options.drugs,
                                              cutoff_range=options.cutoff_range, weeks=options.weeks)
        return state, self._notes_for(ignored)

    @staticmethod
    def _notes_for(ignored: list[str]) -> list[str]:
        return ["Part of the page address was not understood and was left out: " + "; ".join(ignored) + "."] \
            if ignored else []

    def _open_address(self, query: str) -> tuple[ViewState, list[str]]:
        """The view to show for a page address, and the notes about it.

        An address made on an uploaded file (``data=…&sha=…``) that is not the file shown
        is kept aside until a file with that fingerprint is uploaded: meanwhile the
        cohort shown keeps every patient, with the rest of the address's view (section,
        open panel, theme…), and the banner above the app names the file and offers
        the upload. Its filters are checked against the file's cohort when it arrives.
        """
        loose, ignored = ViewState.from_query(query, studies=None, drugs=None)
        self._expected = self._expected_shown = self._mismatch = None
        if loose.data_name is None or self._is_shown_file(loose.data_sha):
            state, notes = self._state_from_query(query)
            if state.data_name is not None:  # the file shown: name it as it was uploaded
                state = replace(state, data_name=self.state.data_name, data_sha=self.state.data_sha)
        else:
            self._expected = loose
            state, notes = replace(loose, data_name=None, data_sha=None,
                                   **{f: getattr(ViewState(), f) for f in FILTER_FIELDS}), self._notes_for(ignored)
            if self.cohort is not self.session.initial_cohort:  # the address is about another file
                state = replace(state, data_name=self.state.data_name, data_sha=self.state.data_sha)
        self._show_shared_file()
        return state, notes

    @property
    def _initial_sha(self) -> str | None:
        """The SHA-256 of the file the app was started on (None for the bundled studies)."""
        first = self.session.initial_cohort
        return None if first.is_bundled or not first.sha256 else first.sha256

    def _is_shown_file(self, sha: str | None) -> bool:
        return sha is not None and self._file_sha is not None and self._file_sha.startswith(sha)

    def _show_shared_file(self) -> None:
        """The banner about the file an opened address was made on (hidden when there is none)."""
        expected = self._expected
        if expected is None:
            self.messages.show_shared_file(None)
            return
        first = self.session.initial_cohort
        words = "the bundled studies" if first.is_bundled else f"“{first.source or 'the first cohort'}”"
        uploaded = self._mismatch if self.cohort is not self.session.initial_cohort else None
        self.messages.show_shared_file((expected.data_name, expected.data_sha), words, uploaded)

    def apply_query(self, query: str | None) -> bool:
        """Show the view a page address asks for (``"cutoff=6&sex=F"``), through the normal update path.

        For a page served from a kernel that ran the notebook before the viewer
        arrived (Voila's preheated kernels), where the address is known only
        afterwards: see :func:`sjia_explore.app.page_query`. An empty query changes
        nothing. Values that are not understood are left out and listed on the
        page. Returns True when the view is shown.
        """
        if not query or query == self._query:  # nothing asked, or already shown
            return True
        self._query = query
        state, self._notes = self._open_address(query)
        return self.update(state)

    def _state_for_new_cohort(self, cohort: Cohort) -> ViewState:
        """The view after ``cohort`` is loaded: every filter back to its default, nobody highlighted, outcomes it
        does not record replaced by the first it does, the rest kept."""
        state = replace(self.state, highlight=None, **{f: getattr(ViewState(), f) for f in FILTER_FIELDS})
        recorded = [c for c in OUTCOME_COLUMNS if has_values(cohort.visits, c)]
        if recorded:
            for name in ("window_outcome", "test_outcome"):
                if getattr(state, name) not in recorded:
                    state = replace(state, **{name: recorded[0]})
        return state

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        self.sidebar.upload.value = ()  # frees the file here; the same file can be chosen again
        if item.get("too_large"):  # refused in the browser, never sent: listed with the other upload problems
            self._show_refused(too_large(str(item.get("name") or "upload"), int(item.get("size") or 0)))
            return
        self.load_file(item.get("content") or b"", str(item.get("name") or "upload"))

    def _show_refused(self, result) -> None:
        words = "the bundled studies" if self.cohort.is_bundled else f"“{self.cohort.source or 'the same cohort'}”"
        self.messages.show_upload(result, words)

    def load_file(self, content: bytes, name: str) -> bool:
        """Swap in the cohort in ``content`` (an uploaded file's bytes), or list why it cannot be used.

        Every view, filter option and statistic follows the new cohort, through
        :meth:`update`. Returns True when the cohort was swapped in.
        """
        result = read_upload(content, name, visit_windows=self.sidebar.visit_windows.value,
                             event_weeks=self.sidebar.event_weeks.value)
        if result.cohort is None:
            self._show_refused(result)
            return False
        digest = result.cohort.sha256  # of the uploaded bytes, made by the reader
        named = {"data_name": address_file_name(name), "data_sha": digest[:FINGERPRINT_DIGITS]}
        expected = self._expected
        matches = expected is not None and digest.startswith(expected.data_sha)
        notes: list[str] = []
        if matches:  # the file a shared address was made on: its whole view, checked against this cohort
            options = CohortOptions.of(result.cohort)
            state, ignored = ViewState.from_query(expected.to_query(), studies=options.studies, drugs=options.drugs,
                                                  cutoff_range=options.cutoff_range, weeks=options.weeks)
            state, notes = replace(state, **named), self._notes_for(ignored)
        else:
            state = replace(self._state_for_new_cohort(result.cohort), **named)
        before = self._notes
        self._notes = notes
        if not self.update(state, cohort=result.cohort):
            self._notes = before
            return False
        self._file_sha = digest
        if matches:
            self._expected = self._expected_shown = self._mismatch = None
        elif expected is not None:
            self._mismatch = (name, digest[:FINGERPRINT_DIGITS])
        self._show_shared_file()
        self.messages.show_upload(result)
        return True

    def _on_back(self, _button=None) -> None:
        initial = self.session.initial_cohort
        if self.update(replace(self._state_for_new_cohort(initial), data_name=None, data_sha=None), cohort=initial):
            self._file_sha, self._mismatch = self._initial_sha, None
            self._show_shared_file()
            self.messages.show_upload(None)

    def _on_run_tests(self, _button=None) -> None:
        self.statistics.results.value = "<p>Running the tests…</p>"
        try:
            result = self.session.run_tests()
        except Exception:
            self.statistics.results.value = "<p>The tests could not be run for this selection.</p>"
            raise
        self.statistics.render(self.state, result)
        self._render_ledger()

    def download(self, key: str) -> tuple[str, str, bytes]:
        """The file a download button makes: (file name, MIME type, bytes), with the suppression chosen."""
        return self.session.download(key, suppression=self.share.suppression_value)

    # -- the one update path ------------------------------------------------------------------------
    def update(self, state: ViewState | None = None, cohort: Cohort | None = None) -> bool:
        """Show ``state`` (default: what the controls say), optionally for another ``cohort``.

        Errors are shown on the page, not raised; the last good view (and
        cohort) stays. Returns True when the new view is shown.
        """
        panel = self.session.panel
        try:
            previous = self.session.cohort
            state = self._state_from_controls() if state is None else state
            self.session.panel = state.open_panel  # Table 1 is made only while its panel is open
            model = self.session.update(state, cohort=cohort)
            new_cohort = self.session.cohort is not previous
            if new_cohort:
                self._show_cohort()
            self.render(model)
            if new_cohort:
                self._prepare()
            return True
        except Exception as exc:
            self.session.panel = panel
            self._show_error(exc)
            try:  # put the controls back to what is shown, so they never disagree with the charts
                self._sync_controls(self.state)
            except Exception:  # pragma: no cover - already reporting an error
                log.exception("the controls could not be reset to the last view")
            return False

    def _prepare(self) -> None:
        """Once a cohort's first view is on its way: its arrays for every filter value, so that the first click on
        a filter is not slower than the next ones. Only a head start: what fails here fails again, and is shown,
        when the filter is used."""
        try:
            self.session.prepare()
        except Exception:
            log.warning("the filters' arrays could not be worked out ahead", exc_info=True)

    def _show_error(self, exc: BaseException) -> None:
        log.error("the view could not be updated", exc_info=exc)
        self.messages.show_error(exc)

    def _sync_controls(self, state: ViewState) -> None:
        """Set the controls to ``state`` without triggering updates."""
        self._syncing = True
        try:
            self.sidebar.sync(state, self.session.options.studies)
            self.statistics.sync(state)
            self.tabs.selected_index = SECTIONS.index(state.section)
            self.window.sync(state)
            self.outcomes.sync(state)
            values = {v for _, v in self.trajectories.highlight.options}
            self.trajectories.highlight.value = state.highlight if state.highlight in values else NOBODY
            self.trajectories.sync(state.trajectory_outcomes)
            self.theme.value = "dark" if self.session.dark(state) else "light"
            self.details.selected_index = PANELS.index(state.open_panel) if state.open_panel else None
        finally:
            self._syncing = False

    def render(self, model: ViewModel) -> None:
        """Put a computed view on screen."""
        state, selection = model.state, model.selection
        self.trajectories.render(model.trajectories)  # first: the chart is what the user watches
        self._open_views(state)
        self._syncing = True
        try:  # the patients the highlight can pick follow the selection (before the controls are synced)
            self.outcomes.patients.set_choices(model.highlight.choices)
            options = highlight_options(model.highlight.choices)
            if tuple(self.trajectories.highlight.options) != options:
                self.trajectories.highlight.options = options
        finally:
            self._syncing = False
        self._sync_controls(state)
        sentence = highlight_html(model.highlight)
        self.trajectories.highlight_note.value = sentence
        self.window.show_highlight(sentence)
        group_text = self.sidebar.render(selection)
        self.view.remove_class("sjia-theme-dark" if not model.dark else "sjia-theme-light")
        self.view.add_class("sjia-theme-dark" if model.dark else "sjia-theme-light")
        self.page_theme.dark = model.dark
        if selection.n_total:
            small = [g for g, n in selection.group_counts.items() if 0 < n < SMALL_GROUP_N]
            caution = (f' <span class="sjia-caution">With fewer than {SMALL_GROUP_N} patients in a group '
                       f"({esc(', '.join(small))}), its mean and interval are very uncertain.</span>"
                       if small else "")
            self.total.value = (f"<b>{fmt.patients(selection.n_total)}</b> shown ({group_text}). "
                                f"Selection: {esc(selection.description)}.{caution}")
            self.empty.layout.display = "none"
        else:
            self.total.value = f"<b>No patients</b> match this selection ({esc(selection.description)})."
            self.empty.value = ("<b>No patient matches all of these filters.</b> Nothing to draw. Loosen one of them: "
                                "the line under each filter shows where the patients drop out.")
            self.empty.layout.display = ""
        self.trajectories.chart_box.layout.display = "" if selection.n_total else "none"
        self.tabs.layout.display = "" if selection.n_total else "none"
        self.window.render(model.window)
        self.safety.render(model.safety)
        self.outcomes.render(model)
        self._render_ledger()
        self.messages.render(model.about)
        self.table1.value = table1_html(model.table1)
        self.statistics.render_status(state)
        if self._expected is not None and self._expected_shown is None:
            self._expected_shown = replace(state, highlight=None)  # shown for an address whose file has not come
        # While nothing was changed since, the address stays the one opened (its file, filters and all).
        # The Share panel is where the address is copied, not part of what is shared: while it is open,
        # the address keeps the panel that was open before it (Statistics, say), or none.
        if state.open_panel != "share":
            self._panel_before_share = state.open_panel
        # (a highlighted patient is not part of what is shared: picking one keeps the address as it was)
        unshared = replace(state, highlight=None)
        shared = self._expected if self._expected is not None and unshared == self._expected_shown else unshared
        if shared.open_panel == "share":
            shared = replace(shared, open_panel=self._panel_before_share)
        query = shared.to_query()
        self.address_bar.query = query
        self.share.render(shared.to_json(), shared.to_python(self._cohort_expr(), self.weeks), query,
                          shared.data_name, shared.data_sha)
        if self._notes:
            self.messages.show_notice(self._notes)
            self._notes = []
        elif self.messages.notice_shown and state != getattr(self, "_shown_state", state):
            self.messages.hide_notice()
        self._shown_state = state
        self.messages.show_error(None)

    def _open_views(self, state: ViewState) -> None:
        """Build the views on screen in ``state`` (its section and open panel) that are not built yet."""
        for name in (state.section, state.open_panel):
            view = self.lazy_views.get(name) if name else None
            if view is not None and not view.built:
                self._syncing = True  # what the new controls are set to is already the view's state
                try:
                    view.build()
                finally:
                    self._syncing = False

    def _render_ledger(self) -> None:
        """The ledger on screen, made again only when a test was recorded or it was reset (not on every redraw)."""
        ledger = self.session.ledger
        if self._ledger_shown == (id(ledger), ledger.revision):
            return
        self._ledger_shown = (id(ledger), ledger.revision)
        frame, sentence = ledger.to_frame(), ledger.sentence()
        self.window.render_ledger(frame, sentence)
        self.statistics.render_ledger(frame, sentence)

    def _on_reset_ledger(self, _button=None) -> None:
        self.session.ledger.reset()
        self._render_ledger()

    def _cohort_expr(self) -> str:
        source = self.cohort.source or ""
        if self.cohort is not self.session.initial_cohort:
            return f"load_cohort({source!r})  # the file you uploaded: put it next to this notebook"
        if self.cohort.is_bundled or not source:
            return "load_cohort()"
        if Path(source).is_dir():
            return f"load_cohort({source!r})"
        return "load_cohort()  # replace with your own cohort"

    def _ipython_display_(self):  # pragma: no cover - display hook for notebooks
        from IPython.display import display

        display(self.view)
