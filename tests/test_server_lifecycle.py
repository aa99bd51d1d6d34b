"""`sjia-explore app` stops cleanly: SIGTERM, SIGINT, or its own death stops Voila and every kernel, and frees the port.

The app is started as a user starts it (`python -m sjia_explore.cli app --port N`) in a
subprocess; its processes are read from /proc (Linux) before the signal, and each must be
gone a few seconds after it. No browser: the kernels Voila keeps ready (`--viewers`) start
by themselves.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sjia_explore import processes
from sjia_explore.cli import main
from sjia_explore.server import STOP_TIMEOUT_S, free_port, voila_command

REPO = Path(__file__).resolve().parents[1]
needs_proc = pytest.mark.skipif(not processes.HAVE_PROC, reason="reads the process table from /proc (Linux)")


def _start_app(tmp_path: Path, viewers: int) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    log_path = tmp_path / "app.log"
    path = [str(REPO)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "sjia_explore.cli", "app", "--port", str(port), "--no-browser",
                                 "--viewers", str(viewers)], cwd=tmp_path, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    return proc, port, log_path


def _wait_for(condition, timeout_s: float, proc: subprocess.Popen, log_path: Path, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"the app exited ({proc.returncode}) before {what}; its output:\n{log_path.read_text()}")
        time.sleep(0.2)
    pytest.fail(f"no {what} after {timeout_s} s; the app's output:\n{log_path.read_text()}")


def _port_is_free(port: int, wait_s: float = 0.0) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
        time.sleep(0.1)


def _holder(port: int) -> str:
    """Who listens on ``port`` (for a failure message)."""
    try:
        return subprocess.run(["ss", "-ltnp"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return "(ss not available)"


def _left_running(tree: list[processes.ProcInfo], timeout_s: float) -> list[processes.ProcInfo]:
    deadline = time.monotonic() + timeout_s
    left = [p for p in tree if processes.same_process(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if processes.same_process(p)]
    return left


def _describe(left: list[processes.ProcInfo]) -> list[str]:
    return [f"{p.pid}: {' '.join(processes.cmdline(p.pid))[:120]}" for p in left]


@needs_proc
@pytest.mark.parametrize(("sig", "viewers"), [(signal.SIGTERM, 1), (signal.SIGINT, 2)])
def test_a_signal_stops_voila_and_every_kernel_within_seconds(tmp_path, sig, viewers):
    """SIGTERM once the kernel kept ready has run the app (and the app has said how much memory it takes);
    SIGINT (Ctrl+C) while two kernels are still starting."""
    proc, port, log_path = _start_app(tmp_path, viewers=viewers)
    tree: list[processes.ProcInfo] = []
    try:
        _wait_for(lambda: len(processes.kernels(proc.pid)) >= viewers, 120, proc, log_path, "kernels kept ready")
        if sig == signal.SIGTERM:
            _wait_for(lambda: re.search(r"1 kernel ready: \d+ MB each as measured now", log_path.read_text()), 180,
                      proc, log_path, "line saying the kernel is ready and its memory")
        tree = processes.descendants(proc.pid)
        assert any("voila" in processes.cmdline(p.pid) for p in tree), _describe(tree)
        assert not _port_is_free(port)
        started = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(STOP_TIMEOUT_S + 10)
        took = time.monotonic() - started
        left = _left_running(tree, timeout_s=2)
        assert left == [], f"still running after {signal.Signals(sig).name}: {_describe(left)}"
        assert code == 0, log_path.read_text()
        assert took < STOP_TIMEOUT_S + 2, f"stopping took {took:.1f} s"
        assert _port_is_free(port, wait_s=2), _holder(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        processes.kill_left_over(tree, grace_s=0.5)


@needs_proc
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Voila is told of its parent's death on Linux only")
def test_when_the_app_itself_is_killed_voila_stops_its_kernels(tmp_path):
    """SIGKILL (the out-of-memory killer, `kill -9`) leaves the app no chance to act; Voila stops by itself."""
    proc, port, log_path = _start_app(tmp_path, viewers=1)
    tree: list[processes.ProcInfo] = []
    try:
        _wait_for(lambda: processes.kernels(proc.pid), 120, proc, log_path, "a kernel kept ready")
        tree = processes.descendants(proc.pid)
        proc.kill()
        proc.wait()
        left = _left_running(tree, timeout_s=STOP_TIMEOUT_S + 5)
        assert left == [], f"still running after the app was killed: {_describe(left)}"
        assert _port_is_free(port, wait_s=2), _holder(port)
    finally:
        processes.kill_left_over(tree, grace_s=0.5)


def test_viewers_sets_voilas_kernel_pool():
    ten = voila_command(viewers=10)
    assert "--preheat_kernel=True" in ten and "--pool_size=10" in ten
    none = voila_command(viewers=0)
    assert "--preheat_kernel=False" in none and not any(a.startswith("--pool_size") for a in none)
    with pytest.raises(ValueError, match="viewers"):
        voila_command(viewers=-1)


def test_a_negative_viewers_count_is_a_usage_error(capsys):
    assert main(["app", "--viewers", "-1", "--no-browser"]) == 2
    assert "--viewers must be 0 or more" in capsys.readouterr().err
