// Notices when the Python kernel behind the page is gone (killed, crashed, restarted, server stopped):
// the kernel answers a ping every few seconds; when it stops answering, the server is asked whether it
// is only busy. A lost session disables the app's controls and says so in plain words. Voila only.
const PING_MS = 2000, QUIET_MS = 5000, RESTARTED_MS = 9000;

function pageConfig() {
  const node = document.getElementById("jupyter-config-data");
  if (!node) return null;
  try { return JSON.parse(node.textContent); } catch (e) { return null; }
}

export default {
  render({ model, el }) {
    el.style.display = "none";
    const config = pageConfig();
    if (!document.body || !document.body.hasAttribute("data-voila") || !config || !config.kernelId) return;
    const base = (config.baseUrl || "/").replace(/\/?$/, "/");
    let lastPong = Date.now(), ended = false, asking = false, n = 0;
    const onMessage = (msg) => { if (msg && msg.event === "pong") lastPong = Date.now(); };
    model.on("msg:custom", onMessage);

    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      const app = el.closest(".sjia-app") || document.querySelector(".sjia-app") || document.body;
      app.classList.add("sjia-session-ended");
      for (const control of app.querySelectorAll("button, input, select, textarea")) {
        control.disabled = true;
        control.setAttribute("aria-disabled", "true");
      }
      const banner = document.createElement("div");
      banner.className = "sjia-session-ended-banner";
      banner.setAttribute("role", "alert");
      const title = document.createElement("b");
      title.textContent = model.get("title");
      banner.append(title, document.createTextNode(" " + model.get("message")));
      app.prepend(banner);
    };

    const ask = async () => {  // is the kernel only busy, or gone?
      asking = true;
      try {
        const reply = await fetch(base + "api/kernels/" + encodeURIComponent(config.kernelId),
                                  { cache: "no-store", credentials: "same-origin" });
        if (!reply.ok) return end();  // 404: the server no longer has this kernel
        const state = (await reply.json()).execution_state;
        const quiet = Date.now() - lastPong;
        if (state === "dead" || (state !== "busy" && quiet > RESTARTED_MS)) end();
      } catch (e) {
        end();  // the server itself is gone
      } finally {
        asking = false;
      }
    };

    const timer = setInterval(() => {
      if (ended) return;
      if (Date.now() - lastPong > QUIET_MS && !asking) ask();
      try {
        model.send({ event: "ping", n: n++ });
      } catch (e) {  // the connection refuses to send: ask the server at once
        if (!asking) ask();
      }
    }, PING_MS);
    return () => { clearInterval(timer); model.off("msg:custom", onMessage); };
  }
};
