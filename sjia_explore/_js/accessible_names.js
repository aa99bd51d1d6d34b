// Keyboard and screen-reader access that ipywidgets leaves out: the Accordion's section headers become
// buttons reachable by Tab (Enter or Space opens them, aria-expanded says whether they are open), and
// controls get accessible names from `labels` ({CSS class of the widget: name}). Text only. Also the
// button that folds the sidebar away on a narrow screen.
export default {
  render({ model, el }) {
    el.style.display = "none";
    const root = () => el.closest(".sjia-app") || document.querySelector(".sjia-app");
    const apply = () => {
      const app = root();
      if (!app) return;
      for (const header of app.querySelectorAll(".jupyter-widget-Collapse-header")) {
        const open = header.parentElement && header.parentElement.classList.contains("jupyter-widget-Collapse-open");
        if (header.getAttribute("tabindex") !== "0") header.setAttribute("tabindex", "0");
        if (header.getAttribute("role") !== "button") header.setAttribute("role", "button");
        if (header.getAttribute("aria-expanded") !== String(open)) header.setAttribute("aria-expanded", String(open));
        if (!header.dataset.sjiaKeys) {
          header.dataset.sjiaKeys = "1";
          header.addEventListener("keydown", (event) => {
            if (event.key === "Enter" || event.key === " ") { event.preventDefault(); header.click(); }
          });
        }
      }
      // On a narrow screen the data and filters fold away behind one button above the charts (CSS in
      // sjia_explore/app/theme.py shows the button and hides the closed sidebar only there).
      const sidebar = app.querySelector(".sjia-sidebar");
      if (sidebar && sidebar.parentElement && !app.querySelector(".sjia-filters-toggle")) {
        if (!sidebar.id) sidebar.id = "sjia-sidebar";
        const button = document.createElement("button");
        button.type = "button";
        button.className = "sjia-filters-toggle jupyter-button widget-button";
        button.setAttribute("aria-controls", sidebar.id);
        button.setAttribute("aria-expanded", "false");
        button.textContent = "Choose patients: data and filters";
        button.addEventListener("click", () => {
          const open = !sidebar.classList.contains("sjia-sidebar-open");
          sidebar.classList.toggle("sjia-sidebar-open", open);
          button.setAttribute("aria-expanded", String(open));
        });
        sidebar.parentElement.insertBefore(button, sidebar);
      }
      const labels = model.get("labels") || {};
      for (const [css, name] of Object.entries(labels)) {
        for (const widget of app.querySelectorAll("." + CSS.escape(css))) {
          const targets = widget.querySelectorAll("input, select, textarea, [role=slider]");
          for (const target of targets.length ? targets : [widget]) {
            if (target.getAttribute("aria-label") !== name) target.setAttribute("aria-label", name);
          }
        }
      }
    };
    let pending = false;
    const observer = new MutationObserver(() => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; apply(); });
    });
    const start = () => {
      const app = root();
      if (!app) return setTimeout(start, 200);
      observer.observe(app, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
      apply();
    };
    start();
    model.on("change:labels", apply);
    return () => { observer.disconnect(); model.off("change:labels", apply); };
  }
};
