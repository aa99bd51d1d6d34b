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
