// Draws a Vega-Lite specification with vega-embed, from this computer only.
//
// The widget's state is split in three (see sjia_explore/vega.py):
//   spec     - the specification without its rows and without the values of its top-level params;
//   datasets - the rows of each named dataset;
//   signals  - the value of each top-level param.
// When only datasets and signals change, the Vega view already on the page is updated in place
// (no new Vega-Lite compile, no new layout of the page); any other change embeds the chart again.
// vegaEmbed is provided by the bundler (vl_convert.javascript_bundle): this file has no imports.

function fullSpec(spec, datasets, signals) {
  const out = structuredClone(spec);
  out.datasets = structuredClone(datasets ?? {});
  if (Array.isArray(out.params)) {
    out.params = out.params.map((p) => (p.name in (signals ?? {}) ? { ...p, value: signals[p.name] } : p));
  }
  return out;
}

function showError(el, error) {
  el.innerHTML = "";
  const box = document.createElement("div");
  box.className = "sjia-chart-error";
  box.textContent = "This chart could not be drawn: " + (error && error.message ? error.message : error);
  el.appendChild(box);
  console.error(error);
}

async function render({ model, el }) {
  el.classList.add("sjia-vega");
  let api = null;        // the vega-embed result on the page
  let shown = null;      // the spec (as JSON) that api was embedded from
  let queued = false;
  let done = Promise.resolve();

  const draw = async () => {
    queued = false;
    const spec = model.get("spec");
    const datasets = model.get("datasets") ?? {};
    const signals = model.get("signals") ?? {};
    if (spec == null || Object.keys(spec).length === 0) {
      if (api) api.finalize();
      api = null; shown = null;
      el.innerHTML = "";
      return;
    }
    const key = JSON.stringify(spec);
    if (api !== null && key === shown) {
      try {
        const view = api.view;
        for (const [name, value] of Object.entries(signals)) view.signal(name, value);
        for (const [name, rows] of Object.entries(datasets)) view.data(name, structuredClone(rows));
        // run(), not runAsync(): the new marks are drawn in this task, before the page handles the
        // messages that follow (texts, tables), which would otherwise be laid out first.
        view.run();
        return;
      } catch (error) {
        console.warn("updating the chart in place failed; drawing it again", error);
      }
    }
    const options = structuredClone(model.get("embed_options") ?? {});
    if (api) api.finalize();
    api = null; shown = null;
    try {
      api = await vegaEmbed(el, fullSpec(spec, datasets, signals), options);
      shown = key;
      // A click on a mark whose row has the field named in click_field sends that value to the kernel.
      api.view.addEventListener("click", (_event, item) => {
        const field = model.get("click_field");
        const value = field && item && item.datum ? item.datum[field] : undefined;
        if (value !== undefined && value !== null) model.send({ click: String(value) });
      });
    } catch (error) {
      showError(el, error);
    }
  };

  // Both traits of one update arrive together: draw once, after the last, never two draws at a time.
  const schedule = () => {
    if (queued) return;
    queued = true;
    done = done.then(draw);
  };
  model.on("change:spec", schedule);
  model.on("change:datasets", schedule);
  model.on("change:signals", schedule);
  model.on("change:embed_options", () => { shown = null; schedule(); });
  schedule();
  await done;
  return () => { if (api) api.finalize(); api = null; };
}

export default { render };
