"""Life cycle of the servers we spawn ourselves: spawn, wait until they answer, stop."""

from __future__ import annotations

import abc
import os
import subprocess
import time
from pathlib import Path

from devstack.procs import (
    READY_TIMEOUT_SECONDS,
    DevstackError,
    free_port,
    log_tail,
    read_int,
    reap_stale,
    stop_child,
    write_pid_file,
)


class NotReadyError(DevstackError):
    """The server does not answer yet; the probe will be tried again."""


class FatalProbeError(DevstackError):
    """The server answered, but in a way that waiting longer will not fix."""


class ChildServer(abc.ABC):
    """One server process under `root`, with its log, pid file and remembered ports."""

    name = "server"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.log_path = self.root / "server.log"
        self.pid_file = self.root / "server.pid"
        self._process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @abc.abstractmethod
    def _command(self) -> list[str]:
        """The command line; called once per start, after the ports are chosen."""

    @abc.abstractmethod
    def _choose_ports(self) -> None:
        """Pick the listening ports for this start (see `_port`)."""

    @abc.abstractmethod
    def _probe(self) -> None:
        """Return once the server answers a real request; until then NotReadyError."""

    def _env(self) -> dict[str, str]:
        return dict(os.environ)

    def _port(self, label: str) -> int:
        # The previous run's port when still free, so URLs stay stable across restarts.
        state = self.root / f"{label}.port"
        port = free_port(read_int(state))
        state.write_text(f"{port}\n")
        return port

    def start(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Start the server and return once it answers; a no-op when it already runs."""
        if self.running:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        reap_stale(self.pid_file)
        self._choose_ports()
        command = self._command()
        with self.log_path.open("ab") as log:
            self._log_offset = log.tell()
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=self._env(),
                start_new_session=True,
            )
        write_pid_file(self.pid_file, self._process.pid)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        last_error: NotReadyError | None = None
        while True:
            code = self._process.poll()
            if code is not None:
                raise DevstackError(
                    f"{self.name} exited with code {code} while starting; {self.log_path} ends with:\n{self.log_tail()}"
                )
            try:
                self._probe()
                return
            except FatalProbeError as exc:
                raise DevstackError(f"{exc}; {self.log_path} ends with:\n{self.log_tail()}") from exc
            except NotReadyError as exc:
                last_error = exc
            if time.monotonic() > deadline:
                raise DevstackError(
                    f"{self.name} did not answer within {timeout:.0f} s "
                    f"(last error: {last_error}); "
                    f"{self.log_path} ends with:\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def log_tail(self) -> str:
        """What the server logged since the last start."""
        return log_tail(self.log_path, self._log_offset)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a grace period); idempotent."""
        if self._process is None:
            return
        try:
            stop_child(self._process)
        finally:
            self._process = None
            self.pid_file.unlink(missing_ok=True)
