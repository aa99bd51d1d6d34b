// Draws a Vega-Lite specification with vega-embed, from this computer only.
//
// The widget's state is split in three (see sjia_explore/vega.py):
//   spec     - the specification without its rows and without the values of its top-level params;
//   datasets - the rows of each named dataset;
//   signals  - the value of each top-level param, and the top-level title's subtitle (SUBTITLE).
// When only datasets and signals change, the Vega view already on the page is updated in place
// (no new Vega-Lite compile, no new layout of the page); any other change embeds the chart again.
// The subtitle is a Vega signal of the drawn chart (patched in after Vega-Lite's compile, which has
// none for it), so a note that comes or goes with the data is updated in place too.
// vegaEmbed is provided by the bundler (vl_convert.javascript_bundle): this file has no imports.

const SUBTITLE = "sjia_subtitle";  // sjia_explore.vega.SUBTITLE_SIGNAL

function fullSpec(spec, datasets, signals) {
  const out = structuredClone(spec);
  out.datasets = structuredClone(datasets ?? {});
  signals = signals ?? {};
  if (Array.isArray(out.params)) {
    out.params = out.params.map((p) => (p.name in signals ? { ...p, value: signals[p.name] } : p));
  }
  if (SUBTITLE in signals && out.title && typeof out.title === "object" && !Array.isArray(out.title)) {
    out.title = { ...out.title, subtitle: signals[SUBTITLE] };
  }
  return out;
}

// The compiled chart's subtitle as a signal (its value: the lines Vega-Lite compiled), when it has one.
// The chart's size is then worked out again on every update (Vega's `autosize.resize`): a note fewer
// gives back its line instead of leaving a gap above the title.
function subtitleAsSignal(vgSpec) {
  const title = vgSpec.title;
  if (!title || typeof title !== "object" || Array.isArray(title) || !("subtitle" in title)) return vgSpec;
  const auto = vgSpec.autosize;
  const autosize = auto && typeof auto === "object" ? { ...auto, resize: true }
    : { type: typeof auto === "string" ? auto : "pad", resize: true };
  return { ...vgSpec, autosize, title: { ...title, subtitle: { signal: SUBTITLE } },
           signals: [...(vgSpec.signals ?? []), { name: SUBTITLE, value: title.subtitle }] };
}

function showError(el, error) {
  el.innerHTML = "";
  const box = document.createElement("div");
  box.className = "sjia-chart-error";
  box.textContent = "This chart could not be drawn: " + (error && error.message ? error.message : error);
  el.appendChild(box);
  console.error(error);
}

// -- fitting the width it is given -------------------------------------------------------------
// Specifications come with a fixed width per panel. On a narrower page the chart is refitted: the
// title's lines are wrapped at words, panels side by side go into as many columns as fit at MIN_PANEL px
// or more (one above the other at the narrowest), and a single panel is narrowed to the width available.
const MIN_PANEL = 170;
const VIEW_KEYS = ["layer", "mark", "hconcat", "vconcat", "concat", "facet", "repeat"];

function isView(spec) {
  return spec && typeof spec === "object" && VIEW_KEYS.some((k) => k in spec);
}

// Scale the `width` of every view (not of marks) by `ratio`, no narrower than `least`.
function scaleWidths(spec, ratio, least) {
  if (Array.isArray(spec)) return spec.map((s) => scaleWidths(s, ratio, least));
  if (!spec || typeof spec !== "object") return spec;
  const out = { ...spec };
  if (isView(spec) && typeof spec.width === "number") out.width = Math.max(least, Math.floor(spec.width * ratio));
  for (const key of ["layer", "hconcat", "vconcat", "concat", "spec"]) {
    if (key in out) out[key] = scaleWidths(out[key], ratio, least);
  }
  return out;
}

// Break text into lines no wider than `width` px (at word boundaries; a single long word stays whole).
function wrapLines(lines, width, fontSize) {
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = `${fontSize}px sans-serif`;
  const out = [];
  for (const line of Array.isArray(lines) ? lines : [lines]) {
    let current = "";
    for (const word of String(line).split(" ")) {
      const next = current ? current + " " + word : word;
      if (current && ctx.measureText(next).width > width) { out.push(current); current = word; } else current = next;
    }
    out.push(current);
  }
  return out;
}

// The width a view's title is wrapped to, in `width` px available: a panel's title, its panel's width.
function titleWidth(spec, width) {
  return typeof spec.width === "number" ? Math.min(width, spec.width + 40) : width;
}

// Wrap the titles of a view and of the views it is made of to `width` px.
function wrapTitle(spec, width) {
  if (Array.isArray(spec)) return spec.map((s) => wrapTitle(s, width));
  if (!spec || typeof spec !== "object" || width <= 0) return spec;
  const out = { ...spec };
  for (const key of ["vconcat", "hconcat", "concat", "layer"]) {
    if (Array.isArray(out[key])) out[key] = wrapTitle(out[key], width);
  }
  width = titleWidth(spec, width);
  let title = spec.title;
  if (typeof title === "string" || Array.isArray(title)) title = { text: title };
  if (!title || typeof title !== "object" || !isView(spec)) return out;
  const wrapped = { ...title };
  if (title.subtitle) wrapped.subtitle = wrapLines(title.subtitle, width, title.subtitleFontSize ?? 12);
  if (title.text) {
    const text = wrapLines(title.text, width, title.fontSize ?? 13);
    wrapped.text = text.length === 1 ? text[0] : text;
  }
  out.title = wrapped;
  return out;
}

const LEGEND_CHANNELS = ["color", "fill", "stroke", "shape", "strokeDash", "size", "opacity"];

function wrapWords(text, chars) {
  const lines = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current && (current + " " + word).length > chars) { lines.push(current); current = word; }
    else current = current ? current + " " + word : word;
  }
  lines.push(current);
  return lines;
}

// Several legends under a chart one above the other, not side by side (a Vega setting: patched in).
function legendsStacked(vgSpec) {
  const config = vgSpec.config ?? {};
  const legend = config.legend ?? {};
  return { ...vgSpec, config: { ...config, legend: { ...legend,
    layout: { ...(legend.layout ?? {}), bottom: { anchor: "start", direction: "vertical", margin: 6 } } } } };
}

// Every legend under its chart (a legend on the right takes width a narrow page does not have), its labels
// broken into lines of at most `chars` characters (at spaces, by a Vega expression: the labels come from the data).
function legendsBelow(spec, chars) {
  if (Array.isArray(spec)) return spec.map((s) => legendsBelow(s, chars));
  if (!spec || typeof spec !== "object") return spec;
  const out = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === "legend" && value && typeof value === "object" && !Array.isArray(value)) {
      const label = value.labelExpr ? `(${value.labelExpr})` : "datum.label";
      out[key] = { ...value, orient: "bottom", direction: "vertical", labelLimit: 0,
                   labelExpr: `split(replace(replace(${label}, regexp('(.{1,${chars}})(\\\\s+|$)', 'g'), '$1\\n'), regexp('\\n$'), ''), '\\n')` };
    } else if (key === "datasets" || key === "data" || key === "params") {
      out[key] = value;
    } else if (key === "encoding" && value && typeof value === "object") {
      const encoding = {};
      for (const [channel, def] of Object.entries(value)) {
        let d = def;
        // a legend drawn by default gets the same treatment as a legend specified
        if (LEGEND_CHANNELS.includes(channel) && d && d.field && !("legend" in d)) d = { ...d, legend: {} };
        // a long x-axis title in lines too
        if (channel === "x" && d && typeof d.title === "string" && d.title.length > chars) {
          d = { ...d, title: wrapWords(d.title, chars) };
        }
        encoding[channel] = legendsBelow(d, chars);
      }
      out[key] = encoding;
    } else {
      out[key] = legendsBelow(value, chars);
    }
  }
  return out;
}

// The specification to draw in `available` px, given the drawn width of `spec` as specified (`natural`).
function fitted(spec, natural, available) {
  if (!(available > 0) || natural <= available) return spec;
  const width = (s) => (typeof s.width === "number" ? s.width : 0);
  if (Array.isArray(spec.vconcat)) {
    // each part on its own: panels side by side as above, a single view with its axes (about 90 px)
    return { ...spec, vconcat: spec.vconcat.map((part) => (part.hconcat || part.concat)
      ? fitted(part, natural, available) : fitted(part, Math.min(natural, width(part) + 90), available)) };
  }
  const panels = Array.isArray(spec.hconcat) ? spec.hconcat : (Array.isArray(spec.concat) ? spec.concat : null);
  const perRow = !panels ? 1 : (spec.hconcat ? panels.length : Math.min(spec.columns ?? panels.length, panels.length));
  if (panels && perRow > 1) {
    // as many panels in a row as fit at MIN_PANEL px or more; then narrower panels if still needed
    const spacing = typeof spec.spacing === "number" ? spec.spacing : 20;
    const widest = Math.max(...panels.map(width));
    if (widest <= 0) return spec;
    const each = Math.max(0, (natural - perRow * widest - spacing * (perRow - 1)) / perRow);  // axes, titles
    const { hconcat, concat, columns, ...rest } = spec;
    for (let k = perRow; k >= 1; k--) {
      const room = (available - (k - 1) * spacing) / k - each;
      if (room >= MIN_PANEL || k === 1) {
        const out = k === perRow ? spec : { ...rest, concat: panels, columns: k };
        const ratio = room / widest;
        return ratio < 1 ? scaleWidths(out, ratio * 0.98, 120) : out;
      }
    }
  }
  const widths = panels ? panels.map(width) : [width(spec), ...(spec.vconcat ?? []).map(width)];
  const widest = Math.max(0, ...widths);
  if (widest <= 0) return spec;
  const ratio = (available - (natural - widest)) / widest;
  return ratio < 1 ? scaleWidths(spec, ratio * 0.98, 120) : spec;
}

// About how wide panels side by side will be drawn, before drawing them: each panel's width, its y axis
// (about AXIS_ALLOWANCE px) and the spacing between them; 0 when the specification is of another shape.
const AXIS_ALLOWANCE = 60;
function estimatedWidth(spec) {
  const panels = Array.isArray(spec.hconcat) ? spec.hconcat : (Array.isArray(spec.concat) && !spec.columns ? spec.concat : null);
  if (!panels || !panels.length || !panels.every((p) => typeof p.width === "number")) return 0;
  const spacing = typeof spec.spacing === "number" ? spec.spacing : 20;
  return panels.reduce((sum, p) => sum + p.width + AXIS_ALLOWANCE, 0) + spacing * (panels.length - 1) + 10;
}

// Legends under the chart, their labels broken to the width available (the first step of fitting).
function legendsUnder(spec, available) {
  return legendsBelow({ ...spec, config: { ...(spec.config ?? {}), legend: {
    ...(spec.config?.legend ?? {}), orient: "bottom", direction: "vertical" } } },
    Math.max(16, Math.floor((available - 60) / 7)));
}

// The width of the chart as drawn (read from the element's attributes: known even in a hidden tab).
function drawnWidth(el) {
  const drawn = el.querySelector("svg.marks, canvas.marks, svg, canvas");
  if (!drawn) return 0;
  return parseFloat(drawn.getAttribute("width") || drawn.style.width || 0) || drawn.getBoundingClientRect().width;
}

// The width the chart may take: its tab's (or its box's) content width.
function availableWidth(el) {
  const host = el.closest(".widget-tab-contents, .jupyter-widget-tab-contents") || el.parentElement;
  if (!host) return 0;
  const style = getComputedStyle(host);
  return host.clientWidth - parseFloat(style.paddingLeft || 0) - parseFloat(style.paddingRight || 0) - 4;
}

async function render({ model, el }) {
  el.classList.add("sjia-vega");
  let api = null;        // the vega-embed result on the page
  let shown = null;      // the spec (as JSON) that api was embedded from
  let queued = false;
  let done = Promise.resolve();
  let fittedTo = 0;      // the width available when the chart was last embedded
  let subtitleTo = null; // {width, fontSize} the subtitle signal's lines are wrapped to (null: no such signal)

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
        if (subtitleTo !== null && !(SUBTITLE in signals)) throw new Error("the new chart has no subtitle");
        for (const [name, value] of Object.entries(signals)) {
          if (name !== SUBTITLE) view.signal(name, value);
          else if (subtitleTo === null) throw new Error("this chart has no subtitle to update");
          else if (subtitleTo.width > 0) view.signal(name, wrapLines(value, subtitleTo.width, subtitleTo.fontSize));
          else view.signal(name, value);
        }
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
    api = null; shown = null; subtitleTo = null;
    try {
      const available = availableWidth(el);
      // titles are wrapped from their own words each time (never wrapped lines wrapped again)
      let base = spec;
      const live = SUBTITLE in signals ? { patch: subtitleAsSignal } : {};
      const stacked = { patch: live.patch ? (vg) => subtitleAsSignal(legendsStacked(vg)) : legendsStacked };
      // Panels side by side that will clearly not fit are fitted before the first drawing (a window of
      // 1280 px, say), rather than drawn once too wide and again to fit.
      const guess = estimatedWidth(spec);
      const prefitted = available > 0 && guess > available;
      if (prefitted) base = fitted(legendsUnder(base, available), guess, available);
      api = await vegaEmbed(el, wrapTitle(fullSpec(base, datasets, signals), available - 10),
                            { ...options, ...(prefitted ? stacked : live) });
      // the fitted width is estimated from the drawn one: check it, and narrow again if needed
      for (let tries = 0; tries < 3 && available > 0; tries++) {
        const natural = drawnWidth(el);
        if (natural <= available) break;
        const below = tries || prefitted ? base : legendsUnder(base, available);
        const next = fitted(below, natural + (tries || prefitted ? 6 : 0), available);
        if (next === base) break;
        base = next;
        api.finalize();
        api = await vegaEmbed(el, wrapTitle(fullSpec(base, datasets, signals), available - 10), { ...options, ...stacked });
      }
      shown = key;
      if (live.patch && api.vgSpec?.title?.subtitle?.signal === SUBTITLE) {
        subtitleTo = { width: available > 0 ? titleWidth(base, available - 10) : 0,
                       fontSize: base.title?.subtitleFontSize ?? 12 };
      }
      if (available > 0) fittedTo = available;
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
  // A new width (a turned phone, a resized window, the tab shown) draws the chart again, to fit.
  let resizeTimer = null;
  const resized = () => {
    const available = availableWidth(el);
    if (available <= 0 || Math.abs(available - fittedTo) < 8) return;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { shown = null; schedule(); }, 150);
  };
  // Watched: the chart itself (shown when its tab opens) and the box it is in (the window's width).
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(resized) : null;
  if (observer) {
    observer.observe(el);
    const watchHost = () => {
      const host = el.closest(".widget-tab-contents, .jupyter-widget-tab-contents") || el.parentElement;
      if (host) observer.observe(host); else setTimeout(watchHost, 300);
    };
    watchHost();
  }
  schedule();
  await done;
  return () => { if (observer) observer.disconnect(); if (api) api.finalize(); api = null; };
}

export default { render };
