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
- ``viewers`` kernels are kept ready (``--preheat_kernel=True --pool_size=N``,
  default 1; ``sjia-explore app --viewers N``): each has run the notebook, first
  chart included, before a viewer arrives, and the page's address is applied once
  the request comes (``app.ipynb`` waits for it with
  :func:`sjia_explore.ui.page_query`). Voila starts a new kernel in the background
  a second after each page takes one, so the pool refills by itself. Voila never
  culls a kernel waiting in the pool, and Voila's progressive rendering
  (incompatible with preheating) stays off. ``viewers=0`` keeps none ready: each
  viewer's kernel starts when the page is asked for.
- A closed or reloaded tab shuts its kernel down (the page's shutdown request
  carries the token the server checks; see the template). Kernels left idle
  anyway (a browser that crashed, a lost connection) are shut down after 10 minutes.
- Cell output is awaited for up to 60 s, not Voila's 4 s, so viewers arriving together all get the app.
- Kernels talk to Voila over Unix sockets in Voila's private temporary folder
  (``--KernelManager.transport=ipc``; POSIX systems whose temporary folder's path
  is short enough for a socket path, see :func:`ipc_fits`), not over TCP ports of
  127.0.0.1. With TCP, the port chosen for a kernel can be taken by another
  process before the kernel binds it; when many viewers arrive together the
  kernel then dies ("Address already in use") and that viewer's page never
  arrives (seen with 10 simultaneous requests on 2 cores). A Unix socket in a
  folder only this user can open cannot collide, and no other local user can reach it.
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
``voila.json`` lying in the working folder. The ``voila.json`` beside ``app.ipynb``
holds the same template and protections for ``voila app.ipynb`` run by hand from
the repository root (the package installs the template where Voila looks for
templates, ``<prefix>/share/jupyter/voila/templates``).

Stopping: :func:`serve` runs Voila as a child process in a session of its own and
handles SIGTERM, SIGINT (Ctrl+C) and SIGHUP itself: it passes SIGTERM on to Voila,
which shuts every kernel down, and after :data:`STOP_TIMEOUT_S` it kills Voila and
any kernel still running (a second Ctrl+C does that at once). On Linux Voila is
also told to stop if ``sjia-explore`` itself is killed. So ``systemctl stop``,
``docker stop`` and Ctrl+C leave no process and free the port.

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
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sjia_explore import processes

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
#: Resident memory of one app kernel once it has drawn the first chart, in MB, as measured on the bundled
#: cohort (benchmarks/results.json, ``kernel_rss_mb_bundled``: 112 MB); used to say what ``--viewers`` reserves
#: before the kernels exist. The server measures its own kernels once they are ready and says so too.
KERNEL_RSS_MB = 112
#: Seconds Voila gets to shut its kernels down after SIGTERM before it and they are killed
#: (below ``docker stop``'s 10 s, after which Docker kills the container).
STOP_TIMEOUT_S = 8.0
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
    """The environment for the Voila process and its kernels: ``environ`` (default ``os.environ``), the template
    on ``JUPYTER_PATH``, and no widget echoes (``JUPYTER_WIDGETS_ECHO=0`` unless set).

    An echo is the kernel sending a control's new value back to the page that just sent it, before the
    kernel does anything else, for other pages showing the same widgets. Voila gives each page its own
    kernel: the echo only makes the page redraw the control it already shows while the kernel computes
    the new chart, on the same processors (about 2 ms of a 25 ms redraw here, ``benchmarks/README.md``).

    Examples
    --------
    >>> env = voila_env({"PATH": "/usr/bin"})
    >>> env["JUPYTER_WIDGETS_ECHO"], voila_env({"JUPYTER_WIDGETS_ECHO": "1"})["JUPYTER_WIDGETS_ECHO"]
    ('0', '1')
    """
    env = dict(os.environ if environ is None else environ)
    paths = [str(template_root())] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("JUPYTER_WIDGETS_ECHO", "0")
    return env


#: Voila settings that keep a page closed and tidy however it is served (``sjia-explore app``, JupyterHub's
#: deploy/jupyterhub/jupyterhub_config.py): no other template or theme, no tracebacks or source in the page,
#: no file served beside the notebook, a slow cell given up on, idle kernels shut down.
HARDENING = (
    "--VoilaConfiguration.allow_template_override=NO",
    "--VoilaConfiguration.allow_theme_override=NO",
    "--VoilaConfiguration.show_tracebacks=False",
    "--VoilaConfiguration.strip_sources=True",
    "--VoilaConfiguration.file_allowlist=[]",
    f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
    f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
    f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT_S}",
)


def voila_command(port: int = 8866, ip: str = "127.0.0.1", open_browser: bool = False,
                  notebook: str | Path | None = None, theme: str = "light",
                  viewers: int = PREHEAT_POOL_SIZE) -> list[str]:
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
    viewers
        Kernels kept ready, each having run the notebook (default 1); 0 keeps none ready.
    """
    if theme not in THEMES:
        raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {theme!r}")
    if int(viewers) < 0:
        raise ValueError(f"viewers must be 0 or more, not {viewers!r}")
    pool = ["--preheat_kernel=True", f"--pool_size={int(viewers)}"] if int(viewers) > 0 else \
        ["--preheat_kernel=False"]
    nb = Path(notebook) if notebook is not None else app_notebook()
    cmd = [
        sys.executable, "-m", "voila", str(nb),
        f"--port={int(port)}",
        f"--Voila.ip={ip}",
        f"--template={TEMPLATE_NAME}",
        f"--theme={theme}",
        *HARDENING,
        *pool,
    ]
    if ipc_fits():
        cmd.append("--KernelManager.transport=ipc")
    tornado_settings = {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES}
    if ip in _LOOPBACK:
        tornado_settings["allow_remote_access"] = False
    cmd.append(f"--Voila.tornado_settings={tornado_settings!r}")
    if not open_browser:
        cmd.append("--no-browser")
    return cmd


def ipc_fits(tmp: str | None = None) -> bool:
    """True where kernels can use Unix sockets in Voila's temporary folder: a POSIX system whose socket paths
    (``<tmp>/voila_XXXXXXXX/kernel-<uuid>-ipc-N``) fit the system's limit (107 bytes on Linux, 103 on macOS,
    where the temporary folder can be long). Elsewhere kernels keep TCP.

    Examples
    --------
    >>> ipc_fits("/tmp") == (os.name == "posix")
    True
    >>> ipc_fits("/" + "x" * 60)
    False
    """
    if os.name != "posix":
        return False
    tmp = tempfile.gettempdir() if tmp is None else tmp
    longest = len(os.fsencode(tmp)) + len("/voila_XXXXXXXX/kernel-") + 36 + len("-ipc-10")
    return longest < 103


def prepare_chart_javascript() -> None:
    """Build the charts' JavaScript now (once per installation, a few seconds), so no viewer's kernel has to."""
    from sjia_explore.vega import javascript

    try:
        javascript()
    except Exception as err:  # noqa: BLE001 - the kernels will try again, and say why if they fail
        print(f"sjia-explore: the chart JavaScript could not be prepared ahead ({err}); "
              "the first page will build it", file=sys.stderr)


def compile_package(folder: str | Path | None = None) -> bool:
    """Write the package's bytecode now (once; a no-op when it is up to date), so no viewer's kernel compiles it.

    An installed wheel has it already; an editable install under
    ``PYTHONDONTWRITEBYTECODE=1`` never writes it, and each kernel would then
    compile every module of the app again (about 0.1 s of CPU per viewer).
    Returns False when it could not be written (a read-only folder): kernels
    then compile as before. ``folder``: another package folder (for tests).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()); _ = (folder / "part.py").write_text("x = 1")
    >>> compile_package(folder), [p.name.split(".")[0] for p in (folder / "__pycache__").iterdir()]
    (True, ['part'])
    """
    import compileall

    try:
        return bool(compileall.compile_dir(str(folder or Path(__file__).resolve().parent), quiet=2))
    except Exception:  # noqa: BLE001 - an optimisation only
        return False


def memory_text(mb: float) -> str:
    """``mb`` megabytes as people read them.

    Examples
    --------
    >>> memory_text(165), memory_text(1650)
    ('165 MB', '1.6 GB')
    """
    return f"{mb / 1024:.1f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def pool_text(viewers: int) -> str:
    """The start-up line on the kernels kept ready, and the memory they take.

    Examples
    --------
    >>> "Keeping 10 kernels ready" in pool_text(10) and "about 1.1 GB of memory" in pool_text(10)
    True
    >>> pool_text(0)
    'No kernel is kept ready: each viewer waits for a kernel to start and run the app.'
    """
    if viewers <= 0:
        return "No kernel is kept ready: each viewer waits for a kernel to start and run the app."
    kernels = "1 kernel" if viewers == 1 else f"{viewers} kernels"
    return (f"Keeping {kernels} ready for viewers, each having run the app: about "
            f"{memory_text(viewers * KERNEL_RSS_MB)} of memory ({KERNEL_RSS_MB} MB per kernel as measured on "
            "the bundled cohort), refilled in the background as viewers arrive.")


class PoolWatch:
    """Says once, with the memory measured, when the ``viewers`` kernels kept ready have all run the app.

    Call :meth:`tick` every half second or so; ready means ``viewers`` kernels
    exist, each holds at least ``min_rss_mb`` of memory (a kernel that has only
    started holds about 50 MB; one that has run the app, 110 MB or more: the
    memory tells them apart on a busy machine, where the CPU a kernel has used
    varies several-fold), and none has used more than a trace of CPU over the
    last ``quiet_s`` seconds (:class:`sjia_explore.processes.CpuQuiet`). Silent
    where processes cannot be read (no ``/proc``) or when no kernel is kept ready.
    """

    def __init__(self, server_pid: int, viewers: int, quiet_s: float = 3.0, min_rss_mb: float = 90.0,
                 give_up_s: float = 900.0):
        self.server_pid, self.viewers, self.min_rss_mb = server_pid, viewers, min_rss_mb
        self.done = viewers <= 0 or not processes.HAVE_PROC
        self._give_up = time.monotonic() + give_up_s
        self._quiet = processes.CpuQuiet(window_s=quiet_s)

    def tick(self, out=None) -> None:
        if self.done:
            return
        if time.monotonic() > self._give_up:
            self.done = True
            return
        ks = processes.kernels(self.server_pid)
        if not self._quiet.update(ks) or len(ks) < self.viewers:
            return
        sizes = [m for k in ks for m in [processes.rss_mb(k.pid)] if m is not None]
        if any(m < self.min_rss_mb for m in sizes):
            return
        if sizes:
            print(f"{len(sizes)} kernel{'s' if len(sizes) != 1 else ''} ready: {memory_text(sum(sizes) / len(sizes))} "
                  f"each as measured now, {memory_text(sum(sizes))} in all.", file=out or sys.stdout, flush=True)
        self.done = True


def _stop_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: have the kernel send this process SIGTERM if its parent (``sjia-explore``) dies."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def launch(cmd: Sequence[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    """Start Voila in a session of its own (a terminal's Ctrl+C reaches only ``sjia-explore``, which stops it
    in order), told to stop if its parent dies (Linux)."""
    extra = {"preexec_fn": _stop_with_parent} if sys.platform.startswith("linux") else {}
    return subprocess.Popen(list(cmd), env=env, start_new_session=True, **extra, **kwargs)


def run_until_stopped(proc: subprocess.Popen, stop_timeout_s: float = STOP_TIMEOUT_S,
                      on_tick=None, tick_s: float = 0.5) -> int:
    """Wait for Voila (``proc``); on SIGTERM, SIGINT or SIGHUP stop it and every kernel it started.

    The first signal is passed on to Voila as SIGTERM (Voila then shuts its
    kernels down). If Voila has not exited after ``stop_timeout_s``, or on a
    second signal, it is killed. Either way, every process it had started that
    still runs is then stopped too. Returns 0 after a requested stop, else
    Voila's exit code. ``on_tick`` is called every ``tick_s`` seconds while
    Voila runs. Call from the main thread (signal handlers are installed there
    and restored on return).
    """
    requested: list[float] = []
    remembered: dict[tuple[int, int], processes.ProcInfo] = {}

    def remember() -> None:
        for p in processes.descendants(proc.pid):
            remembered[(p.pid, p.start_ticks)] = p

    def on_signal(signum, frame) -> None:
        requested.append(time.monotonic())
        if len(requested) == 1:
            remember()
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

    handled = [s for s in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, on_signal) for s in handled}
    last_snapshot = 0.0
    try:
        while True:
            try:
                code = proc.wait(timeout=tick_s)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if requested:
                if len(requested) > 1 or now - requested[0] > stop_timeout_s:
                    remember()
                    proc.kill()
                    code = proc.wait()
                    break
                continue
            if now - last_snapshot > 5:  # so that kernels are known even if Voila dies on its own
                remember()
                last_snapshot = now
            if on_tick is not None:
                on_tick()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    left = processes.kill_left_over(list(remembered.values()), grace_s=1.0)
    if left:
        print(f"sjia-explore app: stopped {len(left)} process(es) the server had left running", file=sys.stderr)
    return 0 if requested else code


def serve(port: int = 8866, open_browser: bool = True, ip: str = "127.0.0.1", theme: str = "light",
          viewers: int = PREHEAT_POOL_SIZE) -> int:
    """Serve the dashboard until stopped (Ctrl+C, SIGTERM); returns 0 after a requested stop, else Voila's exit code.

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
    viewers
        Kernels kept ready, each having run the app (default 1); see :func:`voila_command`.
    """
    nb = app_notebook()
    if not nb.is_file():
        print(f"sjia-explore app: the dashboard notebook was not found at {nb}; reinstall sjia-explore",
              file=sys.stderr)
        return 1
    cmd = voila_command(port=port, ip=ip, open_browser=open_browser, theme=theme, viewers=viewers)
    host = f"[{ip}]" if ":" in ip else ip
    print(f"Serving the sJIA cohort explorer at http://{host}:{port}/  (press Ctrl+C to stop)", flush=True)
    print(pool_text(viewers), flush=True)
    if ip not in _LOOPBACK:
        print(f"Note: listening on {ip}, so other computers on the network can open the app.", flush=True)
    prepare_chart_javascript()
    compile_package()
    proc = launch(cmd, env=voila_env())
    watch = PoolWatch(proc.pid, viewers)
    return run_until_stopped(proc, on_tick=watch.tick)


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
        """Stop the server (its kernels stop with it); kill it, and any kernel left, if it does not stop in time."""
        remembered = processes.descendants(self.proc.pid)
        self.proc.terminate()
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            remembered += processes.descendants(self.proc.pid)
            self.proc.kill()
            self.proc.wait()
        processes.kill_left_over(remembered, grace_s=1.0)


def wait_until_listening(server: RunningVoila, timeout_s: float = 90) -> None:
    """Return once ``server``'s port accepts connections (no page is requested: that would start a kernel).

    Raises
    ------
    RuntimeError
        When the process exits or does not listen within ``timeout_s``; the server is stopped and the
        message holds its log.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=0.2).close()
            return
        except OSError:
            if server.proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"Voila did not start; its log:\n{server.log()}") from None
            time.sleep(0.05)


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
    compile_package()
    port = free_port()
    cmd = with_flags(voila_command(port=port, notebook=notebook), extra_args)
    cwd = Path(notebook).parent if notebook is not None else app_notebook().parent
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_path, "w") as log:  # the child keeps its own descriptor
        proc = launch(cmd, env=voila_env(), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    server = RunningVoila(proc=proc, url=f"http://127.0.0.1:{port}/", port=port, log_path=log_path, started_s=0.0)
    wait_until_listening(server, timeout_s)
    server.started_s = time.perf_counter() - started
    return server
