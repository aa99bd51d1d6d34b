"""The dashboard: :class:`CohortExplorer`, one set of widgets over one :class:`ViewState`.

How it works
------------
- Every widget is built once, in ``CohortExplorer.__init__``.
- Every control writes into one frozen :class:`ViewState`; :meth:`CohortExplorer.update`
  is the only path that recomputes anything. It computes the whole new view
  first and only then swaps it in (chart spec, counts, texts), so a failure
  leaves the last good view on screen, with a plain message above it.
- Charts are Altair ``JupyterChart`` widgets made to work with no network: the
  JavaScript bundle is built once with vl-convert and kept in the user's cache
  folder (see :func:`enable_offline_charts`).
- The view is mirrored in the page address (``?cutoff=6&sex=F``), and can be
  copied as JSON or as Python that recreates it in JupyterLab.
- Every piece of data text that reaches HTML goes through :func:`html.escape`.

Examples
--------
>>> from sjia_explore import CohortExplorer, load_cohort     # doctest: +SKIP
>>> explorer = CohortExplorer(load_cohort())                  # doctest: +SKIP
>>> explorer.view                                             # doctest: +SKIP
>>> explorer.update(ViewState(sex="F", early_cutoff_months=6))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import logging
import math
import os
import re
import sys
import tempfile
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

import anywidget
import ipywidgets as widgets
import pandas as pd
import traitlets

from sjia_explore import published, trajectories
from sjia_explore.cohort import DEFAULT_EARLY_CUTOFF_MONTHS, Cohort, Subgroup

log = logging.getLogger(__name__)

#: Longest value accepted from the page address, in characters.
MAX_QUERY_VALUE_CHARS = 100
#: Weeks drawn on the trajectory charts.
MAX_WEEK = 24
#: Groups smaller than this get a caution about uncertainty.
SMALL_GROUP_N = 5

_YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class Outcome:
    """One trajectory chart: the visits column and how to label it."""

    column: str
    title: str
    y_title: str
    css: str  # short name used in mark class names (``<css>_mean_marks``)
    value_format: str = ".1f"


OUTCOMES = (
    Outcome("active_joints", "Active joints", "Mean number of active joints", "joints"),
    Outcome("sjadas27", "sJADAS27", "Mean sJADAS27 (0–67)", "sjadas"),
    Outcome("steroid_mg_kg_day", "Corticosteroid dose", "Mean dose (mg/kg/day, prednisone)", "steroid", ".2f"),
)

#: Outcomes drawn and tested (visits columns), in the order of the panels.
OUTCOME_COLUMNS = tuple(o.column for o in OUTCOMES)
#: Methods of the statistics panel (see sjia_explore.stats.METHODS), plus all four side by side.
TEST_METHODS = ("paper", "rm_anova", "friedman", "mixed", "all")
TEST_METHOD_LABELS = {
    "paper": "As in the paper: one-way ANOVA, Bonferroni",
    "rm_anova": "Repeated-measures ANOVA, paired t-tests",
    "friedman": "Friedman, Wilcoxon signed-rank tests",
    "mixed": "Mixed model (keeps incomplete patients)",
    "all": "All four methods, side by side",
}
#: ViewState fields that choose patients ("Reset filters" puts these back).
FILTER_FIELDS = ("study", "prior_biologic_any", "prior_biologic_none", "early_cutoff_months", "prior_mas", "sex",
                 "baseline_steroid")
#: Shown with every statistical result.
TESTS_CAUTION = (
    "Exploratory. Each press of “Run” is another set of tests: the more subgroups and methods you try, the "
    "likelier a small p-value arises by chance. On reconstructed data the tests describe the reconstruction "
    "(which was built to reproduce the published p-values), not real patients.")


# --------------------------------------------------------------------------------------
# Heavy imports, once
# --------------------------------------------------------------------------------------
def _import_altair():
    """Import altair once, without its slowest optional part.

    jsonschema, which altair uses, builds a grammar for IRI checking when the
    optional rfc3987-syntax package is installed (about 1.5 s per kernel). The
    Vega-Lite schema has no IRI field, so that package is hidden while altair
    loads; nothing else changes.
    """
    if "altair" in sys.modules:
        return sys.modules["altair"]
    hide = "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules
    if hide:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import fail fast
    try:
        import altair
    finally:
        if hide and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
    return altair


def cache_dir() -> Path:
    """Folder for files worth keeping between sessions: ``$XDG_CACHE_HOME/sjia-explore`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sjia-explore"


def enable_offline_charts(folder: Path | None = None) -> Path | None:
    """Make Altair ``JupyterChart`` load its JavaScript from the kernel, never from the network.

    The bundle (about 0.9 MB) is built by vl-convert the first time and kept
    in ``folder`` (default :func:`cache_dir`), under a name that carries the
    Altair and vl-convert versions; later kernels read it in a few
    milliseconds and never load vl-convert. If the folder cannot be written,
    the bundle is built in memory each time.

    Returns
    -------
    pathlib.Path or None
        The cached bundle, or None if it could not be cached.
    """
    alt = _import_altair()
    jc = alt.JupyterChart
    if getattr(jc, "_is_offline", False):
        return None
    folder = cache_dir() if folder is None else Path(folder)
    try:
        vlc_version = importlib.metadata.version("vl-convert-python")
    except importlib.metadata.PackageNotFoundError:
        vlc_version = "unknown"
    key = re.sub(r"[^A-Za-z0-9._-]", "_", f"jupyterchart-offline-altair{alt.__version__}-vlconvert{vlc_version}.js")
    path = folder / key
    # _esm and _is_offline are what JupyterChart.enable_offline() sets (Altair 5.4-6.x).
    private_api = hasattr(jc, "_esm") and hasattr(jc, "_is_offline")
    if private_api:
        try:
            text = path.read_text(encoding="utf-8")
            if len(text) > 100_000 and "esm.sh" not in text:
                jc._esm = text
                jc._is_offline = True
                return path
        except OSError:
            pass
    jc.enable_offline()
    if not private_api:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as fh:
            fh.write(jc._esm)
        os.replace(fh.name, path)  # atomic: another kernel never reads half a file
        return path
    except OSError as err:
        log.warning("could not cache the chart JavaScript in %s (%s); it will be rebuilt next time", folder, err)
        return None


# --------------------------------------------------------------------------------------
# The state of the view
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ViewState:
    """Everything the dashboard shows, as plain values (the controls write into it).

    Parameters
    ----------
    study
        Keep one study's patients (``None``: all studies).
    prior_biologic_any
        Keep patients who had at least one of these biologics before the IL-1 blocker.
    prior_biologic_none
        Keep patients who had none of these biologics before.
    early_cutoff_months
        Treated within this many months of onset counts as "early" (default 12).
    prior_mas
        ``True``/``False``: keep patients with/without macrophage activation syndrome before.
    sex
        ``"F"`` or ``"M"``.
    baseline_steroid
        ``True``/``False``: keep patients on/off corticosteroid at week 0.
    each_patient
        Also draw one thin line per patient.
    test_outcome, test_method
        Outcome and method of the statistics panel (``method`` one of
        :data:`sjia_explore.stats.METHODS`, or ``"all"`` for all four side by side).

    Examples
    --------
    >>> s = ViewState(sex="F", early_cutoff_months=6)
    >>> s.to_query()
    'cutoff=6&sex=F'
    >>> ViewState.from_query("cutoff=6&sex=F&sex=<b>", studies=[], drugs=[])[0] == s
    True
    """

    study: str | None = None
    prior_biologic_any: tuple[str, ...] = ()
    prior_biologic_none: tuple[str, ...] = ()
    early_cutoff_months: float = DEFAULT_EARLY_CUTOFF_MONTHS
    prior_mas: bool | None = None
    sex: str | None = None
    baseline_steroid: bool | None = None
    each_patient: bool = False
    test_outcome: str = "active_joints"
    test_method: str = "paper"

    def __post_init__(self):
        for name in ("prior_biologic_any", "prior_biologic_none"):
            value = getattr(self, name)
            value = (value,) if isinstance(value, str) else value
            object.__setattr__(self, name, tuple(sorted({str(v) for v in value})))
        object.__setattr__(self, "early_cutoff_months", float(self.early_cutoff_months))
        object.__setattr__(self, "each_patient", bool(self.each_patient))
        if self.test_outcome not in OUTCOME_COLUMNS:
            raise ValueError(f"test_outcome must be one of {', '.join(OUTCOME_COLUMNS)}, not {self.test_outcome!r}")
        if self.test_method not in TEST_METHODS:
            raise ValueError(f"test_method must be one of {', '.join(TEST_METHODS)}, not {self.test_method!r}")
        self.subgroup()  # validates the filter fields

    def subgroup(self) -> Subgroup:
        """The patients this view keeps, as a :class:`sjia_explore.Subgroup`."""
        return Subgroup(
            studies=() if self.study is None else (self.study,),
            prior_biologic_any=self.prior_biologic_any,
            prior_biologic_none=self.prior_biologic_none,
            early_cutoff_months=self.early_cutoff_months,
            prior_mas=self.prior_mas,
            sex=self.sex,
            baseline_steroid=self.baseline_steroid,
        )

    def changed(self) -> dict[str, Any]:
        """Fields that differ from their defaults."""
        default = ViewState()
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != getattr(default, f.name)}

    # -- page address -------------------------------------------------------------
    def to_query(self) -> str:
        """The view as a URL query string (only what differs from the defaults)."""
        pairs: list[tuple[str, str]] = []
        if self.study is not None:
            pairs.append(("study", self.study))
        pairs += [("had_any", d) for d in self.prior_biologic_any]
        pairs += [("had_none", d) for d in self.prior_biologic_none]
        if self.early_cutoff_months != DEFAULT_EARLY_CUTOFF_MONTHS:
            pairs.append(("cutoff", f"{self.early_cutoff_months:g}"))
        if self.prior_mas is not None:
            pairs.append(("prior_mas", "yes" if self.prior_mas else "no"))
        if self.sex is not None:
            pairs.append(("sex", self.sex))
        if self.baseline_steroid is not None:
            pairs.append(("steroid_week0", "yes" if self.baseline_steroid else "no"))
        if self.each_patient:
            pairs.append(("each_patient", "yes"))
        if self.test_outcome != "active_joints":
            pairs.append(("test_outcome", self.test_outcome))
        if self.test_method != "paper":
            pairs.append(("test_method", self.test_method))
        return urlencode(pairs, quote_via=quote)

    @classmethod
    def from_query(cls, query: str, *, studies, drugs, cutoff_range: tuple[float, float] = (1, 240)
                   ) -> tuple[ViewState, list[str]]:
        """Read a view from a URL query string, accepting only known keys and values.

        Parameters
        ----------
        query
            The raw query string (``QUERY_STRING``), e.g. ``"cutoff=6&sex=F"``.
        studies, drugs
            Allowed study labels and prior-biologic names.
        cutoff_range
            Smallest and largest accepted cut-off, in months.

        Returns
        -------
        state, ignored
            The view, and one plain sentence per part that was not understood
            and was left out (other keys, such as ``token``, are ignored silently).
        """
        parsed = parse_qs(query or "", keep_blank_values=False, max_num_fields=200)
        studies, drugs = {str(s) for s in studies}, {str(d) for d in drugs}
        values: dict[str, Any] = {}
        ignored: list[str] = []

        def values_of(key: str) -> list[str]:
            out = []
            for v in parsed.get(key, []):
                if len(v) > MAX_QUERY_VALUE_CHARS:
                    ignored.append(f"a value of “{key}” longer than {MAX_QUERY_VALUE_CHARS} characters")
                else:
                    out.append(v)
            return out

        def one(key: str, allowed: dict[str, Any] | set[str], what: str):
            vals = values_of(key)
            for v in vals:
                if v in allowed:
                    return allowed[v] if isinstance(allowed, dict) else v
                ignored.append(f"{what} “{v}” (not one of {', '.join(sorted(map(str, allowed)))})")
            return None

        study = one("study", studies, "study")
        if study is not None:
            values["study"] = study
        for key, name in (("had_any", "prior_biologic_any"), ("had_none", "prior_biologic_none")):
            ok = []
            for v in values_of(key):
                (ok.append(v) if v in drugs else ignored.append(f"prior biologic “{v}” (not in this cohort)"))
            if ok:
                values[name] = tuple(ok)
        for v in values_of("cutoff"):
            try:
                months = float(v)
            except ValueError:
                months = math.nan
            if math.isfinite(months) and cutoff_range[0] <= months <= cutoff_range[1]:
                values["early_cutoff_months"] = months
                break
            ignored.append(f"cut-off “{v}” (expected months between {cutoff_range[0]:g} and {cutoff_range[1]:g})")
        for key, name in (("prior_mas", "prior_mas"), ("steroid_week0", "baseline_steroid")):
            got = one(key, _YES_NO, key.replace("_", " "))
            if got is not None:
                values[name] = got
        sex = one("sex", {"F": "F", "M": "M"}, "sex")
        if sex is not None:
            values["sex"] = sex
        if one("each_patient", _YES_NO, "each patient") is True:
            values["each_patient"] = True
        for key in ("test_outcome", "test_method"):
            got = one(key, set(OUTCOME_COLUMNS if key == "test_outcome" else TEST_METHODS), key.replace("_", " "))
            if got is not None:
                values[key] = got
        return cls(**values), ignored

    # -- JSON and Python -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready values of every field."""
        return {f.name: (list(v) if isinstance(v, tuple) else v)
                for f in fields(self) for v in [getattr(self, f.name)]}

    def to_json(self) -> str:
        """The view as indented JSON (every field)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ViewState:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown view field(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def to_python(self, cohort_expr: str = "load_cohort()", weeks: tuple[int, ...] = (0, 4, 8, 12, 24)) -> str:
        """Python that recreates this view, and the numbers behind it, in JupyterLab."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.changed().items())
        weeks_list = ", ".join(str(int(w)) for w in weeks)
        return (
            "from sjia_explore import CohortExplorer, load_cohort\n"
            "from sjia_explore.trajectories import summarise\n"
            "from sjia_explore.ui import ViewState\n"
            "\n"
            f"state = ViewState({args})\n"
            f"cohort = {cohort_expr}\n"
            "CohortExplorer(cohort, state=state).view  # the dashboard, as shown\n"
            "\n"
            "# the numbers behind the active-joints chart\n"
            "selected = cohort.filter(state.subgroup())\n"
            'summarise(selected.visits, "active_joints", by="duration_group",\n'
            "          patients=selected.patient_features(state.early_cutoff_months),\n"
            f"          weeks=[{weeks_list}])\n"
        )


# --------------------------------------------------------------------------------------
# Small browser-side helpers (plain text only: textContent, never innerHTML)
# --------------------------------------------------------------------------------------
class _AddressBar(anywidget.AnyWidget):
    """Keeps the page address (query string) equal to ``query``; does nothing outside Voila."""

    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        const apply = () => {
          if (!document.body || !document.body.hasAttribute("data-voila")) return;
          const url = new URL(window.location.href);
          const query = model.get("query");
          url.search = query ? "?" + query : "";
          if (url.href !== window.location.href) {
            window.history.replaceState(window.history.state, "", url.href);
          }
        };
        model.on("change:query", apply);
        apply();
      }
    };
    """
    query = traitlets.Unicode("").tag(sync=True)


class _CopyButton(anywidget.AnyWidget):
    """A button that copies ``text`` to the clipboard and says whether it worked."""

    _esm = """
    export default {
      render({ model, el }) {
        const button = document.createElement("button");
        button.className = "jupyter-widgets jupyter-button widget-button sjia-copy-button";
        button.textContent = model.get("label");
        const status = document.createElement("span");
        status.className = "sjia-copy-status";
        button.addEventListener("click", async () => {
          const text = model.get("text");
          let ok = false;
          try {
            await navigator.clipboard.writeText(text);
            ok = true;
          } catch (err) {
            const area = document.createElement("textarea");
            area.value = text;
            document.body.appendChild(area);
            area.select();
            try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
            area.remove();
          }
          status.textContent = ok ? " Copied." : " Could not copy: select the text and press Ctrl+C.";
        });
        model.on("change:label", () => { button.textContent = model.get("label"); });
        el.append(button, status);
      }
    };
    """
    text = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("Copy").tag(sync=True)


# --------------------------------------------------------------------------------------
# Words and looks
# --------------------------------------------------------------------------------------
_CSS = """
<style>
.sjia-app { font-size: 14px; color: #1a1a1a; max-width: 1500px; }
.sjia-app .widget-html-content { line-height: 1.45; }
.sjia-explanation ul { margin: 2px 0 8px 0; }
.sjia-explanation code { font-size: 12px; }
.sjia-app h3.sjia-heading { font-size: 13px; line-height: 1.3; margin: 12px 0 4px 0; font-weight: 600; color: #222; }
.sjia-reconstructed-label { background: #fff5f5; border-left: 6px solid #9b2c2c; padding: 8px 12px;
  color: #63171b; line-height: 1.4; }
.sjia-reconstructed-label b { color: #9b2c2c; }
.sjia-explanation { background: #fafafa; border: 1px solid #ddd; padding: 4px 14px; line-height: 1.45; }
.sjia-error { background: #fffaf0; border-left: 6px solid #c05621; padding: 8px 12px; color: #652b19; }
.sjia-notice { background: #f0f7ff; border-left: 6px solid #2b6cb0; padding: 6px 12px; color: #1a365d; }
.sjia-empty { background: #f7f7f7; border: 1px dashed #999; padding: 18px; font-size: 15px; }
.sjia-n { color: #4a4a4a; font-size: 12px; line-height: 1.35; margin: 0 0 2px 2px; }
.sjia-drug { font-size: 13px; }
.sjia-n-total { color: #1a1a1a; font-size: 14px; margin: 4px 0 8px 0; }
.sjia-caution { color: #744210; }
.sjia-sidebar { border-right: 1px solid #e2e2e2; padding-right: 12px; margin-right: 16px; }
.sjia-copy-status { margin-left: 6px; color: #2f855a; }
.sjia-table1 table, .sjia-stats table { border-collapse: collapse; font-size: 13px; }
.sjia-table1 th, .sjia-table1 td, .sjia-stats th, .sjia-stats td { padding: 2px 8px; border-bottom: 1px solid #eee;
  text-align: left; vertical-align: top; }
.sjia-stale { color: #744210; }
</style>
"""


def _study_label(key: str) -> str:
    """``qiu2024`` -> ``Qiu 2024``; other labels as given."""
    m = re.fullmatch(r"([a-z]+)(\d{4})", key)
    return f"{m.group(1).capitalize()} {m.group(2)}" if m else key


def _yes_no_any(value: bool | None) -> str:
    return "any" if value is None else ("yes" if value else "no")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f'<h3 class="sjia-heading">{_esc(text)}</h3>')


def _patients(n: int) -> str:
    return "no patients" if n == 0 else ("1 patient" if n == 1 else f"{n} patients")


def stats_methods(test_method: str) -> tuple[str, ...]:
    """The statistics methods behind a ``test_method`` choice (``"all"``: the four of sjia_explore.stats)."""
    return tuple(m for m in TEST_METHODS if m != "all") if test_method == "all" else (test_method,)


def _number(value: float, digits: int, sign: bool = False) -> str:
    if value is None or not math.isfinite(float(value)):
        return ""
    return f"{float(value):{'+' if sign else ''}.{digits}f}".replace("-", "−")


def _p_value(p: float) -> str:
    """p in words a reader can compare: '< 0.0001', '0.0059', '0.23', or 'not given'."""
    if p is None or not math.isfinite(float(p)):
        return "not given"
    p = float(p)
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.2f}"


def _ensure_log_handler() -> None:
    """Send this module's log to the real stderr (the server log), not to the page."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[sjia-explore] %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


@dataclass
class _View:
    """Everything :meth:`CohortExplorer.update` puts on screen, computed before anything is shown."""

    state: ViewState
    n_total: int
    funnel: dict[str, int]
    group_counts: dict[str, int]
    chart: dict | None = None  # Vega-Lite specification
    reconstructed: bool = False
    explanation: str = ""
    table1: str | None = None  # None: not made (its section is closed)


# --------------------------------------------------------------------------------------
# The dashboard
# --------------------------------------------------------------------------------------
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
        inside Voila, the page's own address. Unknown keys are ignored; values
        that are not understood are left out and listed on the page.

    Attributes
    ----------
    view : ipywidgets.VBox
        The dashboard; display it (it is the last line of ``app.ipynb``).
    state : ViewState
        What is shown now.
    """

    def __init__(self, cohort: Cohort, state: ViewState | None = None, query: str | None = None):
        _ensure_log_handler()
        self._alt = _import_altair()
        from sjia_explore import plots  # altair is already loaded by now

        self._plots = plots
        enable_offline_charts()
        self.cohort = cohort
        self.drugs = cohort.prior_biologic_options()
        self.studies = cohort.studies
        weeks = sorted(int(w) for w in cohort.visits["week"].dropna().unique() if 0 <= int(w) <= MAX_WEEK)
        self.weeks = tuple(weeks) or plots.DEFAULT_WEEKS
        months = pd.to_numeric(cohort.patients["months_onset_to_treatment"], errors="coerce").dropna()
        top = int(math.ceil(months.max())) + 1 if len(months) else 60
        self.cutoff_range = (1, int(min(240, max(24, top))))
        self._syncing = False
        self._build_widgets()

        notes: list[str] = []
        if state is None:
            if query is None and os.environ.get("SERVER_SOFTWARE", "").startswith("voila"):
                query = os.environ.get("QUERY_STRING", "")
            state, ignored = ViewState.from_query(query or "", studies=self.studies, drugs=self.drugs,
                                                  cutoff_range=self.cutoff_range)
            if ignored:
                notes.append("Part of the page address was not understood and was left out: "
                             + "; ".join(ignored) + ".")
        self._start_notes = notes
        self.state = ViewState()
        self.update(state)

    # -- building ---------------------------------------------------------------------
    def _build_widgets(self) -> None:
        W = widgets
        # Reconstructed-data banner with a one-click explanation
        self.reconstructed_label = W.HTML()
        self.reconstructed_label.add_class("sjia-reconstructed-label")
        self.explain_button = W.Button(description="What was reconstructed, and from what?",
                                       layout=W.Layout(width="auto", align_self="flex-start", margin="4px 0"),
                                       tooltip="Show or hide the explanation")
        self.explain_button.add_class("sjia-explain-button")
        self.explanation = W.HTML(layout=W.Layout(display="none"))
        self.explanation.add_class("sjia-explanation")
        self.explain_button.on_click(self._safe(self._toggle_explanation))
        self.banner = W.VBox([self.reconstructed_label, self.explain_button, self.explanation])
        self.banner.add_class("sjia-banner")

        self.notice = W.HTML(layout=W.Layout(display="none"))
        self.notice.add_class("sjia-notice")
        self.error = W.HTML(layout=W.Layout(display="none"))
        self.error.add_class("sjia-error")

        # Filters
        self.study = W.Dropdown(options=[("All studies", "")] + [(_study_label(s), s) for s in self.studies],
                                value="", layout=W.Layout(width="260px"))
        self.study.add_class("sjia-study")
        # One row per drug: [drug] [had] [did not have]; the drug name is the row's label.
        box_layout = W.Layout(width="auto", margin="0")
        self.had_any = {d: W.Checkbox(value=False, description="had", indent=False, layout=box_layout,
                                      tooltip=f"Keep patients who had {d} (or another ticked drug)")
                        for d in self.drugs}
        self.had_none = {d: W.Checkbox(value=False, description="did not have", indent=False, layout=box_layout,
                                       tooltip=f"Keep patients who never had {d}")
                         for d in self.drugs}
        for i, box in enumerate(self.had_any.values()):
            box.add_class("sjia-had-any")
            box.add_class(f"sjia-had-any-{i}")
        for i, box in enumerate(self.had_none.values()):
            box.add_class("sjia-had-none")
            box.add_class(f"sjia-had-none-{i}")
        toggle_style = {"button_width": "84px"}
        # Selection widgets read None as "nothing selected", so "Any" is the string "any" here.
        self.prior_mas = W.ToggleButtons(options=[("Any", "any"), ("Yes", "yes"), ("No", "no")], value="any",
                                         style=toggle_style)
        self.prior_mas.add_class("sjia-prior-mas")
        self.sex = W.ToggleButtons(options=[("Any", "any"), ("Female", "F"), ("Male", "M")], value="any",
                                   style=toggle_style)
        self.sex.add_class("sjia-sex")
        self.baseline_steroid = W.ToggleButtons(options=[("Any", "any"), ("On", "yes"), ("Off", "no")],
                                                value="any", style=toggle_style)
        self.baseline_steroid.add_class("sjia-steroid")
        self.cutoff = W.IntSlider(value=int(DEFAULT_EARLY_CUTOFF_MONTHS), min=self.cutoff_range[0],
                                  max=self.cutoff_range[1], step=1, continuous_update=False,
                                  description="months", readout=True, layout=W.Layout(width="270px"),
                                  style={"description_width": "50px"})
        self.cutoff.add_class("sjia-cutoff")
        self.each_patient = W.Checkbox(value=False, description="Show each patient's line", indent=False)
        self.each_patient.add_class("sjia-each-patient")
        self.reset = W.Button(description="Reset filters", layout=W.Layout(width="auto", align_self="flex-start"))
        self.reset.add_class("sjia-reset")

        def n_label(name: str) -> widgets.HTML:
            label = W.HTML()
            label.add_class("sjia-n")
            label.add_class(f"sjia-n-{name}")
            return label

        self.n_labels = {k: n_label(k) for k in ("study", "had_any", "had_none", "prior_mas", "sex",
                                                 "steroid", "cutoff")}
        drug_rows = [W.HTML(f'<span class="sjia-drug">{_esc(d)}</span>') for d in self.drugs]
        drug_grid = W.GridBox(
            [cell for d, label in zip(self.drugs, drug_rows) for cell in (label, self.had_any[d], self.had_none[d])],
            layout=W.Layout(grid_template_columns="110px 60px 110px", grid_gap="0 6px", align_items="center"),
        ) if self.drugs else W.HTML("<i>No prior biologics recorded in this cohort.</i>")
        sidebar = W.VBox([
            W.HTML('<b style="font-size:15px">Choose patients</b> '
                   '<span class="sjia-n">(the line under each filter says how many are left)</span>'),
            _heading("Study"), self.study, self.n_labels["study"],
            _heading("Biologics before the IL-1 blocker"),
            W.HTML('<span class="sjia-n">Ticked “had”: at least one of them. Ticked “did not have”: none of '
                   "them.</span>"),
            drug_grid, self.n_labels["had_any"], self.n_labels["had_none"],
            _heading("Macrophage activation syndrome (MAS) before"), self.prior_mas, self.n_labels["prior_mas"],
            _heading("Sex"), self.sex, self.n_labels["sex"],
            _heading("Corticosteroid at week 0"), self.baseline_steroid, self.n_labels["steroid"],
            _heading("Early or late treatment: early = IL-1 blocker started less than this many "
                     "months after onset"),
            self.cutoff, self.n_labels["cutoff"],
            _heading("Chart"), self.each_patient,
            W.HTML(""), self.reset,
        ], layout=W.Layout(width="300px", min_width="300px"))
        sidebar.add_class("sjia-sidebar")

        # Main area
        self.total = W.HTML()
        self.total.add_class("sjia-n")
        self.total.add_class("sjia-n-total")
        self.empty = W.HTML(layout=W.Layout(display="none"))
        self.empty.add_class("sjia-empty")
        alt = self._alt
        self.chart = alt.JupyterChart(
            alt.Chart(pd.DataFrame({"week": []})).mark_line(),
            embed_options={"actions": {"export": True, "source": False, "compiled": False, "editor": False}},
        )
        self.chart.add_class("sjia-chart")
        self.chart.add_class("sjia-chart-joints")  # the first panel is active joints
        self.chart_box = W.Box([self.chart], layout=W.Layout(overflow_x="auto", width="100%"))

        self.table1 = W.HTML()
        self.table1.add_class("sjia-table1")
        self.json_text = W.Textarea(layout=W.Layout(width="100%", height="190px"))
        self.json_text.add_class("sjia-state-json")
        self.python_text = W.Textarea(layout=W.Layout(width="100%", height="250px"))
        self.python_text.add_class("sjia-state-python")
        self.copy_json = _CopyButton(label="Copy JSON")
        self.copy_json.add_class("sjia-copy-json")
        self.copy_python = _CopyButton(label="Copy Python")
        self.copy_python.add_class("sjia-copy-python")
        share = W.VBox([
            W.HTML("<p>The address in your browser's address bar always opens this exact view: copy it to share "
                   "or bookmark the view. The same view as data (JSON) and as Python for JupyterLab:</p>"),
            self.copy_json, self.json_text, self.copy_python, self.python_text,
        ])
        share.add_class("sjia-share")

        # Statistics: run on request only (some methods take seconds, and every run is another test)
        self.test_outcome = W.Dropdown(options=[(o.title, o.column) for o in OUTCOMES], value=OUTCOMES[0].column,
                                       description="Outcome", layout=W.Layout(width="260px"))
        self.test_outcome.add_class("sjia-test-outcome")
        self.test_method = W.Dropdown(options=[(TEST_METHOD_LABELS[m], m) for m in TEST_METHODS], value="paper",
                                      description="Method", layout=W.Layout(width="400px"))
        self.test_method.add_class("sjia-test-method")
        self.method_text = W.HTML()
        self.method_text.add_class("sjia-test-method-text")
        self.run_tests = W.Button(description="Run the tests for the selected patients",
                                  layout=W.Layout(width="auto", align_self="flex-start"))
        self.run_tests.add_class("sjia-run-tests")
        self.test_results = W.HTML()
        self.test_results.add_class("sjia-stats")
        self._tests_for: tuple | None = None
        self.run_tests.on_click(self._safe(self._on_run_tests))
        tests = W.VBox([W.HBox([self.test_outcome, self.test_method], layout=W.Layout(flex_flow="row wrap")),
                        self.method_text, self.run_tests, self.test_results])
        tests.add_class("sjia-tests")

        self.details = W.Accordion(children=[self.table1, tests, share], selected_index=None)
        self.details.set_title(0, "Table 1: baseline characteristics of the selected patients")
        self.details.set_title(1, "Statistics: change from week 0")
        self.details.set_title(2, "Share or reproduce this view")

        main = W.VBox([self.total, self.empty, self.chart_box, self.details],
                      layout=W.Layout(flex="1 1 600px", min_width="0"))
        self.address_bar = _AddressBar()

        self.view = W.VBox([
            W.HTML(_CSS), self.banner, self.notice, self.error,
            W.HBox([sidebar, main], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.address_bar,
        ])
        self.view.add_class("sjia-app")

        controls = [self.study, self.prior_mas, self.sex, self.baseline_steroid, self.cutoff, self.each_patient,
                    self.test_outcome, self.test_method,
                    *self.had_any.values(), *self.had_none.values()]
        for control in controls:
            control.observe(self._safe(self._on_control), names="value")
        self.details.observe(self._safe(self._on_section), names="selected_index")
        self.reset.on_click(self._safe(lambda _b: self.update(replace(
            self.state, **{f: getattr(ViewState(), f) for f in FILTER_FIELDS}))))

    # -- callbacks ----------------------------------------------------------------------
    def _safe(self, callback):
        """Wrap a widget callback: an exception is logged and shown as a message, never lost."""
        def wrapped(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as exc:  # shown to the user, logged for the maintainer
                self._show_error(exc)
        return wrapped

    def _on_control(self, change) -> None:
        if self._syncing:
            return
        self.update(self._state_from_controls())

    def _on_section(self, change) -> None:
        if change["new"] == 0:  # Table 1 opened: make it for the current view
            self.update(self.state)

    def _toggle_explanation(self, _button=None) -> None:
        hidden = self.explanation.layout.display == "none"
        self.explanation.layout.display = "" if hidden else "none"
        self.explain_button.description = ("Hide the explanation" if hidden
                                           else "What was reconstructed, and from what?")

    def _state_from_controls(self) -> ViewState:
        return ViewState(
            study=self.study.value or None,
            prior_biologic_any=tuple(d for d, box in self.had_any.items() if box.value),
            prior_biologic_none=tuple(d for d, box in self.had_none.items() if box.value),
            early_cutoff_months=float(self.cutoff.value),
            prior_mas=_YES_NO.get(self.prior_mas.value),
            sex=None if self.sex.value == "any" else self.sex.value,
            baseline_steroid=_YES_NO.get(self.baseline_steroid.value),
            each_patient=self.each_patient.value,
            test_outcome=self.test_outcome.value,
            test_method=self.test_method.value,
        )

    def _sync_controls(self, state: ViewState) -> None:
        """Set the controls to ``state`` without triggering updates."""
        self._syncing = True
        try:
            self.study.value = state.study or ""
            for d, box in self.had_any.items():
                box.value = d in state.prior_biologic_any
            for d, box in self.had_none.items():
                box.value = d in state.prior_biologic_none
            self.cutoff.value = int(round(state.early_cutoff_months))
            self.prior_mas.value = _yes_no_any(state.prior_mas)
            self.sex.value = state.sex or "any"
            self.baseline_steroid.value = _yes_no_any(state.baseline_steroid)
            self.each_patient.value = state.each_patient
            self.test_outcome.value = state.test_outcome
            self.test_method.value = state.test_method
        finally:
            self._syncing = False

    def _show_error(self, exc: BaseException) -> None:
        log.error("the view could not be updated", exc_info=exc)
        self.error.value = (
            "<b>Something went wrong while updating the view.</b> The filters, charts and counts below are back "
            "to the last view that worked. Try another filter, or reload the page to start afresh. "
            f"<br><small>Details for the maintainers: {_esc(type(exc).__name__)}: {_esc(exc)}</small>"
        )
        self.error.layout.display = ""

    # -- the one update path --------------------------------------------------------------
    def update(self, state: ViewState | None = None) -> None:
        """Show ``state`` (default: what the controls say). Errors are shown on the page, not raised."""
        try:
            state = self._state_from_controls() if state is None else state
            if state.early_cutoff_months != int(state.early_cutoff_months) or not (
                    self.cutoff_range[0] <= state.early_cutoff_months <= self.cutoff_range[1]):
                raise ValueError(f"the cut-off must be whole months between {self.cutoff_range[0]} and "
                                 f"{self.cutoff_range[1]}, not {state.early_cutoff_months:g}")
            view = self._compute(state)
            self._show(view)
        except Exception as exc:
            self._show_error(exc)
            try:  # put the controls back to what is shown, so they never disagree with the charts
                self._sync_controls(self.state)
            except Exception:  # pragma: no cover - already reporting an error
                log.exception("the controls could not be reset to the last view")

    def _compute(self, state: ViewState) -> _View:
        """Everything the view needs, without touching any widget."""
        sub = state.subgroup()
        # How many patients each filter leaves, in the order the filters are shown.
        funnel: dict[str, int] = {}
        steps = [("study", {"studies": sub.studies}),
                 ("had_any", {"prior_biologic_any": sub.prior_biologic_any}),
                 ("had_none", {"prior_biologic_none": sub.prior_biologic_none}),
                 ("prior_mas", {"prior_mas": sub.prior_mas}),
                 ("sex", {"sex": sub.sex}),
                 ("steroid", {"baseline_steroid": sub.baseline_steroid})]
        running = Subgroup(early_cutoff_months=sub.early_cutoff_months)
        selected = self.cohort
        for key, criterion in steps:
            if any(value != getattr(running, name) for name, value in criterion.items()):  # an active filter
                running = replace(running, **criterion)
                selected = self.cohort.filter(running)
            funnel[key] = selected.n_patients
        features = selected.patient_features(state.early_cutoff_months)
        counts = features["duration_group"].fillna(trajectories.MISSING_GROUP).value_counts()
        group_counts = {g: int(counts.get(g, 0)) for g in trajectories.group_order(counts.index)}
        view = _View(state=state, n_total=selected.n_patients, funnel=funnel, group_counts=group_counts)
        view.reconstructed = selected.n_patients > 0 and selected.is_reconstructed(
            "visits", columns=[o.column for o in OUTCOMES])
        view.explanation = self._explanation_html(selected)
        if self.details.selected_index == 0:  # Table 1 is made only while its section is open
            view.table1 = self._table1_html(selected, state)
        if selected.n_patients:
            view.chart = self._chart(selected, features, state, view.reconstructed)
        return view

    def _chart(self, selected: Cohort, features: pd.DataFrame, state: ViewState, reconstructed: bool) -> dict:
        """The Vega-Lite specification of the three trajectory panels (a plain dict: fast to rebuild)."""
        plots = self._plots
        groups = trajectories.group_order(features["duration_group"].fillna(trajectories.MISSING_GROUP))
        colours = plots.group_colours(groups, missing_label=trajectories.MISSING_GROUP)
        panels = []
        for outcome in OUTCOMES:
            if outcome.column not in selected.visits.columns:
                continue
            summary = trajectories.summarise(selected.visits, outcome.column, by="duration_group",
                                             patients=features, weeks=self.weeks)
            lines = trajectories.patient_values(selected.visits, outcome.column, by="duration_group",
                                                patients=features, weeks=self.weeks) if state.each_patient else None
            panels.append(plots.trajectory_spec(
                summary, title=outcome.title, y_title=outcome.y_title, patient_values=lines, weeks=self.weeks,
                colours=colours, name=outcome.css, value_format=outcome.value_format))
        return plots.panels_spec(panels, reconstructed=reconstructed)

    def _explanation_html(self, selected: Cohort) -> str:
        parts = ["<p><b>Why “reconstructed”?</b> The publications behind the bundled data report the course of "
                 "the disease after the start of the IL-1 blocker only as group averages and counts, not "
                 "patient by patient. To let you explore subgroups, a seeded program (in the project's "
                 "<code>scripts/</code> folder) generated one plausible course per patient that reproduces every "
                 "published number, for example a mean of "
                 f"{published.JOINTS_MEAN_WEEK_0.value:g} active joints at week 0 and "
                 f"{published.JOINTS_MEAN_WEEK_24.value:g} at week 24, a mean sJADAS27 of "
                 f"{published.SJADAS_MEAN_WEEK_0.value:g} at week 0 and {published.SJADAS_MEAN_WEEK_4.value:g} "
                 "at week 4, and the published steroid tapering.</p>"]
        prov = selected.provenance if selected.provenance is not None else pd.DataFrame()
        for study in selected.studies:
            source = published.SOURCES.get(study)
            cite = f"{_esc(source.citation)} doi:{_esc(source.doi)}" if source else "your own data"
            items = []
            mine = prov[prov["study"] == study] if not prov.empty else prov
            for status, words in (("published", "As published"), ("reconstructed", "Reconstructed")):
                cols = mine[mine["status"] == status] if not mine.empty else mine
                if cols.empty:
                    continue
                by_table = cols.groupby("table")["column"].apply(lambda c: ", ".join(sorted(set(c))))
                said = "; ".join(f"{_esc(t)}: <code>{_esc(c)}</code>" for t, c in by_table.items())
                items.append(f"<li>{words}: {said}</li>")
            parts.append(f"<p><b>{_esc(_study_label(study))}</b>: {cite}</p>"
                         + (f"<ul>{''.join(items)}</ul>" if items else ""))
        if "provenance" in selected.visits.columns and len(selected.visits):
            counts = selected.visits["provenance"].fillna("not stated").value_counts()
            said = ", ".join(f"{int(n)} {_esc(k)}" for k, n in counts.items())
            parts.append(f"<p>Visit rows behind the charts of this selection: {said}. "
                         "(Columns as listed in <code>data/datapackage.json</code>.)</p>")
        parts.append("<p><b>What this means:</b> averages at the published visits match the papers. The spread "
                     "between patients, individual courses and differences between subgroups come partly from the "
                     "reconstruction. Use them to explore and to teach, not to make decisions about a patient.</p>")
        return "".join(parts)

    def _table1_html(self, selected: Cohort, state: ViewState) -> str:
        """Table 1 of the selection (sjia_explore.tables), as escaped HTML; a plain sentence if it cannot be made."""
        if selected.n_patients == 0:
            return "<p>No patients are selected.</p>"
        try:
            from sjia_explore import tables
        except ImportError:
            return "<p>Table 1 is not available in this version.</p>"
        try:
            features = selected.patient_features(state.early_cutoff_months)
            table = tables.table_one(features, groupby="duration_group")
        except Exception:  # the rest of the view still works; the reason goes to the server log
            log.exception("Table 1 could not be made")
            return "<p>Table 1 could not be made for this selection (the reason is in the server log).</p>"
        note = table.attrs.get("note", "")
        return (f"<p>{_patients(selected.n_patients).capitalize()}, split at {state.early_cutoff_months:g} months "
                "from onset to treatment. Counts are n (%); numbers are mean (SD) or median [Q1, Q3].</p>"
                + table.to_html(escape=True, na_rep="", border=0)
                + (f"<p>Note: {_esc(note)}.</p>" if note else ""))

    def _show(self, view: _View) -> None:
        """Put a computed view on screen (the only place widgets change)."""
        state = view.state
        self._sync_controls(state)
        for key in ("study", "had_any", "had_none", "prior_mas", "sex", "steroid"):
            self.n_labels[key].value = f"→ {_patients(view.funnel[key])} left"
        self.n_labels["had_any"].value = f"“had” → {_patients(view.funnel['had_any'])} left"
        self.n_labels["had_none"].value = f"“did not have” → {_patients(view.funnel['had_none'])} left"
        group_text = ", ".join(f"{n} {_esc(g)}" for g, n in view.group_counts.items()) or "none"
        self.n_labels["cutoff"].value = f"→ {group_text}"

        sub = state.subgroup()
        if view.n_total:
            small = [g for g, n in view.group_counts.items() if 0 < n < SMALL_GROUP_N]
            caution = (f' <span class="sjia-caution">With fewer than {SMALL_GROUP_N} patients in a group '
                       f"({_esc(', '.join(small))}), its mean and interval are very uncertain.</span>"
                       if small else "")
            self.total.value = (f"<b>{_patients(view.n_total)}</b> shown ({group_text}). "
                                f"Selection: {_esc(sub.describe())}.{caution}")
            self.empty.layout.display = "none"
            # Swap the specification only: JupyterChart redraws from `spec`; going through its
            # `chart` trait would rebuild and re-validate Altair objects (about a second).
            self.chart.spec = view.chart
            self.chart_box.layout.display = ""
        else:
            self.total.value = f"<b>No patients</b> match this selection ({_esc(sub.describe())})."
            self.empty.value = ("<b>No patient matches all of these filters.</b> Nothing to draw. Loosen one of them: "
                                "the line under each filter shows where the patients drop out.")
            self.empty.layout.display = ""
            self.chart_box.layout.display = "none"

        # The banner stands above everything whenever any value drawn is reconstructed.
        self.reconstructed_label.value = (
            "<b>⚠ Reconstructed data.</b> The follow-up values shown were generated to match the published "
            "averages; they are not measurements of real patients.")
        self.banner.layout.display = "" if view.reconstructed else "none"
        self.explanation.value = view.explanation
        self.table1.value = view.table1 if view.table1 is not None else "<p>Making Table 1…</p>"
        self._show_tests_status(state)

        query = state.to_query()
        self.address_bar.query = query
        self.json_text.value = state.to_json()
        self.python_text.value = state.to_python(self._cohort_expr(), self.weeks)
        self.copy_json.text = self.json_text.value
        self.copy_python.text = self.python_text.value

        notes = self._start_notes
        self._start_notes = []
        if notes:
            self.notice.value = "<br>".join(_esc(n) for n in notes)
            self.notice.layout.display = ""
        elif self.notice.layout.display == "" and state != self.state:
            self.notice.layout.display = "none"
        self.state = state
        self.error.layout.display = "none"
        self.error.value = ""

    # -- statistics panel ------------------------------------------------------------------
    @staticmethod
    def _tests_key(state: ViewState) -> tuple:
        """What the test results depend on: the patients, the outcome and the method."""
        sub = replace(state.subgroup(), early_cutoff_months=DEFAULT_EARLY_CUTOFF_MONTHS)
        return (sub, state.test_outcome, state.test_method)

    def _show_tests_status(self, state: ViewState) -> None:
        methods = stats_methods(state.test_method)
        from sjia_explore import stats

        self.method_text.value = "<br>".join(
            f"<b>{_esc(TEST_METHOD_LABELS[m])}</b>: {_esc(stats.METHOD_DESCRIPTIONS[m])}." for m in methods)
        if self._tests_for is None:
            self.test_results.value = ("<p>Press the button to test whether the outcome changed from week 0 "
                                       "in the selected patients.</p>")
        elif self._tests_for != self._tests_key(state):
            self._tests_for = None
            self.test_results.value = ('<p class="sjia-stale">The patients, outcome or method changed since the '
                                       "tests were run. Press the button to run them for this view.</p>")

    def _on_run_tests(self, _button=None) -> None:
        state = self.state
        self.test_results.value = "<p>Running the tests…</p>"
        self._tests_for = None
        try:
            text = self._tests_html(state)
        except Exception:
            self.test_results.value = "<p>The tests could not be run for this selection.</p>"
            raise
        self.test_results.value = text
        self._tests_for = self._tests_key(state)

    def _tests_html(self, state: ViewState) -> str:
        """Change from week 0 by the chosen method(s), as an HTML table (computed by sjia_explore.stats)."""
        from sjia_explore import stats

        selected = self.cohort.filter(state.subgroup())
        if selected.n_patients == 0:
            return "<p>No patients are selected: there is nothing to test.</p>"
        outcome = next(o for o in OUTCOMES if o.column == state.test_outcome)
        methods = stats_methods(state.test_method)
        by_week = pd.concat([stats.vs_baseline(selected.visits, outcome.column, method=m) for m in methods],
                            ignore_index=True)
        overall = pd.concat([stats.omnibus(selected.visits, outcome.column, method=m) for m in methods],
                            ignore_index=True)
        digits = 2 if outcome.value_format == ".2f" else 1
        table = pd.DataFrame({
            "Method": by_week["method"].map(TEST_METHOD_LABELS),
            "Week": by_week["week"].map(lambda w: f"{w:g}"),
            "n": by_week["n"],
            "Mean": by_week["mean"].map(lambda v: _number(v, digits + 1)),
            "Change from week 0": by_week["diff_vs_baseline"].map(lambda v: _number(v, digits + 1, sign=True)),
            "p (adjusted)": by_week["p_adjusted"].map(_p_value),
            "Test": by_week["test"],
            "Note": by_week["note"].fillna(""),
        })
        if len(methods) == 1:
            table = table.drop(columns="Method")
        notes = []
        if table["Note"].nunique() == 1:  # one note for every row: say it once, under the table
            notes = [n for n in table["Note"].unique() if n]
            table = table.drop(columns="Note")
        overall_items = "".join(
            f"<li>{_esc(TEST_METHOD_LABELS[r.method])}: {_esc(r.test)}, n = {int(r.n)}, p = {_p_value(r.p)}"
            f"{'. ' + _esc(r.note) if isinstance(r.note, str) and r.note and r.note not in notes else ''}</li>"
            for r in overall.itertuples())
        lines = [
            f"<p><b>{_esc(outcome.title)}</b> in {_patients(selected.n_patients)} "
            f"({_esc(selected.subgroup.describe())}).</p>",
            f"<p>Overall test across all visits:</p><ul>{overall_items}</ul>",
            "<p>Each visit against week 0:</p>",
            table.to_html(index=False, escape=True, border=0, na_rep=""),
            "".join(f"<p>Note: {_esc(n)}.</p>" for n in notes),
            f'<p class="sjia-caution">{_esc(TESTS_CAUTION)}</p>',
        ]
        return "".join(lines)

    def _cohort_expr(self) -> str:
        source = self.cohort.source or ""
        if source.startswith("bundled") or not source:
            return "load_cohort()"
        if Path(source).is_dir():
            return f"load_cohort({source!r})"
        return "load_cohort()  # replace with your own cohort"

    def _ipython_display_(self):  # pragma: no cover - display hook for notebooks
        from IPython.display import display

        display(self.view)
