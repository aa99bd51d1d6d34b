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
