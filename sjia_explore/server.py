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
- One kernel is kept ready (``--preheat_kernel=True --pool_size=1``): it has run
  the notebook, first chart included, before the viewer arrives, and the page's
  address is applied once the request comes (``app.ipynb`` waits for it with
  :func:`sjia_explore.ui.page_query`). A new kernel is made ready after each page.
  Voila never culls a kernel waiting in the pool, and Voila's progressive
  rendering (incompatible with preheating) stays off.
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
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
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
#: Kernels kept ready per notebook, having run it before any viewer arrives (Voila's preheating).
#: Measured (benchmarks/README.md): first chart 1.90x a trivial notebook's without, 1.05-1.29x with.
PREHEAT_POOL_SIZE = 1
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
        "--preheat_kernel=True",
        f"--pool_size={PREHEAT_POOL_SIZE}",
    ]
    tornado_settings = {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES}
    if ip in _LOOPBACK:
        tornado_settings["allow_remote_access"] = False
    cmd.append(f"--Voila.tornado_settings={tornado_settings!r}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def prepare_chart_javascript() -> None:
    """Build the charts' JavaScript now (once per installation, a few seconds), so no viewer's kernel has to."""
    from sjia_explore.vega import javascript

    try:
        javascript()
    except Exception as err:  # noqa: BLE001 - the kernels will try again, and say why if they fail
        print(f"sjia-explore: the chart JavaScript could not be prepared ahead ({err}); "
              "the first page will build it", file=sys.stderr)


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
    prepare_chart_javascript()
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


def with_flags(cmd: list[str], extra_args: Sequence[str]) -> list[str]:
    """``cmd`` with ``extra_args`` added; a ``--Name=value`` flag replaces one of the same name
    (traitlets refuses a flag given twice).

    Examples
    --------
    >>> with_flags(["voila", "--port=1", "--no-browser"], ["--port=2"])
    ['voila', '--no-browser', '--port=2']
    """
    names = {a.split("=", 1)[0] for a in extra_args if a.startswith("--") and "=" in a}
    kept = [a for a in cmd if not (a.startswith("--") and "=" in a and a.split("=", 1)[0] in names)]
    return kept + list(extra_args)


def free_port(ip: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``ip`` right now."""
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


@dataclass
class RunningVoila:
    """A Voila server started by :func:`start_in_background`."""

    proc: subprocess.Popen
    url: str
    port: int
    log_path: Path
    started_s: float  # seconds from launch until the port accepted connections

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        """What the server has written so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout_s: float = 15) -> None:
        """Stop the server (its kernels stop with it); kill it if it does not stop in time."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_in_background(log_path: str | Path, notebook: str | Path | None = None,
                        extra_args: Sequence[str] = (), timeout_s: float = 90) -> RunningVoila:
    """Serve ``notebook`` (default: the app) exactly as ``sjia-explore app`` does, on a free port of 127.0.0.1.

    Used by the browser tests and the benchmarks. Returns once the port accepts
    connections (no page is requested: a request would start a kernel).

    Parameters
    ----------
    log_path
        File receiving the server's output.
    notebook
        Notebook to serve; its folder is the working directory (default: the app).
    extra_args
        Further Voila flags; each replaces a flag of the same name (:func:`with_flags`).
    timeout_s
        Give up (and stop the process) after this many seconds.

    Raises
    ------
    RuntimeError
        When the server exits or does not listen in time; the message holds its log.
    """
    prepare_chart_javascript()
    port = free_port()
    cmd = with_flags(voila_command(port=port, notebook=notebook), extra_args)
    cwd = Path(notebook).parent if notebook is not None else app_notebook().parent
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_path, "w") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, env=voila_env(), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    server = RunningVoila(proc=proc, url=f"http://127.0.0.1:{port}/", port=port, log_path=log_path, started_s=0.0)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"Voila did not start; its log:\n{server.log()}") from None
            time.sleep(0.05)
    server.started_s = time.perf_counter() - started
    return server
