"""The processes a server started, read from ``/proc`` (Linux), and how to stop all of them.

``sjia-explore app`` runs Voila as a child process, and Voila runs one Jupyter
kernel per viewer (plus the kernels it keeps ready). Kernels are started in a
session of their own, so a signal to Voila's process group does not reach them,
and a kernel whose server was killed is left running. These helpers let the
server's parent see its whole tree, measure its memory, and make sure nothing is
left when it stops. On a system without ``/proc`` (macOS, Windows) they see no
process, and stopping falls back to Voila's own shutdown.

Examples
--------
>>> import os
>>> isinstance(descendants(os.getpid()), list)
True
>>> info(os.getpid()).pid == os.getpid() if HAVE_PROC else True
True
"""

from __future__ import annotations

import os
import signal
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
HAVE_PROC = (PROC / "self" / "stat").is_file()
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
MB = 1024 * 1024


@dataclass(frozen=True)
class ProcInfo:
    """One process as ``/proc/<pid>/stat`` describes it."""

    pid: int
    ppid: int
    state: str  # "R", "S", "Z" (zombie: exited, not yet reaped), ...
    cpu_s: float  # user + system CPU time, seconds
    start_ticks: int  # start time since boot; with ``pid`` it names one process for good

    @property
    def running(self) -> bool:
        return self.state not in ("Z", "X")


def info(pid: int) -> ProcInfo | None:
    """What ``/proc`` says about ``pid``, or None when there is no such process (or no ``/proc``)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (OSError, ValueError):
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ")".
    fields = raw[raw.rfind(")") + 2:].split()
    try:
        return ProcInfo(pid=pid, ppid=int(fields[1]), state=fields[0],
                        cpu_s=(int(fields[11]) + int(fields[12])) / _CLOCK_TICKS, start_ticks=int(fields[19]))
    except (IndexError, ValueError):
        return None


def all_processes() -> list[ProcInfo]:
    """Every process this user can see (empty without ``/proc``)."""
    if not HAVE_PROC:
        return []
    out = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            p = info(int(entry.name))
            if p is not None:
                out.append(p)
    return out


def descendants(pid: int) -> list[ProcInfo]:
    """Children of ``pid``, their children, and so on (running or not yet reaped)."""
    children: dict[int, list[ProcInfo]] = {}
    for p in all_processes():
        children.setdefault(p.ppid, []).append(p)
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child.pid)
    return out


def cmdline(pid: int) -> list[str]:
    """The command line of ``pid`` (empty when it is gone)."""
    try:
        return [a for a in (PROC / str(pid) / "cmdline").read_bytes().decode(errors="replace").split("\0") if a]
    except OSError:
        return []


def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MB (what ``ps -o rss`` shows), or None when it is gone."""
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * _PAGE_BYTES / MB
    except (OSError, ValueError, IndexError):
        return None


def kernels(server_pid: int) -> list[ProcInfo]:
    """The running Jupyter kernels (``ipykernel``) under the server ``server_pid``."""
    return [p for p in descendants(server_pid) if p.running and any("ipykernel" in a for a in cmdline(p.pid))]


def same_process(p: ProcInfo) -> bool:
    """True while the process ``p`` describes still runs (a reused pid is another process)."""
    now = info(p.pid)
    return now is not None and now.running and now.start_ticks == p.start_ticks


class CpuQuiet:
    """Tells when processes have used (almost) no CPU over the last ``window_s`` seconds.

    Feed it the processes every fraction of a second (:meth:`update`); it answers
    True once each of them has used at most ``tolerance_s`` of CPU since a reading
    at least ``window_s`` old. Comparing over a window, not between two close
    readings, keeps a busy process on a crowded machine (which may get only a few
    milliseconds of CPU per reading) from looking idle.

    Examples
    --------
    >>> q = CpuQuiet(window_s=3.0)
    >>> busy = [ProcInfo(pid=7, ppid=1, state="S", cpu_s=t / 10, start_ticks=0) for t in range(8)]
    >>> [q.update([p], now=float(t)) for t, p in enumerate(busy)][-1]
    False
    >>> q.update([ProcInfo(pid=7, ppid=1, state="S", cpu_s=0.7, start_ticks=0)], now=8.0)
    False
    >>> q.update([ProcInfo(pid=7, ppid=1, state="S", cpu_s=0.7, start_ticks=0)], now=11.0)
    True
    """

    def __init__(self, window_s: float = 3.0, tolerance_s: float = 0.02):
        self.window_s, self.tolerance_s = window_s, tolerance_s
        self._history: deque[tuple[float, dict[int, float]]] = deque()

    def update(self, procs: list[ProcInfo], now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        cpu = {p.pid: p.cpu_s for p in procs}
        self._history.append((now, cpu))
        while len(self._history) > 1 and self._history[1][0] <= now - self.window_s:
            self._history.popleft()
        then, old = self._history[0]
        if not cpu or now - then < self.window_s:
            return False
        return all(pid in old and c - old[pid] <= self.tolerance_s for pid, c in cpu.items())


def kill_left_over(remembered: list[ProcInfo], grace_s: float = 3.0) -> list[int]:
    """SIGTERM, then SIGKILL after ``grace_s``, every remembered process that still runs; returns their pids.

    Only processes remembered earlier (by :func:`descendants`) are signalled, each
    checked to be the same process (start time) so that a reused pid is left alone.
    """
    left = [p for p in remembered if same_process(p)]
    for p in left:
        _signal(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(same_process(p) for p in left):
        time.sleep(0.05)
    for p in left:
        if same_process(p):
            _signal(p.pid, signal.SIGKILL)
    return [p.pid for p in left]


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
