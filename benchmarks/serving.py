"""Voila servers for the benchmarks, started exactly as ``sjia-explore app`` starts them.

:func:`start` runs :func:`sjia_explore.server.voila_command` (plus optional
extra flags, which override earlier ones) with :func:`sjia_explore.server.voila_env`
on a free port of 127.0.0.1, and waits for the port only: a GET would start a kernel.
:func:`tree_memory` reads the resident memory of the server and of its kernels.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psutil

from sjia_explore.server import RunningVoila, start_in_background

REPO = Path(__file__).resolve().parents[1]
MB = 1024 * 1024


#: A running Voila server (``proc``, ``url``, ``port``, ``log_path``, ``started_s``, ``pid``, ``log()``).
Server = RunningVoila


def start(notebook: Path | None, log_path: Path, extra_args: tuple[str, ...] = (),
          timeout_s: float = 90) -> Server:
    """Serve ``notebook`` (default: the app) as ``sjia-explore app`` does, plus ``extra_args``."""
    return start_in_background(log_path, notebook=notebook, extra_args=extra_args, timeout_s=timeout_s)


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


def wait_for_idle_kernels(pid: int, count: int, timeout_s: float = 120, quiet_s: float = 3.0,
                          min_cpu_s: float = 0.0, min_rss_mb: float = 0.0) -> bool:
    """Wait until ``count`` kernels exist, each has used at least ``min_cpu_s`` of CPU and holds at least
    ``min_rss_mb`` of memory, and none has used CPU over the last ``quiet_s`` (a preheated pool that has run
    the notebook). The CPU is compared over the whole window, so a kernel starved of CPU on a crowded machine
    does not pass for idle; ``min_cpu_s`` and ``min_rss_mb`` tell a kernel that has run the notebook from one
    that has started and is still waiting to run it (measured: many kernels starting at once can each sit
    idle for seconds before running anything)."""
    from sjia_explore.processes import CpuQuiet
    from sjia_explore.processes import kernels as kernel_infos
    from sjia_explore.processes import rss_mb as pid_rss_mb

    deadline = time.monotonic() + timeout_s
    quiet = CpuQuiet(window_s=quiet_s)
    while time.monotonic() < deadline:
        ks = kernel_infos(pid)
        if quiet.update(ks) and len(ks) >= count and all(k.cpu_s >= min_cpu_s for k in ks) and all(
                (pid_rss_mb(k.pid) or 0.0) >= min_rss_mb for k in ks if min_rss_mb):
            return True
        time.sleep(0.5)
    return False
