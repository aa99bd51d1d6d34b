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
