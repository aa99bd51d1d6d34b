"""The chart widget: what it sends, what it keeps, where its JavaScript comes from."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sjia_explore import plots, vega
from sjia_explore.trajectories import summarise

WEEKS = [0, 4, 8, 12, 24]


def trajectories(cohort, cutoff: int) -> dict:
    features = cohort.patient_features(cutoff)
    labels = sorted(features["duration_group"].dropna().unique())
    panels = [plots.trajectory_spec(summarise(cohort.visits, column, by="duration_group", patients=features,
                                              weeks=WEEKS), title=column, y_title=column, weeks=WEEKS,
                                    name=column, colour_domain=labels)
              for column in ("active_joints", "sjadas27")]
    return plots.panels_spec(panels, reconstructed=True)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The widget's JavaScript, built once into a folder of its own."""
    folder = tmp_path_factory.mktemp("cache")
    return folder, vega.javascript(folder)


def test_the_chart_read_back_is_the_chart_set(cohort, bundle, monkeypatch):
    monkeypatch.setattr(vega, "cache_dir", lambda: bundle[0])
    spec = trajectories(cohort, 12)
    chart = vega.VegaChart(spec)
    assert chart.chart == spec
    assert json.dumps(chart.chart, sort_keys=True) == json.dumps(spec, sort_keys=True)


def test_a_new_cut_off_sends_rows_and_labels_but_not_the_structure(cohort, bundle, monkeypatch):
    monkeypatch.setattr(vega, "cache_dir", lambda: bundle[0])
    chart = vega.VegaChart(trajectories(cohort, 12))
    sent: list[str] = []
    chart.observe(lambda change: sent.append(change["name"]), names=["spec", "datasets", "signals"])
    chart.chart = trajectories(cohort, 6)
    assert sorted(sent) == ["datasets", "signals"]
    assert chart.signals[plots.GROUP_LABELS_PARAM] == ["early (< 6 mo)", "late (≥ 6 mo)"]
    sent.clear()
    chart.chart = plots.with_theme(trajectories(cohort, 6), dark=True)  # another look: drawn anew
    assert sent == ["spec"]
    sent.clear()
    chart.chart = plots.with_theme(trajectories(cohort, 6), dark=True)  # the same chart again: nothing is sent
    assert sent == []


def test_a_note_that_comes_or_goes_is_sent_as_a_value_not_as_a_new_structure(cohort, bundle, monkeypatch):
    monkeypatch.setattr(vega, "cache_dir", lambda: bundle[0])
    spec = trajectories(cohort, 12)
    chart = vega.VegaChart(spec)
    sent: list[str] = []
    chart.observe(lambda change: sent.append(change["name"]), names=["spec", "datasets", "signals"])
    noted = json.loads(json.dumps(spec))
    noted["title"]["subtitle"] = [*spec["title"]["subtitle"], "One note more."]
    chart.chart = noted
    assert sent == ["signals"]
    assert chart.signals[vega.SUBTITLE_SIGNAL][-1] == "One note more."
    assert "subtitle" not in chart.spec["title"]
    assert chart.chart == noted  # read back whole, the note in its place
    assert list(chart.chart["title"]) == list(noted["title"])


def test_split_spec_leaves_selections_and_bound_parameters_in_the_structure():
    spec = {"params": [{"name": "pick", "select": "point", "value": [{"x": 1}]},
                       {"name": "size", "value": 3, "bind": {"input": "range"}},
                       {"name": "labels", "value": ["a"]}],
            "mark": "point"}
    skeleton, datasets, signals = vega.split_spec(spec)
    assert signals == {"labels": ["a"]}
    assert skeleton["params"][:2] == spec["params"][:2]
    assert datasets == {}
    assert spec["params"][2] == {"name": "labels", "value": ["a"]}  # the input is not changed


def test_an_altair_chart_is_drawn_from_its_dict(bundle, monkeypatch):
    import altair as alt
    import pandas as pd

    monkeypatch.setattr(vega, "cache_dir", lambda: bundle[0])
    chart = alt.Chart(pd.DataFrame({"x": [1, 2]})).mark_point().encode(x="x:Q")
    widget = vega.VegaChart(chart)
    assert [row["x"] for rows in widget.datasets.values() for row in rows] == [1, 2]
    with pytest.raises(TypeError, match="Vega-Lite specification"):
        vega.VegaChart(42)


def test_the_javascript_is_built_once_and_imports_nothing_from_the_network(bundle, monkeypatch):
    folder, text = bundle
    assert len(text) > 100_000
    assert "esm.sh" not in text and "cdn.jsdelivr" not in text
    assert not any(line.lstrip().startswith("import ") and "http" in line for line in text.splitlines())
    assert vega.bundle_path(folder).read_text(encoding="utf-8") == text

    import vl_convert

    def must_not_build(*args, **kwargs):
        raise AssertionError("the cached bundle should have been used")

    monkeypatch.setattr(vl_convert, "javascript_bundle", must_not_build)
    assert vega.javascript(folder) == text


def test_a_changed_widget_source_gets_a_new_bundle_name(monkeypatch, tmp_path):
    before = vega.bundle_path(tmp_path)
    monkeypatch.setattr(vega, "_widget_source", lambda: "export default {render() {}};")
    assert vega.bundle_path(tmp_path) != before


def test_every_chart_shares_one_copy_of_the_library(bundle, monkeypatch):
    monkeypatch.setattr(vega, "cache_dir", lambda: bundle[0])
    monkeypatch.setattr(vega, "_shared", {})
    first, second = vega.VegaChart(), vega.VegaChart()
    assert first._library is second._library
    # Nothing heavy is sent until a page asks: the app's page has the library already.
    assert first._library.source == ""
    assert first._library.widget == vega._widget_source() and len(first._library.widget) < 20_000
    sent: list[str] = []
    first._library.observe(lambda change: sent.append(change["name"]), names=["source"])
    first._library._handle_custom_msg({"want": "source"}, [])  # what the page sends (LOADER's fromKernel)
    assert first._library.source == bundle[1] and sent == ["source"]
    first._library._handle_custom_msg({"want": "source"}, [])  # asked again: not sent again
    assert sent == ["source"]
    assert len(vega.LOADER) < 3_000  # the widget's own module stays small: the library is not in it
    first._library.close()
    assert vega.VegaChart()._library is not first._library  # a closed library is made again


def test_the_page_template_serves_the_library_named_by_its_hash():
    import hashlib
    import re

    template = (vega.PAGE_STATIC.parent / "index.html.j2").read_text(encoding="utf-8")
    named = re.findall(r"include_url\('(static/vega-[0-9a-f]{12}\.js)'\)", template)
    assert len(named) == 1, "the template names one chart library"
    path = vega.PAGE_STATIC.parent / named[0]
    assert path == vega.page_library_path()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest()[:12] in path.name
    assert len(data) > 500_000  # vega, vega-lite and vega-embed, not a stub
    text = data.decode("utf-8")
    assert "cdn.jsdelivr" not in text and "esm.sh" not in text
    assert not re.search(r"""(^|[;}])\s*import\s*[^;(]*?\bfrom\s*["']""", text), "it imports nothing"
    assert re.search(r"export\s*\{[^}]*\bas default\}\s*;?\s*$", text), "its default export is vegaEmbed"
    # The widget's loader looks for the element the template writes.
    assert '<meta name="sjia-chart-library"' in template and 'meta[name="sjia-chart-library"]' in vega.LOADER


def test_build_page_library_replaces_the_older_copy(tmp_path, monkeypatch):
    import vl_convert

    (tmp_path / "vega-000000000000.js").write_text("old")
    (tmp_path / "vega-embed-notes.txt").write_text("kept")
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda snippet: "export default 1;" + snippet)
    path = vega.build_page_library(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "vega-embed-notes.txt"])
    assert vega.page_library_path(tmp_path) == path


def test_a_filter_that_leaves_a_group_out_keeps_colours_and_structure(bundle, monkeypatch):
    """Men in the bundled studies were all treated late: choosing them leaves the early group out. The late
    group keeps its colour (it used to take the first colour, the early group's), the legend lists it alone,
    and the chart is updated in place (only rows and values are sent)."""
    from sjia_explore import CohortExplorer, load_cohort
    from sjia_explore.app import ViewState

    monkeypatch.setattr(vega, "cache_dir", lambda: bundle[0])
    session = CohortExplorer(load_cohort()).session
    both = session.compute(ViewState()).trajectories.spec
    men = session.compute(ViewState(sex="M")).trajectories.spec
    late = "late (≥ 12 mo)"

    def colour_of(spec, group):
        labels = next(p["value"] for p in spec["params"] if p["name"] == plots.GROUP_LABELS_PARAM)
        scale = spec["hconcat"][0]["layer"][0]["encoding"]["color"]["scale"]
        return scale["range"][scale["domain"].index(labels.index(group))]

    def shown(spec):
        labels = next(p["value"] for p in spec["params"] if p["name"] == plots.GROUP_LABELS_PARAM)
        return [labels[i] for i in next(p["value"] for p in spec["params"] if p["name"] == plots.GROUP_SHOWN_PARAM)]

    groups_of_men = {g for g in pd.DataFrame(men["datasets"]["joints_summary"])["group"]}
    assert groups_of_men == {late}, "the bundled men are no longer all late: choose another filter"
    assert colour_of(men, late) == colour_of(both, late)
    assert shown(both) == ["early (< 12 mo)", late] and shown(men) == [late]
    chart = vega.VegaChart(both)
    sent: list[str] = []
    chart.observe(lambda change: sent.append(change["name"]), names=["spec", "datasets", "signals"])
    chart.chart = men
    assert sorted(sent) == ["datasets", "signals"]
