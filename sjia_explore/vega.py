"""Vega-Lite charts in the browser with no network: the chart widget of the app and the notebooks.

:class:`VegaChart` draws a Vega-Lite specification (a dict, or an Altair
chart) with vega-embed. Its JavaScript - vega, vega-lite and vega-embed,
about 0.9 MB - comes from this computer, never from the network, by one of two
ways:

- In the app's page (the ``sjia-offline`` Voila template) it is a static file of
  the template (:func:`page_library_path`, built by
  ``scripts/build_chart_library.py``), named by its hash and served with a long
  cache lifetime: the browser fetches it once and keeps it, and no message
  carries it. The page names it in ``<meta name="sjia-chart-library">``; the
  first chart imports it from there (a page with no chart does not fetch it).
- Anywhere else (JupyterLab, another template) the page asks the kernel for it:
  built once by vl-convert and kept in :func:`cache_dir`, it is sent once per
  kernel, however many charts there are, and only when a chart asks for it. A
  kernel that shows a chart neither loads vl-convert nor Altair.

Each chart widget itself loads a module of a few lines (:data:`LOADER`), so a
busy computer never times out loading it.

Redrawing is cheap by design. The widget keeps a specification in three parts:
its structure (``spec``), the rows of its named datasets (``datasets``) and the
values of its top-level parameters (``signals``). When a new specification
differs from the one drawn only in rows and parameter values - the usual case
when a filter changes - the page updates the Vega view in place; only a new
structure (another mark, another panel, another theme) embeds the chart anew.
The subtitle of the top-level title (notes that come and go with the data, such
as "a band was cut") is carried as a value too (:data:`SUBTITLE_SIGNAL`): in the
page it becomes a Vega signal, so a new note is not a new structure either.
Specifications made by :mod:`sjia_explore.plots` keep everything that changes
with the data in datasets, parameters and the subtitle for this reason.

Examples
--------
>>> skeleton, datasets, signals = split_spec({
...     "params": [{"name": "labels", "value": ["a"]}],
...     "data": {"name": "rows"}, "mark": "point",
...     "datasets": {"rows": [{"x": 1}]}})
>>> skeleton
{'params': [{'name': 'labels'}], 'data': {'name': 'rows'}, 'mark': 'point'}
>>> datasets, signals
({'rows': [{'x': 1}]}, {'labels': ['a']})
>>> split_spec({"title": {"text": "T", "subtitle": ["a note"]}, "mark": "point"})
({'title': {'text': 'T'}, 'mark': 'point'}, {}, {'sjia_subtitle': ['a note']})
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets
import traitlets

log = logging.getLogger(__name__)

#: Options passed to vega-embed: SVG (sharp when zoomed, readable by tests), no export menu (the app has its own).
EMBED_OPTIONS = {"actions": False, "renderer": "svg"}


def cache_dir() -> Path:
    """Folder for files worth keeping between sessions: ``$XDG_CACHE_HOME/sjia-explore`` (default ``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sjia-explore"


#: Where the app's page template keeps its static files (the chart library among them).
PAGE_STATIC = Path(__file__).resolve().parent / "_voila" / "voila" / "templates" / "sjia-offline" / "static"
#: What the page's copy of the library is built from: vega-embed as the module's default export.
PAGE_LIBRARY_SNIPPET = "export default vegaEmbed;\n"
_PAGE_LIBRARY_NAME = re.compile(r"^vega-([0-9a-f]{12})\.js$")


def page_library_path(folder: Path | None = None) -> Path | None:
    """The chart library served by the app's page template (``static/vega-<sha256[:12]>.js``), or ``None``.

    Examples
    --------
    >>> path = page_library_path()
    >>> path is None or hashlib.sha256(path.read_bytes()).hexdigest()[:12] in path.name
    True
    """
    folder = PAGE_STATIC if folder is None else Path(folder)
    found = sorted(p for p in folder.glob("vega-*.js") if _PAGE_LIBRARY_NAME.match(p.name))
    return found[-1] if found else None


def build_page_library(folder: Path | None = None) -> Path:
    """Build vega, vega-lite and vega-embed into one ES module (default export: ``vegaEmbed``) for the page.

    Written to ``folder`` (default :data:`PAGE_STATIC`) as ``vega-<sha256[:12]>.js``;
    any older copy there is removed. The template names the file
    (``scripts/build_chart_library.py`` updates it).
    """
    import vl_convert

    folder = PAGE_STATIC if folder is None else Path(folder)
    data = vl_convert.javascript_bundle(PAGE_LIBRARY_SNIPPET).encode("utf-8")
    path = folder / f"vega-{hashlib.sha256(data).hexdigest()[:12]}.js"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("vega-*.js"):
        if _PAGE_LIBRARY_NAME.match(old.name) and old != path:
            old.unlink()
    path.write_bytes(data)
    return path


def _widget_source() -> str:
    return importlib.resources.files("sjia_explore").joinpath("_js", "vega_chart.js").read_text(encoding="utf-8")


def _bundle_name(source: str) -> str:
    try:
        vlc_version = importlib.metadata.version("vl-convert-python")
    except importlib.metadata.PackageNotFoundError:
        vlc_version = "unknown"
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
    return re.sub(r"[^A-Za-z0-9._-]", "_", f"vega-chart-{digest}-vlconvert{vlc_version}.js")


def bundle_path(folder: Path | None = None) -> Path:
    """Where the widget's JavaScript is (or will be) cached.

    The file name carries the widget source's hash and vl-convert's version.
    """
    folder = cache_dir() if folder is None else Path(folder)
    return folder / _bundle_name(_widget_source())


def javascript(folder: Path | None = None) -> str:
    """The widget's JavaScript with vega, vega-lite and vega-embed inside (no imports from the network).

    Read from ``folder`` (default :func:`cache_dir`) when it was built before;
    otherwise built with vl-convert (a few seconds, once) and cached there. If
    the folder cannot be written, the bundle is built in memory each time.
    """
    source = _widget_source()
    path = (cache_dir() if folder is None else Path(folder)) / _bundle_name(source)
    try:
        text = path.read_text(encoding="utf-8")
        if len(text) > 100_000:
            return text
    except OSError:
        pass
    import vl_convert

    text = vl_convert.javascript_bundle(source)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as fh:
            fh.write(text)
        os.replace(fh.name, path)  # atomic: another kernel never reads half a file
    except OSError as err:
        log.warning("could not cache the chart JavaScript in %s (%s); it will be built again next time",
                    path.parent, err)
    return text


#: The module every chart widget loads first: a few lines, so that the widget is ready at once even on a
#: busy computer (anywidget gives a widget 2 s to load its module). It finds the chart library - vega,
#: vega-lite and vega-embed - in the page when the app's template put it there (a static file the browser
#: caches), and otherwise asks the kernel, once, for its copy (``_js/vega_chart.js`` with the library, about
#: 0.9 MB), which then reaches the page in the shared :class:`_Library` widget. Either is compiled when the
#: first chart is drawn.
LOADER = """
const loaded = (globalThis.__sjiaVegaLibraries ??= new Map());

async function importText(text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
  try {
    return (await import(url)).default;
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function fromKernel(holder) {
  if (!holder.get("source")) {
    await new Promise((resolve) => {
      holder.once("change:source", resolve);
      holder.send({ want: "source" });
    });
  }
  return importText(holder.get("source"));
}

function library(model) {
  const id = String(model.get("_library")).replace(/^IPY_MODEL_/, "");
  if (!loaded.has(id)) {
    loaded.set(id, (async () => {
      const holder = await model.widget_manager.get_model(id);
      const named = document.querySelector('meta[name="sjia-chart-library"]');
      if (named && named.content) {
        try {
          const url = new URL(named.content, document.baseURI).href;
          return await importText(`import vegaEmbed from ${JSON.stringify(url)};\n` + holder.get("widget"));
        } catch (error) {
          console.warn("the page's chart library could not be loaded; asking the kernel for it", error);
        }
      }
      return fromKernel(holder);
    })());
  }
  return loaded.get(id);
}

export default {
  async render({ model, el }) {
    const chart = await library(model);
    return chart.render({ model, el });
  },
};
"""


class _Library(anywidget.AnyWidget):
    """The chart's JavaScript, shared by every :class:`VegaChart` of a kernel.

    ``widget`` is ``_js/vega_chart.js`` alone (a few KB), for a page that has the
    library already; ``source`` is that file with the library inside (about
    0.9 MB), empty until a page asks for it.
    """

    _esm = "export default {};"
    widget = traitlets.Unicode().tag(sync=True)
    source = traitlets.Unicode().tag(sync=True)

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("widget", _widget_source())
        super().__init__(**kwargs)
        self.on_msg(self._on_request)

    def _on_request(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, Mapping) and content.get("want") == "source" and not self.source:
            self.source = javascript()


_shared: dict[str, _Library] = {}  # this kernel's library widget, made with the first chart


def shared_library() -> _Library:
    """The kernel's one :class:`_Library` widget (made again if it was closed)."""
    library = _shared.get("library")
    if library is None or library.comm is None:  # none yet, or closed
        library = _shared["library"] = _Library()
    return library


#: The name under which the top-level title's subtitle travels among the signals (and is a Vega signal in the page).
SUBTITLE_SIGNAL = "sjia_subtitle"


def split_spec(spec: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Split a Vega-Lite specification into (structure, dataset rows, top-level parameter values).

    The top-level title's subtitle goes with the parameter values, as
    :data:`SUBTITLE_SIGNAL`. The inverse is :func:`join_spec` (and is done in the
    browser too). See the module's example.
    """
    skeleton = {k: v for k, v in spec.items() if k != "datasets"}
    title = spec.get("title")
    subtitle = title.get("subtitle") if isinstance(title, Mapping) else None
    if subtitle is not None:
        skeleton["title"] = {k: v for k, v in title.items() if k != "subtitle"}
    datasets = dict(spec.get("datasets") or {})
    signals: dict[str, Any] = {}
    params = spec.get("params")
    if params:
        bare = []
        for param in params:
            if "value" in param and "select" not in param and "bind" not in param:
                signals[param["name"]] = param["value"]
                param = {k: v for k, v in param.items() if k != "value"}
            bare.append(param)
        skeleton["params"] = bare
    if subtitle is not None:
        signals[SUBTITLE_SIGNAL] = list(subtitle) if isinstance(subtitle, (list, tuple)) else subtitle
    return skeleton, datasets, signals


def join_spec(skeleton: Mapping[str, Any], datasets: Mapping[str, Any],
              signals: Mapping[str, Any]) -> dict[str, Any]:
    """The specification :func:`split_spec` was given, from its three parts.

    Examples
    --------
    >>> spec = {"title": {"text": "T", "subtitle": ["a note"]}, "params": [{"name": "p", "value": 1}],
    ...         "mark": "point", "datasets": {"rows": []}}
    >>> join_spec(*split_spec(spec)) == spec
    True
    """
    spec = dict(skeleton)
    if not spec:
        return spec
    values = {k: v for k, v in signals.items() if k != SUBTITLE_SIGNAL}
    if values and spec.get("params"):
        spec["params"] = [{**p, "value": values[p["name"]]} if p["name"] in values else p for p in spec["params"]]
    if SUBTITLE_SIGNAL in signals and isinstance(spec.get("title"), Mapping):
        title = dict(spec["title"])
        items = list(title.items())
        # the subtitle where it was: after the title's text
        at = next((i + 1 for i, (k, _) in enumerate(items) if k == "text"), len(items))
        items.insert(at, ("subtitle", signals[SUBTITLE_SIGNAL]))
        spec["title"] = dict(items)
    if datasets:
        spec["datasets"] = dict(datasets)
    return spec


def _as_dict(chart: Any) -> dict[str, Any]:
    if chart is None:
        return {}
    if isinstance(chart, Mapping):
        return dict(chart)
    if hasattr(chart, "to_dict"):  # an Altair chart
        return chart.to_dict()
    raise TypeError(f"expected a Vega-Lite specification (dict) or an Altair chart, not {type(chart).__name__}")


class VegaChart(anywidget.AnyWidget):
    """A chart drawn in the browser from a Vega-Lite specification, with no network.

    Parameters
    ----------
    chart : dict or altair chart, optional
        What to draw; set :attr:`chart` later to redraw (``None``: nothing).

    Examples
    --------
    >>> w = VegaChart({"mark": "point", "data": {"name": "rows"},
    ...                "datasets": {"rows": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}})
    >>> w.datasets
    {'rows': [{'x': 1}]}
    >>> w.chart = {"mark": "point", "data": {"name": "rows"},
    ...            "datasets": {"rows": [{"x": 2}]}, "encoding": {"x": {"field": "x"}}}
    >>> w.datasets  # only the rows are sent: the page updates the chart in place
    {'rows': [{'x': 2}]}
    """

    _esm = LOADER
    _library = traitlets.Instance(_Library).tag(sync=True, **ipywidgets.widget_serialization)
    spec = traitlets.Dict(allow_none=True).tag(sync=True)
    datasets = traitlets.Dict().tag(sync=True)
    signals = traitlets.Dict().tag(sync=True)
    embed_options = traitlets.Dict(EMBED_OPTIONS).tag(sync=True)
    #: A field of the charts' rows: a click on a mark with it calls the :meth:`on_click` callbacks with its value.
    click_field = traitlets.Unicode("").tag(sync=True)

    def __init__(self, chart: Any = None, **kwargs: Any):
        super().__init__(_library=shared_library(), **kwargs)
        self.chart = chart

    def on_click(self, callback, field: str) -> None:
        """Call ``callback(value)`` when a mark whose row has ``field`` is clicked (``value``: that field's value,
        as text).

        Examples
        --------
        >>> w, got = VegaChart(), []
        >>> w.on_click(got.append, "patient_id")
        >>> w._handle_custom_msg({"click": "Q03"}, [])
        >>> got, w.click_field
        (['Q03'], 'patient_id')
        """
        self.click_field = field

        def clicked(_widget: Any, content: Any, _buffers: Any) -> None:
            if isinstance(content, Mapping) and isinstance(content.get("click"), str):
                callback(content["click"])

        self.on_msg(clicked)

    @property
    def chart(self) -> dict[str, Any]:
        """The specification drawn (structure, rows and parameter values together)."""
        return join_spec(self.spec or {}, self.datasets, self.signals)

    @chart.setter
    def chart(self, chart: Any) -> None:
        skeleton, datasets, signals = split_spec(_as_dict(chart))
        with self.hold_sync():  # one message; an unchanged part is not sent at all
            self.spec = skeleton
            self.datasets = datasets
            self.signals = signals
