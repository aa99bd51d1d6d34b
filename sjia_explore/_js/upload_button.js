// A file upload that checks the size before sending: a file over the limit is refused here, with a
// message, and never sent; the control keeps working for the next file. Text only (textContent).
const MIB = 1024 * 1024, KIB = 1024;

function size(n) {  // as sjia_explore.format.size prints it
  const unit = n >= MIB ? [MIB, "MiB"] : n >= KIB ? [KIB, "KiB"] : null;
  if (!unit) return n + (n === 1 ? " byte" : " bytes");
  const v = n / unit[0];
  return (Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)) + " " + unit[1];
}

export default {
  render({ model, el }) {
    const css = model.get("css") || "sjia-upload";
    el.classList.add(css + "-control");
    const input = document.createElement("input");
    input.type = "file";
    input.hidden = true;
    input.tabIndex = -1;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jupyter-widgets jupyter-button widget-button " + css + "-button";
    const status = document.createElement("div");
    status.className = css + "-status";
    status.setAttribute("role", "status");
    const sync = () => {
      button.textContent = model.get("label");
      button.title = model.get("hint");
      button.disabled = model.get("disabled");
      input.accept = model.get("accept");
    };
    let sending = false;  // only the "Sending…" line is cleared when the kernel has the file
    button.addEventListener("click", () => { input.value = ""; input.click(); });
    input.addEventListener("change", () => {
      const file = input.files && input.files[0];
      if (!file) return;
      const limit = model.get("max_bytes");
      if (limit && file.size > limit) {
        status.textContent = "“" + file.name + "” was not sent: it is " + size(file.size) +
          ", over this app's limit of " + size(limit) + ". Choose a smaller file.";
        model.send({ event: "too_large", name: file.name, size: file.size });
        input.value = "";
        return;
      }
      status.textContent = "Sending “" + file.name + "” (" + size(file.size) + ")…";
      sending = true;
      file.arrayBuffer().then(
        (buffer) => model.send({ event: "file", name: file.name }, undefined, [buffer]),
        () => {
          sending = false;
          status.textContent = "“" + file.name + "” could not be read by the browser. Choose it again.";
        }
      );
      input.value = "";
    });
    model.on("msg:custom", (msg) => {
      if (msg && msg.event === "received" && sending) {  // a refusal said here stays until the next file
        sending = false;
        status.textContent = "";
      }
    });
    model.on("change", sync);
    sync();
    el.append(button, input, status);
  }
};
