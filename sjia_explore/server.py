"""Serve the dashboard (``app.ipynb``) with Voila, on this computer only and with no outside requests.

:func:`voila_command` and :func:`voila_env` are the one description of how the
app is served: ``sjia-explore app`` uses them, and so do the browser tests.

What the command sets, and why:

- ``--Voila.ip=127.0.0.1`` unless told otherwise: reachable from this computer only.
- ``--template=sjia-offline``: Voila's lab page without the Font Awesome links
  to a CDN (the template ships inside the package; :func:`voila_env` puts it on
  ``JUPYTER_PATH``). Template and theme cannot be switched from the URL.
- ``show_tracebacks=False`` and ``strip_sources=True``: no code or traceback in the page.
- ``file_allowlist=[]``: Voila serves no file from beside the notebook.
- Idle kernels (a closed tab) are shut down after 10 minutes.
- Cell output is awaited for up to 60 s, not Voila's 4 s, so viewers arriving together all get the app.
- Host-header check on (``allow_remote_access=False``) when bound to a loopback address.
- Websocket messages up to 32 MiB (Tornado's default is 10 MiB). The app accepts
  uploads up to 8 MiB and checks the size in the kernel; the larger message limit
  lets an oversized file arrive and be refused with a plain message, where the
  default would silently drop the connection.
- ``--theme=light`` (or ``dark``): the page's theme. The app follows it, and has
  its own light/dark switch (also ``?theme=dark`` in the address, read by the app,
  not by Voila: Voila's own theme override stays off).

``file_allowlist=[]`` and ``tornado_settings={...}`` use the spelling traitlets
calls deprecated (it prints a DeprecationWarning at start-up): the newer
``key=value`` spelling would pass ``False`` as the text "False", which is true.
Flags are used rather than a config file because flags override any
``voila.json`` lying in the working folder.

Examples
--------
>>> cmd = voila_command(port=8870)
>>> cmd[1:3]
['-m', 'voila']
>>> "--port=8870" in cmd and "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd
True
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

TEMPLATE_NAME = "sjia-offline"
#: Seconds between checks for idle kernels, and idle time before one is shut down.
CULL_INTERVAL_S = 60
CULL_IDLE_TIMEOUT_S = 600
#: Seconds Voila waits for a cell's output. Its default (4 s) drops the dashboard of viewers whose kernels
#: start while others are starting too (measured: 10 simultaneous viewers on 2 cores, benchmarks/load_test.py).
IOPUB_TIMEOUT_S = 60
#: Largest websocket message Voila accepts, in bytes (see the module notes).
WEBSOCKET_MAX_MESSAGE_BYTES = 32 * 1024 * 1024
THEMES = ("light", "dark")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def app_notebook() -> Path:
    """The dashboard notebook: inside the installed wheel, or at the repository root in a source checkout."""
    packaged = resources.files("sjia_explore") / "_bundled" / "app.ipynb"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "app.ipynb"


def template_root() -> Path:
    """Folder to put on ``JUPYTER_PATH`` so that Voila finds the ``sjia-offline`` template."""
    return Path(str(resources.files("sjia_explore") / "_voila"))


def voila_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the Voila process: ``environ`` (default ``os.environ``) with the template on ``JUPYTER_PATH``."""
    env = dict(os.environ if environ is None else environ)
    paths = [str(template_root())] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def voila_command(port: int = 8866, ip: str = "127.0.0.1", open_browser: bool = False,
                  notebook: str | Path | None = None, theme: str = "light") -> list[str]:
    """The command line that serves the app with Voila (run it with :func:`voila_env`).

    Parameters
    ----------
    port
        TCP port to listen on.
    ip
        Address to listen on; the default, 127.0.0.1, is this computer only.
    open_browser
        Open the page in the default browser once the server is up.
    notebook
        Notebook to serve (default :func:`app_notebook`); tests pass their own.
    theme
        ``"light"`` or ``"dark"``: the page's theme (the app follows it).
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {theme!r}")
    nb = Path(notebook) if notebook is not None else app_notebook()
    cmd = [
        sys.executable, "-m", "voila", str(nb),
        f"--port={int(port)}",
        f"--Voila.ip={ip}",
        f"--template={TEMPLATE_NAME}",
        f"--theme={theme}",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.file_allowlist=[]",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT_S}",
    ]
    tornado_settings = {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES}
    if ip in _LOOPBACK:
        tornado_settings["allow_remote_access"] = False
    cmd.append(f"--Voila.tornado_settings={tornado_settings!r}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def serve(port: int = 8866, open_browser: bool = True, ip: str = "127.0.0.1", theme: str = "light") -> int:
    """Serve the dashboard until interrupted; returns Voila's exit code.

    Parameters
    ----------
    port
        TCP port (default 8866).
    open_browser
        Open the page in the default browser.
    ip
        Address to listen on (default 127.0.0.1: this computer only).
    theme
        ``"light"`` (default) or ``"dark"``.
    """
    nb = app_notebook()
    if not nb.is_file():
        print(f"sjia-explore app: the dashboard notebook was not found at {nb}; reinstall sjia-explore",
              file=sys.stderr)
        return 1
    host = f"[{ip}]" if ":" in ip else ip
    print(f"Serving the sJIA cohort explorer at http://{host}:{port}/  (press Ctrl+C to stop)", flush=True)
    if ip not in _LOOPBACK:
        print(f"Note: listening on {ip}, so other computers on the network can open the app.", flush=True)
    proc = subprocess.Popen(voila_command(port=port, ip=ip, open_browser=open_browser, theme=theme),
                            env=voila_env())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
