"""Voila servers for the benchmarks, started exactly as ``sjia-explore app`` starts them.

:func:`start` runs :func:`sjia_explore.server.voila_command` (plus optional
extra flags, which override earlier ones) with :func:`sjia_explore.server.voila_env`
on a free port of 127.0.0.1, and waits for the port only: a GET would start a kernel.
:func:`tree_memory` reads the resident memory of the server and of its kernels.
"""

from __future__ import annotations

import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from sjia_explore.server import voila_command, voila_env

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running Voila process."""

    proc: subprocess.Popen
    url: str
    log_path: Path
    started_s: float  # seconds from launch until the port accepted connections

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def with_flags(cmd: list[str], extra_args: tuple[str, ...]) -> list[str]:
    """``cmd`` with ``extra_args`` added; a ``--Name=value`` flag replaces one of the same name (traitlets
    refuses a flag given twice)."""
    names = {a.split("=", 1)[0] for a in extra_args if a.startswith("--") and "=" in a}
    kept = [a for a in cmd if not (a.startswith("--") and "=" in a and a.split("=", 1)[0] in names)]
    return kept + list(extra_args)


def start(notebook: Path | None, log_path: Path, extra_args: tuple[str, ...] = (),
          timeout_s: float = 90) -> Server:
    """Serve ``notebook`` (default: the app) as ``sjia-explore app`` does, plus ``extra_args`` (:func:`with_flags`)."""
    port = free_port()
    cmd = with_flags(voila_command(port=port, notebook=notebook), extra_args)
    cwd = Path(notebook).parent if notebook is not None else REPO
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed when the process ends
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=voila_env(), cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child keeps its own descriptor
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_process(proc)
                raise RuntimeError(f"Voila did not start; its log:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.05)
    return Server(proc=proc, url=f"http://127.0.0.1:{port}/", log_path=log_path,
                  started_s=time.perf_counter() - t0)


def stop_process(proc: subprocess.Popen) -> None:
    """Stop a process we started (and the kernels it started), by its id."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for child in children:  # kernels normally stop with the server; make sure
        try:
            child.kill()
        except psutil.Error:
            pass


def stop(server: Server) -> None:
    stop_process(server.proc)


def kernels(pid: int) -> list[psutil.Process]:
    """The ipykernel processes started by the Voila server ``pid``."""
    out = []
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return out
    for child in children:
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def rss_mb(proc: psutil.Process) -> float | None:
    try:
        return proc.memory_info().rss / MB
    except psutil.Error:
        return None


def tree_memory(pid: int) -> dict:
    """Resident memory (MB) of the server, of each kernel, and of the whole tree."""
    try:
        server = psutil.Process(pid)
        server_mb = rss_mb(server) or 0.0
        others = server.children(recursive=True)
    except psutil.Error:
        return {"server_mb": 0.0, "kernels_mb": [], "total_mb": 0.0}
    kernel_pids = {k.pid for k in kernels(pid)}
    kernels_mb = [m for k in others if k.pid in kernel_pids for m in [rss_mb(k)] if m is not None]
    rest = sum(m for k in others if k.pid not in kernel_pids for m in [rss_mb(k)] if m is not None)
    return {"server_mb": server_mb, "kernels_mb": kernels_mb, "total_mb": server_mb + sum(kernels_mb) + rest}


def wait_for_idle_kernels(pid: int, count: int, timeout_s: float = 120, quiet_s: float = 1.5) -> bool:
    """Wait until ``count`` kernels exist and have used (almost) no CPU for ``quiet_s`` (a preheated pool)."""
    deadline = time.monotonic() + timeout_s
    last: dict[int, float] = {}
    quiet_since = None
    while time.monotonic() < deadline:
        ks = kernels(pid)
        cpu = {}
        for k in ks:
            try:
                t = k.cpu_times()
                cpu[k.pid] = t.user + t.system
            except psutil.Error:
                pass
        busy = len(cpu) < count or any(abs(cpu[p] - last.get(p, -1)) > 0.05 for p in cpu)
        last = cpu
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet_s:
            return True
        time.sleep(0.5)
    return False
