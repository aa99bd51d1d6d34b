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
