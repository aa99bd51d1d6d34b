// The address of the view shown, to copy: in Voila the page's own address with the view's query;
// elsewhere (JupyterLab) only the query, to add to the app's address. Text only (value, textContent).
export default {
  render({ model, el }) {
    el.classList.add("sjia-share-address-control");
    const input = document.createElement("input");
    input.type = "text";
    input.readOnly = true;
    input.className = "sjia-share-address-text";
    input.setAttribute("aria-label", "The address of this view");
    input.addEventListener("focus", () => input.select());
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jupyter-widgets jupyter-button widget-button sjia-copy-address";
    button.textContent = "Copy address";
    const status = document.createElement("span");
    status.className = "sjia-share-address-status";
    status.setAttribute("role", "status");
    const address = () => {
      const query = model.get("query");
      if (!document.body || !document.body.hasAttribute("data-voila")) return query ? "?" + query : "";
      const url = new URL(window.location.href);
      url.search = query ? "?" + query : "";
      url.hash = "";
      return url.href;
    };
    const sync = () => { input.value = address(); status.textContent = ""; };
    button.addEventListener("click", async () => {
      const text = address();
      let ok = false;
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch (err) {
        input.focus();
        input.select();
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      }
      status.textContent = ok ? " Copied." : " Could not copy: select the address and press Ctrl+C.";
    });
    model.on("change:query", sync);
    sync();
    el.append(input, button, status);
  }
};
