"""The dashboard: :class:`CohortExplorer`, one set of widgets over one :class:`ViewState`.

How it works
------------
- Every widget is built once, in ``CohortExplorer.__init__`` (the charts of the
  "Window of opportunity" and "Steroids and safety" sections the first time
  they are opened). Only the filter options are rebuilt, when another cohort
  is loaded.
- Every control writes into one frozen :class:`ViewState`; :meth:`CohortExplorer.update`
  is the only path that recomputes anything, including a switch to an uploaded
  cohort. It computes the whole new view first and only then swaps it in
  (chart specs, counts, texts), so a failure leaves the last good view on
  screen, with a plain message above it.
- Charts are :class:`sjia_explore.vega.VegaChart` widgets: their JavaScript comes
  from this computer (built once with vl-convert, then cached), and a new
  selection only sends the chart's rows, which the page swaps into the chart
  already drawn. Altair is not loaded at all.
- The view is mirrored in the page address (``?cutoff=6&sex=F``), and can be
  copied as JSON or as Python that recreates it in JupyterLab.
- Every piece of data text that reaches HTML goes through :func:`html.escape`;
  drugs are shown under their display names (:func:`drug_label`).
- Hypothesis tests are counted per selection of patients in a
  :class:`sjia_explore.stats.TestLedger`, shown as the multiplicity ledger.
- Downloads (charts, tables, the view) are made in the kernel and handed to
  the browser as bytes; nothing is written to disk.

Examples
--------
>>> from sjia_explore import CohortExplorer, load_cohort     # doctest: +SKIP
>>> explorer = CohortExplorer(load_cohort())                  # doctest: +SKIP
>>> explorer.view                                             # doctest: +SKIP
>>> explorer.update(ViewState(sex="F", early_cutoff_months=6))  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import math
import os
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, quote, urlencode

import anywidget
import ipywidgets as widgets
import numpy as np
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
#: Largest file the upload control accepts, in bytes. It stays under the 10 MiB a Jupyter
#: websocket message may carry by default, so the limit holds wherever the app runs; the
#: kernel checks the size of what actually arrived, never the size the browser claims.
UPLOAD_MAX_BYTES = 8 * 1024 * 1024
UPLOAD_ACCEPT = ".csv,.zip,.xlsx"
#: At most this many problems of an upload are listed (the rest are counted).
MAX_PROBLEMS_SHOWN = 40
#: Cut-offs of the window-of-opportunity strip, in months (the current cut-off is added).
STRIP_CUTOFFS = tuple(range(3, 37, 3))

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
    "mann_whitney": "Mann–Whitney U, Hodges–Lehmann shift",
}
#: Sections of the main area (tabs), in order, with their titles.
SECTIONS = ("trajectories", "window", "safety")
SECTION_TITLES = {"trajectories": "Trajectories", "window": "Window of opportunity",
                  "safety": "Steroids and safety"}
#: "auto" follows the page (Voila's or JupyterLab's theme).
THEMES = ("auto", "light", "dark")
#: ViewState fields that choose patients ("Reset filters" puts these back).
FILTER_FIELDS = ("study", "prior_biologic_any", "prior_biologic_none", "early_cutoff_months", "prior_mas", "sex",
                 "baseline_steroid")
#: Shown with every statistical result.
TESTS_CAUTION = (
    "Exploratory. Each press of “Run” is another set of tests: the more subgroups and methods you try, the "
    "likelier a small p-value arises by chance. On reconstructed data the tests describe the reconstruction "
    "(which was built to reproduce the published p-values), not real patients.")

#: How the app names drugs whose stored label is not a plain drug name (the data keep the printed,
#: lower-case labels of Qiu 2024 Table 2). Any other drug is shown with a capital first letter.
DRUG_DISPLAY_NAMES = {
    "jaki": "JAK inhibitor",
    "nsaids": "NSAIDs",
    "cyclosporine a": "ciclosporin A",
    "corticosteroid pulse": "Corticosteroid pulses",
}


def drug_label(name: Any) -> str:
    """A drug's name as the app shows it (plain text: escape it before putting it in HTML).

    Examples
    --------
    >>> drug_label("jaki"), drug_label("nsaids"), drug_label("cyclosporine a"), drug_label("adalimumab")
    ('JAK inhibitor', 'NSAIDs', 'ciclosporin A', 'Adalimumab')
    """
    text = str(name)
    shown = DRUG_DISPLAY_NAMES.get(text.strip().lower())
    if shown is not None:
        return shown
    return text[:1].upper() + text[1:]


def _study_label(key: Any) -> str:
    """``qiu2024`` -> ``Qiu 2024``; other labels as given."""
    m = re.fullmatch(r"([a-z]+)(\d{4})", str(key))
    return f"{m.group(1).capitalize()} {m.group(2)}" if m else str(key)


def describe_subgroup(sub: Subgroup) -> str:
    """The subgroup in plain words, with studies and drugs under their display names (plain text).

    Examples
    --------
    >>> describe_subgroup(Subgroup(prior_biologic_any=("jaki",), sex="F"))
    'had JAK inhibitor, female'
    """
    return sub.describe(drug_label=drug_label, study_label=_study_label)






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
    section
        The section shown: ``"trajectories"``, ``"window"`` (window of
        opportunity) or ``"safety"`` (steroids and safety).
    window_outcome, window_week
        Outcome and follow-up week compared between early and late patients.
    theme
        ``"light"``, ``"dark"``, or ``"auto"`` (follow the page's theme).

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
    section: str = "trajectories"
    window_outcome: str = "sjadas27"
    window_week: int = 24
    theme: str = "auto"

    def __post_init__(self):
        for name in ("prior_biologic_any", "prior_biologic_none"):
            value = getattr(self, name)
            value = (value,) if isinstance(value, str) else value
            object.__setattr__(self, name, tuple(sorted({str(v) for v in value})))
        object.__setattr__(self, "early_cutoff_months", float(self.early_cutoff_months))
        object.__setattr__(self, "each_patient", bool(self.each_patient))
        for name, allowed in (("test_outcome", OUTCOME_COLUMNS), ("test_method", TEST_METHODS),
                              ("section", SECTIONS), ("window_outcome", OUTCOME_COLUMNS), ("theme", THEMES)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {getattr(self, name)!r}")
        week = self.window_week
        if isinstance(week, bool) or not isinstance(week, (int, float, np.integer, np.floating)) \
                or not float(week).is_integer() or not 0 < float(week) <= 520:
            raise ValueError(f"window_week must be a whole number of weeks from 1 to 520, not {week!r}")
        object.__setattr__(self, "window_week", int(week))
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

    def selection(self) -> Subgroup:
        """The patients only (the cut-off, which only splits them, at its default); tests are counted per selection."""
        return replace(self.subgroup(), early_cutoff_months=DEFAULT_EARLY_CUTOFF_MONTHS)

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
        if self.section != "trajectories":
            pairs.append(("section", self.section))
        if self.window_outcome != "sjadas27":
            pairs.append(("window_outcome", self.window_outcome))
        if self.window_week != 24:
            pairs.append(("window_week", str(self.window_week)))
        if self.theme != "auto":
            pairs.append(("theme", self.theme))
        return urlencode(pairs, quote_via=quote)

    @classmethod
    def from_query(cls, query: str, *, studies, drugs, cutoff_range: tuple[float, float] = (1, 240),
                   weeks=None) -> tuple[ViewState, list[str]]:
        """Read a view from a URL query string, accepting only known keys and values.

        Nothing from the address is ever evaluated: each value is compared with
        a list of allowed values (or parsed as a number and range-checked).

        Parameters
        ----------
        query
            The raw query string (``QUERY_STRING``), e.g. ``"cutoff=6&sex=F"``.
        studies, drugs
            Allowed study labels and prior-biologic names.
        cutoff_range
            Smallest and largest accepted cut-off, in months.
        weeks
            Allowed follow-up weeks for ``window_week`` (default: any whole week from 1 to 520).

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

        def one(key: str, allowed: dict[str, Any] | set[str] | tuple, what: str):
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
        for key, allowed in (("test_outcome", OUTCOME_COLUMNS), ("test_method", TEST_METHODS),
                             ("section", SECTIONS), ("window_outcome", OUTCOME_COLUMNS),
                             ("theme", ("light", "dark"))):
            got = one(key, set(allowed), key.replace("_", " "))
            if got is not None:
                values[key] = got
        allowed_weeks = {int(w) for w in weeks if int(w) > 0} if weeks is not None else None
        for v in values_of("window_week"):
            ok = re.fullmatch(r"\d{1,3}", v) is not None and 0 < int(v) <= 520 \
                and (allowed_weeks is None or int(v) in allowed_weeks)
            if ok:
                values["window_week"] = int(v)
                break
            expected = (", ".join(str(w) for w in sorted(allowed_weeks)) if allowed_weeks
                        else "a whole number of weeks")
            ignored.append(f"window week “{v}” (expected {expected})")
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


class _PageTheme(anywidget.AnyWidget):
    """Reports whether the page is dark (``page_dark``), and in Voila gives the page the app's theme (``dark``).

    In JupyterLab only the app itself changes colour (the rest of JupyterLab is never restyled).
    """

    _esm = """
    export default {
      render({ model, el }) {
        el.style.display = "none";
        const body = document.body;
        const report = () => {
          const dark = body.dataset.jpThemeLight === "false";
          if (model.get("page_dark") !== dark) {
            model.set("page_dark", dark);
            model.save_changes();
          }
        };
        const apply = () => {
          if (!body.hasAttribute("data-voila")) return;
          const dark = model.get("dark");
          body.classList.toggle("sjia-page-dark", dark);
          body.classList.toggle("sjia-page-light", !dark);
        };
        report();
        apply();
        const observer = new MutationObserver(report);
        observer.observe(body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
        model.on("change:dark", apply);
        return () => { observer.disconnect(); model.off("change:dark", apply); };
      }
    };
    """
    page_dark = traitlets.Bool(False).tag(sync=True)
    dark = traitlets.Bool(False).tag(sync=True)


class _DownloadBar(anywidget.AnyWidget):
    """A row of download buttons. A click asks the kernel for the file; its bytes come back in the
    message and the browser saves them (a Blob and an ``<a download>``): nothing is written on the server.

    ``items`` is a list of ``{"key", "label", "title"}``; ``producer(key)`` returns
    ``(file name, MIME type, bytes)``.
    """

    _esm = """
    export default {
      render({ model, el }) {
        el.classList.add("sjia-downloads");
        const label = document.createElement("span");
        label.className = "sjia-downloads-label";
        label.textContent = model.get("label");
        el.append(label);
        const status = document.createElement("span");
        status.className = "sjia-download-status";
        status.setAttribute("role", "status");
        for (const item of model.get("items")) {
          const button = document.createElement("button");
          button.className = "jupyter-widgets jupyter-button widget-button sjia-download-button";
          button.dataset.key = item.key;
          button.textContent = item.label;
          button.title = item.title || item.label;
          button.addEventListener("click", () => {
            status.textContent = " Preparing " + item.label + "…";
            model.send({ event: "request", key: item.key });
          });
          el.append(button);
        }
        el.append(status);
        const onMessage = (msg, buffers) => {
          if (!msg || !msg.event) return;
          if (msg.event === "file" && buffers && buffers.length) {
            const blob = new Blob([buffers[0]], { type: msg.mime });
            const url = URL.createObjectURL(blob);
            const link = document.createElement("a");
            link.href = url;
            link.download = msg.name;
            link.style.display = "none";
            document.body.appendChild(link);
            link.click();
            link.remove();
            setTimeout(() => URL.revokeObjectURL(url), 60000);
            status.textContent = " Saved " + msg.name + " (" + msg.size + ").";
          } else if (msg.event === "error") {
            status.textContent = " " + msg.message;
          }
        };
        model.on("msg:custom", onMessage);
        return () => model.off("msg:custom", onMessage);
      }
    };
    """
    items = traitlets.List(traitlets.Dict()).tag(sync=True)
    label = traitlets.Unicode("Download:").tag(sync=True)

    def __init__(self, producer: Callable[[str], tuple[str, str, bytes]], **kwargs):
        super().__init__(**kwargs)
        self._producer = producer
        self.on_msg(self._on_message)

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "request":
            return
        key = str(content.get("key", ""))
        if key not in {item.get("key") for item in self.items}:
            return
        try:
            name, mime, data = self._producer(key)
        except Exception as exc:  # the page says so; the server log has the details
            log.error("the download %s could not be made", key, exc_info=exc)
            self.send({"event": "error", "message": f"Could not make the file ({type(exc).__name__}: {exc})."})
            return
        self.send({"event": "file", "name": name, "mime": mime, "size": _size_text(len(data))}, buffers=[data])


def page_query() -> str | None:
    """The query string of the page this kernel serves under Voila, or None outside Voila.

    In a kernel that Voila started before any viewer arrived (``--preheat_kernel``),
    the notebook runs with no request: this waits for the viewer's request
    (:func:`voila.utils.get_query_string`). Call it after the view is built and
    displayed, in a cell of its own, so that the first chart is ready when the
    viewer arrives. Outside Voila (JupyterLab, nbmake) it returns None at once.
    """
    if os.environ.get("VOILA_PREHEAT") == "True" and os.environ.get("VOILA_KERNEL_ID"):
        from voila.utils import get_query_string

        return get_query_string() or ""
    if os.environ.get("SERVER_SOFTWARE", "").startswith("voila"):
        return os.environ.get("QUERY_STRING", "")
    return None


def _size_text(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{max(1, round(n_bytes / 1e3))} kB"


# --------------------------------------------------------------------------------------
# Words and looks
# --------------------------------------------------------------------------------------
#: JupyterLab's own colour variables, for a light and a dark app. Setting them on the app (and, in
#: Voila, on the page) makes every widget inside follow, whatever theme the page itself has.
_LAB_LIGHT = """
  --jp-layout-color0: #ffffff; --jp-layout-color1: #ffffff; --jp-layout-color2: #eeeeee;
  --jp-layout-color3: #bdbdbd; --jp-layout-color4: #757575;
  --jp-ui-font-color0: rgba(0,0,0,1); --jp-ui-font-color1: rgba(0,0,0,0.87);
  --jp-ui-font-color2: rgba(0,0,0,0.54); --jp-ui-font-color3: rgba(0,0,0,0.38);
  --jp-content-font-color0: rgba(0,0,0,1); --jp-content-font-color1: rgba(0,0,0,0.87);
  --jp-content-font-color2: rgba(0,0,0,0.54); --jp-content-font-color3: rgba(0,0,0,0.38);
  --jp-border-color0: #bdbdbd; --jp-border-color1: #bdbdbd; --jp-border-color2: #e0e0e0;
  --jp-border-color3: #eeeeee; --jp-brand-color1: #1976d2; --jp-brand-color2: #64b5f6;
  --jp-input-background: #f5f5f5; --jp-inverse-border-color: #757575;
  --jp-widgets-color: rgba(0,0,0,0.87); --jp-widgets-label-color: rgba(0,0,0,0.87);
  --jp-widgets-readout-color: rgba(0,0,0,0.87); --jp-widgets-input-color: rgba(0,0,0,0.87);
  --jp-widgets-input-background-color: #ffffff; --jp-widgets-input-border-color: #bdbdbd;
  --jp-widgets-slider-handle-background-color: #ffffff; --jp-widgets-slider-handle-border-color: #bdbdbd;
  --jp-widgets-slider-active-handle-color: #1976d2; --jp-widgets-input-focus-border-color: #64b5f6;
  --sjia-bg: #ffffff; --sjia-text: #1a1a1a; --sjia-muted: #4a4a4a; --sjia-heading: #222222;
  --sjia-line: #e2e2e2; --sjia-table-line: #eeeeee;
  --sjia-banner-bg: #fff5f5; --sjia-banner-border: #9b2c2c; --sjia-banner-text: #63171b; --sjia-banner-strong: #9b2c2c;
  --sjia-panel-bg: #fafafa; --sjia-panel-border: #dddddd;
  --sjia-error-bg: #fffaf0; --sjia-error-border: #c05621; --sjia-error-text: #652b19;
  --sjia-notice-bg: #f0f7ff; --sjia-notice-border: #2b6cb0; --sjia-notice-text: #1a365d;
  --sjia-empty-bg: #f7f7f7; --sjia-caution: #744210; --sjia-ok: #2f855a; --sjia-code-bg: #f3f3f3;
"""
_LAB_DARK = """
  --jp-layout-color0: #1a1a1a; --jp-layout-color1: #1a1a1a; --jp-layout-color2: #3a3a3a;
  --jp-layout-color3: #5a5a5a; --jp-layout-color4: #757575;
  --jp-ui-font-color0: rgba(255,255,255,1); --jp-ui-font-color1: rgba(255,255,255,0.87);
  --jp-ui-font-color2: rgba(255,255,255,0.6); --jp-ui-font-color3: rgba(255,255,255,0.45);
  --jp-content-font-color0: rgba(255,255,255,1); --jp-content-font-color1: rgba(255,255,255,0.9);
  --jp-content-font-color2: rgba(255,255,255,0.7); --jp-content-font-color3: rgba(255,255,255,0.5);
  --jp-border-color0: #616161; --jp-border-color1: #616161; --jp-border-color2: #424242;
  --jp-border-color3: #303030; --jp-brand-color1: #64b5f6; --jp-brand-color2: #90caf9;
  --jp-input-background: #2a2a2a; --jp-inverse-border-color: #9e9e9e;
  --jp-widgets-color: rgba(255,255,255,0.9); --jp-widgets-label-color: rgba(255,255,255,0.9);
  --jp-widgets-readout-color: rgba(255,255,255,0.9); --jp-widgets-input-color: rgba(255,255,255,0.9);
  --jp-widgets-input-background-color: #2a2a2a; --jp-widgets-input-border-color: #6a6a6a;
  --jp-widgets-slider-handle-background-color: #2a2a2a; --jp-widgets-slider-handle-border-color: #9e9e9e;
  --jp-widgets-slider-active-handle-color: #64b5f6; --jp-widgets-input-focus-border-color: #90caf9;
  --sjia-bg: #1a1a1a; --sjia-text: #e8e8e8; --sjia-muted: #bdbdbd; --sjia-heading: #f0f0f0;
  --sjia-line: #3a3a3a; --sjia-table-line: #333333;
  --sjia-banner-bg: #3b1f1f; --sjia-banner-border: #fc8181; --sjia-banner-text: #fed7d7; --sjia-banner-strong: #feb2b2;
  --sjia-panel-bg: #222222; --sjia-panel-border: #444444;
  --sjia-error-bg: #3a2a14; --sjia-error-border: #f6ad55; --sjia-error-text: #feebc8;
  --sjia-notice-bg: #1a2a3d; --sjia-notice-border: #63b3ed; --sjia-notice-text: #bee3f8;
  --sjia-empty-bg: #242424; --sjia-caution: #f6d28b; --sjia-ok: #68d391; --sjia-code-bg: #2b2b2b;
"""
_DARK_ARROW = ("url(\"data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='18' height='18' "
               "viewBox='0 0 18 18'><path d='M5 7l4 4 4-4z' fill='%23dddddd'/></svg>\")")

_CSS = f"""
<style>
.sjia-app, .sjia-app.sjia-theme-light, body.sjia-page-light {{ {_LAB_LIGHT} }}
.sjia-app.sjia-theme-dark, body.sjia-page-dark {{ {_LAB_DARK} color-scheme: dark; }}
body.sjia-page-dark, body.sjia-page-light {{ background: var(--sjia-bg); color: var(--sjia-text); }}
body.sjia-page-dark .jp-RenderedHTMLCommon, body.sjia-page-dark .jp-RenderedMarkdown {{ color: var(--sjia-text); }}
.sjia-app {{ font-size: 14px; color: var(--sjia-text); background: var(--sjia-bg); max-width: 1500px;
  padding: 4px 6px; }}
.sjia-app .widget-html-content {{ line-height: 1.45; color: var(--sjia-text); }}
.sjia-app .widget-label, .sjia-app .widget-readout, .sjia-app .widget-checkbox label {{ color: var(--sjia-text); }}
.sjia-theme-dark .widget-dropdown > select {{ background-image: {_DARK_ARROW}; }}
.sjia-app a {{ color: var(--jp-brand-color1); }}
.sjia-explanation ul {{ margin: 2px 0 8px 0; }}
.sjia-app code {{ font-size: 12px; background: var(--sjia-code-bg); padding: 0 3px; border-radius: 2px; }}
.sjia-app h3.sjia-heading {{ font-size: 13px; line-height: 1.3; margin: 12px 0 4px 0; font-weight: 600;
  color: var(--sjia-heading); }}
.sjia-reconstructed-label {{ background: var(--sjia-banner-bg); border-left: 6px solid var(--sjia-banner-border);
  padding: 8px 12px; color: var(--sjia-banner-text); line-height: 1.4; }}
.sjia-reconstructed-label b {{ color: var(--sjia-banner-strong); }}
.sjia-explanation, .sjia-box {{ background: var(--sjia-panel-bg); border: 1px solid var(--sjia-panel-border);
  padding: 4px 14px; line-height: 1.45; }}
.sjia-error, .sjia-upload-problems {{ background: var(--sjia-error-bg); border-left: 6px solid var(--sjia-error-border);
  padding: 8px 12px; color: var(--sjia-error-text); }}
.sjia-notice, .sjia-upload-warnings {{ background: var(--sjia-notice-bg);
  border-left: 6px solid var(--sjia-notice-border);
  padding: 6px 12px; color: var(--sjia-notice-text); }}
.sjia-problem-line {{ font-family: var(--jp-code-font-family, monospace); font-size: 12.5px; white-space: pre-wrap;
  overflow-wrap: anywhere; }}
.sjia-empty, .sjia-window-message {{ background: var(--sjia-empty-bg); border: 1px dashed #999; padding: 18px;
  font-size: 15px; }}
.sjia-n {{ color: var(--sjia-muted); font-size: 12px; line-height: 1.35; margin: 0 0 2px 2px; }}
.sjia-drug {{ font-size: 13px; }}
.sjia-n-total {{ color: var(--sjia-text); font-size: 14px; margin: 4px 0 8px 0; }}
.sjia-caution {{ color: var(--sjia-caution); }}
.sjia-sidebar {{ border-right: 1px solid var(--sjia-line); padding-right: 12px; margin-right: 16px; }}
.sjia-copy-status, .sjia-download-status {{ margin-left: 6px; color: var(--sjia-ok); }}
.sjia-downloads {{ display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px; margin: 10px 0 4px 0; }}
.sjia-downloads-label {{ font-weight: 600; margin-right: 4px; }}
.sjia-downloads button {{ width: auto; padding: 0 10px; }}
.sjia-table1 table, .sjia-stats table, .sjia-table table {{ border-collapse: collapse; font-size: 13px; }}
.sjia-table1 th, .sjia-table1 td, .sjia-stats th, .sjia-stats td, .sjia-table th, .sjia-table td {{
  padding: 2px 8px; border-bottom: 1px solid var(--sjia-table-line); text-align: left; vertical-align: top;
  color: var(--sjia-text); }}
.sjia-stale {{ color: var(--sjia-caution); }}
.sjia-ledger {{ border-left: 4px solid var(--sjia-notice-border); padding: 4px 12px; margin: 8px 0;
  background: var(--sjia-panel-bg); }}
.sjia-ledger ul {{ margin: 2px 0 4px 0; }}
.sjia-badge {{ display: inline-block; font-size: 11px; font-weight: 600; padding: 0 6px; border-radius: 3px;
  border: 1px solid var(--sjia-banner-border); color: var(--sjia-banner-strong); margin-left: 4px; }}
.sjia-section-intro {{ max-width: 980px; }}
.sjia-tabs {{ margin-top: 4px; }}
.sjia-tabs .lm-TabBar-tab {{ flex: 0 0 auto !important; min-width: 150px; max-width: none !important; }}
.sjia-tabs .lm-TabBar-tabLabel {{ overflow: visible; text-overflow: clip; }}
.sjia-app .jupyter-widget-Collapse-header, .sjia-app .lm-TabBar-tab {{ color: var(--sjia-text); }}
.sjia-app .lm-TabBar-tab.lm-mod-current {{ background: var(--sjia-bg); }}
.sjia-upload-help {{ color: var(--sjia-muted); font-size: 12px; line-height: 1.35; }}
.sjia-source {{ font-size: 13px; line-height: 1.35; }}
.sjia-topbar {{ align-items: center; }}
.sjia-topbar .widget-toggle-buttons {{ margin-left: auto; }}
</style>
"""


def _yes_no_any(value: bool | None) -> str:
    return "any" if value is None else ("yes" if value else "no")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f'<h3 class="sjia-heading">{_esc(text)}</h3>')


def _patients(n: int) -> str:
    return "no patients" if n == 0 else ("1 patient" if n == 1 else f"{n} patients")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def stats_methods(test_method: str) -> tuple[str, ...]:
    """The statistics methods behind a ``test_method`` choice (``"all"``: the four of sjia_explore.stats)."""
    return tuple(m for m in TEST_METHODS if m != "all") if test_method == "all" else (test_method,)


def _number(value: float, digits: int, sign: bool = False) -> str:
    if value is None or value is pd.NA or not math.isfinite(float(value)):
        return ""
    return f"{float(value):{'+' if sign else ''}.{digits}f}".replace("-", "−")


def _p_value(p: float) -> str:
    """p in words a reader can compare: '< 0.0001', '0.0059', '0.23', or 'not given'."""
    if p is None or p is pd.NA or not math.isfinite(float(p)):
        return "not given"
    p = float(p)
    if p < 0.0001:
        return "< 0.0001"
    return f"{p:.4f}" if p < 0.01 else f"{p:.2f}"


def _percent(k: int, n: int) -> str:
    return f"{100 * k / n:.0f}%" if n else "–"


def _outcome(column: str) -> Outcome:
    return next(o for o in OUTCOMES if o.column == column)


def _has_values(visits: pd.DataFrame, column: str) -> bool:
    return column in visits.columns and visits[column].notna().any()


def _ensure_log_handler() -> None:
    """Send this module's log to the real stderr (the server log), not to the page."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[sjia-explore] %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


# --------------------------------------------------------------------------------------
# Numbers behind the sections (pure: a cohort in, tables and text out)
# --------------------------------------------------------------------------------------
def early_split(cohort: Cohort, cutoff_months: float) -> frozenset:
    """The patients a cut-off calls early (treated less than ``cutoff_months`` after onset).

    Two cut-offs with the same split give the same comparison: it is computed,
    and counted as a test, once.
    """
    months = pd.to_numeric(cohort.patients["months_onset_to_treatment"], errors="coerce")
    return frozenset(cohort.patients.loc[(months < cutoff_months).fillna(False).to_numpy(), "patient_id"])


def sensitivity_table(cohort: Cohort, outcome: str, week: int, cutoffs, ledger=None) -> pd.DataFrame:
    """Early minus late difference in change from week 0 to ``week``, at each cut-off (months).

    One :func:`sjia_explore.stats.compare_groups` per distinct split of the
    patients (Mann–Whitney U, Hodges–Lehmann shift with its 95% interval; p
    only where every group has at least 3 patients). Cut-offs that split the
    patients the same way share one comparison, and it is recorded in
    ``ledger`` once. Patients without a recorded time from onset are left out.

    Returns
    -------
    pandas.DataFrame
        ``cutoff_months``, ``n_early``, ``n_late`` (patients with a value at
        week 0 and ``week``), ``median_change_early``, ``median_change_late``,
        ``hl_shift``, ``ci_low``, ``ci_high``, ``ci_level``, ``p``, ``note``.

    Examples
    --------
    >>> from sjia_explore import load_cohort
    >>> t = sensitivity_table(load_cohort(), "sjadas27", 24, [12])
    >>> int(t.loc[0, "n_early"]), int(t.loc[0, "n_late"])  # with sJADAS27 at weeks 0 and 24
    (6, 9)
    """
    from sjia_explore import stats

    months = pd.to_numeric(cohort.patients["months_onset_to_treatment"], errors="coerce")
    ids = cohort.patients["patient_id"].to_numpy()
    done: dict[frozenset, dict] = {}
    rows = []
    for cut in cutoffs:
        split = early_split(cohort, cut)
        if split not in done:
            side = [None if pd.isna(m) else ("early" if m < cut else "late") for m in months]
            roster = pd.DataFrame({"patient_id": ids, "side": pd.array(side, dtype="string")})
            r = stats.compare_groups(cohort.visits, roster, outcome, "side", week, order=("early", "late")).iloc[0]
            done[split] = {"n_early": int(r["n_1"]), "n_late": int(r["n_2"]),
                           "median_change_early": r["median_change_1"], "median_change_late": r["median_change_2"],
                           "hl_shift": r["hl_shift"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                           "ci_level": r["ci_level"], "p": r["p"], "note": r["note"]}
            if ledger is not None:
                ledger.record(f"early vs late, change at week {week:g}", outcome, "mann_whitney",
                              int(np.isfinite(float(r["p"]))), note=f"cut-off {cut:g} months")
        rows.append({"cutoff_months": float(cut), **done[split]})
    return pd.DataFrame(rows, columns=["cutoff_months", "n_early", "n_late", "median_change_early",
                                       "median_change_late", "hl_shift", "ci_low", "ci_high", "ci_level", "p",
                                       "note"])


def ledger_html(ledger) -> str:
    """The multiplicity ledger in plain words (HTML, escaped): how many tests were run on this selection."""
    n = ledger.n_tests if ledger is not None else 0
    if ledger is None or not ledger.entries:
        return ('<div class="sjia-ledger"><b>Tests run on these patients so far: none.</b> Every test you run '
                "(statistics below, the window-of-opportunity strip) adds to this count. It starts again "
                "when you change which patients are selected.</div>")
    frame = ledger.to_frame()
    grouped = frame.groupby(["analysis", "outcome", "method"], sort=False)["n_tests"].agg(["sum", "count"])
    items = []
    for (analysis, outcome, method), row in grouped.iterrows():
        title = next((o.title for o in OUTCOMES if o.column == outcome), outcome)
        how = TEST_METHOD_LABELS.get(method, method)
        extra = (f" ({_plural(int(row['count']), 'distinct split')} of the patients by the cut-offs tried)"
                 if str(analysis).startswith("early vs late") else "")
        items.append(f"<li>{_plural(int(row['sum']), 'test')}: {_esc(analysis)}{_esc(extra)} — "
                     f"{_esc(title)}, {_esc(how)}</li>")
    expected = 0.05 * n
    return (f'<div class="sjia-ledger"><b>Tests run on these patients so far: {n}</b><ul>{"".join(items)}</ul>'
            f"Even when nothing really differs, about 1 test in 20 gives p &lt; 0.05 by chance alone: among "
            f"{n} tests, expect about {expected:.1f} such results. The count starts again when you change which "
            "patients are selected.</div>")


def _table_html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0, na_rep="")


@dataclass
class _Analyses:
    """The tests run on one selection of patients, their results, and their count (the multiplicity ledger)."""

    selection: Subgroup
    ledger: Any  # sjia_explore.stats.TestLedger
    results: dict = field(default_factory=dict)


#: Most patients drawn as thin lines ("Show each patient's line"); above it, a fixed random sample, said so
#: on the chart (10,000 lines would be a 13 MB chart and 140,000 SVG marks for the browser).
PATIENT_LINES_MAX = 300
PATIENT_LINES_SEED = 20240338

#: Selections of patients (filtered cohorts) and trajectory charts kept for a quick return to them.
SELECTIONS_KEPT = 4
CHARTS_KEPT = 32


def _remember(cache: OrderedDict, key: Any, make: Callable[[], Any], size: int) -> Any:
    """``cache[key]``, made by ``make()`` the first time; only the ``size`` most recently used are kept."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = cache[key] = make()
    while len(cache) > size:
        cache.popitem(last=False)
    return value


@dataclass
class _View:
    """Everything :meth:`CohortExplorer.update` puts on screen, computed before anything is shown."""

    state: ViewState
    n_total: int
    funnel: dict[str, int]
    group_counts: dict[str, int]
    chart: dict | None = None  # Vega-Lite specification of the trajectories
    numbers: list | None = None  # (outcome, per-visit summary) behind that chart
    reconstructed: bool = False
    simulated: bool = False
    explanation: str = ""
    table1: str | None = None  # None: not made (its section is closed)
    dark: bool = False
    window: dict | None = None  # made only while its section is open
    safety: dict | None = None  # made only while its section is open
    analyses: _Analyses | None = None
    ledger: str = ""


_DOWNLOADS = {
    "trajectories": [("trajectories_png", "Chart (PNG)"), ("trajectories_svg", "Chart (SVG)"),
                     ("trajectories_csv", "Numbers (CSV)"), ("trajectories_xlsx", "Numbers (Excel)")],
    "window": [("window_png", "Charts (PNG)"), ("window_svg", "Charts (SVG)"),
               ("window_csv", "Numbers (CSV)"), ("window_xlsx", "Numbers (Excel)")],
    "safety": [("steroid_png", "Steroid chart (PNG)"), ("steroid_svg", "Steroid chart (SVG)"),
               ("steroid_csv", "Steroid-free by visit (CSV)"), ("steroid_xlsx", "Steroid-free by visit (Excel)"),
               ("ae_csv", "Adverse events (CSV)"), ("ae_xlsx", "Adverse events (Excel)")],
    "state": [("state_json", "This view's settings (JSON)")],
}
_MIME = {"png": "image/png", "svg": "image/svg+xml", "csv": "text/csv", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
#: Small-count suppression offered for downloaded tables: (words, threshold; 0 = none).
SUPPRESSION_CHOICES = (("Show every count", 0), ("Hide counts of 1–4", 5), ("Hide counts of 1–7", 8),
                       ("Hide counts of 1–10", 11))


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
        inside Voila, the page's own address (empty in a preheated kernel: see
        :meth:`apply_query`). Unknown keys are ignored; values that are not
        understood are left out and listed on the page.

    Attributes
    ----------
    view : ipywidgets.VBox
        The dashboard; display it (as ``app.ipynb`` does).
    state : ViewState
        What is shown now.
    cohort : Cohort
        The cohort shown now (another one after an upload).
    """

    def __init__(self, cohort: Cohort, state: ViewState | None = None, query: str | None = None):
        _ensure_log_handler()
        from sjia_explore import plots

        self._plots = plots
        self._initial_cohort = cohort
        self._syncing = False
        self._page_dark = False
        self._analyses: _Analyses | None = None
        self._tests_for: tuple | None = None
        self._view: _View | None = None
        self._charts: dict[str, Any] = {}
        self.had_any: dict[str, widgets.Checkbox] = {}
        self.had_none: dict[str, widgets.Checkbox] = {}
        self._build_widgets()
        self._use_cohort(cohort)

        notes: list[str] = []
        self._query = ""
        if state is None:
            if query is None and os.environ.get("SERVER_SOFTWARE", "").startswith("voila"):
                query = os.environ.get("QUERY_STRING", "")
            state, notes = self._state_from_query(query or "")
        self._query = query or ""
        self._start_notes = notes
        self.state = ViewState()
        self.update(state)

    def _state_from_query(self, query: str) -> tuple[ViewState, list[str]]:
        """The view a query string asks for, with a note for the parts that were not understood."""
        state, ignored = ViewState.from_query(query, studies=self.studies, drugs=self.drugs,
                                              cutoff_range=self.cutoff_range, weeks=self.weeks)
        notes = []
        if ignored:
            notes.append("Part of the page address was not understood and was left out: "
                         + "; ".join(ignored) + ".")
        return state, notes

    def apply_query(self, query: str | None) -> bool:
        """Show the view a page address asks for (``"cutoff=6&sex=F"``), through the normal update path.

        For a page served from a kernel that ran the notebook before the viewer
        arrived (Voila's preheated kernels), where the address is known only
        afterwards: see :func:`page_query`. An empty query changes nothing.
        Values that are not understood are left out and listed on the page, as
        when the explorer is made with ``query=``. Returns True when the view is shown.
        """
        if not query or query == self._query:  # nothing asked, or already shown
            return True
        self._query = query
        state, notes = self._state_from_query(query)
        self._start_notes = notes
        return self.update(state)

    # -- the cohort and its options ----------------------------------------------------
    def _use_cohort(self, cohort: Cohort) -> None:
        """Make ``cohort`` the one shown: its filter options, weeks and cut-off range (no redraw)."""
        plots = self._plots
        self.cohort = cohort
        self.drugs = cohort.prior_biologic_options()
        self.studies = cohort.studies
        weeks = sorted({int(w) for w in pd.to_numeric(cohort.visits["week"], errors="coerce").dropna()
                        if 0 <= int(w) <= MAX_WEEK})
        self.weeks = tuple(weeks) or plots.DEFAULT_WEEKS
        months = pd.to_numeric(cohort.patients["months_onset_to_treatment"], errors="coerce").dropna()
        top = int(math.ceil(months.max())) + 1 if len(months) else 60
        self.cutoff_range = (1, int(min(240, max(24, top))))
        self._analyses = None
        self._tests_for = None
        self._index: trajectories.TrajectoryIndex | None | bool = False  # made on first use, for this cohort
        self._about_selection: tuple | None = None  # (selection, reconstructed, simulated, explanation)
        # Worked out once per selection / per chart shown, for this cohort (most recent last).
        self._selections: OrderedDict[Subgroup, tuple[Cohort, dict[str, int]]] = OrderedDict()
        self._charts_made: OrderedDict[tuple, tuple[dict, list]] = OrderedDict()
        self._syncing = True
        try:
            self.study.options = [("All studies", "")] + [(_study_label(s), s) for s in self.studies]
            self.study.value = ""
            self._build_drug_rows()
            self.cutoff.max = max(self.cutoff_range[1], self.cutoff.min)
            self.cutoff.min = self.cutoff_range[0]
            self.cutoff.max = self.cutoff_range[1]
            follow_up = [w for w in self.weeks if w > 0] or [24]
            self.window_week.options = [(f"week {w}", w) for w in follow_up]
            self.window_week.value = follow_up[-1]
            bundled = (cohort.source or "").startswith("bundled")
            initial = cohort is self._initial_cohort
            if bundled:
                what = "Bundled studies: " + ", ".join(_study_label(s) for s in self.studies)
            else:
                what = f"{'Your file' if not initial else 'Cohort'}: {cohort.source or 'no source given'}"
            self.source_text.value = (f'<div class="sjia-source">{_esc(what)} '
                                      f"({_esc(_patients(cohort.n_patients))})</div>")
            self.back_button.description = ("Back to the bundled cohort" if (self._initial_cohort.source or "")
                                            .startswith("bundled") else "Back to the first cohort")
            self.back_button.layout.display = "none" if initial else ""
            self.suppression.value = 0 if bundled else 5
        finally:
            self._syncing = False

    def _build_drug_rows(self) -> None:
        """One row per prior biologic: [drug] [had] [did not have] (rebuilt when the cohort changes)."""
        W = widgets
        for box in [*self.had_any.values(), *self.had_none.values()]:
            box.unobserve_all()
            box.close()
        box_layout = W.Layout(width="auto", margin="0")
        self.had_any = {d: W.Checkbox(value=False, description="had", indent=False, layout=box_layout,
                                      tooltip=f"Keep patients who had {drug_label(d)} (or another ticked drug)")
                        for d in self.drugs}
        self.had_none = {d: W.Checkbox(value=False, description="did not have", indent=False, layout=box_layout,
                                       tooltip=f"Keep patients who never had {drug_label(d)}")
                         for d in self.drugs}
        for kind, boxes in (("any", self.had_any), ("none", self.had_none)):
            for i, box in enumerate(boxes.values()):
                box.add_class(f"sjia-had-{kind}")
                box.add_class(f"sjia-had-{kind}-{i}")
                box.observe(self._safe(self._on_control), names="value")
        if self.drugs:
            labels = [W.HTML(f'<span class="sjia-drug">{_esc(drug_label(d))}</span>') for d in self.drugs]
            grid = W.GridBox(
                [cell for d, label in zip(self.drugs, labels) for cell in (label, self.had_any[d], self.had_none[d])],
                layout=W.Layout(grid_template_columns="120px 60px 110px", grid_gap="0 6px", align_items="center"))
            self.drug_box.children = [grid]
        else:
            self.drug_box.children = [W.HTML("<i>No prior biologics recorded in this cohort.</i>")]

    # -- building ---------------------------------------------------------------------
    def _chart_widget(self, css: str):
        """An empty chart widget (its ``chart`` is set on every update)."""
        from sjia_explore.vega import VegaChart

        chart = VegaChart()
        chart.add_class("sjia-chart-widget")
        chart.add_class(css)
        return chart

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
        self.upload_problems = W.HTML(layout=W.Layout(display="none"))
        self.upload_problems.add_class("sjia-upload-problems")
        self.upload_warnings = W.HTML(layout=W.Layout(display="none"))
        self.upload_warnings.add_class("sjia-upload-warnings")

        # Data: bundled or uploaded
        self.source_text = W.HTML()
        self.upload = W.FileUpload(accept=UPLOAD_ACCEPT, multiple=False, description="Upload a cohort file",
                                   layout=W.Layout(width="auto"),
                                   tooltip=f"A .csv, a .zip of CSV files or an .xlsx workbook, up to "
                                           f"{UPLOAD_MAX_BYTES // 2 ** 20} MB")
        self.upload.add_class("sjia-upload")
        self.upload_help = W.HTML(
            f'<div class="sjia-upload-help">A .csv file, a .zip of CSV files or an Excel .xlsx workbook, '
            f"<b>up to {UPLOAD_MAX_BYTES // 2 ** 20} MB</b>. It is read in this session only: not saved, "
            "not sent anywhere else.</div>")
        self.back_button = W.Button(description="Back to the bundled cohort",
                                    layout=W.Layout(width="auto", align_self="flex-start", display="none"))
        self.back_button.add_class("sjia-back")

        # Filters
        self.study = W.Dropdown(options=[("All studies", "")], value="", layout=W.Layout(width="260px"))
        self.study.add_class("sjia-study")
        self.drug_box = W.VBox()
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
        self.cutoff = W.IntSlider(value=int(DEFAULT_EARLY_CUTOFF_MONTHS), min=1, max=240, step=1,
                                  continuous_update=False, description="months", readout=True,
                                  layout=W.Layout(width="270px"), style={"description_width": "50px"})
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
        sidebar = W.VBox([
            W.HTML('<b style="font-size:15px">Data</b>'), self.source_text, self.upload, self.upload_help,
            self.back_button,
            W.HTML('<b style="font-size:15px; display:block; margin-top:14px">Choose patients</b> '
                   '<span class="sjia-n">(the line under each filter says how many are left)</span>'),
            _heading("Study"), self.study, self.n_labels["study"],
            _heading("Biologics before the IL-1 blocker"),
            W.HTML('<span class="sjia-n">Ticked “had”: at least one of them. Ticked “did not have”: none of '
                   "them.</span>"),
            self.drug_box, self.n_labels["had_any"], self.n_labels["had_none"],
            _heading("Macrophage activation syndrome (MAS) before"), self.prior_mas, self.n_labels["prior_mas"],
            _heading("Sex"), self.sex, self.n_labels["sex"],
            _heading("Corticosteroid at week 0"), self.baseline_steroid, self.n_labels["steroid"],
            _heading("Early or late treatment: early = IL-1 blocker started less than this many "
                     "months after onset"),
            self.cutoff, self.n_labels["cutoff"],
            _heading("Chart"), self.each_patient,
            W.HTML(""), self.reset,
        ], layout=W.Layout(width="310px", min_width="310px"))
        sidebar.add_class("sjia-sidebar")

        # Top of the main area: the count, and the theme
        self.total = W.HTML(layout=W.Layout(flex="1 1 auto"))
        self.total.add_class("sjia-n")
        self.total.add_class("sjia-n-total")
        self.theme = W.ToggleButtons(options=[("Light", "light"), ("Dark", "dark")], value="light",
                                     style={"button_width": "64px"},
                                     tooltips=["Dark text on a light background",
                                               "Light text on a dark background (projectors, dim rooms)"])
        self.theme.add_class("sjia-theme")
        topbar = W.HBox([self.total, self.theme], layout=W.Layout(width="100%"))
        topbar.add_class("sjia-topbar")
        self.empty = W.HTML(layout=W.Layout(display="none"))
        self.empty.add_class("sjia-empty")

        # Section 1: trajectories
        self.chart = self._chart_widget("sjia-chart")
        self.chart.add_class("sjia-chart-joints")  # the first panel is active joints
        self.chart_box = W.Box([self.chart], layout=W.Layout(overflow="auto hidden", width="100%"))
        self.suppression = W.Dropdown(options=list(SUPPRESSION_CHOICES), value=0,
                                      description="Small counts in downloaded tables:",
                                      style={"description_width": "initial"}, layout=W.Layout(width="auto"))
        self.suppression.add_class("sjia-suppression")
        downloads = {k: _DownloadBar(self._make_download, items=[{"key": key, "label": label} for key, label in v])
                     for k, v in _DOWNLOADS.items()}
        for k, bar in downloads.items():
            bar.add_class(f"sjia-downloads-{k}")
        self.downloads = downloads
        trajectories_box = W.VBox([self.chart_box, downloads["trajectories"]])

        # Section 2: window of opportunity
        self.window_intro = W.HTML()
        self.window_intro.add_class("sjia-window-intro")
        self.window_intro.add_class("sjia-section-intro")
        self.window_outcome = W.Dropdown(options=[(o.title, o.column) for o in OUTCOMES], value="sjadas27",
                                         description="Outcome", layout=W.Layout(width="250px"))
        self.window_outcome.add_class("sjia-window-outcome")
        self.window_week = W.Dropdown(options=[("week 24", 24)], value=24, description="Change to",
                                      layout=W.Layout(width="200px"))
        self.window_week.add_class("sjia-window-week")
        self.window_message = W.HTML(layout=W.Layout(display="none"))
        self.window_message.add_class("sjia-window-message")
        self.window_chart_box = W.Box(layout=W.Layout(overflow="auto hidden", width="100%"))
        self.window_current = W.HTML()
        self.window_current.add_class("sjia-window-current")
        self.window_current.add_class("sjia-section-intro")
        self.window_ledger = W.HTML()
        self.window_ledger.add_class("sjia-window-ledger")
        window_box = W.VBox([self.window_intro,
                             W.HBox([self.window_outcome, self.window_week], layout=W.Layout(flex_flow="row wrap")),
                             self.window_message, self.window_chart_box, self.window_current, self.window_ledger,
                             downloads["window"]])
        window_box.add_class("sjia-window")

        # Section 3: steroids and safety
        self.steroid_text = W.HTML()
        self.steroid_text.add_class("sjia-steroid-text")
        self.steroid_text.add_class("sjia-table")
        self.steroid_chart_box = W.Box(layout=W.Layout(overflow="auto hidden", width="100%"))
        self.safety_text = W.HTML()
        self.safety_text.add_class("sjia-safety-text")
        self.safety_text.add_class("sjia-table")
        self.steroid_text.layout = W.Layout(flex="1 1 360px", max_width="480px")
        self.steroid_chart_box.layout = W.Layout(flex="0 1 auto", overflow="auto hidden")
        safety_box = W.VBox([W.HBox([self.steroid_text, self.steroid_chart_box],
                                    layout=W.Layout(flex_flow="row wrap", align_items="flex-start",
                                                    grid_gap="0 24px")),
                             self.safety_text, downloads["safety"]])
        safety_box.add_class("sjia-safety")

        self.tabs = W.Tab(children=[trajectories_box, window_box, safety_box],
                          titles=[SECTION_TITLES[s] for s in SECTIONS], selected_index=0)
        self.tabs.add_class("sjia-tabs")

        # Details under the sections
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
            W.HTML("<p>Downloads carry where they came from (data source, selection, date, and whether values "
                   "are reconstructed). For tables, choose whether small counts are hidden:</p>"),
            self.suppression, downloads["state"],
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
        self.stats_ledger = W.HTML()
        self.stats_ledger.add_class("sjia-stats-ledger")
        self.run_tests.on_click(self._safe(self._on_run_tests))
        tests = W.VBox([W.HBox([self.test_outcome, self.test_method], layout=W.Layout(flex_flow="row wrap")),
                        self.method_text, self.run_tests, self.test_results, self.stats_ledger])
        tests.add_class("sjia-tests")

        self.details = W.Accordion(children=[self.table1, tests, share], selected_index=None)
        self.details.set_title(0, "Table 1: baseline characteristics of the selected patients")
        self.details.set_title(1, "Statistics: change from week 0")
        self.details.set_title(2, "Share, reproduce or download this view")

        main = W.VBox([topbar, self.empty, self.tabs, self.details],
                      layout=W.Layout(flex="1 1 600px", min_width="0"))
        self.address_bar = _AddressBar()
        self._page_theme = _PageTheme()

        self.view = W.VBox([
            W.HTML(_CSS), self.banner, self.notice, self.error, self.upload_problems, self.upload_warnings,
            W.HBox([sidebar, main], layout=W.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.address_bar, self._page_theme,
        ])
        self.view.add_class("sjia-app")
        self.view.add_class("sjia-theme-light")

        controls = [self.study, self.prior_mas, self.sex, self.baseline_steroid, self.cutoff, self.each_patient,
                    self.test_outcome, self.test_method, self.window_outcome, self.window_week, self.theme]
        for control in controls:
            control.observe(self._safe(self._on_control), names="value")
        self.tabs.observe(self._safe(self._on_control), names="selected_index")
        self.details.observe(self._safe(self._on_section), names="selected_index")
        self.reset.on_click(self._safe(lambda _b: self.update(replace(
            self.state, **{f: getattr(ViewState(), f) for f in FILTER_FIELDS}))))
        self.upload.observe(self._safe(self._on_upload), names="value")
        self.back_button.on_click(self._safe(self._on_back))
        self._page_theme.observe(self._safe(self._on_page_theme), names="page_dark")

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

    def _on_page_theme(self, change) -> None:
        before = self._effective_dark(self.state)
        self._page_dark = bool(change["new"])
        if self._effective_dark(self.state) != before:
            self.update(self.state)

    def _toggle_explanation(self, _button=None) -> None:
        hidden = self.explanation.layout.display == "none"
        self.explanation.layout.display = "" if hidden else "none"
        self.explain_button.description = ("Hide the explanation" if hidden
                                           else "What was reconstructed, and from what?")

    def _effective_dark(self, state: ViewState) -> bool:
        return state.theme == "dark" or (state.theme == "auto" and self._page_dark)

    def _state_from_controls(self) -> ViewState:
        shown_theme = "dark" if self._effective_dark(self.state) else "light"
        theme = self.state.theme if self.theme.value == shown_theme else self.theme.value
        index = self.tabs.selected_index if self.tabs.selected_index is not None else 0
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
            section=SECTIONS[index],
            window_outcome=self.window_outcome.value,
            window_week=int(self.window_week.value if self.window_week.value is not None else self.state.window_week),
            theme=theme,
        )

    def _sync_controls(self, state: ViewState) -> None:
        """Set the controls to ``state`` without triggering updates."""
        self._syncing = True
        try:
            self.study.value = state.study if state.study in self.studies else ""
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
            self.tabs.selected_index = SECTIONS.index(state.section)
            self.window_outcome.value = state.window_outcome
            if state.window_week in [v for _, v in self.window_week.options]:
                self.window_week.value = state.window_week
            self.theme.value = "dark" if self._effective_dark(state) else "light"
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

    # -- upload -------------------------------------------------------------------------
    def _state_for_new_cohort(self) -> ViewState:
        """The view after another cohort is loaded: every filter back to its default, the rest kept."""
        s = self.state
        return ViewState(each_patient=s.each_patient, test_outcome=s.test_outcome, test_method=s.test_method,
                         section=s.section, window_outcome=s.window_outcome, window_week=s.window_week,
                         theme=s.theme)

    def _on_upload(self, change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        name = str(item.get("name") or "upload")
        content = item.get("content") or b""
        self.upload.value = ()  # frees the file in the browser and here; the same file can be chosen again
        self.load_file(content, name)

    def load_file(self, content: bytes, name: str) -> bool:
        """Swap in the cohort in ``content`` (an uploaded file's bytes), or list why it cannot be used.

        Every view, filter option and statistic follows the new cohort, through
        :meth:`update`. Returns True when the cohort was swapped in.
        """
        from sjia_explore.data import CohortValidationError, load_cohort_from_bytes

        size = memoryview(content).nbytes  # what arrived, not what the browser said
        problems: list[str] = []
        warnings: tuple[str, ...] = ()
        cohort = None
        if size == 0:
            problems = [f"{name}: the file is empty (0 bytes); choose it again, or check that it was saved"]
        elif size > UPLOAD_MAX_BYTES:
            problems = [f"{name}: the file is {size / 2 ** 20:.1f} MB, over this app's limit of "
                        f"{UPLOAD_MAX_BYTES // 2 ** 20} MB. Remove unused columns or rows, or load it in "
                        "JupyterLab with sjia_explore.load_cohort(path), which has no such limit"]
        else:
            try:
                cohort = load_cohort_from_bytes(content, name)
            except CohortValidationError as err:
                problems = [str(p) for p in err.problems] or [f"{name}: the file could not be read"]
                warnings = tuple(err.warnings)
        if cohort is None:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            self.upload_problems.value = (
                f"<b>“{_esc(name)}” could not be used as a cohort</b>, so the app still shows "
                f"{_esc(self._cohort_words())}. Fix what is listed below and upload it again "
                "(each line: file:row:column: what is wrong).<br>"
                + "".join(f'<div class="sjia-problem-line">{_esc(p)}</div>' for p in shown)
                + (f"<div>…and {more} more.</div>" if more else "")
                + ("<br>Also noted:" + "".join(f'<div class="sjia-problem-line">{_esc(w)}</div>' for w in warnings)
                   if warnings else ""))
            self.upload_problems.layout.display = ""
            return False
        if not self.update(self._state_for_new_cohort(), cohort=cohort):
            return False
        self.upload_problems.layout.display = "none"
        lines = [f"<b>Now showing your file “{_esc(name)}”: {_esc(_patients(cohort.n_patients))}.</b> Every "
                 "filter, chart and statistic uses it. “Back to the bundled cohort” (on the left) returns to the "
                 "bundled studies."]
        if cohort.warnings:
            lines.append("While reading it, the app noted (columns that look like names, dates or record numbers "
                         "are dropped and never shown or downloaded):")
            lines += [f'<div class="sjia-problem-line">{_esc(w)}</div>' for w in cohort.warnings]
        self.upload_warnings.value = "<br>".join(lines[:2]) + "".join(lines[2:])
        self.upload_warnings.layout.display = ""
        return True

    def _cohort_words(self) -> str:
        source = self.cohort.source or ""
        return "the bundled studies" if source.startswith("bundled") else f"“{source or 'the same cohort'}”"

    def _on_back(self, _button=None) -> None:
        if self.update(self._state_for_new_cohort(), cohort=self._initial_cohort):
            self.upload_problems.layout.display = "none"
            self.upload_warnings.layout.display = "none"

    # -- the one update path --------------------------------------------------------------
    def update(self, state: ViewState | None = None, cohort: Cohort | None = None) -> bool:
        """Show ``state`` (default: what the controls say), optionally for another ``cohort``.

        Errors are shown on the page, not raised; the last good view (and
        cohort) stays. Returns True when the new view is shown.
        """
        previous = (self.cohort, self._analyses, self._tests_for) if hasattr(self, "cohort") else None
        try:
            if cohort is not None:
                self._use_cohort(cohort)
            state = self._state_from_controls() if state is None else state
            follow_up = [w for w in self.weeks if w > 0]
            if follow_up and state.window_week not in follow_up:
                state = replace(state, window_week=follow_up[-1])
            if state.early_cutoff_months != int(state.early_cutoff_months) or not (
                    self.cutoff_range[0] <= state.early_cutoff_months <= self.cutoff_range[1]):
                raise ValueError(f"the cut-off must be whole months between {self.cutoff_range[0]} and "
                                 f"{self.cutoff_range[1]}, not {state.early_cutoff_months:g}")
            view = self._compute(state)
            self._show(view)
            return True
        except Exception as exc:
            if cohort is not None and previous is not None and self.cohort is not previous[0]:
                try:  # back to the cohort that is still on screen
                    self._use_cohort(previous[0])
                    self._analyses, self._tests_for = previous[1], previous[2]
                except Exception:  # pragma: no cover - already reporting an error
                    log.exception("the previous cohort could not be restored")
            self._show_error(exc)
            try:  # put the controls back to what is shown, so they never disagree with the charts
                self._sync_controls(self.state)
            except Exception:  # pragma: no cover - already reporting an error
                log.exception("the controls could not be reset to the last view")
            return False

    def _analyses_for(self, state: ViewState) -> _Analyses:
        """The tests of this selection of patients: the same ledger while the patients stay the same."""
        selection = state.selection()
        if self._analyses is not None and self._analyses.selection == selection:
            return self._analyses
        from sjia_explore.stats import TestLedger

        return _Analyses(selection=selection, ledger=TestLedger())

    def _compute(self, state: ViewState) -> _View:
        """Everything the view needs, without touching any widget."""
        selected, funnel = _remember(self._selections, state.selection(), lambda: self._select(state.selection()),
                                     SELECTIONS_KEPT)
        features = selected.patient_features(state.early_cutoff_months)
        counts = features["duration_group"].fillna(trajectories.MISSING_GROUP).value_counts()
        group_counts = {g: int(counts.get(g, 0)) for g in trajectories.group_order(counts.index)}
        view = _View(state=state, n_total=selected.n_patients, funnel=funnel, group_counts=group_counts)
        view.dark = self._effective_dark(state)
        # What depends on the patients only (not on the cut-off): worked out once per selection.
        selection = state.selection()
        if self._about_selection is None or self._about_selection[0] != selection:
            reconstructed = selected.n_patients > 0 and selected.is_reconstructed(
                "visits", columns=[o.column for o in OUTCOMES])
            simulated = selected.n_patients > 0 and selected.is_simulated()
            self._about_selection = (selection, reconstructed, simulated, self._explanation_html(selected))
        _, view.reconstructed, view.simulated, view.explanation = self._about_selection
        if self.details.selected_index == 0:  # Table 1 is made only while its section is open
            view.table1 = self._table1_html(selected, state)
        view.analyses = self._analyses_for(state)
        if selected.n_patients:
            def chart():
                return self._chart(selected, features, state, view.reconstructed, view.dark)

            if state.each_patient:  # one row per patient and visit: too big to keep
                view.chart, view.numbers = chart()
            else:
                key = (state.selection(), state.early_cutoff_months, view.dark)
                view.chart, view.numbers = _remember(self._charts_made, key, chart, CHARTS_KEPT)
            if state.section == "window":
                view.window = self._window(selected, features, state, view)
            elif state.section == "safety":
                view.safety = self._safety(selected, state, view)
        view.ledger = ledger_html(view.analyses.ledger)
        return view

    def _select(self, selection: Subgroup) -> tuple[Cohort, dict[str, int]]:
        """The patients of ``selection``, and how many each filter leaves, in the order the filters are shown."""
        funnel: dict[str, int] = {}
        steps = [("study", {"studies": selection.studies}),
                 ("had_any", {"prior_biologic_any": selection.prior_biologic_any}),
                 ("had_none", {"prior_biologic_none": selection.prior_biologic_none}),
                 ("prior_mas", {"prior_mas": selection.prior_mas}),
                 ("sex", {"sex": selection.sex}),
                 ("steroid", {"baseline_steroid": selection.baseline_steroid})]
        running = Subgroup(early_cutoff_months=selection.early_cutoff_months)
        selected = self.cohort
        for key, criterion in steps:
            if any(value != getattr(running, name) for name, value in criterion.items()):  # an active filter
                running = replace(running, **criterion)
                selected = self.cohort.filter(running)
            funnel[key] = selected.n_patients
        return selected, funnel

    def _chart(self, selected: Cohort, features: pd.DataFrame, state: ViewState, reconstructed: bool,
               dark: bool = False) -> tuple[dict, list]:
        """The Vega-Lite specification of the three trajectory panels (a plain dict: fast to rebuild), and the
        per-visit summaries behind it, as (outcome, summary) pairs."""
        plots = self._plots
        labels = trajectories.group_order(features["duration_group"].fillna(trajectories.MISSING_GROUP))
        colours = plots.group_colours(labels, missing_label=trajectories.MISSING_GROUP, dark=dark)
        panels, numbers = [], []
        line_patients, lines_note = self._line_patients(features) if state.each_patient else (None, None)
        # ``selected`` is a subgroup of the cohort shown: its summaries come from the cohort's index, with the
        # numbers of trajectories.summarise(selected.visits, ..., patients=features)
        index = self._trajectory_index()
        groups = index.groups(features, "duration_group") if index is not None else None
        for outcome in OUTCOMES:
            if outcome.column not in selected.visits.columns:
                continue
            if index is not None:
                summary = index.summarise(outcome.column, groups=groups)
            else:
                summary = trajectories.summarise(selected.visits, outcome.column, by="duration_group",
                                                 patients=features, weeks=self.weeks)
            numbers.append((outcome.column, summary))
            lines = trajectories.patient_values(selected.visits, outcome.column, by="duration_group",
                                                patients=line_patients, weeks=self.weeks) \
                if line_patients is not None else None
            panels.append(plots.trajectory_spec(
                summary, title=outcome.title, y_title=outcome.y_title, patient_values=lines, weeks=self.weeks,
                colours=colours, colour_domain=labels, name=outcome.css, value_format=outcome.value_format,
                dark=dark))
        return plots.panels_spec(panels, reconstructed=reconstructed, dark=dark, subtitle=lines_note), numbers

    @staticmethod
    def _line_patients(features: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
        """The patients drawn as thin lines: all of them, or :data:`PATIENT_LINES_MAX` picked at random (the
        same ones every time), with a note saying so."""
        n = len(features)
        if n <= PATIENT_LINES_MAX:
            return features, None
        ids = np.sort(features["patient_id"].astype(str).to_numpy())
        keep = np.random.default_rng(PATIENT_LINES_SEED).choice(ids, PATIENT_LINES_MAX, replace=False)
        return (features[features["patient_id"].astype(str).isin(keep)],
                f"Thin lines: {PATIENT_LINES_MAX:,} of {n:,} patients, picked at random (the same ones each time); "
                "the means, bands and n use every patient.")

    def _trajectory_index(self) -> trajectories.TrajectoryIndex | None:
        """The shown cohort's visits arranged for fast summaries (made once per cohort); None when it cannot be
        (e.g. two rows for a patient and week: ``trajectories.summarise`` then says which)."""
        if self._index is False:
            try:
                self._index = trajectories.TrajectoryIndex(
                    self.cohort.visits, [o.column for o in OUTCOMES if o.column in self.cohort.visits.columns],
                    self.weeks)
            except ValueError:
                self._index = None
        return self._index

    # -- window of opportunity ------------------------------------------------------------
    def _sensitivity(self, selected: Cohort, outcome: str, week: int, cutoffs, analyses: _Analyses) -> pd.DataFrame:
        """The strip's rows; each split of the patients is computed (and counted in the ledger) once per selection."""
        keys = {float(c): ("strip", outcome, week, early_split(selected, c)) for c in cutoffs}
        todo = [c for c, key in keys.items() if key not in analyses.results]
        if todo:
            table = sensitivity_table(selected, outcome, week, todo, ledger=analyses.ledger)
            for row in table.to_dict("records"):
                analyses.results[keys[float(row["cutoff_months"])]] = row
        return pd.DataFrame([{**analyses.results[key], "cutoff_months": c} for c, key in keys.items()])

    def _window(self, selected: Cohort, features: pd.DataFrame, state: ViewState, view: _View) -> dict:
        from sjia_explore import stats
        from sjia_explore.cohort import duration_group_label

        plots = self._plots
        outcome = _outcome(state.window_outcome)
        cut = state.early_cutoff_months
        week = state.window_week
        out: dict[str, Any] = {"intro": self._window_intro_html(features, cut), "spec": None, "message": "",
                               "current": "", "table": None}
        if not _has_values(selected.visits, outcome.column):
            out["message"] = (f"This cohort has no values of {_esc(outcome.title)}: choose another outcome "
                              "above.")
            return out
        labels = (duration_group_label(True, cut), duration_group_label(False, cut))
        colours = plots.group_colours(list(labels), dark=view.dark)
        summary = trajectories.summarise(selected.visits, outcome.column, by="duration_group", patients=features,
                                         weeks=self.weeks)
        line_patients, lines_note = self._line_patients(features) if state.each_patient else (None, None)
        lines = trajectories.patient_values(selected.visits, outcome.column, by="duration_group",
                                            patients=line_patients, weeks=self.weeks) \
            if line_patients is not None else None
        panels = []
        for label, word, sign in ((labels[0], "Early", "<"), (labels[1], "Late", "≥")):
            rows = summary[summary["group"] == label]
            n = view.group_counts.get(label, 0)
            if not len(rows) or n == 0:
                continue
            mine = lines[lines["group"] == label] if lines is not None else None
            panels.append(plots.trajectory_spec(
                rows, title=f"{word}: {sign} {cut:g} months after onset (n = {n})", y_title=outcome.y_title,
                patient_values=mine, weeks=self.weeks, colours=colours, name=f"window_{word.lower()}",
                value_format=outcome.value_format, width=250, height=170, dark=view.dark,
                colour_domain=list(labels), legend=False))
        reconstructed = selected.is_reconstructed("visits", columns=[outcome.column])
        specs = []
        if panels:
            specs.append(plots.panels_spec(panels, reconstructed=reconstructed, dark=view.dark, shared_y=True,
                                           subtitle=f"{outcome.title}, on the same scale on both sides. "
                                                    "Move the cut-off on the left to move patients between them."
                                                    + (f" {lines_note}" if lines_note else "")))
        cutoffs = sorted(set(float(c) for c in STRIP_CUTOFFS) | {float(cut)})
        table = self._sensitivity(selected, outcome.column, week, cutoffs, view.analyses)
        specs.append(plots.sensitivity_spec(
            table, current_cutoff=cut, outcome_title=outcome.title, week=week, reconstructed=reconstructed,
            dark=view.dark, value_format=outcome.value_format, colours=[colours[labels[0]], colours[labels[1]]],
            axis_values=STRIP_CUTOFFS, min_per_side=stats.MIN_PATIENTS))
        out["spec"] = plots.stack_specs(specs, dark=view.dark)
        out["table"] = table.assign(outcome=outcome.column, week=week)
        current = table[table["cutoff_months"] == float(cut)].iloc[0]
        out["current"] = self._window_current_html(current, outcome, week, cut, stats.MIN_PATIENTS)
        return out

    def _window_current_html(self, row, outcome: Outcome, week: int, cut: float, min_n: int) -> str:
        fmt = outcome.value_format
        plots = self._plots
        n_e, n_l = int(row["n_early"]), int(row["n_late"])
        head = (f"<p><b>At the current cut-off ({cut:g} months)</b>: {_plural(n_e, 'early patient')} and "
                f"{_plural(n_l, 'late patient')} have {_esc(outcome.title)} recorded at week 0 and week {week}.")
        if n_e < min_n or n_l < min_n:
            return (head + f" <b>Too few to estimate</b>: a difference needs at least {min_n} patients on each "
                    "side.</p>")
        shift = plots.format_number(row["hl_shift"], fmt, sign=True)
        ci = plots.ci_text(row["ci_low"], row["ci_high"], fmt, "")
        ci_words = (f"95% CI {ci}" if ci else "no 95% interval is possible with groups this small")
        p = row["p"]
        p_words = (f"p = {_p_value(p)} (Mann–Whitney, not adjusted for the other cut-offs or tests)"
                   if p is not None and np.isfinite(float(p)) else f"no p-value ({_esc(row['note'])})")
        return (head + " Median change: early " + plots.format_number(row["median_change_early"], fmt, sign=True)
                + ", late " + plots.format_number(row["median_change_late"], fmt, sign=True)
                + f". Difference, early minus late (Hodges–Lehmann): <b>{shift}</b> ({ci_words}); {p_words}.</p>")

    def _window_intro_html(self, features: pd.DataFrame, cut: float) -> str:
        early = features["early"]
        sides = (("Early", f"treated less than {cut:g} months after onset", early.eq(True).fillna(False)),
                 ("Late", f"treated {cut:g} months or more after onset", early.eq(False).fillna(False)))
        items, per_study = [], {}
        for word, words, mask in sides:
            group = features[mask.astype(bool).to_numpy()]
            n = len(group)
            if n == 0:
                items.append(f"<li><b>{word}</b> ({words}): no patients.</li>")
                continue
            drug = group["treatment"] if "treatment" in group.columns else pd.Series(pd.NA, index=group.index)
            combos = group.groupby([group["study"].astype(str), drug.fillna("").astype(str)],
                                   sort=True).size().sort_values(ascending=False)
            where = ", ".join(f"{k} from {_esc(_study_label(s))}" + (f" on {_esc(drug_label(t))}" if t else "")
                              for (s, t), k in combos.items())
            prior = int((group["prior_biologics"].astype(str) != "none").sum())
            items.append(f"<li><b>{word}</b> ({words}): {_patients(n)}: {where}; {prior} of {n} had another "
                         "biologic before.</li>")
            for s, k in group["study"].astype(str).value_counts().items():
                per_study.setdefault(s, {})[word] = int(k)
        unknown = int(early.isna().sum())
        if unknown:
            verb = "is" if unknown == 1 else "are"
            items.append(f"<li>{_plural(unknown, 'patient')} without a recorded time from onset to treatment "
                         f"{verb} left out of both.</li>")
        both = [(s, c["Early"], c["Late"]) for s, c in per_study.items() if c.get("Early") and c.get("Late")]
        if both:
            s, a, b = min(both, key=lambda t: min(t[1], t[2]))
            small = (f"Within {_esc(_study_label(s))} alone, {a} early patient{'s' if a != 1 else ''} face "
                     f"{b} late: with so few, chance alone can create or hide large differences, so "
                     f"{a} against {b} patients cannot answer the question.")
        else:
            small = ("No study has patients on both sides, so early and late are only ever compared across "
                     "studies, which is exactly where the groups differ in other ways.")
        return (
            "<p><b>Early versus late treatment: the “window of opportunity”.</b> Does the IL-1 blocker work "
            "better when it is started soon after the disease begins? Here the selected patients are split at "
            f"{cut:g} months from onset to treatment (the cut-off on the left).</p>"
            f"<ul>{''.join(items)}</ul>"
            '<p class="sjia-caution"><b>Why this view cannot answer that question.</b> The early and late '
            "patients differ in more than timing: they come from different <b>studies</b>, were given different "
            "<b>drugs</b> (anakinra or canakinumab) and started at a different <b>line of therapy</b> (as the "
            "first drug, or after other biologics had failed). Any difference below may come from any of these "
            f"instead of from timing: this is called confounding. {small} Use this view to ask the question and "
            "to see how fragile the answer is, not to decide treatment.</p>")

    # -- steroids and safety ------------------------------------------------------------
    def _safety(self, selected: Cohort, state: ViewState, view: _View) -> dict:
        from sjia_explore import stats

        plots = self._plots
        out: dict[str, Any] = {"spec": None, "steroid_table": None, "ae_table": None}
        visits = selected.visits
        visits = visits[pd.to_numeric(visits["week"], errors="coerce") <= MAX_WEEK]
        column = "steroid_mg_kg_day"
        parts = []
        on_ids: list = []
        if _has_values(visits, column):
            week0 = visits[pd.to_numeric(visits["week"], errors="coerce") == 0]
            dose0 = pd.to_numeric(week0[column], errors="coerce")
            on_ids = sorted(set(week0.loc[(dose0 > 0).fillna(False).to_numpy(), "patient_id"]), key=str)
            n_known = int(dose0.notna().sum())
        else:
            n_known = 0
        unknown = selected.n_patients - n_known
        not_reported = self._not_reported(selected, "visits", column)
        missing_words = ""
        if unknown:
            missing_words = (f" No week-0 dose is recorded for {_patients(unknown)}"
                             + (f" (not reported by {_esc(', '.join(_study_label(s) for s in not_reported))})"
                                if not_reported else "") + ".")
        reconstructed = selected.is_reconstructed("visits", columns=[column])
        badge = ' <span class="sjia-badge">reconstructed</span>' if reconstructed and on_ids else ""
        if not on_ids:
            parts.append(f"<p><b>Corticosteroid.</b> No selected patient was on corticosteroid at week 0, so "
                         f"there is nothing to taper.{missing_words}</p>")
        else:
            mine = visits[visits["patient_id"].isin(on_ids)]
            per_visit = stats.steroid_free(mine)
            km = stats.time_to_steroid_free(mine)
            dose = stats.cumulative_steroid_dose(mine, up_to_week=max(self.weeks))
            out["spec"] = plots.steroid_free_spec(per_visit, km, reconstructed=reconstructed, weeks=self.weeks,
                                                  dark=view.dark)
            out["steroid_table"] = per_visit
            shown = per_visit[per_visit["week"] > 0]
            table = pd.DataFrame({
                "Week": shown["week"].map(lambda w: f"{w:g}"),
                "On steroid at week 0, dose recorded": shown["n"],
                "Steroid-free": shown["k"],
                "% steroid-free (95% CI, exact)": [
                    f"{_percent(k, n)} ({100 * lo:.0f}–{100 * hi:.0f}%)" if n else "–"
                    for k, n, lo, hi in zip(shown["k"], shown["n"], shown["ci_low"], shown["ci_high"])],
                "Note": shown["note"].fillna(""),
            })
            if not table["Note"].astype(bool).any():
                table = table.drop(columns="Note")
            last = shown.iloc[-1] if len(shown) else None
            headline = (f" By week {last['week']:g}, {int(last['k'])} of {int(last['n'])} were off it "
                        f"({_percent(int(last['k']), int(last['n']))})." if last is not None and last["n"] else "")
            totals = dose["cumulative_mg_kg"].dropna()
            dose_words = ""
            if len(totals):
                dose_words = (f"<p>Cumulative corticosteroid (prednisone equivalent) from week 0 to week "
                              f"{max(self.weeks)}: median {totals.median():.1f} mg/kg (range {totals.min():.1f}–"
                              f"{totals.max():.1f}) in {_patients(len(totals))}, adding up the daily dose between "
                              "visits as if it changed evenly from one visit to the next (trapezoid rule).</p>")
            km_words = ""
            stopped = km[km["n_events"] > 0]
            if len(stopped):
                steps = "; ".join(f"{100 * p:.0f}% by week {w:g}" for w, p in
                                  zip(stopped["week"], stopped["proportion_steroid_free"]))
                km_words = (f"<p>Time to stopping (Kaplan–Meier): {steps}. Stopping is only seen at visits, so "
                            "each time is the visit at which it was first seen.</p>")
            parts.append(f"<p><b>Corticosteroid.</b> {len(on_ids)} of {n_known} selected patients with a recorded "
                         f"dose were on corticosteroid at week 0{badge}.{headline}{missing_words}</p>"
                         + _table_html(table) + km_words + dose_words)
        out["steroid_html"] = "".join(parts)
        out["ae_html"], out["ae_table"] = self._adverse_events_html(selected)
        return out

    def _not_reported(self, selected: Cohort, table: str, column: str) -> list[str]:
        prov = selected.provenance
        if prov is None or prov.empty:
            return []
        rows = prov[(prov["table"] == table) & (prov["column"] == column) & (prov["status"] == "not reported")
                    & prov["study"].isin(selected.studies)]
        return sorted(rows["study"].astype(str).unique())

    def _adverse_events_html(self, selected: Cohort) -> tuple[str, pd.DataFrame]:
        """Adverse events per study: counts, patients with one or more, and the rate per 100 patient-years."""
        from sjia_explore import stats

        events_all = selected.adverse_events
        not_reported = set(self._not_reported(selected, "adverse_events", "patient_id"))
        shown, raw, notes = [], [], []
        for study in selected.studies:
            patients = selected.patients[selected.patients["study"] == study]
            label = _study_label(study)
            if study in not_reported:
                shown.append({"Study": label, "Patients": len(patients), "Adverse events": "not reported",
                              "Patients with ≥ 1": "", "Serious": "", "Patient-years": "",
                              "Rate per 100 patient-years (95% CI)": "", "Data": ""})
                raw.append({"study": study, "n_patients": len(patients), "status": "not reported"})
                continue
            events = events_all[events_all["patient_id"].isin(patients["patient_id"])]
            if study == published.QIU2024.key:
                years: Any = published.AE_FOLLOW_UP_YEARS
                how = f"{years:g} years (24 weeks) per patient, as the paper counted"
            elif "exposure_months" in patients.columns and pd.to_numeric(patients["exposure_months"],
                                                                         errors="coerce").notna().any():
                years, how = None, "each patient's time on the drug (exposure)"
            else:
                years, how = pd.Series(np.nan, index=patients["patient_id"]), "no time on the drug recorded"
            r = stats.adverse_event_summary(events, patients, follow_up_years=years).iloc[0]
            serious = int(events["serious"].fillna(False).astype(bool).sum()) if "serious" in events else 0
            prov = selected.provenance if selected.provenance is not None else pd.DataFrame()
            rec = bool("provenance" in events.columns and (events["provenance"] == "reconstructed").any())
            if not rec and not prov.empty:
                rec = bool(((prov["table"] == "adverse_events") & (prov["study"] == study)
                            & (prov["status"] == "reconstructed")).any())
            rate = (f"{r['rate_per_100_py']:.0f} ({r['ci_low']:.0f}–{r['ci_high']:.0f})"
                    if np.isfinite(r["rate_per_100_py"]) else "no rate: no follow-up time")
            shown.append({"Study": label, "Patients": int(r["n_patients"]), "Adverse events": int(r["n_events"]),
                          "Patients with ≥ 1": f"{int(r['n_patients_with_event'])} "
                                               f"({r['percent_patients_with_event']:.0f}%)",
                          "Serious": serious, "Patient-years": f"{r['patient_years']:.1f} ({how})",
                          "Rate per 100 patient-years (95% CI)": rate,
                          "Data": "reconstructed" if rec else "as recorded"})
            raw.append({"study": study, "n_patients": int(r["n_patients"]), "n_events": int(r["n_events"]),
                        "n_patients_with_event": int(r["n_patients_with_event"]),
                        "percent_patients_with_event": r["percent_patients_with_event"], "serious": serious,
                        "patient_years": r["patient_years"], "patient_years_counted_as": how,
                        "rate_per_100_py": r["rate_per_100_py"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                        "status": "reconstructed" if rec else "as recorded"})
            if study == published.QIU2024.key:
                notes.append(f"{_esc(label)}: the paper reports {published.N_AE} adverse events in "
                             f"{published.N_PATIENTS_WITH_AE} of {published.N_PATIENTS} patients over 24 weeks, "
                             f"{published.AE_RATE_PER_100_PY.printed}. It counted each patient as followed for "
                             f"{published.AE_FOLLOW_UP_YEARS:g} years, and so does this table, although patients "
                             "stayed on the drug longer.")
            elif years is None:
                notes.append(f"{_esc(label)}: patient-years are each patient's time on the drug; if adverse "
                             "events were recorded over a shorter window, the rate is too low.")
        html_parts = ["<p><b>Adverse events</b> in the selected patients, one row per study (rates are not pooled, "
                      "because the studies count follow-up differently). The interval is the exact Poisson 95% "
                      "interval.</p>"]
        if shown:
            html_parts.append(_table_html(pd.DataFrame(shown)))
        if any(r.get("status") == "reconstructed" for r in raw):
            html_parts.append('<p class="sjia-caution"><b>Reconstructed:</b> the publications give only totals; '
                              "which patient had which event was generated to match them, so counts in a subgroup "
                              "come from the reconstruction, not from the patients.</p>")
        html_parts += [f"<p>{n}</p>" for n in notes]
        terms = events_all.copy()
        if len(terms) and "term" in terms.columns:
            by_term = terms.groupby(terms["term"].fillna("not recorded").astype(str)).agg(
                events=("patient_id", "size"), patients=("patient_id", "nunique")).reset_index()
            by_term = by_term.sort_values(["events", "term"], ascending=[False, True])
            by_term.columns = ["Event", "Events", "Patients"]
            html_parts.append("<p>By kind of event:</p>" + _table_html(by_term))
        return "".join(html_parts), pd.DataFrame(raw)

    # -- text sections -------------------------------------------------------------------
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
            table = tables.table_one(features, groupby="duration_group",
                                     reconstructed=selected.reconstructed_columns("patients"))
        except Exception:  # the rest of the view still works; the reason goes to the server log
            log.exception("Table 1 could not be made")
            return "<p>Table 1 could not be made for this selection (the reason is in the server log).</p>"
        note = table.attrs.get("note", "")
        return (f"<p>{_patients(selected.n_patients).capitalize()}, split at {state.early_cutoff_months:g} months "
                "from onset to treatment. Counts are n (%); numbers are mean (SD) or median [Q1, Q3].</p>"
                + table.to_html(escape=True, na_rep="", border=0)
                + (f"<p>Note: {_esc(note)}.</p>" if note else ""))

    # -- putting a view on screen ----------------------------------------------------------
    def _ensure_chart(self, key: str, box: widgets.Box, css: str):
        """The chart widget of a section, made the first time the section is shown."""
        chart = self._charts.get(key)
        if chart is None:
            chart = self._chart_widget(css)
            self._charts[key] = chart
            box.children = [chart]
        return chart

    def _show_section_chart(self, key: str, box: widgets.Box, css: str, spec: dict | None) -> None:
        """Draw ``spec`` in a section's chart (made on first use), or hide the chart when there is none."""
        if spec is None:
            box.layout.display = "none"
            return
        self._ensure_chart(key, box, css).chart = spec
        box.layout.display = ""

    def _show(self, view: _View) -> None:
        """Put a computed view on screen (the only place widgets change)."""
        state = view.state
        if view.n_total:  # first: the chart is what the user watches, and its message then leaves first
            self.chart.chart = view.chart  # only its rows are sent when only they changed
        self._analyses = view.analyses
        self._sync_controls(state)
        for key in ("study", "had_any", "had_none", "prior_mas", "sex", "steroid"):
            self.n_labels[key].value = f"→ {_patients(view.funnel[key])} left"
        self.n_labels["had_any"].value = f"“had” → {_patients(view.funnel['had_any'])} left"
        self.n_labels["had_none"].value = f"“did not have” → {_patients(view.funnel['had_none'])} left"
        group_text = ", ".join(f"{n} {_esc(g)}" for g, n in view.group_counts.items()) or "none"
        self.n_labels["cutoff"].value = f"→ {group_text}"

        # theme: the app's own colours, and in Voila the page's
        self.view.remove_class("sjia-theme-dark" if not view.dark else "sjia-theme-light")
        self.view.add_class("sjia-theme-dark" if view.dark else "sjia-theme-light")
        self._page_theme.dark = view.dark

        sub = state.subgroup()
        if view.n_total:
            small = [g for g, n in view.group_counts.items() if 0 < n < SMALL_GROUP_N]
            caution = (f' <span class="sjia-caution">With fewer than {SMALL_GROUP_N} patients in a group '
                       f"({_esc(', '.join(small))}), its mean and interval are very uncertain.</span>"
                       if small else "")
            self.total.value = (f"<b>{_patients(view.n_total)}</b> shown ({group_text}). "
                                f"Selection: {_esc(describe_subgroup(sub))}.{caution}")
            self.empty.layout.display = "none"
            self.chart_box.layout.display = ""
            self.tabs.layout.display = ""
        else:
            self.total.value = f"<b>No patients</b> match this selection ({_esc(describe_subgroup(sub))})."
            self.empty.value = ("<b>No patient matches all of these filters.</b> Nothing to draw. Loosen one of them: "
                                "the line under each filter shows where the patients drop out.")
            self.empty.layout.display = ""
            self.chart_box.layout.display = "none"
            self.tabs.layout.display = "none"
        if view.window is not None:
            w = view.window
            self.window_intro.value = w["intro"]
            self.window_message.value = w["message"]
            self.window_message.layout.display = "" if w["message"] else "none"
            self._show_section_chart("window", self.window_chart_box, "sjia-window-chart", w["spec"])
            self.window_current.value = w["current"]
        if view.safety is not None:
            s = view.safety
            self.steroid_text.value = s["steroid_html"]
            self._show_section_chart("steroid", self.steroid_chart_box, "sjia-steroid-chart", s["spec"])
            self.safety_text.value = s["ae_html"]
        self.window_ledger.value = view.ledger
        self.stats_ledger.value = view.ledger

        # The banner stands above everything whenever any value drawn is reconstructed (or simulated).
        if view.reconstructed:
            self.reconstructed_label.value = (
                "<b>⚠ Reconstructed data.</b> The follow-up values shown were generated to match the published "
                "averages; they are not measurements of real patients.")
        elif view.simulated:
            self.reconstructed_label.value = (
                "<b>⚠ Simulated data.</b> Every value shown was generated by a program; none describes a real "
                "child.")
        self.banner.layout.display = "" if (view.reconstructed or view.simulated) else "none"
        self.explain_button.layout.display = "" if view.reconstructed else "none"
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
        self._view = view
        self.error.layout.display = "none"
        self.error.value = ""

    # -- statistics panel ------------------------------------------------------------------
    @staticmethod
    def _tests_key(state: ViewState) -> tuple:
        """What the test results depend on: the patients, the outcome and the method."""
        return (state.selection(), state.test_outcome, state.test_method)

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
        analyses = self._analyses_for(state)
        key = ("tests", state.test_outcome, state.test_method)
        text = analyses.results.get(key)
        self._tests_for = None
        if text is None:
            self.test_results.value = "<p>Running the tests…</p>"
            try:
                text = self._tests_html(state, ledger=analyses.ledger)
            except Exception:
                self.test_results.value = "<p>The tests could not be run for this selection.</p>"
                raise
            analyses.results[key] = text
        else:
            text = ('<p class="sjia-n">Already run for these patients: shown again, and not counted again.</p>'
                    + text)
        self._analyses = analyses
        self.test_results.value = text
        self._tests_for = self._tests_key(state)
        ledger = ledger_html(analyses.ledger)
        self.stats_ledger.value = ledger
        self.window_ledger.value = ledger

    def _tests_html(self, state: ViewState, ledger=None) -> str:
        """Change from week 0 by the chosen method(s), as an HTML table (computed by sjia_explore.stats)."""
        from sjia_explore import stats

        selected = self.cohort.filter(state.subgroup())
        if selected.n_patients == 0:
            return "<p>No patients are selected: there is nothing to test.</p>"
        outcome = _outcome(state.test_outcome)
        if not _has_values(selected.visits, outcome.column):
            return f"<p>The selected patients have no values of {_esc(outcome.title)}: there is nothing to test.</p>"
        methods = stats_methods(state.test_method)
        by_week = pd.concat([stats.vs_baseline(selected.visits, outcome.column, method=m, ledger=ledger)
                             for m in methods], ignore_index=True)
        overall = pd.concat([stats.omnibus(selected.visits, outcome.column, method=m, ledger=ledger)
                             for m in methods], ignore_index=True)
        digits = 2 if outcome.value_format == ".2f" else 1
        table = pd.DataFrame({
            "Method": by_week["method"].map(TEST_METHOD_LABELS),
            "Week": by_week["week"].map(lambda w: f"{w:g}"),
            "n": by_week["n"],
            "Mean": by_week["mean"].map(lambda v: _number(v, digits + 1)),
            "Change from week 0": by_week["diff_vs_baseline"].map(lambda v: _number(v, digits + 1, sign=True)),
            "p (adjusted)": [(_p_value(p) if np.isfinite(p) else "not given: see note")
                             for p in by_week["p_adjusted"]],
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
            f"<li>{_esc(TEST_METHOD_LABELS[r.method])}: {_esc(r.test)}, n = {int(r.n)}, "
            + (f"p = {_p_value(r.p)}" if np.isfinite(r.p) else "no p-value")
            + (f". {_esc(r.note)}" if isinstance(r.note, str) and r.note and r.note not in notes else "")
            + "</li>"
            for r in overall.itertuples())
        lines = [
            f"<p><b>{_esc(outcome.title)}</b> in {_patients(selected.n_patients)} "
            f"({_esc(describe_subgroup(selected.subgroup))}).</p>",
            f"<p>Overall test across all visits:</p><ul>{overall_items}</ul>",
            "<p>Each visit against week 0:</p>",
            table.to_html(index=False, escape=True, border=0, na_rep=""),
            "".join(f"<p>Note: {_esc(n)}.</p>" for n in notes),
            f'<p class="sjia-caution">{_esc(TESTS_CAUTION)}</p>',
        ]
        return "".join(lines)

    # -- downloads -------------------------------------------------------------------------
    def _provenance(self, selected: Cohort, state: ViewState, tables: tuple[str, ...]):
        from sjia_explore import export

        prov = export.Provenance.from_cohort(selected, tables=tables)
        return replace(prov, subgroup=describe_subgroup(state.subgroup())).with_notes(
            f"Early/late split at {state.early_cutoff_months:g} months from onset to treatment")

    def _make_download(self, key: str) -> tuple[str, str, bytes]:
        """The file behind a download button: (file name, MIME type, bytes). Nothing is written to disk."""
        from sjia_explore import export

        view = self._view
        if view is None:
            raise ValueError("nothing is shown yet")
        section, kind = key.rsplit("_", 1)
        state = view.state
        selected = self.cohort.filter(state.subgroup())
        date = dt.date.today().isoformat()
        name = f"sjia-{section}-{date}.{kind}"
        if section == "state":
            prov = self._provenance(selected, state, ("patients", "visits"))
            return f"sjia-view-{date}.json", _MIME["json"], export.state_json(state.to_dict(), prov)
        if view.n_total == 0:
            raise ValueError("no patient is selected, so there is nothing to download")
        if view.dark and kind in ("png", "svg"):  # pictures are always made light, for print and slides
            view = self._compute(replace(state, theme="light"))
        threshold = int(self.suppression.value or 0)
        suppression = None
        if section == "trajectories":
            frame = pd.concat([summary.assign(outcome=column) for column, summary in view.numbers or []],
                              ignore_index=True)
            frame = frame[["outcome"] + [c for c in frame.columns if c != "outcome"]]
            tables, chart, counts = ("patients", "visits"), view.chart, ("n", "n_missing")
        elif section == "window":
            if view.window is None or view.window["spec"] is None:
                raise ValueError("open the “Window of opportunity” section first")
            tables, chart, frame = ("patients", "visits"), view.window["spec"], view.window["table"]
            counts = ("n_early", "n_late")
        elif section in ("steroid", "ae"):
            if view.safety is None:
                raise ValueError("open the “Steroids and safety” section first")
            if section == "steroid":
                if view.safety["spec"] is None:
                    raise ValueError("no selected patient was on corticosteroid at week 0")
                tables, chart, frame = ("patients", "visits"), view.safety["spec"], view.safety["steroid_table"]
                counts = ("n", "n_missing", "k")
            else:
                tables, chart, frame = ("patients", "adverse_events"), None, view.safety["ae_table"]
                counts = ("n_patients", "n_events", "n_patients_with_event", "serious")
        else:
            raise ValueError(f"unknown download {key!r}")
        prov = self._provenance(selected, state, tables)
        if kind in ("png", "svg"):
            if chart is None:
                raise ValueError("this section has no chart to download")
            picture = self._plots.with_theme(chart, dark=False)
            data = export.chart_png(picture, prov) if kind == "png" else export.chart_svg(picture, prov)
            return name, _MIME[kind], data
        if threshold:
            suppression = export.Suppression(
                tuple(c for c in counts if c in frame.columns), threshold=threshold,
                percent_columns={"percent_patients_with_event": "n_patients_with_event"}
                if "percent_patients_with_event" in frame.columns else {})
        if kind == "csv":
            return name, _MIME["csv"], export.table_csv(frame, prov, suppression)
        if kind == "xlsx":
            return name, _MIME["xlsx"], export.table_xlsx(frame, prov, suppression)
        raise ValueError(f"unknown file type {kind!r}")

    def _cohort_expr(self) -> str:
        source = self.cohort.source or ""
        if self.cohort is not self._initial_cohort:
            return f"load_cohort({source!r})  # the file you uploaded: put it next to this notebook"
        if source.startswith("bundled") or not source:
            return "load_cohort()"
        if Path(source).is_dir():
            return f"load_cohort({source!r})"
        return "load_cohort()  # replace with your own cohort"

    def _ipython_display_(self):  # pragma: no cover - display hook for notebooks
        from IPython.display import display

        display(self.view)
